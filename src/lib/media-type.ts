// One media type, as RFC 9110 §8.3.1 spells it: `type "/" subtype *( OWS ";" OWS parameter )`.
// Pure. A list of types ("image/png, text/html") is refused, not split: browsers act on the last
// member of a list, so a scope check on the first would be bypassed (no commas at all, even
// inside quoted parameter values, so no reader can find a second type in it).
import mime from 'mime/lite'

export type MediaType = { type: string; subtype: string; essence: string }

// RFC 9110 §5.6.2: token = 1*tchar
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+"
// RFC 9110 §5.6.4 quoted-string, ASCII only (it becomes a header), without commas.
const QUOTED = '"(?:[\\t !\\x23-\\x2b\\x2d-\\x5b\\x5d-\\x7e]|\\\\[\\t \\x21-\\x7e])*"'
const MEDIA_TYPE = new RegExp(
  `^(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED}))?)*)$`,
)
export const MAX_MEDIA_TYPE_LENGTH = 255

/** Parses exactly one media type with optional parameters; undefined for anything else. */
export function parseMediaType(text: string): MediaType | undefined {
  if (text.length > MAX_MEDIA_TYPE_LENGTH || text.includes(',')) return undefined
  const m = MEDIA_TYPE.exec(text)
  if (!m) return undefined
  const type = (m[1] as string).toLowerCase()
  const subtype = (m[2] as string).toLowerCase()
  return { type, subtype, essence: `${type}/${subtype}` }
}

/**
 * Whether a media type falls inside one of the patterns (`*\/*`, `type/*`, `type/subtype`),
 * compared on the essence, case-insensitively. Anything that is not exactly one media type is
 * outside every pattern.
 */
export function mediaTypeAllowed(patterns: readonly string[], contentType: string): boolean {
  const parsed = parseMediaType(contentType)
  if (!parsed) return false
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase()
    if (pattern === '*/*') return true
    if (pattern.endsWith('/*')) return pattern.slice(0, -2) === parsed.type
    return pattern === parsed.essence
  })
}

/**
 * Whether a media range the caller asks to grant (`type/*`) lies wholly inside the patterns: only
 * `*\/*` or the same `type/*` covers every type in it.
 */
export function mediaRangeAllowed(patterns: readonly string[], range: string): boolean {
  const wanted = range.toLowerCase()
  return patterns.some((pattern) => pattern === '*/*' || pattern.toLowerCase() === wanted)
}

/**
 * The type a file sent through an upload link is stored with: the one its name says (`x.txt` is
 * text/plain) when the sender declared another, so listings, webhooks and pages never show a type
 * the name contradicts; the declared one when it agrees (its parameters kept), when the name says
 * nothing, or when the name says only application/octet-stream; octet-stream when neither does.
 */
export function uploadType(name: string, declared: string | undefined): string {
  const given = declared === undefined ? undefined : parseMediaType(declared)
  const named = mime.getType(name) ?? undefined
  if (named && named !== OCTET_STREAM && given?.essence !== named) return named
  return given ? (declared as string) : (named ?? OCTET_STREAM)
}

const OCTET_STREAM = 'application/octet-stream'
