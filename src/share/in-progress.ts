// A share use in progress: the ports it reaches (the share's object, the isolate's gate, the
// store, the location's cache), the request, the share and the verdicts found so far, and the one
// way a use is decided (here from what the object said lately, or by asking it) and refused. The
// branches in use.ts serve each intent through it.
import type { Config } from '../config'
import { overloaded } from '../errors'
import { parseCidr } from '../lib/cidr'
import { contentDisposition } from '../lib/content-disposition'
import { wholeSecondMs } from '../lib/duration'
import { lastSegment } from '../lib/object-key'
import type { Timing } from '../lib/timing'
import { meteredStore } from '../stores/metered'
import { cachedRead, currentVersion } from '../stores/object-cache'
import type { ObjectRead, ReadOptions, ReadRequest, Store } from '../stores/store'
import { refusalOf } from './decide'
import { MAX_LEASE_SECONDS, type ShareGate } from './gate'
import type { ShareObject } from './object'
import type { PasswordVerdict } from './password'
import type { Lease, ShareSnapshot, UseBatch, UseDecision, UseRequest } from './protocol'
import {
  REFUSAL_OUTCOME,
  type ShareRecord,
  sameVersion,
  type UseItem,
  type UseKind,
  type UseOutcome,
  type UseRefusal,
} from './record'
import type { Refusal } from './results'

/** What a use reaches beyond its request. */
export type SharePorts = {
  shares: DurableObjectNamespace<ShareObject>
  /** Read only once a share is found: an unknown link never depends on the configuration. */
  config: () => Config
  /** Keeps the isolate alive for work after the answer (the batches of uses). */
  waitUntil: (promise: Promise<unknown>) => void
  /** The location's cache, for proxied bytes (absent: every read goes to the store). */
  cache?: Cache | undefined
  /** The request's Server-Timing: round trips to the store, and the cache's hit or miss. */
  timing?: Timing | undefined
  /** What this isolate knows of shares (tests give each simulated isolate its own). */
  gate?: ShareGate | undefined
}

/** The request, as far as a use needs it. */
export type ShareRequest = {
  id: string
  method: 'GET' | 'HEAD'
  headers: Headers
  clientIp: string | undefined
  now: Date
  /** This Worker's origin, for stores Signet serves itself. */
  origin: URL
  /** The client's country where the edge says it, for the share's stats. */
  country: string | null
  /** What the request brings for a password-protected share: the password, or a page ticket. */
  password: string | undefined
  ticket: string | undefined
}

/** What a use brings to a decision, here or at the share's object. */
type Attempt = Omit<UseRequest, 'lease' | 'batches' | 'giveBack'>

/**
 * How long a counted download waits for another call's answer about a lease before it is
 * answered 503 overloaded (nothing recorded): an object too slow to answer is not waited on
 * until the client gives up. An object that keeps answering is waited on for at most
 * MAX_LEASE_ROUNDS answers (each one progress: a lease lent, or the link known used up), after
 * which the download asks itself.
 */
const LEASE_WAIT_MS = 1000
const MAX_LEASE_ROUNDS = 100

export class ShareUse {
  readonly config: Config
  readonly gate: ShareGate
  /** The object (or folder file) the use is for, and what the audit calls it. */
  readonly key: string
  readonly item: UseItem | undefined
  /** A pinned share serves only the version it recorded (a share made before pinning: its key). */
  readonly pinned: string | undefined
  /** Whole seconds, for signing. */
  readonly nowMs: number
  /** A URL made for this use lives at most SIGNET_REDIRECT_SECONDS and never past the share. */
  readonly seconds: number
  /** Whole seconds the share has left. */
  readonly left: number
  /**
   * The password came as a page's ticket: such a use asks the share's object, so a ticket issued
   * before a password change stops at once everywhere (a browser's download, rare enough).
   */
  readonly byTicket: boolean
  #store: Store | undefined

  constructor(
    readonly ports: SharePorts,
    readonly request: ShareRequest,
    readonly share: ShareRecord,
    /** The share's object: its stub is made on the first call. */
    readonly object: () => DurableObjectStub<ShareObject>,
    readonly password: PasswordVerdict | undefined,
    gate: ShareGate,
    target: { path?: string | undefined; zip?: boolean; byTicket?: boolean },
  ) {
    this.byTicket = target.byTicket ?? false
    this.config = ports.config()
    this.gate = gate
    this.key = target.path === undefined ? share.key : share.key + target.path
    this.item = !share.folder
      ? undefined
      : target.path !== undefined
        ? `file:${target.path}`
        : target.zip
          ? 'zip'
          : undefined
    this.pinned = share.pin && share.etag !== null ? share.etag : undefined
    this.nowMs = wholeSecondMs(request.now)
    this.left = Math.floor((share.expiresAt - request.now.getTime()) / 1000)
    this.seconds = Math.max(1, Math.min(this.config.redirectSeconds, this.left))
  }

  /** The share's bucket, counted in Server-Timing. */
  get store(): Store {
    if (this.#store) return this.#store
    const configured = this.config.stores.get(this.share.bucket)
    if (!configured) throw new Error('share names a bucket that is no longer configured')
    this.#store = this.ports.timing ? meteredStore(configured, this.ports.timing) : configured
    return this.#store
  }

  /** Whether an ETag is another version than the pinned one. */
  changed(etag: string | null): boolean {
    return this.pinned !== undefined && !sameVersion(this.pinned, etag)
  }

  /** Bytes Signet serves itself, through the location's cache, after the checks. */
  readBytes(request: ReadRequest, options: ReadOptions): Promise<ObjectRead> {
    const { cache, waitUntil, timing } = this.ports
    if (!cache || this.config.objectCacheSeconds <= 0) {
      return this.store.readObject(this.key, request, options)
    }
    return cachedRead(this.store, this.share.bucket, this.key, request, options, {
      cache,
      seconds: this.config.objectCacheSeconds,
      waitUntil,
      noted: (result) => timing?.noteCache(result),
    })
  }

  /**
   * The version of the use's object that is current, as the location last learnt it within
   * SIGNET_OBJECT_CACHE_SECONDS (0, or no cache: the store is asked); null: no such object.
   */
  async currentVersion(): Promise<string | null> {
    const { cache, waitUntil } = this.ports
    const seconds = this.config.objectCacheSeconds
    if (!cache || seconds <= 0)
      return (await this.store.headObject(this.key, this.nowMs))?.etag ?? null
    return currentVersion(
      this.store,
      this.share.bucket,
      this.key,
      { cache, seconds, waitUntil },
      this.nowMs,
    )
  }

  /** Read options for this use's store calls. */
  readOptions(overrides: [string, string][] = []): ReadOptions {
    return { overrides, nowMs: this.nowMs, maxSeconds: this.seconds }
  }

  /**
   * The Content-Disposition a use asks the store for: the share's own, else (for the page's
   * Download button) an attachment under the name the page showed, else none.
   */
  disposition(attachment: boolean): [string, string][] {
    const filename = this.share.filename ?? (attachment ? lastSegment(this.key) : null)
    const disposition = this.share.disposition ?? (attachment ? 'attachment' : null)
    if (filename === null && disposition === null) return []
    return [
      [
        'response-content-disposition',
        contentDisposition(disposition ?? 'attachment', filename ?? undefined),
      ],
    ]
  }

  /**
   * The addresses a redirect URL is bound to: the client's own where the store enforces
   * URL-bound addresses and the client's address is known; else the share's CIDRs.
   */
  redirectAddresses(): string[] | undefined {
    const { clientIp } = this.request
    if (this.store.enforcesUrlIps && clientIp !== undefined && parseCidr(clientIp)) {
      return [clientIp]
    }
    return this.share.allowIps ?? undefined
  }

  /** A use decided in this isolate, queued for the share's object (a lease's download names it). */
  report(outcome: UseOutcome, lease?: string): void {
    this.gate.report(
      this.ports.shares,
      this.share.id,
      {
        at: this.request.now.getTime(),
        clientIp: this.request.clientIp ?? null,
        outcome,
        country: this.request.country,
        ...(this.item ? { item: this.item } : {}),
        ...(lease ? { lease } : {}),
      },
      this.ports.waitUntil,
    )
  }

  /**
   * The refusal this isolate already knows a use meets (revoked, expired, outside the CIDRs),
   * audited as it is: such a use asks nothing of the store or the cache.
   */
  knownRefusal(): Refusal | { type: 'password'; share: ShareRecord; wrong: boolean } | null {
    const known = this.gate.snapshot(this.share.id, this.request.now.getTime())
    if (!known) return null
    const refusal = refusalOf(
      { ...this.share, ...known, maxDownloads: null },
      {
        now: this.request.now.getTime(),
        clientIp: this.request.clientIp ?? null,
        minSecondsLeft: 0,
        password: this.password,
        outcome: 'downloaded',
      },
      0,
    )
    if (!refusal) return null
    this.report(REFUSAL_OUTCOME[refusal.code])
    return this.refused(refusal)
  }

  /**
   * A refusal as the route answers it. A password link's lock is remembered in the isolate (a
   * counted link whose last uses are all lent out is busy, not locked: nothing to remember).
   */
  refused(decision: {
    code: UseRefusal
    retryAfter?: number | undefined
    busy?: boolean | undefined
  }): Refusal | { type: 'password'; share: ShareRecord; wrong: boolean } {
    const { code, retryAfter } = decision
    if (code === 'share_password_required' || code === 'share_password_invalid') {
      return { type: 'password', share: this.share, wrong: code === 'share_password_invalid' }
    }
    if (code === 'rate_limited' && retryAfter !== undefined) {
      const until = this.request.now.getTime() + retryAfter * 1000
      if (decision.busy) this.gate.markBusy(this.share.id, until)
      else if (this.share.password !== null) this.gate.lock(this.share.id, until)
      return { type: 'refused', code, retryAfter }
    }
    return { type: 'refused', code }
  }

  /**
   * Decides a use. A share is decided here from what its object said lately, and the use
   * reported in a batch; a counted share's download spends a use its object lent this isolate.
   * A password being tried, a continuation of a counted download (its session is the object's),
   * and a link not known lately ask the object.
   */
  async decide(outcome: UseKind, minSecondsLeft = 0): Promise<UseDecision> {
    const attempt = this.#attempt(outcome, minSecondsLeft)
    const decided = this.#decideHere(attempt)
    if (decided) return decided
    const spends = this.share.maxDownloads !== null && outcome === 'downloaded'
    if (!spends || this.config.shareCheckSeconds === 0) return this.#ask(attempt)
    // A counted download without a lease: one call at a time per share asks for one; the uses
    // that arrive meanwhile wait for its answer and spend from it (or learn the link is used up).
    for (let round = 0; round < MAX_LEASE_ROUNDS; round++) {
      const answer = await this.gate.oneAsks(this.share.id, () => this.#ask(attempt), LEASE_WAIT_MS)
      if ('asked' in answer) return answer.asked
      const after = this.#decideHere(attempt)
      if (after) return after
      if (!answer.answered) throw overloaded()
    }
    return this.#ask(attempt)
  }

  #attempt(outcome: UseKind, minSecondsLeft: number): Attempt {
    return {
      id: this.share.id,
      now: this.request.now.getTime(),
      clientIp: this.request.clientIp ?? null,
      outcome,
      minSecondsLeft,
      password: this.password,
      ...(this.share.password ? { passwordSalt: this.share.password.salt } : {}),
      country: this.request.country,
      ...(this.item ? { item: this.item } : {}),
    }
  }

  #decideHere(attempt: Attempt): UseDecision | undefined {
    const { share, gate } = this
    const { outcome } = attempt
    const counted = share.maxDownloads !== null
    const spends = counted && outcome === 'downloaded'
    const view = gate.snapshot(share.id, attempt.now)
    const local =
      view !== undefined &&
      (share.password === null || (this.password === 'accepted' && !this.byTicket)) &&
      !(counted && outcome === 'partial')
    if (!local) return undefined
    const lockedFor =
      view.lockedUntil === null ? 0 : Math.ceil((view.lockedUntil - attempt.now) / 1000)
    // A download's cap is the lease's (unless the object said the link is used up); anything
    // else is checked against the object's count.
    const leased = spends && view.downloads < (share.maxDownloads ?? 0)
    const known = { ...share, ...view, ...(leased ? { maxDownloads: null } : {}) }
    const busyFor = leased ? gate.busyFor(share.id, attempt.now) : 0
    const refusal =
      refusalOf(known, attempt, Math.max(0, lockedFor)) ??
      (busyFor > 0 ? { code: 'rate_limited' as const, retryAfter: busyFor } : null)
    const lease = refusal || !spends ? undefined : gate.spend(share.id, attempt.now)
    if (!refusal && spends && !lease) return undefined
    this.report(refusal ? REFUSAL_OUTCOME[refusal.code] : outcome, lease)
    // After the report: the lease's close (with the refill) must follow the uses spent from it.
    if (lease && gate.runsLow(share.id, attempt.now)) this.#refill()
    if (refusal) return { ok: false, ...refusal }
    return { ok: true, outcome, downloads: view.downloads, snapshot: view }
  }

  async #ask(attempt: Attempt): Promise<UseDecision> {
    const { outcome, now } = attempt
    const counted = this.share.maxDownloads !== null
    const { batches, lease, carried } = this.#outgoing(now)
    const decision = await this.object().use({
      ...attempt,
      ...(counted && outcome === 'downloaded' && this.config.shareCheckSeconds > 0
        ? { lease }
        : {}),
      ...carried,
    })
    this.#incoming(batches, now, decision.snapshot, decision.ok ? decision.lease : undefined)
    return decision
  }

  /**
   * Asks the share's object for the next lease before the ones held here run out, off the
   * request path (one ask at a time per share: a download that finds no lease meanwhile waits
   * for this answer rather than asking too). Carries the uses queued here.
   */
  #refill(): void {
    const { gate, share, object, ports } = this
    const lend = async () => {
      const now = Date.now()
      const { batches, lease, carried } = this.#outgoing(now)
      const answer = await object().lend({ id: share.id, now, lease, ...carried })
      if (answer) this.#incoming(batches, now, answer.snapshot, answer.lease)
      else gate.delivered(share.id, batches)
    }
    ports.waitUntil(gate.oneAsks(share.id, lend).catch(() => undefined))
  }

  /**
   * What goes with any call to the share's object: the leases that ended here (what they did not
   * spend given back), the uses queued here (first, so the audit keeps their order; taken after
   * the leases, whose closes they carry), and the lease to ask for.
   */
  #outgoing(now: number) {
    const { share, gate } = this
    const seconds = Math.min(this.config.shareCheckSeconds, MAX_LEASE_SECONDS)
    const giveBack = share.maxDownloads !== null ? gate.ended(share.id, now) : []
    const batches = gate.ride(share.id)
    return {
      batches,
      lease: { want: gate.want(share.id, now, seconds), seconds },
      carried: {
        ...(giveBack.length > 0 ? { giveBack } : {}),
        ...(batches.length > 0 ? { batches } : {}),
      },
    }
  }

  /** What the object answered: the batches it recorded, its snapshot, the lease it lent. */
  #incoming(
    batches: readonly UseBatch[],
    now: number,
    snapshot: ShareSnapshot | undefined,
    lease: Lease | undefined,
  ): void {
    const { gate, share, ports } = this
    gate.delivered(share.id, batches)
    if (snapshot) gate.learn(share.id, snapshot, now, this.config.shareCheckSeconds)
    if (lease) gate.hold(ports.shares, share.id, lease, ports.waitUntil)
  }
}
