// SigV4 header-signature verification: the `Authorization: AWS4-HMAC-SHA256 Credential=…,
// SignedHeaders=…, Signature=…` every S3 SDK sends. Pure: the request's parts, a credential lookup
// and `now` come in; a tagged result goes out. The signature is checked before the date it covers
// is trusted (15 minutes of skew either way, as S3 allows), and the payload hash the client
// committed to (a hex SHA-256, UNSIGNED-PAYLOAD or an aws-chunked STREAMING-… form) is handed on
// for the body to be checked against it as it streams.
import { MAX_CLOCK_SKEW_SECONDS } from '../lib/limits'
import { ALGORITHM, type SigningCredential } from './sigv4'
import {
  checkSignature,
  credentialScope,
  parseAmzDate,
  parseQuery,
  scopeMatches,
  signedHeaderList,
  type VerifyFailure,
  type VerifyInput,
} from './verify'

/** The payload forms S3 takes in x-amz-content-sha256 besides a hex SHA-256. */
export const PAYLOAD_FORMS = [
  'UNSIGNED-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
] as const

export type HeaderVerified = {
  ok: true
  accessKeyId: string
  /** Every query parameter, decoded (all covered by the signature). */
  params: Map<string, string>
  /** A hex SHA-256 of the body, or one of PAYLOAD_FORMS. */
  payloadHash: string
  /** What a signed aws-chunked body's chunk signatures chain from. */
  chain: { key: CryptoKey; dateText: string; credentialScope: string; seed: string }
}

export type HeaderVerifyResult =
  | HeaderVerified
  | { ok: false; reason: VerifyFailure | 'skewed'; message: string }

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/

function fail(reason: VerifyFailure | 'skewed', message: string): HeaderVerifyResult {
  return { ok: false, reason, message }
}

/** Whether a request carries a SigV4 Authorization header (any, to be verified). */
export function isHeaderSigned(headers: Headers): boolean {
  return (headers.get('authorization') ?? '').startsWith(`${ALGORITHM} `)
}

export async function verifyHeaderSigned(
  input: Omit<VerifyInput, 'lookup'> & {
    lookup: (accessKeyId: string) => SigningCredential | undefined
  },
): Promise<HeaderVerifyResult> {
  const match = AUTHORIZATION.exec((input.headers.get('authorization') ?? '').trim())
  if (!match) {
    return fail(
      'malformed_parameter',
      'The Authorization header is not AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=….',
    )
  }
  const [, credentialText, signedHeadersText, signature] = match as unknown as [
    string,
    string,
    string,
    string,
  ]
  const scope = credentialScope(credentialText)
  if (!scope) {
    return fail(
      'malformed_parameter',
      'Credential is not <key>/<date>/<region>/<service>/aws4_request.',
    )
  }
  const dateText = input.headers.get('x-amz-date')
  const signedAt = dateText === null ? undefined : parseAmzDate(dateText)
  if (dateText === null || !signedAt) {
    return fail('missing_parameter', 'x-amz-date is missing or not YYYYMMDDTHHMMSSZ.')
  }
  if (!scopeMatches(scope, dateText, input.service)) {
    return fail('credential_scope', 'The credential scope does not match the date or service.')
  }
  const signedHeaders = signedHeaderList(signedHeadersText, ['host', 'x-amz-date'])
  if (!signedHeaders) {
    return fail(
      'malformed_parameter',
      'SignedHeaders must be sorted, lower case, unique and include host and x-amz-date.',
    )
  }
  const payloadHash = input.headers.get('x-amz-content-sha256')
  if (
    payloadHash === null ||
    !(
      /^[0-9a-f]{64}$/.test(payloadHash) ||
      (PAYLOAD_FORMS as readonly string[]).includes(payloadHash)
    )
  ) {
    return fail(
      'missing_parameter',
      'x-amz-content-sha256 is missing or not a SHA-256, UNSIGNED-PAYLOAD or a STREAMING- form.',
    )
  }
  const pairs = parseQuery(input.rawQuery)
  if (!pairs) return fail('malformed_parameter', 'The query string has a malformed escape.')
  const credential = input.lookup(scope.accessKeyId)
  if (!credential) return fail('unknown_access_key', 'The access key id is not known here.')
  const checked = await checkSignature({
    input,
    credential,
    signedHeaders,
    query: pairs,
    payloadHash,
    dateText,
    scope,
    signature,
    unsignedAllowed: () => false,
  })
  if (!checked.ok) return checked
  // Only now is the signed date trustworthy: S3 allows 15 minutes of skew either way.
  if (Math.abs(signedAt.getTime() - input.now.getTime()) > MAX_CLOCK_SKEW_SECONDS * 1000) {
    return fail(
      'skewed',
      'The difference between the request time and the current time is too large.',
    )
  }
  const params = new Map<string, string>()
  for (const [name, value] of pairs) {
    if (params.has(name)) return fail('duplicate_parameter', `${name} appears more than once.`)
    params.set(name, value)
  }
  return {
    ok: true,
    accessKeyId: scope.accessKeyId,
    params,
    payloadHash,
    chain: {
      key: checked.key,
      dateText,
      credentialScope: checked.credentialScope,
      seed: signature,
    },
  }
}
