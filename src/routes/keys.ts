// /v1/keys: the admin creates, lists and revokes API keys. The key is in the create answer only.
import { createRoute, z } from '@hono/zod-openapi'
import { requireAdmin } from '../auth/authenticate'
import { newApp } from '../http/openapi'
import { PageQuerySchema } from '../lib/cursor'
import {
  ApiKeySchema,
  CreateKeyAnswerSchema,
  CreateKeyRequestSchema,
  errorResponses,
} from '../schemas'
import { createKey, listKeys, revokeKey } from '../services/keys'

const security = [{ bearer: [] }]

export const keys = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create an API key (admin)',
      security,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: CreateKeyRequestSchema } },
        },
      },
      responses: {
        201: {
          description: 'The new key; `key` is shown only here',
          content: { 'application/json': { schema: CreateKeyAnswerSchema } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      requireAdmin(c)
      return c.json(
        await createKey(c.get('config'), c.get('db'), c.req.valid('json'), new Date()),
        201,
      )
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List API keys',
      description: 'List API keys (admin); never shows a key or its hash',
      security,
      request: {
        query: PageQuerySchema,
      },
      responses: {
        200: {
          description: 'Keys in creation order',
          content: {
            'application/json': {
              schema: z.object({ keys: z.array(ApiKeySchema), cursor: z.string().nullable() }),
            },
          },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      requireAdmin(c)
      return c.json(await listKeys(c.get('db'), c.req.valid('query')), 200)
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Revoke an API key',
      description:
        'Revoke an API key (admin); refused from its next request on. Also revokes every share and upload link it made, unless keepLinks=true',
      security,
      request: {
        params: z.object({ id: z.string().max(64) }),
        query: z.object({
          keepLinks: z
            .enum(['true', 'false'])
            .optional()
            .openapi({ description: "true: the key's share and upload links stay live" }),
        }),
      },
      responses: {
        204: { description: 'Revoked' },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      requireAdmin(c)
      await revokeKey(
        c.get('db'),
        { shares: c.get('shares'), uploadLinks: c.get('uploadLinks') },
        c.req.valid('param').id,
        {
          keepLinks: c.req.valid('query').keepLinks === 'true',
          now: new Date(),
        },
      )
      return c.body(null, 204)
    },
  )
