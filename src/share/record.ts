// The share feature's one internal model: the ShareRecord (every instant in epoch milliseconds),
// the one vocabulary of use outcomes from request to audit, share ids, and the named conversions
// to what others see: the API's Share (ISO instants) and the JSON the share's object keeps.
import { base64url, randomBytes } from '../lib/bytes'
import { isoOf, isoSeconds, msOf } from '../lib/duration'
import type { Recipients } from '../notify/recipients'
import { notifyOf } from '../notify/recipients'
import type { Share } from '../schemas'
import { type HintMode, policyHints } from '../stores/policy-hints'
import type { Store } from '../stores/store'
import type { PasswordHash } from './password'

export type ShareMode = 'redirect' | 'proxy'

export type ShareRecord = {
  id: string
  /** Who made it: `key:<id>`, `jwt:<sub>` or `binding:<name>`. */
  owner: string
  bucket: string
  /** The object's key; for a folder share, the prefix (ending in `/`) its files are under. */
  key: string
  /** A folder share: every object under the prefix `key`, one at a time or as one zip. */
  folder: boolean
  mode: ShareMode
  /** Browsers and link-preview bots get a page that counts nothing; its button downloads. */
  page: boolean
  filename: string | null
  disposition: 'attachment' | 'inline' | null
  allowIps: string[] | null
  maxDownloads: number | null
  downloads: number
  /** The object's ETag when the share was made (null: there was no object yet). */
  etag: string | null
  /** Serves only the object with that ETag: after a change, 410 share_changed. */
  pin: boolean
  /** The password's PBKDF2 hash: every way into the share asks for the password. */
  password: PasswordHash | null
  /** Instants, epoch milliseconds. */
  createdAt: number
  expiresAt: number
  revokedAt: number | null
  lastUsedAt: number | null
  /** Shown, escaped, on the share's page and its folder page. */
  message: string | null
  /** Who is mailed about its downloads (null: nobody). */
  notify: Recipients | null
  /** End to end: an aes128gcm body whose key Signet never held; its name etc. in encryptedMeta. */
  encrypted?: boolean
  encryptedMeta?: string | null
  /** How many times the share was edited: isolates re-read it when its object says another. */
  revision: number
}

/** What a use is refused with (`not_found`: no such share, which no audit row names). */
export type UseRefusal =
  | 'not_found'
  | 'share_revoked'
  | 'share_expired'
  | 'ip_not_allowed'
  | 'rate_limited'
  | 'share_password_required'
  | 'share_password_invalid'
  | 'share_exhausted'

/** What a use's outcome means, wherever it is decided (the isolate) or recorded (the object). */
type OutcomeFacts = {
  /** It marks the link as used (`lastUsedAt`); `download` also adds one to its counter. */
  use: 'none' | 'touch' | 'download'
  /** It served the object's bytes: the audit never lets other uses push it out. */
  served: boolean
  /** The refusal it records (null: it was let in). */
  refusal: Exclude<UseRefusal, 'not_found'> | null
  /** What it adds to the share's stats. */
  stat: 'views' | 'previews' | 'downloads' | null
}

const LET_IN = { use: 'touch', served: false, refusal: null, stat: null } as const
const refused = (refusal: Exclude<UseRefusal, 'not_found'>) =>
  ({ use: 'none', served: false, refusal, stat: null }) as const

/**
 * Every outcome a use can have, one word from the request that reports it to the audit row that
 * records it, and what it means: the one table the isolate and the share's object both read.
 * A use that reaches the share's object is a UseKind; the object answers a refusal with one of
 * the refusal outcomes, and may record a `partial` as `downloaded` (outside the client's download
 * session).
 */
export const OUTCOMES = {
  downloaded: { use: 'download', served: true, refusal: null, stat: 'downloads' },
  /** A range further in: free inside the client's download session. */
  partial: { use: 'touch', served: true, refusal: null, stat: null },
  head: LET_IN,
  not_modified: LET_IN,
  /** The share's page, shown to a browser or a link-preview bot: counts nothing. */
  viewed: { use: 'none', served: false, refusal: null, stat: 'views' },
  /** The share page showed the file (an uncounted share): counts nothing. */
  previewed: { use: 'none', served: false, refusal: null, stat: 'previews' },
  /** A browser entered the share's password on its page. */
  unlocked: { use: 'none', served: false, refusal: null, stat: null },
  /** The store has no such object: nothing was served, nothing is marked. */
  not_found_in_store: { use: 'none', served: false, refusal: null, stat: null },
  /** A pinned share's object changed or went: 410 share_changed, counts nothing. */
  changed: LET_IN,
  precondition_failed: LET_IN,
  range_not_satisfiable: LET_IN,
  bad_request: LET_IN,
  /** The owner edited the link (the audit row names the fields): not a use. */
  edited: { use: 'none', served: false, refusal: null, stat: null },
  // The refusals, in the contract's order of checking.
  revoked: refused('share_revoked'),
  expired: refused('share_expired'),
  ip_not_allowed: refused('ip_not_allowed'),
  /** The link is locked after too many wrong passwords: 429, the right one included. */
  rate_limited: refused('rate_limited'),
  password_required: refused('share_password_required'),
  password_failed: refused('share_password_invalid'),
  exhausted: refused('share_exhausted'),
} as const satisfies Record<string, OutcomeFacts>

export type UseOutcome = keyof typeof OUTCOMES

/** The outcomes that are refusals. */
export type RefusalOutcome = {
  [O in UseOutcome]: (typeof OUTCOMES)[O]['refusal'] extends null ? never : O
}[UseOutcome]

/** What a use reports to the share's object: everything but a refusal, which the object decides. */
export type UseKind = Exclude<UseOutcome, RefusalOutcome>

export function isRefusal(outcome: UseOutcome): outcome is RefusalOutcome {
  return OUTCOMES[outcome].refusal !== null
}

/** How each refusal is audited: the table read the other way. */
export const REFUSAL_OUTCOME = Object.fromEntries(
  Object.entries(OUTCOMES).flatMap(([outcome, facts]) =>
    facts.refusal === null ? [] : [[facts.refusal, outcome]],
  ),
) as Record<Exclude<UseRefusal, 'not_found'>, RefusalOutcome>

/** The outcomes of uses that served bytes: the audit never lets other uses push these out. */
export const SERVED_OUTCOMES: readonly UseOutcome[] = (
  Object.keys(OUTCOMES) as UseOutcome[]
).filter((outcome) => OUTCOMES[outcome].served)

/**
 * What of a folder share a use was for, as the audit keeps it: one file (`file:<path>`, its path
 * under the prefix) or the zip (`zip`); for an edit, the fields it changed (`fields:<a>,<b>`).
 * Absent for one-object shares and the folder's page.
 */
export type UseItem = `file:${string}` | 'zip' | `fields:${string}`

export function fileItem(path: string): UseItem {
  return `file:${path}`
}

/** An item as the API shows it: the file's path, or `zip: true`. */
export function itemFields(item: string | null | undefined): {
  path?: string
  zip?: true
  fields?: string[]
} {
  if (item === 'zip') return { zip: true }
  if (item?.startsWith('file:')) return { path: item.slice('file:'.length) }
  if (item?.startsWith('fields:')) return { fields: item.slice('fields:'.length).split(',') }
  return {}
}

/** One row of the audit trail; a folder share's rows say which file, or the zip. */
export type AuditRow = {
  seq: number
  at: string
  clientIp: string | null
  outcome: UseOutcome
  path?: string
  zip?: true
  /** An `edited` row: the fields the edit changed (never a value). */
  fields?: string[]
}

/** Refusals of one outcome from one address: how many, and when first and last. */
export type RefusalRow = {
  outcome: RefusalOutcome
  clientIp: string | null
  count: number
  firstAt: string
  lastAt: string
}

/** 128 random bits, base64url: 22 characters. */
const SHARE_ID = /^[A-Za-z0-9_-]{22}$/

export function newShareId(): string {
  return base64url(randomBytes(16))
}

export function isShareId(text: string): boolean {
  return SHARE_ID.test(text)
}

/** How a share's mode and its store's abilities decide who enforces its CIDRs. */
function hintMode(record: ShareRecord, store: Store | undefined): HintMode {
  if (record.mode === 'proxy') return 'share-proxy'
  return store?.enforcesUrlIps ? 'share-redirect-gateway' : 'share-redirect'
}

/** The API's Share for a record, with the policy hints its CIDRs call for. */
export function toApiShare(record: ShareRecord, origin: string, store: Store | undefined): Share {
  return {
    id: record.id,
    url: `${origin}/s/${record.id}`,
    owner: record.owner,
    bucket: record.bucket,
    key: record.folder ? null : record.key,
    prefix: record.folder ? record.key : null,
    mode: record.mode,
    page: record.page,
    expiresAt: isoSeconds(record.expiresAt),
    maxDownloads: record.maxDownloads,
    downloads: record.downloads,
    etag: record.etag,
    pin: record.pin,
    passwordProtected: record.password !== null,
    allowIps: record.allowIps,
    filename: record.filename,
    disposition: record.disposition,
    createdAt: isoOf(record.createdAt),
    revokedAt: isoOf(record.revokedAt),
    lastUsedAt: isoOf(record.lastUsedAt),
    message: record.message,
    encrypted: record.encrypted === true,
    encryptedMeta: record.encryptedMeta ?? null,
    notify: notifyOf(record.notify),
    policyHints: record.allowIps
      ? policyHints({
          // The store's own name for the bucket, as its policy must say it.
          bucket: store?.bucketName ?? record.bucket,
          key: record.key,
          allowIps: record.allowIps,
          mode: hintMode(record, store),
        })
      : null,
  }
}

/**
 * The record as the share's object keeps it (JSON; instants as ISO text, the format objects have
 * always held), and back. Records written before share pages, pinning, passwords or folders
 * existed have no `page`, `etag`, `pin`, `password`, `folder`, `message` or `revision`: they
 * answer as they always did (no page, following their key, no password, one object, never edited).
 */
export function toStoredRecord(record: ShareRecord): string {
  return JSON.stringify({
    ...record,
    createdAt: isoOf(record.createdAt),
    revokedAt: isoOf(record.revokedAt),
    lastUsedAt: isoOf(record.lastUsedAt),
  })
}

export function fromStoredRecord(json: string): ShareRecord {
  const stored = JSON.parse(json) as Omit<
    ShareRecord,
    | 'createdAt'
    | 'revokedAt'
    | 'lastUsedAt'
    | 'page'
    | 'etag'
    | 'pin'
    | 'password'
    | 'folder'
    | 'message'
    | 'notify'
    | 'revision'
  > & {
    createdAt: string
    revokedAt: string | null
    lastUsedAt: string | null
    page?: boolean
    etag?: string | null
    pin?: boolean
    password?: PasswordHash | null
    folder?: boolean
    message?: string | null
    notify?: Recipients | null
    revision?: number
  }
  return {
    ...stored,
    folder: stored.folder ?? false,
    message: stored.message ?? null,
    notify: stored.notify ?? null,
    revision: stored.revision ?? 0,
    page: stored.page ?? false,
    etag: stored.etag ?? null,
    pin: stored.pin ?? false,
    password: stored.password ?? null,
    createdAt: msOf(stored.createdAt),
    revokedAt: msOf(stored.revokedAt),
    lastUsedAt: msOf(stored.lastUsedAt),
  }
}

/** Whether `etag` names the version a pinned share recorded (quotes and W/ aside). */
export function sameVersion(recorded: string, etag: string | null): boolean {
  const bare = (text: string) => text.replace(/^W\//, '').replaceAll('"', '')
  return etag !== null && bare(recorded) === bare(etag)
}

/**
 * What a share event is about: the object; for a folder share, its prefix and the file's key (or
 * the prefix itself and `zip: true` for the zip).
 */
export function eventSubject(share: ShareRecord, item: UseItem | undefined) {
  const about = { shareId: share.id, bucket: share.bucket }
  if (!share.folder) return { ...about, key: share.key }
  const { path, zip } = itemFields(item)
  return {
    ...about,
    prefix: share.key,
    key: share.key + (path ?? ''),
    ...(zip ? { zip } : {}),
  }
}
