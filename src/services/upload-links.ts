// The upload-links service: callers make, list, read and revoke their own upload links (the admin
// lists, reads and revokes every one). Sending files through a link is upload-link-sends.ts.
import { authorize } from '../auth/authorize'
import { actingOwner, callerId, linkMaker } from '../auth/caller'
import type { ScopeRequest } from '../auth/scope'
import { type Config, storeFor } from '../config'
import type { Principal } from '../env'
import { AppError } from '../errors'
import { readCursor } from '../lib/cursor'
import { wholeSecondMs } from '../lib/duration'
import { recipientsOf } from '../notify/recipients'
import type { UploadLinkRequest } from '../schemas'
import { hashPassword } from '../share/password'
import {
  insertUploadLink,
  listUploadLinks,
  liveUploadLinkIds,
  revokeUploadLinks,
} from '../upload-link/index-db'
import {
  isUploadLinkId,
  newUploadLinkId,
  toApiUploadLink,
  type UploadLinkRecord,
  uploadLinkObject,
} from '../upload-link/record'
import { resolveExpiresIn, UPLOAD_LINK_LIFETIME } from './expiry'
import { forgetOpened } from './upload-link-sends'

type Links = Env['UPLOAD_LINKS']

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
  const expiresIn = resolveExpiresIn(
    request,
    nowMs,
    caller.scope.maxExpiresIn,
    UPLOAD_LINK_LIFETIME,
  )
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
    notify: recipientsOf(request.notify ?? [], ctx.origin),
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
  forgetOpened([id])
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
    forgetOpened(ids)
    await revokeUploadLinks(db, ids, now)
    revoked += ids.length
  }
}
