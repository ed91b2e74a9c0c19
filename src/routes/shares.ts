// /v1/shares: callers create, list, read and revoke their own share links, and read their uses.
import { createRoute, z } from '@hono/zod-openapi'
import { authorize, requireCaller } from '../auth/authenticate'
import { callerId } from '../auth/caller'
import type { Config, Target } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import { nextCursor, PageQuerySchema, readCursor } from '../lib/cursor'
import { newApp } from '../lib/openapi'
import { isoSeconds, resolveExpiresIn } from '../presign'
import {
  DEFAULT_SHARE_LIFETIME,
  errorResponses,
  MAX_SHARE_LIFETIME,
  type ShareRequest,
  ShareRequestSchema,
  ShareSchema,
} from '../schemas'
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

const security = [{ bearer: [] }]

export function shareAnswer(share: Share, origin: string, target: Target | undefined) {
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
          bucket: target?.kind === 'remote' ? target.bucket : share.bucket,
          key: share.key,
          allowIps: share.allowIps,
          mode:
            share.mode === 'proxy'
              ? 'share-proxy'
              : target?.kind === 'gateway'
                ? 'share-redirect-gateway'
                : 'share-redirect',
        })
      : null,
  }
}

const IdParam = z.object({ id: z.string().max(64) })

/** Creates a share for a caller within its scope; shared by HTTP and RPC. */
export async function createShare(
  caller: Caller,
  config: Config,
  db: D1Database,
  request: ShareRequest,
  origin: string,
) {
  const now = new Date()
  const nowMs = Math.floor(now.getTime() / 1000) * 1000
  const expiresIn = resolveExpiresIn(request, nowMs, {
    default: DEFAULT_SHARE_LIFETIME,
    max: MAX_SHARE_LIFETIME,
    maxText: '365 days',
  })
  authorize(caller, { bucket: request.bucket, key: request.key, operation: 'share', expiresIn })
  if (!config.buckets.has(request.bucket)) {
    throw new AppError('invalid_request', 'bucket is not a bucket Signet serves.')
  }
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
  return shareAnswer(share, origin, config.buckets.get(share.bucket))
}

/** Revokes a caller's own share; not_found for anything else. */
export async function revokeOwnShare(caller: Caller, db: D1Database, id: string): Promise<void> {
  if (!isShareId(id) || !(await revokeShare(db, id, callerId(caller), new Date()))) {
    throw new AppError('not_found', 'No such share.')
  }
}

export const shares = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create a share link',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: ShareRequestSchema } } },
      },
      responses: {
        201: {
          description: 'The share link',
          content: { 'application/json': { schema: ShareSchema } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) =>
      c.json(
        await createShare(
          requireCaller(c),
          c.get('config'),
          c.env.DB,
          c.req.valid('json'),
          new URL(c.req.url).origin,
        ),
        201,
      ),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: "List the caller's own share links",
      security,
      request: {
        query: PageQuerySchema,
      },
      responses: {
        200: {
          description: 'Share links in creation order',
          content: {
            'application/json': {
              schema: z.object({ shares: z.array(ShareSchema), cursor: z.string().nullable() }),
            },
          },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const caller = requireCaller(c)
      const { limit, cursor: cursorText } = c.req.valid('query')
      const cursor = readCursor(cursorText)
      const records = await listShares(c.env.DB, callerId(caller), limit, cursor)
      const origin = new URL(c.req.url).origin
      const config = c.get('config')
      return c.json(
        {
          shares: records.map((share) =>
            shareAnswer(share, origin, config.buckets.get(share.bucket)),
          ),
          cursor: nextCursor(records, limit),
        },
        200,
      )
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      summary: 'Read a share link with its downloads and last use',
      security,
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The share link',
          content: { 'application/json': { schema: ShareSchema } },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const share = await ownShare(c.env.DB, c.req.valid('param').id, requireCaller(c))
      return c.json(
        shareAnswer(share, new URL(c.req.url).origin, c.get('config').buckets.get(share.bucket)),
        200,
      )
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}/uses',
      summary: 'The audit trail of a share link: time, client IP and outcome of each use',
      security,
      request: {
        params: IdParam,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          after: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: {
        200: {
          description: 'Uses, oldest first; pass the last seq as `after` for the next page',
          content: {
            'application/json': {
              schema: z.object({
                uses: z.array(
                  z.object({
                    seq: z.number().int(),
                    at: z.string(),
                    clientIp: z.string().nullable(),
                    outcome: z.string(),
                  }),
                ),
              }),
            },
          },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const share = await ownShare(c.env.DB, c.req.valid('param').id, requireCaller(c))
      const { limit, after } = c.req.valid('query')
      return c.json({ uses: await listUses(c.env.DB, share.id, limit, after) }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Revoke a share link; its next use answers 410 share_revoked',
      security,
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await revokeOwnShare(requireCaller(c), c.env.DB, c.req.valid('param').id)
      return c.body(null, 204)
    },
  )

/** The caller's own share; someone else's is as absent as a missing one. */
async function ownShare(db: D1Database, id: string, caller: Caller): Promise<Share> {
  const share = isShareId(id) ? await getShare(db, id) : undefined
  if (!share || share.owner !== callerId(caller)) throw new AppError('not_found', 'No such share.')
  return share
}
