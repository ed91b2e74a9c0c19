// Uploads beyond one PUT: /v1/multipart (start, presigned UploadPart URLs, complete, abort) and
// /v1/post-policy (browser form uploads). Scope checks apply to every part and policy.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { authorize, requireCaller } from '../auth/authenticate'
import type { Credential, GatewayTarget, Target } from '../config'
import type { AppEnv, Caller } from '../env'
import { AppError } from '../errors'
import { openUploadId, sealUploadId } from '../gateway/upload-id'
import { newApp } from '../lib/openapi'
import { isoSeconds, resolveExpiresIn, signObjectUrl } from '../presign'
import { buildPostPolicy } from '../s3/post-policy'
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  StoreError,
} from '../s3/remote'
import { GATEWAY_REGION } from '../s3/targets'
import { BucketNameSchema, ExpiryShape, errorResponses, MediaTypeSchema } from '../schemas'

const MIN_PART_SIZE = 5 * 1024 * 1024 // S3: every part but the last is at least 5 MiB
const MAX_PART_SIZE = 5 * 1024 ** 3
const MAX_PARTS = 10000
const security = [{ bearer: [] }]

const keySchema = z
  .string()
  .min(1)
  .max(1024)
  .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })
const uploadIdSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII' })

const MultipartRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: keySchema,
    contentType: MediaTypeSchema.optional(),
    parts: z.number().int().min(1).max(MAX_PARTS),
    contentLength: z
      .number()
      .int()
      .min(0)
      .max(MAX_PARTS * MAX_PART_SIZE)
      .optional()
      .openapi({
        description: 'Total size. When given, every part URL signs its exact Content-Length.',
      }),
    ...ExpiryShape,
  })
  .openapi('MultipartRequest')

const PartsSchema = z
  .array(
    z.strictObject({
      partNumber: z.number().int().min(1).max(MAX_PARTS),
      etag: z.string().min(1).max(256),
    }),
  )
  .min(1)
  .max(MAX_PARTS)
  .refine((parts) => new Set(parts.map((part) => part.partNumber)).size === parts.length, {
    message: 'must not repeat a partNumber',
  })

const CompleteSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: keySchema,
    uploadId: uploadIdSchema,
    parts: PartsSchema,
  })
  .openapi('MultipartComplete')
const AbortSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: keySchema,
    uploadId: uploadIdSchema,
    parts: PartsSchema.optional(),
  })
  .openapi('MultipartAbort')

const PostPolicyRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: keySchema.optional(),
    keyPrefix: z.string().max(1024).optional(),
    maxContentLength: z.number().int().min(0).max(MAX_PART_SIZE),
    minContentLength: z.number().int().min(0).max(MAX_PART_SIZE).optional(),
    contentType: z
      .union([
        MediaTypeSchema,
        z.string().regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/\*$/i, {
          message: 'must be one media type or "type/*"',
        }),
      ])
      .optional(),
    successActionStatus: z.enum(['200', '201', '204']).optional(),
    ...ExpiryShape,
  })
  .openapi('PostPolicyRequest')

function resolveTarget(
  c: Context<AppEnv>,
  bucket: string,
): { target: Target; credential: Credential } {
  const config = c.get('config')
  const target = config.buckets.get(bucket)
  const credential = config.credentials.get(bucket)
  if (!target || !credential)
    throw new AppError('invalid_request', 'bucket is not a bucket Signet serves.')
  return { target, credential }
}

const NO_SUCH_UPLOAD = 'No such multipart upload for this bucket and key.'

/** R2's upload id for one the gateway gave out; not_found when it was not given for this key. */
async function gatewayUploadId(
  target: GatewayTarget,
  credential: Credential,
  request: { key: string; uploadId: string },
): Promise<string> {
  const id = await openUploadId(credential, target.name, request.key, request.uploadId)
  if (id === undefined) throw new AppError('not_found', NO_SUCH_UPLOAD)
  return id
}

/** Store refusals the caller can act on; anything else is Signet's failure (500). */
function storeFailure(error: unknown): never {
  if (error instanceof StoreError) {
    if (error.code === 'NoSuchUpload') throw new AppError('not_found', NO_SUCH_UPLOAD)
    if (error.status >= 400 && error.status < 500) {
      throw new AppError('invalid_request', `The store refused the request (${error.code}).`)
    }
  }
  // R2 binding errors end in their code: NoSuchUpload (10024), InvalidPart (10025),
  // EntityTooSmall (10011), InvalidPartOrder (10048).
  const code = error instanceof Error ? /\((\d{5})\)\s*$/.exec(error.message)?.[1] : undefined
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

/** Complete and abort carry no bytes: whoever may start an upload on the key may finish it. */
function authorizeFinish(caller: Caller, request: { bucket: string; key: string }) {
  authorize(caller, {
    bucket: request.bucket,
    key: request.key,
    operation: 'multipart',
    finishesUpload: true,
  })
}

function authorizeMultipart(
  caller: Caller,
  request: {
    bucket: string
    key: string
    contentType?: string | undefined
    contentLength?: number | undefined
  },
  expiresIn: number,
) {
  const scopeRequest: Parameters<typeof authorize>[1] = {
    bucket: request.bucket,
    key: request.key,
    operation: 'multipart',
    expiresIn,
  }
  if (request.contentType !== undefined) scopeRequest.contentType = request.contentType
  if (request.contentLength !== undefined) scopeRequest.contentLength = request.contentLength
  authorize(caller, scopeRequest)
}

/** Part sizes for a declared total: equal parts of at least 5 MiB, the last one smaller. */
export function partSizes(total: number, parts: number): number[] {
  const size = Math.ceil(total / parts)
  if (parts > 1 && size < MIN_PART_SIZE) {
    throw new AppError(
      'invalid_request',
      `With ${parts} parts each part would be under 5 MiB; use fewer parts.`,
    )
  }
  if (size > MAX_PART_SIZE)
    throw new AppError('invalid_request', 'Parts may be at most 5 GiB; use more parts.')
  const sizes = Array.from({ length: parts }, (_, i) =>
    Math.max(0, Math.min(size, total - i * size)),
  )
  if (parts > 1 && sizes[parts - 1] === 0) {
    throw new AppError(
      'invalid_request',
      `${total} bytes do not fill ${parts} parts; use fewer parts.`,
    )
  }
  return sizes
}

export const uploads = newApp()
  .openapi(
    createRoute({
      method: 'post',
      path: '/multipart',
      summary: 'Start a multipart upload and presign its UploadPart URLs',
      security,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: MultipartRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'The upload id and one presigned PUT per part',
          content: {
            'application/json': {
              schema: z.object({
                uploadId: z.string(),
                bucket: z.string(),
                key: z.string(),
                expiresAt: z.string(),
                parts: z.array(
                  z.object({
                    partNumber: z.number().int(),
                    url: z.string(),
                    expiresAt: z.string(),
                    headers: z.record(z.string(), z.string()),
                  }),
                ),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const caller = requireCaller(c)
      const request = c.req.valid('json')
      const now = new Date()
      const nowMs = Math.floor(now.getTime() / 1000) * 1000
      const expiresIn = resolveExpiresIn(request, nowMs)
      authorizeMultipart(caller, request, expiresIn)
      const sizes =
        request.contentLength === undefined
          ? undefined
          : partSizes(request.contentLength, request.parts)
      const { target, credential } = resolveTarget(c, request.bucket)
      let uploadId: string
      try {
        uploadId =
          target.kind === 'gateway'
            ? await sealUploadId(
                credential,
                target.name,
                request.key,
                (
                  await target.bucket.createMultipartUpload(
                    request.key,
                    request.contentType
                      ? { httpMetadata: { contentType: request.contentType } }
                      : {},
                  )
                ).uploadId,
              )
            : await createMultipartUpload(target, credential, request.key, request.contentType)
      } catch (error) {
        storeFailure(error)
      }
      const expiresAt = isoSeconds(nowMs + expiresIn * 1000)
      const origin = new URL(c.req.url)
      const parts = await Promise.all(
        Array.from({ length: request.parts }, async (_, index) => {
          const partNumber = index + 1
          const headers: Record<string, string> = sizes
            ? { 'Content-Length': String(sizes[index]) }
            : {}
          const url = await signObjectUrl({
            target,
            credential,
            key: request.key,
            method: 'PUT',
            expiresIn,
            nowMs,
            origin,
            query: [
              ['partNumber', String(partNumber)],
              ['uploadId', uploadId],
            ],
            headers,
          })
          return { partNumber, url, expiresAt, headers }
        }),
      )
      return c.json({ uploadId, bucket: request.bucket, key: request.key, expiresAt, parts }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/multipart/complete',
      summary: 'Complete a multipart upload from its parts and their ETags',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: CompleteSchema } } },
      },
      responses: {
        200: {
          description: 'The stored object',
          content: {
            'application/json': {
              schema: z.object({
                bucket: z.string(),
                key: z.string(),
                etag: z.string().nullable(),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const caller = requireCaller(c)
      const request = c.req.valid('json')
      authorizeFinish(caller, request)
      const { target, credential } = resolveTarget(c, request.bucket)
      const parts = [...request.parts].sort((a, b) => a.partNumber - b.partNumber)
      let etag: string | undefined
      try {
        if (target.kind === 'gateway') {
          const stored = await target.bucket
            .resumeMultipartUpload(request.key, await gatewayUploadId(target, credential, request))
            .complete(
              parts.map((part) => ({
                partNumber: part.partNumber,
                etag: part.etag.replaceAll('"', ''),
              })),
            )
          etag = stored.httpEtag
        } else {
          etag = await completeMultipartUpload(
            target,
            credential,
            request.key,
            request.uploadId,
            parts,
          )
        }
      } catch (error) {
        storeFailure(error)
      }
      return c.json({ bucket: request.bucket, key: request.key, etag: etag ?? null }, 200)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/multipart/abort',
      summary: 'Abort a multipart upload; its parts are discarded',
      security,
      request: {
        body: { required: true, content: { 'application/json': { schema: AbortSchema } } },
      },
      responses: { 204: { description: 'Aborted' }, ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const caller = requireCaller(c)
      const request = c.req.valid('json')
      authorizeFinish(caller, request)
      const { target, credential } = resolveTarget(c, request.bucket)
      try {
        if (target.kind === 'gateway') {
          await target.bucket
            .resumeMultipartUpload(request.key, await gatewayUploadId(target, credential, request))
            .abort()
        } else {
          await abortMultipartUpload(target, credential, request.key, request.uploadId)
        }
      } catch (error) {
        storeFailure(error)
      }
      return c.body(null, 204)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/post-policy',
      summary: 'A SigV4 POST policy and form fields for a browser upload',
      security,
      request: {
        body: {
          required: true,
          content: { 'application/json': { schema: PostPolicyRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'Where to POST the form, the fields to put before the file, and the expiry',
          content: {
            'application/json': {
              schema: z.object({
                url: z.string(),
                fields: z.record(z.string(), z.string()),
                expiresAt: z.string(),
              }),
            },
          },
        },
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => {
      const caller = requireCaller(c)
      const request = c.req.valid('json')
      if ((request.key === undefined) === (request.keyPrefix === undefined)) {
        throw new AppError('invalid_request', 'Give key or keyPrefix, one of them.')
      }
      const min = request.minContentLength ?? 0
      if (min > request.maxContentLength) {
        throw new AppError('invalid_request', 'minContentLength must not exceed maxContentLength.')
      }
      const now = new Date()
      const nowMs = Math.floor(now.getTime() / 1000) * 1000
      const expiresIn = resolveExpiresIn(request, nowMs)
      const wildcardType = request.contentType?.endsWith('/*') ?? false
      const scopeRequest: Parameters<typeof authorize>[1] = {
        bucket: request.bucket,
        key: request.key ?? request.keyPrefix ?? '',
        operation: 'post',
        expiresIn,
        contentLength: request.maxContentLength,
      }
      if (request.keyPrefix !== undefined) scopeRequest.keyIsPrefix = true
      if (request.contentType !== undefined) scopeRequest.contentType = request.contentType
      authorize(caller, scopeRequest)
      const { target, credential } = resolveTarget(c, request.bucket)
      if (
        target.kind === 'remote' &&
        target.endpoint.hostname.endsWith('.r2.cloudflarestorage.com')
      ) {
        throw new AppError(
          'unsupported_by_target',
          "R2's S3 API has no POST uploads. Use a presigned PUT (POST /v1/presign with contentLength), or serve the bucket through a gateway binding, which accepts POST policies with a size cap.",
        )
      }
      if (wildcardType && target.kind === 'remote') {
        // S3 checks a type range with starts-with, which "image/png, text/html" also passes; only
        // the gateway can insist on one media type.
        throw new AppError(
          'unsupported_by_target',
          'This store would accept a list of media types under a "type/*" policy; give contentType as one exact media type for this bucket.',
        )
      }
      const origin = new URL(c.req.url).origin
      const url =
        target.kind === 'gateway'
          ? `${origin}/s3/${target.name}`
          : target.style === 'virtual'
            ? `${target.endpoint.protocol}//${target.bucket}.${target.endpoint.host}/`
            : `${target.endpoint.protocol}//${target.endpoint.host}/${target.bucket}`
      const policy = await buildPostPolicy({
        bucket: target.kind === 'gateway' ? target.name : target.bucket,
        key:
          request.key !== undefined ? { exact: request.key } : { prefix: request.keyPrefix ?? '' },
        minContentLength: min,
        maxContentLength: request.maxContentLength,
        ...(request.contentType === undefined
          ? {}
          : {
              contentType: wildcardType
                ? { prefix: request.contentType.slice(0, -1) }
                : { exact: request.contentType },
            }),
        ...(request.successActionStatus
          ? { successActionStatus: request.successActionStatus }
          : {}),
        region: target.kind === 'gateway' ? GATEWAY_REGION : target.region,
        now: new Date(nowMs),
        expiresIn,
        credential,
      })
      return c.json(
        { url, fields: policy.fields, expiresAt: isoSeconds(policy.expiresAt.getTime()) },
        200,
      )
    },
  )
