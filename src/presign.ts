// One presigned URL from a PresignRequest: field rules, expiry, the caller's scope, the target's
// URL shape, the exact headers to send. Shared by /v1/presign, the batch route and RPC.
import { authorize } from './auth/authenticate'
import type { Config, Credential, Target } from './config'
import type { Caller } from './env'
import { AppError } from './errors'
import { contentDisposition } from './lib/content-disposition'
import { parseDuration, parseInstant } from './lib/duration'
import { amzDate, presignQuery } from './s3/sigv4'
import { objectEndpoint } from './s3/targets'
import { MAX_EXPIRES_IN, type PresignAnswer, type PresignRequest } from './schemas'
import { policyHints } from './share/policy-hints'

export const DEFAULT_EXPIRES_IN = 3600

/** The query parameter that carries a gateway URL's allowed CIDRs (signed with the rest). */
export const ALLOW_IPS_PARAM = 'x-signet-allow-ips'

export type PresignContext = {
  caller: Caller
  config: Config
  /** This Worker's origin, for gateway targets. */
  origin: URL
  now: Date
}

function invalid(message: string): AppError {
  return new AppError('invalid_request', message)
}

/**
 * Seconds from `now` for expiresIn (number or "15m" style) or expiresAt, default 3600, within
 * 1..604800. Out of bounds is refused with the limit in the message, never clamped.
 */
export function resolveExpiresIn(
  request: { expiresIn?: number | string | undefined; expiresAt?: number | string | undefined },
  nowMs: number,
  limits: { default: number; max: number; maxText: string } = {
    default: DEFAULT_EXPIRES_IN,
    max: MAX_EXPIRES_IN,
    maxText: '7 days, the SigV4 limit',
  },
): number {
  if (request.expiresIn !== undefined && request.expiresAt !== undefined) {
    throw invalid('Give expiresIn or expiresAt, not both.')
  }
  let seconds = limits.default
  if (request.expiresIn !== undefined) {
    const parsed = parseDuration(request.expiresIn)
    if (parsed === undefined) {
      throw invalid('expiresIn must be whole seconds or a duration like "90s", "15m", "2h", "7d".')
    }
    seconds = parsed
  } else if (request.expiresAt !== undefined) {
    const at = parseInstant(request.expiresAt)
    if (at === undefined) {
      throw invalid('expiresAt must be an ISO 8601 instant with a zone, or epoch seconds.')
    }
    seconds = Math.floor((at - nowMs) / 1000)
    if (seconds < 1) throw invalid('expiresAt must be at least 1 second in the future.')
  }
  if (seconds < 1 || seconds > limits.max) {
    throw invalid(`expiresIn must be between 1 and ${limits.max} seconds (${limits.maxText}).`)
  }
  return seconds
}

function checkCredentialLifetime(credential: Credential, nowMs: number, expiresIn: number): void {
  if (credential.expiresAt === undefined) return
  const left = credential.expiresAt - Math.floor(nowMs / 1000)
  if (left < 1) {
    throw new AppError('invalid_request', 'The credential for this bucket has expired.')
  }
  if (expiresIn > left) {
    throw invalid(
      `expiresIn must be at most ${left} seconds: the credential for this bucket expires then.`,
    )
  }
}

const UPLOAD_FIELDS = [
  'contentType',
  'contentLength',
  'checksumSha256',
  'metadata',
  'ifNoneMatch',
] as const
const DOWNLOAD_FIELDS = ['filename', 'disposition', 'responseHeaders', 'versionId'] as const

function checkFieldsForMethod(request: PresignRequest, method: string): void {
  if (method !== 'PUT') {
    const extra = UPLOAD_FIELDS.find((field) => request[field] !== undefined)
    if (extra) throw invalid(`${extra} applies to PUT only.`)
  }
  if (method === 'PUT') {
    const extra = DOWNLOAD_FIELDS.find((field) => request[field] !== undefined)
    if (extra) throw invalid(`${extra} does not apply to PUT.`)
  }
  if (method === 'DELETE') {
    const extra = DOWNLOAD_FIELDS.find(
      (field) => field !== 'versionId' && request[field] !== undefined,
    )
    if (extra) throw invalid(`${extra} does not apply to DELETE.`)
  }
  if (request.metadata) {
    const size = Object.entries(request.metadata).reduce(
      (sum, [name, value]) => sum + name.length + value.length,
      0,
    )
    // S3: "the user-defined metadata is limited to 2 KB in size"
    if (size > 2048) throw invalid('metadata must be at most 2048 bytes in all.')
    const names = Object.keys(request.metadata).map((name) => name.toLowerCase())
    if (new Set(names).size !== names.length) {
      throw invalid('metadata names must differ in more than letter case.')
    }
  }
}

/** The headers the client must send, in the case it should send them. */
function uploadHeaders(request: PresignRequest): Record<string, string> {
  const headers: Record<string, string> = {}
  if (request.contentType !== undefined) headers['Content-Type'] = request.contentType
  if (request.contentLength !== undefined) headers['Content-Length'] = String(request.contentLength)
  if (request.checksumSha256 !== undefined) {
    headers['x-amz-checksum-sha256'] = request.checksumSha256
  }
  if (request.ifNoneMatch !== undefined) headers['If-None-Match'] = request.ifNoneMatch
  for (const [name, value] of Object.entries(request.metadata ?? {})) {
    headers[`x-amz-meta-${name.toLowerCase()}`] = value
  }
  return headers
}

function downloadQuery(request: PresignRequest): [string, string][] {
  const query: [string, string][] = []
  const overrides = request.responseHeaders ?? {}
  if (request.filename !== undefined || request.disposition !== undefined) {
    query.push([
      'response-content-disposition',
      contentDisposition(request.disposition ?? 'attachment', request.filename),
    ])
  }
  if (overrides.contentType !== undefined)
    query.push(['response-content-type', overrides.contentType])
  if (overrides.cacheControl !== undefined) {
    query.push(['response-cache-control', overrides.cacheControl])
  }
  if (overrides.contentLanguage !== undefined) {
    query.push(['response-content-language', overrides.contentLanguage])
  }
  if (overrides.contentEncoding !== undefined) {
    query.push(['response-content-encoding', overrides.contentEncoding])
  }
  if (overrides.expires !== undefined) query.push(['response-expires', overrides.expires])
  if (request.versionId !== undefined) query.push(['versionId', request.versionId])
  return query
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Signs a URL for one object of a target. No scope checks: callers have done them. */
export async function signObjectUrl(input: {
  target: Target
  credential: Credential
  key: string
  method: string
  expiresIn: number
  nowMs: number
  origin: URL
  query?: [string, string][]
  headers?: Record<string, string>
}): Promise<string> {
  const endpoint = objectEndpoint(input.target, input.key, input.origin)
  const signed = await presignQuery({
    method: input.method,
    host: endpoint.host,
    path: endpoint.path,
    query: input.query ?? [],
    headers: input.headers ?? {},
    region: endpoint.region,
    service: 's3',
    datetime: amzDate(new Date(input.nowMs)),
    expiresIn: input.expiresIn,
    credential: input.credential,
  })
  return `${endpoint.protocol}//${endpoint.host}${endpoint.path}?${signed.query}`
}

export async function presign(
  request: PresignRequest,
  ctx: PresignContext,
): Promise<PresignAnswer> {
  const method = request.method ?? 'GET'
  checkFieldsForMethod(request, method)
  const nowMs = Math.floor(ctx.now.getTime() / 1000) * 1000
  const expiresIn = resolveExpiresIn(request, nowMs)
  const scopeRequest: Parameters<typeof authorize>[1] = {
    bucket: request.bucket,
    key: request.key,
    operation: method.toLowerCase() as 'get' | 'head' | 'put' | 'delete',
    expiresIn,
  }
  if (request.contentLength !== undefined) scopeRequest.contentLength = request.contentLength
  if (request.contentType !== undefined) scopeRequest.contentType = request.contentType
  authorize(ctx.caller, scopeRequest)

  const target = ctx.config.buckets.get(request.bucket)
  const credential = ctx.config.credentials.get(request.bucket)
  if (!target || !credential) throw invalid('bucket is not a bucket Signet serves.')
  checkCredentialLifetime(credential, nowMs, expiresIn)

  const headers = method === 'PUT' ? uploadHeaders(request) : {}
  const query = method === 'PUT' ? [] : downloadQuery(request)
  const allowIps = request.allowIps
  if (allowIps && target.kind === 'gateway') query.push([ALLOW_IPS_PARAM, allowIps.join(',')])
  const url = await signObjectUrl({
    target,
    credential,
    key: request.key,
    method,
    expiresIn,
    nowMs,
    origin: ctx.origin,
    query,
    headers,
  })
  const answer: PresignAnswer = {
    url,
    method,
    headers,
    expiresAt: isoSeconds(nowMs + expiresIn * 1000),
    expiresIn,
    signedAt: isoSeconds(nowMs),
    bucket: request.bucket,
    key: request.key,
  }
  if (allowIps) {
    answer.policyHints = policyHints({
      bucket: target.kind === 'remote' ? target.bucket : target.name,
      key: request.key,
      allowIps,
      mode: target.kind === 'gateway' ? 'gateway' : 'presign',
    })
  }
  return answer
}
