// Per-caller rate limits with the Workers rate-limiting binding. A binding's limit is fixed in
// wrangler.toml, so Signet declares one binding per tier and a scope names its tier.
import type { Caller } from '../env'
import { AppError } from '../errors'
import { callerId } from './caller'

/** Counts one request against the caller's tier; rate_limited (Retry-After: 60) when over. */
export async function enforceRateLimit(
  env: Record<string, unknown>,
  caller: Caller,
): Promise<void> {
  const tier = caller.scope.rateLimitPerMinute
  if (tier === undefined) return
  const limiter = env[`RATE_LIMIT_${tier}`] as RateLimit | undefined
  if (!limiter || typeof limiter.limit !== 'function') {
    throw new Error(`no rate-limit binding RATE_LIMIT_${tier}`)
  }
  const { success } = await limiter.limit({ key: callerId(caller) })
  if (!success) {
    throw new AppError('rate_limited', `This caller may make ${tier} requests a minute.`, {
      retryAfter: 60,
    })
  }
}
