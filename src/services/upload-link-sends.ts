// Sending files through an upload link (anyone with the link): one PUT through Signet, or (the
// link's page, for big files) a multipart upload whose parts go straight to the store, started and
// finished through the one server envelope (multipart.ts). Every file takes a place in the link's
// Durable Object first (limits, names), is stored without replacing anything, is recorded there
// once, and is announced (object.created, and upload_link.exhausted for the last one) before the
// sender hears it arrived.
import { type Config, storeFor } from '../config'
import { AppError, type ErrorCode } from '../errors'
import { wholeSecondMs } from '../lib/duration'
import { MAX_PARTS, UPLOAD_PAGE_PART_SIZE, UPLOAD_SLOT_SECONDS } from '../lib/limits'
import { uploadType } from '../lib/media-type'
import type { Timing } from '../lib/timing'
import { TtlCache } from '../lib/ttl-cache'
import type { LinkUploadAbort, LinkUploadComplete, LinkUploadStart } from '../schemas'
import { issueTicket, type PasswordBrought, passwordVerdict } from '../share/password'
import { meteredStore } from '../stores/metered'
import type { Store } from '../stores/store'
import { safeFileName } from '../upload-link/names'
import type { Refused } from '../upload-link/object'
import {
  isUploadLinkId,
  type UploadedFile,
  type UploadLinkRecord,
  uploadLinkObject,
} from '../upload-link/record'
import { emit, newEvent, objectCreated } from '../webhooks/events'
import { finishMultipart, signParts } from './multipart'

type Links = Env['UPLOAD_LINKS']

/** A sender's request: who (address), with what password, when; where Signet is; what it costs. */
export type SendContext = {
  config: Config
  links: Links
  events: Queue
  origin: URL
  clientIp: string | null
  brought: PasswordBrought
  now: Date
  timing?: Timing | undefined
}

/** What a sender is told about a file that arrived. */
export type Sent = { key: string; size: number; etag: string }

/**
 * What never changes about a link (where files go, its limits, its password's hash), kept in the
 * isolate briefly: revocation, expiry and counts are decided by the link's object on every file.
 */
const opened = new TtlCache<string, UploadLinkRecord>(10_000)
const OPENED_MS = 60_000

/** Links revoked in this isolate: their records are read again. */
export function forgetOpened(ids: readonly string[]): void {
  opened.deleteWhere((record) => ids.includes(record.id))
}

/** The link for a sender, or not_found; with the count of files it holds where it was read. */
export async function openUploadLink(
  ctx: Pick<SendContext, 'links' | 'now'>,
  id: string,
): Promise<{ record: UploadLinkRecord; count?: number }> {
  const nowMs = ctx.now.getTime()
  const known = isUploadLinkId(id) ? opened.get(id, nowMs) : undefined
  if (known) return { record: known }
  const held = isUploadLinkId(id) ? await uploadLinkObject(ctx.links, id).read(id) : null
  if (!held) throw new AppError('not_found', 'No such upload link.')
  opened.set(id, held.record, Math.min(nowMs + OPENED_MS, held.record.expiresAt))
  return held
}

const REFUSAL_MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'No such upload link.',
  upload_link_revoked: 'This upload link has been revoked.',
  upload_link_expired: 'This upload link has expired.',
  upload_link_exhausted: 'This upload link has received as many files as it takes.',
  rate_limited: 'This upload link is locked after too many wrong passwords; try again later.',
  share_password_required:
    'This upload link asks for a password: send it as Authorization: Basic with an empty user (curl -u :password).',
  share_password_invalid: 'Wrong password for this upload link.',
}

function refused(refusal: Refused): AppError {
  return new AppError(
    refusal.code,
    refusal.message ?? REFUSAL_MESSAGES[refusal.code] ?? 'The upload link takes no file now.',
    refusal.retryAfter === undefined ? {} : { retryAfter: refusal.retryAfter },
  )
}

function storeOf(ctx: SendContext, record: UploadLinkRecord): Store {
  const store = storeFor(ctx.config, record.bucket)
  return ctx.timing ? meteredStore(store, ctx.timing) : store
}

/**
 * A sender opening the link (its page, or the page's password form): the link if it takes files
 * now, with a ticket for the browser's cookie when the right password came with the form.
 */
export async function openForSender(ctx: SendContext, id: string, unlock: boolean) {
  const { record } = await openUploadLink(ctx, id)
  const nowMs = ctx.now.getTime()
  const opened = await uploadLinkObject(ctx.links, id).open({
    id,
    now: nowMs,
    password: await passwordVerdict(record.password, id, ctx.brought, nowMs),
  })
  if (!opened.ok) throw refused(opened)
  const ticket =
    unlock && record.password !== null
      ? await issueTicket(record.password, id, nowMs, record.expiresAt)
      : undefined
  return { record: opened.record, left: opened.left, ticket }
}

/** What a sender says of themselves and the file (the upload page asks; both optional). */
export type SenderWords = { sender?: string | undefined; note?: string | undefined }

/**
 * The sender's words as the object's metadata (`sender`, `note`): percent-encoded UTF-8, the one
 * spelling every store's metadata headers carry.
 */
export function senderMetadata(words: { sender: string | null; note: string | null }) {
  const metadata: Record<string, string> = {}
  if (words.sender !== null) metadata.sender = encodeURIComponent(words.sender)
  if (words.note !== null) metadata.note = encodeURIComponent(words.note)
  return Object.keys(metadata).length > 0 ? { metadata } : {}
}

/** The most names tried for one file when objects from elsewhere hold the first ones. */
const MAX_NAME_TRIES = 20

/**
 * Takes a place for a file in the link's object and finds its key a name no object holds: a key
 * an object from elsewhere holds is never handed out again, and the file gets the next name.
 */
export async function placeFile(
  ctx: SendContext,
  id: string,
  sent: { name: string; size: number; declaredType: string | undefined } & SenderWords,
  holdSeconds?: number,
) {
  const file = { ...sent, contentType: uploadType(sent.name, sent.declaredType) }
  const { record } = await openUploadLink(ctx, id)
  const nowMs = ctx.now.getTime()
  const object = uploadLinkObject(ctx.links, id)
  const place = await object.place({
    id,
    now: nowMs,
    clientIp: ctx.clientIp,
    name: safeFileName(file.name),
    size: file.size,
    contentType: file.contentType,
    password: await passwordVerdict(record.password, id, ctx.brought, nowMs),
    sender: sent.sender ?? null,
    note: sent.note ?? null,
    holdSeconds,
  })
  if (!place.ok) throw refused(place)
  const store = storeOf(ctx, record)
  try {
    let key = place.key
    for (let tries = 0; (await store.headObject(key, wholeSecondMs(ctx.now))) !== null; tries++) {
      const moved = tries < MAX_NAME_TRIES ? await object.movePlace(id, place.slot) : null
      if (moved === null) throw new AppError('invalid_request', 'No free name for this file.')
      key = moved
    }
    const words = { sender: sent.sender ?? null, note: sent.note ?? null }
    return { record, object, store, slot: place.slot, key, contentType: file.contentType, ...words }
  } catch (error) {
    await object.release(id, place.slot)
    throw error
  }
}

/** Records a file that arrived and announces it; the sender hears of it only after both. */
export async function received(
  ctx: SendContext,
  placed: Pick<
    Awaited<ReturnType<typeof placeFile>>,
    'record' | 'object' | 'slot' | 'sender' | 'note'
  >,
  file: Omit<UploadedFile, 'uploadedAt' | 'clientIp' | 'sender' | 'note'>,
): Promise<Sent> {
  const { record, object, slot, sender, note } = placed
  const done = await object.receive(record.id, slot, {
    ...file,
    uploadedAt: Date.now(),
    clientIp: ctx.clientIp,
    sender,
    note,
  })
  if (!done.ok) throw refused(done)
  const events = [
    objectCreated(
      { bucket: record.bucket, key: file.key, size: file.size, etag: file.etag },
      'upload_link',
      {
        uploadLinkId: record.id,
        ...(sender !== null ? { sender } : {}),
        ...(note !== null ? { note } : {}),
      },
    ),
  ]
  if (done.exhausted) {
    events.push(
      newEvent('upload_link.exhausted', {
        uploadLinkId: record.id,
        bucket: record.bucket,
        key: record.prefix,
        prefix: record.prefix,
        files: done.count,
        maxFiles: record.maxFiles,
      }),
    )
  }
  await emit(ctx.events, events)
  return { key: file.key, size: file.size, etag: file.etag }
}

/** `PUT /u/<id>/<name>`: the bytes through Signet, stored only where no object is. */
export async function sendFile(
  ctx: SendContext,
  id: string,
  file: {
    name: string
    size: number
    declaredType: string | undefined
    body: ReadableStream
  } & SenderWords,
): Promise<Sent> {
  const placed = await placeFile(ctx, id, file)
  let etag: string | null
  try {
    etag = await placed.store.putObject(placed.key, file.body, {
      size: file.size,
      contentType: placed.contentType,
      nowMs: wholeSecondMs(ctx.now),
      ...senderMetadata(placed),
    })
  } catch (error) {
    await placed.object.release(id, placed.slot)
    throw error
  }
  if (etag === null) {
    // Someone stored an object at that key between the look and the PUT: nothing was replaced.
    await placed.object.release(id, placed.slot)
    throw new AppError('invalid_request', 'A file of that name arrived meanwhile; send it again.')
  }
  return received(ctx, placed, {
    key: placed.key,
    size: file.size,
    etag,
    contentType: placed.contentType,
  })
}

/**
 * The page's big files: a place, a multipart upload at its key, and one presigned PUT per part
 * (each signed with its length) living as long as the place.
 */
export async function startFileUpload(ctx: SendContext, id: string, start: LinkUploadStart) {
  const placed = await placeFile(ctx, id, { ...start, declaredType: start.contentType })
  try {
    const signed = await signParts(placed.store, {
      key: placed.key,
      parts: Math.min(MAX_PARTS, Math.max(1, Math.ceil(start.size / UPLOAD_PAGE_PART_SIZE))),
      length: start.size,
      start: { contentType: placed.contentType, ...senderMetadata(placed) },
      expiresIn: UPLOAD_SLOT_SECONDS,
      nowMs: wholeSecondMs(ctx.now),
      origin: ctx.origin,
    })
    return { slot: placed.slot, key: placed.key, ...signed }
  } catch (error) {
    await placed.object.release(id, placed.slot)
    throw error
  }
}

/** The place a page's multipart upload holds, with the link's record and store. */
export async function heldPlace(ctx: SendContext, id: string, slot: string) {
  const { record } = await openUploadLink(ctx, id)
  const object = uploadLinkObject(ctx.links, id)
  const place = await object.placed(id, slot, ctx.now.getTime())
  if (place === null) {
    throw new AppError('not_found', 'No such upload through this link (it lapsed).')
  }
  return { record, object, store: storeOf(ctx, record), slot, ...place }
}

export async function completeFileUpload(
  ctx: SendContext,
  id: string,
  complete: LinkUploadComplete,
): Promise<Sent> {
  const placed = await heldPlace(ctx, id, complete.slot)
  const done = await finishMultipart(placed.store, {
    key: placed.key,
    uploadId: complete.uploadId,
    parts: complete.parts,
    nowMs: wholeSecondMs(ctx.now),
  })
  if (done.etag === null || done.size === null) {
    throw new AppError('not_found', 'The store holds no object after completing it.')
  }
  return received(ctx, placed, {
    key: placed.key,
    size: done.size,
    etag: done.etag,
    contentType: placed.contentType,
  })
}

export async function abortFileUpload(
  ctx: SendContext,
  id: string,
  abort: LinkUploadAbort,
): Promise<void> {
  const placed = await heldPlace(ctx, id, abort.slot)
  await placed.store.abortMultipartUpload(placed.key, abort.uploadId)
  await placed.object.release(id, placed.slot)
}
