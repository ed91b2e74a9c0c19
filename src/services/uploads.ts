// The uploads service: multipart uploads (start with presigned part URLs, complete, abort) and
// POST policies for browser forms, each within the caller's scope, carried out by the bucket's
// store. Used by the HTTP routes and open to RPC.

import { authorize } from '../auth/authorize'
import type { ScopeRequest } from '../auth/scope'
import { type Config, storeFor } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import { isoSeconds, wholeSecondMs } from '../lib/duration'
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
import { finishMultipart, signParts } from './multipart'

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
  const store = storeFor(config, request.bucket)
  const { uploadId, expiresAt, parts } = await signParts(store, {
    key: request.key,
    parts: request.parts,
    length: request.contentLength,
    start: {
      contentType: request.contentType,
      ...(request.checksumSha256
        ? { metadata: { [SHA256_METADATA]: request.checksumSha256 } }
        : {}),
    },
    expiresIn,
    nowMs,
    origin,
  })
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
  const nowMs = wholeSecondMs(ctx.now)
  const done = await finishMultipart(store, { ...request, nowMs })
  // This location's cache no longer points at a version the upload replaced.
  await dropCachedObject(caches.default, request.bucket, request.key).catch(() => undefined)
  // Announced before the answer: an upload Signet completed always has its event.
  await emit(ctx.events, [
    objectCreated({ bucket: request.bucket, key: request.key, ...done }, 'multipart'),
  ])
  return { bucket: request.bucket, key: request.key, etag: done.etag }
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
