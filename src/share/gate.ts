// What an isolate knows of the shares it serves, so a busy link's uses are decided here and not
// one call each to the share's object: the object's last word on each share (revoked, downloads,
// a password lock), trusted for SIGNET_SHARE_CHECK_SECONDS, and the uses decided since, sent to
// the object in batches off the response path (at least once a second while there are any).
// A batch that fails is sent again, under the same id, so the object records it exactly once;
// none is dropped while the isolate lives.
import { base64url, randomBytes } from '../lib/bytes'
import { TtlCache } from '../lib/ttl-cache'
import type { ShareObject, ShareView, UseReport } from './object'

/** How long uses wait in the isolate before they are sent (at most). */
export const BATCH_MS = 1000
/** Delivery attempts of one batch before it waits for the next flush; and the first pause. */
const ATTEMPTS = 5
const FIRST_RETRY_MS = 100

type Batch = { id: string | undefined; reports: UseReport[] }

export class ShareGate {
  private readonly views = new TtlCache<string, ShareView>(10_000)
  /** Per share, batches in order: the last is open (no id yet) until it is sent. */
  private readonly pending = new Map<string, Batch[]>()
  private flushing: Promise<void> | undefined
  /** SIGNET_SHARE_CHECK_SECONDS, as last given: how long a delivery's answer is trusted. */
  private checkSeconds = 0

  /** What the share's object said within the last `checkSeconds`, if anything. */
  view(id: string, now: number): ShareView | undefined {
    return this.views.get(id, now)
  }

  /** Remembers the object's answer for `checkSeconds` (0: not at all). */
  learn(id: string, view: ShareView, now: number, checkSeconds: number): void {
    this.checkSeconds = checkSeconds
    if (checkSeconds > 0) this.views.set(id, view, now + checkSeconds * 1000)
  }

  /** A share revoked from this isolate: refused here at once, whatever was known. */
  revoked(id: string, now: number): void {
    const known = this.views.get(id, now)
    if (known) this.views.set(id, { ...known, revokedAt: now }, now + 60_000)
  }

  /** Queues a use decided here; `waitUntil` keeps the isolate until the batch is delivered. */
  report(
    shares: DurableObjectNamespace<ShareObject>,
    id: string,
    report: UseReport,
    waitUntil: (promise: Promise<unknown>) => void,
  ): void {
    const batches = this.pending.get(id) ?? []
    const open = batches.at(-1)
    if (open && open.id === undefined) open.reports.push(report)
    else batches.push({ id: undefined, reports: [report] })
    this.pending.set(id, batches)
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
    const deliveries = [...this.pending.keys()].map((id) => this.deliver(shares, id))
    await Promise.all(deliveries)
  }

  private async flushSoon(shares: DurableObjectNamespace<ShareObject>): Promise<void> {
    // Keep going while uses arrive: one round a BATCH_MS, until none waits (or none can go).
    for (let round = 0; this.pending.size > 0 && round < 30; round++) {
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
      const view = await attempt(() => object.record(id, batch.id as string, batch.reports))
      if (view === undefined) return
      this.pending.get(id)?.shift()
      if (view && this.checkSeconds > 0) {
        this.views.set(id, view, Date.now() + this.checkSeconds * 1000)
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** This isolate's gate. */
export const shareGate = new ShareGate()
