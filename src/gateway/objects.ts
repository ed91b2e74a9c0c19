// Object operations on an R2 binding, shaped like S3's: GET/HEAD with Range and conditionals,
// PUT streamed into R2 with its length and checksums enforced, DELETE. Callers verified the
// request first; everything read from the query here was covered by its signature.
import { S3Error } from './errors'

export const MAX_PUT_SIZE = 5 * 1024 ** 3 // S3: a single PUT is at most 5 GiB

const OVERRIDES: [string, string][] = [
  ['response-content-type', 'Content-Type'],
  ['response-content-language', 'Content-Language'],
  ['response-expires', 'Expires'],
  ['response-cache-control', 'Cache-Control'],
  ['response-content-disposition', 'Content-Disposition'],
  ['response-content-encoding', 'Content-Encoding'],
]

export const EXPOSED_HEADERS =
  'ETag, Content-Length, Content-Range, Content-Type, Content-Disposition, Last-Modified, x-amz-request-id, x-amz-checksum-sha256'

function baseHeaders(): Headers {
  return new Headers({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
  })
}

/**
 * Objects are served from Signet's own origin: an uploaded HTML file must not run script there.
 * The sandbox keeps a document in an opaque origin; images and downloads are unaffected.
 */
export const OBJECT_SAFETY_HEADERS: [string, string][] = [
  ['Content-Security-Policy', 'sandbox'],
  ['X-Content-Type-Options', 'nosniff'],
]

function objectHeaders(object: R2Object, params: Map<string, string>): Headers {
  const headers = baseHeaders()
  for (const [name, value] of OBJECT_SAFETY_HEADERS) headers.set(name, value)
  object.writeHttpMetadata(headers)
  headers.set('ETag', object.httpEtag)
  headers.set('Last-Modified', object.uploaded.toUTCString())
  headers.set('Accept-Ranges', 'bytes')
  for (const [name, value] of Object.entries(object.customMetadata ?? {})) {
    headers.set(`x-amz-meta-${name}`, value)
  }
  for (const [param, header] of OVERRIDES) {
    const value = params.get(param)
    if (value !== undefined) headers.set(header, value)
  }
  return headers
}

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

const MALFORMED_ETAG = 'If-Match and If-None-Match must be * or entity tags like "abc".'

/**
 * The request's preconditions in the form R2's onlyIf reads without throwing: entity-tag lists
 * normalised (a malformed one is the client's error), dates that do not parse ignored as RFC
 * 9110 §13.1.3 says.
 */
export function conditionalHeaders(request: Headers): Headers {
  const out = new Headers()
  for (const name of ['if-match', 'if-none-match']) {
    const value = request.get(name)
    if (value === null) continue
    const tags = parseEtagList(value)
    if (!tags) throw new S3Error('InvalidArgument', MALFORMED_ETAG)
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

function etagMatches(list: string, etag: string): boolean {
  if (list.trim() === '*') return true
  const bare = etag.replace(/^W\//, '').replace(/"/g, '')
  return list.split(',').some((item) => item.trim().replace(/^W\//, '').replace(/"/g, '') === bare)
}

/** Which answer a failed precondition gets: If-Match / If-Unmodified-Since → 412, else 304. */
function preconditionStatus(headers: Headers, object: R2Object): 304 | 412 {
  const ifMatch = headers.get('if-match')
  if (ifMatch !== null) return etagMatches(ifMatch, object.etag) ? 304 : 412
  const ifUnmodifiedSince = headers.get('if-unmodified-since')
  if (ifUnmodifiedSince !== null) {
    const since = Date.parse(ifUnmodifiedSince)
    if (Number.isFinite(since) && Math.floor(object.uploaded.getTime() / 1000) * 1000 > since) {
      return 412
    }
  }
  return 304
}

type ByteRange = { suffix: number } | { start: number; end: number | undefined }

/** Parses a single `bytes=` range; undefined when there is none, S3Error when malformed. */
function parseRange(header: string | null): ByteRange | undefined {
  if (header === null) return undefined
  const m = RANGE.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) {
    throw new S3Error('InvalidRange', 'The requested range is not satisfiable.')
  }
  if (m[1] === '') return { suffix: Number(m[2]) }
  const start = Number(m[1])
  const end = m[2] === '' ? undefined : Number(m[2])
  if (end !== undefined && end < start) {
    throw new S3Error('InvalidRange', 'The requested range is not satisfiable.')
  }
  return { start, end }
}

function toR2Range(range: ByteRange): R2Range {
  if ('suffix' in range) return { suffix: range.suffix }
  return range.end === undefined
    ? { offset: range.start }
    : { offset: range.start, length: range.end - range.start + 1 }
}

/** The bytes served for `range` of an object of `size`; undefined when unsatisfiable. */
function resolveRange(range: ByteRange, size: number): { start: number; end: number } | undefined {
  if ('suffix' in range) {
    if (range.suffix === 0 || size === 0) return undefined
    return { start: Math.max(0, size - range.suffix), end: size - 1 }
  }
  if (range.start >= size) return undefined
  return { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) }
}

const RANGE = /^bytes=(\d{0,15})-(\d{0,15})$/

export async function getObject(
  bucket: R2Bucket,
  key: string,
  request: Request,
  params: Map<string, string>,
): Promise<Response> {
  const requested = parseRange(request.headers.get('range'))
  const conditions = conditionalHeaders(request.headers)
  let object: R2Object | R2ObjectBody | null
  try {
    object = await bucket.get(key, {
      onlyIf: conditions,
      ...(requested ? { range: toR2Range(requested) } : {}),
    })
  } catch (error) {
    // R2 throws for a range it cannot serve (on an empty object, without saying "range"):
    // only when the object's size says so is it the client's range that is wrong.
    if (requested) {
      const head = await bucket.head(key).catch(() => null)
      if (head && !resolveRange(requested, head.size)) {
        throw new S3Error('InvalidRange', 'The requested range is not satisfiable.')
      }
    }
    throw error
  }
  if (!object) throw new S3Error('NoSuchKey', 'The specified key does not exist.')
  const headers = objectHeaders(object, params)
  if (!('body' in object)) {
    const status = preconditionStatus(conditions, object)
    if (status === 412)
      throw new S3Error(
        'PreconditionFailed',
        'At least one of the preconditions you specified did not hold.',
      )
    return new Response(null, { status: 304, headers })
  }
  const head = request.method === 'HEAD'
  if (requested) {
    const range = resolveRange(requested, object.size)
    if (!range) {
      await object.body.cancel()
      throw new S3Error('InvalidRange', 'The requested range is not satisfiable.')
    }
    headers.set('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`)
    headers.set('Content-Length', String(range.end - range.start + 1))
    if (head) await object.body.cancel()
    return new Response(head ? null : object.body, { status: 206, headers })
  }
  headers.set('Content-Length', String(object.size))
  if (head) await object.body.cancel()
  return new Response(head ? null : object.body, { status: 200, headers })
}

function base64ToBytes(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0))
  } catch {
    return undefined
  }
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

/** The SHA-256 the client committed to, from x-amz-checksum-sha256 and/or x-amz-content-sha256. */
function expectedSha256(headers: Headers, payloadHash: string): Uint8Array | undefined {
  let expected: Uint8Array | undefined
  const checksum = headers.get('x-amz-checksum-sha256')
  if (checksum !== null) {
    expected = base64ToBytes(checksum)
    if (expected?.length !== 32) {
      throw new S3Error('InvalidDigest', 'The x-amz-checksum-sha256 you specified is not valid.')
    }
  }
  if (payloadHash !== 'UNSIGNED-PAYLOAD') {
    if (!/^[0-9a-f]{64}$/.test(payloadHash)) {
      throw new S3Error(
        'InvalidArgument',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a SHA-256 in hex.',
      )
    }
    const fromPayload = hexToBytes(payloadHash)
    if (expected && !sameBytes(expected, fromPayload)) {
      throw new S3Error(
        'BadDigest',
        'The SHA-256 you specified did not match the calculated checksum.',
      )
    }
    expected = fromPayload
  }
  return expected
}

export function incompleteBody(): S3Error {
  return new S3Error('IncompleteBody', 'The body did not have the length given in Content-Length.')
}

/**
 * A request body of a declared length as a stream R2 accepts (R2 refuses a stream that ends
 * early or runs long, so a refused upload writes nothing), and whose fault a failure was:
 * `clientFault` settles true when the client's stream broke or held another number of bytes,
 * false when it delivered exactly `length` (then a failed write is the store's, a 500).
 */
export function fixedLengthBody(
  request: Request,
  length: number,
): { stream: ReadableStream<Uint8Array>; clientFault: Promise<boolean> } {
  const { readable, writable } = new FixedLengthStream(length)
  const source = request.body
  const clientFault = (async () => {
    const writer = writable.getWriter()
    if (!source) {
      await writer.close().catch(() => undefined)
      return length !== 0
    }
    const reader = source.getReader()
    let bytes = 0
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>
      try {
        next = await reader.read()
      } catch {
        await writer.abort(incompleteBody()).catch(() => undefined)
        return true
      }
      if (next.done) break
      bytes += next.value.byteLength
      if (bytes > length) break
      try {
        await writer.write(next.value)
      } catch {
        // The store stopped reading: its failure, not the client's.
        await reader.cancel().catch(() => undefined)
        return false
      }
    }
    if (bytes !== length) {
      await reader.cancel().catch(() => undefined)
      await writer.abort(incompleteBody()).catch(() => undefined)
      return true
    }
    await writer.close().catch(() => undefined)
    return false
  })()
  return { stream: readable, clientFault }
}

/**
 * Streams a request body into R2 with a fixed length: R2 refuses a stream that ends early or
 * runs long, and a SHA-256 it is given, so a refused upload writes nothing.
 */
export async function putObject(
  bucket: R2Bucket,
  key: string,
  request: Request,
  payloadHash: string,
): Promise<Response> {
  const lengthHeader = request.headers.get('content-length')
  if (lengthHeader === null || !/^\d{1,16}$/.test(lengthHeader)) {
    throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.')
  }
  const length = Number(lengthHeader)
  if (length > MAX_PUT_SIZE) {
    throw new S3Error(
      'EntityTooLarge',
      'Your proposed upload exceeds the maximum allowed object size.',
    )
  }
  const sha256 = expectedSha256(request.headers, payloadHash)
  const httpMetadata: R2HTTPMetadata = {}
  const h = request.headers
  if (h.get('content-type') !== null) httpMetadata.contentType = h.get('content-type') as string
  if (h.get('content-disposition') !== null)
    httpMetadata.contentDisposition = h.get('content-disposition') as string
  if (h.get('content-encoding') !== null)
    httpMetadata.contentEncoding = h.get('content-encoding') as string
  if (h.get('content-language') !== null)
    httpMetadata.contentLanguage = h.get('content-language') as string
  if (h.get('cache-control') !== null) httpMetadata.cacheControl = h.get('cache-control') as string
  const customMetadata: Record<string, string> = {}
  for (const [name, value] of h) {
    if (name.startsWith('x-amz-meta-')) customMetadata[name.slice('x-amz-meta-'.length)] = value
  }
  const options: R2PutOptions = { httpMetadata, customMetadata }
  if (sha256) options.sha256 = sha256.buffer as ArrayBuffer
  const conditions = conditionalHeaders(h)
  if (conditions.has('if-none-match') || conditions.has('if-match')) options.onlyIf = conditions

  const body = fixedLengthBody(request, length)
  let stored: R2Object | null
  try {
    stored = await bucket.put(key, body.stream, options)
  } catch (error) {
    const message = error instanceof Error ? error.message : ''
    if (/sha-?256|checksum|digest/i.test(message)) {
      throw new S3Error(
        'BadDigest',
        'The SHA-256 you specified did not match the calculated checksum.',
      )
    }
    if (await body.clientFault) throw incompleteBody()
    throw error
  }
  if (await body.clientFault) throw incompleteBody()
  if (!stored) {
    throw new S3Error(
      'PreconditionFailed',
      'At least one of the preconditions you specified did not hold.',
    )
  }
  const headers = baseHeaders()
  headers.set('ETag', stored.httpEtag)
  const checksum = h.get('x-amz-checksum-sha256')
  if (checksum !== null) headers.set('x-amz-checksum-sha256', checksum)
  return new Response(null, { status: 200, headers })
}

export async function deleteObject(bucket: R2Bucket, key: string): Promise<Response> {
  await bucket.delete(key)
  return new Response(null, { status: 204, headers: baseHeaders() })
}
