// Uploads beyond one PUT on an R2 binding: multipart parts (PUT ?partNumber&uploadId) and
// browser POST uploads checked against their SigV4 policy. Bodies stream into R2; a refused
// upload writes nothing.

import { MAX_PARTS, MAX_PUT_SIZE, POST_PART_SIZE } from '../lib/limits'
import { parseMediaType } from '../lib/media-type'
import { checkObjectKey } from '../lib/object-key'
import { escapeXml } from '../lib/xml'
import { checkPostPolicy, type PolicyFailure } from '../s3/post-policy'
import { dropCachedObject } from '../stores/object-cache'
import { r2ErrorCode } from '../stores/r2-binding'
import { pairById } from '../stores/store'
import { emit, objectCreated } from '../webhooks/events'
import { S3Error, type S3ErrorCode } from './errors'
import { boundaryOf, readForm } from './form'
import { EXPOSED_HEADERS, fixedLengthBody, type GatewayBucket, incompleteBody } from './objects'

/** S3 replaces this in a POST form's key with the uploaded file's name. */
const FILENAME_VARIABLE = '$' + '{filename}'

function corsHeaders(): Headers {
  return new Headers({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': EXPOSED_HEADERS,
  })
}

function quoted(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`
}

/** PUT ?partNumber=N&uploadId=ID: one part, streamed with the length it declares. */
export async function uploadPart(
  bucket: R2Bucket,
  key: string,
  request: Request,
  params: Map<string, string>,
): Promise<Response> {
  const partText = params.get('partNumber') ?? ''
  const uploadId = params.get('uploadId') ?? ''
  if (
    !/^\d{1,5}$/.test(partText) ||
    Number(partText) < 1 ||
    Number(partText) > MAX_PARTS ||
    !uploadId
  ) {
    throw new S3Error(
      'InvalidArgument',
      'Part number must be an integer between 1 and 10000, with an uploadId.',
    )
  }
  const lengthHeader = request.headers.get('content-length')
  if (lengthHeader === null || !/^\d{1,16}$/.test(lengthHeader)) {
    throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header.')
  }
  const length = Number(lengthHeader)
  if (length > MAX_PUT_SIZE)
    throw new S3Error(
      'EntityTooLarge',
      'Your proposed upload exceeds the maximum allowed part size.',
    )
  const body = fixedLengthBody(request, length)
  let part: R2UploadedPart
  try {
    part = await bucket
      .resumeMultipartUpload(key, uploadId)
      .uploadPart(Number(partText), body.stream)
  } catch (error) {
    if (await body.clientFault) throw incompleteBody()
    if (
      r2ErrorCode(error) === '10024' ||
      (error instanceof Error && /upload does not exist/i.test(error.message))
    ) {
      throw new S3Error('NoSuchUpload', 'The specified multipart upload does not exist.')
    }
    throw error
  }
  if (await body.clientFault) throw incompleteBody()
  const headers = corsHeaders()
  headers.set('ETag', quoted(part.etag))
  return new Response(null, { status: 200, headers })
}

/**
 * Stores a stream of unknown length: up to one part in memory and a single put, or a multipart
 * upload of fixed-size parts. Bounds are enforced as bytes arrive; on any refusal the multipart
 * upload is aborted, so nothing is written.
 */
export async function storeStream(
  bucket: R2Bucket,
  key: string,
  stream: ReadableStream<Uint8Array>,
  range: [number, number],
  options: R2PutOptions,
): Promise<R2Object> {
  const [min, max] = range
  const reader = stream.getReader()
  let pending: Uint8Array[] = []
  let pendingSize = 0
  let total = 0
  let upload: R2MultipartUpload | undefined
  const parts: R2UploadedPart[] = []
  const take = (size: number): Uint8Array => {
    const out = new Uint8Array(size)
    let offset = 0
    while (offset < size) {
      const head = pending[0] as Uint8Array
      const needed = size - offset
      if (head.length <= needed) {
        out.set(head, offset)
        offset += head.length
        pending.shift()
      } else {
        out.set(head.subarray(0, needed), offset)
        pending[0] = head.subarray(needed)
        offset += needed
      }
    }
    pendingSize -= size
    return out
  }
  try {
    for (;;) {
      const next = await reader.read()
      if (next.done) break
      total += next.value.length
      if (total > max)
        throw new S3Error(
          'EntityTooLarge',
          'Your proposed upload exceeds the maximum allowed size.',
        )
      pending.push(next.value)
      pendingSize += next.value.length
      // Hold one extra byte back so the last part is never empty.
      while (pendingSize > POST_PART_SIZE) {
        upload ??= await bucket.createMultipartUpload(key, options)
        parts.push(await upload.uploadPart(parts.length + 1, take(POST_PART_SIZE)))
      }
    }
    if (total < min)
      throw new S3Error(
        'EntityTooSmall',
        'Your proposed upload is smaller than the minimum allowed size.',
      )
    const rest = take(pendingSize)
    if (!upload) {
      const stored = await bucket.put(key, rest, options)
      if (!stored)
        throw new S3Error(
          'PreconditionFailed',
          'At least one of the preconditions you specified did not hold.',
        )
      return stored
    }
    parts.push(await upload.uploadPart(parts.length + 1, rest))
    return await upload.complete(parts)
  } catch (error) {
    pending = []
    await reader.cancel().catch(() => undefined)
    if (upload) await upload.abort().catch(() => undefined)
    throw error
  }
}

function policyError(reason: PolicyFailure, message: string): S3Error {
  let code: S3ErrorCode
  switch (reason) {
    case 'missing_field':
    case 'malformed':
      code = 'InvalidPolicyDocument'
      break
    case 'unknown_access_key':
      code = 'InvalidAccessKeyId'
      break
    case 'signature_mismatch':
      code = 'SignatureDoesNotMatch'
      break
    case 'expired':
    case 'condition_failed':
    case 'extra_field':
      code = 'AccessDenied'
      break
    default: {
      const unreachable: never = reason
      throw new Error(`unhandled policy failure ${String(unreachable)}`)
    }
  }
  return new S3Error(code, message)
}

/** POST /s3/<bucket>: a browser form upload, answered as S3 answers it. */
export async function postObject(
  request: Request,
  bucket: GatewayBucket,
  origin: string,
  events: Queue,
): Promise<Response> {
  const boundary = boundaryOf(request.headers.get('content-type'))
  if (!request.body) throw new S3Error('MalformedPOSTRequest', 'The POST request has no body.')
  const { fields, file } = await readForm(request.body, boundary)
  if (!file)
    throw new S3Error('InvalidArgument', 'POST requires exactly one file upload per request.')
  const keyTemplate = fields.get('key')
  if (keyTemplate !== undefined)
    fields.set('key', keyTemplate.replaceAll(FILENAME_VARIABLE, file.filename))
  const checked = await checkPostPolicy({
    bucket: bucket.name,
    fields,
    now: new Date(),
    lookup: (id) => pairById(bucket.credential, id),
  })
  if (!checked.ok) {
    await file.stream.cancel()
    throw policyError(checked.reason, checked.message)
  }
  const key = fields.get('key') as string
  const keyCheck = checkObjectKey(key)
  if (!keyCheck.ok) {
    await file.stream.cancel()
    throw new S3Error(
      keyCheck.problem === 'too_long' ? 'KeyTooLongError' : 'InvalidArgument',
      `The object key ${keyCheck.message}.`,
    )
  }
  const httpMetadata: R2HTTPMetadata = {}
  const contentType = fields.get('content-type')
  // One media type only: a list passes a starts-with condition, and browsers act on its last.
  if (contentType !== undefined && !parseMediaType(contentType)) {
    await file.stream.cancel()
    throw new S3Error('InvalidArgument', 'Content-Type must be one media type, not a list.')
  }
  if (contentType !== undefined) httpMetadata.contentType = contentType
  const disposition = fields.get('content-disposition')
  if (disposition !== undefined) httpMetadata.contentDisposition = disposition
  const cacheControl = fields.get('cache-control')
  if (cacheControl !== undefined) httpMetadata.cacheControl = cacheControl
  const customMetadata: Record<string, string> = {}
  for (const [name, value] of fields) {
    if (name.startsWith('x-amz-meta-')) customMetadata[name.slice('x-amz-meta-'.length)] = value
  }
  const range = checked.lengthRange ?? [0, MAX_PUT_SIZE]
  const stored = await storeStream(
    bucket.binding,
    key,
    file.stream,
    [Math.max(0, range[0]), Math.min(range[1], MAX_PUT_SIZE)],
    {
      httpMetadata,
      customMetadata,
    },
  )
  // This location's cache no longer points at a version the form replaced.
  await dropCachedObject(caches.default, bucket.name, key).catch(() => undefined)
  // Queued before the answer: an acknowledged upload always has its event.
  await emit(events, [
    objectCreated(
      { bucket: bucket.name, key, size: stored.size, etag: stored.httpEtag },
      'gateway',
    ),
  ])
  const headers = corsHeaders()
  const etag = stored.httpEtag
  headers.set('ETag', etag)
  const location = `${origin}/s3/${bucket.name}/${key.split('/').map(encodeURIComponent).join('/')}`
  headers.set('Location', location)
  const status = fields.get('success_action_status')
  if (status === '201') {
    headers.set('Content-Type', 'application/xml')
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${escapeXml(location)}</Location><Bucket>${escapeXml(bucket.name)}</Bucket><Key>${escapeXml(key)}</Key><ETag>${escapeXml(etag)}</ETag></PostResponse>`
    return new Response(body, { status: 201, headers })
  }
  return new Response(null, { status: status === '200' ? 200 : 204, headers })
}
