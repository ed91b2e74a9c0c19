// The shares service: callers create, list, read, audit and revoke their own share links. A
// share belongs to the caller that made it; anyone else's is as absent as a missing one. The
// admin may list, read, audit and revoke every share (and revoking an API key revokes the links
// it made). The share's Durable Object holds its use-time state (read, audit, revoke go there
// first); D1 holds the owner index that listings read, whose counters may lag by a few seconds.
import { authorize } from '../auth/authorize'
import { actingOwner, callerId, linkMaker } from '../auth/caller'
import { type Config, storeFor } from '../config'
import type { Principal } from '../env'
import { AppError } from '../errors'
import { readCursor } from '../lib/cursor'
import { wholeSecondMs } from '../lib/duration'
import { recipientsOf } from '../notify/recipients'
import type { ShareRequest } from '../schemas'
import { shareGate } from '../share/gate'
import { insertShare, listShares, liveShareIds, revokeShares } from '../share/index-db'
import { hashPassword } from '../share/password'
import { isShareId, newShareId, type ShareRecord, toApiShare } from '../share/record'
import { shareObject } from '../share/use'
import { StoreRefused } from '../stores/store'
import { resolveExpiresIn, SHARE_LIFETIME } from './expiry'

/** Who asks, with what configuration and database, and Signet's origin for the links. */
export type ShareContext = {
  /** A caller acts on its own shares; the admin on every share but creates none. */
  principal: Principal
  config: Config
  db: D1Database
  shares: Env['SHARES']
  origin: string
}

/** `?owner=`: an API key id (`key_…`) or an owner as shares name it (`key:…`, `jwt:…`, `binding:…`). */
function ownerFilter(text: string): string {
  return text.includes(':') ? text : `key:${text}`
}

export async function createShare(ctx: ShareContext, request: ShareRequest) {
  const { config, db, origin } = ctx
  const caller = linkMaker(ctx.principal, 'share links')
  const now = new Date()
  const nowMs = wholeSecondMs(now)
  const expiresIn = resolveExpiresIn(request, nowMs, caller.scope.maxExpiresIn, SHARE_LIFETIME)
  const folder = request.prefix !== undefined
  // One of the two, as the request schema checked.
  const key = request.prefix ?? request.key ?? ''
  authorize(caller, {
    bucket: request.bucket,
    key,
    keyIsPrefix: folder,
    operation: 'share',
    expiresIn,
  })
  const store = storeFor(config, request.bucket)
  // The version shared: a pinned link serves only it, so it must exist now. A folder follows
  // its prefix: there is no one version to pin.
  const pin = !folder && (request.pin ?? true)
  // A link that follows its key records the version there now, if the store can say; it may
  // point at a file still to come, or at a store that answers later.
  const head = folder
    ? null
    : await store.headObject(key, nowMs).catch((error: unknown) => {
        if (!pin && error instanceof AppError && error.code === 'store_unavailable') return null
        if (error instanceof StoreRefused) {
          // A bucket policy (or a key) that does not let Signet read the object: nothing to pin to.
          if (!pin) return null
          throw new AppError(
            'invalid_request',
            `The store refused Signet's request for the object (${error.status}), so the share cannot be pinned to its version: let Signet read it, or give pin: false.`,
          )
        }
        throw error
      })
  if (pin && !head) {
    throw new AppError(
      'not_found',
      'No such object to share. A pinned link (the default) shares the object as it is now; give pin: false to link to a file still to come.',
    )
  }
  const share: ShareRecord = {
    id: newShareId(),
    owner: callerId(caller),
    bucket: request.bucket,
    key,
    folder,
    // An encrypted share's page reads its bytes with a script, which a browser lets read another
    // origin's answer only under a CORS rule on the bucket: through Signet it needs none.
    mode: request.mode ?? (request.encrypted === true ? 'proxy' : 'redirect'),
    // A counted link opens on a page by default, so a chat's link preview cannot use it up; an
    // encrypted one always does (a browser must be given the page that holds its encrypted name).
    page: request.encrypted === true || (request.page ?? request.maxDownloads !== undefined),
    filename: request.filename ?? null,
    disposition: request.disposition ?? (request.filename ? 'attachment' : null),
    allowIps: request.allowIps ?? null,
    maxDownloads: request.maxDownloads ?? null,
    downloads: 0,
    etag: head?.etag ?? null,
    pin,
    password: request.password === undefined ? null : await hashPassword(request.password),
    createdAt: now.getTime(),
    expiresAt: nowMs + expiresIn * 1000,
    revokedAt: null,
    lastUsedAt: null,
    message: request.message ?? null,
    notify: recipientsOf(request.notify ?? [], origin),
    ...(request.encrypted ? { encrypted: true, encryptedMeta: request.encryptedMeta ?? null } : {}),
    revision: 0,
  }
  // The index row first: a share whose object was not told loads itself from it on first use.
  await insertShare(db, share)
  await shareObject(ctx.shares, share.id).init(share)
  return toApiShare(share, origin, store)
}

/**
 * The caller's own share as its object holds it (any share for the admin); someone else's is as
 * absent as a missing one.
 */
async function ownShare(ctx: ShareContext, id: string): Promise<ShareRecord> {
  if (isShareId(id)) await shareGate.settle(ctx.shares, id)
  const share = isShareId(id) ? await shareObject(ctx.shares, id).read(id) : null
  const owner = actingOwner(ctx.principal)
  if (!share || (owner !== null && share.owner !== owner)) {
    throw new AppError('not_found', 'No such share.')
  }
  return share
}

export async function listOwnShares(
  ctx: ShareContext,
  page: { limit: number; cursor?: string | undefined; owner?: string | undefined },
) {
  const { config, db, origin } = ctx
  const cursor = readCursor(page.cursor)
  const own = actingOwner(ctx.principal)
  const filter = page.owner === undefined ? undefined : ownerFilter(page.owner)
  if (own !== null && filter !== undefined && filter !== own) {
    throw new AppError('forbidden', 'Only the admin lists the shares of other owners.')
  }
  const listed = await listShares(db, own ?? filter, page.limit, cursor)
  return {
    shares: listed.records.map((share) =>
      toApiShare(share, origin, config.stores.get(share.bucket)),
    ),
    cursor: listed.cursor,
  }
}

export async function readOwnShare(ctx: ShareContext, id: string) {
  const share = await ownShare(ctx, id)
  return toApiShare(share, ctx.origin, ctx.config.stores.get(share.bucket))
}

export async function listOwnShareUses(
  ctx: ShareContext,
  id: string,
  page: { limit: number; after: number },
) {
  const share = await ownShare(ctx, id)
  const object = shareObject(ctx.shares, id)
  const [uses, refusals] = await Promise.all([
    object.uses(share.id, page.limit, page.after),
    object.refusals(share.id),
  ])
  return { uses, refusals }
}

/** A share's views, previews and downloads, per UTC day and per country, from its object. */
export async function ownShareStats(ctx: ShareContext, id: string) {
  const share = await ownShare(ctx, id)
  const stats = await shareObject(ctx.shares, id).stats(share.id)
  if (!stats) throw new AppError('not_found', 'No such share.')
  return stats
}

/**
 * Revokes a caller's own share (any share for the admin): its object first, so every isolate
 * refuses it within SIGNET_SHARE_CHECK_SECONDS (this one at once); then the index, so listings
 * show it. not_found for anything else.
 */
export async function revokeOwnShare(ctx: ShareContext, id: string): Promise<void> {
  const now = Date.now()
  const owner = actingOwner(ctx.principal)
  if (!isShareId(id) || !(await shareObject(ctx.shares, id).revoke(id, owner, now))) {
    throw new AppError('not_found', 'No such share.')
  }
  // Refused in this isolate at once; everywhere else within SIGNET_SHARE_CHECK_SECONDS.
  shareGate.revoked(id, now)
  await revokeShares(ctx.db, [id], now)
}

/** Share objects told at once while an owner's links are revoked. */
const REVOKE_BATCH = 50

/**
 * Revokes every live share an owner made (a revoked API key's links): each share's object first,
 * then the index; answers how many. Runs until the index lists none, so a failure part-way leaves
 * the rest for the next attempt (revoking is idempotent).
 */
export async function revokeSharesOf(
  db: D1Database,
  shares: Env['SHARES'],
  owner: string,
  now: number,
): Promise<number> {
  let revoked = 0
  for (;;) {
    const ids = await liveShareIds(db, owner, REVOKE_BATCH)
    if (ids.length === 0) return revoked
    await Promise.all(ids.map((id) => shareObject(shares, id).revoke(id, null, now)))
    for (const id of ids) shareGate.revoked(id, now)
    await revokeShares(db, ids, now)
    revoked += ids.length
  }
}
