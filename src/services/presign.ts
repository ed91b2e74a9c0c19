// The presign service: one presigned URL from a PresignRequest (field rules, expiry, the caller's
// scope, the exact headers to send), signed by the bucket's store; and batches of them. Used by
// /v1/presign, /v1/presign/batch and RPC alike.
import { authorize } from '../auth/authorize'
import { type Config, storeFor } from '../config'
import type { Caller } from '../env'
import { AppError, toIssues } from '../errors'
import { contentDisposition } from '../lib/content-disposition'
import { isoSeconds, wholeSecondMs } from '../lib/duration'
import {
  type BatchResult,
  type ListRequest,
  type PresignAnswer,
  type PresignRequest,
  PresignRequestSchema,
} from '../schemas'
import { policyHints } from '../stores/policy-hints'
import { corsHintsFor } from './cors'
import { resolveExpiresIn } from './expiry'

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

/** A URL may not outlive the key that signs it (`signsUntil`, epoch seconds). */
function checkSigningLifetime(signsUntil: number | undefined, nowMs: number, expiresIn: number) {
  if (signsUntil === undefined) return
  const left = signsUntil - Math.floor(nowMs / 1000)
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
function uploadHeaders(request: PresignRequest, metadataPrefix: string): Record<string, string> {
  const headers: Record<string, string> = {}
  if (request.contentType !== undefined) headers['Content-Type'] = request.contentType
  if (request.contentLength !== undefined) headers['Content-Length'] = String(request.contentLength)
  if (request.checksumSha256 !== undefined) {
    headers['x-amz-checksum-sha256'] = request.checksumSha256
  }
  if (request.ifNoneMatch !== undefined) headers['If-None-Match'] = request.ifNoneMatch
  for (const [name, value] of Object.entries(request.metadata ?? {})) {
    headers[`${metadataPrefix}${name.toLowerCase()}`] = value
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

export async function presign(
  request: PresignRequest,
  ctx: PresignContext,
): Promise<PresignAnswer> {
  const method = request.method ?? 'GET'
  checkFieldsForMethod(request, method)
  const nowMs = wholeSecondMs(ctx.now)
  const expiresIn = resolveExpiresIn(request, nowMs, ctx.caller.scope.maxExpiresIn)
  const scopeRequest: Parameters<typeof authorize>[1] = {
    bucket: request.bucket,
    key: request.key,
    operation: method.toLowerCase() as 'get' | 'head' | 'put' | 'delete',
    expiresIn,
  }
  if (request.contentLength !== undefined) scopeRequest.contentLength = request.contentLength
  if (request.contentType !== undefined) scopeRequest.contentType = request.contentType
  authorize(ctx.caller, scopeRequest)

  const store = storeFor(ctx.config, request.bucket)
  const unsupported = [...store.unsupported].find((field) => request[field] !== undefined)
  if (unsupported) {
    throw new AppError(
      'unsupported_by_target',
      `${unsupported} is not supported by the store of bucket ${request.bucket}.`,
    )
  }
  checkSigningLifetime(store.signsUntil, nowMs, expiresIn)
  if (
    method === 'PUT' &&
    store.servedBySignet &&
    request.contentLength !== undefined &&
    request.contentLength > ctx.config.maxBodyBytes
  ) {
    // The PUT would come through this Worker, whose request bodies Cloudflare caps (100 MB on
    // the Free and Pro plans): it could never arrive. Parts of a multipart upload can.
    throw new AppError(
      'invalid_request',
      `A single PUT through this bucket's gateway takes at most ${ctx.config.maxBodyBytes} bytes (SIGNET_MAX_BODY_BYTES): send it as a multipart upload (POST /v1/multipart).`,
      {
        issues: [
          { path: 'contentLength', message: 'is over SIGNET_MAX_BODY_BYTES: use multipart' },
        ],
      },
    )
  }

  const headers = method === 'PUT' ? uploadHeaders(request, store.metadataPrefix) : {}
  const allowIps = request.allowIps
  const url = await store.objectUrl({
    key: request.key,
    method,
    expiresIn,
    nowMs,
    origin: ctx.origin,
    query: method === 'PUT' ? [] : downloadQuery(request),
    headers,
    allowIps,
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
      bucket: store.bucketName,
      key: request.key,
      allowIps,
      mode: store.enforcesUrlIps ? 'gateway' : 'presign',
    })
  }
  if (request.origin !== undefined) {
    answer.corsHints = corsHintsFor(
      store,
      ctx.config,
      { origin: request.origin, method, headers, expose: ['ETag'] },
      'object',
    )
  }
  return answer
}

/**
 * A presigned ListObjectsV2 of the keys under a prefix, for callers whose scope may `list` it:
 * the prefix (and the page's token, delimiter and size) are signed into the URL, so it lists
 * nothing else. URL-encoded keys (encoding-type=url), so any key survives the XML.
 */
export async function presignList(request: ListRequest, ctx: PresignContext) {
  const nowMs = wholeSecondMs(ctx.now)
  const expiresIn = resolveExpiresIn(request, nowMs, ctx.caller.scope.maxExpiresIn)
  const prefix = request.prefix ?? ''
  authorize(ctx.caller, {
    bucket: request.bucket,
    key: prefix,
    keyIsPrefix: true,
    operation: 'list',
    expiresIn,
  })
  const store = storeFor(ctx.config, request.bucket)
  checkSigningLifetime(store.signsUntil, nowMs, expiresIn)
  const query: [string, string][] = [
    ['list-type', '2'],
    ['encoding-type', 'url'],
    ['prefix', prefix],
  ]
  if (request.delimiter !== undefined) query.push(['delimiter', request.delimiter])
  if (request.continuationToken !== undefined) {
    query.push(['continuation-token', request.continuationToken])
  }
  if (request.maxKeys !== undefined) query.push(['max-keys', String(request.maxKeys)])
  const url = await store.objectUrl({
    key: '',
    method: 'GET',
    expiresIn,
    nowMs,
    origin: ctx.origin,
    query,
  })
  return {
    url,
    method: 'GET' as const,
    expiresAt: isoSeconds(nowMs + expiresIn * 1000),
    bucket: request.bucket,
    prefix,
  }
}

/** A batch for HTTP: each item validated and answered on its own, in order. */
export function presignBatch(
  items: readonly unknown[],
  ctx: PresignContext,
): Promise<BatchResult[]> {
  return Promise.all(
    items.map(async (item): Promise<BatchResult> => {
      const parsed = PresignRequestSchema.safeParse(item)
      if (!parsed.success) {
        return {
          ok: false,
          error: {
            code: 'invalid_request',
            message: 'The item is not valid.',
            issues: toIssues(parsed.error.issues),
          },
        }
      }
      try {
        return { ok: true, ...(await presign(parsed.data, ctx)) }
      } catch (error) {
        if (!(error instanceof AppError)) throw error
        const failed = { code: error.code, message: error.message }
        return { ok: false, error: error.issues ? { ...failed, issues: error.issues } : failed }
      }
    }),
  )
}
