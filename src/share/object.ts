// One Durable Object per share link (SQLite-backed) holds its use-time state: the record, its
// revocation, the download counter and the audit trail. Each use is one call that decides and
// records atomically (a Durable Object runs one call at a time), so maxDownloads holds exactly
// without a D1 write. D1 keeps the owner index for listings; counters reach it a few seconds
// late (an alarm flushes them). A share the object does not know is loaded once from D1 (shares
// made before Durable Objects held them). The audit keeps uses that served bytes apart from
// everything else, so no flood of refusals or HEADs can push a download out of it; refusals are
// also counted per outcome and address, however many there are. A password-protected share
// counts wrong passwords here too, and locks itself after too many (for everyone, so guessing
// from many addresses gains nothing). Views, previews and downloads are also summed per day and
// country for the share's stats.
import { DurableObject } from 'cloudflare:workers'
import { logFailure } from '../errors'
import { base64url, randomBytes } from '../lib/bytes'
import { isoOf, msOf } from '../lib/duration'
import {
  DOWNLOAD_SESSION_SECONDS,
  LEASE_LAPSE_SECONDS,
  MAX_AUDIT_ROWS,
  MAX_REFUSAL_SUMMARIES,
  MAX_SERVED_AUDIT_ROWS,
  PASSWORD_LOCK_FAILURES,
  PASSWORD_LOCK_SECONDS,
  SHARE_FLUSH_SECONDS,
} from '../lib/limits'
import { emit, newEvent, type SignetEvent } from '../webhooks/events'
import { leaseSize, REFUSAL_OUTCOME, refusalOf, type UseRefusal } from './decide'
import { getShare, legacyUses, recordUse } from './index-db'
import type { PasswordVerdict } from './password'
import {
  type AuditRow,
  fromStoredRecord,
  itemFields,
  type RefusalOutcome,
  type RefusalRow,
  SERVED_OUTCOMES,
  type ShareRecord,
  toStoredRecord,
  type UseItem,
  type UseKind,
  type UseOutcome,
} from './record'

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

/** Uses an isolate decided, sent together under one id, and the leases it returns with them. */
export type UseBatch = { id: string; reports: readonly UseReport[]; closes: readonly string[] }

/** Uses of a counted share lent to an isolate, to spend without a call until `until`. */
export type Lease = { id: string; uses: number; until: number }

export type { UseRefusal }

/** What the object last knew of a share's changing state: what an isolate decides uses with. */
export type ShareView = {
  revokedAt: number | null
  downloads: number
  /** Until when a password link is locked after wrong passwords (null: it is not). */
  lockedUntil: number | null
}

export type UseDecision =
  | { ok: true; outcome: UseOutcome; downloads: number; view: ShareView; lease?: Lease }
  /**
   * retryAfter: seconds until a locked link takes passwords again, or (busy) until uses lent to
   * other isolates come back.
   */
  | { ok: false; code: UseRefusal; retryAfter?: number; busy?: boolean; view?: ShareView }

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

type StateRow = {
  record: string
  downloads: number
  revoked_at: string | null
  last_used_at: string | null
  dirty: number
}

/** What a call's uses change, written once at its end. */
type Pending = {
  /** Events the uses make (a download, a link used up), sent to the events queue at the end. */
  events: SignetEvent[]
  state: boolean
  stats: Map<
    string,
    { day: string; country: string; views: number; previews: number; downloads: number }
  >
  /** Lease id → downloads spent from it. */
  leases: Map<string, number>
}

function newPending(): Pending {
  return { events: [], state: false, stats: new Map(), leases: new Map() }
}

/** How long the object remembers a batch it recorded, so a batch delivered twice counts once. */
const BATCH_MEMORY_SECONDS = 3600

/** Every refusal's audit word, from the one mapping of refusals to outcomes. */
const REFUSAL_OUTCOMES: ReadonlySet<string> = new Set<RefusalOutcome>(
  Object.values(REFUSAL_OUTCOME),
)

function isRefusal(outcome: UseOutcome): outcome is RefusalOutcome {
  return REFUSAL_OUTCOMES.has(outcome)
}

/**
 * What a share event is about: the object; for a folder share, its prefix and the file's key (or
 * the prefix itself and `zip: true` for the zip).
 */
function eventSubject(share: ShareRecord, item: UseItem | undefined) {
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

/** What each use adds to the stats. */
const STAT_COLUMN: Partial<Record<UseOutcome, 'views' | 'previews' | 'downloads'>> = {
  viewed: 'views',
  previewed: 'previews',
  downloaded: 'downloads',
}

export class ShareObject extends DurableObject<Env> {
  private readonly sql: SqlStorage
  /** The share as last read or written: storage is the truth, this saves re-reading it. */
  private held: ShareRecord | undefined
  /** Whether a flush alarm is set, so a use need not ask storage. */
  private alarmSet: boolean | undefined
  /** A use changed the counter: the D1 index wants it (set by apply, cleared by scheduling). */
  private needFlush = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.sql = ctx.storage.sql
    this.sql.exec(`CREATE TABLE IF NOT EXISTS state (
      id TEXT PRIMARY KEY, record TEXT NOT NULL, downloads INTEGER NOT NULL,
      revoked_at TEXT, last_used_at TEXT, dirty INTEGER NOT NULL DEFAULT 0)`)
    this.sql.exec(`CREATE TABLE IF NOT EXISTS uses (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, client_ip TEXT,
      outcome TEXT NOT NULL)`)
    this.sql.exec('CREATE INDEX IF NOT EXISTS uses_session ON uses (client_ip, outcome, at)')
    // Which file of a folder share (or its zip) a use was for; objects made before have none.
    const columns = this.sql.exec<{ name: string }>('PRAGMA table_info(uses)').toArray()
    if (!columns.some((column) => column.name === 'item')) {
      this.sql.exec('ALTER TABLE uses ADD COLUMN item TEXT')
    }
    this.sql.exec(`CREATE TABLE IF NOT EXISTS refusals (
      outcome TEXT NOT NULL, client_ip TEXT NOT NULL, count INTEGER NOT NULL,
      first_at TEXT NOT NULL, last_at TEXT NOT NULL, PRIMARY KEY (outcome, client_ip))`)
    this.sql.exec('CREATE TABLE IF NOT EXISTS password_failures (at INTEGER NOT NULL)')
    this.sql.exec(`CREATE TABLE IF NOT EXISTS stats (
      day TEXT NOT NULL, country TEXT NOT NULL, views INTEGER NOT NULL DEFAULT 0,
      previews INTEGER NOT NULL DEFAULT 0, downloads INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (day, country))`)
    this.sql.exec('CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL)')
    this.sql.exec(`CREATE TABLE IF NOT EXISTS leases (
      id TEXT PRIMARY KEY, granted INTEGER NOT NULL, spent INTEGER NOT NULL DEFAULT 0,
      until INTEGER NOT NULL)`)
  }

  /** Holds a new share (called at creation; the D1 index row is written first). */
  init(share: ShareRecord): void {
    this.sql.exec(
      'INSERT OR IGNORE INTO state (id, record, downloads, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?)',
      share.id,
      toStoredRecord(share),
      share.downloads,
      isoOf(share.revokedAt),
      isoOf(share.lastUsedAt),
    )
  }

  /** The share as it is now, or null when there is no such share. */
  async read(id: string): Promise<ShareRecord | null> {
    return (await this.load(id)) ?? null
  }

  /**
   * Decides one use and records it, at once and alone. Whatever the decision, the counters the
   * request changed (its own use, or the batches it carried in before a refusal) reach the D1
   * index: the flush is scheduled on every path.
   */
  async use(request: UseRequest): Promise<UseDecision> {
    const decision = await this.#decide(request)
    await this.scheduleFlush(request.now)
    return decision
  }

  async #decide(request: UseRequest): Promise<UseDecision> {
    let share = await this.load(request.id)
    if (!share) return { ok: false, code: 'not_found' }
    for (const batch of request.batches ?? []) share = this.applyBatch(share, batch, request.now)
    const at = isoOf(request.now)
    const outcome = this.outcomeOf(request)
    const lockedFor = share.password === null ? 0 : this.lockedFor(request.now)
    for (const returned of request.giveBack ?? []) {
      // The lease's row stays until its spent uses are reported; only what it did not spend goes.
      this.sql.exec(
        'UPDATE leases SET granted = MAX(granted - ?, spent) WHERE id = ?',
        returned.uses,
        returned.lease,
      )
    }
    // Uses lent to isolates are spoken for: the cap holds across every isolate.
    const reserved = share.maxDownloads === null ? 0 : this.reserved(request.now)
    let refusal: (NonNullable<ReturnType<typeof refusalOf>> & { busy?: boolean }) | null =
      refusalOf(
        { ...share, downloads: share.downloads + reserved },
        { ...request, outcome },
        lockedFor,
      )
    if (refusal?.code === 'share_exhausted' && share.downloads < (share.maxDownloads ?? 0)) {
      // Not used up: what is left is lent out, and comes back when those leases end.
      refusal = { code: 'rate_limited', retryAfter: this.nextLeaseEnd(request.now), busy: true }
    }
    if (refusal) {
      if (refusal.code === 'share_password_invalid') {
        this.sql.exec(
          'DELETE FROM password_failures WHERE at <= ?',
          request.now - PASSWORD_LOCK_SECONDS * 1000,
        )
        this.sql.exec('INSERT INTO password_failures (at) VALUES (?)', request.now)
      }
      const refused = REFUSAL_OUTCOME[refusal.code]
      this.audit(at, request.clientIp, refused, request.item)
      this.countRefusal(at, request.clientIp, refused)
      return { ok: false, ...refusal, view: this.view(this.held ?? share, request.now) }
    }
    const pending = newPending()
    const recorded = this.apply(share, { ...request, at: request.now, outcome }, pending)
    this.commit(recorded, pending)
    const lease =
      request.lease && outcome === 'downloaded' && recorded.maxDownloads !== null
        ? this.lend(recorded, request.now, request.lease)
        : undefined
    return {
      ok: true,
      outcome,
      downloads: recorded.downloads,
      view: this.view(recorded, request.now),
      ...(lease ? { lease } : {}),
    }
  }

  /**
   * Records uses an isolate decided itself, in order, once: a batch delivered again (its answer
   * was lost) is recognised by its id and changes nothing. Answers the share's state now.
   */
  async record(
    id: string,
    batch: string,
    reports: readonly UseReport[],
    closes: readonly string[] = [],
  ): Promise<ShareView | null> {
    const share = await this.load(id)
    if (!share) return null
    const now = Date.now()
    const recorded = this.applyBatch(share, { id: batch, reports, closes }, now)
    await this.scheduleFlush(now)
    return this.view(recorded, now)
  }

  /** A batch's uses, once (a batch seen before changes nothing), and its ended leases. */
  private applyBatch(share: ShareRecord, batch: UseBatch, now: number): ShareRecord {
    if (this.sql.exec('SELECT 1 FROM batches WHERE id = ?', batch.id).toArray().length > 0) {
      return share
    }
    this.sql.exec('DELETE FROM batches WHERE at < ?', now - BATCH_MEMORY_SECONDS * 1000)
    this.sql.exec('INSERT INTO batches (id, at) VALUES (?, ?)', batch.id, now)
    let recorded = share
    const pending = newPending()
    for (const report of batch.reports) {
      const at = isoOf(report.at)
      if (isRefusal(report.outcome)) {
        this.audit(at, report.clientIp, report.outcome, report.item)
        this.countRefusal(at, report.clientIp, report.outcome)
        continue
      }
      // A lease's download was decided by the isolate within the cap: it counts as one.
      const outcome = report.lease
        ? 'downloaded'
        : this.outcomeOf({ ...report, now: report.at, outcome: report.outcome as UseKind })
      if (report.lease)
        pending.leases.set(report.lease, (pending.leases.get(report.lease) ?? 0) + 1)
      recorded = this.apply(recorded, { ...report, outcome }, pending)
    }
    this.commit(recorded, pending)
    // Ended leases: what they did not spend is free again.
    for (const lease of batch.closes) this.sql.exec('DELETE FROM leases WHERE id = ?', lease)
    return recorded
  }

  /** The share's stats: downloads from its counter, the rest from the daily sums. */
  async stats(id: string): Promise<ShareStats | null> {
    const share = await this.load(id)
    if (!share) return null
    const byDay = this.sql
      .exec<{ day: string; views: number; previews: number; downloads: number }>(
        `SELECT day, SUM(views) AS views, SUM(previews) AS previews, SUM(downloads) AS downloads
         FROM stats GROUP BY day ORDER BY day`,
      )
      .toArray()
    const byCountry = this.sql
      .exec<{ country: string; downloads: number }>(
        `SELECT country, SUM(downloads) AS downloads FROM stats GROUP BY country
         HAVING SUM(downloads) > 0 ORDER BY SUM(downloads) DESC, country = '', country`,
      )
      .toArray()
      .map((row) => ({
        country: row.country === '' ? null : row.country,
        downloads: row.downloads,
      }))
    return {
      views: byDay.reduce((sum, day) => sum + day.views, 0),
      previews: byDay.reduce((sum, day) => sum + day.previews, 0),
      downloads: share.downloads,
      byDay: byDay.map((row) => ({ ...row })),
      byCountry,
    }
  }

  /**
   * Revokes the owner's share (any share when `owner` is null: the admin, or the revocation of
   * the key that made it); false when there is no such share or another owns it.
   */
  async revoke(id: string, owner: string | null, now: number): Promise<boolean> {
    const share = await this.load(id)
    if (!share || (owner !== null && share.owner !== owner)) return false
    if (share.revokedAt === null) {
      this.sql.exec('UPDATE state SET revoked_at = ? WHERE id = ?', isoOf(now), id)
      this.held = { ...share, revokedAt: now }
      this.announce([newEvent('share.revoked', eventSubject(share, undefined), new Date(now))])
    }
    return true
  }

  /**
   * The audit trail, oldest first, after `after`: the newest MAX_SERVED_AUDIT_ROWS uses that
   * served bytes and, apart from them, the newest MAX_AUDIT_ROWS other uses and refusals.
   */
  async uses(id: string, limit: number, after: number): Promise<AuditRow[]> {
    if (!(await this.load(id))) return []
    return this.sql
      .exec<{
        seq: number
        at: string
        client_ip: string | null
        outcome: UseOutcome
        item: string | null
      }>(
        'SELECT seq, at, client_ip, outcome, item FROM uses WHERE seq > ? ORDER BY seq LIMIT ?',
        after,
        limit,
      )
      .toArray()
      .map((row) => ({
        seq: row.seq,
        at: row.at,
        clientIp: row.client_ip,
        outcome: row.outcome,
        ...itemFields(row.item),
      }))
  }

  /** Refusals per outcome and client address: how many, first and last (most recent first). */
  async refusals(id: string): Promise<RefusalRow[]> {
    if (!(await this.load(id))) return []
    return this.sql
      .exec<{
        outcome: RefusalOutcome
        client_ip: string
        count: number
        first_at: string
        last_at: string
      }>('SELECT * FROM refusals ORDER BY last_at DESC LIMIT ?', MAX_REFUSAL_SUMMARIES)
      .toArray()
      .map((row) => ({
        outcome: row.outcome,
        clientIp: row.client_ip === '' ? null : row.client_ip,
        count: row.count,
        firstAt: row.first_at,
        lastAt: row.last_at,
      }))
  }

  /** Writes the counter and last use to the D1 index, which listings read. */
  override async alarm(): Promise<void> {
    this.alarmSet = false
    await this.ctx.storage.put('flushedAt', Date.now())
    const rows = this.sql.exec<StateRow & { id: string }>('SELECT * FROM state WHERE dirty = 1')
    for (const row of rows.toArray()) {
      await recordUse(this.env.DB, row.id, row.downloads, msOf(row.last_used_at))
      this.sql.exec('UPDATE state SET dirty = 0 WHERE id = ?', row.id)
    }
  }

  /** Records one allowed use: the counter and last use, the audit row, the stats. */
  private apply(
    share: ShareRecord,
    use: {
      at: number
      clientIp: string | null
      outcome: UseOutcome
      country?: string | null | undefined
      item?: UseItem | undefined
    },
    pending: Pending,
  ): ShareRecord {
    const counts =
      use.outcome !== 'viewed' && use.outcome !== 'previewed' && use.outcome !== 'unlocked'
    let recorded = share
    if (counts && use.outcome !== 'not_found_in_store') {
      const downloads = share.downloads + (use.outcome === 'downloaded' ? 1 : 0)
      recorded = { ...share, downloads, lastUsedAt: Math.max(use.at, share.lastUsedAt ?? 0) }
      pending.state = true
      if (use.outcome === 'downloaded') {
        const about = eventSubject(share, use.item)
        const at = new Date(use.at)
        pending.events.push(
          newEvent(
            'share.downloaded',
            { ...about, downloads, maxDownloads: share.maxDownloads, clientIp: use.clientIp },
            at,
          ),
        )
        if (share.maxDownloads !== null && downloads === share.maxDownloads) {
          pending.events.push(newEvent('share.exhausted', { ...about, downloads }, at))
        }
      }
    }
    this.audit(isoOf(use.at), use.clientIp, use.outcome, use.item)
    const column = STAT_COLUMN[use.outcome]
    if (column) {
      const day = new Date(use.at).toISOString().slice(0, 10)
      const country = use.country ?? ''
      const key = `${day} ${country}`
      const sums = pending.stats.get(key) ?? { day, country, views: 0, previews: 0, downloads: 0 }
      sums[column]++
      pending.stats.set(key, sums)
    }
    return recorded
  }

  /** Writes what uses changed, once for all of them: the counter, the stats, leases spent. */
  private commit(share: ShareRecord, pending: Pending): void {
    if (pending.state) {
      this.sql.exec(
        'UPDATE state SET downloads = ?, last_used_at = ?, dirty = 1 WHERE id = ?',
        share.downloads,
        isoOf(share.lastUsedAt),
        share.id,
      )
      this.held = share
      this.needFlush = true
    }
    for (const sums of pending.stats.values()) {
      this.sql.exec(
        `INSERT INTO stats (day, country, views, previews, downloads) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (day, country) DO UPDATE SET views = views + excluded.views,
           previews = previews + excluded.previews, downloads = downloads + excluded.downloads`,
        sums.day,
        sums.country,
        sums.views,
        sums.previews,
        sums.downloads,
      )
    }
    for (const [lease, spent] of pending.leases) {
      this.sql.exec('UPDATE leases SET spent = spent + ? WHERE id = ?', spent, lease)
    }
    this.announce(pending.events)
  }

  /** Puts events on the events queue without making the use wait for it. */
  private announce(events: SignetEvent[]): void {
    if (events.length === 0) return
    this.ctx.waitUntil(
      emit(this.env.EVENTS, events).catch((error: unknown) =>
        logFailure(undefined, 'share events', error),
      ),
    )
  }

  /** Uses lent out and not yet spent or returned (a lease its isolate never closed lapses). */
  private reserved(now: number): number {
    return this.sql
      .exec<{ left: number }>(
        'SELECT COALESCE(SUM(MAX(granted - spent, 0)), 0) AS left FROM leases WHERE until > ?',
        now - LEASE_LAPSE_SECONDS * 1000,
      )
      .one().left
  }

  /** Seconds until the first lease still open ends (at least 1). */
  private nextLeaseEnd(now: number): number {
    const { until } = this.sql
      .exec<{ until: number | null }>('SELECT MIN(until) AS until FROM leases WHERE until > ?', now)
      .one()
    return Math.max(1, Math.ceil(((until ?? now) - now) / 1000))
  }

  /** Lends an isolate uses of a counted share: never more than are left, fewer near the end. */
  private lend(
    share: ShareRecord,
    now: number,
    asked: { want: number; seconds: number },
  ): Lease | undefined {
    this.sql.exec('DELETE FROM leases WHERE until <= ?', now - LEASE_LAPSE_SECONDS * 1000)
    const available = (share.maxDownloads ?? 0) - share.downloads - this.reserved(now)
    const uses = leaseSize(available, asked.want)
    if (uses < 1) return undefined
    const lease = { id: base64url(randomBytes(12)), uses, until: now + asked.seconds * 1000 }
    this.sql.exec(
      'INSERT INTO leases (id, granted, until) VALUES (?, ?, ?)',
      lease.id,
      lease.uses,
      lease.until,
    )
    return lease
  }

  /** The share's changing state, as an isolate decides with it. */
  private view(share: ShareRecord, now: number): ShareView {
    const lockedFor = share.password === null ? 0 : this.lockedFor(now)
    return {
      revokedAt: share.revokedAt,
      downloads: share.downloads,
      lockedUntil: lockedFor > 0 ? now + lockedFor * 1000 : null,
    }
  }

  /**
   * Seconds until a locked link takes passwords again: PASSWORD_LOCK_FAILURES wrong ones within
   * PASSWORD_LOCK_SECONDS lock it until the oldest of them is that old; 0 when it is not locked.
   */
  private lockedFor(now: number): number {
    const row = this.sql
      .exec<{ at: number }>(
        'SELECT at FROM password_failures WHERE at > ? ORDER BY at DESC LIMIT 1 OFFSET ?',
        now - PASSWORD_LOCK_SECONDS * 1000,
        PASSWORD_LOCK_FAILURES - 1,
      )
      .toArray()[0]
    return row ? Math.max(1, Math.ceil((row.at + PASSWORD_LOCK_SECONDS * 1000 - now) / 1000)) : 0
  }

  /** A range further in is a continuation inside the client's download session, else a download. */
  private outcomeOf(request: { outcome: UseKind; clientIp: string | null; now: number }): UseKind {
    if (request.outcome !== 'partial') return request.outcome
    return this.inSession(request.clientIp, request.now) ? 'partial' : 'downloaded'
  }

  /**
   * The first use after a quiet spell reaches D1 at once (an alarm now); a busy share's uses are
   * written together, at most one D1 write every SHARE_FLUSH_SECONDS.
   */
  private async scheduleFlush(now: number): Promise<void> {
    if (!this.needFlush) return
    this.needFlush = false
    this.alarmSet ??= (await this.ctx.storage.getAlarm()) !== null
    if (this.alarmSet) return
    this.alarmSet = true
    const flushedAt = (await this.ctx.storage.get<number>('flushedAt')) ?? 0
    await this.ctx.storage.setAlarm(Math.max(now, flushedAt + SHARE_FLUSH_SECONDS * 1000))
  }

  private inSession(clientIp: string | null, now: number): boolean {
    if (clientIp === null) return false
    const since = isoOf(now - DOWNLOAD_SESSION_SECONDS * 1000)
    return (
      this.sql
        .exec(
          "SELECT 1 FROM uses WHERE client_ip = ? AND outcome = 'downloaded' AND at > ? LIMIT 1",
          clientIp,
          since,
        )
        .toArray().length > 0
    )
  }

  private audit(
    at: string,
    clientIp: string | null,
    outcome: UseOutcome,
    item?: UseItem | undefined,
  ): void {
    const { seq } = this.sql
      .exec<{ seq: number }>(
        'INSERT INTO uses (at, client_ip, outcome, item) VALUES (?, ?, ?, ?) RETURNING seq',
        at,
        clientIp,
        outcome,
        item ?? null,
      )
      .one()
    // Bounded, in two parts pruned apart (every 100 rows, so at most 99 more wait their turn):
    // uses that served bytes, and everything else. A flood of refusals or HEADs only ever pushes
    // out its own kind; the counter keeps counting beyond both.
    if (seq > MAX_AUDIT_ROWS && seq % 100 === 0) {
      const served = SERVED_OUTCOMES.map(() => '?').join(', ')
      this.sql.exec(
        `DELETE FROM uses WHERE seq IN (SELECT seq FROM uses WHERE outcome NOT IN (${served})
          ORDER BY seq DESC LIMIT -1 OFFSET ?)`,
        ...SERVED_OUTCOMES,
        MAX_AUDIT_ROWS,
      )
      this.sql.exec(
        `DELETE FROM uses WHERE seq IN (SELECT seq FROM uses WHERE outcome IN (${served})
          ORDER BY seq DESC LIMIT -1 OFFSET ?)`,
        ...SERVED_OUTCOMES,
        MAX_SERVED_AUDIT_ROWS,
      )
    }
  }

  /**
   * Counts a refusal by outcome and address; the least recent summaries go past the bound (only
   * a new pair can pass it, so a repeated refusal costs one statement).
   */
  private countRefusal(at: string, clientIp: string | null, outcome: RefusalOutcome): void {
    const { count } = this.sql
      .exec<{ count: number }>(
        `INSERT INTO refusals (outcome, client_ip, count, first_at, last_at) VALUES (?, ?, 1, ?, ?)
         ON CONFLICT (outcome, client_ip) DO UPDATE SET count = count + 1, last_at = excluded.last_at
         RETURNING count`,
        outcome,
        clientIp ?? '',
        at,
        at,
      )
      .one()
    if (count > 1) return
    const { rows } = this.sql.exec<{ rows: number }>('SELECT COUNT(*) AS rows FROM refusals').one()
    if (rows > MAX_REFUSAL_SUMMARIES) {
      this.sql.exec(
        'DELETE FROM refusals WHERE rowid IN (SELECT rowid FROM refusals ORDER BY last_at LIMIT ?)',
        rows - MAX_REFUSAL_SUMMARIES,
      )
    }
  }

  /** The share as this object holds it now (read synchronously: no other call interleaves). */
  private stored(id: string): ShareRecord | undefined {
    if (this.held?.id === id) return this.held
    const row = this.sql.exec<StateRow>('SELECT * FROM state WHERE id = ?', id).toArray()[0]
    if (!row) return undefined
    this.held = {
      ...fromStoredRecord(row.record),
      downloads: row.downloads,
      revokedAt: msOf(row.revoked_at),
      lastUsedAt: msOf(row.last_used_at),
    }
    return this.held
  }

  /** The share, loaded once from D1 when this object does not hold it yet (a share made before). */
  private async load(id: string): Promise<ShareRecord | undefined> {
    const held = this.stored(id)
    if (held) return held
    // No other call runs while the D1 rows are copied in, so none decides on a half-loaded share.
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.stored(id)) return
      const legacy = await getShare(this.env.DB, id)
      if (!legacy) return
      const uses = await legacyUses(this.env.DB, id, MAX_AUDIT_ROWS)
      this.init(legacy)
      for (const use of uses) this.audit(use.at, use.client_ip, use.outcome as UseOutcome)
    })
    return this.stored(id)
  }
}
