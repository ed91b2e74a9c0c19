// The gateway for S3 SDKs and tools: requests signed in their Authorization header (SigV4) with
// the bucket's gateway key pair, its current or previous one. Verified first (s3/verify-header),
// then served as S3 serves them: objects (GET, HEAD, PUT with any payload form SDKs send, DELETE)
// through the same code as presigned URLs, the bucket (ListObjectsV2, HEAD), and multipart
// uploads (create, parts, complete, abort). Anything else says, in one line, what is served.
import type { Context } from 'hono'
import type { AppEnv } from '../env'
import { hex, textEqual } from '../lib/bytes'
import { escapeXml, xmlValue } from '../lib/xml'
import { encodeKeyPath } from '../s3/encoding'
import { type HeaderVerified, verifyHeaderSigned } from '../s3/verify-header'
import { dropCachedObject } from '../stores/object-cache'
import { pairById } from '../stores/store'
import { emit, objectCreated } from '../webhooks/events'
import { S3Error, signatureError } from './errors'
import { listObjects } from './list'
import type { GatewayBucket } from './objects'
import { checkedBody } from './payload'

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/'
/** A CompleteMultipartUpload document lists at most 10,000 parts: well under this. */
const MAX_COMPLETE_XML = 2 * 1024 * 1024

/** What the presigned path's dispatch does with an object request, given its checked request. */
export type ObjectDispatch = (
  request: Request,
  params: Map<string, string>,
  payloadHash: string,
) => Promise<Response>

function xml(body: string, status = 200): Response {
  return new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, {
    status,
    headers: { 'Content-Type': 'application/xml', 'Access-Control-Allow-Origin': '*' },
  })
}

/** Serves one header-signed request to a gateway bucket (`key` '' for the bucket itself). */
export async function serveSigned(
  c: Context<AppEnv>,
  bucket: GatewayBucket,
  key: string,
  dispatch: ObjectDispatch,
): Promise<Response> {
  const url = new URL(c.req.url)
  const verified = await c.get('timing').measure('sign', () =>
    verifyHeaderSigned({
      method: c.req.method,
      rawPath: url.pathname,
      rawQuery: url.search.slice(1),
      host: c.req.header('host') ?? url.host,
      headers: c.req.raw.headers,
      now: new Date(),
      lookup: (id) => pairById(bucket.credential, id),
    }),
  )
  if (!verified.ok) throw signatureError(verified.reason, verified.message, 'header')
  const { params } = verified
  if (params.has('versionId')) {
    throw new S3Error('InvalidArgument', 'R2 bindings keep no object versions: drop versionId.')
  }
  const method = c.req.method
  if (key === '') {
    if (method === 'GET' && params.get('list-type') === '2') {
      return c
        .get('timing')
        .measure('store', () => listObjects(bucket.binding, bucket.name, params))
    }
    if (method === 'HEAD') return new Response(null, { status: 200 })
    throw notServed()
  }
  if (method === 'POST' && params.has('uploads')) return createUpload(c, bucket, key)
  if (method === 'POST' && params.has('uploadId')) return completeUpload(c, bucket, key, verified)
  if (method === 'DELETE' && params.has('uploadId')) {
    await multipart(() => bucket.store.abortMultipartUpload(key, params.get('uploadId') ?? ''))
    return new Response(null, { status: 204, headers: { 'Access-Control-Allow-Origin': '*' } })
  }
  if (method === 'PUT') {
    // PutObject or UploadPart only: a copy, tagging or ACL would otherwise store its body.
    if (
      params.has('uploadId') !== params.has('partNumber') ||
      [...params.keys()].some((name) => !PUT_PARAMS.has(name)) ||
      c.req.header('x-amz-copy-source') !== undefined
    ) {
      throw notServed()
    }
    const body = checkedBody(c.req.raw, verified)
    try {
      // An aws-chunked body's chunks and checksum are checked as it streams (payload.ts).
      const chunked = verified.payloadHash.startsWith('STREAMING-')
      const answer = await dispatch(
        body.request,
        params,
        chunked ? 'UNSIGNED-PAYLOAD' : verified.payloadHash,
      )
      const failure = body.failure()
      if (failure) throw failure
      return answer
    } catch (error) {
      throw body.failure() ?? error
    }
  }
  if (method === 'GET' || method === 'HEAD' || method === 'DELETE') {
    if ([...params.keys()].some((name) => !ALLOWED_OBJECT_PARAMS.has(name))) throw notServed()
    return dispatch(c.req.raw, params, verified.payloadHash)
  }
  throw notServed()
}

/** Query parameters a PUT may carry: an object's, or a part's. */
const PUT_PARAMS = new Set(['x-id', 'uploadId', 'partNumber'])

/** Query parameters an object GET, HEAD or DELETE may carry (the SDKs add x-id). */
const ALLOWED_OBJECT_PARAMS = new Set([
  'x-id',
  'partNumber',
  'response-content-type',
  'response-content-disposition',
  'response-cache-control',
  'response-content-language',
  'response-content-encoding',
  'response-expires',
])

function notServed(): S3Error {
  return new S3Error(
    'MethodNotAllowed',
    'The gateway serves GetObject, HeadObject, PutObject, DeleteObject, multipart uploads (create, UploadPart, complete, abort), ListObjectsV2 and HeadBucket, signed in the Authorization header or presigned.',
  )
}

/** The store's multipart refusals in S3's words. */
async function multipart<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'not_found') {
      throw new S3Error('NoSuchUpload', 'The specified multipart upload does not exist.')
    }
    if (code === 'invalid_request') {
      throw new S3Error('InvalidPart', error instanceof Error ? error.message : 'Invalid part.')
    }
    throw error
  }
}

async function createUpload(c: Context<AppEnv>, bucket: GatewayBucket, key: string) {
  const metadata: Record<string, string> = {}
  for (const [name, value] of c.req.raw.headers) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value
  }
  const contentType = c.req.header('content-type')
  const uploadId = await bucket.store.createMultipartUpload(key, {
    ...(contentType ? { contentType } : {}),
    metadata,
  })
  return xml(
    `<InitiateMultipartUploadResult xmlns="${XMLNS}"><Bucket>${escapeXml(bucket.name)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId></InitiateMultipartUploadResult>`,
  )
}

async function completeUpload(
  c: Context<AppEnv>,
  bucket: GatewayBucket,
  key: string,
  verified: HeaderVerified,
) {
  const length = Number(c.req.header('content-length') ?? Number.NaN)
  if (!(length > 0 && length <= MAX_COMPLETE_XML)) {
    throw new S3Error('MalformedXML', 'CompleteMultipartUpload needs its parts as XML.')
  }
  const bytes = new Uint8Array(await c.req.arrayBuffer())
  if (/^[0-9a-f]{64}$/.test(verified.payloadHash)) {
    const hash = hex(await crypto.subtle.digest('SHA-256', bytes))
    if (!textEqual(hash, verified.payloadHash)) {
      throw new S3Error(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      )
    }
  }
  const body = new TextDecoder().decode(bytes)
  const parts = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((match) => {
    const part = match[1] ?? ''
    const number = Number(xmlValue(part, 'PartNumber'))
    const etag = xmlValue(part, 'ETag')
    if (!Number.isSafeInteger(number) || etag === undefined) {
      throw new S3Error('MalformedXML', 'Each Part needs a PartNumber and an ETag.')
    }
    return { partNumber: number, etag }
  })
  if (parts.length === 0)
    throw new S3Error('MalformedXML', 'CompleteMultipartUpload lists no part.')
  if (parts.some((part, i) => i > 0 && part.partNumber <= (parts[i - 1]?.partNumber ?? 0))) {
    throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.')
  }
  const uploadId = verified.params.get('uploadId') ?? ''
  const etag = await multipart(() => bucket.store.completeMultipartUpload(key, uploadId, parts))
  await dropCachedObject(caches.default, bucket.name, key).catch(() => undefined)
  const head = await bucket.binding.head(key)
  await emit(c.env.EVENTS, [
    objectCreated({ bucket: bucket.name, key, size: head?.size ?? null, etag }, 'gateway'),
  ])
  const location = `${new URL(c.req.url).origin}/s3/${encodeKeyPath(`${bucket.name}/${key}`)}`
  return xml(
    `<CompleteMultipartUploadResult xmlns="${XMLNS}"><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(bucket.name)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag ?? '')}</ETag></CompleteMultipartUploadResult>`,
  )
}
