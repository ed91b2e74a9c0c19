// /v1/presign and /v1/presign/batch: presigned URLs for callers within their scope.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { requireCaller } from '../auth/authenticate'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { newApp, toIssues } from '../lib/openapi'
import { type PresignContext, presign } from '../presign'
import { ErrorSchema, errorResponses, PresignAnswerSchema, PresignRequestSchema } from '../schemas'

export const MAX_BATCH = 1000

const security = [{ bearer: [] }]

function presignContext(c: Context<AppEnv>): PresignContext {
  return {
    caller: requireCaller(c),
    config: c.get('config'),
    origin: new URL(c.req.url),
    now: new Date(),
  }
}

const BatchItemSchema = z.unknown().openapi({
  description: 'A PresignRequest. Each item is validated and answered on its own.',
  allOf: [{ $ref: '#/components/schemas/PresignRequest' }],
})

const BatchResultSchema = z
  .union([
    PresignAnswerSchema.extend({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), error: ErrorSchema.shape.error.omit({ requestId: true }) }),
  ])
  .openapi('PresignBatchResult')

export const presignRoutes = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Presign one URL',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: PresignRequestSchema } } },
      },
      responses: {
        200: {
          description: 'The presigned URL, the headers to send with it and its expiry',
          content: { 'application/json': { schema: PresignAnswerSchema } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => c.json(await presign(c.req.valid('json'), presignContext(c)), 200),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/batch',
      summary: 'Presign up to 1000 URLs; results in order, a bad item fails alone',
      security,
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: z.strictObject({ items: z.array(BatchItemSchema).min(1).max(MAX_BATCH) }),
            },
          },
        },
      },
      responses: {
        200: {
          description: 'One result per item, in order',
          content: {
            'application/json': { schema: z.object({ results: z.array(BatchResultSchema) }) },
          },
        },
        ...errorResponses(400, 401, 403, 413, 429),
      },
    }),
    async (c) => {
      const ctx = presignContext(c)
      const results = await Promise.all(
        c.req.valid('json').items.map(async (item) => {
          const parsed = PresignRequestSchema.safeParse(item)
          if (!parsed.success) {
            return {
              ok: false as const,
              error: {
                code: 'invalid_request' as const,
                message: 'The item is not valid.',
                issues: toIssues(parsed.error.issues),
              },
            }
          }
          try {
            return { ok: true as const, ...(await presign(parsed.data, ctx)) }
          } catch (error) {
            if (!(error instanceof AppError)) throw error
            const failed = { code: error.code, message: error.message }
            return {
              ok: false as const,
              error: error.issues ? { ...failed, issues: error.issues } : failed,
            }
          }
        }),
      )
      return c.json({ results }, 200)
    },
  )
