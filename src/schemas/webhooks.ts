// Webhooks: a subscription, its deliveries, and the confirmation of a receiver.
import { z } from '@hono/zod-openapi'
import { BucketNameSchema, unique, wellFormed } from './common'

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
export type WebhookRequest = z.infer<typeof WebhookRequestSchema>

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
export type Webhook = z.infer<typeof WebhookSchema>
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>

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
export type Delivery = z.infer<typeof DeliverySchema>

export const ConfirmRequestSchema = z
  .strictObject({ bucket: BucketNameSchema, key: wellFormed(1024) })
  .openapi('ConfirmRequest')
export type ConfirmRequest = z.infer<typeof ConfirmRequestSchema>

export const ConfirmAnswerSchema = z
  .object({
    bucket: z.string(),
    key: z.string(),
    size: z.number().int(),
    etag: z.string(),
    contentType: z.string().nullable(),
  })
  .openapi('ConfirmAnswer')
