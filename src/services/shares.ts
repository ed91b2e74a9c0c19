// The shares service: callers create, list, read, audit and revoke their own share links. A
// share belongs to the caller that made it; anyone else's is as absent as a missing one.
import { authorize } from '../auth/authenticate'
import { callerId } from '../auth/caller'
import { type Config, storeFor } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import { type Cursor, nextCursor, readCursor } from '../lib/cursor'
import { DEFAULT_SHARE_LIFETIME, MAX_SHARE_LIFETIME } from '../lib/limits'
import type { ShareRequest } from '../schemas'
import { policyHints } from '../share/policy-hints'
import {
  getShare,
  insertShare,
  isShareId,
  listShares,
  listUses,
  newShareId,
  revokeShare,
  type Share,
} from '../share/store'
import type { Store } from '../stores/store'
import { isoSeconds, resolveExpiresIn, wholeSeconds } from './expiry'

/** A share as the API answers it, with the policy hints its CIDRs call for. */
export function shareAnswer(share: Share, origin: string, store: Store | undefined) {
  return {
    id: share.id,
    url: `${origin}/s/${share.id}`,
    bucket: share.bucket,
    key: share.key,
    mode: share.mode,
    expiresAt: isoSeconds(share.expiresAt),
    maxDownloads: share.maxDownloads,
    downloads: share.downloads,
    allowIps: share.allowIps,
    filename: share.filename,
    disposition: share.disposition,
    createdAt: share.createdAt,
    revokedAt: share.revokedAt,
    lastUsedAt: share.lastUsedAt,
    policyHints: share.allowIps
      ? policyHints({
          // The store's own name for the bucket, as its policy must say it.
          bucket: store?.bucketName ?? share.bucket,
          key: share.key,
          allowIps: share.allowIps,
          mode:
            share.mode === 'proxy'
              ? 'share-proxy'
              : store?.enforcesUrlIps
                ? 'share-redirect-gateway'
                : 'share-redirect',
        })
      : null,
  }
}

/** Who asks, with what configuration and database, and Signet's origin for the links. */
export type ShareContext = { caller: Caller; config: Config; db: D1Database; origin: string }

export async function createShare(ctx: ShareContext, request: ShareRequest) {
  const { caller, config, db, origin } = ctx
  const now = new Date()
  const nowMs = wholeSeconds(now)
  const expiresIn = resolveExpiresIn(request, nowMs, {
    default: DEFAULT_SHARE_LIFETIME,
    max: MAX_SHARE_LIFETIME,
    maxText: '365 days',
  })
  authorize(caller, { bucket: request.bucket, key: request.key, operation: 'share', expiresIn })
  const store = storeFor(config, request.bucket)
  const share: Share = {
    id: newShareId(),
    owner: callerId(caller),
    bucket: request.bucket,
    key: request.key,
    mode: request.mode ?? 'redirect',
    filename: request.filename ?? null,
    disposition: request.disposition ?? (request.filename ? 'attachment' : null),
    allowIps: request.allowIps ?? null,
    maxDownloads: request.maxDownloads ?? null,
    downloads: 0,
    createdAt: now.toISOString(),
    expiresAt: nowMs + expiresIn * 1000,
    revokedAt: null,
    lastUsedAt: null,
  }
  await insertShare(db, share)
  return shareAnswer(share, origin, store)
}

/** The caller's own share; someone else's is as absent as a missing one. */
async function ownShare(db: D1Database, id: string, caller: Caller): Promise<Share> {
  const share = isShareId(id) ? await getShare(db, id) : undefined
  if (!share || share.owner !== callerId(caller)) throw new AppError('not_found', 'No such share.')
  return share
}

export async function listOwnShares(
  ctx: ShareContext,
  page: { limit: number; cursor?: string | undefined },
) {
  const { caller, config, db, origin } = ctx
  const cursor: Cursor | undefined = readCursor(page.cursor)
  const records = await listShares(db, callerId(caller), page.limit, cursor)
  return {
    shares: records.map((share) => shareAnswer(share, origin, config.stores.get(share.bucket))),
    cursor: nextCursor(records, page.limit),
  }
}

export async function readOwnShare(ctx: ShareContext, id: string) {
  const share = await ownShare(ctx.db, id, ctx.caller)
  return shareAnswer(share, ctx.origin, ctx.config.stores.get(share.bucket))
}

export async function listOwnShareUses(
  caller: Caller,
  db: D1Database,
  id: string,
  page: { limit: number; after: number },
) {
  const share = await ownShare(db, id, caller)
  return { uses: await listUses(db, share.id, page.limit, page.after) }
}

/** Revokes a caller's own share; not_found for anything else. */
export async function revokeOwnShare(caller: Caller, db: D1Database, id: string): Promise<void> {
  if (!isShareId(id) || !(await revokeShare(db, id, callerId(caller), new Date()))) {
    throw new AppError('not_found', 'No such share.')
  }
}
