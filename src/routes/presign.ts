// /v1/presign and /v1/presign/batch: validate, then the presign service.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { requireCaller } from '../auth/authenticate'
import type { AppEnv } from '../env'
import { newApp } from '../http/openapi'
import {
  BatchRequestSchema,
  BatchResultSchema,
  errorResponses,
  ListAnswerSchema,
  ListRequestSchema,
  PresignAnswerSchema,
  PresignRequestSchema,
} from '../schemas'
import { type PresignContext, presign, presignBatch, presignList } from '../services/presign'

const security = [{ bearer: [] }]

function presignContext(c: Context<AppEnv>): PresignContext {
  return {
    caller: requireCaller(c),
    config: c.get('config'),
    origin: new URL(c.req.url),
    now: new Date(),
  }
}

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
    async (c) => {
      const ctx = presignContext(c)
      const answer = await c.get('timing').measure('sign', () => presign(c.req.valid('json'), ctx))
      return c.json(answer, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/batch',
      summary: 'Presign a batch of URLs',
      description: 'Presign up to 1000 URLs; results in order, a bad item fails alone',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: BatchRequestSchema } } },
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
      const items = c.req.valid('json').items
      const results = await c.get('timing').measure('sign', () => presignBatch(items, ctx))
      return c.json({ results }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/list',
      summary: 'Presign a listing of a prefix',
      description:
        "A presigned ListObjectsV2 GET of the keys under a prefix (the scope's `list` operation on it); its XML names each key URL-encoded",
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: ListRequestSchema } } },
      },
      responses: {
        200: {
          description: 'The presigned listing URL',
          content: { 'application/json': { schema: ListAnswerSchema } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const ctx = presignContext(c)
      const answer = await c
        .get('timing')
        .measure('sign', () => presignList(c.req.valid('json'), ctx))
      return c.json(answer, 200)
    },
  )
