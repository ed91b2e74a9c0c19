// What an isolate knows of the shares it serves, so a busy link's uses are decided here and not
// one call each to the share's object: the object's last word on each share (revoked, downloads,
// a password lock), trusted for SIGNET_SHARE_CHECK_SECONDS, and the uses decided since, sent to
// the object in batches off the response path (at least once a second while there are any).
// A batch that fails is sent again, under the same id, so the object records it exactly once;
// none is dropped while the isolate lives.
import { base64url, randomBytes } from '../lib/bytes'
import { MAX_LEASE } from '../lib/limits'
import { TtlCache } from '../lib/ttl-cache'
import type { Lease, ShareObject, ShareSnapshot, UseBatch, UseReport } from './object'

/** How long uses wait in the isolate before they are sent (at most). */
export const BATCH_MS = 1000
/** Rounds one flush keeps going (a Worker's waitUntil work ends 30 s after its answer). */
const MAX_ROUNDS = 25
/** A lease lasts SIGNET_SHARE_CHECK_SECONDS, and never longer than this (so it is returned). */
export const MAX_LEASE_SECONDS = 20
/** The fewest uses an isolate asks to be lent; a lease is asked for again this long before it ends. */
const LEASE_LEAST = 8
const REFILL_AHEAD_MS = 300
/** Delivery attempts of one batch before it waits for the next flush; and the first pause. */
const ATTEMPTS = 5
const FIRST_RETRY_MS = 100

/** Uses to report and leases to return, sent together; `id` once sealed. */
type Batch = { id: string | undefined; reports: UseReport[]; closes: string[] }

export class ShareGate {
  private readonly snapshots = new TtlCache<string, ShareSnapshot>(10_000)
  /** Per share, batches in order: the last is open (no id yet) until it is sent. */
  private readonly pending = new Map<string, Batch[]>()
  /** Per share, the uses its object lent this isolate: spent here until the lease ends. */
  private readonly leases = new Map<string, (Lease & { left: number })[]>()
  /** Password links known locked after wrong passwords, until when. */
  private readonly locks = new TtlCache<string, number>(10_000)
  /** Counted links whose remaining uses are all lent out, until when. */
  private readonly busy = new TtlCache<string, number>(10_000)
  /** A lease being asked for, per share. */
  private readonly asking = new Map<string, Promise<unknown>>()
  /** Per share, downloads spent here in the current second and in the one before. */
  private readonly rates = new Map<string, { second: number; count: number; last: number }>()
  private flushing: Promise<void> | undefined
  /** SIGNET_SHARE_CHECK_SECONDS, as last given: how long a delivery's answer is trusted. */
  private checkSeconds = 0

  /** What the share's object said within the last `checkSeconds`, if anything. */
  snapshot(id: string, now: number): ShareSnapshot | undefined {
    return this.snapshots.get(id, now)
  }

  /** Seconds this isolate knows a password link stays locked (0: not known locked). */
  lockedFor(id: string, now: number): number {
    return secondsUntil(this.locks.get(id, now), now)
  }

  lock(id: string, until: number): void {
    this.locks.set(id, until, until)
  }

  /**
   * Seconds this isolate knows a counted link's last uses are all lent out (0: not known): its
   * downloads are refused here (429) until then, without a call each.
   */
  busyFor(id: string, now: number): number {
    return secondsUntil(this.busy.get(id, now), now)
  }

  markBusy(id: string, until: number): void {
    this.busy.set(id, until, until)
  }

  /** Remembers the object's answer for `checkSeconds` (0: not at all). */
  learn(id: string, snapshot: ShareSnapshot, now: number, checkSeconds: number): void {
    this.checkSeconds = checkSeconds
    if (checkSeconds > 0) this.snapshots.set(id, snapshot, now + checkSeconds * 1000)
  }

  /** A share edited from this isolate: its next use asks its object. */
  forget(id: string): void {
    this.snapshots.delete(id)
  }

  /** A share revoked from this isolate: refused here at once, whatever was known. */
  revoked(id: string, now: number): void {
    const known = this.snapshots.get(id, now)
    if (known) this.snapshots.set(id, { ...known, revokedAt: now }, now + 60_000)
  }

  /** Queues a use decided here; `waitUntil` keeps the isolate until the batch is delivered. */
  report(
    shares: DurableObjectNamespace<ShareObject>,
    id: string,
    report: UseReport,
    waitUntil: (promise: Promise<unknown>) => void,
  ): void {
    this.openBatch(id).reports.push(report)
    this.keepFlushing(shares, waitUntil)
  }

  /** Spends one use of the share's leases while they last: the lease's id, or undefined. */
  spend(id: string, now: number): string | undefined {
    for (const lease of this.leases.get(id) ?? []) {
      if (lease.left > 0 && now < lease.until) {
        lease.left--
        this.counted(id, now)
        return lease.id
      }
    }
    return undefined
  }

  private counted(id: string, now: number): void {
    const second = Math.floor(now / 1000)
    const rate = this.rates.get(id)
    if (rate?.second === second) rate.count++
    else {
      const last = rate?.second === second - 1 ? rate.count : 0
      this.rates.set(id, { second, count: 1, last })
    }
  }

  /** Downloads a second this isolate spends of the share lately (the busier second of two). */
  private perSecond(id: string, now: number): number {
    const rate = this.rates.get(id)
    const second = Math.floor(now / 1000)
    if (!rate || rate.second < second - 1) return 0
    return rate.second === second ? Math.max(rate.count, rate.last) : rate.count
  }

  /** How many uses to ask for: two lease-lives at the recent rate, at least LEASE_LEAST. */
  want(id: string, now: number, seconds: number): number {
    const wanted = Math.ceil(this.perSecond(id, now) * Math.max(1, seconds) * 2)
    return Math.min(MAX_LEASE, Math.max(LEASE_LEAST, wanted))
  }

  /**
   * Whether the share's leases here run low, so the next is asked for now, off the request path:
   * fewer uses left than half a second at the recent rate (at least LEASE_LEAST / 2), or every
   * lease ending within REFILL_AHEAD_MS.
   */
  runsLow(id: string, now: number): boolean {
    let left = 0
    let ends = 0
    for (const lease of this.leases.get(id) ?? []) {
      if (lease.left < 1 || now >= lease.until) continue
      left += lease.left
      ends = Math.max(ends, lease.until)
    }
    const low = Math.max(LEASE_LEAST / 2, this.perSecond(id, now) / 2)
    return left < low || ends - now < REFILL_AHEAD_MS
  }

  /**
   * The share's leases that ended or are spent: taken out (closed with the next batch), and what
   * they did not spend, so the next call to the object gives it back at once.
   */
  ended(id: string, now: number): { lease: string; uses: number }[] {
    const held = this.leases.get(id) ?? []
    const over = held.filter((lease) => now >= lease.until || lease.left < 1)
    if (over.length === 0) return []
    const left = held.filter((lease) => !over.includes(lease))
    if (left.length > 0) this.leases.set(id, left)
    else this.leases.delete(id)
    for (const lease of over) this.openBatch(id).closes.push(lease.id)
    return over
      .filter((lease) => lease.left > 0)
      .map((lease) => ({ lease: lease.id, uses: lease.left }))
  }

  /**
   * Ends every lease held here for the share now (their closes go with the next delivery): an
   * edit's cap then counts only the uses spent.
   */
  surrender(id: string): void {
    this.ended(id, Number.POSITIVE_INFINITY)
  }

  /** Holds a lease the share's object lent. */
  hold(
    shares: DurableObjectNamespace<ShareObject>,
    id: string,
    lease: Lease,
    waitUntil: (promise: Promise<unknown>) => void,
  ): void {
    this.leases.set(id, [...(this.leases.get(id) ?? []), { ...lease, left: lease.uses }])
    this.keepFlushing(shares, waitUntil)
  }

  /**
   * One call at a time per share asks its object for a lease: the others wait for its answer
   * (at most `maxWaitMs`: `answered` says whether it came) and spend from it, rather than each
   * asking (and each being lent a block).
   */
  async oneAsks<T>(
    id: string,
    ask: () => Promise<T>,
    maxWaitMs = Number.POSITIVE_INFINITY,
  ): Promise<{ asked: T } | { waited: true; answered: boolean }> {
    const asking = this.asking.get(id)
    if (asking) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const answered = asking.then(
        () => true,
        () => true,
      )
      const late = new Promise<boolean>((resolve) => {
        if (Number.isFinite(maxWaitMs)) timer = setTimeout(() => resolve(false), maxWaitMs)
      })
      const came = await Promise.race([answered, late])
      if (timer !== undefined) clearTimeout(timer)
      return { waited: true, answered: came }
    }
    const call = ask()
    this.asking.set(id, call)
    try {
      return { asked: await call }
    } finally {
      this.asking.delete(id)
    }
  }

  /**
   * Every batch of this share, sealed, to go with a call the isolate makes to its object anyway
   * (each batch keeps its id: one also being sent by a flush is recorded once).
   */
  ride(id: string): UseBatch[] {
    const batches = this.pending.get(id) ?? []
    for (const batch of batches) batch.id ??= base64url(randomBytes(12))
    return batches.map((batch) => ({
      id: batch.id as string,
      reports: batch.reports,
      closes: batch.closes,
    }))
  }

  /** Batches the object recorded: no longer queued. */
  delivered(id: string, batches: readonly { id: string | undefined }[]): void {
    const ids = new Set(batches.map((batch) => batch.id))
    const left = (this.pending.get(id) ?? []).filter((batch) => !ids.has(batch.id))
    if (left.length > 0) this.pending.set(id, left)
    else this.pending.delete(id)
  }

  /** The share's batch still taking uses (a new one after a sealed one). */
  private openBatch(id: string): Batch {
    const batches = this.pending.get(id) ?? []
    let open = batches.at(-1)
    if (!open || open.id !== undefined) {
      open = { id: undefined, reports: [], closes: [] }
      batches.push(open)
    }
    this.pending.set(id, batches)
    return open
  }

  /** Returns the leases that ended (or are spent) with the next batch. */
  private closeEnded(now: number): void {
    for (const id of [...this.leases.keys()]) this.ended(id, now)
  }

  private keepFlushing(
    shares: DurableObjectNamespace<ShareObject>,
    waitUntil: (promise: Promise<unknown>) => void,
  ): void {
    if (!this.flushing) {
      this.flushing = this.flushSoon(shares).finally(() => {
        this.flushing = undefined
      })
      waitUntil(this.flushing)
    }
  }

  /** Uses queued and not yet recorded by their objects (for tests and benchmarks). */
  queued(): number {
    let count = 0
    for (const batches of this.pending.values()) {
      for (const batch of batches) count += batch.reports.length
    }
    return count
  }

  /**
   * Sends this share's queued uses now (reading a share's counter or audit from the isolate that
   * served it sees every use it served). Other isolates' uses arrive within BATCH_MS.
   */
  async settle(shares: DurableObjectNamespace<ShareObject>, id: string): Promise<void> {
    if (this.pending.has(id)) await this.deliver(shares, id)
  }

  /** Sends everything queued now, retrying failures; resolves when nothing is left or all failed. */
  async flush(shares: DurableObjectNamespace<ShareObject>): Promise<void> {
    this.closeEnded(Date.now())
    const deliveries = [...this.pending.keys()].map((id) => this.deliver(shares, id))
    await Promise.all(deliveries)
  }

  private async flushSoon(shares: DurableObjectNamespace<ShareObject>): Promise<void> {
    // Keep going while uses arrive: one round a BATCH_MS, until none waits (or none can go).
    for (
      let round = 0;
      (this.pending.size > 0 || this.leases.size > 0) && round < MAX_ROUNDS;
      round++
    ) {
      await sleep(BATCH_MS)
      await this.flush(shares)
    }
  }

  /** Delivers one share's batches in order; a batch that keeps failing stays, first in line. */
  private async deliver(shares: DurableObjectNamespace<ShareObject>, id: string): Promise<void> {
    const object = shares.get(shares.idFromName(id))
    for (;;) {
      const batch = this.pending.get(id)?.[0]
      if (!batch) {
        this.pending.delete(id)
        return
      }
      // Sealed from now on: later uses go into a new batch, and a retry is recognised by its id.
      batch.id ??= base64url(randomBytes(12))
      const view = await attempt(() =>
        object.record(id, batch.id as string, batch.reports, batch.closes),
      )
      if (view === undefined) return
      this.delivered(id, [batch])
      if (view && this.checkSeconds > 0) {
        this.snapshots.set(id, view, Date.now() + this.checkSeconds * 1000)
      }
    }
  }
}

async function attempt<T>(call: () => Promise<T>): Promise<T | undefined> {
  for (let i = 0; i < ATTEMPTS; i++) {
    try {
      return await call()
    } catch {
      await sleep(FIRST_RETRY_MS * 2 ** i)
    }
  }
  return undefined
}

/** Whole seconds (at least 1) until an instant still ahead; 0 when there is none. */
function secondsUntil(until: number | undefined, now: number): number {
  return until === undefined ? 0 : Math.max(1, Math.ceil((until - now) / 1000))
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** This isolate's gate. */
export const shareGate = new ShareGate()
