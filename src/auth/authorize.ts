// The one enforcement point every object feature calls: the caller's scope must allow the
// request. Free of Hono, so services, RPC and routes share it.
import type { Caller } from '../env'
import { AppError } from '../errors'
import { checkScope, type ScopeRequest } from './scope'

/**
 * The enforcement point every object route calls: the caller's scope must allow the request.
 * Limits the caller asked to exceed are invalid_request (the message says the limit); access
 * outside the scope is forbidden.
 */
export function authorize(caller: Caller, request: ScopeRequest): void {
  const check = checkScope(caller.scope, request)
  if (check.ok) return
  switch (check.reason) {
    case 'invalid_key':
    case 'expires_in':
    case 'content_length_missing':
    case 'content_type_missing':
      throw new AppError('invalid_request', check.message)
    case 'bucket':
    case 'operation':
    case 'prefix':
    case 'content_length':
    case 'content_type':
      throw new AppError('forbidden', check.message)
    default: {
      const unreachable: never = check.reason
      throw new Error(`unhandled scope denial ${String(unreachable)}`)
    }
  }
}
