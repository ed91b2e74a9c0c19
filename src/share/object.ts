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
import { isoOf } from '../lib/duration'
import { MAX_AUDIT_ROWS, SHARE_FLUSH_SECONDS } from '../lib/limits'
import { emit, newEvent, type SignetEvent } from '../webhooks/events'
import { leaseSize, refusalOf } from './decide'
import { applyEdit, type EditResult, type ShareChanges } from './edit'
import { getShare, legacyUses, recordUse } from './index-db'
import { ShareLedger } from './ledger'
import { applyUse, newPending, type Pending } from './pending'
import type {
  Lease,
  LendAnswer,
  LendRequest,
  ShareSnapshot,
  ShareStats,
  UseBatch,
  UseDecision,
  UseReport,
  UseRequest,
} from './protocol'
import {
  type AuditRow,
  eventSubject,
  isRefusal,
  REFUSAL_OUTCOME,
  type RefusalRow,
  type ShareRecord,
  type UseItem,
  type UseKind,
  type UseOutcome,
} from './record'

export type {
  Lease,
  ShareSnapshot,
  ShareStats,
  UseBatch,
  UseDecision,
  UseReport,
  UseRequest,
} from './protocol'

export class ShareObject extends DurableObject<Env> {
  readonly #ledger: ShareLedger
  /** The share as last read or written: storage is the truth, this saves re-reading it. */
  #held: ShareRecord | undefined
  /** Whether a flush alarm is set, so a use need not ask storage. */
  #alarmSet: boolean | undefined
  /** A use changed the counter: the D1 index wants it (set by #commit, cleared by scheduling). */
  #needFlush = false

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#ledger = new ShareLedger(ctx.storage.sql)
  }

  /** Holds a new share (called at creation; the D1 index row is written first). */
  init(share: ShareRecord): void {
    this.#ledger.insert(share)
  }

  /** The share as it is now, or null when there is no such share. */
  async read(id: string): Promise<ShareRecord | null> {
    return (await this.#load(id)) ?? null
  }

  /**
   * Decides one use and records it, at once and alone. Whatever the decision, the counters the
   * request changed (its own use, or the batches it carried in before a refusal) reach the D1
   * index: the flush is scheduled on every path.
   */
  async use(request: UseRequest): Promise<UseDecision> {
    const decision = await this.#decide(request)
    await this.#scheduleFlush(request.now)
    return decision
  }

  async #decide(request: UseRequest): Promise<UseDecision> {
    const loaded = await this.#load(request.id)
    if (!loaded) return { ok: false, code: 'not_found' }
    const share = this.#takeIn(loaded, request)
    const outcome = this.#sessionOutcome(request)
    // A password accepted by an isolate that knew an older one is no password at all.
    const stale =
      share.password !== null &&
      request.password === 'accepted' &&
      request.passwordSalt !== undefined &&
      request.passwordSalt !== share.password.salt
    const lockedFor = share.password === null ? 0 : this.#ledger.lockedFor(request.now)
    // Uses lent to isolates are spoken for: the cap holds across every isolate.
    const reserved = share.maxDownloads === null ? 0 : this.#ledger.reserved(request.now)
    let refusal: (NonNullable<ReturnType<typeof refusalOf>> & { busy?: boolean }) | null =
      refusalOf(
        { ...share, downloads: share.downloads + reserved },
        { ...request, outcome, ...(stale ? { password: 'missing' as const } : {}) },
        lockedFor,
      )
    if (refusal?.code === 'share_exhausted' && share.downloads < (share.maxDownloads ?? 0)) {
      // Not used up: what is left is lent out, and comes back when those leases end.
      refusal = {
        code: 'rate_limited',
        retryAfter: this.#ledger.nextLeaseEnd(request.now),
        busy: true,
      }
    }
    if (refusal) {
      if (refusal.code === 'share_password_invalid') this.#ledger.wrongPassword(request.now)
      this.#refuse(REFUSAL_OUTCOME[refusal.code], request.now, request.clientIp, request.item)
      return { ok: false, ...refusal, snapshot: this.#snapshot(this.#held ?? share, request.now) }
    }
    const pending = newPending()
    const recorded = applyUse(share, { ...request, at: request.now, outcome }, pending)
    this.#commit(recorded, pending)
    const lease =
      request.lease && outcome === 'downloaded' && recorded.maxDownloads !== null
        ? this.#lend(recorded, request.now, request.lease)
        : undefined
    return {
      ok: true,
      outcome,
      downloads: recorded.downloads,
      snapshot: this.#snapshot(recorded, request.now),
      ...(lease ? { lease } : {}),
    }
  }

  /**
   * Lends a counted share's uses ahead of need, with the isolate's queued uses recorded first and
   * its ended leases given back; nothing for a link revoked, expired or used up (the snapshot
   * says which). null: no such share.
   */
  async lend(request: LendRequest): Promise<LendAnswer | null> {
    const loaded = await this.#load(request.id)
    if (!loaded) return null
    const share = this.#takeIn(loaded, request)
    const open =
      share.maxDownloads !== null && share.revokedAt === null && share.expiresAt > request.now
    const lease = open ? this.#lend(share, request.now, request.lease) : undefined
    await this.#scheduleFlush(request.now)
    return { snapshot: this.#snapshot(share, request.now), ...(lease ? { lease } : {}) }
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
  ): Promise<ShareSnapshot | null> {
    const share = await this.#load(id)
    if (!share) return null
    const now = Date.now()
    const recorded = this.#applyBatch(share, { id: batch, reports, closes }, now)
    await this.#scheduleFlush(now)
    return this.#snapshot(recorded, now)
  }

  /** What an isolate's call carries in: its queued batches (recorded first), its ended leases. */
  #takeIn(share: ShareRecord, request: Pick<UseRequest, 'now' | 'batches' | 'giveBack'>) {
    let recorded = share
    for (const batch of request.batches ?? []) {
      recorded = this.#applyBatch(recorded, batch, request.now)
    }
    for (const returned of request.giveBack ?? []) {
      this.#ledger.giveBack(returned.lease, returned.uses)
    }
    return recorded
  }

  /** A batch's uses, once (a batch seen before changes nothing), and its ended leases. */
  #applyBatch(share: ShareRecord, batch: UseBatch, now: number): ShareRecord {
    if (!this.#ledger.firstDelivery(batch.id, now)) return share
    let recorded = share
    const pending = newPending()
    for (const report of batch.reports) {
      if (isRefusal(report.outcome)) {
        this.#refuse(report.outcome, report.at, report.clientIp, report.item, pending)
        continue
      }
      // A lease's download was decided by the isolate within the cap: it counts as one.
      const outcome = report.lease
        ? 'downloaded'
        : this.#sessionOutcome({ ...report, now: report.at, outcome: report.outcome })
      if (report.lease) {
        pending.leases.set(report.lease, (pending.leases.get(report.lease) ?? 0) + 1)
      }
      recorded = applyUse(recorded, { ...report, outcome }, pending)
    }
    this.#commit(recorded, pending)
    for (const lease of batch.closes) this.#ledger.close(lease)
    return recorded
  }

  /** The share's stats: downloads from its counter, the rest from the daily sums. */
  async stats(id: string): Promise<ShareStats | null> {
    const share = await this.#load(id)
    if (!share) return null
    const byDay = this.#ledger.statsByDay()
    return {
      views: byDay.reduce((sum, day) => sum + day.views, 0),
      previews: byDay.reduce((sum, day) => sum + day.previews, 0),
      downloads: share.downloads,
      byDay,
      byCountry: this.#ledger.statsByCountry(),
    }
  }

  /**
   * Revokes the owner's share (any share when `owner` is null: the admin, or the revocation of
   * the key that made it); false when there is no such share or another owns it.
   */
  async revoke(id: string, owner: string | null, now: number): Promise<boolean> {
    const share = await this.#load(id)
    if (!share || (owner !== null && share.owner !== owner)) return false
    if (share.revokedAt === null) {
      this.#ledger.writeRevoked(id, now)
      this.#held = { ...share, revokedAt: now }
      this.#announce([newEvent('share.revoked', eventSubject(share, undefined), new Date(now))])
    }
    return true
  }

  /**
   * Edits the owner's share (any share when `owner` is null: the admin), alone: no use decides
   * on half an edit. The audit names the fields changed.
   */
  async edit(
    id: string,
    owner: string | null,
    changes: ShareChanges,
    now: number,
  ): Promise<EditResult> {
    const share = await this.#load(id)
    if (!share || (owner !== null && share.owner !== owner)) return { ok: false, code: 'not_found' }
    this.#ledger.dropLapsedLeases(now)
    const edited = applyEdit(share, changes, this.#ledger.reserved(now))
    if (!edited.ok) return edited
    this.#ledger.writeRecord(edited.share)
    this.#held = edited.share
    this.#ledger.audit(isoOf(now), null, 'edited', `fields:${edited.fields.join(',')}`)
    return edited
  }

  /**
   * The audit trail, oldest first, after `after`: the newest MAX_SERVED_AUDIT_ROWS uses that
   * served bytes and, apart from them, the newest MAX_AUDIT_ROWS other uses and refusals.
   */
  async uses(id: string, limit: number, after: number): Promise<AuditRow[]> {
    if (!(await this.#load(id))) return []
    return this.#ledger.uses(limit, after)
  }

  /** Refusals per outcome and client address: how many, first and last (most recent first). */
  async refusals(id: string): Promise<RefusalRow[]> {
    if (!(await this.#load(id))) return []
    return this.#ledger.refusals()
  }

  /** Writes the counter and last use to the D1 index, which listings read. */
  override async alarm(): Promise<void> {
    this.#alarmSet = false
    await this.ctx.storage.put('flushedAt', Date.now())
    for (const row of this.#ledger.unflushed()) {
      await recordUse(this.env.DB, row.id, row.downloads, row.lastUsedAt)
      this.#ledger.flushed(row.id)
    }
  }

  /**
   * A refusal, audited (with a batch's other uses, in their order, when it is one of them) and
   * summed per outcome and address.
   */
  #refuse(
    outcome: Parameters<ShareLedger['countRefusal']>[2],
    at: number,
    clientIp: string | null,
    item: UseItem | undefined,
    pending?: Pending,
  ): void {
    const when = isoOf(at)
    if (pending) pending.audit.push({ at: when, clientIp, outcome, item })
    else this.#ledger.audit(when, clientIp, outcome, item)
    this.#ledger.countRefusal(when, clientIp, outcome)
  }

  /** Writes what uses changed, once for all of them: the counter, the stats, leases spent. */
  #commit(share: ShareRecord, pending: Pending): void {
    this.#ledger.auditAll(pending.audit)
    if (pending.state) {
      this.#ledger.writeUses(share)
      this.#held = share
      this.#needFlush = true
    }
    this.#ledger.addStats(pending.stats.values())
    for (const [lease, spent] of pending.leases) this.#ledger.spend(lease, spent)
    this.#announce(pending.events)
  }

  /** Puts events on the events queue without making the use wait for it. */
  #announce(events: SignetEvent[]): void {
    if (events.length === 0) return
    this.ctx.waitUntil(
      emit(this.env.EVENTS, events).catch((error: unknown) =>
        logFailure(undefined, 'share events', error),
      ),
    )
  }

  /** Lends an isolate uses of a counted share: never more than are left, fewer near the end. */
  #lend(share: ShareRecord, now: number, asked: { want: number; seconds: number }) {
    this.#ledger.dropLapsedLeases(now)
    const available = (share.maxDownloads ?? 0) - share.downloads - this.#ledger.reserved(now)
    const uses = leaseSize(available, asked.want)
    if (uses < 1) return undefined
    const lease: Lease = { id: base64url(randomBytes(12)), uses, until: now + asked.seconds * 1000 }
    this.#ledger.insertLease(lease)
    return lease
  }

  /** The share's changing state, as an isolate decides with it. */
  #snapshot(share: ShareRecord, now: number): ShareSnapshot {
    const lockedFor = share.password === null ? 0 : this.#ledger.lockedFor(now)
    return {
      revokedAt: share.revokedAt,
      downloads: share.downloads,
      lockedUntil: lockedFor > 0 ? now + lockedFor * 1000 : null,
      revision: share.revision,
    }
  }

  /** A range further in is a continuation inside the client's download session, else a download. */
  #sessionOutcome(request: { outcome: UseKind; clientIp: string | null; now: number }): UseKind {
    if (request.outcome !== 'partial') return request.outcome
    return this.#ledger.inSession(request.clientIp, request.now) ? 'partial' : 'downloaded'
  }

  /**
   * The first use after a quiet spell reaches D1 at once (an alarm now); a busy share's uses are
   * written together, at most one D1 write every SHARE_FLUSH_SECONDS.
   */
  async #scheduleFlush(now: number): Promise<void> {
    if (!this.#needFlush) return
    this.#needFlush = false
    this.#alarmSet ??= (await this.ctx.storage.getAlarm()) !== null
    if (this.#alarmSet) return
    this.#alarmSet = true
    const flushedAt = (await this.ctx.storage.get<number>('flushedAt')) ?? 0
    await this.ctx.storage.setAlarm(Math.max(now, flushedAt + SHARE_FLUSH_SECONDS * 1000))
  }

  /** The share as this object holds it now (read synchronously: no other call interleaves). */
  #stored(id: string): ShareRecord | undefined {
    if (this.#held?.id === id) return this.#held
    this.#held = this.#ledger.share(id)
    return this.#held
  }

  /** The share, loaded once from D1 when this object does not hold it yet (a share made before). */
  async #load(id: string): Promise<ShareRecord | undefined> {
    const held = this.#stored(id)
    if (held) return held
    // No other call runs while the D1 rows are copied in, so none decides on a half-loaded share.
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.#stored(id)) return
      const legacy = await getShare(this.env.DB, id)
      if (!legacy) return
      const uses = await legacyUses(this.env.DB, id, MAX_AUDIT_ROWS)
      this.init(legacy)
      for (const use of uses) this.#ledger.audit(use.at, use.client_ip, use.outcome as UseOutcome)
    })
    return this.#stored(id)
  }
}
