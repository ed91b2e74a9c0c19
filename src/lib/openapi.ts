// A Hono sub-app that validates with the route's zod schemas and answers invalid_request with
// issue paths and messages (never the submitted values).
import { OpenAPIHono } from '@hono/zod-openapi'
import type { AppEnv } from '../env'
import { AppError, type Issue } from '../errors'

type ZodIssueLike = { code: string; path: readonly PropertyKey[]; message: string }

export function toIssues(issues: readonly ZodIssueLike[]): Issue[] {
  return issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.'),
    // Zod names unknown fields in its message; the wire never repeats what was sent.
    message: issue.code === 'unrecognized_keys' ? 'has fields that are not allowed' : issue.message,
  }))
}

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
