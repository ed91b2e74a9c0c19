// /u/:id/tus/: tus 1.0.0 on an upload link (services/tus.ts says what each request does). Any
// origin may call it (the link is the permission, as for the page's PUTs), with exactly the tus
// headers; every answer says Tus-Resumable. Errors keep the contract's JSON shape.
import { z } from '@hono/zod-openapi'
import type { Context, MiddlewareHandler } from 'hono'
import { Hono } from 'hono'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import type { newApp } from '../http/openapi'
import { errorResponses } from '../schemas'
import {
  createTusUpload,
  parseMetadata,
  patchTusUpload,
  terminateTusUpload,
  tusOffset,
} from '../services/tus'
import { openUploadLink } from '../services/upload-link-sends'
import { sendContext } from './upload-files'

const TUS_VERSION = '1.0.0'
const EXTENSIONS = 'creation,creation-with-upload,termination,expiration'
const ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'Tus-Resumable',
  'Upload-Length',
  'Upload-Metadata',
  'Upload-Offset',
  'X-Requested-With',
].join(', ')
const EXPOSE_HEADERS = [
  'Location',
  'Upload-Offset',
  'Upload-Length',
  'Upload-Expires',
  'Tus-Version',
  'Tus-Resumable',
  'Tus-Max-Size',
  'Tus-Extension',
  'Signet-Key',
  'X-Request-Id',
].join(', ')

const tusHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  const headers = c.res.headers
  headers.set('Tus-Resumable', TUS_VERSION)
  headers.set('Access-Control-Allow-Origin', '*')
  headers.set('Access-Control-Expose-Headers', EXPOSE_HEADERS)
  headers.set('Cache-Control', 'no-store')
}

/** A request of another tus version is refused as the protocol says: 412 with the one spoken. */
function versionRefused(c: Context<AppEnv>): Response | undefined {
  if (c.req.header('Tus-Resumable') === TUS_VERSION) return undefined
  return new Response(null, { status: 412, headers: { 'Tus-Version': TUS_VERSION } })
}

function wholeHeader(c: Context<AppEnv>, name: string): number {
  const text = c.req.header(name)
  if (text === undefined || !/^\d{1,16}$/.test(text)) {
    throw new AppError('invalid_request', `${name} must be a whole number of bytes.`)
  }
  return Number(text)
}

const httpDate = (ms: number) => new Date(ms).toUTCString()

async function options(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param('id') ?? ''
  const ctx = sendContext(c)
  const { record } = await openUploadLink(ctx, id)
  const headers = new Headers({
    'Tus-Version': TUS_VERSION,
    'Tus-Extension': EXTENSIONS,
    'Access-Control-Allow-Methods': 'POST, HEAD, PATCH, DELETE, OPTIONS',
    'Access-Control-Allow-Headers': ALLOW_HEADERS,
    'Access-Control-Max-Age': '600',
  })
  if (record.maxFileSize !== null) headers.set('Tus-Max-Size', String(record.maxFileSize))
  return new Response(null, { status: 204, headers })
}

async function create(c: Context<AppEnv>): Promise<Response> {
  const refused = versionRefused(c)
  if (refused) return refused
  if (c.req.header('Upload-Defer-Length') !== undefined) {
    throw new AppError('invalid_request', 'Give Upload-Length: a deferred length is not taken.')
  }
  const id = c.req.param('id') ?? ''
  const ctx = sendContext(c)
  const length = wholeHeader(c, 'Upload-Length')
  const created = await createTusUpload(ctx, id, {
    length,
    metadata: parseMetadata(c.req.header('Upload-Metadata')),
  })
  const headers = new Headers({
    Location: `${ctx.origin.origin}/u/${id}/tus/${created.slot}`,
    'Upload-Expires': httpDate(created.expires),
    'Upload-Offset': String(created.offset),
  })
  // creation-with-upload: the first bytes in the creating request.
  if (length > 0 && c.req.header('Content-Type') === 'application/offset+octet-stream') {
    const patched = await patchTusUpload(ctx, id, created.slot, {
      offset: 0,
      body: c.req.raw.body,
    })
    headers.set('Upload-Offset', String(patched.offset))
  }
  return new Response(null, { status: 201, headers })
}

async function head(c: Context<AppEnv>): Promise<Response> {
  const refused = versionRefused(c)
  if (refused) return refused
  const ctx = sendContext(c)
  const upload = await tusOffset(ctx, c.req.param('id') ?? '', c.req.param('upload') ?? '')
  return new Response(null, {
    status: 200,
    headers: {
      'Upload-Offset': String(upload.offset),
      'Upload-Length': String(upload.length),
      'Upload-Expires': httpDate(upload.expires),
    },
  })
}

async function patch(c: Context<AppEnv>): Promise<Response> {
  const refused = versionRefused(c)
  if (refused) return refused
  if (c.req.header('Content-Type') !== 'application/offset+octet-stream') {
    return c.json(
      {
        error: {
          code: 'invalid_request',
          message: 'A PATCH sends Content-Type: application/offset+octet-stream.',
          requestId: c.get('requestId'),
        },
      },
      415,
    )
  }
  const offset = wholeHeader(c, 'Upload-Offset')
  const length = c.req.header('Content-Length')
  const patched = await patchTusUpload(
    sendContext(c),
    c.req.param('id') ?? '',
    c.req.param('upload') ?? '',
    {
      offset,
      body: c.req.raw.body,
      ...(length !== undefined && /^\d+$/.test(length) ? { contentLength: Number(length) } : {}),
    },
  )
  const headers = new Headers({
    'Upload-Offset': String(patched.offset),
    'Upload-Expires': httpDate(patched.expires),
  })
  // The whole file arrived: where it landed (its name may have been made free: "name (2).ext").
  if (patched.sent) headers.set('Signet-Key', encodeURIComponent(patched.sent.key))
  return new Response(null, { status: 204, headers })
}

async function terminate(c: Context<AppEnv>): Promise<Response> {
  const refused = versionRefused(c)
  if (refused) return refused
  await terminateTusUpload(sendContext(c), c.req.param('id') ?? '', c.req.param('upload') ?? '')
  return new Response(null, { status: 204 })
}

export const tusRoutes = new Hono<AppEnv>()
  .use('/:id/tus/*', tusHeaders)
  .use('/:id/tus', tusHeaders)
  .options('/:id/tus', options)
  .options('/:id/tus/', options)
  .options('/:id/tus/:upload', options)
  .post('/:id/tus', create)
  .post('/:id/tus/', create)
  // Hono answers HEAD with the GET route (without its body): HEAD is this GET.
  .get('/:id/tus/:upload', head)
  .patch('/:id/tus/:upload', patch)
  .delete('/:id/tus/:upload', terminate)

/** The OpenAPI entries of the tus endpoint (served above, outside the typed router). */
export function documentTus(registry: ReturnType<typeof newApp>['openAPIRegistry']): void {
  const params = z.object({ id: z.string() })
  const upload = z.object({ id: z.string(), upload: z.string() })
  const tusHeader = { description: 'Tus-Resumable: 1.0.0 (else 412 with Tus-Version)' }
  registry.registerPath({
    method: 'options',
    path: '/u/{id}/tus/',
    summary: "An upload link's tus capabilities",
    description:
      'Tus-Version, Tus-Extension and Tus-Max-Size (the link’s maxFileSize); CORS for any origin.',
    request: { params },
    responses: { 204: { description: 'What the server speaks' }, ...errorResponses(404) },
  })
  registry.registerPath({
    method: 'post',
    path: '/u/{id}/tus/',
    summary: 'Create a tus upload through an upload link',
    description: `Upload-Length (over maxFileSize: 413) and Upload-Metadata (filename, filetype; sender and note) take the file's place in the link (maxFiles reserved), named as a PUT would be. 201 with Location and Upload-Expires; with Content-Type application/offset+octet-stream the body is the first bytes (creation-with-upload). ${tusHeader.description}.`,
    request: { params },
    responses: {
      201: { description: 'Created: Location, Upload-Offset, Upload-Expires' },
      ...errorResponses(400, 401, 404, 410, 413, 429),
    },
  })
  for (const method of ['head', 'patch', 'delete'] as const) {
    registry.registerPath({
      method,
      path: '/u/{id}/tus/{upload}',
      summary:
        method === 'head'
          ? 'A tus upload’s offset'
          : method === 'patch'
            ? 'Append to a tus upload'
            : 'Terminate a tus upload',
      description:
        method === 'head'
          ? 'Upload-Offset (what is stored), Upload-Length, Upload-Expires.'
          : method === 'patch'
            ? 'Content-Type application/offset+octet-stream at Upload-Offset (another offset, or another request writing: 409), any size; the last byte completes the file, which appears then.'
            : 'Aborts the upload and frees its place in the link.',
      request: { params: upload },
      responses: {
        [method === 'head' ? 200 : 204]: { description: 'Upload-Offset' },
        ...errorResponses(400, 404, 409),
      },
    })
  }
}
