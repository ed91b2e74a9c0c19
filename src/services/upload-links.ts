// The upload-links service. Callers make, list, read and revoke their own upload links (the admin
// lists, reads and revokes every one); people without a key send files through them: one PUT
// through Signet, or (the link's page, for big files) a multipart upload whose parts go straight
// to the store. Every file takes a place in the link's Durable Object first (limits, names), is
// stored without replacing anything, is recorded there once, and is announced (object.created,
// and upload_link.exhausted for the last one) before the sender hears it arrived.
import { authorize } from '../auth/authorize'
import { actingOwner, callerId, linkMaker } from '../auth/caller'
import type { ScopeRequest } from '../auth/scope'
import { type Config, storeFor } from '../config'
import type { Principal } from '../env'
import { AppError, type ErrorCode } from '../errors'
import { readCursor } from '../lib/cursor'
import { isoSeconds, wholeSecondMs } from '../lib/duration'
import {
  DEFAULT_UPLOAD_LINK_LIFETIME,
  MAX_PARTS,
  MAX_UPLOAD_LINK_LIFETIME,
  UPLOAD_PAGE_PART_SIZE,
  UPLOAD_SLOT_SECONDS,
} from '../lib/limits'
import { uploadType } from '../lib/media-type'
import type { Timing } from '../lib/timing'
import { TtlCache } from '../lib/ttl-cache'
import type {
  LinkUploadAbort,
  LinkUploadComplete,
  LinkUploadStart,
  UploadLinkRequest,
} from '../schemas'
import { hashPassword, issueTicket, type PasswordBrought, passwordVerdict } from '../share/password'
import { meteredStore } from '../stores/metered'
import type { Store } from '../stores/store'
import {
  insertUploadLink,
  listUploadLinks,
  liveUploadLinkIds,
  revokeUploadLinks,
} from '../upload-link/index-db'
import { safeFileName } from '../upload-link/names'
import type { Refused } from '../upload-link/object'
import {
  isUploadLinkId,
  newUploadLinkId,
  toApiUploadLink,
  type UploadedFile,
  type UploadLinkRecord,
} from '../upload-link/record'
import { emit, newEvent, objectCreated } from '../webhooks/events'
import { resolveExpiresIn } from './expiry'
import { partSizes } from './uploads'

type Links = Env['UPLOAD_LINKS']

export function uploadLinkObject(namespace: Links, id: string) {
  return namespace.get(namespace.idFromName(id))
}

// ---- managing links (a caller with a key) -----------------------------------------------------

export type UploadLinkContext = {
  principal: Principal
  config: Config
  db: D1Database
  links: Links
  origin: string
}

/**
 * A new link into `prefix`: the caller must be allowed to put there, for as long as the link lives,
 * files as large and of the types the link takes (a scope's caps become the link's defaults).
 */
export async function createUploadLink(ctx: UploadLinkContext, request: UploadLinkRequest) {
  const caller = linkMaker(ctx.principal, 'upload links')
  const now = new Date()
  const nowMs = wholeSecondMs(now)
  const expiresIn = resolveExpiresIn(request, nowMs, caller.scope.maxExpiresIn, {
    default: DEFAULT_UPLOAD_LINK_LIFETIME,
    max: MAX_UPLOAD_LINK_LIFETIME,
    maxText: '90 days',
  })
  const maxFileSize = request.maxFileSize ?? caller.scope.maxContentLength ?? null
  const contentTypes = request.contentTypes ?? caller.scope.contentTypes ?? null
  const grant: ScopeRequest = {
    bucket: request.bucket,
    key: request.prefix,
    keyIsPrefix: true,
    operation: 'put',
    expiresIn,
    ...(maxFileSize === null ? {} : { contentLength: maxFileSize }),
  }
  for (const contentType of contentTypes ?? [undefined]) {
    authorize(caller, contentType === undefined ? grant : { ...grant, contentType })
  }
  storeFor(ctx.config, request.bucket)
  const link: UploadLinkRecord = {
    id: newUploadLinkId(),
    owner: callerId(caller),
    bucket: request.bucket,
    prefix: request.prefix,
    message: request.message ?? null,
    maxFiles: request.maxFiles ?? null,
    maxFileSize,
    contentTypes,
    password: request.password === undefined ? null : await hashPassword(request.password),
    createdAt: now.getTime(),
    expiresAt: nowMs + expiresIn * 1000,
    revokedAt: null,
  }
  // The index row first: a link is listed before it can take a file.
  await insertUploadLink(ctx.db, link)
  await uploadLinkObject(ctx.links, link.id).init(link)
  return toApiUploadLink(link, ctx.origin, { count: 0, files: [] })
}

async function ownLink(ctx: UploadLinkContext, id: string) {
  const object = isUploadLinkId(id) ? uploadLinkObject(ctx.links, id) : undefined
  const held = object ? await object.read(id) : null
  const owner = actingOwner(ctx.principal)
  if (!object || !held || (owner !== null && held.record.owner !== owner)) {
    throw new AppError('not_found', 'No such upload link.')
  }
  return { object, ...held }
}

export async function readOwnUploadLink(ctx: UploadLinkContext, id: string) {
  const { object, record } = await ownLink(ctx, id)
  const files = (await object.files(id)) ?? []
  return toApiUploadLink(record, ctx.origin, { count: files.length, files })
}

export async function listOwnUploadLinks(
  ctx: UploadLinkContext,
  page: { limit: number; cursor?: string | undefined },
) {
  const owner = actingOwner(ctx.principal)
  const listed = await listUploadLinks(
    ctx.db,
    owner ?? undefined,
    page.limit,
    readCursor(page.cursor),
  )
  return {
    uploadLinks: listed.links.map((link) => toApiUploadLink(link.record, ctx.origin, link)),
    cursor: listed.cursor,
  }
}

/** Revokes the caller's own link (any link for the admin): the next file is refused. */
export async function revokeOwnUploadLink(ctx: UploadLinkContext, id: string): Promise<void> {
  const now = Date.now()
  const owner = actingOwner(ctx.principal)
  if (!isUploadLinkId(id) || !(await uploadLinkObject(ctx.links, id).revoke(id, owner, now))) {
    throw new AppError('not_found', 'No such upload link.')
  }
  opened.deleteWhere((record) => record.id === id)
  await revokeUploadLinks(ctx.db, [id], now)
}

/** Every live link an owner made (a revoked API key's), its object first; answers how many. */
export async function revokeUploadLinksOf(
  db: D1Database,
  links: Links,
  owner: string,
  now: number,
): Promise<number> {
  let revoked = 0
  for (;;) {
    const ids = await liveUploadLinkIds(db, owner, 50)
    if (ids.length === 0) return revoked
    await Promise.all(ids.map((id) => uploadLinkObject(links, id).revoke(id, null, now)))
    opened.deleteWhere((record) => ids.includes(record.id))
    await revokeUploadLinks(db, ids, now)
    revoked += ids.length
  }
}

// ---- sending files (anyone with the link) -----------------------------------------------------

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

/** The most names tried for one file when objects from elsewhere hold the first ones. */
const MAX_NAME_TRIES = 20

/**
 * Takes a place for a file in the link's object and finds its key a name no object holds: a key
 * an object from elsewhere holds is never handed out again, and the file gets the next name.
 */
async function placeFile(
  ctx: SendContext,
  id: string,
  sent: { name: string; size: number; declaredType: string | undefined },
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
    return { record, object, store, slot: place.slot, key, contentType: file.contentType }
  } catch (error) {
    await object.release(id, place.slot)
    throw error
  }
}

/** Records a file that arrived and announces it; the sender hears of it only after both. */
async function received(
  ctx: SendContext,
  placed: Pick<Awaited<ReturnType<typeof placeFile>>, 'record' | 'object' | 'slot'>,
  file: Omit<UploadedFile, 'uploadedAt' | 'clientIp'>,
): Promise<Sent> {
  const { record, object, slot } = placed
  const done = await object.receive(record.id, slot, {
    ...file,
    uploadedAt: Date.now(),
    clientIp: ctx.clientIp,
  })
  if (!done.ok) throw refused(done)
  const events = [
    objectCreated(
      { bucket: record.bucket, key: file.key, size: file.size, etag: file.etag },
      'upload_link',
      { uploadLinkId: record.id },
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
  file: { name: string; size: number; declaredType: string | undefined; body: ReadableStream },
): Promise<Sent> {
  const placed = await placeFile(ctx, id, file)
  let etag: string | null
  try {
    etag = await placed.store.putObject(placed.key, file.body, {
      size: file.size,
      contentType: placed.contentType,
      nowMs: wholeSecondMs(ctx.now),
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
  const { contentType } = placed
  try {
    const partCount = Math.min(
      MAX_PARTS,
      Math.max(1, Math.ceil(start.size / UPLOAD_PAGE_PART_SIZE)),
    )
    const sizes = partSizes(start.size, partCount)
    const uploadId = await placed.store.createMultipartUpload(placed.key, {
      contentType,
      declared: { parts: partCount, length: start.size },
    })
    const nowMs = wholeSecondMs(ctx.now)
    const expiresAt = isoSeconds(nowMs + UPLOAD_SLOT_SECONDS * 1000)
    const parts = await Promise.all(
      sizes.map(async (size, index) => {
        const headers = { 'Content-Length': String(size) }
        const url = await placed.store.objectUrl({
          key: placed.key,
          method: 'PUT',
          expiresIn: UPLOAD_SLOT_SECONDS,
          nowMs,
          origin: ctx.origin,
          query: [
            ['partNumber', String(index + 1)],
            ['uploadId', uploadId],
          ],
          headers,
        })
        return { partNumber: index + 1, url, expiresAt, headers }
      }),
    )
    return {
      slot: placed.slot,
      key: placed.key,
      uploadId,
      expiresAt,
      parts,
    }
  } catch (error) {
    await placed.object.release(id, placed.slot)
    throw error
  }
}

/** The place a page's multipart upload holds, with the link's record and store. */
async function heldPlace(ctx: SendContext, id: string, slot: string) {
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
  const parts = [...complete.parts].sort((a, b) => a.partNumber - b.partNumber)
  const etag = await placed.store.completeMultipartUpload(placed.key, complete.uploadId, parts)
  const head = await placed.store.headObject(placed.key, wholeSecondMs(ctx.now))
  if (!head) throw new AppError('not_found', 'The store holds no object after completing it.')
  return received(ctx, placed, {
    key: placed.key,
    size: head.size,
    etag: etag ?? head.etag,
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
