// The uploads service: multipart uploads (start with presigned part URLs, complete, abort) and
// POST policies for browser forms, each within the caller's scope, carried out by the bucket's
// store. Used by the HTTP routes and open to RPC.
import { authorize } from '../auth/authenticate'
import type { ScopeRequest } from '../auth/scope'
import { type Config, storeFor } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../lib/limits'
import { buildPostPolicy } from '../s3/post-policy'
import type { AbortRequest, CompleteRequest, MultipartRequest, PostPolicyRequest } from '../schemas'
import { isoSeconds, resolveExpiresIn, wholeSeconds } from './expiry'

/** Part sizes for a declared total: equal parts of at least 5 MiB, the last one smaller. */
export function partSizes(total: number, parts: number): number[] {
  const size = Math.ceil(total / parts)
  if (parts > 1 && size < MIN_PART_SIZE) {
    throw new AppError(
      'invalid_request',
      `With ${parts} parts each part would be under 5 MiB; use fewer parts.`,
    )
  }
  if (size > MAX_PART_SIZE)
    throw new AppError('invalid_request', 'Parts may be at most 5 GiB; use more parts.')
  const sizes = Array.from({ length: parts }, (_, i) =>
    Math.max(0, Math.min(size, total - i * size)),
  )
  if (parts > 1 && sizes[parts - 1] === 0) {
    throw new AppError(
      'invalid_request',
      `${total} bytes do not fill ${parts} parts; use fewer parts.`,
    )
  }
  return sizes
}

/** Complete and abort carry no bytes: whoever may start an upload on the key may finish it. */
function authorizeFinish(caller: Caller, request: { bucket: string; key: string }): void {
  authorize(caller, {
    bucket: request.bucket,
    key: request.key,
    operation: 'multipart',
    finishesUpload: true,
  })
}

export async function startMultipart(
  caller: Caller,
  config: Config,
  request: MultipartRequest,
  origin: URL,
  now: Date,
) {
  const nowMs = wholeSeconds(now)
  const expiresIn = resolveExpiresIn(request, nowMs)
  const scopeRequest: ScopeRequest = {
    bucket: request.bucket,
    key: request.key,
    operation: 'multipart',
    expiresIn,
  }
  if (request.contentType !== undefined) scopeRequest.contentType = request.contentType
  if (request.contentLength !== undefined) scopeRequest.contentLength = request.contentLength
  authorize(caller, scopeRequest)
  const sizes =
    request.contentLength === undefined
      ? undefined
      : partSizes(request.contentLength, request.parts)
  const store = storeFor(config, request.bucket)
  const uploadId = await store.createMultipartUpload(request.key, request.contentType)
  const expiresAt = isoSeconds(nowMs + expiresIn * 1000)
  const parts = await Promise.all(
    Array.from({ length: request.parts }, async (_, index) => {
      const partNumber = index + 1
      const headers: Record<string, string> = sizes
        ? { 'Content-Length': String(sizes[index]) }
        : {}
      const url = await store.objectUrl({
        key: request.key,
        method: 'PUT',
        expiresIn,
        nowMs,
        origin,
        query: [
          ['partNumber', String(partNumber)],
          ['uploadId', uploadId],
        ],
        headers,
      })
      return { partNumber, url, expiresAt, headers }
    }),
  )
  return { uploadId, bucket: request.bucket, key: request.key, expiresAt, parts }
}

export async function completeMultipart(caller: Caller, config: Config, request: CompleteRequest) {
  authorizeFinish(caller, request)
  const store = storeFor(config, request.bucket)
  const parts = [...request.parts].sort((a, b) => a.partNumber - b.partNumber)
  const etag = await store.completeMultipartUpload(request.key, request.uploadId, parts)
  return { bucket: request.bucket, key: request.key, etag }
}

export async function abortMultipart(
  caller: Caller,
  config: Config,
  request: AbortRequest,
): Promise<void> {
  authorizeFinish(caller, request)
  await storeFor(config, request.bucket).abortMultipartUpload(request.key, request.uploadId)
}

export async function postPolicy(
  caller: Caller,
  config: Config,
  request: PostPolicyRequest,
  origin: string,
  now: Date,
) {
  if ((request.key === undefined) === (request.keyPrefix === undefined)) {
    throw new AppError('invalid_request', 'Give key or keyPrefix, one of them.')
  }
  const min = request.minContentLength ?? 0
  if (min > request.maxContentLength) {
    throw new AppError('invalid_request', 'minContentLength must not exceed maxContentLength.')
  }
  const nowMs = wholeSeconds(now)
  const expiresIn = resolveExpiresIn(request, nowMs)
  const typeRange = request.contentType?.endsWith('/*') ?? false
  const scopeRequest: ScopeRequest = {
    bucket: request.bucket,
    key: request.key ?? request.keyPrefix ?? '',
    operation: 'post',
    expiresIn,
    contentLength: request.maxContentLength,
  }
  if (request.keyPrefix !== undefined) scopeRequest.keyIsPrefix = true
  if (request.contentType !== undefined) scopeRequest.contentType = request.contentType
  authorize(caller, scopeRequest)
  const store = storeFor(config, request.bucket)
  const target = store.postTarget(origin, typeRange)
  const policy = await buildPostPolicy({
    bucket: target.bucket,
    key: request.key !== undefined ? { exact: request.key } : { prefix: request.keyPrefix ?? '' },
    minContentLength: min,
    maxContentLength: request.maxContentLength,
    ...(request.contentType === undefined
      ? {}
      : {
          contentType: typeRange
            ? { prefix: request.contentType.slice(0, -1) }
            : { exact: request.contentType },
        }),
    ...(request.successActionStatus ? { successActionStatus: request.successActionStatus } : {}),
    region: target.region,
    now: new Date(nowMs),
    expiresIn,
    credential: store.credential,
  })
  return {
    url: target.url,
    fields: policy.fields,
    expiresAt: isoSeconds(policy.expiresAt.getTime()),
  }
}
