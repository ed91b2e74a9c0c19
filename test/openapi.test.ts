import { describe, expect, it } from 'vitest'
import { call } from './helpers'

type Doc = {
  openapi: string
  paths: Record<string, Record<string, unknown>>
  components: { securitySchemes: Record<string, unknown> }
}

describe('/openapi.json and /docs', () => {
  it('lists every route the app serves', async () => {
    const response = await call('/openapi.json')
    expect(response.status).toBe(200)
    const doc = (await response.json()) as Doc
    expect(doc.openapi).toBe('3.1.0')
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(operations.sort()).toEqual(
      [
        'DELETE /v1/keys/{id}',
        'GET /docs',
        'GET /console',
        'GET /healthz',
        'GET /n/{id}/stop',
        'GET /',
        'PUT /u/{id}',
        'GET /openapi.json',
        'GET /v1/keys',
        'POST /v1/keys',
        'POST /v1/presign',
        'POST /v1/presign/batch',
        'POST /v1/presign/list',
        'POST /v1/inspect',
        'GET /v1/me',
        'GET /v1/events',
        'GET /s3/{bucket}/{key}',
        'HEAD /s3/{bucket}/{key}',
        'PUT /s3/{bucket}/{key}',
        'DELETE /s3/{bucket}/{key}',
        'OPTIONS /s3/{bucket}/{key}',
        'POST /v1/shares',
        'GET /v1/shares',
        'GET /v1/shares/{id}',
        'GET /v1/shares/{id}/stats',
        'GET /v1/shares/{id}/uses',
        'DELETE /v1/shares/{id}',
        'PATCH /v1/shares/{id}',
        'GET /s/{id}',
        'HEAD /s/{id}',
        'GET /s/{id}/{path}',
        'HEAD /s/{id}/{path}',
        'POST /n/{id}/stop',
        'POST /s/{id}',
        'POST /v1/upload-links',
        'GET /v1/upload-links',
        'GET /v1/upload-links/{id}',
        'DELETE /v1/upload-links/{id}',
        'PATCH /v1/upload-links/{id}',
        'GET /u/{id}',
        'POST /u/{id}',
        'PUT /u/{id}/{filename}',
        'POST /u/{id}/uploads',
        'OPTIONS /u/{id}/tus/',
        'POST /u/{id}/tus/',
        'HEAD /u/{id}/tus/{upload}',
        'PATCH /u/{id}/tus/{upload}',
        'DELETE /u/{id}/tus/{upload}',
        'POST /u/{id}/uploads/complete',
        'POST /u/{id}/uploads/abort',
        'POST /v1/multipart',
        'POST /v1/multipart/complete',
        'POST /v1/multipart/abort',
        'POST /v1/post-policy',
        'POST /v1/uploads/confirm',
        'POST /v1/webhooks',
        'GET /v1/webhooks',
        'GET /v1/webhooks/{id}/deliveries',
        'DELETE /v1/webhooks/{id}',
        'POST /s3/{bucket}',
      ].sort(),
    )
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
  })

  it('serves the Scalar reference with its script from this origin, under a nonce', async () => {
    const page = await call('/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/)
    const csp = page.headers.get('Content-Security-Policy') ?? ''
    // Scripts by nonce only: never 'self', which a file shared by link in proxy mode would pass.
    const nonce = /script-src 'nonce-([A-Za-z0-9_-]{22})' 'strict-dynamic';/.exec(csp)?.[1]
    expect(nonce).toBeDefined()
    expect(csp).toContain("connect-src 'self'")
    const html = await page.text()
    expect(html).toContain(`<script src="/docs/scalar.js" nonce="${nonce}"></script>`)
    expect(html).toContain('"url":"/openapi.json"')
    expect(html).not.toMatch(/https?:\/\//)
    // A fresh nonce on every answer.
    const again = (await call('/docs')).headers.get('Content-Security-Policy')
    expect(again).not.toBe(csp)
  })

  it("runs the console's script by nonce only, so no same-origin file can run as a script there", async () => {
    const page = await call('/console')
    const csp = page.headers.get('Content-Security-Policy') ?? ''
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? ''
    expect(scriptSrc).toMatch(/^'nonce-[A-Za-z0-9_-]{22}'$/)
    const nonce = scriptSrc.slice("'nonce-".length, -1)
    const html = await page.text()
    expect(html).toContain(`<script type="module" src="/console/app.js" nonce="${nonce}"></script>`)
    expect((await call('/console')).headers.get('Content-Security-Policy')).not.toBe(csp)
  })
})

describe('GET /', () => {
  it('sends a browser to the console', async () => {
    const response = await call('/', {
      headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    })
    expect(response.status).toBe(302)
    expect(new URL(response.headers.get('Location') ?? '', 'http://x').pathname).toBe('/console')
    expect(response.headers.get('Vary')).toContain('Accept')
  })

  it('gives a program a small JSON index', async () => {
    for (const accept of [undefined, 'application/json', '*/*']) {
      const response = await call('/', accept ? { headers: { Accept: accept } } : {})
      expect(response.status).toBe(200)
      const index = (await response.json()) as Record<string, string>
      const health = (await (await call('/healthz')).json()) as { version: string }
      expect(index).toEqual({
        name: 'signet',
        version: health.version,
        docs: '/docs',
        openapi: '/openapi.json',
        console: '/console',
        health: '/healthz',
      })
      // Each link leads somewhere.
      for (const path of [index.docs, index.openapi, index.console, index.health]) {
        expect((await call(path as string)).status, path).toBe(200)
      }
    }
  })
})
