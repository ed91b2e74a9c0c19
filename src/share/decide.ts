// Whether a share may be used now: the contract's order of checks (revoked, expired, outside the
// CIDRs, the password and its lock, used up) over what is known of the share. The share's object
// decides with its own state; an isolate decides with what the object said at most
// SIGNET_SHARE_CHECK_SECONDS ago. Pure.
import { ipInCidrList } from '../lib/cidr'
import { LEASE_NEAR_END, MAX_LEASE } from '../lib/limits'
import type { PasswordVerdict } from './password'
import type { ShareRecord, UseOutcome, UseRefusal } from './record'

/** What a use brings to the checks. */
export type UseAttempt = {
  /** Epoch milliseconds. */
  now: number
  clientIp: string | null
  /** Seconds the share must still have to live for this use (a redirect URL lives at least 1). */
  minSecondsLeft: number
  /** For a password-protected share: the right password (or ticket), none, or a wrong one. */
  password?: PasswordVerdict | undefined
  /** What the use is, once the store answered: a continuation of a download may pass the cap. */
  outcome: UseOutcome
}

/**
 * The first check the attempt fails, or null. `lockedFor`: seconds until a locked password link
 * takes passwords again (0: not locked). `downloads` is the count to check the cap against.
 */
export function refusalOf(
  share: ShareRecord,
  attempt: UseAttempt,
  lockedFor: number,
): { code: Exclude<UseRefusal, 'not_found'>; retryAfter?: number } | null {
  if (share.revokedAt !== null) return { code: 'share_revoked' }
  const left = share.expiresAt - attempt.now
  if (left <= 0 || left < attempt.minSecondsLeft * 1000) return { code: 'share_expired' }
  if (share.allowIps && !ipInCidrList(share.allowIps, attempt.clientIp ?? undefined)) {
    return { code: 'ip_not_allowed' }
  }
  if (share.password !== null) {
    // Locked for everyone, the right password included, until the window passes.
    if (lockedFor > 0) return { code: 'rate_limited', retryAfter: lockedFor }
    if (attempt.password === 'wrong') return { code: 'share_password_invalid' }
    if (attempt.password !== 'accepted') return { code: 'share_password_required' }
  }
  const used = share.maxDownloads !== null && share.downloads >= share.maxDownloads
  // A continuation of the client's own download goes on even when it used the share up.
  if (used && attempt.outcome !== 'partial') return { code: 'share_exhausted' }
  return null
}

/**
 * How many uses of a counted share to lend an isolate when `available` are neither used nor lent:
 * an eighth of them (so several isolates share what is left), at most what it asked for and
 * MAX_LEASE, and one at a time from LEASE_NEAR_END on, so the last uses go wherever they are
 * wanted and none waits in an idle isolate for longer than a lease.
 */
export function leaseSize(available: number, want: number): number {
  if (available < 1 || want < 1) return 0
  if (available <= LEASE_NEAR_END) return 1
  return Math.max(1, Math.min(want, MAX_LEASE, Math.floor(available / 8)))
}
