// /v1/shares: callers create, list, read and revoke their own share links, and read their uses;
// the admin lists (by owner, `?owner=`), reads and revokes every share.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { newApp } from '../http/openapi'
import { PageQuerySchema } from '../lib/cursor'
import {
  errorResponses,
  RefusalSummarySchema,
  ShareEditSchema,
  ShareRequestSchema,
  ShareSchema,
  ShareStatsSchema,
  ShareUseSchema,
} from '../schemas'
import { editShare, refuseNotify } from '../services/link-edits'
import {
  createShare,
  listOwnShares,
  listOwnShareUses,
  ownShareStats,
  readOwnShare,
  revokeOwnShare,
  type ShareContext,
} from '../services/shares'

const security = [{ bearer: [] }]

function shareContext(c: Context<AppEnv>): ShareContext {
  return {
    principal: c.get('principal'),
    config: c.get('config'),
    db: c.get('db'),
    shares: c.get('shares'),
    origin: new URL(c.req.url).origin,
  }
}

const IdParam = z.object({ id: z.string().max(64) })

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
    async (c) => {
      const request = c.req.valid('json')
      refuseNotify(c.get('config').mail, request.notify)
      return c.json(await createShare(shareContext(c), request), 201)
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List share links',
      description: "List the caller's own share links (the admin: every share, or one owner's)",
      security,
      request: {
        query: PageQuerySchema.extend({
          owner: z
            .string()
            .max(300)
            .optional()
            .openapi({ description: 'Admin: only this owner (an API key id, or `jwt:<sub>`)' }),
        }),
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
    async (c) => c.json(await listOwnShares(shareContext(c), c.req.valid('query')), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      summary: 'Read a share link',
      description: 'Read a share link with its downloads and last use',
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
    async (c) => c.json(await readOwnShare(shareContext(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}/uses',
      summary: "A share link's audit trail",
      description: 'The audit trail of a share link: time, client IP and outcome of each use',
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
          description:
            'Uses, oldest first (pass the last seq as `after` for the next page), and refusals summed per outcome and address, most recent first',
          content: {
            'application/json': {
              schema: z.object({
                uses: z.array(ShareUseSchema),
                refusals: z.array(RefusalSummarySchema),
              }),
            },
          },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await listOwnShareUses(shareContext(c), c.req.valid('param').id, c.req.valid('query')),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}/stats',
      summary: "A share link's stats",
      description:
        'How often a share link was viewed, previewed and downloaded, per day and country',
      security,
      request: { params: IdParam },
      responses: {
        200: {
          description:
            'Views of its page, previews and downloads; per UTC day, and downloads per country (request.cf.country; null where the edge does not say)',
          content: { 'application/json': { schema: ShareStatsSchema } },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await ownShareStats(shareContext(c), c.req.valid('param').id), 200),
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/{id}',
      summary: 'Edit a share link',
      description:
        "Change a share link's expiry, cap, password, allowed IPs or message (a field left out stays as it is; null removes it). Within the caller's scope, as at creation; the cap never below the downloads counted. Every isolate follows within SIGNET_SHARE_CHECK_SECONDS; a page unlocked with an old password asks again at once. The audit records an `edited` entry naming the fields.",
      security,
      request: {
        params: IdParam,
        body: { required: true, content: { 'application/json': { schema: ShareEditSchema } } },
      },
      responses: {
        200: {
          description: 'The share link as it is now',
          content: { 'application/json': { schema: ShareSchema } },
        },
        ...errorResponses(400, 401, 403, 404, 410),
      },
    }),
    async (c) => {
      const edit = c.req.valid('json')
      refuseNotify(c.get('config').mail, edit.notify)
      return c.json(await editShare(shareContext(c), c.req.valid('param').id, edit), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Revoke a share link',
      description: 'Revoke a share link; its next use answers 410 share_revoked',
      security,
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await revokeOwnShare(shareContext(c), c.req.valid('param').id)
      return c.body(null, 204)
    },
  )
