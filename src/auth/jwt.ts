// JWT callers: a token from the configured issuer, verified against its JWKS (cached, refreshed
// on an unknown kid), signature first and then claims; its scope is the configured template with
// `{claim}` placeholders filled from the verified claims.
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose'
import type { JwtConfig } from '../config'
import { type Scope, ScopeSchema } from '../schemas'

// Asymmetric algorithms only: an HMAC key in a JWKS, or "none", is never accepted.
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
]

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/** Claim values that may fill a scope: no separators that could change a prefix's meaning. */
const SAFE_CLAIM = /^[A-Za-z0-9._@|+=:-]{1,256}$/

const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>()

function keySet(config: JwtConfig): ReturnType<typeof createRemoteJWKSet> {
  const id = `${config.jwksUrl.href} ${config.jwksCooldownSeconds}`
  let set = keySets.get(id)
  if (!set) {
    set = createRemoteJWKSet(config.jwksUrl, {
      cooldownDuration: config.jwksCooldownSeconds * 1000,
      cacheMaxAge: 10 * 60 * 1000,
      timeoutDuration: 5000,
    })
    keySets.set(id, set)
  }
  return set
}

export function looksLikeJwt(token: string): boolean {
  return JWT_SHAPE.test(token)
}

export type JwtResult =
  | { ok: true; subject: string; scope: Scope }
  | { ok: false; reason: 'invalid_token' | 'scope_unfillable'; detail: string }

/** Fills `{claim}` placeholders in every string of the template; undefined when a claim is unusable. */
export function fillTemplate(template: unknown, claims: JWTPayload): unknown {
  if (typeof template === 'string') {
    let failed = false
    const filled = template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = claims[name]
      const text =
        typeof value === 'string' || typeof value === 'number' ? String(value) : undefined
      if (text === undefined || !SAFE_CLAIM.test(text) || text === '.' || text === '..') {
        failed = true
        return ''
      }
      return text
    })
    return failed ? undefined : filled
  }
  if (Array.isArray(template)) {
    const items = template.map((item) => fillTemplate(item, claims))
    return items.includes(undefined) ? undefined : items
  }
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(template)) {
      const filled = fillTemplate(value, claims)
      if (filled === undefined) return undefined
      out[name] = filled
    }
    return out
  }
  return template
}

/**
 * Verifies a JWT against the configured issuer's keys and fills the scope. `subject` names the
 * claim that owns the caller's links: `sub`, or `email` for a Cloudflare Access assertion.
 */
export async function verifyJwt(
  token: string,
  config: JwtConfig,
  now: Date,
  subject: 'sub' | 'email' = 'sub',
): Promise<JwtResult> {
  let payload: JWTPayload
  try {
    // jose verifies the signature with a key from the JWKS before it reads any claim.
    ;({ payload } = await jwtVerify(token, keySet(config), {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: ALGORITHMS,
      clockTolerance: config.clockToleranceSeconds,
      currentDate: now,
      requiredClaims: ['sub', 'exp'],
    }))
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return {
      ok: false,
      reason: 'invalid_token',
      detail: typeof code === 'string' ? code : 'ERR_JWT_INVALID',
    }
  }
  const filled = fillTemplate(config.scope, payload)
  const scope = filled === undefined ? undefined : ScopeSchema.safeParse(filled)
  if (!scope?.success) {
    return {
      ok: false,
      reason: 'scope_unfillable',
      detail: 'the claims do not fill the scope template',
    }
  }
  const owner = payload[subject]
  if (typeof owner !== 'string' || owner === '') {
    return { ok: false, reason: 'invalid_token', detail: `no ${subject} claim` }
  }
  return { ok: true, subject: owner, scope: scope.data }
}
