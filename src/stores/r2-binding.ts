// A bucket behind an R2 binding of this Worker, served by Signet's own gateway at
// /s3/<bucket>/<key>: URLs point at this Worker, signed with the bucket's gateway credential;
// objects are read from the binding directly; upload ids are sealed to their bucket and key.
import { AppError } from '../errors'
import { base64 } from '../lib/bytes'
import {
  type ByteRange,
  etagMatches,
  parseRange,
  RESPONSE_OVERRIDES,
  readConditions,
  resolveRange,
} from '../lib/http-conditions'
import { encodeKeyPath } from '../s3/encoding'
import { buildPostPolicy } from '../s3/post-policy'
import { presignedV4Url } from './sigv4-url'
import type * as store from './store'
import { openUploadId, sealUploadId } from './upload-id'

export type GatewayTarget = { kind: 'gateway'; name: string; binding: string; bucket: R2Bucket }

/** The gateway's region in signatures; the gateway accepts any region a client signs with. */
export const GATEWAY_REGION = 'auto'

/** The query parameter that carries a gateway URL's allowed CIDRs (signed with the rest). */
export const ALLOW_IPS_PARAM = 'x-signet-allow-ips'

/** The query parameter that carries the only ETag a gateway URL may serve (signed with the rest). */
export const IF_MATCH_PARAM = 'x-signet-if-match'

const NO_SUCH_UPLOAD = 'No such multipart upload for this bucket and key.'

const OVERRIDE_HEADERS = new Map(RESPONSE_OVERRIDES)

function toR2Range(range: ByteRange): R2Range {
  if ('suffix' in range) return { suffix: range.suffix }
  return range.end === undefined
    ? { offset: range.start }
    : { offset: range.start, length: range.end - range.start + 1 }
}

function objectHeaders(object: R2Object, overrides: store.ReadOptions['overrides']): Headers {
  const headers = new Headers()
  object.writeHttpMetadata(headers)
  headers.set('ETag', object.httpEtag)
  headers.set('Last-Modified', object.uploaded.toUTCString())
  headers.set('Accept-Ranges', 'bytes')
  for (const [name, value] of Object.entries(object.customMetadata ?? {})) {
    headers.set(`x-amz-meta-${name}`, value)
  }
  for (const [param, value] of overrides) {
    const header = OVERRIDE_HEADERS.get(param)
    if (header) headers.set(header, value)
  }
  return headers
}

/** Which answer a failed precondition gets: If-Match / If-Unmodified-Since → 412, else 304. */
function preconditionFailed(conditions: Headers, object: R2Object): boolean {
  const ifMatch = conditions.get('if-match')
  if (ifMatch !== null) return !etagMatches(ifMatch, object.etag)
  const ifUnmodifiedSince = conditions.get('if-unmodified-since')
  if (ifUnmodifiedSince !== null) {
    const since = Date.parse(ifUnmodifiedSince)
    return Number.isFinite(since) && Math.floor(object.uploaded.getTime() / 1000) * 1000 > since
  }
  return false
}

/**
 * R2 binding errors end in their code: NoSuchUpload (10024), InvalidPart (10025), EntityTooSmall
 * (10011), InvalidPartOrder (10048). Those are the caller's; anything else is Signet's (500).
 */
/** The code an R2 binding error ends in, e.g. "10024"; undefined for other errors. */
export function r2ErrorCode(error: unknown): string | undefined {
  return error instanceof Error ? /\((\d{5})\)\s*$/.exec(error.message)?.[1] : undefined
}

function multipartFailure(error: unknown): never {
  const code = r2ErrorCode(error)
  if (code === '10024') throw new AppError('not_found', NO_SUCH_UPLOAD)
  if (code === '10025' || code === '10048') {
    throw new AppError(
      'invalid_request',
      'A part could not be found: send each partNumber with the ETag its upload answered.',
    )
  }
  if (code === '10011') {
    throw new AppError('invalid_request', 'Every part but the last must be at least 5 MiB.')
  }
  throw error
}

export class R2BindingStore implements store.Store {
  readonly servedBySignet = true
  readonly metadataPrefix = 'x-amz-meta-'
  readonly unsupported = new Set<store.PresignField>()
  readonly enforcesUrlIps = true
  /** The gateway answers every preflight itself (lib/cors gatewayPreflight): no store rule. */
  readonly corsFormats = []
  readonly awsCliEndpoint = undefined
  readonly name: string
  readonly bucketName: string
  readonly gateway: store.GatewayAccess
  readonly signsUntil: number | undefined
  private readonly binding: R2Bucket
  private readonly credential: store.Credential

  constructor(target: GatewayTarget, credential: store.Credential) {
    // The gateway serves the bucket under Signet's name for it.
    this.name = this.bucketName = target.name
    this.binding = target.bucket
    this.credential = credential
    this.gateway = { binding: target.bucket, credential }
    this.signsUntil = credential.expiresAt
  }

  keyFor(accessKeyId: string): store.Credential | undefined {
    return accessKeyId === this.credential.accessKeyId ? this.credential : undefined
  }

  accountFor(): undefined {
    return undefined
  }

  objectOrigin(signetOrigin: string): string {
    return signetOrigin
  }

  /** Its URLs: /s3/<name>/… or the root path style /<name>/… at Signet's origin. */
  addresses(url: URL, signetOrigin: string): boolean {
    if (url.origin !== signetOrigin) return false
    const path = url.pathname
    return [`/s3/${this.name}`, `/${this.name}`].some(
      (root) => path === root || path.startsWith(`${root}/`),
    )
  }

  objectUrl(request: store.UrlRequest): Promise<string> {
    const query = [...(request.query ?? [])]
    if (request.allowIps) query.push([ALLOW_IPS_PARAM, request.allowIps.join(',')])
    if (request.ifMatch) query.push([IF_MATCH_PARAM, request.ifMatch])
    const place = {
      protocol: request.origin.protocol,
      host: request.origin.host,
      path: `/s3/${this.name}/${encodeKeyPath(request.key)}`,
      region: GATEWAY_REGION,
    }
    return presignedV4Url(place, request, query, this.credential)
  }

  async knownVersion(key: string): Promise<string | null> {
    return (await this.headObject(key))?.etag ?? null
  }

  async headObject(key: string): Promise<{ etag: string; size: number } | null> {
    const head = await this.binding.head(key)
    return head ? { etag: head.httpEtag, size: head.size } : null
  }

  async listObjects(prefix: string, page: store.ListPageRequest): Promise<store.ObjectListPage> {
    const listed = await this.binding.list({
      prefix,
      limit: page.limit,
      ...(page.cursor ? { cursor: page.cursor } : {}),
    })
    return {
      objects: listed.objects.map((object) => ({
        key: object.key,
        size: object.size,
        lastModified: object.uploaded.toISOString(),
        etag: object.httpEtag,
      })),
      next: listed.truncated ? listed.cursor : null,
    }
  }

  async readObject(
    key: string,
    request: store.ReadRequest,
    options: store.ReadOptions,
  ): Promise<store.ObjectRead> {
    const requested = parseRange(request.headers.get('range'))
    if (requested === 'invalid') return { ok: false, reason: 'invalid_range' }
    const conditions = readConditions(request.headers)
    if (!conditions) return { ok: false, reason: 'bad_condition' }
    let object: R2Object | R2ObjectBody | null
    try {
      object = await this.binding.get(key, {
        onlyIf: conditions,
        ...(requested ? { range: toR2Range(requested) } : {}),
      })
    } catch (error) {
      // R2 throws for a range it cannot serve (on an empty object, without saying "range"):
      // only when the object's size says so is it the client's range that is wrong.
      if (requested) {
        const head = await this.binding.head(key).catch(() => null)
        if (head && !resolveRange(requested, head.size)) {
          return { ok: false, reason: 'invalid_range' }
        }
      }
      throw error
    }
    if (!object) return { ok: false, reason: 'not_found' }
    const headers = objectHeaders(object, options.overrides)
    if (!('body' in object)) {
      if (preconditionFailed(conditions, object))
        return { ok: false, reason: 'precondition_failed' }
      return { ok: true, status: 304, headers, body: null }
    }
    const head = request.method === 'HEAD'
    if (head) await object.body.cancel()
    if (requested) {
      const range = resolveRange(requested, object.size)
      if (!range) {
        if (!head) await object.body.cancel()
        return { ok: false, reason: 'invalid_range' }
      }
      headers.set('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`)
      headers.set('Content-Length', String(range.end - range.start + 1))
      return { ok: true, status: 206, headers, body: head ? null : object.body }
    }
    headers.set('Content-Length', String(object.size))
    // R2 keeps the SHA-256 an upload was checked against: a whole answer says it, as S3 does,
    // so a client can verify what it got (a range is not the object, so it gets none).
    const sha256 = object.checksums.sha256
    if (sha256) headers.set('x-amz-checksum-sha256', base64(new Uint8Array(sha256)))
    return { ok: true, status: 200, headers, body: head ? null : object.body }
  }

  async putObject(key: string, body: ReadableStream, put: store.NewObject): Promise<string | null> {
    const stored = await this.binding.put(key, body.pipeThrough(new FixedLengthStream(put.size)), {
      httpMetadata: { contentType: put.contentType },
      ...(put.metadata ? { customMetadata: put.metadata } : {}),
      ...(put.replace ? {} : { onlyIf: new Headers({ 'If-None-Match': '*' }) }),
    })
    return stored ? stored.httpEtag : null
  }

  async createMultipartUpload(key: string, start: store.MultipartStart): Promise<string> {
    const upload = await this.binding.createMultipartUpload(key, {
      ...(start.contentType ? { httpMetadata: { contentType: start.contentType } } : {}),
      ...(start.metadata ? { customMetadata: start.metadata } : {}),
    })
    return sealUploadId(this.credential, this.name, key, upload.uploadId, start.declared)
  }

  /** R2's upload id inside one the gateway gave out; not_found when not given for this key. */
  async openUploadId(key: string, uploadId: string) {
    const opened = await openUploadId(this.credential, this.name, key, uploadId)
    if (opened === undefined) throw new AppError('not_found', NO_SUCH_UPLOAD)
    return opened
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly store.CompletedPart[],
  ): Promise<string> {
    const { id, declared } = await this.openUploadId(key, uploadId)
    // Every part URL of a declared upload signed its exact length: all of them, and only them,
    // make the declared object. Anything else would complete another length.
    if (
      declared &&
      (parts.length !== declared.parts ||
        !parts.every((part, index) => part.partNumber === index + 1))
    ) {
      throw new AppError(
        'invalid_request',
        `This upload declared ${declared.parts} parts (${declared.length} bytes): complete it with parts 1 to ${declared.parts}.`,
      )
    }
    const upload = this.binding.resumeMultipartUpload(key, id)
    try {
      const stored = await upload.complete(
        parts.map((part) => ({ partNumber: part.partNumber, etag: part.etag.replaceAll('"', '') })),
      )
      if (declared && stored.size !== declared.length) {
        // Cannot happen with parts of signed lengths; said loudly if it ever does.
        throw new Error(`completed ${stored.size} bytes where ${declared.length} were declared`)
      }
      return stored.httpEtag
    } catch (error) {
      multipartFailure(error)
    }
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    bytes: Uint8Array,
  ): Promise<string> {
    const upload = await this.#resumed(key, uploadId)
    try {
      return (await upload.uploadPart(partNumber, bytes)).etag
    } catch (error) {
      multipartFailure(error)
    }
  }

  /** R2's multipart upload behind an upload id the gateway gave out for this key. */
  async #resumed(key: string, uploadId: string): Promise<R2MultipartUpload> {
    return this.binding.resumeMultipartUpload(key, (await this.openUploadId(key, uploadId)).id)
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    const upload = await this.#resumed(key, uploadId)
    try {
      await upload.abort()
    } catch (error) {
      multipartFailure(error)
    }
  }

  async postPolicy(origin: string, spec: store.PostPolicySpec): Promise<store.SignedPostPolicy> {
    // The gateway checks the policy itself, and insists on one media type under `type/*`.
    const policy = await buildPostPolicy({
      ...spec,
      bucket: this.name,
      region: GATEWAY_REGION,
      credential: this.credential,
    })
    return { url: `${origin}/s3/${this.name}`, fields: policy.fields, expiresAt: policy.expiresAt }
  }
}
