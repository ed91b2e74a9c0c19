// Using a share link (GET/HEAD /s/:id): one call to the share's Durable Object decides and records
// the use (revoked, expired, CIDRs by CF-Connecting-IP only, used up, counted) atomically; the
// object is reached through the bucket's store, as a seconds-lived URL (redirect mode, bound to
// the client's address where the store enforces it) or read and handed back (proxy mode). A use
// that gets no bytes counts nothing. A password-protected share is opened by its password (or
// the ticket a browser got for it) before anything else is asked of its object or its store.
// Answers what happened; the route turns it into HTTP.
import type { Config } from '../config'
import { AppError, type ErrorCode } from '../errors'
import { parseCidr } from '../lib/cidr'
import { contentDisposition } from '../lib/content-disposition'
import { wholeSecondMs } from '../lib/duration'
import { MAX_LEASE, PIN_CHECK_SECONDS, TEXT_PREVIEW_BYTES } from '../lib/limits'
import type { Timing } from '../lib/timing'
import { TtlCache } from '../lib/ttl-cache'
import { meteredStore } from '../stores/metered'
import { cachedRead, type ObjectCache } from '../stores/object-cache'
import type { ObjectRead, ReadOptions, ReadRequest, Store } from '../stores/store'
import { REFUSAL_OUTCOME, refusalOf, type UseRefusal } from './decide'
import { type FolderPage, folderPage, planZip, zipName, zipStream } from './folder'
import { MAX_LEASE_SECONDS, type ShareGate, shareGate } from './gate'
import type { ShareObject, UseDecision } from './object'
import { issueTicket, type PasswordVerdict, passwordVerdict } from './password'
import { mediaTypeOf, type PreviewKind, previewKind } from './preview'
import {
  fileItem,
  isShareId,
  type ShareRecord,
  sameVersion,
  type UseItem,
  type UseKind,
  type UseOutcome,
} from './record'

export type ShareUseInput = {
  shares: DurableObjectNamespace<ShareObject>
  /** Read only once a share is found: an unknown link never depends on the configuration. */
  config: () => Config
  id: string
  method: 'GET' | 'HEAD'
  headers: Headers
  clientIp: string | undefined
  now: Date
  /** This Worker's origin, for stores Signet serves itself. */
  origin: URL
  /** A browser or a link-preview bot: a share with a page answers with it and counts nothing. */
  wantsPage: boolean
  /** The page's Download button: the file comes as an attachment, whatever its type. */
  button: boolean
  /** The share page's preview of the file (`?preview`): honoured only where a page may show one. */
  preview: boolean
  /**
   * A folder share's file, relative to its prefix, as `folderPath` read it from the link
   * (undefined: the link itself, which for a folder is its listing or its zip).
   */
  path?: string | undefined
  /** A folder share's zip of every file (`?download=zip`). */
  zip?: boolean
  /** Which page of a folder's listing (`?cursor=`, from the last page). */
  cursor?: string | undefined
  /** What the request brings for a password-protected share: the password, or a page ticket. */
  password: string | undefined
  ticket: string | undefined
  /** The page's password form was sent: answer with a ticket, not the file. */
  unlock: boolean
  /** The client's country where the edge says it, for the share's stats. */
  country: string | null
  /** Keeps the isolate alive for work after the answer (the batches of uses). */
  waitUntil: (promise: Promise<unknown>) => void
  /** The location's cache, for proxied bytes (absent: every read goes to the store). */
  cache?: Cache | undefined
  /** The request's Server-Timing: round trips to the store, and the cache's hit or miss. */
  timing?: Timing | undefined
  /** What this isolate knows of shares (tests give each simulated isolate its own). */
  gate?: ShareGate
}

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
  | { type: 'refused'; code: ErrorCode; retryAfter?: number }
  /** The share asks for its password: none came, or a wrong one (a browser gets the form). */
  | { type: 'password'; share: ShareRecord; wrong: boolean }
  /** The right password came through the page's form: a ticket for the browser's cookie. */
  | { type: 'unlocked'; share: ShareRecord; ticket: { value: string; maxAge: number } }
  | { type: 'page'; page: SharePageFacts }
  /** A page of a folder share's files. */
  | { type: 'folder'; share: ShareRecord; page: FolderPage }
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

/** The stub of a share's Durable Object: one object per share id. */
export function shareObject(namespace: DurableObjectNamespace<ShareObject>, id: string) {
  return namespace.get(namespace.idFromName(id))
}

/**
 * What never changes about a share (object, mode, expiry, CIDRs, cap), kept in the isolate so a
 * warm use is one call to the share's object. Bounded; an entry lives until its share expires.
 */
const facts = new TtlCache<string, ShareRecord>(10_000)

async function shareFacts(
  object: ReturnType<typeof shareObject>,
  id: string,
  nowMs: number,
): Promise<ShareRecord | undefined> {
  const known = facts.get(id, nowMs)
  if (known) return known
  const share = (await object.read(id)) ?? undefined
  if (share) facts.set(id, share, share.expiresAt)
  return share
}

/**
 * A pinned share's current version where the store says it only through a round trip (a remote
 * store's HEAD): remembered per isolate for at most PIN_CHECK_SECONDS, so a busy link asks about
 * once every PIN_CHECK_SECONDS. null: the object is gone.
 */
const versions = new TtlCache<string, { etag: string | null }>(10_000)

async function pinnedVersion(store: Store, share: ShareRecord, nowMs: number) {
  const known = versions.get(share.id, nowMs)
  if (known) return known.etag
  const head = await store.headObject(share.key, nowMs)
  const etag = head?.etag ?? null
  versions.set(share.id, { etag }, nowMs + PIN_CHECK_SECONDS * 1000)
  return etag
}

/**
 * The Content-Disposition a use asks the store for: the share's own, else (for the page's
 * Download button) an attachment under the name the page showed, else none.
 */
function dispositionParam(share: ShareRecord, key: string, button: boolean): [string, string][] {
  const filename = share.filename ?? (button ? lastSegment(key) : null)
  const disposition = share.disposition ?? (button ? 'attachment' : null)
  if (filename === null && disposition === null) return []
  return [
    [
      'response-content-disposition',
      contentDisposition(disposition ?? 'attachment', filename ?? undefined),
    ],
  ]
}

/** The name a share's page shows: its filename, or the last segment of its key (or prefix). */
export function shownName(share: ShareRecord): string {
  return share.filename ?? lastSegment(share.key)
}

function lastSegment(key: string): string {
  return key.split('/').filter(Boolean).pop() ?? key
}

/**
 * Which use a store answer is. Bytes from 0 are a download; a range from further in is partial,
 * which the share's object counts only outside the client's download session.
 */
function outcomeOf(method: string, read: Extract<ObjectRead, { ok: true }>): UseKind {
  if (method === 'HEAD') return 'head'
  if (read.status === 304) return 'not_modified'
  if (read.status === 206 && !/^bytes 0-/.test(read.headers.get('Content-Range') ?? '')) {
    return 'partial'
  }
  return 'downloaded'
}

/** How many answers about a lease a counted download waits for before it asks itself. */
const MAX_LEASE_ROUNDS = 100

/** Every proxied read the store refuses is audited as what it was. */
const READ_FAILURE_OUTCOME = {
  not_found: 'not_found_in_store',
  precondition_failed: 'precondition_failed',
  invalid_range: 'range_not_satisfiable',
  bad_condition: 'bad_request',
} as const satisfies Record<Extract<ObjectRead, { ok: false }>['reason'], UseKind>

/**
 * The addresses a redirect URL is bound to: the client's own where the store enforces URL-bound
 * addresses and the client's address is known; else the share's CIDRs (policy hints say who
 * enforces them).
 */
function redirectAddresses(
  store: Store,
  share: ShareRecord,
  clientIp: string | undefined,
): string[] | undefined {
  if (store.enforcesUrlIps && clientIp !== undefined && parseCidr(clientIp)) return [clientIp]
  return share.allowIps ?? undefined
}

export async function useShare(input: ShareUseInput): Promise<ShareUseResult> {
  const { id, method, now } = input
  // Malformed and unknown ids get the same answer: no hint which.
  if (!isShareId(id)) return { type: 'refused', code: 'not_found' }
  const object = shareObject(input.shares, id)
  const share = await shareFacts(object, id, now.getTime())
  if (!share) return { type: 'refused', code: 'not_found' }
  // A path names a file of a folder share; a one-object share has none.
  if (input.path !== undefined && !share.folder) return { type: 'refused', code: 'not_found' }
  // What the use is for: the object (a one-object share), a folder's file or its zip.
  const key = share.folder && input.path !== undefined ? share.key + input.path : share.key
  const item: UseItem | undefined = !share.folder
    ? undefined
    : input.path !== undefined
      ? fileItem(input.path)
      : input.zip
        ? 'zip'
        : undefined

  const gate = input.gate ?? shareGate
  // A password link this isolate knows is locked: a guess costs no hash and no call.
  const lockedFor = share.password === null ? 0 : gate.lockedFor(id, now.getTime())
  if (lockedFor > 0) return { type: 'refused', code: 'rate_limited', retryAfter: lockedFor }
  const password = await passwordVerdict(share.password, share.id, input, now.getTime())
  // Read only once a share is found: an unknown link never depends on the configuration.
  const config = input.config()
  // A use decided in this isolate, queued for the share's object (a lease's download names it).
  const reportHere = (outcome: UseOutcome, lease?: string) =>
    gate.report(
      input.shares,
      id,
      {
        at: now.getTime(),
        clientIp: input.clientIp ?? null,
        outcome,
        country: input.country,
        ...(item ? { item } : {}),
        ...(lease ? { lease } : {}),
      },
      input.waitUntil,
    )
  const decide = async (outcome: UseKind, minSecondsLeft = 0): Promise<UseDecision> => {
    const attempt = {
      id,
      now: now.getTime(),
      clientIp: input.clientIp ?? null,
      outcome,
      minSecondsLeft,
      password,
      country: input.country,
      ...(item ? { item } : {}),
    }
    // A share is decided here from what its object said lately, and the use reported in a
    // batch; a counted share's download spends a use its object lent this isolate. A password
    // being tried, a continuation of a counted download (its session is the object's), and a
    // link not known lately ask the object.
    const counted = share.maxDownloads !== null
    const spends = counted && outcome === 'downloaded'
    const checkSeconds = config.shareCheckSeconds
    const here = (): UseDecision | undefined => {
      const view = gate.view(id, attempt.now)
      const local =
        view !== undefined &&
        (share.password === null || password === 'accepted') &&
        !(counted && outcome === 'partial')
      if (!local) return undefined
      const lockedFor =
        view.lockedUntil === null ? 0 : Math.ceil((view.lockedUntil - attempt.now) / 1000)
      // A download's cap is the lease's (unless the object said the link is used up); anything
      // else is checked against the object's count.
      const leased = spends && view.downloads < (share.maxDownloads ?? 0)
      const known = { ...share, ...view, ...(leased ? { maxDownloads: null } : {}) }
      const busyFor = leased ? gate.busyFor(id, attempt.now) : 0
      const refusal =
        refusalOf(known, attempt, Math.max(0, lockedFor)) ??
        (busyFor > 0 ? { code: 'rate_limited' as const, retryAfter: busyFor } : null)
      const lease = refusal || !spends ? undefined : gate.spend(id, attempt.now)
      if (!refusal && spends && !lease) return undefined
      reportHere(refusal ? REFUSAL_OUTCOME[refusal.code] : outcome, lease)
      if (refusal) return { ok: false, ...refusal }
      return { ok: true, outcome, downloads: view.downloads, view }
    }
    const ask = async (): Promise<UseDecision> => {
      const giveBack = counted ? gate.ended(id, attempt.now) : []
      const lease = { want: MAX_LEASE, seconds: Math.min(checkSeconds, MAX_LEASE_SECONDS) }
      // The uses this isolate queued go first, in the same call: the audit keeps their order.
      const batches = gate.ride(id)
      const decision = await object.use({
        ...attempt,
        ...(spends && checkSeconds > 0 ? { lease } : {}),
        ...(giveBack.length > 0 ? { giveBack } : {}),
        ...(batches.length > 0 ? { batches } : {}),
      })
      gate.delivered(id, batches)
      if (decision.view) gate.learn(id, decision.view, attempt.now, checkSeconds)
      if (decision.ok && decision.lease) {
        gate.hold(input.shares, id, decision.lease, input.waitUntil)
      }
      return decision
    }
    const decided = here()
    if (decided) return decided
    if (!spends || checkSeconds === 0) return ask()
    // A counted download without a lease: one call at a time per share asks for one; the uses
    // that arrive meanwhile wait for its answer and spend from it (or learn the link is used up).
    for (let round = 0; round < MAX_LEASE_ROUNDS; round++) {
      const answer = await gate.oneAsks(id, ask)
      if ('asked' in answer) return answer.asked
      const after = here()
      if (after) return after
    }
    return ask()
  }
  const refused = (decision: Extract<UseDecision, { ok: false }>): ShareUseResult =>
    refusal(share, decision, now.getTime(), gate)

  // Without the password, nothing is asked of the store: the object refuses (or locks) at once.
  if (password === 'missing' || password === 'wrong') {
    const decision = await decide('viewed')
    if (decision.ok) throw new Error("a share's object let a use in without its password")
    return refused(decision)
  }
  if (input.unlock && share.password !== null) {
    const decision = await decide('unlocked')
    if (!decision.ok) return refused(decision)
    const ticket = await issueTicket(share.password, id, now.getTime(), share.expiresAt)
    return { type: 'unlocked', share, ticket }
  }

  const configured = config.stores.get(share.bucket)
  if (!configured) throw new Error('share names a bucket that is no longer configured')
  const store = input.timing ? meteredStore(configured, input.timing) : configured
  // Bytes Signet serves itself come through the location's cache, after the checks.
  const objects: ObjectCache | undefined =
    input.cache && config.objectCacheSeconds > 0
      ? {
          cache: input.cache,
          seconds: config.objectCacheSeconds,
          waitUntil: input.waitUntil,
          noted: (result) => input.timing?.noteCache(result),
        }
      : undefined
  const readBytes = (request: ReadRequest, options: ReadOptions) =>
    objects
      ? cachedRead(store, share.bucket, key, request, options, objects)
      : store.readObject(key, request, options)
  // A URL made for this use lives at most SIGNET_REDIRECT_SECONDS and never past the share.
  const nowMs = wholeSecondMs(now)
  const left = Math.floor((share.expiresAt - now.getTime()) / 1000)
  const seconds = Math.max(1, Math.min(config.redirectSeconds, left))

  // A pinned share serves only the version it recorded; a share made before pinning follows
  // its key.
  const pinned = share.pin && share.etag !== null ? share.etag : undefined
  const changed = (etag: string | null) => pinned !== undefined && !sameVersion(pinned, etag)

  if (share.folder && input.path === undefined) {
    return folderUse({ input, share, store, decide, refused, gate, reportHere, nowMs, seconds })
  }

  // A counted share shows no preview: it would be a free download. A folder's page is its
  // listing: its files have no page of their own.
  const previews = share.page && share.maxDownloads === null && !share.folder
  if (input.preview && previews) {
    return previewUse({
      input,
      share,
      readBytes,
      pinned,
      changed,
      decide,
      refused,
      nowMs,
      seconds,
    })
  }

  if (share.page && input.wantsPage && !share.folder) {
    // The page counts nothing: the share's object checks and audits the view, the store says
    // the object's size.
    const decision = await decide('viewed')
    if (!decision.ok) return refused(decision)
    const head = await store.readObject(
      share.key,
      { method: 'HEAD', headers: new Headers() },
      { overrides: [], nowMs, maxSeconds: seconds },
    )
    if (!head.ok) return { type: 'refused', code: pinned ? 'share_changed' : 'not_found' }
    if (changed(head.headers.get('etag'))) return { type: 'refused', code: 'share_changed' }
    const length = Number(head.headers.get('content-length') ?? Number.NaN)
    const kind = previews ? previewKind(head.headers.get('content-type')) : null
    let preview: SharePageFacts['preview'] = kind ? { kind } : null
    if (kind === 'text') {
      // The start of a text file is shown in the page itself: one read, audited as a preview.
      const headers = new Headers({ range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` })
      if (pinned) headers.set('if-match', pinned)
      const read = await readBytes(
        { method: 'GET', headers },
        { overrides: [], nowMs, maxSeconds: seconds },
      )
      const shown = read.ok ? await decide('previewed') : undefined
      if (read.ok && shown?.ok && read.body) {
        const bytes = new Uint8Array(await new Response(read.body).arrayBuffer())
        const text = new TextDecoder('utf-8').decode(bytes.subarray(0, TEXT_PREVIEW_BYTES))
        preview = { kind, text, truncated: Number.isSafeInteger(length) && length > bytes.length }
      } else {
        if (read.ok) await read.body?.cancel()
        preview = null
      }
    }
    return {
      type: 'page',
      page: {
        share: { ...share, downloads: decision.downloads },
        size: Number.isSafeInteger(length) ? length : null,
        downloadOrigin: store.objectOrigin(input.origin.origin),
        preview,
      },
    }
  }

  if (share.mode === 'redirect') {
    // An object that is not there is not a download, asked on every use where the store can
    // tell without a round trip to elsewhere (never from memory: a deleted object counts nothing).
    // A pinned share's version is checked before signing: by the store where that is free, else
    // by a HEAD remembered for at most PIN_CHECK_SECONDS. HEAD gets a URL signed for HEAD, which
    // the store refuses for GET, and counts nothing.
    let version = left < 1 ? undefined : await store.knownVersion(key)
    if (version === undefined && pinned && left >= 1) {
      version = await pinnedVersion(store, share, nowMs)
    }
    const outcome: UseKind =
      version === null
        ? pinned
          ? 'changed'
          : 'not_found_in_store'
        : version !== undefined && changed(version)
          ? 'changed'
          : method === 'HEAD'
            ? 'head'
            : 'downloaded'
    // Under a second left is expired for a redirect: its URL could not live at all.
    const decision = await decide(outcome, 1)
    if (!decision.ok) return refused(decision)
    if (decision.outcome === 'not_found_in_store') return { type: 'refused', code: 'not_found' }
    if (decision.outcome === 'changed') return { type: 'refused', code: 'share_changed' }
    const location = await store.objectUrl({
      key,
      method,
      expiresIn: seconds,
      nowMs,
      origin: input.origin,
      query: dispositionParam(share, key, input.button),
      // Where the store enforces signed addresses, the URL serves only the client that used the
      // link (inside the share's CIDRs, checked above): one use, one copy.
      allowIps: redirectAddresses(store, share, input.clientIp),
      // Where the store enforces it, the URL serves only the pinned version, even if the object
      // changes during its seconds.
      ifMatch: pinned,
    })
    return { type: 'redirect', location }
  }

  // A use this isolate already knows is refused (revoked, expired, outside the CIDRs) asks
  // nothing of the store or the cache: it is refused, and audited, as it is.
  const early = knownRefusal(input, share, gate, password)
  if (early) {
    reportHere(REFUSAL_OUTCOME[early.code])
    return refused({ ok: false, ...early })
  }
  // A pinned read asks the store for the pinned version itself when the client set no If-Match
  // of its own: a changed object then costs no bytes, and its 412 means "changed".
  const pinByStore = pinned !== undefined && !input.headers.has('if-match')
  const headers = new Headers(input.headers)
  if (pinByStore) headers.set('if-match', pinned)
  const read = await readBytes(
    { method, headers },
    { overrides: dispositionParam(share, key, input.button), nowMs, maxSeconds: seconds },
  )
  const gone =
    !read.ok &&
    (read.reason === 'not_found' || (pinByStore && read.reason === 'precondition_failed'))
  // A 304 is of the pinned version when the store checked our If-Match; else by its ETag, if any.
  const otherVersion =
    read.ok &&
    (read.status === 304
      ? !pinByStore && read.headers.has('etag') && changed(read.headers.get('etag'))
      : changed(read.headers.get('etag')))
  if (pinned && (gone || otherVersion)) {
    if (read.ok) await read.body?.cancel()
    const decision = await decide('changed')
    return decision.ok ? { type: 'refused', code: 'share_changed' } : refused(decision)
  }
  if (!read.ok) {
    const decision = await decide(READ_FAILURE_OUTCOME[read.reason])
    if (!decision.ok) return refused(decision)
    return readFailure(read.reason)
  }
  const decision = await decide(outcomeOf(method, read))
  if (!decision.ok) {
    await read.body?.cancel()
    return refused(decision)
  }
  return { type: 'object', status: read.status, headers: read.headers, body: read.body }
}

/** The refusal this isolate already knows a use meets (revoked, expired, outside the CIDRs). */
function knownRefusal(
  input: ShareUseInput,
  share: ShareRecord,
  gate: ShareGate,
  password: PasswordVerdict | undefined,
) {
  const known = gate.view(share.id, input.now.getTime())
  return known
    ? refusalOf(
        { ...share, ...known, maxDownloads: null },
        {
          now: input.now.getTime(),
          clientIp: input.clientIp ?? null,
          minSecondsLeft: 0,
          password,
          outcome: 'downloaded',
        },
        0,
      )
    : null
}

/**
 * A folder share's link itself: a page of its listing (a view, counting nothing), or its zip (one
 * download, counted once). The zip's whole listing is made first, so a folder past the zip's
 * limits is refused (413) before anything is counted or sent; a use this isolate already knows is
 * refused asks nothing of the store.
 */
async function folderUse(args: {
  input: ShareUseInput
  share: ShareRecord
  store: Store
  decide: (outcome: UseKind) => Promise<UseDecision>
  refused: (decision: Extract<UseDecision, { ok: false }>) => ShareUseResult
  gate: ShareGate
  reportHere: (outcome: UseOutcome) => void
  nowMs: number
  seconds: number
}): Promise<ShareUseResult> {
  const { input, share, store, decide, refused } = args
  if (!input.zip) {
    const decision = await decide('viewed')
    if (!decision.ok) return refused(decision)
    const page = await folderPage(store, share.key, input.cursor, args.nowMs)
    return { type: 'folder', share: { ...share, downloads: decision.downloads }, page }
  }
  const early = knownRefusal(input, share, args.gate, 'accepted')
  if (early) {
    args.reportHere(REFUSAL_OUTCOME[early.code])
    return refused({ ok: false, ...early })
  }
  const plan = await planZip(store, share.key, input.config().zipLimits, args.nowMs)
  const head = input.method === 'HEAD'
  const decision = await decide(head ? 'head' : 'downloaded')
  if (!decision.ok) return refused(decision)
  return {
    type: 'zip',
    name: zipName(share.key),
    length: plan.length,
    body: head
      ? null
      : zipStream(store, share.key, plan, { nowMs: args.nowMs, maxSeconds: args.seconds }),
  }
}

/**
 * A refusal as the route answers it. A password link's lock is remembered in the isolate (a
 * counted link whose last uses are all lent out is busy, not locked: nothing to remember).
 */
function refusal(
  share: ShareRecord,
  decision: { code: UseRefusal; retryAfter?: number | undefined; busy?: boolean | undefined },
  nowMs: number,
  gate: ShareGate,
): ShareUseResult {
  const { code, retryAfter } = decision
  if (code === 'share_password_required' || code === 'share_password_invalid') {
    return { type: 'password', share, wrong: code === 'share_password_invalid' }
  }
  if (code === 'rate_limited' && retryAfter !== undefined) {
    if (decision.busy) gate.markBusy(share.id, nowMs + retryAfter * 1000)
    else if (share.password !== null) gate.lock(share.id, nowMs + retryAfter * 1000)
    return { type: 'refused', code, retryAfter }
  }
  return { type: 'refused', code }
}

/** A store's refusal of a proxied read, answered as the store answered it (or as a bad request). */
function readFailure(reason: Extract<ObjectRead, { ok: false }>['reason']): ShareUseResult {
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

/**
 * The share page's preview (`?preview`) of an uncounted share: the object's bytes through Signet,
 * inline, as the one media type it previews as (with Range, for video and audio), after the same
 * checks as a download, audited as `previewed` and counting nothing.
 */
async function previewUse(args: {
  input: ShareUseInput
  share: ShareRecord
  readBytes: (request: ReadRequest, options: ReadOptions) => Promise<ObjectRead>
  pinned: string | undefined
  changed: (etag: string | null) => boolean
  decide: (outcome: UseKind) => Promise<UseDecision>
  refused: (decision: Extract<UseDecision, { ok: false }>) => ShareUseResult
  nowMs: number
  seconds: number
}): Promise<ShareUseResult> {
  const { input, pinned, decide, refused } = args
  const headers = new Headers()
  const range = input.headers.get('range')
  if (range) headers.set('range', range)
  if (pinned) headers.set('if-match', pinned)
  const read = await args.readBytes(
    { method: input.method, headers },
    { overrides: [], nowMs: args.nowMs, maxSeconds: args.seconds },
  )
  if (!read.ok) {
    const changedNow =
      pinned !== undefined && (read.reason === 'not_found' || read.reason === 'precondition_failed')
    const decision = await decide(changedNow ? 'changed' : READ_FAILURE_OUTCOME[read.reason])
    if (!decision.ok) return refused(decision)
    return changedNow ? { type: 'refused', code: 'share_changed' } : readFailure(read.reason)
  }
  const kind = previewKind(read.headers.get('content-type'))
  if (!kind || kind === 'text' || args.changed(read.headers.get('etag'))) {
    // Only what the page shows from here: never a type it would not preview.
    await read.body?.cancel()
    return { type: 'refused', code: kind === 'text' || !kind ? 'not_found' : 'share_changed' }
  }
  const decision = await decide('previewed')
  if (!decision.ok) {
    await read.body?.cancel()
    return refused(decision)
  }
  const answer = new Headers()
  for (const name of [
    'content-length',
    'content-range',
    'etag',
    'last-modified',
    'accept-ranges',
  ]) {
    const value = read.headers.get(name)
    if (value !== null) answer.set(name, value)
  }
  answer.set('content-type', mediaTypeOf(read.headers.get('content-type')))
  answer.set('content-disposition', 'inline')
  return { type: 'preview', kind, status: read.status, headers: answer, body: read.body }
}
