// /v1/webhooks: make, list and delete webhooks, and read their recent deliveries.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { newApp } from '../http/openapi'
import {
  CreatedWebhookSchema,
  DeliverySchema,
  errorResponses,
  WebhookRequestSchema,
  WebhookSchema,
} from '../schemas'
import {
  createWebhook,
  deleteOwnWebhook,
  listOwnWebhooks,
  ownDeliveries,
  type WebhookContext,
} from '../services/webhooks'

const security = [{ bearer: [] }]
const IdParam = z.object({ id: z.string().max(64) })

function webhookContext(c: Context<AppEnv>): WebhookContext {
  return {
    principal: c.get('principal'),
    db: c.get('db'),
    development: c.get('config').development,
  }
}

export const webhooks = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/',
      summary: 'Create a webhook',
      description:
        'Send events to a URL, signed (Standard Webhooks); the secret is in this answer only',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: WebhookRequestSchema } } },
      },
      responses: {
        201: {
          description: 'The webhook, with its signing secret',
          content: { 'application/json': { schema: CreatedWebhookSchema } },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => c.json(await createWebhook(webhookContext(c), c.req.valid('json')), 201),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      summary: "The caller's webhooks (the admin: every one)",
      security,
      responses: {
        200: {
          description: 'Webhooks, oldest first',
          content: {
            'application/json': { schema: z.object({ webhooks: z.array(WebhookSchema) }) },
          },
        },
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json(await listOwnWebhooks(webhookContext(c)), 200),
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}/deliveries',
      summary: "A webhook's deliveries",
      description: 'Recent delivery attempts of a webhook: event, type, status, attempt, time',
      security,
      request: {
        params: IdParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      },
      responses: {
        200: {
          description: 'Attempts, newest first',
          content: {
            'application/json': { schema: z.object({ deliveries: z.array(DeliverySchema) }) },
          },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await ownDeliveries(webhookContext(c), c.req.valid('param').id, c.req.valid('query').limit),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/{id}',
      summary: 'Delete a webhook',
      description: 'Delete a webhook: nothing more is delivered to it',
      security,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await deleteOwnWebhook(webhookContext(c), c.req.valid('param').id)
      return c.body(null, 204)
    },
  )
