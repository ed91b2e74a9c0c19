// Request and response schemas: the same objects validate requests and generate /openapi.json.
import { z } from '@hono/zod-openapi'
import { BUCKET_NAME } from './config'
import { ERROR_STATUS, type ErrorCode } from './errors'
import { parseCidr } from './lib/cidr'
import { checkKeyPrefix } from './lib/object-key'

export const OPERATIONS = ['get', 'head', 'put', 'delete', 'share', 'multipart', 'post'] as const
export type Operation = (typeof OPERATIONS)[number]

export const MAX_EXPIRES_IN = 604800 // SigV4: X-Amz-Expires is at most 7 days
export const MAX_OBJECT_SIZE = 5 * 1024 ** 4 // S3: 5 TiB

const MEDIA_RANGE = /^(\*\/\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126}))$/i

export const CidrSchema = z
  .string()
  .max(64)
  .refine((text) => parseCidr(text) !== undefined, {
    message: 'must be an IPv4 or IPv6 address or CIDR with the host bits zero',
  })
  .openapi({ example: '203.0.113.0/24' })

export const BucketNameSchema = z
  .string()
  .regex(BUCKET_NAME, { message: 'must be a bucket name: 3-63 of a-z, 0-9, ".", "-"' })

export const ScopeSchema = z
  .strictObject({
    buckets: z.array(BucketNameSchema).min(1).max(100),
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
    operations: z.array(z.enum(OPERATIONS)).min(1),
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
    rateLimitPerMinute: z.number().int().min(1).max(100000).optional(),
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
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 410 | 413 | 422 | 429)[]) {
  const described: Record<number, string> = {
    400: 'invalid_request',
    401: 'unauthorized',
    403: 'forbidden or ip_not_allowed',
    404: 'not_found',
    410: 'share_expired, share_revoked or share_exhausted',
    413: 'payload_too_large',
    422: 'unsupported_by_target',
    429: 'rate_limited',
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
