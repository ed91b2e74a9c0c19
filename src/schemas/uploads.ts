// Multipart uploads (start, complete, abort) and POST-policy uploads.
import { z } from '@hono/zod-openapi'
import { MAX_PART_SIZE, MAX_PARTS } from '../lib/limits'
import {
  BucketNameSchema,
  ExpiryShape,
  MediaTypeSchema,
  OriginSchema,
  Sha256Schema,
  wellFormed,
} from './common'
import { CorsHintsSchema } from './presign'

const ObjectKeySchema = wellFormed(1024)
export const UploadIdSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII' })

export { SHA256_METADATA } from '../lib/limits'

export const MultipartRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: ObjectKeySchema,
    contentType: MediaTypeSchema.optional(),
    parts: z.number().int().min(1).max(MAX_PARTS),
    contentLength: z
      .number()
      .int()
      .min(0)
      .max(MAX_PARTS * MAX_PART_SIZE)
      .optional()
      .openapi({
        description:
          'Total size. When given, every part URL signs its exact Content-Length, and completing with fewer parts (another length) is refused.',
      }),
    checksumSha256: Sha256Schema.optional().openapi({
      description:
        'SHA-256 of the whole object (base64), kept with it as metadata `sha256` (x-amz-meta-sha256) so a download can check its bytes.',
    }),
    ...ExpiryShape,
    origin: OriginSchema.optional(),
  })
  .openapi('MultipartRequest')
export type MultipartRequest = z.infer<typeof MultipartRequestSchema>

export const MultipartAnswerSchema = z.object({
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
  corsHints: CorsHintsSchema.optional(),
})
export type MultipartAnswer = z.infer<typeof MultipartAnswerSchema>

export const PartsSchema = z
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

export const CompleteRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: ObjectKeySchema,
    uploadId: UploadIdSchema,
    parts: PartsSchema,
  })
  .openapi('MultipartComplete')
export type CompleteRequest = z.infer<typeof CompleteRequestSchema>

export const CompleteAnswerSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  etag: z.string().nullable(),
})
export type CompleteAnswer = z.infer<typeof CompleteAnswerSchema>

export const AbortRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: ObjectKeySchema,
    uploadId: UploadIdSchema,
    parts: PartsSchema.optional(),
  })
  .openapi('MultipartAbort')
export type AbortRequest = z.infer<typeof AbortRequestSchema>

export const PostPolicyRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: ObjectKeySchema.optional(),
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
    origin: OriginSchema.optional(),
  })
  .openapi('PostPolicyRequest')
export type PostPolicyRequest = z.infer<typeof PostPolicyRequestSchema>

export const PostPolicyAnswerSchema = z.object({
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  expiresAt: z.string(),
  corsHints: CorsHintsSchema.optional(),
})
