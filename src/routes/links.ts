// GET/HEAD/POST /s/:id: using a share link, decided by the share-use logic; this route turns its
// answer into HTTP. A share with a page answers browsers and link-preview bots with it (counting
// nothing); its Download button POSTs here, which downloads like a GET and counts. Browsers get
// a small HTML page for the error cases, everyone else the JSON error.
import type { Context } from 'hono'
import { getConfig } from '../config'
import type { AppEnv } from '../env'
import { type ErrorCode, errorResponse } from '../errors'
import { asksForHtml, wantsSharePage } from '../lib/link-preview'
import { OBJECT_SAFETY_HEADERS } from '../lib/serving'
import { ErrorPage } from '../pages/error-page'
import { html, pageCsp } from '../pages/layout'
import { SharePage } from '../pages/share-page'
import { type SharePageFacts, useShare } from '../share/use'

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'No such share link.',
  share_expired: 'This share link has expired.',
  share_revoked: 'This share link has been revoked.',
  share_exhausted: 'This share link has been used as many times as it allows.',
  share_changed:
    'The object changed after this share link was made: the link serves only what was shared.',
  ip_not_allowed: 'This share link may not be used from this address.',
}

/** An HTML answer of the share pages: no caching, no referrer, no indexing, their CSP. */
async function pageResponse(
  c: Context<AppEnv>,
  status: number,
  page: { toString(): string | Promise<string> },
  csp: string,
  headers = new Headers(),
): Promise<Response> {
  headers.set('Content-Type', 'text/html; charset=utf-8')
  headers.set('Cache-Control', 'no-store')
  headers.set('Content-Security-Policy', csp)
  headers.set('Referrer-Policy', 'no-referrer')
  headers.set('X-Robots-Tag', 'noindex, nofollow')
  return new Response(c.req.method === 'HEAD' ? null : await html(page), { status, headers })
}

async function linkError(c: Context<AppEnv>, code: ErrorCode): Promise<Response> {
  const requestId = c.get('requestId')
  if (asksForHtml(c.req.header('Accept')) || c.req.method === 'POST') {
    const response = errorResponse(requestId, code, MESSAGES[code] ?? '')
    return pageResponse(
      c,
      response.status,
      ErrorPage({ code }),
      pageCsp(),
      new Headers(response.headers),
    )
  }
  return errorResponse(requestId, code, MESSAGES[code] ?? 'The share link cannot be used.')
}

function sharePage(c: Context<AppEnv>, facts: SharePageFacts): Promise<Response> {
  // The form posts here; a redirect share's answer then goes on to the store's origin.
  const origin = new URL(c.req.url).origin
  const formAction = ["'self'"]
  if (facts.downloadOrigin !== origin) formAction.push(facts.downloadOrigin)
  return pageResponse(c, 200, SharePage({ facts }), pageCsp(formAction))
}

export async function useShareLink(c: Context<AppEnv>): Promise<Response> {
  // POST is the page's Download button: a download, never the page again.
  const download = c.req.method === 'POST'
  const result = await useShare({
    shares: c.get('shares'),
    config: () => getConfig(c.env),
    id: c.req.param('id') ?? '',
    method: c.req.method === 'HEAD' ? 'HEAD' : 'GET',
    headers: c.req.raw.headers,
    clientIp: c.req.header('CF-Connecting-IP'),
    now: new Date(),
    origin: new URL(c.req.url),
    wantsPage: !download && wantsSharePage(c.req.raw.headers),
  })
  switch (result.type) {
    case 'refused':
      return linkError(c, result.code)
    case 'page':
      return sharePage(c, result.page)
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
