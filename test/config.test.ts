import { env } from 'cloudflare:workers'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { app } from '../src/app'
import { INTERNAL_ERROR_MESSAGE } from '../src/errors'
import { ADMIN_TOKEN, createKey, expectError } from './helpers'

const SECRET = 'signet-test-secret-0123456789'

async function withEnv(
  overrides: Record<string, unknown>,
  path = '/v1/keys',
  init: { token?: string; json?: unknown } = {},
) {
  const errors: string[] = []
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    errors.push(args.map(String).join(' '))
  })
  const response = await app.fetch(
    new Request(`http://signet.test${path}`, {
      method: init.json === undefined ? 'GET' : 'POST',
      headers: {
        Authorization: `Bearer ${init.token ?? ADMIN_TOKEN}`,
        ...(init.json === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: init.json === undefined ? null : JSON.stringify(init.json),
    }),
    { ...env, ...overrides },
    { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
  )
  return { response, errors }
}

afterEach(() => vi.restoreAllMocks())

const BUCKETS = JSON.parse(env.SIGNET_BUCKETS as string) as Record<string, unknown>
const CREDENTIALS = JSON.parse(env.SIGNET_CREDENTIALS as string) as Record<string, unknown>
const LOCAL = CREDENTIALS.local as { accessKeyId: string; secretAccessKey: string }

describe('configuration', () => {
  // Variables every request needs: a bad one stops everything (and /healthz says so).
  const cases: [string, Record<string, unknown>][] = [
    ['SIGNET_BUCKETS', { SIGNET_BUCKETS: '{"local":' }],
    ['SIGNET_BUCKETS', { SIGNET_BUCKETS: '["local"]' }],
    ['SIGNET_CORS_ORIGINS', { SIGNET_CORS_ORIGINS: '["https://app.example/path"]' }],
    ['SIGNET_CORS_ORIGINS', { SIGNET_CORS_ORIGINS: '["*"]' }],
    ['SIGNET_REDIRECT_SECONDS', { SIGNET_REDIRECT_SECONDS: '4' }],
    ['SIGNET_REDIRECT_SECONDS', { SIGNET_REDIRECT_SECONDS: '60s' }],
    ['SIGNET_CORS_ORIGINS', { SIGNET_CORS_ORIGINS: '"https://app.example"' }],
    ['SIGNET_DEVELOPMENT', { SIGNET_DEVELOPMENT: 'yes' }],
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
      // /healthz: 503 degraded, naming the variable and no value.
      const health = await withEnv(overrides, '/healthz')
      expect(health.response.status).toBe(503)
      const said = (await health.response.json()) as { status: string; problems: unknown[] }
      expect(said).toMatchObject({ status: 'degraded', problems: [{ variable }] })
      expect(JSON.stringify(said)).not.toContain(SECRET)
    })
  }

  // A problem of one bucket disables that bucket alone.
  const bucketCases: [string, string, string, Record<string, unknown>][] = [
    [
      'an R2 binding the Worker lacks',
      'local',
      'SIGNET_BUCKETS',
      { SIGNET_BUCKETS: JSON.stringify({ ...BUCKETS, local: { binding: 'NO_SUCH_BINDING' } }) },
    ],
    [
      'an http endpoint',
      'local',
      'SIGNET_BUCKETS',
      {
        SIGNET_BUCKETS: JSON.stringify({
          ...BUCKETS,
          local: { endpoint: 'http://example.com', region: 'us-east-1' },
        }),
      },
    ],
    [
      'a name no bucket may have',
      'x',
      'SIGNET_BUCKETS',
      { SIGNET_BUCKETS: JSON.stringify({ ...BUCKETS, x: { binding: 'BUCKET_LOCAL' } }) },
    ],
    [
      "the name of one of Signet's routes",
      'docs',
      'SIGNET_BUCKETS',
      { SIGNET_BUCKETS: JSON.stringify({ ...BUCKETS, docs: { binding: 'BUCKET_LOCAL' } }) },
    ],
    [
      'a malformed key pair',
      'local',
      'SIGNET_CREDENTIALS',
      {
        SIGNET_CREDENTIALS: JSON.stringify({
          ...CREDENTIALS,
          local: { accessKeyId: 'A', secretAccessKey: SECRET },
        }),
      },
    ],
    [
      'no credential (a bucket added without one)',
      'local',
      'SIGNET_CREDENTIAL_LOCAL',
      { SIGNET_CREDENTIALS: JSON.stringify({ ...CREDENTIALS, local: undefined }) },
    ],
    [
      'its own secret, not JSON',
      'local',
      'SIGNET_CREDENTIAL_LOCAL',
      { SIGNET_CREDENTIAL_LOCAL: `{"accessKeyId":"${SECRET}` },
    ],
    [
      'a previous pair on a remote bucket',
      'r2-remote',
      'SIGNET_CREDENTIALS',
      {
        SIGNET_CREDENTIALS: JSON.stringify({
          ...CREDENTIALS,
          'r2-remote': {
            ...(CREDENTIALS['r2-remote'] as object),
            previous: { accessKeyId: 'OLDKEY', secretAccessKey: SECRET },
          },
        }),
      },
    ],
  ]

  it.each(bucketCases)(
    'disables a bucket with %s alone',
    async (_name, bucket, variable, overrides) => {
      const { key } = await createKey({
        buckets: ['local', 'archive', 'r2-remote'],
        operations: ['get'],
      })
      const health = await withEnv(overrides, '/healthz')
      expect(health.response.status).toBe(503)
      const said = (await health.response.json()) as {
        status: string
        version: string
        problems: unknown[]
      }
      expect(said).toMatchObject({ status: 'degraded', problems: [{ variable, bucket }] })
      expect(JSON.stringify(said)).not.toContain(SECRET)
      // The broken bucket answers internal_error, logged with its variable; the others work.
      if (bucket === 'local' || bucket === 'r2-remote') {
        const broken = await withEnv(overrides, '/v1/presign', {
          token: key,
          json: { bucket, key: 'a.txt' },
        })
        const error = await expectError(broken.response, 500, 'internal_error')
        expect(broken.errors.join('\n')).toContain(variable)
        expect(broken.errors.join('\n')).not.toContain(SECRET)
        expect(JSON.stringify(error)).not.toContain(variable)
      }
      const other = await withEnv(overrides, '/v1/presign', {
        token: key,
        json: { bucket: 'archive', key: 'a.txt' },
      })
      expect(other.response.status).toBe(200)
      expect((await withEnv(overrides, '/v1/keys')).response.status).toBe(200)
    },
  )

  it('lists every bucket without a credential when SIGNET_CREDENTIALS is gone, and keeps the rest up', async () => {
    const health = await withEnv({ SIGNET_CREDENTIALS: undefined }, '/healthz')
    expect(health.response.status).toBe(503)
    const said = (await health.response.json()) as { problems: { bucket?: string }[] }
    expect(said.problems.map((problem) => problem.bucket).sort()).toEqual(
      Object.keys(BUCKETS).sort(),
    )
    expect((await withEnv({ SIGNET_CREDENTIALS: undefined }, '/v1/keys')).response.status).toBe(200)
  })

  it('names a credential for a bucket that is not configured, and serves on', async () => {
    const ghost = { ...CREDENTIALS, ghost: { accessKeyId: 'GHOSTKEY', secretAccessKey: SECRET } }
    const overrides = { SIGNET_CREDENTIALS: JSON.stringify(ghost) }
    const health = await withEnv(overrides, '/healthz')
    expect(health.response.status).toBe(503)
    const said = await health.response.json()
    expect(said).toMatchObject({ problems: [{ variable: 'SIGNET_CREDENTIALS' }] })
    expect(JSON.stringify(said)).not.toContain(SECRET)
    expect((await withEnv(overrides, '/v1/keys')).response.status).toBe(200)
  })

  it("takes a bucket's own secret over its entry in SIGNET_CREDENTIALS", async () => {
    const moved = {
      SIGNET_CREDENTIALS: JSON.stringify({ ...CREDENTIALS, local: undefined }),
      SIGNET_CREDENTIAL_LOCAL: JSON.stringify(LOCAL),
    }
    const health = await withEnv(moved, '/healthz')
    expect(health.response.status).toBe(200)
    expect(await health.response.json()).toMatchObject({ status: 'ok' })
  })

  it('serves with the valid test configuration', async () => {
    const { response, errors } = await withEnv({})
    expect(response.status).toBe(200)
    expect(errors).toEqual([])
    const health = await withEnv({}, '/healthz')
    expect(health.response.status).toBe(200)
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
