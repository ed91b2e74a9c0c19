// Using a share link (GET/HEAD /s/:id): the share's state, its CIDRs (CF-Connecting-IP only) and
// one atomic use-count update decide; the object is reached through the bucket's store, as a
// seconds-lived URL (redirect mode) or read and handed back (proxy mode). Answers what happened;
// the route turns it into HTTP.
import type { Config } from '../config'
import { AppError, type ErrorCode } from '../errors'
import { ipInCidrList } from '../lib/cidr'
import { contentDisposition } from '../lib/content-disposition'
import { REDIRECT_TTL_SECONDS } from '../lib/limits'
import type { ObjectRead } from '../stores/store'
import {
  getShare,
  inDownloadSession,
  isShareId,
  recordUse,
  type Share,
  takeUse,
  type UseOutcome,
} from './store'

export type ShareUseInput = {
  db: D1Database
  /** Read only once a share is found: an unknown link never depends on the configuration. */
  config: () => Config
  id: string
  method: 'GET' | 'HEAD'
  headers: Headers
  clientIp: string | undefined
  now: Date
  /** This Worker's origin, for stores Signet serves itself. */
  origin: URL
  /** Runs work after the answer (the audit row of a refused use). */
  defer: (work: Promise<unknown>) => void
}

export type ShareUseResult =
  | { type: 'refused'; code: ErrorCode }
  | { type: 'redirect'; location: string }
  | { type: 'object'; status: 200 | 206 | 304; headers: Headers; body: ReadableStream | null }
  /** The store's own answer to a precondition or a range: status only. */
  | { type: 'unsatisfied'; status: 412 | 416 }

/** The reason a share cannot be used now, if any, in the order the contract gives. */
function refusal(share: Share, nowMs: number, clientIp: string | undefined): ErrorCode | undefined {
  if (share.revokedAt !== null) return 'share_revoked'
  if (nowMs >= share.expiresAt) return 'share_expired'
  if (share.allowIps && !ipInCidrList(share.allowIps, clientIp)) return 'ip_not_allowed'
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) return 'share_exhausted'
  return undefined
}

const OUTCOME_OF: Partial<Record<ErrorCode, UseOutcome>> = {
  share_revoked: 'revoked',
  share_expired: 'expired',
  ip_not_allowed: 'ip_not_allowed',
  share_exhausted: 'exhausted',
}

function dispositionParam(share: Share): [string, string][] {
  if (share.filename === null && share.disposition === null) return []
  return [
    [
      'response-content-disposition',
      contentDisposition(share.disposition ?? 'attachment', share.filename ?? undefined),
    ],
  ]
}

/**
 * Which use a store answer is. Bytes from 0 are a download; a range from further in continues
 * the client's download session when it has one (resumes, seeks) and is a download otherwise.
 */
function outcomeOf(
  method: string,
  read: Extract<ObjectRead, { ok: true }>,
  continuing: boolean,
): 'downloaded' | 'partial' | 'head' | 'not_modified' {
  if (method === 'HEAD') return 'head'
  if (read.status === 304) return 'not_modified'
  if (read.status === 206 && !/^bytes 0-/.test(read.headers.get('Content-Range') ?? '')) {
    return continuing ? 'partial' : 'downloaded'
  }
  return 'downloaded'
}

export async function useShare(input: ShareUseInput): Promise<ShareUseResult> {
  const { db, id, method, clientIp, now } = input
  // Malformed and unknown ids get the same answer: no hint which.
  const share = isShareId(id) ? await getShare(db, id) : undefined
  if (!share) return { type: 'refused', code: 'not_found' }
  const ip = clientIp ?? null
  const audit = (outcome: UseOutcome) => input.defer(recordUse(db, share.id, now, ip, outcome))
  const refuse = (code: ErrorCode, outcome?: UseOutcome): ShareUseResult => {
    audit(outcome ?? OUTCOME_OF[code] ?? 'expired')
    return { type: 'refused', code }
  }

  // A proxy range request may continue this client's download session (see outcomeOf), which
  // a share used up by that very download still allows.
  const ranged = share.mode === 'proxy' && method === 'GET' && input.headers.has('range')
  const session = () => (ranged ? inDownloadSession(db, share.id, ip, now) : Promise.resolve(false))
  let continuing: boolean | undefined
  const refused = refusal(share, now.getTime(), clientIp)
  if (refused === 'share_exhausted') continuing = await session()
  if (refused && !continuing) return refuse(refused)

  const store = input.config().stores.get(share.bucket)
  if (!store) throw new Error('share names a bucket that is no longer configured')

  /** Takes the use; when a concurrent use or a revocation got there first, says which. */
  const take = async (outcome: 'downloaded' | 'partial' | 'head' | 'not_modified') => {
    if (await takeUse(db, share.id, now, ip, outcome)) return undefined
    const current = await getShare(db, share.id)
    return (current && refusal(current, now.getTime(), clientIp)) || 'share_exhausted'
  }
  // A URL made for this use lives at most 60 s and never past the share's expiry.
  const nowMs = Math.floor(now.getTime() / 1000) * 1000
  const left = Math.floor((share.expiresAt - now.getTime()) / 1000)
  const seconds = Math.max(1, Math.min(REDIRECT_TTL_SECONDS, left))

  if (share.mode === 'redirect') {
    if (left < 1) return refuse('share_expired')
    // An object that is not there is not a download (when the store can tell without a trip).
    if ((await store.objectExists(share.key)) === false) {
      return refuse('not_found', 'not_found_in_store')
    }
    // HEAD gets a URL signed for HEAD, which the store refuses for GET, and counts nothing.
    const failed = await take(method === 'HEAD' ? 'head' : 'downloaded')
    if (failed) return refuse(failed)
    const location = await store.objectUrl({
      key: share.key,
      method,
      expiresIn: seconds,
      nowMs,
      origin: input.origin,
      query: dispositionParam(share),
      // Where the store enforces signed CIDRs, its seconds are bound to the share's too.
      allowIps: share.allowIps ?? undefined,
    })
    return { type: 'redirect', location }
  }

  const read = await store.readObject(
    share.key,
    { method, headers: input.headers },
    { overrides: dispositionParam(share), nowMs, maxSeconds: seconds },
  )
  if (!read.ok) {
    switch (read.reason) {
      case 'not_found':
        return refuse('not_found', 'not_found_in_store')
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
  const failed = await take(outcomeOf(method, read, continuing ?? (await session())))
  if (failed) {
    await read.body?.cancel()
    return refuse(failed)
  }
  return { type: 'object', status: read.status, headers: read.headers, body: read.body }
}
