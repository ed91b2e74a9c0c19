// /v1/keys: the admin creates, lists and revokes API keys. The key is in the create answer only.
import { createRoute, z } from '@hono/zod-openapi'
import { createApiKey, listApiKeys, revokeApiKey } from '../auth/api-keys'
import { requireAdmin } from '../auth/authenticate'
import { AppError } from '../errors'
import { nextCursor, PageQuerySchema, readCursor } from '../lib/cursor'
import { newApp } from '../lib/openapi'
import { errorResponses, ScopeSchema } from '../schemas'

const KeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: ScopeSchema,
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey')

const CreateKeySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scope: ScopeSchema,
  })
  .openapi('CreateApiKey')

const CreatedKeySchema = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: 'The API key. Shown only in this answer.' }),
    name: z.string(),
    scope: ScopeSchema,
    createdAt: z.string(),
  })
  .openapi('CreatedApiKey')

const security = [{ bearer: [] }]

export const keys = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create an API key (admin)',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: CreateKeySchema } } },
      },
      responses: {
        201: {
          description: 'The new key; `key` is shown only here',
          content: { 'application/json': { schema: CreatedKeySchema } },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      requireAdmin(c)
      const { name, scope } = c.req.valid('json')
      const buckets = c.get('config').buckets
      const unknown = scope.buckets.flatMap((bucket, index) =>
        buckets.has(bucket)
          ? []
          : [{ path: `scope.buckets.${index}`, message: 'is not a configured bucket' }],
      )
      if (unknown.length > 0) {
        throw new AppError('invalid_request', 'The scope names buckets Signet does not serve.', {
          issues: unknown,
        })
      }
      const created = await createApiKey(c.env.DB, name, scope, new Date())
      return c.json(
        {
          id: created.id,
          key: created.key,
          name: created.name,
          scope: created.scope,
          createdAt: created.createdAt,
        },
        201,
      )
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: 'List API keys (admin); never shows a key or its hash',
      security,
      request: {
        query: PageQuerySchema,
      },
      responses: {
        200: {
          description: 'Keys in creation order',
          content: {
            'application/json': {
              schema: z.object({ keys: z.array(KeySchema), cursor: z.string().nullable() }),
            },
          },
        },
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      requireAdmin(c)
      const { limit, cursor: cursorText } = c.req.valid('query')
      const cursor = readCursor(cursorText)
      const records = await listApiKeys(c.env.DB, limit, cursor)
      return c.json(
        {
          keys: records.map(({ id, name, scope, createdAt, revokedAt }) => ({
            id,
            name,
            scope,
            createdAt,
            revokedAt,
          })),
          cursor: nextCursor(records, limit),
        },
        200,
      )
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Revoke an API key (admin); refused from its next request on',
      security,
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: {
        204: { description: 'Revoked' },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      requireAdmin(c)
      const found = await revokeApiKey(c.env.DB, c.req.valid('param').id, new Date())
      if (!found) throw new AppError('not_found', 'No such API key.')
      return c.body(null, 204)
    },
  )
