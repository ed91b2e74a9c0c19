import { importJWK, type JWK, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { privateJwks } from './fixtures/workers/issuer-keys.js'
import { call, expectError } from './helpers'

const ISSUER = 'https://issuer.test'

async function token(
  claims: Record<string, unknown>,
  options: { kid?: string; keyId?: string; alg?: string; expiresIn?: string | number } = {},
) {
  const kid = options.kid ?? 'key-1'
  const jwk = privateJwks.keys.find((key) => key.kid === (options.keyId ?? kid)) as JWK & {
    alg: string
  }
  const alg = options.alg ?? jwk.alg
  const key = await importJWK(jwk, alg)
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid })
    .setIssuer(ISSUER)
    .setAudience('signet')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m')
    .sign(key)
}

const presign = (jwt: string, body: Record<string, unknown>) =>
  call('/v1/presign', { token: jwt, json: { bucket: 'local', ...body } })

describe('JWT callers', () => {
  it('get exactly the templated scope, with {sub} in the prefixes', async () => {
    const alice = await token({ sub: 'alice' })
    expect((await presign(alice, { key: 'users/alice/photo.jpg' })).status).toBe(200)
    expect((await presign(alice, { key: 'users/alice/up.txt', method: 'PUT' })).status).toBe(200)
    await expectError(await presign(alice, { key: 'users/bob/photo.jpg' }), 403, 'forbidden')
    await expectError(
      await presign(alice, { key: 'users/alice/x', method: 'DELETE' }),
      403,
      'forbidden',
    )
    await expectError(
      await presign(alice, { key: 'users/alice/x', expiresIn: 3601 }),
      400,
      'invalid_request',
    )
    await expectError(await call('/v1/keys', { token: alice }), 403, 'forbidden')
    const rsa = await token({ sub: 'carol' }, { kid: 'key-3' })
    expect((await presign(rsa, { key: 'users/carol/a' })).status).toBe(200)
  })

  it('own their shares by subject', async () => {
    const alice = await token({ sub: 'alice' })
    const bob = await token({ sub: 'bob' })
    const created = await call('/v1/shares', {
      token: alice,
      json: { bucket: 'local', key: 'users/alice/s.txt', expiresIn: 600, pin: false },
    })
    expect(created.status).toBe(201)
    const { id } = (await created.json()) as { id: string }
    expect((await call(`/v1/shares/${id}`, { token: alice })).status).toBe(200)
    await expectError(await call(`/v1/shares/${id}`, { token: bob }), 404, 'not_found')
  })

  it('refuse expired, wrong audience, wrong issuer, alg none, unknown kid and tampered tokens with 401', async () => {
    const expired = await token(
      { sub: 'alice' },
      { expiresIn: Math.floor(Date.now() / 1000) - 120 },
    )
    const wrongAudience = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setIssuer(ISSUER)
      .setAudience('someone-else')
      .setExpirationTime('5m')
      .sign(await importJWK(privateJwks.keys[0] as JWK, 'ES256'))
    const wrongIssuer = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setIssuer('https://evil.test')
      .setAudience('signet')
      .setExpirationTime('5m')
      .sign(await importJWK(privateJwks.keys[0] as JWK, 'ES256'))
    const b64 = (value: unknown) =>
      btoa(JSON.stringify(value)).replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_')
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: ISSUER, aud: 'signet', exp: Math.floor(Date.now() / 1000) + 300 })}.`
    const unknownKid = await token({ sub: 'alice' }, { kid: 'key-9', keyId: 'key-1' })
    const good = await token({ sub: 'alice' })
    const [header, payload, signature] = good.split('.') as [string, string, string]
    const tamperedPayload = `${header}.${b64({ sub: 'bob', iss: ISSUER, aud: 'signet', exp: Math.floor(Date.now() / 1000) + 300 })}.${signature}`
    const tamperedSignature = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`
    const signedByOtherKey = await token({ sub: 'alice' }, { kid: 'key-1', keyId: 'key-2' })
    for (const [name, jwt] of Object.entries({
      expired,
      wrongAudience,
      wrongIssuer,
      none,
      unknownKid,
      tamperedPayload,
      tamperedSignature,
      signedByOtherKey,
    })) {
      const response = await presign(jwt, { key: 'users/alice/a' })
      expect(response.status, name).toBe(401)
      expect(response.headers.get('WWW-Authenticate'), name).toMatch(/^Bearer/)
    }
  })

  it('refresh the JWKS when a new kid appears', async () => {
    const rotatedKey = await token({ sub: 'dave' }, { kid: 'key-2' })
    await expectError(await presign(rotatedKey, { key: 'users/dave/a' }), 401, 'unauthorized')
    const rotated = await fetch(`${ISSUER}/rotate`)
    expect(rotated.status).toBe(200)
    expect((await presign(rotatedKey, { key: 'users/dave/a' })).status).toBe(200)
  })

  it('refuse claims that cannot fill the scope safely', async () => {
    for (const sub of ['..', 'a/b', 'x y', '']) {
      const jwt = await token({ sub })
      await expectError(await presign(jwt, { key: 'users/x/a' }), 403, 'forbidden')
    }
  })
})

describe('Cloudflare Access in front of Signet', () => {
  const access = (assertion: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set('Cf-Access-Jwt-Assertion', assertion)
    return { ...init, headers }
  }

  it("signs a request in by Access's assertion, its email owning the links", async () => {
    const assertion = await token({ sub: '7f3c9a', email: 'robin@example.com' })
    const me = await call('/v1/me', access(assertion))
    expect(me.status).toBe(200)
    expect(await me.json()).toMatchObject({ kind: 'jwt', name: 'robin@example.com' })
    const made = await call('/v1/shares', {
      ...access(assertion),
      json: { bucket: 'local', key: 'users/7f3c9a/a.txt', pin: false },
    })
    expect(made.status, await made.clone().text()).toBe(201)
    expect(await made.json()).toMatchObject({ owner: 'jwt:robin@example.com' })
  })

  it('refuses an assertion made with another key, or without an email', async () => {
    const forged = await token(
      { sub: 'x', email: 'mallory@example.com' },
      { kid: 'key-1', keyId: 'key-3' },
    )
    await expectError(await call('/v1/me', access(forged)), 401, 'unauthorized')
    const noEmail = await token({ sub: 'x' })
    await expectError(await call('/v1/me', access(noEmail)), 401, 'unauthorized')
  })

  it('leaves a request with Authorization to its bearer token', async () => {
    const assertion = await token({ sub: 'a', email: 'a@example.com' })
    const bearer = await token({ sub: 'bob' })
    const me = await call('/v1/me', { ...access(assertion), token: bearer })
    expect(await me.json()).toMatchObject({ name: 'bob' })
    await expectError(
      await call('/v1/me', { ...access(assertion), token: 'sgn_not-a-key' }),
      401,
      'unauthorized',
    )
  })
})
