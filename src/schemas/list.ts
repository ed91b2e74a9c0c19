// Listing a bucket (GET /v1/list): the request and its page.
import { z } from '@hono/zod-openapi'
import { BucketNameSchema, ExpiryShape } from './common'

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
export type ListRequest = z.input<typeof ListRequestSchema>

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
