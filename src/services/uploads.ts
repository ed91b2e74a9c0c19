// The uploads service: multipart uploads (start with presigned part URLs, complete, abort) and
// POST policies for browser forms, each within the caller's scope, carried out by the bucket's
// store. Used by the HTTP routes and open to RPC.

import { authorize } from '../auth/authorize'
import type { ScopeRequest } from '../auth/scope'
import { type Config, storeFor } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import { isoSeconds, wholeSecondMs } from '../lib/duration'
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../lib/limits'
import {
  type AbortRequest,
  type CompleteRequest,
  type ConfirmRequest,
  type MultipartRequest,
  type PostPolicyRequest,
  SHA256_METADATA,
} from '../schemas'
import { dropCachedObject } from '../stores/object-cache'
import { emit, objectCreated } from '../webhooks/events'
import { corsHintsFor } from './cors'
import { resolveExpiresIn } from './expiry'

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

/** Who asks, with what configuration, at which origin (for gateway buckets) and when. */
export type UploadContext = {
  caller: Caller
  config: Config
  origin: URL
  now: Date
  /** The events queue: an upload Signet completes or confirms is announced there. */
  events: Queue
}

export async function startMultipart(ctx: UploadContext, request: MultipartRequest) {
  const { caller, config, origin, now } = ctx
  const nowMs = wholeSecondMs(now)
  const expiresIn = resolveExpiresIn(request, nowMs, caller.scope.maxExpiresIn)
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
  const uploadId = await store.createMultipartUpload(request.key, {
    contentType: request.contentType,
    ...(request.checksumSha256 ? { metadata: { [SHA256_METADATA]: request.checksumSha256 } } : {}),
    declared:
      request.contentLength === undefined
        ? undefined
        : { parts: request.parts, length: request.contentLength },
  })
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
  const answer = { uploadId, bucket: request.bucket, key: request.key, expiresAt, parts }
  if (request.origin === undefined) return answer
  const corsHints = corsHintsFor(
    store,
    config,
    { origin: request.origin, method: 'PUT', headers: parts[0]?.headers ?? {}, expose: ['ETag'] },
    'multipart',
  )
  return { ...answer, corsHints }
}

export async function completeMultipart(ctx: UploadContext, request: CompleteRequest) {
  authorizeFinish(ctx.caller, request)
  const store = storeFor(ctx.config, request.bucket)
  const parts = [...request.parts].sort((a, b) => a.partNumber - b.partNumber)
  const etag = await store.completeMultipartUpload(request.key, request.uploadId, parts)
  // This location's cache no longer points at a version the upload replaced.
  await dropCachedObject(caches.default, request.bucket, request.key).catch(() => undefined)
  // Announced before the answer: an upload Signet completed always has its event.
  const head = await store.headObject(request.key, wholeSecondMs(ctx.now))
  await emit(ctx.events, [
    objectCreated(
      {
        bucket: request.bucket,
        key: request.key,
        size: head?.size ?? null,
        etag: etag ?? head?.etag ?? null,
      },
      'multipart',
    ),
  ])
  return { bucket: request.bucket, key: request.key, etag }
}

/**
 * An upload that went straight to the store with a presigned URL, confirmed: Signet asks the
 * store (a HEAD) and announces what is there, so an application hears of it from Signet rather
 * than from the browser that says it uploaded.
 */
export async function confirmUpload(ctx: UploadContext, request: ConfirmRequest) {
  authorize(ctx.caller, { bucket: request.bucket, key: request.key, operation: 'put' })
  const store = storeFor(ctx.config, request.bucket)
  const head = await store.readObject(
    request.key,
    { method: 'HEAD', headers: new Headers() },
    { overrides: [], nowMs: wholeSecondMs(ctx.now), maxSeconds: 60 },
  )
  if (!head.ok) throw new AppError('not_found', 'No such object: nothing was uploaded there.')
  const size = Number(head.headers.get('content-length') ?? Number.NaN)
  const answer = {
    bucket: request.bucket,
    key: request.key,
    size: Number.isSafeInteger(size) ? size : 0,
    etag: head.headers.get('etag') ?? '',
    contentType: head.headers.get('content-type'),
  }
  await emit(ctx.events, [objectCreated(answer, 'confirm', { contentType: answer.contentType })])
  return answer
}

export async function abortMultipart(ctx: UploadContext, request: AbortRequest): Promise<void> {
  authorizeFinish(ctx.caller, request)
  await storeFor(ctx.config, request.bucket).abortMultipartUpload(request.key, request.uploadId)
}

export async function postPolicy(ctx: UploadContext, request: PostPolicyRequest) {
  const { caller, config, now } = ctx
  if ((request.key === undefined) === (request.keyPrefix === undefined)) {
    throw new AppError('invalid_request', 'Give key or keyPrefix, one of them.')
  }
  const min = request.minContentLength ?? 0
  if (min > request.maxContentLength) {
    throw new AppError('invalid_request', 'minContentLength must not exceed maxContentLength.')
  }
  const nowMs = wholeSecondMs(now)
  const expiresIn = resolveExpiresIn(request, nowMs, caller.scope.maxExpiresIn)
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
  const policy = await store.postPolicy(ctx.origin.origin, {
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
    now: new Date(nowMs),
    expiresIn,
  })
  const answer = {
    url: policy.url,
    fields: policy.fields,
    expiresAt: isoSeconds(policy.expiresAt.getTime()),
  }
  if (request.origin === undefined) return answer
  // A form of FormData posts multipart/form-data: no header the browser would ask about.
  const corsHints = corsHintsFor(
    store,
    config,
    { origin: request.origin, method: 'POST', headers: {}, expose: ['ETag', 'Location'] },
    'post',
  )
  return { ...answer, corsHints }
}
