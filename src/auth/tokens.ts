// Secret tokens: generation, hashing for storage, constant-time comparison. Pure Web Crypto.
// API keys are 256 random bits; only their SHA-256 is stored, so a leaked table grants nothing.
import { base64url, bytesEqual, hex, randomBytes, sha256, sha256Hex } from '../lib/bytes'

export const API_KEY_PREFIX = 'sgn_'

/** A new API key: `sgn_` and 43 characters of base64url (256 bits). */
export function newApiKey(): string {
  return API_KEY_PREFIX + base64url(randomBytes(32))
}

/** A public identifier: a prefix and 96 random bits as hex. */
export function newId(prefix: string): string {
  return prefix + hex(randomBytes(12))
}

export function hashToken(token: string): Promise<string> {
  return sha256Hex(token)
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so their lengths are
 * equal and nothing about the expected value's length leaks.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)])
  return bytesEqual(a, b)
}
