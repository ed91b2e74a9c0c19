import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, createKey, expectError, FULL_SCOPE } from './helpers'

describe('authentication', () => {
  it('refuses a request without a token with 401 and WWW-Authenticate', async () => {
    const response = await call('/v1/keys')
    await expectError(response, 401, 'unauthorized')
    expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer /)
  })

  it('refuses a wrong token, a wrong scheme and a near-miss of the admin token', async () => {
    for (const authorization of [
      'Bearer nope',
      `Bearer ${ADMIN_TOKEN}x`,
      `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
      `Basic ${btoa('admin:x')}`,
      'Bearer sgn_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ]) {
      const response = await call('/v1/keys', { headers: { Authorization: authorization } })
      await expectError(response, 401, 'unauthorized')
      expect(response.headers.get('WWW-Authenticate')).toMatch(/^Bearer /)
    }
  })

  it('refuses a revoked key on its very next request', async () => {
    const { id, key } = await createKey()
    const before = await call('/v1/presign', { token: key, json: {} })
    expect(before.status).not.toBe(401)
    const revoke = await call(`/v1/keys/${id}`, { token: ADMIN_TOKEN, method: 'DELETE' })
    expect(revoke.status).toBe(204)
    const after = await call('/v1/presign', { token: key, json: {} })
    await expectError(after, 401, 'unauthorized')
    expect(after.headers.get('WWW-Authenticate')).toMatch(/^Bearer /)
  })

  it('refuses an API key on /v1/keys with 403', async () => {
    const { key } = await createKey()
    await expectError(await call('/v1/keys', { token: key }), 403, 'forbidden')
    await expectError(
      await call('/v1/keys', { token: key, json: { name: 'x', scope: FULL_SCOPE } }),
      403,
      'forbidden',
    )
  })

  it('refuses the admin token on object routes with 403', async () => {
    const response = await call('/v1/presign', {
      token: ADMIN_TOKEN,
      json: { bucket: 'local', key: 'a' },
    })
    await expectError(response, 403, 'forbidden')
  })

  it('refuses a key used from outside its allowIps, and allows it from inside', async () => {
    const { key } = await createKey({
      ...FULL_SCOPE,
      allowIps: ['198.51.100.0/24', '2001:db8::/32'],
    })
    await expectError(
      await call('/v1/presign', { token: key, json: {}, ip: '203.0.113.9' }),
      403,
      'ip_not_allowed',
    )
    await expectError(await call('/v1/presign', { token: key, json: {} }), 403, 'ip_not_allowed')
    const spoofed = await call('/v1/presign', {
      token: key,
      json: {},
      ip: '203.0.113.9',
      headers: { 'X-Forwarded-For': '198.51.100.7', 'X-Real-IP': '198.51.100.7' },
    })
    await expectError(spoofed, 403, 'ip_not_allowed')
    for (const ip of ['198.51.100.7', '2001:db8::1', '::ffff:198.51.100.200']) {
      const inside = await call('/v1/presign', { token: key, json: {}, ip })
      expect(inside.status, ip).not.toBe(403)
    }
  })
})

describe('/v1/me', () => {
  it('names a key and its scope; the admin as every configured bucket and no operation', async () => {
    const { key } = await createKey(FULL_SCOPE, 'Robin')
    const mine = await call('/v1/me', { token: key })
    expect(await mine.json()).toMatchObject({ kind: 'key', name: 'Robin', scope: FULL_SCOPE })
    const admin = await call('/v1/me', { token: ADMIN_TOKEN })
    expect(admin.status).toBe(200)
    const body = (await admin.json()) as {
      kind: string
      scope: { buckets: string[]; operations: string[] }
    }
    expect(body.kind).toBe('admin')
    expect(body.scope.buckets).toContain('local')
    expect(body.scope.operations).toEqual([])
  })
})

describe('/v1/keys', () => {
  it('creates a key shown once and lists keys without keys or hashes', async () => {
    const created = await call('/v1/keys', {
      token: ADMIN_TOKEN,
      json: { name: 'listing', scope: { ...FULL_SCOPE, prefixes: ['users/'] } },
    })
    expect(created.status).toBe(201)
    const body = (await created.json()) as Record<string, unknown>
    expect(body.key).toMatch(/^sgn_[A-Za-z0-9_-]{43}$/)
    expect(body.id).toMatch(/^key_[0-9a-f]{24}$/)
    expect(Object.keys(body).sort()).toEqual([
      'createdAt',
      'expiresAt',
      'id',
      'key',
      'name',
      'scope',
    ])

    const list = await call('/v1/keys?limit=1000', { token: ADMIN_TOKEN })
    expect(list.status).toBe(200)
    const text = await list.text()
    expect(text).not.toContain(body.key as string)
    expect(text).not.toMatch(/sgn_|key_hash|"hash"|[0-9a-f]{64}/)
    const listed = JSON.parse(text) as { keys: { id: string; name: string }[] }
    expect(listed.keys.some((k) => k.id === body.id && k.name === 'listing')).toBe(true)
  })

  it('pages through keys with a cursor', async () => {
    for (let i = 0; i < 3; i++) await createKey(FULL_SCOPE, `page-${i}`)
    const seen = new Set<string>()
    let cursor: string | null = null
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2'
      const page = (await (await call(`/v1/keys${query}`, { token: ADMIN_TOKEN })).json()) as {
        keys: { id: string }[]
        cursor: string | null
      }
      expect(page.keys.length).toBeLessThanOrEqual(2)
      for (const k of page.keys) {
        expect(seen.has(k.id)).toBe(false)
        seen.add(k.id)
      }
      cursor = page.cursor
    } while (cursor)
    expect(seen.size).toBeGreaterThanOrEqual(3)
    await expectError(
      await call('/v1/keys?cursor=%21%21', { token: ADMIN_TOKEN }),
      400,
      'invalid_request',
    )
  })

  it('answers 404 when revoking a key that does not exist', async () => {
    await expectError(
      await call('/v1/keys/key_000', { token: ADMIN_TOKEN, method: 'DELETE' }),
      404,
      'not_found',
    )
  })

  it('refuses invalid scopes with issue paths and without echoing values', async () => {
    const response = await call('/v1/keys', {
      token: ADMIN_TOKEN,
      json: {
        name: 'bad',
        scope: {
          buckets: ['local'],
          operations: ['get', 'fly'],
          prefixes: ['../etc/'],
          allowIps: ['10.0.0.1/8'],
          maxExpiresIn: 604801,
          secretField: 'hunter2-value',
        },
      },
    })
    const error = await expectError(response, 400, 'invalid_request')
    const paths = (error.issues ?? []).map((issue) => issue.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'scope.operations.1',
        'scope.prefixes.0',
        'scope.allowIps.0',
        'scope.maxExpiresIn',
      ]),
    )
    const text = JSON.stringify(error)
    for (const value of ['fly', '../etc/', '10.0.0.1/8', 'hunter2-value', 'secretField']) {
      expect(text).not.toContain(value)
    }
  })

  it('refuses a scope naming a bucket that is not configured', async () => {
    const response = await call('/v1/keys', {
      token: ADMIN_TOKEN,
      json: { name: 'x', scope: { buckets: ['nowhere'], operations: ['get'] } },
    })
    const error = await expectError(response, 400, 'invalid_request')
    expect(error.issues?.[0]?.path).toBe('scope.buckets.0')
  })

  it('refuses a body that is not JSON, or sent without a JSON content type', async () => {
    await expectError(
      await call('/v1/keys', {
        token: ADMIN_TOKEN,
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{"name":',
      }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/keys', {
        token: ADMIN_TOKEN,
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'name=x',
      }),
      400,
      'invalid_request',
    )
  })
})

describe('scope size', () => {
  it.each([
    ['operations', { operations: Array(20000).fill('get') }],
    ['duplicate operations', { operations: ['get', 'get'] }],
    ['buckets', { buckets: Array.from({ length: 101 }, (_, i) => `bucket-${i}`) }],
    ['prefixes', { prefixes: Array.from({ length: 101 }, (_, i) => `p${i}/`) }],
    ['total size', { prefixes: Array.from({ length: 100 }, (_, i) => `${'p'.repeat(1000)}${i}/`) }],
  ])('bounds %s', async (_, extra) => {
    const response = await call('/v1/keys', {
      token: ADMIN_TOKEN,
      json: { name: 'huge', scope: { ...FULL_SCOPE, ...extra } },
    })
    await expectError(response, 400, 'invalid_request')
  })
})
