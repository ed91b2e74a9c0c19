// SigV4 query signing (presigned URLs) on Web Crypto. Pure: time, credentials and the request
// come in; the URL's query string goes out. The derived signing key is cached per credential,
// date, region and service, so each URL costs one SHA-256 and one HMAC.
import { canonicalHeaderValue, canonicalQuery } from './encoding'

export const ALGORITHM = 'AWS4-HMAC-SHA256'
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD'

export type SigningCredential = {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

export type PresignInput = {
  method: string
  /** The Host header as the client will send it (with a port when it is not the default). */
  host: string
  /** The canonical URI, already encoded (encodeKeyPath); sent as is. */
  path: string
  /** Query parameters other than X-Amz-*, unencoded (e.g. response-content-type, versionId). */
  query?: readonly (readonly [string, string])[]
  /** Headers the client must send, besides Host. Names in any case. */
  headers?: Readonly<Record<string, string>>
  region: string
  service: string
  /** Signing time as YYYYMMDD'T'HHMMSS'Z'. */
  datetime: string
  /** Seconds, 1..604800 (checked by the caller). */
  expiresIn: number
  credential: SigningCredential
  /** The payload hash line; S3 presigned URLs use UNSIGNED-PAYLOAD (the default). */
  payloadHash?: string
}

export type PresignParts = {
  canonicalRequest: string
  stringToSign: string
  signature: string
  /** The full query string of the URL, X-Amz-Signature last. */
  query: string
  signedHeaders: string
}

const encoder = new TextEncoder()

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer)
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number]
  return out
}

/** Formats a Date as SigV4's basic ISO 8601 timestamp. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '')
}

async function hmacRaw(key: BufferSource, data: string): Promise<ArrayBuffer> {
  const imported = await crypto.subtle.importKey(
    'raw',
    key,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return crypto.subtle.sign('HMAC', imported, encoder.encode(data))
}

/** Derives the SigV4 signing key: HMAC chain over date, region, service, "aws4_request". */
export async function deriveSigningKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Promise<CryptoKey> {
  const kDate = await hmacRaw(encoder.encode(`AWS4${secretAccessKey}`), date)
  const kRegion = await hmacRaw(kDate, region)
  const kService = await hmacRaw(kRegion, service)
  const kSigning = await hmacRaw(kService, 'aws4_request')
  return crypto.subtle.importKey('raw', kSigning, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
}

// Keyed by the credential object itself, so no secret is ever a map key and a rotated
// credential (a new object from a new config) never meets an old key.
const keyCache = new WeakMap<SigningCredential, Map<string, Promise<CryptoKey>>>()

/** The signing key for (credential, date, region, service), derived once a day and reused. */
export function signingKey(
  credential: SigningCredential,
  date: string,
  region: string,
  service: string,
): Promise<CryptoKey> {
  let perCredential = keyCache.get(credential)
  if (!perCredential) {
    perCredential = new Map()
    keyCache.set(credential, perCredential)
  }
  const scope = `${date}/${region}/${service}`
  let key = perCredential.get(scope)
  if (!key) {
    // Keys of other days are never needed again (signing uses the current date).
    for (const cached of perCredential.keys()) {
      if (!cached.startsWith(date)) perCredential.delete(cached)
    }
    key = deriveSigningKey(credential.secretAccessKey, date, region, service)
    // A failed derivation must not poison the cache.
    key.catch(() => perCredential?.delete(scope))
    perCredential.set(scope, key)
  }
  return key
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(text)))
}

/** Builds the canonical headers block and the SignedHeaders list (host always included). */
export function canonicalHeaders(
  host: string,
  headers: Readonly<Record<string, string>> | undefined,
): { block: string; signed: string } {
  const entries: [string, string][] = [['host', canonicalHeaderValue(host)]]
  if (headers) {
    for (const name of Object.keys(headers)) {
      entries.push([name.toLowerCase(), canonicalHeaderValue(headers[name] as string)])
    }
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  let block = ''
  let signed = ''
  for (const [name, value] of entries) {
    block += `${name}:${value}\n`
    signed += signed ? `;${name}` : name
  }
  return { block, signed }
}

/** Signs a request in the query string (a presigned URL). */
export async function presignQuery(input: PresignInput): Promise<PresignParts> {
  const date = input.datetime.slice(0, 8)
  const credentialScope = `${date}/${input.region}/${input.service}/aws4_request`
  const { block, signed } = canonicalHeaders(input.host, input.headers)
  const params: [string, string][] = [
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', `${input.credential.accessKeyId}/${credentialScope}`],
    ['X-Amz-Date', input.datetime],
    ['X-Amz-Expires', String(input.expiresIn)],
    ['X-Amz-SignedHeaders', signed],
  ]
  // S3 signs the session token as part of the query (it is not added after signing).
  if (input.credential.sessionToken) {
    params.push(['X-Amz-Security-Token', input.credential.sessionToken])
  }
  if (input.query) for (const [name, value] of input.query) params.push([name, value])
  const query = canonicalQuery(params)
  const canonicalRequest = `${input.method}\n${input.path}\n${query}\n${block}\n${signed}\n${input.payloadHash ?? UNSIGNED_PAYLOAD}`
  const key = signingKey(input.credential, date, input.region, input.service)
  const stringToSign = `${ALGORITHM}\n${input.datetime}\n${credentialScope}\n${await sha256Hex(canonicalRequest)}`
  const signature = toHex(await crypto.subtle.sign('HMAC', await key, encoder.encode(stringToSign)))
  return {
    canonicalRequest,
    stringToSign,
    signature,
    query: `${query}&X-Amz-Signature=${signature}`,
    signedHeaders: signed,
  }
}
