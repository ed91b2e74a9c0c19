// The primitives every feature's schemas share: operations, bucket names, media types, origins,
// CIDRs, scopes, the error shape and its OpenAPI responses, expiry fields and SHA-256 digests.
import { z } from '@hono/zod-openapi'
import { ERROR_STATUS, type ErrorCode } from '../errors'
import { parseCidr } from '../lib/cidr'
import { parseOrigin } from '../lib/cors'
import {
  DEFAULT_EXPIRES_IN,
  MAX_EXPIRES_IN,
  MAX_OBJECT_SIZE,
  MAX_SCOPE_BYTES,
  RATE_LIMIT_TIERS,
  type RateLimitTier,
} from '../lib/limits'
import { MAX_MEDIA_TYPE_LENGTH, parseMediaType } from '../lib/media-type'
import { checkKeyPrefix } from '../lib/object-key'

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

export const MEDIA_RANGE =
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

export const unique = <T>(items: readonly T[]) => new Set(items).size === items.length

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
export type Scope = z.infer<typeof ScopeSchema>

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
export function errorResponses(
  ...statuses: (400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429)[]
) {
  const described: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthorized (a share link: share_password_required or share_password_invalid)',
    403: 'forbidden or ip_not_allowed',
    404: 'not_found',
    409: 'upload_conflict',
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

export const headerSafe = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x20-\x7e]*$/, { message: 'must be printable ASCII (it becomes an HTTP header)' })

export const wellFormed = (max: number) =>
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

export const Sha256Schema = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be the base64 of a SHA-256 digest' })

/** A link's message, shown escaped on its page. */
export const ShareMessageSchema = z
  .string()
  .max(1000)
  .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })
  .openapi({ description: "Shown, escaped, on the link's page (at most 1,000 characters)." })

/** Addresses mailed about a link's uses. */
export const NotifySchema = z
  .array(z.email({ message: 'must be an email address' }).max(254))
  .max(5)
  .openapi({
    description:
      "At most 5 email addresses told of the link's uses (needs SIGNET_EMAIL_FROM and the EMAIL binding).",
  })
