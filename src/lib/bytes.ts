// Bytes: hex and base64 codecs, SHA-256, random bytes and constant-time comparison, on Web
// Crypto. Pure; the one place these primitives are written.

const encoder = new TextEncoder()
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex, table-driven (it sits on the signing hot path). */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let out = ''
  for (let i = 0; i < view.length; i++) out += HEX[view[i] as number]
  return out
}

/** Bytes of an even-length hex string; undefined for anything else. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16)
  return out
}

export function base64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

export function base64url(bytes: Uint8Array): string {
  return base64(bytes).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** Bytes of base64 or base64url text; undefined when it is not. */
export function fromBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (ch) =>
      ch.charCodeAt(0),
    )
  } catch {
    return undefined
  }
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length))
}

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return hex(await sha256(data))
}

/** HMAC-SHA256 of `data` under a raw key. */
export async function hmacSha256(
  key: BufferSource,
  data: string | Uint8Array,
): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey(
    'raw',
    key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const bytes = typeof data === 'string' ? encoder.encode(data) : data
  return new Uint8Array(await crypto.subtle.sign('HMAC', imported, bytes))
}

/** Constant time for equal lengths; a length difference alone answers false at once. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b)
}

/** bytesEqual over the UTF-8 of two strings (hex signatures, tags). */
export function textEqual(a: string, b: string): boolean {
  return bytesEqual(encoder.encode(a), encoder.encode(b))
}
