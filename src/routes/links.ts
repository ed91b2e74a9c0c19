// GET/HEAD /s/:id: using a share link, decided by the share-use logic; this route turns its
// answer into HTTP. Browsers get a small HTML page for the error cases, everyone else the JSON
// error.
import type { Context } from 'hono'
import { getConfig } from '../config'
import type { AppEnv } from '../env'
import { type ErrorCode, errorResponse } from '../errors'
import { OBJECT_SAFETY_HEADERS } from '../lib/serving'
import { ERROR_PAGE_CSP, errorPage } from '../share/html'
import { useShare } from '../share/use'

const MESSAGES: Partial<Record<ErrorCode, string>> = {
  not_found: 'No such share link.',
  share_expired: 'This share link has expired.',
  share_revoked: 'This share link has been revoked.',
  share_exhausted: 'This share link has been used as many times as it allows.',
  ip_not_allowed: 'This share link may not be used from this address.',
}

function linkError(c: Context<AppEnv>, code: ErrorCode): Response {
  const requestId = c.get('requestId')
  const accept = c.req.header('Accept') ?? ''
  if (/\btext\/html\b/i.test(accept)) {
    const response = errorResponse(requestId, code, MESSAGES[code] ?? '')
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
  return errorResponse(requestId, code, MESSAGES[code] ?? 'The share link cannot be used.')
}

export async function useShareLink(c: Context<AppEnv>): Promise<Response> {
  const result = await useShare({
    shares: c.get('shares'),
    config: () => getConfig(c.env),
    id: c.req.param('id') ?? '',
    method: c.req.method === 'HEAD' ? 'HEAD' : 'GET',
    headers: c.req.raw.headers,
    clientIp: c.req.header('CF-Connecting-IP'),
    now: new Date(),
    origin: new URL(c.req.url),
  })
  switch (result.type) {
    case 'refused':
      return linkError(c, result.code)
    case 'redirect':
      return new Response(null, {
        status: 302,
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
