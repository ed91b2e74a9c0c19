// /s3/<bucket>/<key>: the S3-style gateway over R2 bindings. Trust boundary: nothing about the
// request is used before its SigV4 query signature verifies; then the signed parameters
// (expiry, allowed CIDRs, response overrides) are honoured. Errors are S3's XML.
import type { Context } from 'hono'
import { type Config, getConfig } from '../config'
import type { AppEnv } from '../env'
import { logFailure } from '../errors'
import { ipInCidrList } from '../lib/cidr'
import { gatewayPreflight } from '../lib/cors'
import { RESPONSE_OVERRIDES } from '../lib/http-conditions'
import { MAX_HEADER_BYTES, MAX_HEADERS, MAX_QUERY_BYTES, MAX_QUERY_PARAMS } from '../lib/limits'
import { checkObjectKey } from '../lib/object-key'
import { verifyPresigned } from '../s3/verify'
import { isHeaderSigned } from '../s3/verify-header'
import { isV2Query, type V2Failure, verifyPresignedV2 } from '../s3/verify-v2'
import { meteredStore } from '../stores/metered'
import { dropCachedObject, type ObjectCache } from '../stores/object-cache'
import { ALLOW_IPS_PARAM, IF_MATCH_PARAM } from '../stores/r2-binding'
import { pairById } from '../stores/store'
import { openUploadId } from '../stores/upload-id'
import { emit, objectCreated } from '../webhooks/events'
import { S3Error, s3ErrorResponse, signatureError } from './errors'
import { listObjects } from './list'
import { deleteObject, type GatewayBucket, getObject, putObject } from './objects'
import { serveSigned } from './s3-api'
import { postObject, uploadPart } from './uploads'

export const GATEWAY_PREFIX = '/s3/'

/** Refuses requests beyond the bounds above, reading each header once. */
function checkRequestSize(url: URL, headers: Headers): void {
  const query = url.search
  if (query.length > MAX_QUERY_BYTES || query.split('&').length > MAX_QUERY_PARAMS) {
    throw new S3Error(
      'InvalidArgument',
      `The gateway reads at most ${MAX_QUERY_PARAMS} query parameters in ${MAX_QUERY_BYTES} bytes.`,
    )
  }
  let count = 0
  let bytes = 0
  for (const [name, value] of headers) {
    count++
    bytes += name.length + value.length + 4
    if (count > MAX_HEADERS || bytes > MAX_HEADER_BYTES) {
      throw new S3Error(
        'RequestHeaderSectionTooLarge',
        `The gateway reads at most ${MAX_HEADERS} headers in ${MAX_HEADER_BYTES} bytes.`,
      )
    }
  }
}

function v2Error(reason: V2Failure, message: string): S3Error {
  switch (reason) {
    case 'missing_parameter':
    case 'duplicate_parameter':
    case 'malformed_parameter':
      return new S3Error('AuthorizationQueryParametersError', message)
    case 'unknown_access_key':
      return new S3Error('InvalidAccessKeyId', message)
    case 'signature_mismatch':
      return new S3Error('SignatureDoesNotMatch', message)
    case 'method':
    case 'expired':
    case 'too_far':
      return new S3Error('AccessDenied', message)
    default: {
      const unreachable: never = reason
      throw new Error(`unhandled SigV2 failure ${String(unreachable)}`)
    }
  }
}

/** Splits /s3/<bucket>/<key> into the bucket name and the decoded key. */
export function parseGatewayPath(
  pathname: string,
  prefix = GATEWAY_PREFIX,
  allowBucket = false,
): { bucket: string; key: string } {
  const rest = pathname.slice(prefix.length)
  const slash = rest.indexOf('/')
  const bucket = slash === -1 ? rest : rest.slice(0, slash)
  const rawKey = slash === -1 ? '' : rest.slice(slash + 1)
  // The bucket itself (`/s3/<bucket>/`, or without the slash as SDKs send it): a listing.
  if (rawKey === '' && allowBucket) return { bucket, key: '' }
  if (rawKey === '') {
    // S3 would answer 501 NotImplemented; a request Signet does not serve is the client's error.
    throw new S3Error(
      'MethodNotAllowed',
      'The gateway serves object requests only: /s3/<bucket>/<key>.',
    )
  }
  let key: string
  try {
    key = decodeURIComponent(rawKey)
  } catch {
    throw new S3Error('InvalidURI', 'Could not parse the specified URI.')
  }
  const check = checkObjectKey(key)
  if (!check.ok) {
    throw new S3Error(
      check.problem === 'too_long' ? 'KeyTooLongError' : 'InvalidArgument',
      `The object key ${check.message}.`,
    )
  }
  return { bucket, key }
}

function preflight(c: Context<AppEnv>): Response {
  return new Response(null, {
    status: 204,
    headers: gatewayPreflight(c.req.header('Access-Control-Request-Headers') ?? null),
  })
}

async function serve(c: Context<AppEnv>, prefix: string): Promise<Response> {
  if (c.req.method === 'OPTIONS') return preflight(c)
  const url = new URL(c.req.url)
  checkRequestSize(url, c.req.raw.headers)
  const config = getConfig(c.env)
  if (isHeaderSigned(c.req.raw.headers)) {
    // An S3 SDK's request, signed in its Authorization header (s3-api.ts).
    const { bucket: name, key } = parseGatewayPath(url.pathname, prefix, true)
    const bucket = gatewayBucket(config, name)
    return serveSigned(c, bucket, key, (request, params, payloadHash) =>
      dispatch(c, bucket, key, params, payloadHash, request),
    )
  }
  // SigV2 in a header (`AWS <key>:<signature>`). Any other scheme is not the gateway's (a
  // redirected share download may carry the link's Basic password): the URL must be signed.
  if (/^AWS /.test(c.req.header('authorization') ?? '')) {
    throw new S3Error(
      'AccessDenied',
      'The gateway takes SigV4 only: an Authorization header of AWS4-HMAC-SHA256, or a presigned URL.',
    )
  }
  if (c.req.method === 'POST') {
    // POST /s3/<bucket>: a form upload, authorised by its signed policy, not the query.
    const bucketName = url.pathname.slice(prefix.length).replace(/\/$/, '')
    if (bucketName.includes('/')) throw noSuchBucket()
    return postObject(c.req.raw, gatewayBucket(config, bucketName), url.origin, c.env.EVENTS)
  }
  const { bucket: bucketName, key } = parseGatewayPath(
    url.pathname,
    prefix,
    c.req.method === 'GET' && url.searchParams.has('list-type'),
  )
  const bucket = gatewayBucket(config, bucketName)
  const { credential } = bucket
  const lookup = (id: string) => pairById(credential, id)
  const rawQuery = url.search.slice(1)
  // No signature of any kind (a half-signed URL is the verifier's to explain).
  if (!/(^|&)(X-Amz-[A-Za-z-]+|Signature|AWSAccessKeyId)=/i.test(rawQuery)) {
    throw new S3Error(
      'AccessDenied',
      "The gateway serves signed requests only: a presigned URL, or a SigV4 Authorization header made with the bucket's gateway key pair.",
    )
  }
  if (isV2Query(rawQuery)) {
    // SigV2 (s3cmd signurl): the client signed /<bucket>/<key>, without the /s3 prefix.
    const v2 = await c.get('timing').measure('sign', () =>
      verifyPresignedV2({
        method: c.req.method,
        resource: url.pathname.slice(prefix.length - 1),
        rawQuery,
        headers: c.req.raw.headers,
        now: new Date(),
        lookup,
      }),
    )
    if (!v2.ok) throw v2Error(v2.reason, v2.message)
    if (v2.params.has('versionId')) {
      throw new S3Error('InvalidArgument', 'R2 bindings keep no object versions: drop versionId.')
    }
    return dispatch(c, bucket, key, v2.params, 'UNSIGNED-PAYLOAD')
  }
  const verified = await c.get('timing').measure('sign', () =>
    verifyPresigned({
      method: c.req.method,
      rawPath: url.pathname,
      rawQuery,
      host: c.req.header('host') ?? url.host,
      headers: c.req.raw.headers,
      now: new Date(),
      lookup,
    }),
  )
  if (!verified.ok) throw signatureError(verified.reason, verified.message, 'query')

  // Signed, so trusted: a URL bound to CIDRs serves only clients inside them.
  const allowIps = verified.params.get(ALLOW_IPS_PARAM)
  if (
    allowIps !== undefined &&
    !ipInCidrList(allowIps.split(','), c.req.header('CF-Connecting-IP'))
  ) {
    throw new S3Error('AccessDenied', 'This URL may not be used from this address.')
  }
  if (verified.params.has('versionId')) {
    throw new S3Error('InvalidArgument', 'R2 bindings keep no object versions: drop versionId.')
  }
  return dispatch(c, bucket, key, verified.params, verified.payloadHash)
}

function noSuchBucket(): S3Error {
  return new S3Error('NoSuchBucket', 'The specified bucket does not exist.')
}

/** The gateway serves only the buckets whose store is an R2 binding of this Worker. */
/** The gateway bucket of that name; a bucket its configuration disabled is an internal error. */
function gatewayBucket(config: Config, name: string): GatewayBucket {
  const broken = config.broken.get(name)
  if (broken) throw broken
  const store = config.stores.get(name)
  const access = store?.gateway
  if (!store || !access) throw noSuchBucket()
  return { store, binding: access.binding, credential: access.credential, name: store.name }
}

async function dispatch(
  c: Context<AppEnv>,
  bucket: GatewayBucket,
  key: string,
  params: Map<string, string>,
  payloadHash: string,
  /** The request as the store is to see it (a header-signed body, decoded and checked). */
  request: Request = c.req.raw,
): Promise<Response> {
  const timing = c.get('timing')
  const config = getConfig(c.env)
  const metered = { ...bucket, store: meteredStore(bucket.store, timing) }
  const cacheSeconds = config.objectCacheSeconds
  if (key === '') {
    // Only a listing reaches here with no key (parseGatewayPath), its parameters signed.
    return timing.measure('store', () => listObjects(bucket.binding, bucket.name, params))
  }
  switch (c.req.method) {
    case 'GET':
    case 'HEAD': {
      // Bytes from the location's cache, keyed by bucket, key and ETag: the signature was
      // verified above, so a cached byte is served only to a request that may have it.
      const objects: ObjectCache | undefined =
        cacheSeconds > 0
          ? {
              cache: caches.default,
              seconds: cacheSeconds,
              waitUntil: (promise) => c.executionCtx.waitUntil(promise),
              noted: (result) => timing.noteCache(result),
            }
          : undefined
      const overrides = RESPONSE_OVERRIDES.flatMap(([param]) => {
        const value = params.get(param)
        return value === undefined ? [] : [[param, value] as const]
      })
      // Signed, so trusted: a URL made for one version of the object serves no other (412).
      const pinned = params.get(IF_MATCH_PARAM)
      if (pinned === undefined) return getObject(metered, key, c.req.raw, overrides, objects)
      const request = new Request(c.req.raw)
      request.headers.set('If-Match', pinned)
      return getObject(metered, key, request, overrides, objects)
    }
    case 'PUT':
      if (params.has('uploadId') || params.has('partNumber')) {
        const uploadId = (
          await openUploadId(bucket.credential, bucket.name, key, params.get('uploadId') ?? '')
        )?.id
        if (uploadId === undefined) {
          throw new S3Error('NoSuchUpload', 'The specified multipart upload does not exist.')
        }
        return uploadPart(
          bucket.binding,
          key,
          request,
          new Map([...params, ['uploadId', uploadId]]),
        )
      }
      return dropCached(bucket, key, () =>
        timing.measure('store', () =>
          putObject(bucket.binding, key, request, payloadHash, (object) =>
            // Queued before the answer: an acknowledged upload always has its event.
            emit(c.env.EVENTS, [
              objectCreated(
                { bucket: bucket.name, key, size: object.size, etag: object.httpEtag },
                'gateway',
              ),
            ]),
          ),
        ),
      )
    case 'DELETE':
      return dropCached(bucket, key, () =>
        timing.measure('store', () => deleteObject(bucket.binding, key)),
      )
    default:
      throw new S3Error(
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      )
  }
}

/** A write or delete, after which this location's cache no longer points at the old version. */
async function dropCached(
  bucket: GatewayBucket,
  key: string,
  write: () => Promise<Response>,
): Promise<Response> {
  try {
    return await write()
  } finally {
    await dropCachedObject(caches.default, bucket.name, key).catch(() => undefined)
  }
}

/** The gateway at /s3/<bucket>/<key>. */
export function gateway(c: Context<AppEnv>): Promise<Response> {
  return answer(c, GATEWAY_PREFIX)
}

/**
 * The gateway at the root, path style (/<bucket>/<key>), for clients that take no endpoint path
 * (s3cmd, MinIO's clients). Only buckets the gateway serves answer here; any other first path
 * segment is no route of Signet's.
 */
export async function rootGateway(
  c: Context<AppEnv>,
  fallback: () => Response | Promise<Response>,
): Promise<Response> {
  const name = new URL(c.req.url).pathname.split('/')[1] ?? ''
  let served = false
  try {
    const config = getConfig(c.env)
    served = config.stores.get(name)?.gateway !== undefined || config.broken.has(name)
  } catch {
    // A bad configuration answers on the routes that use it, not on paths that are none.
  }
  return served ? answer(c, '/') : fallback()
}

async function answer(c: Context<AppEnv>, prefix: string): Promise<Response> {
  const requestId = c.get('requestId')
  c.get('timing').showUseCounts()
  try {
    return await serve(c, prefix)
  } catch (error) {
    if (error instanceof S3Error) {
      return s3ErrorResponse(error.code, error.message, requestId, c.req.method)
    }
    logFailure(requestId, 'gateway', error)
    return s3ErrorResponse(
      'InternalError',
      'We encountered an internal error. Please try again.',
      requestId,
      c.req.method,
    )
  }
}
