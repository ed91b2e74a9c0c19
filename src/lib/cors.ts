// CORS as a browser does it (the Fetch standard) and as bucket stores configure it. Pure: which
// headers a page's request makes the browser name in its preflight, whether it preflights at all,
// the one bucket rule that allows exactly that in each store's own format, what a preflight's
// answer allows, and the answer Signet's gateway gives every preflight.

import { parseMediaType } from './media-type'
import { escapeXml } from './xml'

/** The bucket rule formats: S3 PutBucketCors (S3, R2, Ceph, MinIO), R2's own, GCS's. */
export type CorsFormat = 's3' | 'r2' | 'gcs'

/** What a page will send: its origin, the method and the headers it sets (name → value). */
export type CorsRequest = {
  origin: string
  method: string
  /** Headers the page sets; a value of undefined means "some value" (the doctor knows names only). */
  headers: Readonly<Record<string, string | undefined>>
  /** Response headers the page must read (ETag for multipart parts). */
  expose: readonly string[]
}

/** Seconds a browser may cache a preflight under the rules Signet suggests. */
export const CORS_MAX_AGE = 3000

/** Fetch: forbidden request-header names. The browser sets these itself; a page cannot. */
const FORBIDDEN = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
])

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST'])
const SAFELISTED_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
])
// Fetch: CORS-unsafe request-header bytes.
const UNSAFE_BYTE = /[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/

/** Fetch: a CORS-safelisted request-header, which a browser sends without asking. */
function safelisted(name: string, value: string | undefined): boolean {
  if (value === undefined || value.length > 128) return false
  switch (name) {
    case 'accept':
      return !UNSAFE_BYTE.test(value)
    case 'accept-language':
    case 'content-language':
      return /^[0-9A-Za-z *,.;=-]*$/.test(value)
    case 'content-type': {
      const type = parseMediaType(value)
      return !UNSAFE_BYTE.test(value) && type !== undefined && SAFELISTED_TYPES.has(type.essence)
    }
    case 'range':
      return /^bytes=\d+-\d*$/.test(value)
    default:
      return false
  }
}

function forbidden(name: string): boolean {
  return FORBIDDEN.has(name) || name.startsWith('proxy-') || name.startsWith('sec-')
}

/**
 * The names a browser puts in Access-Control-Request-Headers for this request: the headers a page
 * can set that are not safelisted, lower case, sorted, as Chromium and Firefox send them.
 */
export function preflightHeaders(headers: CorsRequest['headers']): string[] {
  const names = new Set<string>()
  for (const [raw, value] of Object.entries(headers)) {
    const name = raw.toLowerCase()
    if (!forbidden(name) && !safelisted(name, value)) names.add(name)
  }
  return [...names].sort()
}

/** Whether the browser asks first (OPTIONS) before sending this request. */
export function needsPreflight(method: string, requestHeaders: readonly string[]): boolean {
  return !SAFELISTED_METHODS.has(method) || requestHeaders.length > 0
}

export type S3CorsRule = {
  AllowedOrigins: string[]
  AllowedMethods: string[]
  AllowedHeaders?: string[]
  ExposeHeaders?: string[]
  MaxAgeSeconds: number
}

/** The rule in each format asked for, allowing exactly `request`. */
export function corsRules(request: CorsRequest, formats: readonly CorsFormat[]) {
  const headers = preflightHeaders(request.headers)
  const expose = [...request.expose]
  const s3Rule: S3CorsRule = {
    AllowedOrigins: [request.origin],
    AllowedMethods: [request.method],
    ...(headers.length > 0 ? { AllowedHeaders: headers } : {}),
    ...(expose.length > 0 ? { ExposeHeaders: expose } : {}),
    MaxAgeSeconds: CORS_MAX_AGE,
  }
  const rules: {
    s3?: { json: { CORSRules: S3CorsRule[] }; xml: string }
    r2?: { json: { rules: Record<string, unknown>[] } }
    gcs?: { json: Record<string, unknown>[] }
  } = {}
  if (formats.includes('s3')) rules.s3 = { json: { CORSRules: [s3Rule] }, xml: s3Xml(s3Rule) }
  if (formats.includes('r2')) {
    rules.r2 = {
      json: {
        rules: [
          {
            allowed: {
              origins: [request.origin],
              methods: [request.method],
              ...(headers.length > 0 ? { headers } : {}),
            },
            ...(expose.length > 0 ? { exposeHeaders: expose } : {}),
            maxAgeSeconds: CORS_MAX_AGE,
          },
        ],
      },
    }
  }
  if (formats.includes('gcs')) {
    // GCS has one list for both: the headers a preflight may name and the headers it exposes.
    const responseHeader = [...new Set([...headers, ...expose])]
    rules.gcs = {
      json: [
        {
          origin: [request.origin],
          method: [request.method],
          ...(responseHeader.length > 0 ? { responseHeader } : {}),
          maxAgeSeconds: CORS_MAX_AGE,
        },
      ],
    }
  }
  return { requestHeaders: headers, rules }
}

function s3Xml(rule: S3CorsRule): string {
  const element = (tag: string, values: readonly string[] = []) =>
    values.map((value) => `<${tag}>${escapeXml(value)}</${tag}>`).join('')
  return (
    '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule>' +
    element('AllowedOrigin', rule.AllowedOrigins) +
    element('AllowedMethod', rule.AllowedMethods) +
    element('AllowedHeader', rule.AllowedHeaders) +
    element('ExposeHeader', rule.ExposeHeaders) +
    `<MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds></CORSRule></CORSConfiguration>`
  )
}

/** What a preflight's answer allows, read as a browser reads it (credentials are never sent). */
export type PreflightAnswer = {
  status: number
  allowOrigin: string | null
  allowMethods: string[]
  allowHeaders: string[]
}

export function readPreflight(status: number, headers: Headers): PreflightAnswer {
  const list = (name: string) =>
    (headers.get(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '')
  return {
    status,
    allowOrigin: headers.get('access-control-allow-origin'),
    allowMethods: list('access-control-allow-methods').map((method) => method.toUpperCase()),
    allowHeaders: list('access-control-allow-headers').map((name) => name.toLowerCase()),
  }
}

export type Missing = { kind: 'origin' | 'method' | 'header'; value: string }

/**
 * What a preflight's answer refuses of the request, by the Fetch standard's CORS check: an ok
 * status, the origin (or `*`), the method (safelisted ones need not be listed), every header.
 * Undefined when the answer refuses without saying what (not ok, or no Allow-Origin).
 */
export function refusedBy(
  answer: PreflightAnswer,
  origin: string,
  method: string,
  requestHeaders: readonly string[],
): Missing[] | undefined {
  if (answer.status < 200 || answer.status > 299 || answer.allowOrigin === null) return undefined
  const missing: Missing[] = []
  if (answer.allowOrigin !== '*' && answer.allowOrigin !== origin) {
    missing.push({ kind: 'origin', value: origin })
  }
  const methods = answer.allowMethods
  if (!SAFELISTED_METHODS.has(method) && !methods.includes(method) && !methods.includes('*')) {
    missing.push({ kind: 'method', value: method })
  }
  for (const name of requestHeaders) {
    if (!answer.allowHeaders.includes(name) && !answer.allowHeaders.includes('*')) {
      missing.push({ kind: 'header', value: name })
    }
  }
  return missing
}

/**
 * Signet's gateway answers every preflight itself: any origin, its methods, and the headers asked
 * for (only header-name characters are echoed; the signature decides what a request may carry).
 */
export function gatewayPreflight(requestedHeaders: string | null): Headers {
  const headers = new Headers({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, PUT, POST, DELETE',
    'Access-Control-Max-Age': '600',
  })
  if (requestedHeaders !== null && /^[A-Za-z0-9, -]{1,2048}$/.test(requestedHeaders)) {
    headers.set('Access-Control-Allow-Headers', requestedHeaders)
  }
  return headers
}

/** A page's origin as a browser serializes it, or undefined: scheme, host and port only. */
export function parseOrigin(text: string): string | undefined {
  try {
    const url = new URL(text)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    return url.origin === text ? text : undefined
  } catch {
    return undefined
  }
}
