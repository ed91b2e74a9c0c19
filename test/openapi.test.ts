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
        'GET /healthz',
        'GET /openapi.json',
        'GET /v1/keys',
        'POST /v1/keys',
        'POST /v1/presign',
        'POST /v1/presign/batch',
        'POST /v1/inspect',
        'GET /s3/{bucket}/{key}',
        'HEAD /s3/{bucket}/{key}',
        'PUT /s3/{bucket}/{key}',
        'DELETE /s3/{bucket}/{key}',
        'OPTIONS /s3/{bucket}/{key}',
        'POST /v1/shares',
        'GET /v1/shares',
        'GET /v1/shares/{id}',
        'GET /v1/shares/{id}/uses',
        'DELETE /v1/shares/{id}',
        'GET /s/{id}',
        'HEAD /s/{id}',
        'POST /s/{id}',
        'POST /v1/multipart',
        'POST /v1/multipart/complete',
        'POST /v1/multipart/abort',
        'POST /v1/post-policy',
        'POST /s3/{bucket}',
      ].sort(),
    )
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
  })

  it('serves an HTML reference that loads its script from this origin only', async () => {
    const page = await call('/docs')
    expect(page.status).toBe(200)
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/)
    expect(page.headers.get('Content-Security-Policy')).toContain("script-src 'self'")
    const html = await page.text()
    expect(html).toContain('<script src="/docs/app.js"></script>')
    const script = await call('/docs/app.js')
    expect(script.status).toBe(200)
    expect(await script.text()).toContain("fetch('/openapi.json')")
  })
})
