// API keys made to expire: POST /v1/keys takes expiresIn or expiresAt; the answer and the listing
// carry expiresAt; past it the key is refused as unauthorized (a key this isolate had cached
// too); a bad expiry is 400 naming it. A key without one lives until revoked.
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, expectError, FULL_SCOPE } from './helpers'

async function makeKey(body: Record<string, unknown>) {
  return call('/v1/keys', {
    token: ADMIN_TOKEN,
    json: { name: 'expiring', scope: FULL_SCOPE, ...body },
  })
}

describe('API keys that expire', () => {
  it('carries expiresAt, works until then and is unauthorized after', async () => {
    const made = await makeKey({ expiresIn: 2 })
    expect(made.status, await made.clone().text()).toBe(201)
    const key = (await made.json()) as { id: string; key: string; expiresAt: string }
    const lives = Date.parse(key.expiresAt) - Date.now()
    expect(lives).toBeGreaterThan(0)
    expect(lives).toBeLessThanOrEqual(2000)
    const listed = (await (await call('/v1/keys?limit=200', { token: ADMIN_TOKEN })).json()) as {
      keys: { id: string; expiresAt: string | null }[]
    }
    expect(listed.keys.find((row) => row.id === key.id)?.expiresAt).toBe(key.expiresAt)
    expect((await call('/v1/me', { token: key.key })).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, lives + 250))
    const refused = await expectError(await call('/v1/me', { token: key.key }), 401, 'unauthorized')
    expect(refused.message).toContain('expired')
  })

  it('takes expiresAt, lives without either, and refuses a bad expiry with 400', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z')
    const made = (await (await makeKey({ expiresAt: at })).json()) as { expiresAt: string }
    expect(made.expiresAt).toBe(at)
    const forever = (await (await makeKey({})).json()) as { expiresAt: string | null }
    expect(forever.expiresAt).toBeNull()
    for (const bad of [
      { expiresIn: '3x' },
      { expiresIn: 1, expiresAt: at },
      { expiresAt: '2001-01-01T00:00:00Z' },
    ]) {
      await expectError(await makeKey(bad), 400, 'invalid_request')
    }
  })
})
