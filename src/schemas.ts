// Request and response schemas: the same objects validate requests and generate /openapi.json.
import { z } from '@hono/zod-openapi'
import { ERROR_STATUS, type ErrorCode } from './errors'
import { parseCidr } from './lib/cidr'
import { parseOrigin } from './lib/cors'
import {
  DEFAULT_EXPIRES_IN,
  MAX_BATCH,
  MAX_EXPIRES_IN,
  MAX_OBJECT_SIZE,
  MAX_PART_SIZE,
  MAX_PARTS,
  MAX_PASSWORD_LENGTH,
  MAX_PUT_SIZE,
  MAX_SCOPE_BYTES,
  MAX_UPLOAD_LINK_FILES,
  MIN_PASSWORD_LENGTH,
  RATE_LIMIT_TIERS,
  type RateLimitTier,
} from './lib/limits'
import { MAX_MEDIA_TYPE_LENGTH, parseMediaType } from './lib/media-type'
import { checkKeyPrefix } from './lib/object-key'
import { InspectionSchema as InspectionShape } from './s3/inspection'

export const OPERATIONS = [
  'get',
  'head',
  'put',
  'delete',
  'share',
  'multipart',
  'post',
  'list',
] as const
export type Operation = (typeof OPERATIONS)[number]

/** Signet's bucket names: 3-63 of a-z, 0-9, ".", "-" (S3's rules). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

const MEDIA_RANGE =
  /^(\*\/\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126}))$/i

export const CidrSchema = z
  .string()
  .max(64)
  .refine((text) => parseCidr(text) !== undefined, {
    message: 'must be an IPv4 or IPv6 address or CIDR with the host bits zero',
  })
  .openapi({ example: '203.0.113.0/24' })

/** Exactly one media type (RFC 9110), never a list: it is signed or stored as Content-Type. */
export const MediaTypeSchema = z
  .string()
  .min(1)
  .max(MAX_MEDIA_TYPE_LENGTH)
  .refine((text) => parseMediaType(text) !== undefined, {
    message: 'must be one media type like "image/png" or "text/plain; charset=utf-8", not a list',
  })

/** A web page's origin as browsers send it: scheme, host and port, nothing else. */
export const OriginSchema = z
  .string()
  .max(2048)
  .refine((text) => parseOrigin(text) !== undefined, {
    message: 'must be an origin like "https://app.example.com": http(s), host and port only',
  })
  .openapi({
    description:
      'The origin of the web page that will use the URL. The answer then carries corsHints: the bucket CORS rule the browser needs.',
    example: 'https://app.example.com',
  })

const unique = <T>(items: readonly T[]) => new Set(items).size === items.length

export const BucketNameSchema = z
  .string()
  .regex(BUCKET_NAME, { message: 'must be a bucket name: 3-63 of a-z, 0-9, ".", "-"' })

export const ScopeSchema = z
  .strictObject({
    buckets: z
      .array(BucketNameSchema)
      .min(1)
      .max(100)
      .refine(unique, { message: 'must not repeat a bucket' }),
    prefixes: z
      .array(
        z
          .string()
          .max(1024)
          .superRefine((prefix, ctx) => {
            const check = checkKeyPrefix(prefix)
            if (!check.ok) ctx.addIssue({ code: 'custom', message: `prefix ${check.message}` })
          }),
      )
      .max(100)
      .optional()
      .openapi({ description: 'Keys must start with one of these (checked on the exact key).' }),
    operations: z
      .array(z.enum(OPERATIONS))
      .min(1)
      .max(OPERATIONS.length)
      .refine(unique, { message: 'must not repeat an operation' }),
    maxExpiresIn: z.number().int().min(1).max(MAX_EXPIRES_IN).optional(),
    maxContentLength: z.number().int().min(0).max(MAX_OBJECT_SIZE).optional(),
    contentTypes: z
      .array(z.string().regex(MEDIA_RANGE, { message: 'must be a media type or "type/*"' }))
      .max(100)
      .optional()
      .openapi({ example: ['image/*', 'application/pdf'] }),
    allowIps: z
      .array(CidrSchema)
      .max(100)
      .optional()
      .openapi({ description: 'CIDRs the caller may call from (CF-Connecting-IP).' }),
    rateLimitPerMinute: z
      .union(
        RATE_LIMIT_TIERS.map((tier) => z.literal(tier)) as unknown as [
          z.ZodLiteral<RateLimitTier>,
          ...z.ZodLiteral<RateLimitTier>[],
        ],
        {
          message: `must be one of ${RATE_LIMIT_TIERS.join(', ')} (the rate-limit tiers)`,
        },
      )
      .optional()
      .openapi({
        description: `Requests a minute; one of the tiers ${RATE_LIMIT_TIERS.join(', ')}.`,
      }),
  })
  .refine((scope) => JSON.stringify(scope).length <= MAX_SCOPE_BYTES, {
    message: `must be at most ${MAX_SCOPE_BYTES} bytes as JSON`,
  })
  .openapi('Scope')

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error')

/** The error responses a route can give, for its OpenAPI entry. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 410 | 413 | 422 | 429)[]) {
  const described: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthorized (a share link: share_password_required or share_password_invalid)',
    403: 'forbidden or ip_not_allowed',
    404: 'not_found',
    410: 'share_expired, share_revoked, share_exhausted or share_changed (an upload link: upload_link_expired, upload_link_revoked or upload_link_exhausted)',
    413: 'payload_too_large',
    422: 'unsupported_by_target',
    429: 'rate_limited (with Retry-After)',
    500: 'internal_error',
  }
  const responses: Record<
    number,
    { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }
  > = {}
  for (const status of [...statuses, 500]) {
    responses[status] = {
      description: described[status] ?? 'error',
      content: { 'application/json': { schema: ErrorSchema } },
    }
  }
  return responses
}

const headerSafe = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x20-\x7e]*$/, { message: 'must be printable ASCII (it becomes an HTTP header)' })

const wellFormed = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })

export const ExpiryShape = {
  expiresIn: z
    .union([z.number().int(), z.string().max(16)])
    .optional()
    .openapi({
      description: `Seconds, or "90s", "15m", "2h", "7d". Default ${DEFAULT_EXPIRES_IN}; at most ${MAX_EXPIRES_IN}.`,
      example: '15m',
    }),
  expiresAt: z
    .union([z.string().max(40), z.number()])
    .optional()
    .openapi({ description: 'An ISO 8601 instant or epoch seconds, instead of expiresIn.' }),
}

const Sha256Schema = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be the base64 of a SHA-256 digest' })

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

export const ShareRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: wellFormed(1024)
      .optional()
      .openapi({ example: 'reports/2026/q3.pdf', description: 'The object (or give prefix)' }),
    prefix: wellFormed(1024)
      .refine((text) => text.endsWith('/'), { message: 'must end with /' })
      .optional()
      .openapi({
        example: 'albums/2026-wedding/',
        description:
          'A folder share instead of key: every object under the prefix, each at /s/<id>/<path>, listed at /s/<id> and as one zip at /s/<id>?download=zip. Follows the prefix (no pin).',
      }),
    ...ExpiryShape,
    maxDownloads: z.number().int().min(1).max(1_000_000).optional(),
    allowIps: z.array(CidrSchema).min(1).max(100).optional(),
    filename: wellFormed(255).optional(),
    disposition: z.enum(['attachment', 'inline']).optional(),
    mode: z.enum(['redirect', 'proxy']).optional().openapi({
      description:
        'redirect (default): a 302 to a presigned GET living at most SIGNET_REDIRECT_SECONDS (default 60), bound to the client address where the store enforces it; proxy: Signet streams the bytes.',
    }),
    page: z.boolean().optional().openapi({
      description:
        'Browsers and link-preview bots get a page (file name, size, expiry, downloads left, a Download button) that counts nothing; the button downloads and counts. Default: true when maxDownloads is given.',
    }),
    pin: z.boolean().optional().openapi({
      description:
        'true (default): the link serves only the object as it is now (its ETag); after a change or a delete it answers 410 share_changed, and a missing object is refused at creation (404). false: the link follows the key (a "latest build" link) and may point at a file still to come.',
    }),
    password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH).optional().openapi({
      description:
        'Every use of the link asks for it: browsers on a form, programs as `Authorization: Basic` with an empty user (`curl -u :password`). Kept only as a PBKDF2-SHA256 hash, never returned. 10 wrong passwords within 15 minutes lock the link for everyone (429 rate_limited with Retry-After).',
    }),
  })
  .refine((request) => (request.key === undefined) !== (request.prefix === undefined), {
    message: 'give exactly one of key (one object) and prefix (a folder)',
    path: ['key'],
  })
  .refine((request) => request.prefix === undefined || request.filename === undefined, {
    message: "a folder share's files keep their own names: no filename",
    path: ['filename'],
  })
  .refine((request) => request.prefix === undefined || request.pin !== true, {
    message: 'a folder share follows its prefix (files added later are in it): it cannot be pinned',
    path: ['pin'],
  })
  .openapi('ShareRequest')

export const ShareSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    owner: z.string().openapi({
      description: 'Who made it: `key:<API key id>`, `jwt:<sub>` or `binding:<name>`',
    }),
    bucket: z.string(),
    key: z.string().nullable().openapi({ description: 'The object (null for a folder share)' }),
    prefix: z.string().nullable().openapi({ description: 'The folder (null for one object)' }),
    mode: z.enum(['redirect', 'proxy']),
    page: z.boolean(),
    expiresAt: z.string(),
    maxDownloads: z.number().int().nullable(),
    downloads: z.number().int(),
    etag: z.string().nullable().openapi({
      description: "The object's ETag when the share was made (null: no object yet)",
    }),
    pin: z.boolean(),
    passwordProtected: z.boolean(),
    allowIps: z.array(z.string()).nullable(),
    filename: z.string().nullable(),
    disposition: z.enum(['attachment', 'inline']).nullable(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    policyHints: PolicyHintsSchema.nullable(),
  })
  .openapi('Share')

export const FolderListingSchema = z
  .object({
    prefix: z.string(),
    files: z.array(
      z.object({
        name: z
          .string()
          .openapi({ description: 'Its path under the prefix', example: 'day 1/a.jpg' }),
        size: z.number().int(),
        lastModified: z.string(),
        url: z.string().openapi({ description: 'The file through this link: /s/<id>/<path>' }),
      }),
    ),
    nextCursor: z.string().nullable().openapi({
      description: 'Give it as ?cursor= for the next page (at most 1,000 files a page)',
    }),
  })
  .openapi('FolderListing')

export const ShareUseSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  clientIp: z.string().nullable(),
  outcome: z.string(),
  path: z.string().nullable().optional().openapi({
    description: "A folder share's file, relative to its prefix (absent for one-object shares)",
  }),
  zip: z.boolean().optional().openapi({ description: "A folder share's zip of every file" }),
})

export const ShareStatsSchema = z
  .object({
    views: z.number().int().openapi({ description: 'Views of the share page' }),
    previews: z.number().int().openapi({ description: 'Previews the share page showed' }),
    downloads: z.number().int(),
    byDay: z.array(
      z.object({
        day: z.string().openapi({ example: '2026-12-01', description: 'UTC day' }),
        views: z.number().int(),
        previews: z.number().int(),
        downloads: z.number().int(),
      }),
    ),
    byCountry: z.array(
      z.object({
        country: z.string().nullable().openapi({
          description: "ISO 3166 code from the edge's request.cf.country; null where unknown",
        }),
        downloads: z.number().int(),
      }),
    ),
  })
  .openapi('ShareStats')

export const RefusalSummarySchema = z.object({
  outcome: z.string(),
  clientIp: z.string().nullable(),
  count: z.number().int(),
  firstAt: z.string(),
  lastAt: z.string(),
})

// ---- Webhooks --------------------------------------------------------------------------------

export const EventTypeSchema = z.enum([
  'object.created',
  'share.downloaded',
  'share.exhausted',
  'share.revoked',
  'upload_link.exhausted',
])

export const WebhookRequestSchema = z
  .strictObject({
    url: z.string().max(2048).openapi({
      example: 'https://app.example.com/hooks/signet',
      description: 'https:, or http: on a loopback host (local development)',
    }),
    events: z
      .array(EventTypeSchema)
      .min(1)
      .max(5)
      .refine(unique, { message: 'must not repeat an event' }),
  })
  .openapi('WebhookRequest')

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(EventTypeSchema),
    owner: z.string(),
    createdAt: z.string(),
  })
  .openapi('Webhook')

export const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().openapi({
    description:
      'whsec_…: verify deliveries with it (Standard Webhooks). Shown only in this answer.',
  }),
}).openapi('CreatedWebhook')

export const DeliverySchema = z.object({
  eventId: z.string(),
  type: z.string(),
  attempt: z.number().int(),
  status: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "The receiver's status; null: no answer" }),
  outcome: z.enum(['delivered', 'failed', 'dead']),
  at: z.string(),
})

export const ConfirmRequestSchema = z
  .strictObject({ bucket: BucketNameSchema, key: wellFormed(1024) })
  .openapi('ConfirmRequest')

export const ConfirmAnswerSchema = z
  .object({
    bucket: z.string(),
    key: z.string(),
    size: z.number().int(),
    etag: z.string(),
    contentType: z.string().nullable(),
  })
  .openapi('ConfirmAnswer')

// ---- API keys ------------------------------------------------------------------------------

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: ScopeSchema,
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey')

export const CreateKeySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scope: ScopeSchema,
  })
  .openapi('CreateApiKey')

export const CreatedKeySchema = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: 'The API key. Shown only in this answer.' }),
    name: z.string(),
    scope: ScopeSchema,
    createdAt: z.string(),
  })
  .openapi('CreatedApiKey')

/** Who the caller is, and its scope: what a client (the console) may offer. */
export const MeSchema = z
  .object({
    kind: z.enum(['key', 'jwt', 'binding']),
    name: z
      .string()
      .openapi({ description: "The API key's name, the JWT subject or the binding." }),
    scope: ScopeSchema,
  })
  .openapi('Me')

// ---- presign batches -----------------------------------------------------------------------

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

// ---- multipart and POST-policy uploads ------------------------------------------------------

const ObjectKeySchema = wellFormed(1024)
const UploadIdSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII' })

/** The metadata name (x-amz-meta-sha256) under which a multipart upload keeps its SHA-256. */
export const SHA256_METADATA = 'sha256'

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

export const CompleteSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: ObjectKeySchema,
    uploadId: UploadIdSchema,
    parts: PartsSchema,
  })
  .openapi('MultipartComplete')

export const CompleteAnswerSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  etag: z.string().nullable(),
})

export const AbortSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    key: ObjectKeySchema,
    uploadId: UploadIdSchema,
    parts: PartsSchema.optional(),
  })
  .openapi('MultipartAbort')

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

export const PostPolicyAnswerSchema = z.object({
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  expiresAt: z.string(),
  corsHints: CorsHintsSchema.optional(),
})

// ---- the URL doctor ------------------------------------------------------------------------

export const InspectRequestSchema = z
  .strictObject({
    url: z.string().min(1).max(16384),
    method: z.enum(['GET', 'HEAD', 'PUT', 'DELETE', 'POST']).optional().openapi({
      description: 'The method the URL is for; without it each method is tried.',
    }),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/, {
          message: 'header names must be HTTP tokens',
        }),
        z
          .string()
          .max(8192)
          .regex(/^[\t\x20-\x7e\x80-\uffff]*$/, {
            message: 'header values must not contain control characters or line breaks',
          }),
      )
      .refine((headers) => Object.keys(headers).length <= 100, {
        message: 'at most 100 headers',
      })
      .optional()
      .openapi({
        description:
          'Values of signed headers other than Host, to check the signature; with origin, also headers the page sends.',
      }),
    origin: OriginSchema.optional().openapi({
      description:
        "The CORS doctor: the origin of the page that will use the URL. Signet sends the browser's preflight to the URL's store (only the endpoint of a bucket in your scope) and says what it refuses.",
    }),
  })
  .openapi('InspectRequest')

export const CorsCheckSchema = z
  .object({
    checked: z.boolean().openapi({ description: 'Whether the store answered a preflight.' }),
    allowed: z.boolean().nullable(),
    origin: z.string(),
    method: z.string(),
    requestHeaders: z.array(z.string()),
    status: z.number().int().nullable(),
    allowOrigin: z.string().nullable(),
    allowMethods: z.array(z.string()),
    allowHeaders: z.array(z.string()),
    missing: z.array(z.object({ kind: z.enum(['origin', 'method', 'header']), value: z.string() })),
    fix: CorsHintsSchema.nullable().openapi({ description: 'The rule to apply; null if allowed.' }),
    preflights: z.number().int().openapi({ description: 'Preflights sent to the store.' }),
    error: z.string().nullable().openapi({ description: 'Why no answer: timeout or network.' }),
  })
  .openapi('CorsCheck')

export const InspectionSchema = InspectionShape.extend({
  cors: CorsCheckSchema.optional(),
}).openapi('Inspection')

// ---- upload links ----------------------------------------------------------------------------

export const UploadLinkRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    prefix: z
      .string()
      .max(900)
      .refine((text) => text === '' || text.endsWith('/'), { message: 'must end with /' })
      .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })
      .openapi({ example: 'incoming/acme/', description: 'Every file lands under it.' }),
    ...ExpiryShape,
    maxFiles: z.number().int().min(1).max(MAX_UPLOAD_LINK_FILES).optional(),
    maxFileSize: z.number().int().min(1).max(MAX_OBJECT_SIZE).optional().openapi({
      description: 'Bytes per file; a larger file is refused (413) before any byte is stored.',
    }),
    contentTypes: z
      .array(z.string().regex(MEDIA_RANGE, { message: 'must be a media type or "type/*"' }))
      .min(1)
      .max(100)
      .optional()
      .openapi({ example: ['image/*', 'application/pdf'] }),
    password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH).optional().openapi({
      description:
        'Senders give it on the page, or as `Authorization: Basic` with an empty user (`curl -u :password -T file`). Kept only as a PBKDF2-SHA256 hash.',
    }),
    message: z
      .string()
      .max(2000)
      .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })
      .optional()
      .openapi({ description: "Shown on the link's page." }),
  })
  .openapi('UploadLinkRequest')

export const UploadedFileSchema = z
  .object({
    key: z.string(),
    size: z.number().int(),
    etag: z.string(),
    contentType: z.string(),
    uploadedAt: z.string(),
    clientIp: z.string().nullable(),
  })
  .openapi('UploadedFile')

export const UploadLinkSchema = z
  .object({
    id: z.string(),
    url: z
      .string()
      .openapi({ description: '`<origin>/u/<id>`: the page, and `PUT <url>/<filename>`' }),
    owner: z.string(),
    bucket: z.string(),
    prefix: z.string(),
    message: z.string().nullable(),
    expiresAt: z.string(),
    maxFiles: z.number().int().nullable(),
    maxFileSize: z.number().int().nullable(),
    contentTypes: z.array(z.string()).nullable(),
    passwordProtected: z.boolean(),
    fileCount: z.number().int().openapi({
      description: 'Files received (in listings, as the index has it a moment after each file)',
    }),
    files: z.array(UploadedFileSchema).optional().openapi({
      description: 'Every file received, oldest first (creating and reading one link)',
    }),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('UploadLink')

export const UploadedSchema = z
  .object({ key: z.string(), size: z.number().int(), etag: z.string() })
  .openapi('Uploaded')

/** The link page's multipart upload: start (a place and part URLs), complete, abort. */
export const LinkUploadStartSchema = z.strictObject({
  name: z.string().min(1).max(1024),
  size: z.number().int().min(0).max(MAX_OBJECT_SIZE),
  contentType: z.string().max(255).optional(),
})

export const LinkUploadCompleteSchema = z.strictObject({
  slot: z.string().min(1).max(64),
  uploadId: UploadIdSchema,
  parts: PartsSchema,
})

export const LinkUploadAbortSchema = z.strictObject({
  slot: z.string().min(1).max(64),
  uploadId: UploadIdSchema,
})

// ---- listing --------------------------------------------------------------------------------

export const ListRequestSchema = z
  .strictObject({
    bucket: BucketNameSchema,
    prefix: z
      .string()
      .max(1024)
      .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })
      .default('')
      .openapi({ example: 'reports/2026/', description: 'Only keys that start with it' }),
    delimiter: z.literal('/').optional().openapi({
      description: 'Group keys under the next / into commonPrefixes (one folder level)',
    }),
    continuationToken: z.string().min(1).max(1024).optional().openapi({
      description: "The last page's NextContinuationToken",
    }),
    maxKeys: z.number().int().min(1).max(1000).optional(),
    ...ExpiryShape,
  })
  .openapi('ListRequest')

export const ListAnswerSchema = z
  .object({
    url: z.string().openapi({
      description:
        'A presigned ListObjectsV2 GET (encoding-type=url: keys in the XML are URL-encoded)',
    }),
    method: z.literal('GET'),
    expiresAt: z.string(),
    bucket: z.string(),
    prefix: z.string(),
  })
  .openapi('ListAnswer')

// ---- the types, one per schema ----------------------------------------------------------------

export type Scope = z.infer<typeof ScopeSchema>
export type PresignRequest = z.infer<typeof PresignRequestSchema>
export type PresignAnswer = z.infer<typeof PresignAnswerSchema>
export type ShareRequest = z.infer<typeof ShareRequestSchema>
export type Share = z.infer<typeof ShareSchema>
export type ApiKey = z.infer<typeof ApiKeySchema>
export type CreateKey = z.infer<typeof CreateKeySchema>
export type CreatedKey = z.infer<typeof CreatedKeySchema>
export type BatchResult = z.infer<typeof BatchResultSchema>
export type MultipartRequest = z.infer<typeof MultipartRequestSchema>
export type MultipartAnswer = z.infer<typeof MultipartAnswerSchema>
export type CompleteAnswer = z.infer<typeof CompleteAnswerSchema>
export type ShareUse = z.infer<typeof ShareUseSchema>
export type ShareStats = z.infer<typeof ShareStatsSchema>
export type WebhookRequest = z.infer<typeof WebhookRequestSchema>
export type ConfirmRequest = z.infer<typeof ConfirmRequestSchema>
export type UploadLinkRequest = z.infer<typeof UploadLinkRequestSchema>
export type ListRequest = z.input<typeof ListRequestSchema>
export type UploadLink = z.infer<typeof UploadLinkSchema>
export type LinkUploadStart = z.infer<typeof LinkUploadStartSchema>
export type LinkUploadComplete = z.infer<typeof LinkUploadCompleteSchema>
export type LinkUploadAbort = z.infer<typeof LinkUploadAbortSchema>
export type RefusalSummary = z.infer<typeof RefusalSummarySchema>
export type Me = z.infer<typeof MeSchema>
export type CompleteRequest = z.infer<typeof CompleteSchema>
export type AbortRequest = z.infer<typeof AbortSchema>
export type PostPolicyRequest = z.infer<typeof PostPolicyRequestSchema>
export type InspectRequest = z.infer<typeof InspectRequestSchema>
export type CorsHints = z.infer<typeof CorsHintsSchema>
export type CorsCheck = z.infer<typeof CorsCheckSchema>
export type InspectAnswer = z.infer<typeof InspectionSchema>
