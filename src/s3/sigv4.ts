// SigV4 query signing (presigned URLs) on Web Crypto. Pure: time, credentials and the request
// come in; the URL's query string goes out. The derived signing key is cached per credential,
// date, region and service, so each URL costs one SHA-256 and one HMAC.
import { hex, hmacSha256 } from '../lib/bytes'
import { canonicalHeaderValue, canonicalQuery, uriEncode } from './encoding'

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
  /** Seconds, 1..MAX_EXPIRES_IN (checked by the caller). */
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

/** Formats a Date as SigV4's basic ISO 8601 timestamp. */
export function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]|\.\d{3}/g, '')
}

/** Derives the SigV4 signing key: HMAC chain over date, region, service, "aws4_request". */
export async function deriveSigningKey(
  secretAccessKey: string,
  date: string,
  region: string,
  service: string,
): Promise<CryptoKey> {
  const kDate = await hmacSha256(encoder.encode(`AWS4${secretAccessKey}`), date)
  const kRegion = await hmacSha256(kDate, region)
  const kService = await hmacSha256(kRegion, service)
  const kSigning = await hmacSha256(kService, 'aws4_request')
  return crypto.subtle.importKey('raw', kSigning, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ])
}

/**
 * Everything about one (credential, date, region, service) that does not change per URL: the
 * derived key and the encoded parameters. The key is kept resolved once ready, so the hot path
 * awaits only the SHA-256 and the HMAC.
 */
export type ScopeContext = {
  readonly date: string
  readonly region: string
  readonly service: string
  readonly credentialScope: string
  /** `X-Amz-Algorithm=...&X-Amz-Credential=...&X-Amz-Date=` up to the datetime. */
  readonly queryHead: string
  /** `&X-Amz-Security-Token=...` or empty. */
  readonly tokenParam: string
  readonly keyPromise: Promise<CryptoKey>
  key: CryptoKey | undefined
}

// Keyed by the credential object itself, so no secret is ever a map key and a rotated
// credential (a new object from a new config) never meets an old key.
const contexts = new WeakMap<SigningCredential, ScopeContext[]>()

function newScopeContext(
  credential: SigningCredential,
  date: string,
  region: string,
  service: string,
): ScopeContext {
  const credentialScope = `${date}/${region}/${service}/aws4_request`
  const keyPromise = deriveSigningKey(credential.secretAccessKey, date, region, service)
  const context: ScopeContext = {
    date,
    region,
    service,
    credentialScope,
    queryHead: `X-Amz-Algorithm=${ALGORITHM}&X-Amz-Credential=${uriEncode(`${credential.accessKeyId}/${credentialScope}`)}&X-Amz-Date=`,
    tokenParam: credential.sessionToken
      ? `&X-Amz-Security-Token=${uriEncode(credential.sessionToken)}`
      : '',
    keyPromise,
    key: undefined,
  }
  keyPromise.then(
    (key) => {
      context.key = key
    },
    // A failed derivation must not poison the cache.
    () => {
      const list = contexts.get(credential)
      if (list)
        contexts.set(
          credential,
          list.filter((c) => c !== context),
        )
    },
  )
  return context
}

/** The signing context for (credential, date, region, service); the key is derived once a day. */
export function scopeContext(
  credential: SigningCredential,
  date: string,
  region: string,
  service: string,
): ScopeContext {
  let list = contexts.get(credential)
  if (list) {
    for (const context of list) {
      if (context.date === date && context.region === region && context.service === service) {
        return context
      }
    }
    // Contexts of other days are never needed again (signing uses the current date).
    list = list.filter((context) => context.date === date)
  } else {
    list = []
  }
  const context = newScopeContext(credential, date, region, service)
  list.push(context)
  contexts.set(credential, list)
  return context
}

/** Builds the canonical headers block and the SignedHeaders list (host always included). */
export function canonicalHeaders(
  host: string,
  headers: Readonly<Record<string, string>> | undefined,
): { block: string; signed: string } {
  const names = headers ? Object.keys(headers) : []
  if (names.length === 0) return { block: `host:${canonicalHeaderValue(host)}\n`, signed: 'host' }
  const entries: [string, string][] = [['host', canonicalHeaderValue(host)]]
  for (const name of names) {
    entries.push([
      name.toLowerCase(),
      canonicalHeaderValue((headers as Record<string, string>)[name] as string),
    ])
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
  const context = scopeContext(
    input.credential,
    input.datetime.slice(0, 8),
    input.region,
    input.service,
  )
  const { block, signed } = canonicalHeaders(input.host, input.headers)
  // The X-Amz-* names sort in this order; the datetime and expiry need no encoding.
  let query = `${context.queryHead}${input.datetime}&X-Amz-Expires=${input.expiresIn}${context.tokenParam}&X-Amz-SignedHeaders=${signed === 'host' ? signed : uriEncode(signed)}`
  if (input.query && input.query.length > 0) {
    // S3 signs the session token as part of the query (it is not added after signing).
    const params: [string, string][] = [
      ['X-Amz-Algorithm', ALGORITHM],
      ['X-Amz-Credential', `${input.credential.accessKeyId}/${context.credentialScope}`],
      ['X-Amz-Date', input.datetime],
      ['X-Amz-Expires', String(input.expiresIn)],
      ['X-Amz-SignedHeaders', signed],
    ]
    if (input.credential.sessionToken) {
      params.push(['X-Amz-Security-Token', input.credential.sessionToken])
    }
    for (const [name, value] of input.query) params.push([name, value])
    query = canonicalQuery(params)
  }
  const canonicalRequest = `${input.method}\n${input.path}\n${query}\n${block}\n${signed}\n${input.payloadHash ?? UNSIGNED_PAYLOAD}`
  const hash = hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonicalRequest)))
  const stringToSign = `${ALGORITHM}\n${input.datetime}\n${context.credentialScope}\n${hash}`
  const key = context.key ?? (await context.keyPromise)
  const signature = hex(await crypto.subtle.sign('HMAC', key, encoder.encode(stringToSign)))
  return {
    canonicalRequest,
    stringToSign,
    signature,
    query: `${query}&X-Amz-Signature=${signature}`,
    signedHeaders: signed,
  }
}
