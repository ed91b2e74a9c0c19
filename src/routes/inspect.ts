// POST /v1/inspect: validate, then the inspect service.
import { createRoute } from '@hono/zod-openapi'
import { requireCaller } from '../auth/authenticate'
import { newApp } from '../http/openapi'
import { errorResponses, InspectAnswerSchema, InspectRequestSchema } from '../schemas'
import { inspectFor } from '../services/inspect'

export const inspect = newApp().openapi(
  createRoute({
    method: 'post',
    path: '/',
    summary: 'Explain a presigned URL',
    description: 'Explain a presigned URL and what would make it fail',
    security: [{ bearer: [] }],
    request: {
      body: { required: true, content: { 'application/json': { schema: InspectRequestSchema } } },
    },
    responses: {
      200: {
        description: 'What the URL grants and its problems',
        content: { 'application/json': { schema: InspectAnswerSchema } },
      },
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  async (c) =>
    c.json(
      await inspectFor(
        requireCaller(c),
        c.get('config'),
        c.req.valid('json'),
        new URL(new URL(c.req.url).origin),
        c.get('timing'),
      ),
      200,
    ),
)
