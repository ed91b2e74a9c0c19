// Google Cloud Storage V4 signing with a service-account key (GOOG4-RSA-SHA256): the SigV4
// canonical request (same encoding, same canonical headers) under X-Goog-* names, hashed with
// SHA-256 and signed with RSASSA-PKCS1-v1_5 in Web Crypto. Pure: time, key and request come in.
// The imported key is cached per credential object; the PEM never leaves this module.
import { fromBase64, hex, sha256Hex, utf8 } from '../lib/bytes'
import { canonicalQuery } from './encoding'
import { amzDate, canonicalHeaders } from './sigv4'

export const GOOG4_ALGORITHM = 'GOOG4-RSA-SHA256'

/** A service-account key as Google issues it (only what signing needs). */
export type ServiceAccount = { readonly clientEmail: string; readonly privateKey: string }

const keys = new WeakMap<ServiceAccount, Promise<CryptoKey>>()

/** The PKCS#8 bytes of a PEM private key; undefined when it is not one. */
export function pemToPkcs8(pem: string): Uint8Array | undefined {
  const match = /-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END PRIVATE KEY-----/.exec(pem)
  return match ? fromBase64((match[1] as string).replace(/\s+/g, '')) : undefined
}

/** The signing key of a service account, imported once. */
export function signingKey(account: ServiceAccount): Promise<CryptoKey> {
  let key = keys.get(account)
  if (!key) {
    const pkcs8 = pemToPkcs8(account.privateKey)
    key = pkcs8
      ? crypto.subtle.importKey(
          'pkcs8',
          pkcs8,
          { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
          false,
          ['sign'],
        )
      : Promise.reject(new Error('not a PKCS#8 private key'))
    key.catch(() => keys.delete(account))
    keys.set(account, key)
  }
  return key
}

export type Goog4Input = {
  method: string
  /** The Host header the client will send (no port for storage.googleapis.com). */
  host: string
  /** The canonical URI, already encoded. */
  path: string
  /** Parameters other than X-Goog-*, unencoded. */
  query?: readonly (readonly [string, string])[]
  /** Headers the client must send, besides Host. */
  headers?: Readonly<Record<string, string>>
  /** Signing time. */
  now: Date
  expiresIn: number
  account: ServiceAccount
}

/** Signs a GCS request in its query string; answers the whole query, X-Goog-Signature last. */
export async function presignGoog4(input: Goog4Input): Promise<string> {
  const datetime = amzDate(input.now)
  const scope = `${datetime.slice(0, 8)}/auto/storage/goog4_request`
  const { block, signed } = canonicalHeaders(input.host, input.headers)
  const query = canonicalQuery([
    ['X-Goog-Algorithm', GOOG4_ALGORITHM],
    ['X-Goog-Credential', `${input.account.clientEmail}/${scope}`],
    ['X-Goog-Date', datetime],
    ['X-Goog-Expires', String(input.expiresIn)],
    ['X-Goog-SignedHeaders', signed],
    ...(input.query ?? []),
  ])
  const canonicalRequest = `${input.method}\n${input.path}\n${query}\n${block}\n${signed}\nUNSIGNED-PAYLOAD`
  const stringToSign = `${GOOG4_ALGORITHM}\n${datetime}\n${scope}\n${await sha256Hex(canonicalRequest)}`
  const signature = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    await signingKey(input.account),
    utf8(stringToSign),
  )
  return `${query}&X-Goog-Signature=${hex(signature)}`
}
