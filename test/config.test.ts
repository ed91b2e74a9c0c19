import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { INTERNAL_ERROR_MESSAGE } from '../src/errors'
import { ADMIN_TOKEN, expectError } from './helpers'

const SECRET = 'signet-test-secret-0123456789'

async function withEnv(overrides: Record<string, unknown>, path = '/v1/keys') {
  const errors: string[] = []
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    errors.push(args.map(String).join(' '))
  })
  const response = await app.fetch(
    new Request(`http://signet.test${path}`, {
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}` },
    }),
    { ...env, ...overrides },
    { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
  )
  return { response, errors }
}

afterEach(() => vi.restoreAllMocks())

describe('configuration', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['SIGNET_BUCKETS', { SIGNET_BUCKETS: '{"local":' }],
    ['SIGNET_BUCKETS', { SIGNET_BUCKETS: '{"local":{"binding":"NO_SUCH_BINDING"}}' }],
    [
      'SIGNET_BUCKETS',
      { SIGNET_BUCKETS: '{"local":{"endpoint":"http://example.com","region":"us-east-1"}}' },
    ],
    ['SIGNET_BUCKETS', { SIGNET_BUCKETS: '{"x":{"binding":"BUCKET_LOCAL"}}' }],
    ['SIGNET_BUCKETS', { SIGNET_BUCKETS: '["local"]' }],
    // The gateway also serves /<bucket>/<key>: a bucket may not take a route's name.
    ['SIGNET_BUCKETS', { SIGNET_BUCKETS: '{"docs":{"binding":"BUCKET_LOCAL"}}' }],
    ['SIGNET_CORS_ORIGINS', { SIGNET_CORS_ORIGINS: '["https://app.example/path"]' }],
    ['SIGNET_CORS_ORIGINS', { SIGNET_CORS_ORIGINS: '["*"]' }],
    ['SIGNET_REDIRECT_SECONDS', { SIGNET_REDIRECT_SECONDS: '4' }],
    ['SIGNET_REDIRECT_SECONDS', { SIGNET_REDIRECT_SECONDS: '60s' }],
    ['SIGNET_CORS_ORIGINS', { SIGNET_CORS_ORIGINS: '"https://app.example"' }],
    [
      'SIGNET_CREDENTIALS',
      { SIGNET_CREDENTIALS: `{"local":{"accessKeyId":"A","secretAccessKey":"${SECRET}"}}` },
    ],
    [
      'SIGNET_CREDENTIALS',
      {
        SIGNET_CREDENTIALS: `{"local":{"accessKeyId":"SIGNETTESTKEY","secretAccessKey":"${SECRET}"},"ghost":{"accessKeyId":"GHOSTKEY","secretAccessKey":"${SECRET}"}}`,
      },
    ],
    ['SIGNET_CREDENTIALS', { SIGNET_CREDENTIALS: '{}' }],
    ['SIGNET_CREDENTIALS', { SIGNET_CREDENTIALS: undefined }],
    ['SIGNET_ADMIN_TOKEN', { SIGNET_ADMIN_TOKEN: 'short' }],
    ['SIGNET_ADMIN_TOKEN', { SIGNET_ADMIN_TOKEN: undefined }],
  ]

  for (const [variable, overrides] of cases) {
    it(`answers internal_error and logs the variable for a bad ${variable}: ${JSON.stringify(overrides).slice(0, 60)}`, async () => {
      const { response, errors } = await withEnv(overrides)
      const error = await expectError(response, 500, 'internal_error')
      expect(error.message).toBe(INTERNAL_ERROR_MESSAGE)
      const body = JSON.stringify(error)
      expect(body).not.toContain(SECRET)
      expect(body).not.toContain(ADMIN_TOKEN)
      expect(body).not.toContain(variable)
      expect(errors.length).toBe(1)
      expect(errors[0]).toContain(variable)
      expect(errors[0]).toContain(error.requestId)
      expect(errors[0]).not.toContain(SECRET)
      expect(errors[0]).not.toContain(ADMIN_TOKEN)
    })
  }

  it('fails health checks too, so a bad deploy is visible', async () => {
    const { response } = await withEnv({ SIGNET_BUCKETS: 'nope' }, '/healthz')
    await expectError(response, 500, 'internal_error')
  })

  it('serves with the valid test configuration', async () => {
    const { response, errors } = await withEnv({})
    expect(response.status).toBe(200)
    expect(errors).toEqual([])
  })
})

describe('the error model', () => {
  it('answers unknown routes with a JSON 404 and a request id', async () => {
    const { call } = await import('./helpers')
    const response = await call('/nowhere')
    await expectError(response, 404, 'not_found')
  })

  it('puts X-Request-Id on every response, fresh each time', async () => {
    const { call } = await import('./helpers')
    const ids = new Set<string>()
    for (const path of ['/healthz', '/openapi.json', '/docs', '/nowhere', '/v1/keys']) {
      const response = await call(path, { headers: { 'X-Request-Id': 'injected' } })
      const id = response.headers.get('X-Request-Id')
      expect(id, path).toMatch(/^[0-9a-f-]{36}$/)
      ids.add(id as string)
    }
    expect(ids.size).toBe(5)
  })
})

describe('answer headers', () => {
  it.each([
    ['/docs', {}],
    ['/openapi.json', {}],
    ['/healthz', {}],
    ['/v1/keys', { token: ADMIN_TOKEN }],
    ['/v1/keys', {}],
    ['/nowhere', {}],
  ])('%s answers with nosniff and a Referrer-Policy', async (path, init) => {
    const response = await (await import('./helpers')).call(path, init)
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer')
    await response.body?.cancel()
  })
})
