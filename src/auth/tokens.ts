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

/** SHA-256 of the admin token, per isolate: it changes only with a new deployment. */
let adminDigest: { token: string; digest: Promise<Uint8Array> } | undefined

/**
 * A presented token's SHA-256 (hex: what an API key is stored and cached under), and whether it
 * is the admin token, compared in constant time by digest: one hash per request, not three.
 */
export async function presentedToken(
  token: string,
  adminToken: string,
): Promise<{ admin: boolean; hash: string }> {
  if (adminDigest?.token !== adminToken)
    adminDigest = { token: adminToken, digest: sha256(adminToken) }
  const [given, admin] = await Promise.all([sha256(token), adminDigest.digest])
  return { admin: bytesEqual(given, admin), hash: hex(given) }
}

/**
 * Compares two secrets in constant time. Both sides are hashed first so their lengths are
 * equal and nothing about the expected value's length leaks.
 */
export async function secretsEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)])
  return bytesEqual(a, b)
}
