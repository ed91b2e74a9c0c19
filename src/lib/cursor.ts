// Opaque pagination cursors: base64url JSON of the last row's sort key. Malformed → undefined.
import { base64url } from '../auth/tokens'

export type Cursor = { createdAt: string; id: string }

export function encodeCursor(cursor: Cursor): string {
  return base64url(new TextEncoder().encode(JSON.stringify([cursor.createdAt, cursor.id])))
}

export function decodeCursor(text: string): Cursor | undefined {
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0))
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes))
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return { createdAt: value[0], id: value[1] }
    }
  } catch {
    // fall through: not a cursor Signet made
  }
  return undefined
}
