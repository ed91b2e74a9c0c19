// The JSON API's error choke points for Hono: expected failures keep their code, everything else
// becomes internal_error with a fixed message and one log line under the request id.
import type { ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../env'
import {
  AppError,
  errorResponse,
  INTERNAL_ERROR_MESSAGE,
  isOverloadError,
  logFailure,
  overloaded,
} from '../errors'

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get('requestId')
  if (err instanceof AppError) {
    return errorResponse(requestId, err.code, err.message, {
      issues: err.issues,
      retryAfter: err.retryAfter,
    })
  }
  // Hono's own expected failures (malformed JSON, unreadable body) are the caller's doing.
  if (err instanceof HTTPException && err.status < 500) {
    const code = err.status === 413 ? 'payload_too_large' : 'invalid_request'
    return errorResponse(requestId, code, publicHttpMessage(err.status))
  }
  if (isOverloadError(err)) {
    const busy = overloaded()
    return errorResponse(requestId, busy.code, busy.message, { retryAfter: busy.retryAfter })
  }
  logFailure(requestId, 'api', err)
  return errorResponse(requestId, 'internal_error', INTERNAL_ERROR_MESSAGE)
}

function publicHttpMessage(status: number): string {
  if (status === 413) return 'The request body is too large.'
  return 'The request body could not be read as JSON.'
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(
    c.get('requestId'),
    'not_found',
    'No such route. GET /openapi.json lists every route.',
  )
