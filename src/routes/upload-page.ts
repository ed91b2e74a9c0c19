// /u/:id: an upload link's page, for people without a key (or its password form, which answers
// with a cookie scoped to the link). The files it takes are upload-files.ts's; a PUT to the link
// itself, without a file name, is told where files go.
import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { storeFor } from '../config'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import { newApp } from '../http/openapi'
import { base64url, randomBytes } from '../lib/bytes'
import { SINGLE_PUT_MAX } from '../lib/limits'
import { UploadPage, uploadCsp } from '../pages/upload-page'
import { errorResponses } from '../schemas'
import { openForSender } from '../services/upload-link-sends'
import { ticketCookie } from '../share/password'
import { formPassword, linkError, pageResponse, passwordChallenge } from './link-answers'
import { IdParam, sendContext } from './upload-files'

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
          singlePut: SINGLE_PUT_MAX,
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
      path: '/{id}',
      summary: 'A file sent to the link itself',
      description:
        'Files go to `/u/<id>/<file name>` (`curl -T file <link>/`, with the trailing slash): a PUT to the link itself is 400, saying so',
      request: { params: IdParam },
      responses: errorResponses(400),
    }),
    () => {
      throw new AppError(
        'invalid_request',
        'PUT the file to /u/<id>/<file name>: add a slash and the name to the link (curl -T file <link>/ does).',
      )
    },
  )
