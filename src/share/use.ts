// Using a share link (GET/HEAD/POST /s/:id): the intent is decided once (intent.ts), then each
// intent is served through a use in progress (in-progress.ts), whose one call to the share's
// Durable Object decides and records the use (revoked, expired, CIDRs by CF-Connecting-IP only,
// used up, counted) atomically, or which decides it from what the object said lately. The object
// is reached through the bucket's store, as a seconds-lived URL (redirect mode, bound to the
// client's address where the store enforces it) or read and handed back (proxy mode). A use that
// gets no bytes counts nothing. A password-protected share is opened by its password (or the
// ticket a browser got for it) before anything else is asked of its object or its store.
// Answers what happened; the route turns it into HTTP.
import { TtlCache } from '../lib/ttl-cache'
import type { ObjectRead } from '../stores/store'
import { folderPage, planZip, zipName, zipStream } from './folder'
import { type ShareGate, shareGate } from './gate'
import { type SharePorts, type ShareRequest, ShareUse } from './in-progress'
import { intentOf, type UseAsk } from './intent'
import type { ShareObject } from './object'
import { servePage, servePreview } from './page-use'
import { issueTicket, passwordVerdict } from './password'
import { isShareId, type ShareRecord, type UseKind } from './record'
import {
  READ_FAILURE_OUTCOME,
  readFailure,
  type SharePageFacts,
  type ShareUseResult,
} from './results'

export { shownName } from './results'
export type { SharePageFacts, SharePorts, ShareRequest, ShareUseResult, UseAsk }

/** A use of a share link: what it reaches, the request, and what the request asks. */
export type ShareUseInput = { ports: SharePorts; request: ShareRequest; ask: UseAsk }

/** The stub of a share's Durable Object: one object per share id. */
export function shareObject(namespace: DurableObjectNamespace<ShareObject>, id: string) {
  return namespace.get(namespace.idFromName(id))
}

/**
 * A share's record (object, mode, expiry, CIDRs, cap, password), kept in the isolate so a warm
 * use calls nothing: it changes only by an edit, whose revision the object's snapshot carries.
 * Bounded; an entry lives until its share expires.
 */
const facts = new TtlCache<string, ShareRecord>(10_000)
/** Reads of a share's facts under way: a link many requests reach at once is read once. */
const reading = new Map<string, Promise<ShareRecord | undefined>>()

/** An edit made here: this isolate reads the share again on its next use, and asks its object. */
export function forgetShare(id: string, gate: ShareGate = shareGate): void {
  facts.delete(id)
  gate.forget(id)
}

/**
 * The share as this isolate knows it; read again when its object said (within the last
 * SIGNET_SHARE_CHECK_SECONDS) that it was edited since.
 */
async function shareFacts(
  object: () => ReturnType<typeof shareObject>,
  id: string,
  nowMs: number,
  gate: ShareGate,
): Promise<ShareRecord | undefined> {
  const known = facts.get(id, nowMs)
  const revision = gate.snapshot(id, nowMs)?.revision
  if (known && (revision === undefined || revision === known.revision)) return known
  const under = reading.get(id)
  if (under) return under
  const read = (async () => {
    try {
      const share = (await object().read(id)) ?? undefined
      if (share) facts.set(id, share, share.expiresAt)
      return share
    } finally {
      reading.delete(id)
    }
  })()
  reading.set(id, read)
  return read
}

export async function useShare({ ports, request, ask }: ShareUseInput): Promise<ShareUseResult> {
  const { id, now } = request
  // Malformed and unknown ids get the same answer: no hint which.
  if (!isShareId(id)) return { type: 'refused', code: 'not_found' }
  // The stub is made only when the object is called: a warm use decided here calls none.
  let stub: ReturnType<typeof shareObject> | undefined
  const object = () => {
    stub ??= shareObject(ports.shares, id)
    return stub
  }
  const gate = ports.gate ?? shareGate
  const share = await shareFacts(object, id, now.getTime(), gate)
  if (!share) return { type: 'refused', code: 'not_found' }
  // A path names a file of a folder share; a one-object share has none.
  if (ask.path !== undefined && !share.folder) return { type: 'refused', code: 'not_found' }
  const intent = intentOf(ask, share)
  // A password link this isolate knows is locked: a guess costs no hash and no call.
  const lockedFor = share.password === null ? 0 : gate.lockedFor(id, now.getTime())
  if (lockedFor > 0) return { type: 'refused', code: 'rate_limited', retryAfter: lockedFor }
  const password = await passwordVerdict(share.password, id, request, now.getTime())
  const use = new ShareUse(ports, request, share, object, password, gate, {
    path: intent.kind === 'file' ? intent.path : undefined,
    zip: intent.kind === 'zip',
    byTicket: password === 'accepted' && request.password === undefined,
  })
  // Without the password, nothing is asked of the store: the object refuses (or locks) at once.
  if (password === 'missing' || password === 'wrong') {
    const decision = await use.decide('viewed')
    if (decision.ok) throw new Error("a share's object let a use in without its password")
    return use.refused(decision)
  }
  switch (intent.kind) {
    case 'unlock':
      return unlock(use)
    case 'list':
      return list(use, intent.cursor)
    case 'zip':
      return zip(use)
    case 'preview':
      return servePreview(use)
    case 'page':
      return servePage(use)
    case 'button':
      return download(use, true)
    case 'get':
      return download(use, false)
    case 'file':
      return download(use, intent.attachment)
    default: {
      const unreachable: never = intent
      throw new Error(`unhandled share intent ${String(unreachable)}`)
    }
  }
}

/** The page's password form, with the right password: a ticket for the browser's cookie. */
async function unlock(use: ShareUse): Promise<ShareUseResult> {
  const { share } = use
  const decision = await use.decide('unlocked')
  if (!decision.ok) return use.refused(decision)
  if (share.password === null) throw new Error('unlock intent on a share without a password')
  const now = use.request.now.getTime()
  const ticket = await issueTicket(share.password, share.id, now, share.expiresAt)
  return { type: 'unlocked', share, ticket }
}

/** A page of a folder share's listing: a view, counting nothing. */
async function list(use: ShareUse, cursor: string | undefined): Promise<ShareUseResult> {
  const decision = await use.decide('viewed')
  if (!decision.ok) return use.refused(decision)
  const page = await folderPage(use.store, use.share.key, cursor, use.nowMs)
  return { type: 'folder', share: { ...use.share, downloads: decision.downloads }, page }
}

/**
 * A folder share's zip: one download, counted once. The zip's whole listing is made first, so a
 * folder past the zip's limits is refused (413) before anything is counted or sent; a use this
 * isolate already knows is refused asks nothing of the store.
 */
async function zip(use: ShareUse): Promise<ShareUseResult> {
  const early = use.knownRefusal()
  if (early) return early
  const { store, share } = use
  const plan = await planZip(store, share.key, use.config.zipLimits, use.nowMs)
  const head = use.request.method === 'HEAD'
  const decision = await use.decide(head ? 'head' : 'downloaded')
  if (!decision.ok) return use.refused(decision)
  return {
    type: 'zip',
    name: zipName(share.key),
    length: plan.length,
    body: head ? null : zipStream(store, share.key, plan, use.readOptions()),
  }
}

/** The object (or a folder's file), by a seconds-lived URL or through Signet, as its mode says. */
function download(use: ShareUse, attachment: boolean): Promise<ShareUseResult> {
  return use.share.mode === 'redirect' ? redirect(use, attachment) : proxy(use, attachment)
}

/**
 * A pinned share's version is checked before signing, against what the location last learnt of
 * the object within SIGNET_OBJECT_CACHE_SECONDS (no round trip on a warm use; a replaced or
 * deleted object is refused as changed within that window). An unpinned share's object that is
 * not there is not a download, asked on every use where the store can tell without a round trip
 * to elsewhere (an R2 binding). HEAD gets a URL signed for HEAD, which the store refuses for GET,
 * and counts nothing.
 */
async function redirect(use: ShareUse, attachment: boolean): Promise<ShareUseResult> {
  const { store, key, pinned, request } = use
  const version =
    use.left < 1 ? undefined : pinned ? await use.currentVersion() : await store.knownVersion(key)
  const outcome: UseKind =
    version === null
      ? pinned
        ? 'changed'
        : 'not_found_in_store'
      : version !== undefined && use.changed(version)
        ? 'changed'
        : request.method === 'HEAD'
          ? 'head'
          : 'downloaded'
  // Under a second left is expired for a redirect: its URL could not live at all.
  const decision = await use.decide(outcome, 1)
  if (!decision.ok) return use.refused(decision)
  if (decision.outcome === 'not_found_in_store') return { type: 'refused', code: 'not_found' }
  if (decision.outcome === 'changed') return { type: 'refused', code: 'share_changed' }
  const location = await store.objectUrl({
    key,
    method: request.method,
    expiresIn: use.seconds,
    nowMs: use.nowMs,
    origin: request.origin,
    query: use.disposition(attachment),
    // Where the store enforces signed addresses, the URL serves only the client that used the
    // link (inside the share's CIDRs, checked above): one use, one copy.
    allowIps: use.redirectAddresses(),
    // Where the store enforces it, the URL serves only the pinned version, even if the object
    // changes during its seconds.
    ifMatch: pinned,
  })
  return { type: 'redirect', location }
}

/**
 * Which use a store answer is. Bytes from 0 are a download; a range from further in is partial,
 * which the share's object counts only outside the client's download session.
 */
function readOutcome(method: string, read: Extract<ObjectRead, { ok: true }>): UseKind {
  if (method === 'HEAD') return 'head'
  if (read.status === 304) return 'not_modified'
  if (read.status === 206 && !/^bytes 0-/.test(read.headers.get('Content-Range') ?? '')) {
    return 'partial'
  }
  return 'downloaded'
}

/**
 * The object's bytes through Signet. A use this isolate already knows is refused asks nothing of
 * the store or the cache. A pinned read asks the store for the pinned version itself when the
 * client set no If-Match of its own: a changed object then costs no bytes, and its 412 means
 * "changed".
 */
async function proxy(use: ShareUse, attachment: boolean): Promise<ShareUseResult> {
  const early = use.knownRefusal()
  if (early) return early
  const { pinned, request } = use
  const pinByStore = pinned !== undefined && !request.headers.has('if-match')
  const headers = new Headers(request.headers)
  if (pinByStore) headers.set('if-match', pinned)
  const read = await use.readBytes(
    { method: request.method, headers },
    use.readOptions(use.disposition(attachment)),
  )
  const gone =
    !read.ok &&
    (read.reason === 'not_found' || (pinByStore && read.reason === 'precondition_failed'))
  // A 304 is of the pinned version when the store checked our If-Match; else by its ETag, if any.
  const otherVersion =
    read.ok &&
    (read.status === 304
      ? !pinByStore && read.headers.has('etag') && use.changed(read.headers.get('etag'))
      : use.changed(read.headers.get('etag')))
  if (pinned && (gone || otherVersion)) {
    if (read.ok) await read.body?.cancel()
    const decision = await use.decide('changed')
    return decision.ok ? { type: 'refused', code: 'share_changed' } : use.refused(decision)
  }
  if (!read.ok) {
    const decision = await use.decide(READ_FAILURE_OUTCOME[read.reason])
    if (!decision.ok) return use.refused(decision)
    return readFailure(read.reason)
  }
  const decision = await use.decide(readOutcome(request.method, read))
  if (!decision.ok) {
    await read.body?.cancel()
    return use.refused(decision)
  }
  return { type: 'object', status: read.status, headers: read.headers, body: read.body }
}
