// /u/:id/<filename> and /u/:id/uploads: the files an upload link takes. `PUT /u/:id/<filename>`
// sends one file (`curl -T file <url>/`); the page sends big files as a multipart upload whose
// parts go straight to the store (`/u/:id/uploads`, then `complete` or `abort`). A password comes
// as `Authorization: Basic` (any user) or as the cookie the link's page form gave.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { getConfig } from '../config'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { newApp } from '../http/openapi'
import { MAX_PUT_SIZE } from '../lib/limits'
import {
  errorResponses,
  LinkUploadAbortSchema,
  LinkUploadCompleteSchema,
  LinkUploadStartSchema,
  MultipartAnswerSchema,
  SenderNoteSchema,
  SenderSchema,
  UploadedSchema,
} from '../schemas'
import {
  abortFileUpload,
  completeFileUpload,
  type SendContext,
  type SenderWords,
  sendFile,
  startFileUpload,
} from '../services/upload-link-sends'
import { basicPassword, ticketOf } from '../share/password'

/**
 * The sender's name and note a PUT carries (`Signet-Sender`, `Signet-Note`: percent-encoded
 * UTF-8, at most 100 and 1,000 characters), checked as the upload page's are.
 */
function senderWords(sender: string | undefined, note: string | undefined): SenderWords {
  const words: SenderWords = {}
  for (const [field, header, value, schema, most] of [
    ['sender', 'Signet-Sender', sender, SenderSchema, '100'],
    ['note', 'Signet-Note', note, SenderNoteSchema, '1,000'],
  ] as const) {
    if (value === undefined) continue
    const text = decodedHeader(value)
    if (text === undefined || !schema.safeParse(text).success) {
      throw new AppError(
        'invalid_request',
        `${header} must be percent-encoded UTF-8 of at most ${most} characters.`,
        { issues: [{ path: header, message: 'not valid' }] },
      )
    }
    words[field] = text
  }
  return words
}

/** A percent-encoded header's text, or undefined when it is not percent-encoded UTF-8. */
function decodedHeader(value: string): string | undefined {
  try {
    return decodeURIComponent(value)
  } catch {
    return undefined
  }
}

/** What the upload-link service needs of a request: the sender, its password, the clock. */
export function sendContext(c: Context<AppEnv>, typed?: string): SendContext {
  return {
    config: getConfig(c.env),
    links: c.get('uploadLinks'),
    events: c.env.EVENTS,
    origin: new URL(c.req.url),
    clientIp: c.req.header('CF-Connecting-IP') ?? null,
    brought: {
      password: typed ?? basicPassword(c.req.header('Authorization')),
      ticket: ticketOf(c.req.header('Cookie')),
    },
    now: new Date(),
    timing: c.get('timing'),
  }
}

export const IdParam = z.object({ id: z.string().max(64) })

export const uploadLinkFiles = newApp()
  .openapi(
    createRoute({
      method: 'put',
      path: '/{id}/{filename}',
      summary: 'Send a file through an upload link',
      description:
        'Send one file (`curl -T file <url>/`): it lands under the link\'s prefix with its name made safe, never replacing anything (the same name twice keeps both: "name (2).ext"). Its type is the one its name says when the declared Content-Type contradicts it (anything but application/octet-stream)',
      request: {
        params: IdParam.extend({ filename: z.string().max(1024) }),
        headers: z.object({
          'content-length': z.string().optional().openapi({ description: 'Required' }),
          'signet-sender': z.string().optional().openapi({
            description:
              "Optional: the sender's name (percent-encoded UTF-8, ≤ 100 characters), kept with the file and in object.created",
          }),
          'signet-note': z.string().optional().openapi({
            description:
              "Optional: a note for the link's owner (percent-encoded UTF-8, ≤ 1,000 characters)",
          }),
        }),
      },
      responses: {
        201: {
          description: 'Stored',
          content: { 'application/json': { schema: UploadedSchema } },
        },
        ...errorResponses(400, 401, 404, 410, 413, 429),
      },
    }),
    async (c) => {
      c.get('timing').showUseCounts()
      const { id, filename } = c.req.valid('param')
      const length = c.req.header('Content-Length')
      const size = length !== undefined && /^\d{1,16}$/.test(length) ? Number(length) : Number.NaN
      const body = c.req.raw.body
      if (!Number.isSafeInteger(size) || (size > 0 && body === null)) {
        throw new AppError(
          'invalid_request',
          'Send the file with its Content-Length (curl -T file does); chunked uploads are not taken.',
        )
      }
      if (size > MAX_PUT_SIZE) {
        throw new AppError('payload_too_large', 'One PUT takes at most 5 GiB.')
      }
      const sent = await sendFile(sendContext(c), id, {
        name: filename,
        size,
        declaredType: c.req.header('Content-Type'),
        body: body ?? new Blob([]).stream(),
        ...senderWords(c.req.header('Signet-Sender'), c.req.header('Signet-Note')),
      })
      c.header('ETag', sent.etag)
      return c.json(sent, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/{id}/uploads',
      summary: 'Start a big file (multipart)',
      description:
        "Start sending a big file from the link's page: a place for it and presigned part URLs straight to the store",
      request: {
        params: IdParam,
        body: {
          required: true,
          content: { 'application/json': { schema: LinkUploadStartSchema } },
        },
      },
      responses: {
        200: {
          description: "The place (slot), the file's key, the upload id and one URL per part",
          content: {
            'application/json': {
              schema: MultipartAnswerSchema.omit({ bucket: true }).extend({ slot: z.string() }),
            },
          },
        },
        ...errorResponses(400, 401, 404, 410, 413, 422, 429),
      },
    }),
    async (c) =>
      c.json(
        await startFileUpload(sendContext(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/{id}/uploads/complete',
      summary: 'Complete a big file',
      description: 'Complete a big file from its parts: it is recorded and announced',
      request: {
        params: IdParam,
        body: {
          required: true,
          content: { 'application/json': { schema: LinkUploadCompleteSchema } },
        },
      },
      responses: {
        201: {
          description: 'Stored',
          content: { 'application/json': { schema: UploadedSchema } },
        },
        ...errorResponses(400, 401, 404, 410, 429),
      },
    }),
    async (c) => {
      c.get('timing').showUseCounts()
      const sent = await completeFileUpload(
        sendContext(c),
        c.req.valid('param').id,
        c.req.valid('json'),
      )
      return c.json(sent, 201)
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/{id}/uploads/abort',
      summary: 'Abort a big file',
      description: 'Give up a big file: its parts are discarded and its place is free again',
      request: {
        params: IdParam,
        body: {
          required: true,
          content: { 'application/json': { schema: LinkUploadAbortSchema } },
        },
      },
      responses: { 204: { description: 'Aborted' }, ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => {
      await abortFileUpload(sendContext(c), c.req.valid('param').id, c.req.valid('json'))
      return c.body(null, 204)
    },
  )
