// /u/:id: an upload link, for people without a key. A browser gets the link's page (or its
// password form); `PUT /u/:id/<filename>` sends one file (`curl -T file <url>/`); the page sends
// big files as a multipart upload whose parts go straight to the store (`/u/:id/uploads`, then
// `complete` or `abort`). A password comes as `Authorization: Basic` (any user) or from the
// page's form, which answers with a cookie scoped to the link.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import mime from 'mime/lite'
import { getConfig, storeFor } from '../config'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { newApp } from '../http/openapi'
import { base64url, randomBytes } from '../lib/bytes'
import { MAX_PUT_SIZE, UPLOAD_PAGE_SINGLE_PUT } from '../lib/limits'
import { parseMediaType } from '../lib/media-type'
import { UploadPage, uploadCsp } from '../pages/upload-page'
import {
  errorResponses,
  LinkUploadAbortSchema,
  LinkUploadCompleteSchema,
  LinkUploadStartSchema,
  MultipartAnswerSchema,
  UploadedSchema,
} from '../schemas'
import {
  abortFileUpload,
  completeFileUpload,
  openForSender,
  type SendContext,
  sendFile,
  startFileUpload,
} from '../services/upload-links'
import { basicPassword, ticketCookie, ticketOf } from '../share/password'
import { formPassword, linkError, pageResponse, passwordChallenge } from './link-answers'

function sendContext(c: Context<AppEnv>, typed?: string): SendContext {
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

const IdParam = z.object({ id: z.string().max(64) })

/** The media type a sender gave, or the one its file name suggests, or octet-stream. */
function contentTypeOf(c: Context<AppEnv>, name: string): string {
  const given = c.req.header('Content-Type')
  if (given !== undefined && parseMediaType(given)) return given
  return mime.getType(name) ?? 'application/octet-stream'
}

/** The link's page, or why not, as a person sees it. */
async function page(c: Context<AppEnv>, typed?: string): Promise<Response> {
  const id = c.req.param('id') ?? ''
  const ctx = sendContext(c, typed)
  try {
    const opened = await openForSender(ctx, id, typed !== undefined)
    if (opened.ticket) {
      // Back to the page, which the cookie now opens.
      const secure = ctx.origin.protocol === 'https:'
      return new Response(null, {
        status: 303,
        headers: {
          Location: `/u/${id}`,
          'Set-Cookie': ticketCookie(opened.ticket, `/u/${id}`, secure),
          'Cache-Control': 'no-store',
          'Referrer-Policy': 'no-referrer',
        },
      })
    }
    const { record, left } = opened
    const store = storeFor(ctx.config, record.bucket)
    const storeOrigin = store.objectOrigin(ctx.origin.origin)
    const nonce = base64url(randomBytes(16))
    return pageResponse(
      c,
      200,
      UploadPage({
        facts: {
          id,
          message: record.message,
          expiresAt: record.expiresAt,
          filesLeft: left,
          maxFileSize: record.maxFileSize,
          contentTypes: record.contentTypes,
          singlePut: UPLOAD_PAGE_SINGLE_PUT,
        },
        nonce,
      }),
      uploadCsp(nonce, storeOrigin === ctx.origin.origin ? null : storeOrigin),
    )
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    if (error.code === 'share_password_required' || error.code === 'share_password_invalid') {
      return passwordChallenge(c, error.code, error.message, {
        name: 'Send files',
        note: 'This upload link is protected by a password.',
        action: `/u/${id}`,
      })
    }
    return linkError(c, error.code, error.message, error.retryAfter)
  }
}

export const uploadLinkPages = newApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      summary: "An upload link's page",
      description:
        "An upload link's page: its message and limits, a file picker and drop zone, progress per file (a password-protected link asks first)",
      request: { params: IdParam },
      responses: {
        200: { description: 'The page (HTML)', content: { 'text/html': { schema: z.string() } } },
        ...errorResponses(401, 404, 410, 429),
      },
    }),
    // biome-ignore lint/suspicious/noExplicitAny: an HTML answer has no JSON schema to type it.
    (c) => page(c) as any,
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/{id}',
      summary: "An upload link's password form",
      description:
        "The page's password form (`password=…`, form-encoded): a cookie for this link and 303 back to it",
      request: { params: IdParam },
      responses: {
        303: { description: 'Back to the page, with the cookie' },
        ...errorResponses(401, 404, 410, 429),
      },
    }),
    // biome-ignore lint/suspicious/noExplicitAny: a redirect or an HTML answer.
    async (c) => page(c, await formPassword(c)) as any,
  )
  .openapi(
    createRoute({
      method: 'put',
      path: '/{id}/{filename}',
      summary: 'Send a file through an upload link',
      description:
        'Send one file (`curl -T file <url>/`): it lands under the link\'s prefix with its name made safe, never replacing anything (the same name twice keeps both: "name (2).ext")',
      request: {
        params: IdParam.extend({ filename: z.string().max(1024) }),
        headers: z.object({
          'content-length': z.string().optional().openapi({ description: 'Required' }),
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
      c.get('timing').showStore()
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
        contentType: contentTypeOf(c, filename),
        body: body ?? new Blob([]).stream(),
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
      c.get('timing').showStore()
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
