// SigV4 canonical encoding for S3 (AWS SigV4 "URI-encode each byte"): UTF-8 bytes, the
// unreserved set A-Za-z0-9-._~ kept, everything else %XX in upper case, "/" kept in paths.
// S3 encodes the path once and never normalises it. Pure.

// encodeURIComponent leaves !'()* unencoded; SigV4 encodes them.
const SUB_DELIMS = /[!'()*]/g
const UNRESERVED = /^[A-Za-z0-9._~-]*$/
const UNRESERVED_PATH = /^[A-Za-z0-9._~/-]*$/

function escapeSubDelim(ch: string): string {
  return `%${ch.charCodeAt(0).toString(16).toUpperCase()}`
}

/** Encodes a query name or value, or one path segment ("/" becomes %2F). */
export function uriEncode(text: string): string {
  if (UNRESERVED.test(text)) return text
  return encodeURIComponent(text).replace(SUB_DELIMS, escapeSubDelim)
}

/** Encodes an object key for the path: every byte as SigV4 wants it, "/" kept. */
export function encodeKeyPath(key: string): string {
  if (UNRESERVED_PATH.test(key)) return key
  return encodeURIComponent(key).replace(SUB_DELIMS, escapeSubDelim).replaceAll('%2F', '/')
}

/** The canonical query string: names and values encoded, sorted by name then value. */
export function canonicalQuery(params: readonly (readonly [string, string])[]): string {
  const encoded = params.map(([name, value]) => [uriEncode(name), uriEncode(value)] as const)
  encoded.sort(([an, av], [bn, bv]) =>
    an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0,
  )
  return encoded.map(([name, value]) => `${name}=${value}`).join('&')
}

/** A header value as SigV4 canonicalises it: trimmed, runs of spaces collapsed to one. */
export function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/ {2,}/g, ' ')
}
