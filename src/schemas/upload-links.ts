// Upload links: the request that makes one, the link the API answers, the files it received, and
// the link page's multipart upload.
import { z } from '@hono/zod-openapi'
import {
  MAX_OBJECT_SIZE,
  MAX_PASSWORD_LENGTH,
  MAX_UPLOAD_LINK_FILES,
  MIN_PASSWORD_LENGTH,
} from '../lib/limits'
import { BucketNameSchema, ExpiryShape, MEDIA_RANGE, NotifySchema } from './common'
import { PartsSchema, UploadIdSchema } from './uploads'

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
    notify: NotifySchema.optional(),
  })
  .openapi('UploadLinkRequest')
export type UploadLinkRequest = z.infer<typeof UploadLinkRequestSchema>

export const UploadLinkEditSchema = z
  .strictObject({
    ...ExpiryShape,
    maxFiles: z.number().int().min(1).max(MAX_UPLOAD_LINK_FILES).nullable().optional().openapi({
      description: 'Never below the files received and being sent (null: no cap).',
    }),
    maxFileSize: z.number().int().min(1).max(MAX_OBJECT_SIZE).nullable().optional(),
    message: z
      .string()
      .max(2000)
      .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })
      .nullable()
      .optional(),
    notify: NotifySchema.optional(),
  })
  .openapi('UploadLinkEdit')
export type UploadLinkEdit = z.infer<typeof UploadLinkEditSchema>

export const UploadedFileSchema = z
  .object({
    key: z.string(),
    size: z.number().int(),
    etag: z.string(),
    contentType: z.string(),
    uploadedAt: z.string(),
    clientIp: z.string().nullable(),
    sender: z.string().nullable().openapi({ description: "The sender's name, when given" }),
    note: z.string().nullable().openapi({ description: "The sender's note, when given" }),
  })
  .openapi('UploadedFile')

/** A sender's name and note: what the upload page asks (optional), kept with the file. */
export const SenderSchema = z
  .string()
  .max(100)
  .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })
export const SenderNoteSchema = z
  .string()
  .max(1000)
  .refine((text) => text.isWellFormed(), { message: 'must be valid Unicode' })

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
    notify: z
      .array(z.string())
      .openapi({ description: 'Addresses mailed about the files it receives' }),
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
export type UploadLink = z.infer<typeof UploadLinkSchema>

export const UploadedSchema = z
  .object({ key: z.string(), size: z.number().int(), etag: z.string() })
  .openapi('Uploaded')

/** The link page's multipart upload: start (a place and part URLs), complete, abort. */
export const LinkUploadStartSchema = z.strictObject({
  name: z.string().min(1).max(1024),
  size: z.number().int().min(0).max(MAX_OBJECT_SIZE),
  contentType: z.string().max(255).optional(),
  sender: SenderSchema.optional(),
  note: SenderNoteSchema.optional(),
})
export type LinkUploadStart = z.infer<typeof LinkUploadStartSchema>

export const LinkUploadCompleteSchema = z.strictObject({
  slot: z.string().min(1).max(64),
  uploadId: UploadIdSchema,
  parts: PartsSchema,
})
export type LinkUploadComplete = z.infer<typeof LinkUploadCompleteSchema>

export const LinkUploadAbortSchema = z.strictObject({
  slot: z.string().min(1).max(64),
  uploadId: UploadIdSchema,
})
export type LinkUploadAbort = z.infer<typeof LinkUploadAbortSchema>
