// The public error model: one closed union of codes, one wire shape, one choke point.
// Internal reasons are logged with the request id and collapsed to these codes; 500s say nothing.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ConfigError } from './config'
import type { AppEnv } from './env'

export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  ip_not_allowed: 403,
  not_found: 404,
  share_expired: 410,
  share_revoked: 410,
  share_exhausted: 410,
  payload_too_large: 413,
  unsupported_by_target: 422,
  rate_limited: 429,
  internal_error: 500,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

/** A pointer into the submitted document and what is wrong there. Never the submitted value. */
export type Issue = { path: string; message: string }

export type ErrorBody = {
  error: { code: ErrorCode; message: string; requestId: string; issues?: Issue[] }
}

export const INTERNAL_ERROR_MESSAGE =
  'Signet could not complete the request. Quote the request id when reporting it.'

type AppErrorOptions = { issues?: Issue[]; retryAfter?: number; cause?: unknown }

/** An expected failure with a public code. The message is shown to the caller: no secrets in it. */
export class AppError extends Error {
  readonly code: ErrorCode
  readonly issues: Issue[] | undefined
  readonly retryAfter: number | undefined

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AppError'
    this.code = code
    this.issues = options.issues
    this.retryAfter = options.retryAfter
  }
}

/** Builds the one error shape. Every error response in the JSON API goes through here. */
export function errorResponse(
  c: Context<AppEnv>,
  code: ErrorCode,
  message: string,
  extra: { issues?: Issue[] | undefined; retryAfter?: number | undefined } = {},
): Response {
  const requestId = c.get('requestId') ?? 'unknown'
  const body: ErrorBody = { error: { code, message, requestId } }
  if (extra.issues && extra.issues.length > 0) body.error.issues = extra.issues
  const headers = new Headers({
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Request-Id': requestId,
  })
  if (code === 'unauthorized') headers.set('WWW-Authenticate', 'Bearer realm="signet"')
  if (code === 'rate_limited') headers.set('Retry-After', String(extra.retryAfter ?? 60))
  return new Response(JSON.stringify(body), { status: ERROR_STATUS[code], headers })
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) {
    return errorResponse(c, err.code, err.message, {
      issues: err.issues,
      retryAfter: err.retryAfter,
    })
  }
  // Hono's own expected failures (malformed JSON, unreadable body) are the caller's doing.
  if (err instanceof HTTPException && err.status < 500) {
    const code = err.status === 413 ? 'payload_too_large' : 'invalid_request'
    return errorResponse(c, code, publicHttpMessage(err.status))
  }
  if (err instanceof ConfigError) {
    // The variable and what is wrong with it; ConfigError messages never carry values.
    console.error(
      JSON.stringify({
        level: 'error',
        requestId: c.get('requestId'),
        config: err.variable,
        message: err.message,
      }),
    )
    return errorResponse(c, 'internal_error', INTERNAL_ERROR_MESSAGE)
  }
  console.error(
    JSON.stringify({
      level: 'error',
      requestId: c.get('requestId'),
      error: err instanceof Error ? err.name : typeof err,
      message: err instanceof Error ? err.message : undefined,
    }),
  )
  return errorResponse(c, 'internal_error', INTERNAL_ERROR_MESSAGE)
}

function publicHttpMessage(status: number): string {
  if (status === 413) return 'The request body is too large.'
  return 'The request body could not be read as JSON.'
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, 'not_found', 'No such route. GET /openapi.json lists every route.')
