// GET /v1/me: who the caller is and its scope, so a client (the console) offers what it may do.
import { createRoute } from '@hono/zod-openapi'
import { requireCaller } from '../auth/authenticate'
import { newApp } from '../http/openapi'
import { errorResponses, type Me, MeSchema } from '../schemas'

export const me = newApp().openapi(
  createRoute({
    method: 'get',
    path: '/',
    summary: 'Who is calling',
    description: 'The caller: its kind, name and scope (the admin token has none)',
    security: [{ bearer: [] }],
    responses: {
      200: { description: 'The caller', content: { 'application/json': { schema: MeSchema } } },
      ...errorResponses(401, 403, 429),
    },
  }),
  (c) => {
    const caller = requireCaller(c)
    const answer: Me = {
      kind: caller.kind,
      name: caller.kind === 'jwt' ? caller.subject : caller.name,
      scope: caller.scope,
    }
    return c.json(answer, 200)
  },
)
