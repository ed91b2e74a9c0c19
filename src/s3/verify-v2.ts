// SigV2 query-signature verification (the presigned URLs `s3cmd signurl` and older SDKs make:
// AWSAccessKeyId, Expires, Signature), for GET and HEAD. Pure: the request's parts, a credential
// lookup and `now` come in; a tagged result goes out. The signature is checked before its expiry
// is trusted. SigV2 sets no limit on expiry, so a URL that expires more than 7 days from now is
// refused: no one can mint a never-expiring link.
import { base64, textEqual, utf8 } from '../lib/bytes'
import { MAX_EXPIRES_IN } from '../lib/limits'
import type { SigningCredential } from './sigv4'
import { parseQuery } from './verify'

export type V2Failure =
  | 'missing_parameter'
  | 'duplicate_parameter'
  | 'malformed_parameter'
  | 'method'
  | 'unknown_access_key'
  | 'signature_mismatch'
  | 'expired'
  | 'too_far'

export type V2Input = {
  method: string
  /** The resource the client signed: `/<bucket>/<key>` as sent, percent-encoded. */
  resource: string
  /** The query string as received, without "?". */
  rawQuery: string
  headers: Headers
  now: Date
  lookup: (accessKeyId: string) => SigningCredential | undefined
}

export type V2Result =
  | { ok: true; accessKeyId: string; expiresAt: Date; params: Map<string, string> }
  | { ok: false; reason: V2Failure; message: string }

const AUTH = ['AWSAccessKeyId', 'Expires', 'Signature'] as const

/** Query parameters S3 includes in a V2 signature's resource, and no others. */
const SUB_RESOURCES = new Set([
  'acl',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
])

/** True when a query carries SigV2 query authentication rather than SigV4. */
export function isV2Query(rawQuery: string): boolean {
  return /(^|&)AWSAccessKeyId=/.test(rawQuery) && !/(^|&)X-Amz-Algorithm=/i.test(rawQuery)
}

function fail(reason: V2Failure, message: string): V2Result {
  return { ok: false, reason, message }
}

/** The V2 string to sign for a query-authenticated request (S3's RESTAuthentication). */
export function stringToSignV2(
  method: string,
  headers: Headers,
  expires: string,
  resource: string,
  params: Map<string, string>,
): string {
  const amz = [...headers]
    .filter(([name]) => name.startsWith('x-amz-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value.trim()}\n`)
    .join('')
  const sub = [...params]
    .filter(([name]) => SUB_RESOURCES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`))
    .join('&')
  return `${method}\n${headers.get('content-md5') ?? ''}\n${headers.get('content-type') ?? ''}\n${expires}\n${amz}${resource}${sub ? `?${sub}` : ''}`
}

export async function verifyPresignedV2(input: V2Input): Promise<V2Result> {
  const pairs = parseQuery(input.rawQuery)
  if (!pairs) return fail('malformed_parameter', 'The query string has a malformed escape.')
  const auth = new Map<string, string>()
  const params = new Map<string, string>()
  for (const [name, value] of pairs) {
    const target = (AUTH as readonly string[]).includes(name) ? auth : params
    if (target.has(name)) return fail('duplicate_parameter', `${name} appears more than once.`)
    target.set(name, value)
  }
  for (const name of AUTH) {
    if (!auth.has(name)) return fail('missing_parameter', `${name} is missing.`)
  }
  if (input.method !== 'GET' && input.method !== 'HEAD') {
    return fail('method', 'SigV2 URLs are accepted for GET and HEAD only; sign with SigV4.')
  }
  const accessKeyId = auth.get('AWSAccessKeyId') as string
  const expires = auth.get('Expires') as string
  const signature = auth.get('Signature') as string
  if (!/^\d{1,12}$/.test(expires)) {
    return fail('malformed_parameter', 'Expires is not a time in epoch seconds.')
  }
  if (!/^[A-Za-z0-9+/]{27}=$/.test(signature)) {
    return fail('malformed_parameter', 'Signature is not a base64 HMAC-SHA1.')
  }
  const credential = input.lookup(accessKeyId)
  if (!credential) return fail('unknown_access_key', 'The access key id is not known here.')
  const key = await crypto.subtle.importKey(
    'raw',
    utf8(credential.secretAccessKey),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  )
  const text = stringToSignV2(input.method, input.headers, expires, input.resource, params)
  const expected = base64(new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8(text))))
  if (!textEqual(expected, signature)) {
    return fail('signature_mismatch', 'The request signature does not match.')
  }
  // Only now is the signed expiry trustworthy.
  const expiresAt = new Date(Number(expires) * 1000)
  const nowMs = input.now.getTime()
  if (nowMs > expiresAt.getTime()) return fail('expired', 'Request has expired.')
  if (expiresAt.getTime() - nowMs > MAX_EXPIRES_IN * 1000) {
    return fail(
      'too_far',
      'This SigV2 URL expires more than 7 days from now; Signet refuses such URLs. Sign for at most 7 days.',
    )
  }
  return { ok: true, accessKeyId, expiresAt, params }
}
