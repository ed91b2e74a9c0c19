// How long a grant lives: expiresIn (seconds or "15m" style) or expiresAt, with a default and a
// maximum, refused with the limit in the message and never clamped.
import { AppError } from '../errors'
import { parseDuration, parseInstant } from '../lib/duration'
import {
  DEFAULT_EXPIRES_IN,
  DEFAULT_SHARE_LIFETIME,
  DEFAULT_UPLOAD_LINK_LIFETIME,
  MAX_EXPIRES_IN,
  MAX_SHARE_LIFETIME,
  MAX_UPLOAD_LINK_LIFETIME,
} from '../lib/limits'

export type ExpiryLimits = { default: number; max: number; maxText: string }

/** Presigned URLs: default 3600 s, at most SigV4's 7 days. */
export const URL_EXPIRY: ExpiryLimits = {
  default: DEFAULT_EXPIRES_IN,
  max: MAX_EXPIRES_IN,
  maxText: '7 days, the SigV4 limit',
}

/** Share links: default 7 days, at most 365 (made or edited). */
export const SHARE_LIFETIME: ExpiryLimits = {
  default: DEFAULT_SHARE_LIFETIME,
  max: MAX_SHARE_LIFETIME,
  maxText: '365 days',
}

/** API keys made to expire: at most ten years (without an expiry, a key lives until revoked). */
export const KEY_LIFETIME: ExpiryLimits = {
  default: 10 * 365 * 86_400,
  max: 10 * 365 * 86_400,
  maxText: 'ten years',
}

/** Upload links: default 7 days, at most 90 (made or edited). */
export const UPLOAD_LINK_LIFETIME: ExpiryLimits = {
  default: DEFAULT_UPLOAD_LINK_LIFETIME,
  max: MAX_UPLOAD_LINK_LIFETIME,
  maxText: '90 days',
}

function invalid(message: string): AppError {
  return new AppError('invalid_request', message)
}

/**
 * Seconds from `nowMs` for expiresIn or expiresAt, within 1..limits.max. Without either, the
 * default is limits.default or the caller's scope maximum, whichever is shorter: an omitted
 * expiry never exceeds what the caller may ask for. A value asked for beyond a limit is refused
 * with the limit in the message, never clamped.
 */
export function resolveExpiresIn(
  request: { expiresIn?: number | string | undefined; expiresAt?: number | string | undefined },
  nowMs: number,
  scopeMax: number | undefined,
  limits: ExpiryLimits = URL_EXPIRY,
): number {
  if (request.expiresIn !== undefined && request.expiresAt !== undefined) {
    throw invalid('Give expiresIn or expiresAt, not both.')
  }
  let seconds = Math.min(limits.default, scopeMax ?? limits.default)
  if (request.expiresIn !== undefined) {
    const parsed = parseDuration(request.expiresIn)
    if (parsed === undefined) {
      throw invalid('expiresIn must be whole seconds or a duration like "90s", "15m", "2h", "7d".')
    }
    seconds = parsed
  } else if (request.expiresAt !== undefined) {
    const at = parseInstant(request.expiresAt)
    if (at === undefined) {
      throw invalid('expiresAt must be an ISO 8601 instant with a zone, or epoch seconds.')
    }
    seconds = Math.floor((at - nowMs) / 1000)
    if (seconds < 1) throw invalid('expiresAt must be at least 1 second in the future.')
  }
  if (seconds < 1 || seconds > limits.max) {
    throw invalid(`expiresIn must be between 1 and ${limits.max} seconds (${limits.maxText}).`)
  }
  return seconds
}
