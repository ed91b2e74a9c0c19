// A Hono sub-app that validates with the route's zod schemas and answers invalid_request with
// issue paths and messages (never the submitted values).
import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env'
import { AppError, toIssues } from '../errors'

export function newApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError('invalid_request', 'The request is not valid.', {
          issues: toIssues(result.error.issues),
        })
      }
    },
  })
}
