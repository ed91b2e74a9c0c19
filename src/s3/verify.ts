// SigV4 query-signature verification (presigned URLs), sharing canonicalisation with the signer.
// Pure: the request's parts, a credential lookup and `now` come in; a tagged result goes out.
// The signature is checked before anything it covers (expiry, extra parameters) is trusted.

import { hex, textEqual } from '../lib/bytes'
import { MAX_CLOCK_SKEW_SECONDS, MAX_EXPIRES_IN } from '../lib/limits'
import { canonicalHeaderValue, canonicalQuery, encodeKeyPath } from './encoding'
import { ALGORITHM, type SigningCredential, scopeContext, UNSIGNED_PAYLOAD } from './sigv4'

export type VerifyFailure =
  | 'missing_parameter'
  | 'duplicate_parameter'
  | 'malformed_parameter'
  | 'unsupported_algorithm'
  | 'unknown_access_key'
  | 'credential_scope'
  | 'missing_signed_header'
  | 'unsigned_header'
  | 'malformed_path'
  | 'signature_mismatch'
  | 'not_yet_valid'
  | 'expired'

export type VerifyInput = {
  method: string
  /** The path as received, percent-encoded (URL.pathname). */
  rawPath: string
  /** The query string as received, without "?". */
  rawQuery: string
  /** The Host the client sent. */
  host: string
  headers: Headers
  now: Date
  service?: string
  lookup: (accessKeyId: string) => SigningCredential | undefined
}

export type Verified = {
  ok: true
  accessKeyId: string
  region: string
  signedAt: Date
  expiresAt: Date
  signedHeaders: string[]
  /** Every query parameter but X-Amz-*, decoded; all covered by the signature. */
  params: Map<string, string>
  /** The payload hash the client committed to (UNSIGNED-PAYLOAD or hex). */
  payloadHash: string
}

export type VerifyResult = Verified | { ok: false; reason: VerifyFailure; message: string }

/** The parameters every SigV4 presigned URL has. */
export const REQUIRED_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
] as const

const encoder = new TextEncoder()

function fail(reason: VerifyFailure, message: string): VerifyResult {
  return { ok: false, reason, message }
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/** Splits a raw query into decoded pairs, in order; undefined when an escape is malformed. */
export function parseQuery(rawQuery: string): [string, string][] | undefined {
  const pairs: [string, string][] = []
  if (rawQuery === '') return pairs
  for (const part of rawQuery.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const name = decode(eq === -1 ? part : part.slice(0, eq))
    const value = decode(eq === -1 ? '' : part.slice(eq + 1))
    if (name === undefined || value === undefined) return undefined
    pairs.push([name, value])
  }
  return pairs
}

/** The canonical URI for a received path: decoded once, then encoded the SigV4 way. */
export function canonicalPath(rawPath: string): string | undefined {
  const decoded = decode(rawPath)
  if (decoded === undefined || !decoded.isWellFormed()) return undefined
  return encodeKeyPath(decoded)
}

export type CredentialScope = { accessKeyId: string; date: string; region: string; service: string }

/** `<key>/<date>/<region>/<service>/aws4_request`, or undefined. */
export function credentialScope(text: string): CredentialScope | undefined {
  const parts = text.split('/')
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined
  const [accessKeyId, date, region, service] = parts as [string, string, string, string]
  return { accessKeyId, date, region, service }
}

/** The scope names the day the request was signed, the service (s3), and some region. */
export function scopeMatches(scope: CredentialScope, dateText: string, service = 's3'): boolean {
  return scope.date === dateText.slice(0, 8) && scope.service === service && scope.region !== ''
}

/** A SignedHeaders list: lower case, sorted, unique, holding `required`; undefined otherwise. */
export function signedHeaderList(text: string, required: string[]): string[] | undefined {
  const list = text.split(';')
  const valid =
    list.every((h) => /^[a-z0-9-]+$/.test(h)) &&
    [...list].sort().join(';') === text &&
    new Set(list).size === list.length &&
    required.every((name) => list.includes(name))
  return valid ? list : undefined
}

/** Reads SigV4's YYYYMMDD'T'HHMMSS'Z'; undefined for anything else, rolled-over dates included. */
export function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second))
  // Reject 20261340T... style dates that Date.UTC would roll over.
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '') === text.slice(0, 15)
    ? date
    : undefined
}

export async function verifyPresigned(input: VerifyInput): Promise<VerifyResult> {
  const pairs = parseQuery(input.rawQuery)
  if (!pairs) return fail('malformed_parameter', 'The query string has a malformed escape.')
  const auth = new Map<string, string>()
  const authNames = new Set<string>() // lower-cased: X-Amz-Date and x-amz-date are one name
  const params = new Map<string, string>()
  for (const [name, value] of pairs) {
    const lower = name.toLowerCase()
    if (lower.startsWith('x-amz-')) {
      if (authNames.has(lower)) {
        return fail('duplicate_parameter', `${name} appears more than once.`)
      }
      authNames.add(lower)
      auth.set(name, value)
    } else {
      if (params.has(name)) return fail('duplicate_parameter', `${name} appears more than once.`)
      params.set(name, value)
    }
  }
  for (const name of REQUIRED_PARAMS) {
    if (!auth.has(name)) return fail('missing_parameter', `${name} is missing.`)
  }
  const algorithm = auth.get('X-Amz-Algorithm') as string
  const credentialText = auth.get('X-Amz-Credential') as string
  const dateText = auth.get('X-Amz-Date') as string
  const expiresText = auth.get('X-Amz-Expires') as string
  const signedHeadersText = auth.get('X-Amz-SignedHeaders') as string
  const signature = auth.get('X-Amz-Signature') as string

  if (algorithm !== ALGORITHM)
    return fail('unsupported_algorithm', `Only ${ALGORITHM} is supported.`)
  const scope = credentialScope(credentialText)
  if (!scope) {
    return fail(
      'malformed_parameter',
      'X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request.',
    )
  }
  const { accessKeyId, region } = scope
  const signedAt = parseAmzDate(dateText)
  if (!signedAt) return fail('malformed_parameter', 'X-Amz-Date is not YYYYMMDDTHHMMSSZ.')
  if (!/^\d{1,6}$/.test(expiresText))
    return fail('malformed_parameter', 'X-Amz-Expires is not a number of seconds.')
  const expires = Number(expiresText)
  if (expires < 1 || expires > MAX_EXPIRES_IN) {
    return fail(
      'malformed_parameter',
      `X-Amz-Expires must be between 1 and ${MAX_EXPIRES_IN} seconds.`,
    )
  }
  if (!/^[0-9a-f]{64}$/.test(signature))
    return fail('malformed_parameter', 'X-Amz-Signature is not 64 hex digits.')
  if (!scopeMatches(scope, dateText, input.service)) {
    return fail('credential_scope', 'The credential scope does not match the date or service.')
  }
  const signedHeaders = signedHeaderList(signedHeadersText, ['host'])
  if (!signedHeaders) {
    return fail(
      'malformed_parameter',
      'X-Amz-SignedHeaders must be sorted, lower case, unique and include host.',
    )
  }
  const credential = input.lookup(accessKeyId)
  if (!credential) return fail('unknown_access_key', 'The access key id is not known here.')
  const payloadHash =
    input.headers.get('x-amz-content-sha256') ??
    [...auth].find(([name]) => name.toLowerCase() === 'x-amz-content-sha256')?.[1] ??
    UNSIGNED_PAYLOAD
  const checked = await checkSignature({
    input,
    credential,
    signedHeaders,
    query: pairs.filter(([name]) => name !== 'X-Amz-Signature'),
    payloadHash,
    dateText,
    scope,
    signature,
    // An unsigned x-amz-content-sha256 that says UNSIGNED-PAYLOAD changes nothing.
    unsignedAllowed: (name, value) => name === 'x-amz-content-sha256' && value === UNSIGNED_PAYLOAD,
  })
  if (!checked.ok) return checked

  // Only now is the signed expiry trustworthy.
  const nowMs = input.now.getTime()
  if (signedAt.getTime() - nowMs > MAX_CLOCK_SKEW_SECONDS * 1000) {
    return fail('not_yet_valid', 'Request is not valid yet.')
  }
  const expiresAt = new Date(signedAt.getTime() + expires * 1000)
  if (nowMs > expiresAt.getTime()) return fail('expired', 'Request has expired.')
  return {
    ok: true,
    accessKeyId,
    region,
    signedAt,
    expiresAt,
    signedHeaders,
    params,
    payloadHash,
  }
}

/**
 * The part of SigV4 both forms share: the canonical request over the signed headers (every
 * x-amz-* header sent must be signed: S3 refuses one that would change the request unseen), the
 * string to sign, and a constant-time comparison. The signing key comes from the credential's
 * cache of derived keys.
 */
export async function checkSignature(request: {
  input: Pick<VerifyInput, 'method' | 'rawPath' | 'host' | 'headers'>
  credential: SigningCredential
  signedHeaders: string[]
  query: [string, string][]
  payloadHash: string
  dateText: string
  scope: { date: string; region: string; service: string }
  signature: string
  unsignedAllowed: (name: string, value: string) => boolean
}): Promise<
  { ok: true; key: CryptoKey; credentialScope: string } | (VerifyResult & { ok: false })
> {
  const { input, signedHeaders } = request
  const signed = new Set(signedHeaders)
  for (const [name, value] of input.headers) {
    if (name.startsWith('x-amz-') && !signed.has(name) && !request.unsignedAllowed(name, value)) {
      return {
        ok: false,
        reason: 'unsigned_header',
        message: `The header ${name} was sent but not signed.`,
      }
    }
  }
  let block = ''
  for (const name of signedHeaders) {
    const value = name === 'host' ? input.host : input.headers.get(name)
    if (value === null) {
      return {
        ok: false,
        reason: 'missing_signed_header',
        message: `The signed header ${name} is missing.`,
      }
    }
    block += `${name}:${canonicalHeaderValue(value)}\n`
  }
  const path = canonicalPath(input.rawPath)
  if (path === undefined) {
    return { ok: false, reason: 'malformed_path', message: 'The path has a malformed escape.' }
  }
  const query = canonicalQuery(request.query)
  const canonicalRequest = `${input.method}\n${path}\n${query}\n${block}\n${signedHeaders.join(';')}\n${request.payloadHash}`
  const hash = hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonicalRequest)))
  const { date, region, service } = request.scope
  const context = scopeContext(request.credential, date, region, service)
  const stringToSign = `${ALGORITHM}\n${request.dateText}\n${context.credentialScope}\n${hash}`
  const key = context.key ?? (await context.keyPromise)
  const expected = hex(await crypto.subtle.sign('HMAC', key, encoder.encode(stringToSign)))
  if (!textEqual(expected, request.signature)) {
    return {
      ok: false,
      reason: 'signature_mismatch',
      message: 'The request signature does not match.',
    }
  }
  return { ok: true, key, credentialScope: context.credentialScope }
}
