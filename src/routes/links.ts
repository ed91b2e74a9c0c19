// GET/HEAD /s/:id: using a share link. Anyone with the link may try; the share's state, its
// CIDRs (CF-Connecting-IP only) and one atomic use-count update decide. Browsers get a small
// HTML page for the error cases, everyone else the JSON error.
import type { Context } from 'hono'
import { type Credential, getConfig, type Target } from '../config'
import type { AppEnv } from '../env'
import { AppError, type ErrorCode, errorResponse } from '../errors'
import { S3Error } from '../gateway/errors'
import { conditionalHeaders, getObject, OBJECT_SAFETY_HEADERS } from '../gateway/objects'
import { ipAllowed, parseCidr } from '../lib/cidr'
import { contentDisposition } from '../lib/content-disposition'
import { ALLOW_IPS_PARAM, signObjectUrl } from '../presign'
import { ERROR_PAGE_CSP, errorPage } from '../share/html'
import {
  getShare,
  inDownloadSession,
  isShareId,
  recordUse,
  type Share,
  takeUse,
  type UseOutcome,
} from '../share/store'

/** A redirect target lives at most this long, and never past the share's expiry. */
export const REDIRECT_TTL_SECONDS = 60

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'No such share link.',
  share_expired: 'This share link has expired.',
  share_revoked: 'This share link has been revoked.',
  share_exhausted: 'This share link has been used as many times as it allows.',
  ip_not_allowed: 'This share link may not be used from this address.',
}

function linkError(c: Context<AppEnv>, code: ErrorCode): Response {
  const accept = c.req.header('Accept') ?? ''
  if (/\btext\/html\b/i.test(accept)) {
    const response = errorResponse(c, code, MESSAGES[code] ?? '')
    const headers = new Headers(response.headers)
    headers.set('Content-Type', 'text/html; charset=utf-8')
    headers.set('Content-Security-Policy', ERROR_PAGE_CSP)
    headers.set('Referrer-Policy', 'no-referrer')
    headers.set('X-Robots-Tag', 'noindex')
    return new Response(c.req.method === 'HEAD' ? null : errorPage(code), {
      status: response.status,
      headers,
    })
  }
  return errorResponse(c, code, MESSAGES[code] ?? 'The share link cannot be used.')
}

/** The reason a share cannot be used now, if any, in the order the contract gives. */
function refusal(share: Share, nowMs: number, clientIp: string | undefined): ErrorCode | undefined {
  if (share.revokedAt !== null) return 'share_revoked'
  if (nowMs >= share.expiresAt) return 'share_expired'
  if (share.allowIps) {
    const cidrs = share.allowIps.map(parseCidr).filter((cidr) => cidr !== undefined)
    if (!ipAllowed(cidrs, clientIp)) return 'ip_not_allowed'
  }
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
  response: Response,
  continuing: boolean,
): 'downloaded' | 'partial' | 'head' | 'not_modified' {
  if (method === 'HEAD') return 'head'
  if (response.status === 304) return 'not_modified'
  if (response.status === 206 && !/^bytes 0-/.test(response.headers.get('Content-Range') ?? '')) {
    return continuing ? 'partial' : 'downloaded'
  }
  return 'downloaded'
}
const RETURNED = [
  'content-type',
  'content-length',
  'content-range',
  'content-disposition',
  'content-encoding',
  'content-language',
  'etag',
  'last-modified',
  'accept-ranges',
]

/**
 * The seconds-lived URL a share hands over or fetches with: at most 60 s and never past the
 * share's expiry (at least 1 s; callers refuse shares with less than a second left).
 */
function signShareUrl(
  c: Context<AppEnv>,
  target: Target,
  credential: Credential,
  share: Share,
  nowMs: number,
  method: 'GET' | 'HEAD',
  extraQuery: [string, string][],
): Promise<string> {
  const left = Math.floor((share.expiresAt - nowMs) / 1000)
  return signObjectUrl({
    target,
    credential,
    key: share.key,
    method,
    expiresIn: Math.max(1, Math.min(REDIRECT_TTL_SECONDS, left)),
    nowMs: Math.floor(nowMs / 1000) * 1000,
    origin: new URL(c.req.url),
    query: [...dispositionParam(share), ...extraQuery],
  })
}

/** Fetches the object from a remote store with a seconds-lived URL; answers like the gateway. */
async function fetchRemote(
  c: Context<AppEnv>,
  target: Target,
  credential: Credential,
  share: Share,
  nowMs: number,
): Promise<Response> {
  const method = c.req.method === 'HEAD' ? 'HEAD' : 'GET'
  const url = await signShareUrl(c, target, credential, share, nowMs, method, [])
  const headers = conditionalHeaders(c.req.raw.headers)
  const range = c.req.header('range')
  if (range !== undefined) headers.set('range', range)
  const upstream = await fetch(url, { method, headers, redirect: 'manual' })
  if (upstream.status === 404) {
    await upstream.body?.cancel()
    throw new S3Error('NoSuchKey', 'The specified key does not exist.')
  }
  if (![200, 206, 304, 412, 416].includes(upstream.status)) {
    await upstream.body?.cancel()
    throw new Error(`store answered ${upstream.status} for a share in proxy mode`)
  }
  const out = new Headers()
  for (const name of RETURNED) {
    const value = upstream.headers.get(name)
    if (value !== null) out.set(name, value)
  }
  return new Response(method === 'HEAD' ? null : upstream.body, {
    status: upstream.status,
    headers: out,
  })
}

async function proxy(
  c: Context<AppEnv>,
  target: Target,
  credential: Credential,
  share: Share,
  nowMs: number,
): Promise<Response> {
  try {
    if (target.kind === 'gateway') {
      return await getObject(target.bucket, share.key, c.req.raw, new Map(dispositionParam(share)))
    }
    return await fetchRemote(c, target, credential, share, nowMs)
  } catch (error) {
    if (!(error instanceof S3Error)) throw error
    switch (error.code) {
      case 'NoSuchKey':
        return new Response(null, { status: 404 })
      case 'PreconditionFailed':
        return new Response(null, { status: 412 })
      case 'InvalidRange':
        return new Response(null, { status: 416 })
      case 'InvalidArgument':
        // A malformed conditional header: the message is fixed text, never the value.
        throw new AppError('invalid_request', error.message)
      default:
        throw error
    }
  }
}

export async function useShareLink(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param('id') ?? ''
  const now = new Date()
  const clientIp = c.req.header('CF-Connecting-IP')
  // Malformed and unknown ids get the same answer: no hint which.
  const share = isShareId(id) ? await getShare(c.env.DB, id) : undefined
  if (!share) return linkError(c, 'not_found')
  const audit = (outcome: UseOutcome) => {
    c.executionCtx.waitUntil(recordUse(c.env.DB, share.id, now, clientIp ?? null, outcome))
  }
  // A proxy range request may continue this client's download session (see outcomeOf), which
  // a share used up by that very download still allows.
  const ranged =
    share.mode === 'proxy' && c.req.method === 'GET' && c.req.header('range') !== undefined
  const session = () =>
    ranged ? inDownloadSession(c.env.DB, share.id, clientIp ?? null, now) : Promise.resolve(false)
  let continuing: boolean | undefined
  const refused = refusal(share, now.getTime(), clientIp)
  if (refused === 'share_exhausted') continuing = await session()
  if (refused && !continuing) {
    audit(OUTCOME_OF[refused] ?? 'expired')
    return linkError(c, refused)
  }
  const config = getConfig(c.env)
  const target = config.buckets.get(share.bucket)
  const credential = config.credentials.get(share.bucket)
  if (!target || !credential) throw new Error('share names a bucket that is no longer configured')

  /** Takes the use; when a concurrent use or a revocation got there first, says which. */
  const take = async (outcome: 'downloaded' | 'partial' | 'head' | 'not_modified') => {
    const taken = await takeUse(c.env.DB, share.id, now, clientIp ?? null, outcome)
    if (taken) return undefined
    const current = await getShare(c.env.DB, share.id)
    const code = (current && refusal(current, now.getTime(), clientIp)) || 'share_exhausted'
    audit(OUTCOME_OF[code] ?? 'exhausted')
    return code
  }

  if (share.mode === 'redirect') {
    const left = Math.floor((share.expiresAt - now.getTime()) / 1000)
    if (left < 1) {
      audit('expired')
      return linkError(c, 'share_expired')
    }
    // An object that is not there is not a download (a remote store is not asked: see README).
    if (target.kind === 'gateway' && !(await target.bucket.head(share.key))) {
      audit('not_found_in_store')
      return linkError(c, 'not_found')
    }
    // HEAD gets a URL signed for HEAD, which the store refuses for GET, and counts nothing.
    const method = c.req.method === 'HEAD' ? 'HEAD' : 'GET'
    const failed = await take(method === 'HEAD' ? 'head' : 'downloaded')
    if (failed) return linkError(c, failed)
    // A gateway URL carries the share's CIDRs, so its seconds are bound to them too.
    const location = await signShareUrl(
      c,
      target,
      credential,
      share,
      now.getTime(),
      method,
      share.allowIps && target.kind === 'gateway'
        ? [[ALLOW_IPS_PARAM, share.allowIps.join(',')]]
        : [],
    )
    return new Response(null, {
      status: 302,
      headers: {
        Location: location,
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
      },
    })
  }

  const response = await proxy(c, target, credential, share, now.getTime())
  if (response.status >= 400) {
    if (response.status === 404) {
      audit('not_found_in_store')
      return linkError(c, 'not_found')
    }
    // 412 and 416 are answered as an object store answers them (no body), and count nothing.
    return new Response(null, {
      status: response.status,
      headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
    })
  }
  const outcome = outcomeOf(c.req.method, response, continuing ?? (await session()))
  const failed = await take(outcome)
  if (failed) {
    await response.body?.cancel()
    return linkError(c, failed)
  }
  const headers = new Headers(response.headers)
  headers.set('Cache-Control', 'private, no-store')
  headers.set('Referrer-Policy', 'no-referrer')
  for (const [name, value] of OBJECT_SAFETY_HEADERS) headers.set(name, value)
  headers.delete('Access-Control-Allow-Origin')
  headers.delete('Access-Control-Expose-Headers')
  return new Response(response.body, { status: response.status, headers })
}
