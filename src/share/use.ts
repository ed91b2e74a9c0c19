// Using a share link (GET/HEAD /s/:id): one call to the share's Durable Object decides and records
// the use (revoked, expired, CIDRs by CF-Connecting-IP only, used up, counted) atomically; the
// object is reached through the bucket's store, as a seconds-lived URL (redirect mode, bound to
// the client's address where the store enforces it) or read and handed back (proxy mode). A use
// that gets no bytes counts nothing. Answers what happened; the route turns it into HTTP.
import type { Config } from '../config'
import { AppError, type ErrorCode } from '../errors'
import { parseCidr } from '../lib/cidr'
import { contentDisposition } from '../lib/content-disposition'
import { wholeSecondMs } from '../lib/duration'
import { PIN_CHECK_SECONDS } from '../lib/limits'
import { TtlCache } from '../lib/ttl-cache'
import type { ObjectRead, Store } from '../stores/store'
import type { ShareObject } from './object'
import { isShareId, type ShareRecord, sameVersion, type UseKind } from './record'

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
}

/** What a share's page shows: the share's own facts, and where its download may redirect. */
export type SharePageFacts = {
  share: ShareRecord
  size: number | null
  /** The origin the Download button's answer may redirect to. */
  downloadOrigin: string
}

export type ShareUseResult =
  | { type: 'refused'; code: ErrorCode }
  | { type: 'page'; page: SharePageFacts }
  | { type: 'redirect'; location: string }
  | { type: 'object'; status: 200 | 206 | 304; headers: Headers; body: ReadableStream | null }
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

function dispositionParam(share: ShareRecord): [string, string][] {
  if (share.filename === null && share.disposition === null) return []
  return [
    [
      'response-content-disposition',
      contentDisposition(share.disposition ?? 'attachment', share.filename ?? undefined),
    ],
  ]
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
  const decide = async (outcome: UseKind, minSecondsLeft = 0) =>
    object.use({
      id,
      now: now.getTime(),
      clientIp: input.clientIp ?? null,
      outcome,
      minSecondsLeft,
    })

  const config = input.config()
  const store = config.stores.get(share.bucket)
  if (!store) throw new Error('share names a bucket that is no longer configured')
  // A URL made for this use lives at most SIGNET_REDIRECT_SECONDS and never past the share.
  const nowMs = wholeSecondMs(now)
  const left = Math.floor((share.expiresAt - now.getTime()) / 1000)
  const seconds = Math.max(1, Math.min(config.redirectSeconds, left))

  // A pinned share serves only the version it recorded; a share made before pinning follows
  // its key.
  const pinned = share.pin && share.etag !== null ? share.etag : undefined
  const changed = (etag: string | null) => pinned !== undefined && !sameVersion(pinned, etag)

  if (share.page && input.wantsPage) {
    // The page counts nothing: the share's object checks and audits the view, the store says
    // the object's size.
    const decision = await decide('viewed')
    if (!decision.ok) return { type: 'refused', code: decision.code }
    const head = await store.readObject(
      share.key,
      { method: 'HEAD', headers: new Headers() },
      { overrides: [], nowMs, maxSeconds: seconds },
    )
    if (!head.ok) return { type: 'refused', code: pinned ? 'share_changed' : 'not_found' }
    if (changed(head.headers.get('etag'))) return { type: 'refused', code: 'share_changed' }
    const length = Number(head.headers.get('content-length') ?? Number.NaN)
    return {
      type: 'page',
      page: {
        share: { ...share, downloads: decision.downloads },
        size: Number.isSafeInteger(length) ? length : null,
        downloadOrigin: store.objectOrigin(input.origin.origin),
      },
    }
  }

  if (share.mode === 'redirect') {
    // An object that is not there is not a download, asked on every use where the store can
    // tell without a round trip to elsewhere (never from memory: a deleted object counts nothing).
    // A pinned share's version is checked before signing: by the store where that is free, else
    // by a HEAD remembered for at most PIN_CHECK_SECONDS. HEAD gets a URL signed for HEAD, which
    // the store refuses for GET, and counts nothing.
    let version = left < 1 ? undefined : await store.knownVersion(share.key)
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
    if (!decision.ok) return { type: 'refused', code: decision.code }
    if (decision.outcome === 'not_found_in_store') return { type: 'refused', code: 'not_found' }
    if (decision.outcome === 'changed') return { type: 'refused', code: 'share_changed' }
    const location = await store.objectUrl({
      key: share.key,
      method,
      expiresIn: seconds,
      nowMs,
      origin: input.origin,
      query: dispositionParam(share),
      // Where the store enforces signed addresses, the URL serves only the client that used the
      // link (inside the share's CIDRs, checked above): one use, one copy.
      allowIps: redirectAddresses(store, share, input.clientIp),
      // Where the store enforces it, the URL serves only the pinned version, even if the object
      // changes during its seconds.
      ifMatch: pinned,
    })
    return { type: 'redirect', location }
  }

  // A pinned read asks the store for the pinned version itself when the client set no If-Match
  // of its own: a changed object then costs no bytes, and its 412 means "changed".
  const pinByStore = pinned !== undefined && !input.headers.has('if-match')
  const headers = new Headers(input.headers)
  if (pinByStore) headers.set('if-match', pinned)
  const read = await store.readObject(
    share.key,
    { method, headers },
    { overrides: dispositionParam(share), nowMs, maxSeconds: seconds },
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
    return { type: 'refused', code: decision.ok ? 'share_changed' : decision.code }
  }
  if (!read.ok) {
    const decision = await decide(READ_FAILURE_OUTCOME[read.reason])
    if (!decision.ok) return { type: 'refused', code: decision.code }
    switch (read.reason) {
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
        const unreachable: never = read.reason
        throw new Error(`unhandled read failure ${String(unreachable)}`)
      }
    }
  }
  const decision = await decide(outcomeOf(method, read))
  if (!decision.ok) {
    await read.body?.cancel()
    return { type: 'refused', code: decision.code }
  }
  return { type: 'object', status: read.status, headers: read.headers, body: read.body }
}
