// Object operations of the gateway on an R2 binding, shaped like S3's: GET/HEAD through the
// bucket's store (Range and conditionals), PUT streamed into R2 with its length and checksums
// enforced, DELETE. Callers verified the request first; everything read from the query here was
// covered by its signature.
import { bytesEqual, fromBase64, fromHex } from '../lib/bytes'
import { readConditions } from '../lib/http-conditions'
import { MAX_PUT_SIZE } from '../lib/limits'
import { OBJECT_SAFETY_HEADERS } from '../lib/serving'
import { cachedRead, type ObjectCache } from '../stores/object-cache'
import type { Credential, Store } from '../stores/store'
import { S3Error } from './errors'

/** A bucket the gateway serves: its store, its R2 binding and the credential it verifies with. */
export type GatewayBucket = {
  store: Store
  binding: R2Bucket
  credential: Credential
  name: string
}

export const EXPOSED_HEADERS =
  'ETag, Content-Length, Content-Range, Content-Type, Content-Disposition, Last-Modified, x-amz-request-id, x-amz-checksum-sha256'

function baseHeaders(): Headers {
  return new Headers({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
  })
}

const MALFORMED_ETAG = 'If-Match and If-None-Match must be * or entity tags like "abc".'

/**
 * GET/HEAD: the object as its store reads it (through the location's cache when there is one),
 * with the gateway's CORS and safety headers.
 */
export async function getObject(
  bucket: GatewayBucket,
  key: string,
  request: Request,
  overrides: readonly (readonly [string, string])[],
  objects: ObjectCache | undefined,
): Promise<Response> {
  const readRequest = {
    method: request.method === 'HEAD' ? ('HEAD' as const) : ('GET' as const),
    headers: request.headers,
  }
  const options = { overrides, nowMs: Date.now(), maxSeconds: 60 }
  const read = objects
    ? await cachedRead(bucket.store, bucket.name, key, readRequest, options, objects)
    : await bucket.store.readObject(key, readRequest, options)
  if (!read.ok) {
    switch (read.reason) {
      case 'not_found':
        throw new S3Error('NoSuchKey', 'The specified key does not exist.')
      case 'precondition_failed':
        throw new S3Error(
          'PreconditionFailed',
          'At least one of the preconditions you specified did not hold.',
        )
      case 'invalid_range':
        throw new S3Error('InvalidRange', 'The requested range is not satisfiable.')
      case 'bad_condition':
        throw new S3Error('InvalidArgument', MALFORMED_ETAG)
      default: {
        const unreachable: never = read.reason
        throw new Error(`unhandled read failure ${String(unreachable)}`)
      }
    }
  }
  const headers = baseHeaders()
  for (const [name, value] of OBJECT_SAFETY_HEADERS) headers.set(name, value)
  for (const [name, value] of read.headers) headers.set(name, value)
  return new Response(read.body, { status: read.status, headers })
}

/** The SHA-256 the client committed to, from x-amz-checksum-sha256 and/or x-amz-content-sha256. */
function expectedSha256(headers: Headers, payloadHash: string): Uint8Array | undefined {
  let expected: Uint8Array | undefined
  const checksum = headers.get('x-amz-checksum-sha256')
  if (checksum !== null) {
    expected = fromBase64(checksum)
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
    const fromPayload = fromHex(payloadHash) as Uint8Array
    if (expected && !bytesEqual(expected, fromPayload)) {
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
  /** Runs once the object is stored, before the answer (the upload's event goes out here). */
  stored: (object: R2Object) => Promise<void> = async () => {},
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
  const conditions = readConditions(h)
  if (!conditions) throw new S3Error('InvalidArgument', MALFORMED_ETAG)
  if (conditions.has('if-none-match') || conditions.has('if-match')) options.onlyIf = conditions

  const body = fixedLengthBody(request, length)
  let written: R2Object | null
  try {
    written = await bucket.put(key, body.stream, options)
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
  if (!written) {
    throw new S3Error(
      'PreconditionFailed',
      'At least one of the preconditions you specified did not hold.',
    )
  }
  await stored(written)
  const headers = baseHeaders()
  headers.set('ETag', written.httpEtag)
  const checksum = h.get('x-amz-checksum-sha256')
  if (checksum !== null) headers.set('x-amz-checksum-sha256', checksum)
  return new Response(null, { status: 200, headers })
}

export async function deleteObject(bucket: R2Bucket, key: string): Promise<Response> {
  await bucket.delete(key)
  return new Response(null, { status: 204, headers: baseHeaders() })
}
