// POST /v1/inspect: the URL doctor. Signature checks use only credentials of buckets in the
// caller's scope, so a key cannot probe buckets it has no access to.
import { createRoute, z } from '@hono/zod-openapi'
import { requireCaller } from '../auth/authenticate'
import type { Config } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import { newApp } from '../lib/openapi'
import { inspectUrl } from '../s3/inspect'
import type { SigningCredential } from '../s3/sigv4'
import { errorResponses } from '../schemas'

const InspectRequestSchema = z
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
        description: 'Values of signed headers other than Host, to check the signature.',
      }),
  })
  .openapi('InspectRequest')

const InspectionSchema = z
  .object({
    algorithm: z.string().nullable(),
    host: z.string(),
    bucket: z.string().optional(),
    key: z.string().optional(),
    method: z.string().optional(),
    credential: z
      .object({
        accessKeyId: z.string(),
        date: z.string(),
        region: z.string(),
        service: z.string(),
      })
      .nullable(),
    signedHeaders: z.array(z.string()),
    signedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    expiresIn: z.number().nullable(),
    expired: z.boolean().nullable(),
    secondsLeft: z.number().nullable(),
    signatureValid: z.boolean().optional(),
    problems: z.array(z.string()),
  })
  .openapi('Inspection')

export const inspect = newApp().openapi(
  createRoute({
    method: 'post',
    path: '/',
    summary: 'Explain a presigned URL and what would make it fail',
    security: [{ bearer: [] }],
    request: {
      body: { required: true, content: { 'application/json': { schema: InspectRequestSchema } } },
    },
    responses: {
      200: {
        description: 'What the URL grants and its problems',
        content: { 'application/json': { schema: InspectionSchema } },
      },
      ...errorResponses(400, 401, 403, 429),
    },
  }),
  async (c) =>
    c.json(
      await inspectFor(
        requireCaller(c),
        c.get('config'),
        c.req.valid('json'),
        new URL(c.req.url).host,
      ),
      200,
    ),
)

export type InspectRequest = z.infer<typeof InspectRequestSchema>
export { InspectRequestSchema }

/** Inspects a URL for a caller: signatures are checked only with credentials of its buckets. */
export async function inspectFor(
  caller: Caller,
  config: Config,
  body: InspectRequest,
  gatewayHost: string | undefined,
) {
  let url: URL
  try {
    url = new URL(body.url)
  } catch {
    throw new AppError('invalid_request', 'url is not an absolute URL.', {
      issues: [{ path: 'url', message: 'is not an absolute URL' }],
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('invalid_request', 'url must be http or https.')
  }
  const held = new Map<string, SigningCredential>()
  for (const bucket of caller.scope.buckets) {
    const credential = config.credentials.get(bucket)
    if (credential) held.set(credential.accessKeyId, credential)
  }
  return inspectUrl(body.url, {
    now: new Date(),
    lookup: (id) => held.get(id),
    method: body.method,
    headers: body.headers,
    gatewayHost,
  })
}
