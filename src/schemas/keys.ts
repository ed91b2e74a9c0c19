// API keys, and who the caller is (GET /v1/me).
import { z } from '@hono/zod-openapi'
import { ExpiryShape, ScopeSchema } from './common'

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: ScopeSchema,
    createdAt: z.string(),
    expiresAt: z
      .string()
      .nullable()
      .openapi({ description: 'When the key stops working (null: when revoked)' }),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey')
export type ApiKey = z.infer<typeof ApiKeySchema>

export const CreateKeyRequestSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scope: ScopeSchema,
    expiresIn: ExpiryShape.expiresIn.openapi({
      description:
        'Seconds, or "90s", "15m", "2h", "7d": the key stops working then (at most ten years). Default: it lives until revoked.',
      example: '90d',
    }),
    expiresAt: ExpiryShape.expiresAt,
  })
  .openapi('CreateApiKey')
export type CreateKeyRequest = z.infer<typeof CreateKeyRequestSchema>

export const CreateKeyAnswerSchema = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: 'The API key. Shown only in this answer.' }),
    name: z.string(),
    scope: ScopeSchema,
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
  })
  .openapi('CreatedApiKey')
export type CreateKeyAnswer = z.infer<typeof CreateKeyAnswerSchema>

/** Who the caller is, and its scope: what a client (the console) may offer. */
export const MeSchema = z
  .object({
    kind: z.enum(['key', 'jwt', 'binding', 'admin']),
    name: z
      .string()
      .openapi({ description: "The API key's name, the JWT subject or the binding; 'admin'." }),
    scope: ScopeSchema.openapi({
      description:
        "What the caller may do. The admin's names every configured bucket and no operation: it manages keys and links, and signs nothing.",
    }),
    mail: z.boolean().openapi({
      description: "Whether this installation mails (links' `notify`): SIGNET_EMAIL_FROM and EMAIL",
    }),
  })
  .openapi('Me')
export type Me = z.infer<typeof MeSchema>
