// Presigning: one URL (POST /v1/presign) or a batch (POST /v1/presign/batch), with the policy and
// CORS hints an answer may carry.
import { z } from '@hono/zod-openapi'
import { MAX_BATCH, MAX_PUT_SIZE } from '../lib/limits'
import {
  BucketNameSchema,
  CidrSchema,
  ErrorSchema,
  ExpiryShape,
  headerSafe,
  MediaTypeSchema,
  OriginSchema,
  Sha256Schema,
  wellFormed,
} from './common'

export const PresignRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: wellFormed(1024).openapi({ example: 'reports/2026/q3.pdf' }),
    method: z.enum(['GET', 'HEAD', 'PUT', 'DELETE']).optional(),
    ...ExpiryShape,
    contentType: MediaTypeSchema.optional(),
    contentLength: z.number().int().min(0).max(MAX_PUT_SIZE).optional(),
    checksumSha256: Sha256Schema.optional(),
    metadata: z
      .record(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, {
          message: 'metadata names must be letters, digits, "-", "_", "."',
        }),
        z
          .string()
          .max(2048)
          .regex(/^[\x20-\x7e]*$/, { message: 'must be printable ASCII' }),
      )
      .optional(),
    ifNoneMatch: z.literal('*').optional(),
    filename: wellFormed(255).optional(),
    disposition: z.enum(['attachment', 'inline']).optional(),
    responseHeaders: z
      .strictObject({
        contentType: MediaTypeSchema.optional(),
        cacheControl: headerSafe(255).optional(),
        contentLanguage: headerSafe(255).optional(),
        contentEncoding: headerSafe(255).optional(),
        expires: headerSafe(255).optional(),
      })
      .optional(),
    versionId: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' })
      .optional(),
    allowIps: z.array(CidrSchema).min(1).max(100).optional(),
    origin: OriginSchema.optional(),
  })
  .openapi('PresignRequest')
export type PresignRequest = z.infer<typeof PresignRequestSchema>

export const PolicyHintsSchema = z
  .object({
    allowIps: z.array(z.string()),
    enforcedBy: z.enum(['signet', 'none']),
    s3BucketPolicy: z.record(z.string(), z.unknown()),
    cloudflareWafExpression: z.string(),
    notes: z.array(z.string()),
  })
  .openapi('PolicyHints')

const S3CorsRuleSchema = z.object({
  AllowedOrigins: z.array(z.string()),
  AllowedMethods: z.array(z.string()),
  AllowedHeaders: z.array(z.string()).optional(),
  ExposeHeaders: z.array(z.string()).optional(),
  MaxAgeSeconds: z.number().int(),
})

export const CorsHintsSchema = z
  .object({
    origin: z.string(),
    method: z.string(),
    requestHeaders: z.array(z.string()).openapi({
      description:
        'The header names the browser puts in Access-Control-Request-Headers (lower case, sorted).',
    }),
    preflight: z.boolean().openapi({ description: 'Whether the browser sends a preflight first.' }),
    exposeHeaders: z.array(z.string()).openapi({
      description: 'Response headers the page must read (ETag for multipart parts).',
    }),
    ruleNeeded: z.boolean().openapi({
      description: "Whether the bucket needs a CORS rule (Signet's gateway needs none).",
    }),
    s3: z
      .object({
        json: z.object({ CORSRules: z.array(S3CorsRuleSchema) }),
        xml: z.string(),
        command: z.string(),
      })
      .optional()
      .openapi({
        description:
          'S3 PutBucketCors (AWS S3, R2, Ceph, MinIO): the JSON `aws s3api put-bucket-cors` takes and the XML body.',
      }),
    r2: z
      .object({
        json: z.object({ rules: z.array(z.record(z.string(), z.unknown())) }),
        command: z.string(),
      })
      .optional()
      .openapi({ description: 'The JSON `wrangler r2 bucket cors set --file` takes.' }),
    gcs: z
      .object({ json: z.array(z.record(z.string(), z.unknown())), command: z.string() })
      .optional()
      .openapi({ description: 'The JSON `gcloud storage buckets update --cors-file` takes.' }),
    notes: z.array(z.string()),
  })
  .openapi('CorsHints')
export type CorsHints = z.infer<typeof CorsHintsSchema>

export const PresignAnswerSchema = z
  .object({
    url: z.string(),
    method: z.enum(['GET', 'HEAD', 'PUT', 'DELETE']),
    headers: z.record(z.string(), z.string()).openapi({
      description: 'Every header the client must send with the request, exactly as given.',
    }),
    expiresAt: z.string(),
    expiresIn: z.number().int(),
    signedAt: z.string(),
    bucket: z.string(),
    key: z.string(),
    policyHints: PolicyHintsSchema.optional(),
    corsHints: CorsHintsSchema.optional(),
  })
  .openapi('PresignAnswer')
export type PresignAnswer = z.infer<typeof PresignAnswerSchema>

export const BatchRequestSchema = z.strictObject({
  items: z
    .array(
      z.unknown().openapi({
        description: 'A PresignRequest. Each item is validated and answered on its own.',
        allOf: [{ $ref: '#/components/schemas/PresignRequest' }],
      }),
    )
    .min(1)
    .max(MAX_BATCH),
})

export const BatchResultSchema = z
  .union([
    PresignAnswerSchema.extend({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), error: ErrorSchema.shape.error.omit({ requestId: true }) }),
  ])
  .openapi('PresignBatchResult')
export type BatchResult = z.infer<typeof BatchResultSchema>
