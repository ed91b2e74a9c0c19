// Composes Signet: middleware order, route mounts, the OpenAPI document, error choke points.
// Free of `cloudflare:*` imports so tools can load it outside workerd (the OpenAPI check does).
import { createRoute, z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { VERSION } from './app-version'
import { authenticate } from './auth/authenticate'
import { type ConfigProblem, getConfig } from './config'
import type { AppEnv } from './env'
import { AppError, ConfigError } from './errors'
import { gateway, rootGateway } from './gateway/handler'
import { notFound, onError } from './http/errors'
import { newApp } from './http/openapi'
import { base64url, randomBytes } from './lib/bytes'
import { MAX_JSON_BODY } from './lib/limits'
import { asksForHtml } from './lib/link-preview'
import { countD1, countDurableObjects, Timing } from './lib/timing'
import { ConsolePage, consoleCsp } from './pages/console-page'
import { DocsPage, docsCsp } from './pages/docs-page'
import { favicon } from './pages/favicon'
import { html } from './pages/layout'
import { events } from './routes/events'
import { inspect } from './routes/inspect'
import { keys } from './routes/keys'
import { documentShareLinks } from './routes/link-docs'
import { useShareLink } from './routes/links'
import { me } from './routes/me'
import { notifyPages } from './routes/notify'
import { presignRoutes } from './routes/presign'
import { shares } from './routes/shares'
import { documentTus, tusRoutes } from './routes/tus'
import { uploadLinkFiles } from './routes/upload-files'
import { uploadLinks } from './routes/upload-links'
import { uploadLinkPages } from './routes/upload-page'
import { uploads } from './routes/uploads'
import { webhooks } from './routes/webhooks'

/** The release, as package.json and CHANGELOG.md name it (a test holds the three together). */
export { VERSION }

const requestContext: MiddlewareHandler<AppEnv> = async (c, next) => {
  // A fresh id per request: an incoming X-Request-Id is not trusted into logs.
  const requestId = crypto.randomUUID()
  c.set('requestId', requestId)
  const timing = new Timing()
  c.set('timing', timing)
  // Tools load the app without bindings (the OpenAPI check); the Worker always has them.
  const bindings = c.env as Env | undefined
  if (bindings) {
    c.set('db', countD1(bindings.DB, timing))
    c.set('shares', countDurableObjects(bindings.SHARES, timing))
    c.set('uploadLinks', countDurableObjects(bindings.UPLOAD_LINKS, timing))
  }
  await next()
  const headers = c.res.headers
  headers.set('X-Request-Id', requestId)
  headers.set('Server-Timing', timing.header())
  // No answer is to be sniffed into another type, and no URL of Signet's (share ids, signed
  // queries) is to leave in a Referer.
  headers.set('X-Content-Type-Options', 'nosniff')
  if (!headers.has('Referrer-Policy')) headers.set('Referrer-Policy', 'no-referrer')
}

const loadConfig: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('config', getConfig(c.env))
  await next()
}

/**
 * CORS for /v1/*: only the origins in SIGNET_CORS_ORIGINS get CORS headers; their preflights are
 * answered (204) before authentication, since a browser sends no token with them. Any other
 * origin gets none, so the browser refuses to let it read anything.
 */
const apiCors: MiddlewareHandler<AppEnv> = (c, next) => {
  const origin = c.req.header('Origin')
  if (origin === undefined || !getConfig(c.env).corsOrigins.has(origin)) return next()
  return allowedOriginCors(c, next)
}

const allowedOriginCors = cors({
  origin: (origin) => origin,
  allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type'],
  exposeHeaders: ['X-Request-Id', 'Server-Timing', 'Retry-After', 'WWW-Authenticate'],
  maxAge: 600,
})

const apiHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next()
  // Answers carry signed URLs and key material: no cache may keep them.
  c.res.headers.set('Cache-Control', 'no-store')
}

const jsonBodies: MiddlewareHandler<AppEnv> = async (c, next) => {
  const method = c.req.method
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    const type = c.req.header('Content-Type') ?? ''
    if (!/^application\/json\s*(;|$)/i.test(type)) {
      throw new AppError(
        'invalid_request',
        'Send the body as JSON with Content-Type: application/json (curl --json).',
      )
    }
  }
  await next()
}

const app = newApp()

app.use('*', requestContext)
app.use('/v1/*', apiCors, apiHeaders, loadConfig, authenticate, jsonBodies)
app.use(
  '/v1/*',
  bodyLimit({
    maxSize: MAX_JSON_BODY,
    onError: () => {
      throw new AppError('payload_too_large', 'The request body is over 4 MiB.')
    },
  }),
)

app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  description: 'The admin token, an API key (sgn_...) or a JWT from the configured issuer.',
})

const ProblemSchema = z.object({
  variable: z.string(),
  bucket: z.string().optional(),
  message: z.string(),
})

app.openapi(
  createRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Health',
    description:
      'Health: 200 when the configuration parses whole; 503 `degraded` naming each variable (and bucket) at fault, never a value, for an uptime monitor',
    responses: {
      200: {
        description: 'Healthy',
        content: {
          'application/json': {
            schema: z.object({ status: z.literal('ok'), version: z.string() }),
          },
        },
      },
      503: {
        description:
          'A bucket is disabled by its configuration (the others work), or a variable every request needs is wrong',
        content: {
          'application/json': {
            schema: z.object({
              status: z.literal('degraded'),
              version: z.string(),
              problems: z.array(ProblemSchema),
            }),
          },
        },
      },
    },
  }),
  // biome-ignore lint/suspicious/noExplicitAny: two answers of different shapes.
  (c): any => {
    c.header('Cache-Control', 'no-store')
    let problems: ConfigProblem[]
    try {
      problems = [...getConfig(c.env).problems]
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      problems = [{ variable: error.variable, message: error.reason }]
    }
    if (problems.length === 0) return c.json({ status: 'ok' as const, version: VERSION }, 200)
    return c.json({ status: 'degraded' as const, version: VERSION, problems }, 503)
  },
)

app.openapi(
  createRoute({
    method: 'get',
    path: '/',
    summary: 'Index',
    description:
      'A browser (`Accept: text/html`) is sent to the console; a program gets where things are',
    responses: {
      200: {
        description: "Signet's name and version, and where its reference and console are",
        content: {
          'application/json': {
            schema: z.object({
              name: z.literal('signet'),
              version: z.string(),
              docs: z.string(),
              openapi: z.string(),
              console: z.string(),
              health: z.string(),
            }),
          },
        },
      },
      302: { description: 'To /console (a browser)' },
    },
  }),
  // biome-ignore lint/suspicious/noExplicitAny: a redirect or the JSON index.
  (c): any => {
    c.header('Cache-Control', 'no-store')
    c.header('Vary', 'Accept')
    if (asksForHtml(c.req.header('Accept'))) return c.redirect('/console', 302)
    return c.json(
      {
        name: 'signet' as const,
        version: VERSION,
        docs: '/docs',
        openapi: '/openapi.json',
        console: '/console',
        health: '/healthz',
      },
      200,
    )
  },
)

app.route('/v1/keys', keys)
app.route('/v1/presign', presignRoutes)
app.route('/v1/inspect', inspect)
app.route('/v1/me', me)
app.route('/v1/shares', shares)
app.route('/v1/webhooks', webhooks)
app.route('/v1/events', events)
app.route('/v1/upload-links', uploadLinks)
app.route('/v1', uploads)
app.on(['GET', 'HEAD', 'POST'], '/s/:id', useShareLink)
app.on(['GET', 'HEAD'], '/s/:id/*', useShareLink)
app.route('/u', tusRoutes)
app.route('/u', uploadLinkPages)
app.route('/u', uploadLinkFiles)
app.route('/n', notifyPages)
documentShareLinks(app.openAPIRegistry)
documentTus(app.openAPIRegistry)
app.get('/docs', async (c) => {
  const nonce = base64url(randomBytes(16))
  c.header('Content-Security-Policy', docsCsp(nonce))
  c.header('Cache-Control', 'no-store')
  return c.html(await html(DocsPage({ nonce })))
})
app.get('/favicon.ico', () => favicon())
app.get('/console', async (c) => {
  // The page's uploads go to the stores' own origins (presigned URLs), Signet's API to this one.
  const origin = new URL(c.req.url).origin
  const config = getConfig(c.env)
  const stores = [...config.stores.values()].map((store) => store.objectOrigin(origin))
  const nonce = base64url(randomBytes(16))
  const { brand } = config
  const storeOrigins = [...new Set(stores)].filter((o) => o !== origin)
  c.header('Content-Security-Policy', consoleCsp(nonce, storeOrigins, brand))
  c.header('Cache-Control', 'no-store')
  c.header('X-Frame-Options', 'DENY')
  // Behind Cloudflare Access (its assertion here, and Signet set to take it) the page signs in.
  const access = Boolean(config.jwt?.cloudflareAccess && c.req.header('Cf-Access-Jwt-Assertion'))
  return c.html(await html(ConsolePage({ nonce, brand, access })))
})
// Every method: the gateway answers the ones it does not serve in S3's XML (MethodNotAllowed).
app.all('/s3/*', gateway)
app.openAPIRegistry.registerPath({
  method: 'post',
  path: '/s3/{bucket}',
  summary: 'Gateway: browser form upload',
  description: 'Browser form upload (multipart/form-data) checked against a SigV4 POST policy',
  request: { params: z.object({ bucket: z.string() }) },
  responses: {
    200: { description: 'Stored (success_action_status 200)' },
    201: { description: 'Stored, with an S3 PostResponse XML (success_action_status 201)' },
    204: { description: 'Stored (default)' },
    400: {
      description:
        'EntityTooLarge, EntityTooSmall, MalformedPOSTRequest, InvalidPolicyDocument (S3 XML)',
    },
    403: { description: 'AccessDenied (policy), SignatureDoesNotMatch (S3 XML)' },
  },
})
for (const method of ['get', 'head', 'put', 'delete', 'options'] as const) {
  app.openAPIRegistry.registerPath({
    method,
    path: '/s3/{bucket}/{key}',
    summary: 'Gateway: an object',
    description: 'S3-style gateway over R2 bindings: SigV4 presigned requests, S3 XML errors',
    request: { params: z.object({ bucket: z.string(), key: z.string() }) },
    responses: {
      200: { description: 'The object (GET), its metadata (HEAD), stored (PUT)' },
      204: { description: 'Deleted (DELETE), or a CORS preflight (OPTIONS)' },
      206: { description: 'A byte range of the object (GET)' },
      304: { description: 'Not modified (GET, HEAD)' },
      403: { description: 'AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId (S3 XML)' },
      404: { description: 'NoSuchKey, NoSuchBucket (S3 XML)' },
      412: { description: 'PreconditionFailed (S3 XML)' },
    },
  })
}

app.doc31('/openapi.json', (c) => ({
  openapi: '3.1.0',
  info: {
    title: 'Signet',
    version: VERSION,
    description:
      'Presigned URLs and revocable share links for R2 and S3-compatible stores. Errors are ' +
      '`{"error":{"code","message","requestId"}}` with `Cache-Control: no-store`.',
  },
  servers: [{ url: new URL(c.req.url).origin }],
}))
// Last: the gateway at the root for clients that take no endpoint path; other paths are 404.
app.all('/:bucket/*', (c) => rootGateway(c, () => notFound(c)))
app.all('/:bucket', (c) => rootGateway(c, () => notFound(c)))

app.openAPIRegistry.registerPath({
  method: 'get',
  path: '/openapi.json',
  summary: 'This document (OpenAPI 3.1)',
  responses: { 200: { description: 'The OpenAPI document' } },
})
app.openAPIRegistry.registerPath({
  method: 'get',
  path: '/docs',
  summary: 'This reference',
  description: 'Interactive reference (Scalar) built from /openapi.json',
  responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: {} } } } },
})
app.openAPIRegistry.registerPath({
  method: 'get',
  path: '/console',
  summary: 'The console',
  description: 'The console: upload files, create, list, audit and revoke share links in a browser',
  responses: { 200: { description: 'An HTML page', content: { 'text/html': { schema: {} } } } },
})

app.notFound(notFound)
app.onError(onError)

export { app }
export type App = typeof app
