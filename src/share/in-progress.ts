// A share use in progress: the ports it reaches (the share's object, the isolate's gate, the
// store, the location's cache), the request, the share and the verdicts found so far, and the one
// way a use is decided (here from what the object said lately, or by asking it) and refused. The
// branches in use.ts serve each intent through it.
import type { Config } from '../config'
import { AppError, type ErrorCode } from '../errors'
import { parseCidr } from '../lib/cidr'
import { contentDisposition } from '../lib/content-disposition'
import { wholeSecondMs } from '../lib/duration'
import { MAX_LEASE } from '../lib/limits'
import type { Timing } from '../lib/timing'
import { meteredStore } from '../stores/metered'
import { cachedRead } from '../stores/object-cache'
import type { ObjectRead, ReadOptions, ReadRequest, Store } from '../stores/store'
import { refusalOf } from './decide'
import type { ListingPage } from './folder'
import { MAX_LEASE_SECONDS, type ShareGate } from './gate'
import type { ShareObject } from './object'
import type { PasswordVerdict } from './password'
import type { PreviewKind } from './preview'
import type { UseDecision, UseRequest } from './protocol'
import {
  REFUSAL_OUTCOME,
  type ShareRecord,
  sameVersion,
  type UseItem,
  type UseKind,
  type UseOutcome,
  type UseRefusal,
} from './record'

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

export type Refusal = { type: 'refused'; code: ErrorCode; retryAfter?: number }

/** What a share's page shows: the share's own facts, and where its download may redirect. */
export type SharePageFacts = {
  share: ShareRecord
  size: number | null
  /** The origin the Download button's answer may redirect to. */
  downloadOrigin: string
  /** How the page previews the file (null: it does not), with a text file's start. */
  preview: { kind: PreviewKind; text?: string; truncated?: boolean } | null
}

export type ShareUseResult =
  | Refusal
  /** The share asks for its password: none came, or a wrong one (a browser gets the form). */
  | { type: 'password'; share: ShareRecord; wrong: boolean }
  /** The right password came through the page's form: a ticket for the browser's cookie. */
  | { type: 'unlocked'; share: ShareRecord; ticket: { value: string; maxAge: number } }
  | { type: 'page'; page: SharePageFacts }
  /** A page of a folder share's files. */
  | { type: 'folder'; share: ShareRecord; page: ListingPage }
  /** A folder share's zip, streamed (no body for HEAD). */
  | { type: 'zip'; name: string; length: number; body: ReadableStream | null }
  | { type: 'redirect'; location: string }
  | { type: 'object'; status: 200 | 206 | 304; headers: Headers; body: ReadableStream | null }
  /** The page's preview of the file, served inline as its one media type. */
  | {
      type: 'preview'
      kind: PreviewKind
      status: 200 | 206 | 304
      headers: Headers
      body: ReadableStream | null
    }
  /** The store's own answer to a precondition or a range: status only. */
  | { type: 'unsatisfied'; status: 412 | 416 }

/** What a use brings to a decision, here or at the share's object. */
type Attempt = Omit<UseRequest, 'lease' | 'batches' | 'giveBack'>

/** How many answers about a lease a counted download waits for before it asks itself. */
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
  #store: Store | undefined

  constructor(
    readonly ports: SharePorts,
    readonly request: ShareRequest,
    readonly share: ShareRecord,
    readonly object: DurableObjectStub<ShareObject>,
    readonly password: PasswordVerdict | undefined,
    gate: ShareGate,
    target: { path?: string | undefined; zip?: boolean },
  ) {
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
      const answer = await this.gate.oneAsks(this.share.id, () => this.#ask(attempt))
      if ('asked' in answer) return answer.asked
      const after = this.#decideHere(attempt)
      if (after) return after
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
      (share.password === null || this.password === 'accepted') &&
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
    if (refusal) return { ok: false, ...refusal }
    return { ok: true, outcome, downloads: view.downloads, snapshot: view }
  }

  async #ask(attempt: Attempt): Promise<UseDecision> {
    const { share, gate } = this
    const { outcome } = attempt
    const counted = share.maxDownloads !== null
    const checkSeconds = this.config.shareCheckSeconds
    const giveBack = counted ? gate.ended(share.id, attempt.now) : []
    const lease = { want: MAX_LEASE, seconds: Math.min(checkSeconds, MAX_LEASE_SECONDS) }
    // The uses this isolate queued go first, in the same call: the audit keeps their order.
    const batches = gate.ride(share.id)
    const decision = await this.object.use({
      ...attempt,
      ...(counted && outcome === 'downloaded' && checkSeconds > 0 ? { lease } : {}),
      ...(giveBack.length > 0 ? { giveBack } : {}),
      ...(batches.length > 0 ? { batches } : {}),
    })
    gate.delivered(share.id, batches)
    if (decision.snapshot) gate.learn(share.id, decision.snapshot, attempt.now, checkSeconds)
    if (decision.ok && decision.lease) {
      gate.hold(this.ports.shares, share.id, decision.lease, this.ports.waitUntil)
    }
    return decision
  }
}

/** The name a share's page shows: its filename, or the last segment of its key (or prefix). */
export function shownName(share: ShareRecord): string {
  return share.filename ?? lastSegment(share.key)
}

function lastSegment(key: string): string {
  return key.split('/').filter(Boolean).pop() ?? key
}

/** Every proxied read the store refuses is audited as what it was. */
export const READ_FAILURE_OUTCOME = {
  not_found: 'not_found_in_store',
  precondition_failed: 'precondition_failed',
  invalid_range: 'range_not_satisfiable',
  bad_condition: 'bad_request',
} as const satisfies Record<Extract<ObjectRead, { ok: false }>['reason'], UseKind>

/** A store's refusal of a proxied read, answered as the store answered it (or as a bad request). */
export function readFailure(
  reason: Extract<ObjectRead, { ok: false }>['reason'],
): Refusal | { type: 'unsatisfied'; status: 412 | 416 } {
  switch (reason) {
    case 'not_found':
      return { type: 'refused', code: 'not_found' }
    case 'precondition_failed':
      return { type: 'unsatisfied', status: 412 }
    case 'invalid_range':
      return { type: 'unsatisfied', status: 416 }
    case 'bad_condition':
      throw new AppError(
        'invalid_request',
        'If-Match and If-None-Match must be * or entity tags like "abc".',
      )
    default: {
      const unreachable: never = reason
      throw new Error(`unhandled read failure ${String(unreachable)}`)
    }
  }
}
