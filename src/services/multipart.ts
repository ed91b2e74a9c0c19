// The one server multipart envelope, whoever starts and finishes the upload (the API's multipart
// routes, an upload link's page, tus): the upload made at the store with
// one presigned PUT per part (each signed with its exact length when the total is known), and its
// completion (parts in order, then what the store holds). Part sizes are equal, at least 5 MiB,
// the last one smaller: the rule R2 and S3 hold multipart uploads to.
import { AppError } from '../errors'
import { isoSeconds } from '../lib/duration'
import { MAX_PART_SIZE, MIN_PART_SIZE } from '../lib/limits'
import type { CompletedPart, MultipartStart, Store } from '../stores/store'

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

/** A presigned part: its URL, until when, and the headers it was signed with. */
export type SignedPart = {
  partNumber: number
  url: string
  expiresAt: string
  headers: Record<string, string>
}

/** Starts a multipart upload at `key` (its parts signed for clients, or sent by Signet: tus). */
export function startMultipart(store: Store, key: string, start: MultipartStart): Promise<string> {
  return store.createMultipartUpload(key, start)
}

/**
 * Starts a multipart upload at `key` and signs a PUT for each part. With `length`, the parts are
 * `partSizes(length, parts)` and each URL signs its Content-Length (completing with fewer is
 * refused by the declaration the store keeps).
 */
export async function signParts(
  store: Store,
  upload: {
    key: string
    parts: number
    length: number | undefined
    start: Omit<MultipartStart, 'declared'>
    expiresIn: number
    nowMs: number
    origin: URL
  },
): Promise<{ uploadId: string; expiresAt: string; parts: SignedPart[] }> {
  const { key, parts, length, expiresIn, nowMs } = upload
  const sizes = length === undefined ? undefined : partSizes(length, parts)
  const uploadId = await startMultipart(store, key, {
    ...upload.start,
    declared: length === undefined ? undefined : { parts, length },
  })
  const expiresAt = isoSeconds(nowMs + expiresIn * 1000)
  const signed = await Promise.all(
    Array.from({ length: parts }, async (_, index) => {
      const partNumber = index + 1
      const headers: Record<string, string> = sizes
        ? { 'Content-Length': String(sizes[index]) }
        : {}
      const url = await store.objectUrl({
        key,
        method: 'PUT',
        expiresIn,
        nowMs,
        origin: upload.origin,
        query: [
          ['partNumber', String(partNumber)],
          ['uploadId', uploadId],
        ],
        headers,
      })
      return { partNumber, url, expiresAt, headers }
    }),
  )
  return { uploadId, expiresAt, parts: signed }
}

/**
 * Completes a multipart upload with its parts in order, and asks the store what it holds now:
 * the object's ETag (the store's answer, else its HEAD's) and size (null: the store shows none).
 */
export async function finishMultipart(
  store: Store,
  upload: { key: string; uploadId: string; parts: readonly CompletedPart[]; nowMs: number },
): Promise<{ etag: string | null; size: number | null }> {
  const parts = [...upload.parts].sort((a, b) => a.partNumber - b.partNumber)
  const etag = await store.completeMultipartUpload(upload.key, upload.uploadId, parts)
  const head = await store.headObject(upload.key, upload.nowMs)
  return { etag: etag ?? head?.etag ?? null, size: head?.size ?? null }
}
