// The SQL a share's Durable Object keeps (SQLite): the state row, the audit trail and the refusal
// summaries, wrong passwords, the daily stats, the batches already recorded, and the uses lent to
// isolates. Every statement is here; the object decides, this writes and reads. Synchronous: a
// Durable Object runs one call at a time, and none of these awaits.
import { isoOf, msOf } from '../lib/duration'
import {
  DOWNLOAD_SESSION_SECONDS,
  LEASE_LAPSE_SECONDS,
  MAX_AUDIT_ROWS,
  MAX_REFUSAL_SUMMARIES,
  MAX_SERVED_AUDIT_ROWS,
  PASSWORD_LOCK_FAILURES,
  PASSWORD_LOCK_SECONDS,
} from '../lib/limits'
import type { AuditEntry, Lease, StatSums } from './protocol'
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
  type UseOutcome,
} from './record'

/** How long the object remembers a batch it recorded, so a batch delivered twice counts once. */
const BATCH_MEMORY_SECONDS = 3600

type StateRow = {
  id: string
  record: string
  downloads: number
  revoked_at: string | null
  last_used_at: string | null
  dirty: number
}

/** Durable Object SQL binds at most 100 parameters a statement: 25 audit rows of 4. */
const AUDIT_ROWS_PER_STATEMENT = 25

export class ShareLedger {
  readonly #sql: SqlStorage

  constructor(sql: SqlStorage) {
    this.#sql = sql
    sql.exec(`CREATE TABLE IF NOT EXISTS state (
      id TEXT PRIMARY KEY, record TEXT NOT NULL, downloads INTEGER NOT NULL,
      revoked_at TEXT, last_used_at TEXT, dirty INTEGER NOT NULL DEFAULT 0)`)
    sql.exec(`CREATE TABLE IF NOT EXISTS uses (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, client_ip TEXT,
      outcome TEXT NOT NULL)`)
    sql.exec('CREATE INDEX IF NOT EXISTS uses_session ON uses (client_ip, outcome, at)')
    // Which file of a folder share (or its zip) a use was for; objects made before have none.
    const columns = sql.exec<{ name: string }>('PRAGMA table_info(uses)').toArray()
    if (!columns.some((column) => column.name === 'item')) {
      sql.exec('ALTER TABLE uses ADD COLUMN item TEXT')
    }
    sql.exec(`CREATE TABLE IF NOT EXISTS refusals (
      outcome TEXT NOT NULL, client_ip TEXT NOT NULL, count INTEGER NOT NULL,
      first_at TEXT NOT NULL, last_at TEXT NOT NULL, PRIMARY KEY (outcome, client_ip))`)
    sql.exec('CREATE TABLE IF NOT EXISTS password_failures (at INTEGER NOT NULL)')
    sql.exec(`CREATE TABLE IF NOT EXISTS stats (
      day TEXT NOT NULL, country TEXT NOT NULL, views INTEGER NOT NULL DEFAULT 0,
      previews INTEGER NOT NULL DEFAULT 0, downloads INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (day, country))`)
    sql.exec('CREATE TABLE IF NOT EXISTS batches (id TEXT PRIMARY KEY, at INTEGER NOT NULL)')
    sql.exec(`CREATE TABLE IF NOT EXISTS leases (
      id TEXT PRIMARY KEY, granted INTEGER NOT NULL, spent INTEGER NOT NULL DEFAULT 0,
      until INTEGER NOT NULL)`)
  }

  // ---- the share's state -----------------------------------------------------------------------

  /** Holds a new share (a share already held is left as it is). */
  insert(share: ShareRecord): void {
    this.#sql.exec(
      'INSERT OR IGNORE INTO state (id, record, downloads, revoked_at, last_used_at) VALUES (?, ?, ?, ?, ?)',
      share.id,
      toStoredRecord(share),
      share.downloads,
      isoOf(share.revokedAt),
      isoOf(share.lastUsedAt),
    )
  }

  /** The share as stored, or undefined. */
  share(id: string): ShareRecord | undefined {
    const row = this.#sql.exec<StateRow>('SELECT * FROM state WHERE id = ?', id).toArray()[0]
    if (!row) return undefined
    return {
      ...fromStoredRecord(row.record),
      downloads: row.downloads,
      revokedAt: msOf(row.revoked_at),
      lastUsedAt: msOf(row.last_used_at),
    }
  }

  /** The counter and the last use, marked for the D1 index. */
  writeUses(share: ShareRecord): void {
    this.#sql.exec(
      'UPDATE state SET downloads = ?, last_used_at = ?, dirty = 1 WHERE id = ?',
      share.downloads,
      isoOf(share.lastUsedAt),
      share.id,
    )
  }

  /** An edited share's record (its counter, revocation and last use stay in their columns). */
  writeRecord(share: ShareRecord): void {
    this.#sql.exec('UPDATE state SET record = ? WHERE id = ?', toStoredRecord(share), share.id)
  }

  writeRevoked(id: string, at: number): void {
    this.#sql.exec('UPDATE state SET revoked_at = ? WHERE id = ?', isoOf(at), id)
  }

  /** The shares whose counters the D1 index has not seen yet. */
  unflushed(): { id: string; downloads: number; lastUsedAt: number | null }[] {
    return this.#sql
      .exec<StateRow>('SELECT * FROM state WHERE dirty = 1')
      .toArray()
      .map((row) => ({ id: row.id, downloads: row.downloads, lastUsedAt: msOf(row.last_used_at) }))
  }

  flushed(id: string): void {
    this.#sql.exec('UPDATE state SET dirty = 0 WHERE id = ?', id)
  }

  // ---- the audit -------------------------------------------------------------------------------

  audit(at: string, clientIp: string | null, outcome: UseOutcome, item?: UseItem | undefined) {
    this.auditAll([{ at, clientIp, outcome, item }])
  }

  /**
   * Audit rows in order, in as few statements as the parameter limit allows (a batch of uses
   * from an isolate is a handful of statements, not one per use).
   */
  auditAll(rows: readonly AuditEntry[]): void {
    let first: number | undefined
    let last = 0
    for (let start = 0; start < rows.length; start += AUDIT_ROWS_PER_STATEMENT) {
      const chunk = rows.slice(start, start + AUDIT_ROWS_PER_STATEMENT)
      const seqs = this.#sql
        .exec<{ seq: number }>(
          `INSERT INTO uses (at, client_ip, outcome, item) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')} RETURNING seq`,
          ...chunk.flatMap((row) => [row.at, row.clientIp, row.outcome, row.item ?? null]),
        )
        .toArray()
      for (const { seq } of seqs) {
        first ??= seq
        last = Math.max(last, seq)
      }
    }
    // Bounded, in two parts pruned apart (each time the sequence passes a multiple of 100, so
    // at most 99 more wait their turn): uses that served bytes, and everything else. A flood of
    // refusals or HEADs only ever pushes out its own kind; the counter keeps counting beyond both.
    if (first === undefined || last <= MAX_AUDIT_ROWS) return
    if (Math.floor(last / 100) === Math.floor((first - 1) / 100)) return
    const served = SERVED_OUTCOMES.map(() => '?').join(', ')
    this.#sql.exec(
      `DELETE FROM uses WHERE seq IN (SELECT seq FROM uses WHERE outcome NOT IN (${served})
        ORDER BY seq DESC LIMIT -1 OFFSET ?)`,
      ...SERVED_OUTCOMES,
      MAX_AUDIT_ROWS,
    )
    this.#sql.exec(
      `DELETE FROM uses WHERE seq IN (SELECT seq FROM uses WHERE outcome IN (${served})
        ORDER BY seq DESC LIMIT -1 OFFSET ?)`,
      ...SERVED_OUTCOMES,
      MAX_SERVED_AUDIT_ROWS,
    )
  }

  /** The audit trail after `after`, oldest first. */
  uses(limit: number, after: number): AuditRow[] {
    return this.#sql
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

  /** Whether the client downloaded within DOWNLOAD_SESSION_SECONDS (a range further in goes on). */
  inSession(clientIp: string | null, now: number): boolean {
    if (clientIp === null) return false
    const since = isoOf(now - DOWNLOAD_SESSION_SECONDS * 1000)
    return (
      this.#sql
        .exec(
          "SELECT 1 FROM uses WHERE client_ip = ? AND outcome = 'downloaded' AND at > ? LIMIT 1",
          clientIp,
          since,
        )
        .toArray().length > 0
    )
  }

  /**
   * Counts a refusal by outcome and address; the least recent summaries go past the bound (only
   * a new pair can pass it, so a repeated refusal costs one statement).
   */
  countRefusal(at: string, clientIp: string | null, outcome: RefusalOutcome): void {
    const { count } = this.#sql
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
    const { rows } = this.#sql.exec<{ rows: number }>('SELECT COUNT(*) AS rows FROM refusals').one()
    if (rows > MAX_REFUSAL_SUMMARIES) {
      this.#sql.exec(
        'DELETE FROM refusals WHERE rowid IN (SELECT rowid FROM refusals ORDER BY last_at LIMIT ?)',
        rows - MAX_REFUSAL_SUMMARIES,
      )
    }
  }

  /** Refusals per outcome and client address (most recent first). */
  refusals(): RefusalRow[] {
    return this.#sql
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

  // ---- wrong passwords ---------------------------------------------------------------------------

  wrongPassword(now: number): void {
    this.#sql.exec(
      'DELETE FROM password_failures WHERE at <= ?',
      now - PASSWORD_LOCK_SECONDS * 1000,
    )
    this.#sql.exec('INSERT INTO password_failures (at) VALUES (?)', now)
  }

  /**
   * Seconds until a locked link takes passwords again: PASSWORD_LOCK_FAILURES wrong ones within
   * PASSWORD_LOCK_SECONDS lock it until the oldest of them is that old; 0 when it is not locked.
   */
  lockedFor(now: number): number {
    const row = this.#sql
      .exec<{ at: number }>(
        'SELECT at FROM password_failures WHERE at > ? ORDER BY at DESC LIMIT 1 OFFSET ?',
        now - PASSWORD_LOCK_SECONDS * 1000,
        PASSWORD_LOCK_FAILURES - 1,
      )
      .toArray()[0]
    return row ? Math.max(1, Math.ceil((row.at + PASSWORD_LOCK_SECONDS * 1000 - now) / 1000)) : 0
  }

  // ---- stats -------------------------------------------------------------------------------------

  addStats(sums: Iterable<StatSums>): void {
    for (const day of sums) {
      this.#sql.exec(
        `INSERT INTO stats (day, country, views, previews, downloads) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (day, country) DO UPDATE SET views = views + excluded.views,
           previews = previews + excluded.previews, downloads = downloads + excluded.downloads`,
        day.day,
        day.country,
        day.views,
        day.previews,
        day.downloads,
      )
    }
  }

  statsByDay() {
    return this.#sql
      .exec<{ day: string; views: number; previews: number; downloads: number }>(
        `SELECT day, SUM(views) AS views, SUM(previews) AS previews, SUM(downloads) AS downloads
         FROM stats GROUP BY day ORDER BY day`,
      )
      .toArray()
      .map((row) => ({ ...row }))
  }

  statsByCountry() {
    return this.#sql
      .exec<{ country: string; downloads: number }>(
        `SELECT country, SUM(downloads) AS downloads FROM stats GROUP BY country
         HAVING SUM(downloads) > 0 ORDER BY SUM(downloads) DESC, country = '', country`,
      )
      .toArray()
      .map((row) => ({
        country: row.country === '' ? null : row.country,
        downloads: row.downloads,
      }))
  }

  // ---- batches -----------------------------------------------------------------------------------

  /** Remembers a batch; false when it was recorded before (it then changes nothing). */
  firstDelivery(batch: string, now: number): boolean {
    if (this.#sql.exec('SELECT 1 FROM batches WHERE id = ?', batch).toArray().length > 0) {
      return false
    }
    this.#sql.exec('DELETE FROM batches WHERE at < ?', now - BATCH_MEMORY_SECONDS * 1000)
    this.#sql.exec('INSERT INTO batches (id, at) VALUES (?, ?)', batch, now)
    return true
  }

  // ---- leases ------------------------------------------------------------------------------------

  /** Uses lent out and not yet spent or returned (a lease its isolate never closed lapses). */
  reserved(now: number): number {
    return this.#sql
      .exec<{ left: number }>(
        'SELECT COALESCE(SUM(MAX(granted - spent, 0)), 0) AS left FROM leases WHERE until > ?',
        now - LEASE_LAPSE_SECONDS * 1000,
      )
      .one().left
  }

  /** Seconds until the first lease still open ends (at least 1). */
  nextLeaseEnd(now: number): number {
    const { until } = this.#sql
      .exec<{ until: number | null }>('SELECT MIN(until) AS until FROM leases WHERE until > ?', now)
      .one()
    return Math.max(1, Math.ceil(((until ?? now) - now) / 1000))
  }

  dropLapsedLeases(now: number): void {
    this.#sql.exec('DELETE FROM leases WHERE until <= ?', now - LEASE_LAPSE_SECONDS * 1000)
  }

  insertLease(lease: Lease): void {
    this.#sql.exec(
      'INSERT INTO leases (id, granted, until) VALUES (?, ?, ?)',
      lease.id,
      lease.uses,
      lease.until,
    )
  }

  /** A lease's unspent uses came back: its row stays until its spent uses are reported. */
  giveBack(lease: string, uses: number): void {
    this.#sql.exec('UPDATE leases SET granted = MAX(granted - ?, spent) WHERE id = ?', uses, lease)
  }

  spend(lease: string, uses: number): void {
    this.#sql.exec('UPDATE leases SET spent = spent + ? WHERE id = ?', uses, lease)
  }

  /** An ended lease: what it did not spend is free again. */
  close(lease: string): void {
    this.#sql.exec('DELETE FROM leases WHERE id = ?', lease)
  }
}
