// Secret tokens: generation, hashing for storage, constant-time comparison. Pure Web Crypto.
// API keys are 256 random bits; only their SHA-256 is stored, so a leaked table grants nothing.

const encoder = new TextEncoder()

export const API_KEY_PREFIX = 'sgn_'

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)
  let out = ''
  for (const byte of view) out += byte.toString(16).padStart(2, '0')
  return out
}

export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length))
}

/** A new API key: `sgn_` and 43 characters of base64url (256 bits). */
export function newApiKey(): string {
  return API_KEY_PREFIX + base64url(randomBytes(32))
}

/** A public identifier: a prefix and 96 random bits as hex. */
export function newId(prefix: string): string {
  return prefix + hex(randomBytes(12))
}

export async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}

export async function hashToken(token: string): Promise<string> {
  return hex(await sha256(token))
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so their lengths are
 * equal and nothing about the expected value's length leaks.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)])
  return crypto.subtle.timingSafeEqual(a, b)
}
