// What the links people open without a key (share links at /s, upload links at /u) answer alike:
// their HTML pages (no caching, no referrer, no indexing, their CSP), errors as a page for a
// browser and as JSON for a program, the password challenge, and the password a page's form sent.
import type { Context } from 'hono'
import { type Brand, getConfig } from '../config'
import type { AppEnv } from '../env'
import { type ErrorCode, errorResponse } from '../errors'
import { asksForHtml } from '../lib/link-preview'
import { ErrorPage } from '../pages/error-page'
import { html, pageCsp, withLogo } from '../pages/layout'
import { type PasswordFor, PasswordPage } from '../pages/password-page'

/** The page's password form is small: anything larger is not it. */
const MAX_FORM_BYTES = 4096

/** The installation's brand (none where the configuration does not parse: the page still shows). */
export function brandOf(c: Context<AppEnv>): Brand | null {
  try {
    return getConfig(c.env).brand
  } catch {
    return null
  }
}

/** An HTML answer of the link pages: no caching, no referrer, no indexing, their CSP. */
export async function pageResponse(
  c: Context<AppEnv>,
  status: number,
  page: { toString(): string | Promise<string> },
  csp: string,
  headers = new Headers(),
): Promise<Response> {
  const brand = brandOf(c)
  headers.set('Content-Type', 'text/html; charset=utf-8')
  headers.set('Cache-Control', 'no-store')
  headers.set('Content-Security-Policy', withLogo(csp, brand))
  headers.set('Referrer-Policy', 'no-referrer')
  headers.set('X-Robots-Tag', 'noindex, nofollow')
  const body = c.req.method === 'HEAD' ? null : await html(page, brand)
  return new Response(body, { status, headers })
}

/**
 * Whether the answer is for a person: a browser navigating, or a form it sent (a POST that asks
 * for no type of its own; an encrypted share's page fetches its download asking for bytes, and
 * reads a refusal as JSON).
 */
export function forBrowser(c: Context<AppEnv>): boolean {
  const accept = c.req.header('Accept')
  if (asksForHtml(accept)) return true
  return c.req.method === 'POST' && !/^application\/octet-stream\b/i.test(accept ?? '')
}

/** A refusal: the error page for a browser, the JSON error for a program. */
export async function linkError(
  c: Context<AppEnv>,
  code: ErrorCode,
  message: string,
  retryAfter?: number,
): Promise<Response> {
  const response = errorResponse(c.get('requestId'), code, message, { retryAfter })
  if (!forBrowser(c)) return response
  return pageResponse(
    c,
    response.status,
    ErrorPage({ code }),
    pageCsp(),
    new Headers(response.headers),
  )
}

/**
 * A link that asks for its password: programs get 401 with a Basic challenge; a browser gets the
 * form, also 401, but challenged as a form (a Basic challenge would open the browser's own dialog
 * over it).
 */
export async function passwordChallenge(
  c: Context<AppEnv>,
  code: 'share_password_required' | 'share_password_invalid',
  message: string,
  page: PasswordFor,
): Promise<Response> {
  const response = errorResponse(c.get('requestId'), code, message)
  if (!forBrowser(c)) return response
  const headers = new Headers(response.headers)
  headers.set('WWW-Authenticate', 'Form realm="share"')
  const wrong = code === 'share_password_invalid'
  return pageResponse(c, 401, PasswordPage({ ...page, wrong }), pageCsp(["'self'"]), headers)
}

/** The password the page's form sent, if this POST is that form. */
export async function formPassword(c: Context<AppEnv>): Promise<string | undefined> {
  if (c.req.method !== 'POST') return undefined
  const type = c.req.header('Content-Type') ?? ''
  const length = Number(c.req.header('Content-Length') ?? Number.NaN)
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return undefined
  if (!(length > 0 && length <= MAX_FORM_BYTES)) return undefined
  const body = new TextDecoder().decode(await c.req.arrayBuffer())
  return new URLSearchParams(body).get('password') ?? undefined
}
