// Opaque pagination cursors: base64url JSON of the last row's sort key. Malformed → undefined.
import { z } from '@hono/zod-openapi'
import { AppError } from '../errors'
import { base64url, fromBase64 } from './bytes'

export type Cursor = { createdAt: string; id: string }

export function encodeCursor(cursor: Cursor): string {
  return base64url(new TextEncoder().encode(JSON.stringify([cursor.createdAt, cursor.id])))
}

export function decodeCursor(text: string): Cursor | undefined {
  try {
    const bytes = fromBase64(text)
    if (!bytes) return undefined
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

/** The query of a listing: `limit` (1..1000, default 100) and an optional `cursor`. */
export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(512).optional(),
})

/** Reads a page query's cursor; invalid_request for one Signet did not give out. */
export function readCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined) return undefined
  const cursor = decodeCursor(text)
  if (!cursor) throw new AppError('invalid_request', 'The cursor is not one Signet gave out.')
  return cursor
}

/** The cursor for the page after `records`, or null when this page was the last. */
export function nextCursor(records: readonly Cursor[], limit: number): string | null {
  const last = records.length === limit ? records.at(-1) : undefined
  return last ? encodeCursor(last) : null
}
