// The hot paths at the edge: how many round trips to D1 a request makes (Server-Timing), and the
// isolate's API-key cache with its revocation guarantees.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { findApiKey, KeyCache } from '../src/auth/api-keys'
import { ADMIN_TOKEN, call, createKey } from './helpers'
import { insertLegacyShare } from './share/helpers'

function d1Trips(response: Response): number {
  const header = response.headers.get('Server-Timing') ?? ''
  const match = /(?:^|, )d1;desc="(\d+)"/.exec(header)
  if (!match) throw new Error(`no d1 entry in Server-Timing: ${header}`)
  return Number(match[1])
}

describe('Server-Timing', () => {
  it('counts D1 round trips: a warm presign makes none', async () => {
    const { key } = await createKey()
    const presign = () =>
      call('/v1/presign', { token: key, json: { bucket: 'local', key: 'edge/a.txt' } })
    const cold = await presign()
    expect(cold.status).toBe(200)
    expect(d1Trips(cold)).toBe(1)
    const warm = await presign()
    expect(warm.status).toBe(200)
    expect(d1Trips(warm)).toBe(0)
    const timing = warm.headers.get('Server-Timing') ?? ''
    expect(timing).toMatch(/^total;dur=\d+/)
    expect(timing).toMatch(/sign;dur=\d+/)
  })

  it('is on every /v1, /s and /s3 answer, errors included', async () => {
    for (const path of ['/v1/keys', '/s/AAAAAAAAAAAAAAAAAAAAAA', '/s3/local/x', '/v1/nowhere']) {
      const response = await call(path)
      expect(response.headers.get('Server-Timing'), path).toMatch(/^total;dur=\d+, d1;desc="\d+"/)
      await response.body?.cancel()
    }
  })
})

describe('the API-key cache', () => {
  it('refuses a revoked key at once in the isolate that revoked it', async () => {
    const { id, key } = await createKey()
    const presign = () =>
      call('/v1/presign', { token: key, json: { bucket: 'local', key: 'edge/b.txt' } })
    expect((await presign()).status).toBe(200)
    expect(d1Trips(await presign())).toBe(0) // cached
    const revoked = await call(`/v1/keys/${id}`, { token: ADMIN_TOKEN, method: 'DELETE' })
    expect(revoked.status).toBe(204)
    expect((await presign()).status).toBe(401)
  })

  it('lets another isolate use a revoked key until its TTL, and never after', async () => {
    const { id, key } = await createKey()
    let now = 1_000_000
    const elsewhere = new KeyCache(1000, () => now)
    expect((await findApiKey(env.DB, key, 30, elsewhere))?.id).toBe(id)
    // Revoked by another isolate: D1 knows, this cache does not.
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1')
      .bind(id, new Date().toISOString())
      .run()
    now += 29_000
    expect((await findApiKey(env.DB, key, 30, elsewhere))?.id).toBe(id)
    now += 1_000
    expect(await findApiKey(env.DB, key, 30, elsewhere)).toBeUndefined()
    expect(await findApiKey(env.DB, key, 30, elsewhere)).toBeUndefined()
  })

  it('asks D1 every time with a TTL of 0', async () => {
    const { id, key } = await createKey()
    const cache = new KeyCache()
    expect((await findApiKey(env.DB, key, 0, cache))?.id).toBe(id)
    expect(cache.get('anything')).toBeUndefined()
    await env.DB.prepare('UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1')
      .bind(id, new Date().toISOString())
      .run()
    expect(await findApiKey(env.DB, key, 0, cache)).toBeUndefined()
  })

  it('holds a bounded number of keys, oldest out first', async () => {
    let now = 0
    const cache = new KeyCache(2, () => now)
    const record = (id: string) => ({
      id,
      name: id,
      scope: { buckets: ['local'], operations: ['get' as const] },
      createdAt: '',
      expiresAt: null,
      revokedAt: null,
    })
    cache.set('h1', record('k1'), 30)
    cache.set('h2', record('k2'), 30)
    cache.set('h3', record('k3'), 30)
    expect(cache.get('h1')).toBeUndefined()
    expect(cache.get('h2')?.id).toBe('k2')
    expect(cache.get('h3')?.id).toBe('k3')
    now = 30_000
    expect(cache.get('h3')).toBeUndefined()
  })
})

function doCalls(response: Response): number {
  const match = /do;desc="(\d+)"/.exec(response.headers.get('Server-Timing') ?? '')
  return match ? Number(match[1]) : 0
}

async function newShare(token: string, body: Record<string, unknown>) {
  const response = await call('/v1/shares', { token, json: { bucket: 'local', ...body } })
  expect(response.status).toBe(201)
  return (await response.json()) as { id: string }
}

describe('share links at the edge', () => {
  it('uses a warm share link with no Durable Object call and no D1 round trip, counted or not', async () => {
    await env.BUCKET_LOCAL.put('edge/share.txt', 'edge')
    const { key } = await createKey()
    for (const mode of ['redirect', 'proxy']) {
      for (const maxDownloads of [10, undefined]) {
        const { id } = await newShare(key, { key: 'edge/share.txt', mode, maxDownloads })
        await call(`/s/${id}`).then((r) => r.body?.cancel())
        const warm = await call(`/s/${id}`)
        const what = `${mode}, maxDownloads ${maxDownloads}`
        expect(warm.status, what).toBe(mode === 'redirect' ? 302 : 200)
        await warm.body?.cancel()
        expect(d1Trips(warm), what).toBe(0)
        // Decided in the isolate from what the share's object said at most
        // SIGNET_SHARE_CHECK_SECONDS ago; a counted download spends a use the object lent it.
        expect(doCalls(warm), what).toBe(0)
      }
    }
  })

  it.each(['redirect', 'proxy'])(
    'holds maxDownloads: 5 exactly under 200 parallel uses (%s)',
    async (mode) => {
      await env.BUCKET_LOCAL.put('edge/popular.txt', 'popular')
      const { key } = await createKey()
      const { id } = await newShare(key, { key: 'edge/popular.txt', maxDownloads: 5, mode })
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) => call(`/s/${id}`, { ip: `198.51.100.${i % 250}` })),
      )
      const ok = mode === 'redirect' ? 302 : 200
      expect(responses.filter((r) => r.status === ok)).toHaveLength(5)
      expect(responses.filter((r) => r.status === 410)).toHaveLength(195)
      await Promise.all(responses.map((r) => r.body?.cancel()))
      const read = await call(`/v1/shares/${id}`, { token: key })
      expect(((await read.json()) as { downloads: number }).downloads).toBe(5)
    },
  )

  it('keeps a share made before Durable Objects working and counting', async () => {
    await env.BUCKET_LOCAL.put('edge/old.txt', 'old')
    const { id: keyId, key } = await createKey()
    const { id } = await insertLegacyShare({
      owner: `key:${keyId}`,
      key: 'edge/old.txt',
      maxDownloads: 2,
      downloads: 1,
    })
    // Used once already, counted in D1 the old way.
    await env.DB.prepare('UPDATE shares SET downloads = 1 WHERE id = ?1').bind(id).run()
    expect((await call(`/s/${id}`)).status).toBe(302)
    expect((await call(`/s/${id}`)).status).toBe(410)
    const read = await call(`/v1/shares/${id}`, { token: key })
    expect(((await read.json()) as { downloads: number }).downloads).toBe(2)
  })

  it('brings the counter to the D1 index that listings read, a moment later', async () => {
    await env.BUCKET_LOCAL.put('edge/listed.txt', 'listed')
    const { key } = await createKey()
    const { id } = await newShare(key, { key: 'edge/listed.txt' })
    expect((await call(`/s/${id}`)).status).toBe(302)
    let listed = 0
    for (let i = 0; i < 50 && listed !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      const page = (await (await call('/v1/shares?limit=1000', { token: key })).json()) as {
        shares: { id: string; downloads: number }[]
      }
      listed = page.shares.find((s) => s.id === id)?.downloads ?? -1
    }
    expect(listed).toBe(1)
  })
})
