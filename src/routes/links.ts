// GET/HEAD/POST /s/:id (and GET/HEAD /s/:id/<path>, a folder share's file): using a share link,
// decided by the share-use logic; this route turns its answer into HTTP. A folder share's link
// answers a browser with its page and a program with its listing as JSON, and `?download=zip`
// with its zip; a path that is no plain file of the folder is 404 before anything is asked. A share with a page answers browsers and link-preview bots with it (counting
// nothing); its Download button POSTs here, which downloads like a GET and counts. Browsers get
// a small HTML page for the error cases, everyone else the JSON error. A password-protected link
// takes its password as `Authorization: Basic` (any user) or from its page's form, which answers
// with a cookie scoped to the link (a ticket) and sends the browser back to the link.
import type { Context } from 'hono'
import { getConfig } from '../config'
import type { AppEnv } from '../env'
import type { ErrorCode } from '../errors'
import { base64url, randomBytes } from '../lib/bytes'
import { contentDisposition } from '../lib/content-disposition'
import { asksForHtml, wantsSharePage } from '../lib/link-preview'
import { OBJECT_SAFETY_HEADERS } from '../lib/serving'
import { FolderPage } from '../pages/folder-page'
import { pageCsp } from '../pages/layout'
import { encryptedPageCsp, SharePage } from '../pages/share-page'
import { encodeKeyPath } from '../s3/encoding'
import { folderPath, type ListingPage } from '../share/folder'
import { basicPassword, ticketCookie, ticketOf } from '../share/password'
import { previewCspSources } from '../share/preview'
import type { ShareRecord } from '../share/record'
import { type SharePageFacts, type ShareUseResult, shownName, useShare } from '../share/use'
import {
  forBrowser,
  formPassword,
  linkError,
  pageResponse,
  passwordChallenge,
} from './link-answers'

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'No such share link.',
  share_expired: 'This share link has expired.',
  share_revoked: 'This share link has been revoked.',
  share_exhausted: 'This share link has been used as many times as it allows.',
  share_changed:
    'The object changed after this share link was made: the link serves only what was shared.',
  ip_not_allowed: 'This share link may not be used from this address.',
  share_password_required:
    'This share link asks for a password: send it as Authorization: Basic with an empty user (curl -u :password).',
  share_password_invalid: 'Wrong password for this share link.',
  rate_limited:
    'This share link cannot be used just now (locked after too many wrong passwords, or its last downloads are in use elsewhere); try again after Retry-After seconds.',
}

function refusalAnswer(c: Context<AppEnv>, code: ErrorCode, retryAfter?: number) {
  const message = MESSAGES[code] ?? (forBrowser(c) ? '' : 'The share link cannot be used.')
  return linkError(c, code, message, retryAfter)
}

async function passwordAnswer(
  c: Context<AppEnv>,
  share: ShareRecord,
  wrong: boolean,
): Promise<Response> {
  const code = wrong ? 'share_password_invalid' : 'share_password_required'
  return passwordChallenge(c, code, MESSAGES[code] ?? '', {
    name: shownName(share),
    note: `This ${share.folder ? 'folder' : 'file'} is protected by a password.`,
    action: `/s/${share.id}`,
  })
}

function sharePage(c: Context<AppEnv>, facts: SharePageFacts): Promise<Response> {
  const origin = new URL(c.req.url).origin
  if (facts.share.encrypted) {
    const nonce = base64url(randomBytes(16))
    const csp = encryptedPageCsp(nonce, facts.downloadOrigin === origin ? '' : facts.downloadOrigin)
    return pageResponse(c, 200, SharePage({ facts, nonce }), csp)
  }
  // The form posts here; a redirect share's answer then goes on to the store's origin.
  const formAction = ["'self'"]
  if (facts.downloadOrigin !== origin) formAction.push(facts.downloadOrigin)
  const csp = pageCsp(formAction, previewCspSources(facts.preview?.kind ?? null))
  return pageResponse(c, 200, SharePage({ facts }), csp)
}

/** A page of a folder share: its page for a browser or link-preview bot, JSON for a program. */
function folderAnswer(
  c: Context<AppEnv>,
  share: ShareRecord,
  listing: ListingPage,
): Promise<Response> | Response {
  const cursor = c.req.query('cursor')
  if (wantsSharePage(c.req.raw.headers)) {
    return pageResponse(
      c,
      200,
      FolderPage({ share, listing, ...(cursor ? { cursor } : {}) }),
      pageCsp(),
    )
  }
  const origin = new URL(c.req.url).origin
  c.header('Cache-Control', 'no-store')
  c.header('Referrer-Policy', 'no-referrer')
  return c.json({
    prefix: share.key,
    files: listing.files.map((file) => ({
      name: file.name,
      size: file.size,
      lastModified: file.lastModified,
      url: `${origin}/s/${share.id}/${encodeKeyPath(file.name)}`,
    })),
    nextCursor: listing.nextCursor,
  })
}

/** The edge's idea of where the client is (`request.cf.country`); null where it says nothing. */
function countryOf(c: Context<AppEnv>): string | null {
  const cf = c.req.raw.cf as { country?: unknown } | undefined
  return typeof cf?.country === 'string' && /^[A-Z]{2}$/.test(cf.country) ? cf.country : null
}

/**
 * The file a folder share's link names, as the request sent it (not decoded, not normalised
 * beyond what URL parsing did): undefined for the link itself, null for no plain file path.
 */
function requestedPath(c: Context<AppEnv>, id: string): string | null | undefined {
  const path = new URL(c.req.url).pathname
  const base = `/s/${id}`
  if (path === base || path === `${base}/`) return undefined
  return path.startsWith(`${base}/`) ? folderPath(path.slice(base.length + 1)) : null
}

export async function useShareLink(c: Context<AppEnv>): Promise<Response> {
  c.get('timing').showUseCounts()
  const id = c.req.param('id') ?? ''
  const path = requestedPath(c, id)
  // Nothing outside a folder can be named: refused before the share or the store is asked.
  if (path === null) return refusalAnswer(c, 'not_found')
  // POST is the page's Download button (a download, never the page again) or its password form.
  const download = c.req.method === 'POST'
  const typed = await formPassword(c)
  const result = await useShare({
    ports: {
      shares: c.get('shares'),
      config: () => getConfig(c.env),
      waitUntil: (promise) => c.executionCtx.waitUntil(promise),
      cache: caches.default,
      timing: c.get('timing'),
    },
    request: {
      id,
      method: c.req.method === 'HEAD' ? 'HEAD' : 'GET',
      headers: c.req.raw.headers,
      clientIp: c.req.header('CF-Connecting-IP'),
      now: new Date(),
      origin: new URL(c.req.url),
      country: countryOf(c),
      password: typed ?? basicPassword(c.req.header('Authorization')),
      ticket: ticketOf(c.req.header('Cookie')),
    },
    ask: {
      method: c.req.method === 'POST' ? 'POST' : c.req.method === 'HEAD' ? 'HEAD' : 'GET',
      typed: typed !== undefined,
      asksHtml: asksForHtml(c.req.header('Accept')),
      wantsPage: wantsSharePage(c.req.raw.headers),
      path,
      zip: c.req.query('download') === 'zip',
      preview: c.req.query('preview') !== undefined,
      cursor: c.req.query('cursor'),
    },
  })
  return answer(c, result, download)
}

function answer(
  c: Context<AppEnv>,
  result: ShareUseResult,
  download: boolean,
): Promise<Response> | Response {
  switch (result.type) {
    case 'refused':
      return refusalAnswer(c, result.code, result.retryAfter)
    case 'password':
      return passwordAnswer(c, result.share, result.wrong)
    case 'unlocked': {
      // Back to the link, which the cookie now opens: its page, or the file.
      const secure = new URL(c.req.url).protocol === 'https:'
      return new Response(null, {
        status: 303,
        headers: {
          Location: `/s/${result.share.id}`,
          'Set-Cookie': ticketCookie(result.ticket, `/s/${result.share.id}`, secure),
          'Cache-Control': 'no-store',
          'Referrer-Policy': 'no-referrer',
        },
      })
    }
    case 'preview': {
      // Inline on the share's own page only: never framed or embedded by another site. A PDF
      // needs an unsandboxed frame to render; it is served as application/pdf with nosniff.
      const headers = new Headers(result.headers)
      headers.set('Cache-Control', 'private, no-store')
      headers.set('Referrer-Policy', 'no-referrer')
      headers.set('X-Content-Type-Options', 'nosniff')
      headers.set('Cross-Origin-Resource-Policy', 'same-origin')
      headers.set(
        'Content-Security-Policy',
        result.kind === 'pdf' ? "frame-ancestors 'self'" : "sandbox; frame-ancestors 'self'",
      )
      return new Response(result.body, { status: result.status, headers })
    }
    case 'page':
      return sharePage(c, result.page)
    case 'folder':
      return folderAnswer(c, result.share, result.page)
    case 'zip':
      return new Response(result.body, {
        headers: {
          'Content-Type': 'application/zip',
          'Content-Length': String(result.length),
          'Content-Disposition': contentDisposition('attachment', result.name),
          'Cache-Control': 'private, no-store',
          'Referrer-Policy': 'no-referrer',
          'X-Content-Type-Options': 'nosniff',
        },
      })
    case 'redirect':
      return new Response(null, {
        // After the form's POST, 303: the browser GETs the URL.
        status: download ? 303 : 302,
        headers: {
          Location: result.location,
          'Cache-Control': 'no-store',
          'Referrer-Policy': 'no-referrer',
        },
      })
    case 'unsatisfied':
      // Answered as an object store answers it (no body), and counted as nothing.
      return new Response(null, {
        status: result.status,
        headers: { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' },
      })
    case 'object': {
      const headers = new Headers(result.headers)
      headers.set('Cache-Control', 'private, no-store')
      headers.set('Referrer-Policy', 'no-referrer')
      for (const [name, value] of OBJECT_SAFETY_HEADERS) headers.set(name, value)
      return new Response(result.body, { status: result.status, headers })
    }
    default: {
      const unreachable: never = result
      throw new Error(`unhandled share use ${String(unreachable)}`)
    }
  }
}
