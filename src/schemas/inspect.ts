// The URL doctor (POST /v1/inspect) and its CORS check.
import { z } from '@hono/zod-openapi'
import { InspectionSchema as InspectionShape } from '../s3/inspection'
import { OriginSchema } from './common'
import { CorsHintsSchema } from './presign'

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
export type InspectRequest = z.infer<typeof InspectRequestSchema>

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
export type CorsCheck = z.infer<typeof CorsCheckSchema>

export const InspectAnswerSchema = InspectionShape.extend({
  cors: CorsCheckSchema.optional(),
}).openapi('Inspection')
export type InspectAnswer = z.infer<typeof InspectAnswerSchema>
