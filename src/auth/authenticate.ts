// Authentication: who holds this bearer token. Admin token, API key (by hash) or, later, JWT.
// Also the caller's own allowIps, checked against CF-Connecting-IP (never X-Forwarded-For).
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv, Caller } from '../env'
import { AppError } from '../errors'
import { findApiKeyByHash } from './api-keys'
import { looksLikeJwt, verifyJwt } from './jwt'
import { enforceRateLimit } from './rate-limit'
import { callerIpAllowed } from './scope'
import { API_KEY_PREFIX, presentedToken } from './tokens'

const BEARER = /^Bearer +([\x21-\x7e]{1,4096})$/i

/**
 * The token a request brings: its bearer token, or (Cloudflare Access in front, no Authorization)
 * the assertion Access adds, whose `email` owns the caller's links.
 */
function broughtToken(c: Context<AppEnv>): { token: string; access: boolean } {
  const header = c.req.header('Authorization')
  const assertion = c.req.header('Cf-Access-Jwt-Assertion')
  if (!header && assertion && c.get('config').jwt?.cloudflareAccess) {
    return { token: assertion, access: true }
  }
  if (!header) throw new AppError('unauthorized', 'Send Authorization: Bearer <token>.')
  const token = BEARER.exec(header)?.[1]
  if (!token) throw new AppError('unauthorized', 'Authorization must be "Bearer <token>".')
  return { token, access: false }
}

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { token, access } = broughtToken(c)
  const config = c.get('config')
  const presented = await presentedToken(token, config.adminToken)
  if (presented.admin && !access) {
    c.set('principal', { kind: 'admin' })
    return next()
  }
  let caller: Caller | undefined
  if (token.startsWith(API_KEY_PREFIX)) {
    const record = await findApiKeyByHash(c.get('db'), presented.hash, config.keyCacheSeconds)
    if (record) caller = { kind: 'key', id: record.id, name: record.name, scope: record.scope }
  } else if (config.jwt && looksLikeJwt(token)) {
    const verified = await verifyJwt(token, config.jwt, new Date(), access ? 'email' : 'sub')
    if (verified.ok) {
      caller = { kind: 'jwt', subject: verified.subject, scope: verified.scope }
    } else {
      // The reason goes to the log only; the caller learns just that the token was refused.
      console.warn(
        JSON.stringify({ level: 'warn', requestId: c.get('requestId'), jwt: verified.detail }),
      )
      if (verified.reason === 'scope_unfillable') {
        throw new AppError('forbidden', "The token's claims cannot fill the configured scope.")
      }
    }
  }
  if (!caller)
    throw new AppError('unauthorized', 'The token is not valid, has expired, or has been revoked.')
  c.set('principal', caller)
  if (!callerIpAllowed(caller.scope, c.req.header('CF-Connecting-IP'))) {
    throw new AppError('ip_not_allowed', 'This caller may not call from this address.')
  }
  await enforceRateLimit(c.env as unknown as Record<string, unknown>, caller)
  return next()
}

export function requireAdmin(c: Context<AppEnv>): void {
  if (c.get('principal').kind !== 'admin') {
    throw new AppError('forbidden', 'Only the admin token may manage API keys.')
  }
}

export function requireCaller(c: Context<AppEnv>): Caller {
  const principal = c.get('principal')
  if (principal.kind === 'admin') {
    throw new AppError('forbidden', 'The admin token manages API keys only; use an API key.')
  }
  return principal
}
