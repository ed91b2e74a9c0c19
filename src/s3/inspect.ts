// The URL doctor: reads a presigned URL, says what it grants and names what commonly makes
// such a URL fail with 403. Pure: `now` and a credential lookup are passed in. It never returns
// the signature or a secret; the access key id comes back masked.

import { MAX_CLOCK_SKEW_SECONDS, MAX_EXPIRES_IN } from '../lib/limits'
import type { ServiceAccount } from './goog4'
import { inspectGoog4, inspectV2 } from './inspect-other'
import { credentialOf, type Inspection } from './inspection'
import type { SigningCredential } from './sigv4'
import { canonicalPath, parseAmzDate, parseQuery, REQUIRED_PARAMS, verifyPresigned } from './verify'
import { isV2Query } from './verify-v2'

export type { Inspection }

export type InspectOptions = {
  now: Date
  /** The credential for an access key id, when Signet holds it and the caller may use it. */
  lookup: (accessKeyId: string) => SigningCredential | undefined
  /** The method the URL is for, when the caller knows it; otherwise each is tried. */
  method?: string | undefined
  /** Values of the signed headers, to check a signature that covers more than Host. */
  headers?: Record<string, string> | undefined
  /** The gateway's origin host: URLs for /s3/<bucket>/<key> there are gateway URLs. */
  gatewayHost?: string | undefined
  /** The service account for a client email, when Signet holds it and the caller may use it. */
  accounts?: (clientEmail: string) => ServiceAccount | undefined
}

const SDK_PARAMS =
  /^(x-amz-checksum-[a-z0-9]+|x-amz-sdk-checksum-algorithm|x-amz-checksum-mode|x-id)$/i
const METHODS = ['GET', 'PUT', 'HEAD', 'DELETE', 'POST']

export function maskAccessKeyId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}…${id.slice(-4)}` : '…'
}

function amzDateToIso(text: string): string | null {
  const date = parseAmzDate(text)
  return date ? date.toISOString().replace('.000Z', 'Z') : null
}

function locate(url: URL, gatewayHost: string | undefined): { bucket?: string; key?: string } {
  const path = canonicalPath(url.pathname)
  const decoded = (() => {
    try {
      return decodeURIComponent(url.pathname)
    } catch {
      return undefined
    }
  })()
  if (path === undefined || decoded === undefined) return {}
  const virtual = /^(.+)\.s3[.-]([a-z0-9-]+\.)*amazonaws\.com$/.exec(url.hostname)
  if (virtual && !url.hostname.startsWith('s3.')) {
    return { bucket: virtual[1] as string, key: decoded.slice(1) }
  }
  let rest = decoded.slice(1)
  if (gatewayHost !== undefined && url.host === gatewayHost && rest.startsWith('s3/')) {
    rest = rest.slice(3)
  }
  const slash = rest.indexOf('/')
  if (slash <= 0) return rest ? { bucket: rest } : {}
  return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) }
}

export async function inspectUrl(text: string, options: InspectOptions): Promise<Inspection> {
  const url = new URL(text)
  const rawQuery = url.search.slice(1)
  const pairs = parseQuery(rawQuery) ?? []
  const params = new Map(pairs)
  if (params.has('X-Goog-Algorithm')) {
    return inspectGoog4(url, params, locate(url, options.gatewayHost), {
      ...options,
      accounts: options.accounts ?? (() => undefined),
    })
  }
  if (isV2Query(rawQuery)) {
    return inspectV2(url, rawQuery, params, locate(url, options.gatewayHost), options)
  }
  const problems: string[] = []
  const get = (name: string) => params.get(name)

  const algorithm = get('X-Amz-Algorithm') ?? null
  const credentialText = get('X-Amz-Credential')
  const parts = credentialText?.split('/')
  const credential = credentialOf(credentialText, maskAccessKeyId)
  const signedHeaders = get('X-Amz-SignedHeaders')?.split(';').filter(Boolean) ?? []
  const signedAt = amzDateToIso(get('X-Amz-Date') ?? '')
  const expiresText = get('X-Amz-Expires')
  const expiresIn =
    expiresText !== undefined && /^\d{1,9}$/.test(expiresText) ? Number(expiresText) : null

  problems.push(...queryProblems(url, rawQuery, params, expiresText, expiresIn))
  const nowMs = options.now.getTime()
  const signedMs = signedAt ? Date.parse(signedAt) : null
  let expiresAt: string | null = null
  let expired: boolean | null = null
  let secondsLeft: number | null = null
  if (signedMs !== null && expiresIn !== null) {
    const endMs = signedMs + expiresIn * 1000
    expiresAt = new Date(endMs).toISOString().replace('.000Z', 'Z')
    expired = nowMs > endMs
    secondsLeft = Math.max(0, Math.floor((endMs - nowMs) / 1000))
    if (expired) problems.push(`The URL expired at ${expiresAt}.`)
  }
  if (signedMs !== null && signedMs - nowMs > MAX_CLOCK_SKEW_SECONDS * 1000) {
    problems.push(
      "X-Amz-Date is more than 15 minutes in the future: the signer's clock is ahead, and stores refuse the URL until then.",
    )
  }
  const extraHeaders = signedHeaders.filter((name) => name !== 'host')
  if (extraHeaders.length > 0) {
    problems.push(
      `The client must send these signed headers with exactly the signed values: ${extraHeaders.join(', ')}.`,
    )
  }
  if (parts && /^ASIA/.test(parts[0] ?? '') && !params.has('X-Amz-Security-Token')) {
    problems.push(
      'The access key is temporary (ASIA…) but X-Amz-Security-Token is missing: sign with the session token.',
    )
  }
  if (credential && credential.service !== 's3') {
    problems.push(
      `The credential scope names service "${credential.service}"; S3 presigned URLs use "s3".`,
    )
  }

  const located = locate(url, options.gatewayHost)
  const inspection: Inspection = {
    algorithm,
    host: url.host,
    ...located,
    credential,
    signedHeaders,
    signedAt,
    expiresAt,
    expiresIn,
    expired,
    secondsLeft,
    problems,
  }

  if (parts && options.lookup(parts[0] as string)) {
    await checkSignature(inspection, url, rawQuery, options)
  }
  return inspection
}

/** What the query alone shows to be wrong: missing or malformed parameters, encodings, limits. */
function queryProblems(
  url: URL,
  rawQuery: string,
  params: Map<string, string>,
  expiresText: string | undefined,
  expiresIn: number | null,
): string[] {
  const problems: string[] = []
  const algorithm = params.get('X-Amz-Algorithm') ?? null
  for (const name of REQUIRED_PARAMS) {
    if (!params.has(name))
      problems.push(`${name} is missing: this is not a complete SigV4 presigned URL.`)
  }
  if (parseQuery(rawQuery) === undefined)
    problems.push('The query string has a malformed %-escape.')
  if (algorithm !== null && algorithm !== 'AWS4-HMAC-SHA256') {
    problems.push(
      `X-Amz-Algorithm is ${algorithm}; only AWS4-HMAC-SHA256 presigned URLs are SigV4.`,
    )
  }
  const sdkParams = [...params.keys()].filter((name) => SDK_PARAMS.test(name))
  if (sdkParams.length > 0) {
    problems.push(
      `The URL carries SDK parameters (${sdkParams.join(', ')}) that R2 and MinIO refuse or that require headers the client will not send; sign without the SDK's checksum middleware.`,
    )
  }
  if (url.pathname.includes('+') || rawQuery.replace(/X-Amz-Signature=[^&]*/, '').includes('+')) {
    problems.push(
      "The URL contains '+'. A space must be encoded as %20 and a plus as %2B; a literal '+' is read as a space by some servers and as a plus by others, so the signature will not match.",
    )
  }
  if (/%25[0-9a-fA-F]{2}/.test(url.pathname)) {
    problems.push(
      'The path contains %25 followed by hex digits: the key looks encoded twice. Encode the key once; if it really contains "%", ignore this.',
    )
  }
  if (expiresIn !== null && expiresIn > MAX_EXPIRES_IN) {
    problems.push(
      `X-Amz-Expires is ${expiresIn}: SigV4 allows at most ${MAX_EXPIRES_IN} seconds (7 days).`,
    )
  }
  if (expiresText !== undefined && expiresIn === null)
    problems.push('X-Amz-Expires is not a number of seconds.')
  return problems
}

/**
 * Whether the URL's signature holds, for its method or (none given) any: an expired URL still had
 * a valid signature, so expiry is judged after it.
 */
async function checkSignature(
  inspection: Inspection,
  url: URL,
  rawQuery: string,
  options: InspectOptions,
): Promise<void> {
  const headers = new Headers(options.headers ?? {})
  let sawMismatch = false
  for (const method of options.method ? [options.method] : METHODS) {
    const result = await verifyPresigned({
      method,
      rawPath: url.pathname,
      rawQuery,
      host: url.host,
      headers,
      now: options.now,
      lookup: options.lookup,
    })
    if (result.ok || result.reason === 'expired' || result.reason === 'not_yet_valid') {
      inspection.method = method
      inspection.signatureValid = true
      return
    }
    if (result.reason === 'signature_mismatch') sawMismatch = true
    else break
  }
  if (sawMismatch) {
    inspection.signatureValid = false
    inspection.problems.push(
      options.method
        ? 'The signature does not match this URL for that method: it was changed after signing or signed for something else.'
        : 'The signature does not match this URL for any method: it was changed after signing or signed for another host, path or key.',
    )
  }
}
