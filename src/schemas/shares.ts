// Share links: the request that makes one, the Share the API answers, a folder's listing, the
// audit, the refusal summaries and the stats.
import { z } from '@hono/zod-openapi'
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../lib/limits'
import {
  BucketNameSchema,
  CidrSchema,
  ExpiryShape,
  NotifySchema,
  ShareMessageSchema,
  wellFormed,
} from './common'
import { PolicyHintsSchema } from './presign'

/** Whether base64url text holds an aes128gcm body: its header, and at least one sealed record. */
function isAes128gcm(text: string): boolean {
  let bytes: Uint8Array
  try {
    const padded = text.replaceAll('-', '+').replaceAll('_', '/')
    bytes = Uint8Array.from(atob(padded + '='.repeat((4 - (padded.length % 4)) % 4)), (c) =>
      c.charCodeAt(0),
    )
  } catch {
    return false
  }
  if (bytes.byteLength < 21) return false
  const rs = new DataView(bytes.buffer).getUint32(16)
  const idlen = bytes[20] as number
  return rs >= 18 && bytes.byteLength >= 21 + idlen + 17
}

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
        'redirect (default): a 302 to a presigned GET living at most SIGNET_REDIRECT_SECONDS (default 60), bound to the client address where the store enforces it; proxy: Signet streams the bytes (the default of an encrypted share, whose page reads them with a script).',
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
    message: ShareMessageSchema.optional(),
    notify: NotifySchema.optional(),
    encrypted: z.boolean().optional().openapi({
      description:
        "End to end: the object is an RFC 8188 aes128gcm body whose key travels only in the link's fragment (`<url>#<key>`), never to Signet; its name, type and size only in encryptedMeta.",
    }),
    encryptedMeta: z
      .string()
      .max(8192)
      .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be base64url' })
      .refine(isAes128gcm, { message: 'must be an aes128gcm body (RFC 8188)' })
      .optional()
      .openapi({
        description:
          'base64url of an aes128gcm body of the JSON {name, type, size} under the same key (encrypted shares only)',
      }),
  })
  .refine((request) => request.encryptedMeta === undefined || request.encrypted === true, {
    message: 'encryptedMeta belongs to an encrypted share (encrypted: true)',
    path: ['encryptedMeta'],
  })
  .refine((request) => request.encrypted !== true || request.prefix === undefined, {
    message: 'a folder cannot be shared encrypted: share each file',
    path: ['encrypted'],
  })
  .refine((request) => request.encrypted !== true || request.filename === undefined, {
    message: 'an encrypted share names nothing: its name is in encryptedMeta',
    path: ['filename'],
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
export type ShareRequest = z.infer<typeof ShareRequestSchema>

export const ShareEditSchema = z
  .strictObject({
    ...ExpiryShape,
    maxDownloads: z.number().int().min(1).max(1_000_000).nullable().optional().openapi({
      description:
        'The new cap (null: no cap). Never below the downloads already counted or lent to edge locations.',
    }),
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH)
      .max(MAX_PASSWORD_LENGTH)
      .nullable()
      .optional()
      .openapi({
        description:
          'A new password (null: none). Pages unlocked with the old one ask again at once.',
      }),
    allowIps: z.array(CidrSchema).min(1).max(100).nullable().optional(),
    message: ShareMessageSchema.nullable().optional(),
    notify: NotifySchema.optional(),
  })
  .openapi('ShareEdit')
export type ShareEdit = z.infer<typeof ShareEditSchema>

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
    message: z.string().nullable(),
    encrypted: z.boolean().openapi({ description: 'End to end: Signet never held its key' }),
    encryptedMeta: z.string().nullable(),
    notify: z.array(z.string()).openapi({ description: 'Addresses mailed about its downloads' }),
    policyHints: PolicyHintsSchema.nullable(),
  })
  .openapi('Share')
export type Share = z.infer<typeof ShareSchema>

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
  fields: z
    .array(z.string())
    .optional()
    .openapi({ description: 'An `edited` entry: the fields the edit changed (never a value)' }),
})
export type ShareUse = z.infer<typeof ShareUseSchema>

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
export type ShareStats = z.infer<typeof ShareStatsSchema>

export const RefusalSummarySchema = z.object({
  outcome: z.string(),
  clientIp: z.string().nullable(),
  count: z.number().int(),
  firstAt: z.string(),
  lastAt: z.string(),
})
export type RefusalSummary = z.infer<typeof RefusalSummarySchema>
