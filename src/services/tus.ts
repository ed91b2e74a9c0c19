// tus 1.0.0 on upload links (core, creation, creation-with-upload, termination, expiration): a
// file sent in any number of PATCHes of any size, resumable from what was stored. Creation takes
// the file's place in the link (its caps, name and type rules, as any upload) and starts the
// store's multipart upload. A PATCH streams: whole parts of TUS_PART_SIZE go to the store as they
// fill (never more than one part in memory), what is left is kept by the link's object as the
// upload's tail, so the offset is always what is stored; the last PATCH stores the last part,
// completes the upload (the object appears then, never before) and records and announces the file
// once, as any upload through the link.
import { storeFor } from '../config'
import { AppError } from '../errors'
import { wholeSecondMs } from '../lib/duration'
import { abortLeftover } from '../stores/store'
import { uploadLinkObject } from '../upload-link/record'
import { offsetOf, TUS_PART_SIZE, type TusPart } from '../upload-link/tus-ledger'
import { finishMultipart, startMultipart } from './multipart'
import {
  heldPlace,
  openUploadLink,
  placeFile,
  received,
  type SendContext,
  type Sent,
  senderMetadata,
} from './upload-link-sends'

/** How long an upload may take, unless its link ends first. */
export const TUS_HOLD_SECONDS = 24 * 3600

/** `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone: empty). */
export function parseMetadata(header: string | undefined): Record<string, string> {
  const metadata: Record<string, string> = {}
  if (!header) return metadata
  for (const pair of header.split(',')) {
    const [key, value, extra] = pair.trim().split(' ')
    if (!key || extra !== undefined || key in metadata) {
      throw new AppError('invalid_request', 'Upload-Metadata must be "key base64value" pairs.')
    }
    try {
      const bytes = Uint8Array.from(atob(value ?? ''), (char) => char.charCodeAt(0))
      metadata[key] = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    } catch {
      throw new AppError('invalid_request', `Upload-Metadata ${key} is not base64 of UTF-8 text.`)
    }
  }
  return metadata
}

export type TusCreated = { slot: string; expires: number; offset: number; sent?: Sent }

/** POST: the file's place in the link and its multipart upload; an empty file is stored at once. */
export async function createTusUpload(
  ctx: SendContext,
  id: string,
  file: { length: number; metadata: Record<string, string> },
): Promise<TusCreated> {
  const { metadata } = file
  const nowMs = ctx.now.getTime()
  const placed = await placeFile(
    ctx,
    id,
    {
      name: metadata.filename || metadata.name || 'upload',
      size: file.length,
      declaredType: metadata.filetype || metadata.type || undefined,
      sender: metadata.sender || undefined,
      note: metadata.note || undefined,
    },
    TUS_HOLD_SECONDS,
  )
  const expires = Math.min(nowMs + TUS_HOLD_SECONDS * 1000, placed.record.expiresAt)
  try {
    if (file.length === 0) {
      const etag = await placed.store.putObject(placed.key, new Blob([]).stream(), {
        size: 0,
        contentType: placed.contentType,
        nowMs: wholeSecondMs(ctx.now),
        ...senderMetadata(placed),
      })
      if (etag === null)
        throw new AppError('invalid_request', 'A file of that name arrived meanwhile.')
      const sent = await received(ctx, placed, {
        key: placed.key,
        size: 0,
        etag,
        contentType: placed.contentType,
      })
      return { slot: placed.slot, expires, offset: 0, sent }
    }
    const uploadId = await startMultipart(placed.store, placed.key, {
      contentType: placed.contentType,
      ...senderMetadata(placed),
    })
    await placed.object.tusStart(id, {
      slot: placed.slot,
      key: placed.key,
      uploadId,
      length: file.length,
      contentType: placed.contentType,
      expires,
    })
    return { slot: placed.slot, expires, offset: 0 }
  } catch (error) {
    await placed.object.release(id, placed.slot)
    throw error
  }
}

const GONE = () =>
  new AppError('not_found', 'No such upload: it was completed, terminated or expired.')

/** HEAD: what is stored of the upload. */
export async function tusOffset(ctx: SendContext, id: string, slot: string) {
  const upload = await uploadLinkObject(ctx.links, id).tusState(id, slot, ctx.now.getTime())
  if (!upload) throw GONE()
  return { offset: offsetOf(upload), length: upload.length, expires: upload.expires }
}

/** Bytes gathered from a stream until a whole part is there. */
class Gathered {
  #chunks: Uint8Array[] = []
  size = 0

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return
    this.#chunks.push(chunk)
    this.size += chunk.byteLength
  }

  /** The first `count` bytes, as one array (at most one part's worth). */
  take(count: number): Uint8Array {
    const out = new Uint8Array(count)
    let at = 0
    while (at < count) {
      const chunk = this.#chunks[0] as Uint8Array
      const used = Math.min(chunk.byteLength, count - at)
      out.set(chunk.subarray(0, used), at)
      at += used
      if (used === chunk.byteLength) this.#chunks.shift()
      else this.#chunks[0] = chunk.subarray(used)
    }
    this.size -= count
    return out
  }
}

/**
 * PATCH at `offset`: the body appended, whole parts stored as they fill, the rest kept as the
 * tail (also when the connection breaks: the offset says what was kept). The last byte completes
 * the file. Answers the offset now stored.
 */
export async function patchTusUpload(
  ctx: SendContext,
  id: string,
  slot: string,
  patch: { offset: number; body: ReadableStream<Uint8Array> | null; contentLength?: number },
): Promise<{ offset: number; expires: number; sent?: Sent }> {
  // The place first: a lapsed one takes no lease that nothing would give back.
  const placed = await heldPlace(ctx, id, slot).catch((error: unknown) => {
    throw error instanceof AppError && error.code === 'not_found' ? GONE() : error
  })
  const object = placed.object
  const begun = await object.tusBegin(id, slot, patch.offset, ctx.now.getTime())
  if (!begun.ok) {
    if (begun.code === 'not_found') throw GONE()
    throw new AppError(
      'upload_conflict',
      begun.code === 'locked'
        ? 'Another request is writing this upload; ask its offset (HEAD) and go on from there.'
        : `This upload holds ${begun.offset} bytes: send from Upload-Offset ${begun.offset}.`,
    )
  }
  const { lease, upload } = begun
  if (patch.contentLength !== undefined && patch.offset + patch.contentLength > upload.length) {
    await object.tusTail(id, slot, lease, begun.tail)
    throw new AppError('invalid_request', `This upload is ${upload.length} bytes long.`)
  }
  const parts: TusPart[] = [...upload.parts]
  const gathered = new Gathered()
  gathered.push(begun.tail)
  let total = patch.offset
  let failure: unknown
  try {
    for await (const chunk of patch.body ?? new Blob([]).stream()) {
      total += chunk.byteLength
      if (total > upload.length) {
        throw new AppError('invalid_request', `This upload is ${upload.length} bytes long.`)
      }
      gathered.push(chunk)
      while (gathered.size >= TUS_PART_SIZE && total < upload.length) {
        const part = { partNumber: parts.length + 1, etag: '' }
        part.etag = await placed.store.uploadPart(
          upload.key,
          upload.uploadId,
          part.partNumber,
          gathered.take(TUS_PART_SIZE),
        )
        parts.push(part)
        await object.tusPart(id, slot, lease, part, Date.now())
      }
    }
  } catch (error) {
    failure = error
  }
  if (failure === undefined && total === upload.length) {
    if (gathered.size > 0) {
      const partNumber = parts.length + 1
      const bytes = gathered.take(gathered.size)
      parts.push({
        partNumber,
        etag: await placed.store.uploadPart(upload.key, upload.uploadId, partNumber, bytes),
      })
    }
    const done = await finishMultipart(placed.store, {
      key: upload.key,
      uploadId: upload.uploadId,
      parts,
      nowMs: wholeSecondMs(ctx.now),
    })
    const sent = await received(ctx, placed, {
      key: upload.key,
      size: done.size ?? upload.length,
      etag: done.etag ?? '',
      contentType: upload.contentType,
    })
    return { offset: upload.length, expires: upload.expires, sent }
  }
  // What came after the last whole part is kept: the next PATCH goes on from there.
  await object.tusTail(id, slot, lease, gathered.take(gathered.size))
  if (failure !== undefined) throw failure
  return { offset: total, expires: upload.expires }
}

/** DELETE: the upload aborted in the store and its place in the link freed. */
export async function terminateTusUpload(ctx: SendContext, id: string, slot: string) {
  // The link's store, not the place's: a place that lapsed still has an upload to abort.
  const { record } = await openUploadLink(ctx, id)
  const gone = await uploadLinkObject(ctx.links, id).tusDrop(id, slot)
  if (!gone) throw GONE()
  await abortLeftover(storeFor(ctx.config, record.bucket), gone.key, gone.uploadId)
}
