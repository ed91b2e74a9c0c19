// GET /v1/me: who the caller is and its scope, so a client (the console) offers what it may do.
import { createRoute } from '@hono/zod-openapi'
import { newApp } from '../http/openapi'
import { errorResponses, type Me, MeSchema } from '../schemas'

export const me = newApp().openapi(
  createRoute({
    method: 'get',
    path: '/',
    summary: 'Who is calling',
    description:
      'The caller: its kind, name and scope (the admin: every configured bucket, and no operation of its own)',
    security: [{ bearer: [] }],
    responses: {
      200: { description: 'The caller', content: { 'application/json': { schema: MeSchema } } },
      ...errorResponses(401, 403, 429),
    },
  }),
  (c) => {
    const caller = c.get('principal')
    const mail = c.get('config').mail !== null
    if (caller.kind === 'admin') {
      const buckets = [...c.get('config').stores.keys()]
      const admin: Me = { kind: 'admin', name: 'admin', scope: { buckets, operations: [] }, mail }
      return c.json(admin, 200)
    }
    const answer: Me = {
      kind: caller.kind,
      name: caller.kind === 'jwt' ? caller.subject : caller.name,
      scope: caller.scope,
      mail,
    }
    return c.json(answer, 200)
  },
)
