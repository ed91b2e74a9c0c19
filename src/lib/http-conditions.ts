// HTTP preconditions and byte ranges as object stores read them (RFC 9110 §13 and §14), and the
// S3 `response-*` overrides. Pure: text in, a parsed form or a tagged refusal out.

/** `response-*` query parameters (S3) and the answer headers they set. */
export const RESPONSE_OVERRIDES: readonly (readonly [string, string])[] = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
]

/**
 * Reads an If-Match / If-None-Match value: `*` or a list of entity tags (RFC 9110 §8.8.3). Like
 * S3, a bare tag without quotes is taken as that tag quoted. Undefined when malformed.
 */
export function parseEtagList(value: string): string[] | undefined {
  const text = value.trim()
  if (text === '*') return ['*']
  const tags: string[] = []
  let i = 0
  const skip = (chars: string) => {
    while (i < text.length && chars.includes(text[i] as string)) i++
  }
  while (i < text.length) {
    const weak = text.startsWith('W/', i)
    if (weak) i += 2
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1)
      if (end === -1) return undefined
      const tag = text.slice(i + 1, end)
      if (!/^[\x21\x23-\x7e]*$/.test(tag)) return undefined
      tags.push(`${weak ? 'W/' : ''}"${tag}"`)
      i = end + 1
    } else {
      if (weak) return undefined
      const start = i
      while (i < text.length && /[\x21\x23-\x2b\x2d-\x7e]/.test(text[i] as string)) i++
      if (i === start) return undefined
      tags.push(`"${text.slice(start, i)}"`)
    }
    skip(' \t')
    if (i < text.length) {
      if (text[i] !== ',') return undefined
      i++
      skip(' \t')
      if (i === text.length) return undefined
    }
  }
  return tags.length > 0 && tags.length <= 100 ? tags : undefined
}

/**
 * The request's preconditions in a form a store reads without throwing: entity-tag lists
 * normalised, dates that do not parse dropped (RFC 9110 §13.1.3). Undefined when an entity-tag
 * list is malformed: that is the client's error.
 */
export function readConditions(request: Headers): Headers | undefined {
  const out = new Headers()
  for (const name of ['if-match', 'if-none-match']) {
    const value = request.get(name)
    if (value === null) continue
    const tags = parseEtagList(value)
    if (!tags) return undefined
    out.set(name, tags.join(', '))
  }
  for (const name of ['if-modified-since', 'if-unmodified-since']) {
    const value = request.get(name)
    if (value !== null && Number.isFinite(Date.parse(value))) {
      out.set(name, new Date(Date.parse(value)).toUTCString())
    }
  }
  return out
}

export function etagMatches(list: string, etag: string): boolean {
  if (list.trim() === '*') return true
  const bare = etag.replace(/^W\//, '').replace(/"/g, '')
  return list.split(',').some((item) => item.trim().replace(/^W\//, '').replace(/"/g, '') === bare)
}

export type ByteRange = { suffix: number } | { start: number; end: number | undefined }

const RANGE = /^bytes=(\d{0,15})-(\d{0,15})$/

/** A single `bytes=` range; undefined when there is none, 'invalid' when it cannot be one. */
export function parseRange(header: string | null): ByteRange | 'invalid' | undefined {
  if (header === null) return undefined
  const m = RANGE.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return 'invalid'
  if (m[1] === '') return { suffix: Number(m[2]) }
  const start = Number(m[1])
  const end = m[2] === '' ? undefined : Number(m[2])
  if (end !== undefined && end < start) return 'invalid'
  return { start, end }
}

/** The bytes served for `range` of an object of `size`; undefined when unsatisfiable. */
export function resolveRange(
  range: ByteRange,
  size: number,
): { start: number; end: number } | undefined {
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) return undefined
    return { start: Math.max(0, size - range.suffix), end: size - 1 }
  }
  if (range.start >= size) return undefined
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) }
}
