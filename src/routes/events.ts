// GET /v1/events: what happened to the caller's links (downloads, files received, links used up
// or revoked), the same types and data as the webhooks, newest last, with a cursor to poll.
import { createRoute, z } from '@hono/zod-openapi'
import { newApp } from '../http/openapi'
import { errorResponses } from '../schemas'
import { listOwnEvents } from '../services/events'
import { EVENT_TYPES } from '../webhooks/events'

const EventSchema = z
  .object({
    id: z.string().openapi({ description: 'The event id, as webhooks carry it (webhook-id)' }),
    type: z.enum(EVENT_TYPES),
    at: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi('ActivityEvent')

export const events = newApp().openapi(
  createRoute({
    method: 'get',
    path: '/',
    summary: 'Activity',
    description:
      "The events of the caller's own links (the admin: every event), newest last, kept 31 days. Without `after`: the newest `limit`; with it: the ones after that cursor. Poll with the cursor the last answer gave. An event appears once the events queue has carried it (seconds).",
    security: [{ bearer: [] }],
    request: {
      query: z.object({
        after: z
          .string()
          .regex(/^\d{1,15}$/, { message: 'must be a cursor from an earlier answer' })
          .optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: {
        description: 'Events, oldest first, and the cursor for the next call',
        content: {
          'application/json': {
            schema: z.object({ events: z.array(EventSchema), cursor: z.string() }),
          },
        },
      },
      ...errorResponses(400, 401, 403),
    },
  }),
  async (c) => {
    const { after, limit } = c.req.valid('query')
    const page = { limit, ...(after === undefined ? {} : { after: Number(after) }) }
    // biome-ignore lint/suspicious/noExplicitAny: the rows' type strings are the EVENT_TYPES written.
    return c.json((await listOwnEvents(c.get('principal'), c.get('db'), page)) as any, 200)
  },
)
