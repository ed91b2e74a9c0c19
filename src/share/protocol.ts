// What isolates and a share's Durable Object say to each other: a use to decide (with the batches
// and leases it carries), the decision, a use an isolate decided itself, and the share's view and
// stats. Types only.
import type { PasswordVerdict } from './password'
import type { UseItem, UseKind, UseOutcome, UseRefusal } from './record'

/** One day's and country's sums, as a call's uses add them up. */
export type StatSums = {
  day: string
  country: string
  views: number
  previews: number
  downloads: number
}

/** Uses of a counted share lent to an isolate, to spend without a call until `until`. */
export type Lease = { id: string; uses: number; until: number }

/** One row of the audit trail, as written. */
export type AuditEntry = {
  at: string
  clientIp: string | null
  outcome: UseOutcome
  item?: UseItem | undefined
}

/** What a use reports: what the store answered it, and when, from where. */
export type UseRequest = {
  id: string
  /** Epoch milliseconds. */
  now: number
  clientIp: string | null
  /**
   * `downloaded` counts; `partial` is a range further in, free inside the client's download
   * session and recorded as a download otherwise; `viewed` is the share's page, shown to a
   * browser or a link-preview bot; everything else counts nothing.
   */
  outcome: UseKind
  /** Seconds the share must still have to live for this use (a redirect URL lives at least 1). */
  minSecondsLeft: number
  /**
   * For a password-protected share, what the isolate found: the right password (or a valid
   * ticket), none, or a wrong one. Ignored for a share without a password.
   */
  password?: PasswordVerdict | undefined
  /**
   * The salt of the password the isolate checked against: a password changed since is not the
   * one accepted (the object then asks for the password again).
   */
  passwordSalt?: string | undefined
  /** The client's country where the edge says it (`request.cf.country`), for the stats. */
  country?: string | null | undefined
  /** A folder share's file or zip the use is for. */
  item?: UseItem | undefined
  /**
   * For a counted share's download: how many more uses the isolate would like lent to it (a
   * lease), lasting `leaseSeconds`. The object lends what the cap allows (see leaseSize).
   */
  lease?: { want: number; seconds: number } | undefined
  /**
   * The isolate's queued uses of this share, recorded first (each batch once), so the audit
   * keeps the order the isolate served them in.
   */
  batches?: readonly UseBatch[] | undefined
  /** Leases of this isolate that ended with uses unspent: they are free again from now. */
  giveBack?: readonly { lease: string; uses: number }[] | undefined
}

/**
 * An isolate asking a counted share's object for its next lease before the one it holds runs
 * out (off the request path), with its queued uses and the leases it gives back.
 */
export type LendRequest = Pick<UseRequest, 'id' | 'now' | 'batches' | 'giveBack'> & {
  lease: { want: number; seconds: number }
}

/** The share's state now, and the lease lent (none: nothing to lend, or the link is closed). */
export type LendAnswer = { snapshot: ShareSnapshot; lease?: Lease }

/** Uses an isolate decided, sent together under one id, and the leases it returns with them. */
export type UseBatch = { id: string; reports: readonly UseReport[]; closes: readonly string[] }

/** A snapshot of a share's changing state, as the object last knew it: what an isolate decides uses with. */
export type ShareSnapshot = {
  revokedAt: number | null
  downloads: number
  /** Until when a password link is locked after wrong passwords (null: it is not). */
  lockedUntil: number | null
  /** The share's edits so far: an isolate holding an older revision reads the share again. */
  revision: number
}

export type UseDecision =
  | { ok: true; outcome: UseOutcome; downloads: number; snapshot: ShareSnapshot; lease?: Lease }
  /**
   * retryAfter: seconds until a locked link takes passwords again, or (busy) until uses lent to
   * other isolates come back.
   */
  | { ok: false; code: UseRefusal; retryAfter?: number; busy?: boolean; snapshot?: ShareSnapshot }

/**
 * A use an isolate decided and served (or refused) itself, reported later in a batch: the
 * outcome it had, when, from where.
 */
export type UseReport = {
  /** Epoch milliseconds. */
  at: number
  clientIp: string | null
  outcome: UseOutcome
  country: string | null
  /** A folder share's file or zip the use was for. */
  item?: UseItem | undefined
  /** A download spent from a lease: decided by the isolate within the cap the object lent it. */
  lease?: string | undefined
}

/** A share's numbers: views of its page, previews, downloads, per UTC day and per country. */
export type ShareStats = {
  views: number
  previews: number
  downloads: number
  byDay: { day: string; views: number; previews: number; downloads: number }[]
  byCountry: { country: string | null; downloads: number }[]
}
