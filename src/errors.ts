// The public error model: one closed union of codes, one wire shape, one builder. Internal
// reasons are logged with the request id and collapsed to these codes; 500s say nothing.
// The lowest floor: imports nothing of Signet's, so every layer may throw these.

export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  share_password_required: 401,
  share_password_invalid: 401,
  forbidden: 403,
  ip_not_allowed: 403,
  not_found: 404,
  share_expired: 410,
  share_revoked: 410,
  share_exhausted: 410,
  share_changed: 410,
  upload_link_expired: 410,
  upload_link_revoked: 410,
  upload_link_exhausted: 410,
  upload_conflict: 409,
  payload_too_large: 413,
  unsupported_by_target: 422,
  rate_limited: 429,
  internal_error: 500,
  store_unavailable: 502,
  overloaded: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

/** A pointer into the submitted document and what is wrong there. Never the submitted value. */
export type Issue = { path: string; message: string }

export type ErrorBody = {
  error: { code: ErrorCode; message: string; requestId: string; issues?: Issue[] }
}

export const INTERNAL_ERROR_MESSAGE =
  'Signet could not complete the request. Quote the request id when reporting it.'

type ZodIssueLike = { code: string; path: readonly PropertyKey[]; message: string }

/** A validator's issues as the wire says them: paths and messages, never the submitted values. */
export function toIssues(issues: readonly ZodIssueLike[]): Issue[] {
  return issues.slice(0, 20).map((issue) => ({
    path: issue.path.map(String).join('.'),
    // Zod names unknown fields in its message; the wire never repeats what was sent.
    message: issue.code === 'unrecognized_keys' ? 'has fields that are not allowed' : issue.message,
  }))
}

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

/**
 * The bucket's store failed (a 5xx of its own, or no answer): 502 store_unavailable, naming only
 * its status. Signet's own faults stay 500 internal_error.
 */
export function storeUnavailable(status: number | undefined): AppError {
  return new AppError(
    'store_unavailable',
    status === undefined
      ? "The bucket's store could not be reached."
      : `The bucket's store answered ${status}.`,
  )
}

/**
 * Too busy to decide now, with nothing recorded: 503 overloaded with Retry-After, at once rather
 * than after a wait the client would give up on. A Durable Object that refuses a call because
 * its queue is too deep says so (`overloaded` on the error).
 */
export function overloaded(): AppError {
  return new AppError(
    'overloaded',
    'Signet is too busy to answer this now; retry after Retry-After seconds.',
    {
      retryAfter: 1,
    },
  )
}

export function isOverloadError(error: unknown): boolean {
  return (error as { overloaded?: unknown } | null)?.overloaded === true
}

/** A configuration value that cannot be used. The message names the variable, never its value. */
export class ConfigError extends Error {
  readonly variable: string
  /** The one bucket the error concerns (the others keep working), if it concerns one. */
  readonly bucket: string | undefined
  /** What is wrong, without the variable's name (and never a value). */
  readonly reason: string
  constructor(variable: string, reason: string, bucket?: string) {
    super(`${variable}: ${reason}`)
    this.name = 'ConfigError'
    this.variable = variable
    this.reason = reason
    this.bucket = bucket
  }
}

/** Builds the one error shape. Every error response in the JSON API goes through here. */
export function errorResponse(
  requestId: string | undefined,
  code: ErrorCode,
  message: string,
  extra: { issues?: Issue[] | undefined; retryAfter?: number | undefined } = {},
): Response {
  const id = requestId ?? 'unknown'
  const body: ErrorBody = { error: { code, message, requestId: id } }
  if (extra.issues && extra.issues.length > 0) body.error.issues = extra.issues
  const headers = new Headers({
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Request-Id': id,
  })
  if (code === 'unauthorized') headers.set('WWW-Authenticate', 'Bearer realm="signet"')
  if (code === 'share_password_required' || code === 'share_password_invalid') {
    headers.set('WWW-Authenticate', 'Basic realm="share"')
  }
  if (code === 'rate_limited') headers.set('Retry-After', String(extra.retryAfter ?? 60))
  if (code === 'overloaded') headers.set('Retry-After', String(extra.retryAfter ?? 1))
  return new Response(JSON.stringify(body), { status: ERROR_STATUS[code], headers })
}

/** One log line for an unexpected failure: its kind and message, under the request id. */
export function logFailure(requestId: string | undefined, where: string, error: unknown): void {
  console.error(
    JSON.stringify({
      level: 'error',
      requestId,
      where,
      ...(error instanceof ConfigError
        ? { config: error.variable, message: error.message }
        : {
            error: error instanceof Error ? error.name : typeof error,
            message: error instanceof Error ? error.message : undefined,
          }),
    }),
  )
}
