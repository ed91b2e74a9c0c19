// Objects written and read through Signet itself, for callers that cannot reach the store's URLs
// (another Worker over its service binding): the bytes are streamed, never held whole; the same
// scope rules as a presigned PUT or GET; a write is announced (object.created) like any upload.
import { authorize } from '../auth/authorize'
import { storeFor } from '../config'
import { AppError } from '../errors'
import { wholeSecondMs } from '../lib/duration'
import { MAX_PUT_SIZE } from '../lib/limits'
import { parseMediaType } from '../lib/media-type'
import { dropCachedObject } from '../stores/object-cache'
import { emit, objectCreated } from '../webhooks/events'
import type { UploadContext } from './uploads'

export type ObjectWrite = {
  bucket: string
  key: string
  contentType?: string | undefined
  contentLength: number
}

/** Stores `body` at the key (replacing what is there, as a PUT does) and announces it. */
export async function putObject(ctx: UploadContext, request: ObjectWrite, body: ReadableStream) {
  const { bucket, key, contentLength } = request
  if (!Number.isSafeInteger(contentLength) || contentLength < 0) {
    throw new AppError('invalid_request', "contentLength must be the body's length in bytes.", {
      issues: [{ path: 'contentLength', message: 'is required: a whole number of bytes' }],
    })
  }
  if (contentLength > MAX_PUT_SIZE) {
    throw new AppError('payload_too_large', 'One object written at once is at most 5 GiB.')
  }
  const contentType = request.contentType ?? 'application/octet-stream'
  if (!parseMediaType(contentType)) {
    throw new AppError('invalid_request', 'contentType is not one media type.', {
      issues: [{ path: 'contentType', message: 'is not one media type' }],
    })
  }
  authorize(ctx.caller, { bucket, key, operation: 'put', contentLength, contentType })
  const store = storeFor(ctx.config, bucket)
  const etag = await store.putObject(key, body, {
    size: contentLength,
    contentType,
    nowMs: wholeSecondMs(ctx.now),
    replace: true,
  })
  await dropCachedObject(caches.default, bucket, key).catch(() => undefined)
  const stored = { bucket, key, size: contentLength, etag: etag ?? '' }
  await emit(ctx.events, [objectCreated(stored, 'rpc')])
  return stored
}

/** The object's bytes as a stream, with its size, ETag and type; not_found when there is none. */
export async function getObject(ctx: UploadContext, request: { bucket: string; key: string }) {
  const { bucket, key } = request
  authorize(ctx.caller, { bucket, key, operation: 'get' })
  const read = await storeFor(ctx.config, bucket).readObject(
    key,
    { method: 'GET', headers: new Headers() },
    { overrides: [], nowMs: wholeSecondMs(ctx.now), maxSeconds: 60 },
  )
  if (!read.ok || read.body === null) throw new AppError('not_found', 'No such object.')
  return {
    bucket,
    key,
    body: read.body,
    size: Number(read.headers.get('content-length') ?? 0),
    etag: read.headers.get('etag') ?? '',
    contentType: read.headers.get('content-type'),
  }
}
