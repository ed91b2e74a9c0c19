// /s3/<bucket>/<key>: the S3-style gateway over R2 bindings. Trust boundary: nothing about the
// request is used before its SigV4 query signature verifies; then the signed parameters
// (expiry, allowed CIDRs, response overrides) are honoured. Errors are S3's XML.
import type { Context } from 'hono'
import { ConfigError, type Credential, type GatewayTarget, getConfig } from '../config'
import type { AppEnv } from '../env'
import { ipAllowed, parseCidr } from '../lib/cidr'
import { checkObjectKey } from '../lib/object-key'
import { ALLOW_IPS_PARAM } from '../presign'
import { type VerifyFailure, verifyPresigned } from '../s3/verify'
import { S3Error, type S3ErrorCode, s3ErrorResponse } from './errors'
import { deleteObject, getObject, putObject } from './objects'
import { openUploadId } from './upload-id'
import { postObject, uploadPart } from './uploads'

export const GATEWAY_PREFIX = '/s3/'

/**
 * What the gateway reads of a request before it knows who sent it, bounded so that unsigned
 * requests cost linear work in a small input. A presigned URL has 6-8 X-Amz-* parameters and a
 * few response overrides; a session token makes it long, not numerous.
 */
export const MAX_QUERY_PARAMS = 64
export const MAX_QUERY_BYTES = 16 * 1024
export const MAX_HEADERS = 100
export const MAX_HEADER_BYTES = 32 * 1024

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

function verifyError(reason: VerifyFailure, message: string): S3Error {
  let code: S3ErrorCode
  switch (reason) {
    case 'missing_parameter':
    case 'duplicate_parameter':
    case 'malformed_parameter':
    case 'unsupported_algorithm':
    case 'credential_scope':
      code = 'AuthorizationQueryParametersError'
      break
    case 'unknown_access_key':
      code = 'InvalidAccessKeyId'
      break
    case 'missing_signed_header':
    case 'unsigned_header':
    case 'expired':
    case 'not_yet_valid':
      code = 'AccessDenied'
      break
    case 'malformed_path':
      code = 'InvalidURI'
      break
    case 'signature_mismatch':
      code = 'SignatureDoesNotMatch'
      break
    default: {
      const unreachable: never = reason
      throw new Error(`unhandled verify failure ${String(unreachable)}`)
    }
  }
  return new S3Error(code, message)
}

/** Splits /s3/<bucket>/<key> into the bucket name and the decoded key. */
export function parseGatewayPath(pathname: string): { bucket: string; key: string } {
  const rest = pathname.slice(GATEWAY_PREFIX.length)
  const slash = rest.indexOf('/')
  const bucket = slash === -1 ? rest : rest.slice(0, slash)
  const rawKey = slash === -1 ? '' : rest.slice(slash + 1)
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
  const requested = c.req.header('Access-Control-Request-Headers') ?? ''
  const headers = new Headers({
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, PUT, POST, DELETE',
    'Access-Control-Max-Age': '600',
  })
  // Echo only header-name characters; the signature decides what a request may carry.
  if (/^[A-Za-z0-9, -]{1,2048}$/.test(requested)) {
    headers.set('Access-Control-Allow-Headers', requested)
  }
  return new Response(null, { status: 204, headers })
}

async function serve(c: Context<AppEnv>): Promise<Response> {
  if (c.req.method === 'OPTIONS') return preflight(c)
  const url = new URL(c.req.url)
  checkRequestSize(url, c.req.raw.headers)
  const config = getConfig(c.env)
  if (c.req.method === 'POST') {
    // POST /s3/<bucket>: a form upload, authorised by its signed policy, not the query.
    const bucketName = url.pathname.slice(GATEWAY_PREFIX.length).replace(/\/$/, '')
    const target = config.buckets.get(bucketName)
    const credential = config.credentials.get(bucketName)
    if (target?.kind !== 'gateway' || !credential || bucketName.includes('/')) {
      throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.')
    }
    return postObject(c.req.raw, target, credential, url.origin)
  }
  const { bucket, key } = parseGatewayPath(url.pathname)
  const target = config.buckets.get(bucket)
  const credential = config.credentials.get(bucket)
  if (target?.kind !== 'gateway' || !credential) {
    throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.')
  }
  const verified = await verifyPresigned({
    method: c.req.method,
    rawPath: url.pathname,
    rawQuery: url.search.slice(1),
    host: c.req.header('host') ?? url.host,
    headers: c.req.raw.headers,
    now: new Date(),
    lookup: (id) => (id === credential.accessKeyId ? credential : undefined),
  })
  if (!verified.ok) throw verifyError(verified.reason, verified.message)

  // Signed, so trusted: a URL bound to CIDRs serves only clients inside them.
  const allowIps = verified.params.get(ALLOW_IPS_PARAM)
  if (allowIps !== undefined) {
    const cidrs = allowIps.split(',').map(parseCidr)
    const valid = cidrs.filter((cidr) => cidr !== undefined)
    if (valid.length !== cidrs.length || !ipAllowed(valid, c.req.header('CF-Connecting-IP'))) {
      throw new S3Error('AccessDenied', 'This URL may not be used from this address.')
    }
  }
  if (verified.params.has('versionId')) {
    throw new S3Error('InvalidArgument', 'R2 bindings keep no object versions: drop versionId.')
  }
  return dispatch(c, target, credential, key, verified.params, verified.payloadHash)
}

async function dispatch(
  c: Context<AppEnv>,
  target: GatewayTarget,
  credential: Credential,
  key: string,
  params: Map<string, string>,
  payloadHash: string,
): Promise<Response> {
  switch (c.req.method) {
    case 'GET':
    case 'HEAD':
      return getObject(target.bucket, key, c.req.raw, params)
    case 'PUT':
      if (params.has('uploadId') || params.has('partNumber')) {
        const uploadId = await openUploadId(
          credential,
          target.name,
          key,
          params.get('uploadId') ?? '',
        )
        if (uploadId === undefined) {
          throw new S3Error('NoSuchUpload', 'The specified multipart upload does not exist.')
        }
        return uploadPart(
          target.bucket,
          key,
          c.req.raw,
          new Map([...params, ['uploadId', uploadId]]),
        )
      }
      return putObject(target.bucket, key, c.req.raw, payloadHash)
    case 'DELETE':
      return deleteObject(target.bucket, key)
    default:
      throw new S3Error(
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
      )
  }
}

export async function gateway(c: Context<AppEnv>): Promise<Response> {
  const requestId = c.get('requestId')
  try {
    return await serve(c)
  } catch (error) {
    if (error instanceof S3Error) {
      return s3ErrorResponse(error.code, error.message, requestId, c.req.method)
    }
    console.error(
      JSON.stringify({
        level: 'error',
        requestId,
        where: 'gateway',
        ...(error instanceof ConfigError
          ? { config: error.variable, message: error.message }
          : {
              error: error instanceof Error ? error.name : typeof error,
              message: error instanceof Error ? error.message : undefined,
            }),
      }),
    )
    return s3ErrorResponse(
      'InternalError',
      'We encountered an internal error. Please try again.',
      requestId,
      c.req.method,
    )
  }
}
