// Object bytes cached at the edge: proxied share links and gateway GETs read an object from the
// store about once per location, keyed by bucket, key and ETag (never by URL, signature or
// share), and only ever after the signature or the share use was decided. Server-Timing says
// the store round trips and the cache's hit or miss. Tests run with SIGNET_OBJECT_CACHE_SECONDS=1.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getConfig } from '../src/config'
import { Timing } from '../src/lib/timing'
import { useShare } from '../src/share/use'
import { call, createKey, expectS3Error, FULL_SCOPE, pathOf, presignOk } from './helpers'
import { createShare, programUse } from './share/helpers'

function timingOf(response: Response) {
  const header = response.headers.get('Server-Timing') ?? ''
  const store = /store;desc="(\d+)"/.exec(header)
  const cache = /cache;desc="(hit|miss)"/.exec(header)
  return { store: store ? Number(store[1]) : undefined, cache: cache?.[1] }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** 300 KB of bytes that say where each byte is. */
function bytesOf(label: string): Uint8Array {
  const text = Array.from({ length: 50_000 }, (_, i) => `${label}${String(i).padStart(5, '0')}`)
  return new TextEncoder().encode(text.join('').slice(0, 300_000))
}

async function proxied(body: Record<string, unknown> = {}) {
  const key = `cached/${crypto.randomUUID()}.bin`
  const bytes = bytesOf('a')
  await env.BUCKET_LOCAL.put(key, bytes, {
    httpMetadata: { contentType: 'application/octet-stream' },
  })
  const { key: token } = await createKey(FULL_SCOPE)
  const share = await createShare(token, { key, mode: 'proxy', ...body })
  return { token, key, bytes, share }
}

describe('proxied share links from the cache', () => {
  it('serves 500 uses with at most 2 store reads, the rest cache hits, every byte the same', async () => {
    // With the default window (10 s): the test's own 1 s would expire mid-run.
    const { share, bytes } = await proxied()
    const config = { ...getConfig(env), objectCacheSeconds: 10 }
    let reads = 0
    let hits = 0
    const background: Promise<unknown>[] = []
    for (let i = 0; i < 500; i++) {
      const timing = new Timing()
      const result = await useShare(
        programUse(share.id, `198.51.100.${i % 200}`, {
          config: () => config,
          waitUntil: (promise) => background.push(promise),
          cache: caches.default,
          timing,
        }),
      )
      if (result.type !== 'object') throw new Error(`use ${i}: ${result.type}`)
      const got = new Uint8Array(await new Response(result.body).arrayBuffer())
      if (i % 50 === 0) expect(got).toEqual(bytes)
      else expect(got.length).toBe(bytes.length)
      reads += timing.count('store')
      if (/cache;desc="hit"/.test(timing.header())) hits++
      // The first use's bytes reach the cache as they reach the client.
      if (i === 0) await Promise.all(background)
    }
    expect(reads).toBeLessThanOrEqual(2)
    expect(hits).toBeGreaterThanOrEqual(498)
    await Promise.all(background)
  })

  it('answers a Range from the cached object, exactly', async () => {
    const { share, bytes } = await proxied()
    await (await call(`/s/${share.id}`)).arrayBuffer()
    await sleep(50)
    for (const [range, start, end] of [
      ['bytes=0-99', 0, 99],
      ['bytes=123456-123999', 123456, 123999],
      ['bytes=299990-', 299990, 299999],
      ['bytes=-10', 299990, 299999],
    ] as const) {
      const response = await call(`/s/${share.id}`, { headers: { Range: range } })
      expect(response.status, range).toBe(206)
      expect(timingOf(response), range).toEqual({ store: 0, cache: 'hit' })
      expect(response.headers.get('Content-Range'), range).toBe(`bytes ${start}-${end}/300000`)
      expect(new Uint8Array(await response.arrayBuffer()), range).toEqual(
        bytes.slice(start, end + 1),
      )
    }
    const beyond = await call(`/s/${share.id}`, { headers: { Range: 'bytes=300000-' } })
    expect(beyond.status).toBe(416)
  })

  it('stops serving a replaced object within SIGNET_OBJECT_CACHE_SECONDS (pinned: 410; not pinned: the new bytes)', async () => {
    const pinned = await proxied()
    const following = await proxied({ pin: false })
    for (const { share } of [pinned, following]) await (await call(`/s/${share.id}`)).arrayBuffer()
    const newer = bytesOf('b')
    // Replaced behind Signet's back (another writer): nothing told this location.
    await env.BUCKET_LOCAL.put(pinned.key, newer)
    await env.BUCKET_LOCAL.put(following.key, newer)
    await sleep(1100)
    const gone = await call(`/s/${pinned.share.id}`)
    expect(gone.status).toBe(410)
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('share_changed')
    const fresh = await call(`/s/${following.share.id}`)
    expect(new Uint8Array(await fresh.arrayBuffer())).toEqual(newer)
  })

  it('serves nothing from the cache before the share use is decided', async () => {
    const { token, share } = await proxied()
    await (await call(`/s/${share.id}`)).arrayBuffer()
    await call(`/v1/shares/${share.id}`, { token, method: 'DELETE' })
    const revoked = await call(`/s/${share.id}`)
    expect(revoked.status).toBe(410)
    expect(timingOf(revoked)).toEqual({ store: 0, cache: undefined })
    const fenced = await proxied({ allowIps: ['192.0.2.0/24'] })
    await (await call(`/s/${fenced.share.id}`, { ip: '192.0.2.1' })).arrayBuffer()
    const outside = await call(`/s/${fenced.share.id}`, { ip: '198.51.100.1' })
    expect(outside.status).toBe(403)
    expect(timingOf(outside).cache).toBeUndefined()
  })
})

describe('gateway GETs from the cache', () => {
  it('reads an object once for 50 different presigned URLs, and refuses a tampered or expired one even when cached', async () => {
    const key = `cached/${crypto.randomUUID()}.bin`
    const bytes = bytesOf('g')
    await env.BUCKET_LOCAL.put(key, bytes)
    const { key: token } = await createKey(FULL_SCOPE)
    let reads = 0
    let hits = 0
    for (let i = 0; i < 50; i++) {
      // A different URL each time: other expiries, other signatures.
      const { url } = await presignOk(token, { key, expiresIn: 60 + i })
      const response = await call(pathOf(url))
      expect(response.status).toBe(200)
      expect((await response.arrayBuffer()).byteLength).toBe(bytes.length)
      reads += timingOf(response).store ?? Number.NaN
      if (timingOf(response).cache === 'hit') hits++
    }
    expect(reads).toBe(1)
    expect(hits).toBe(49)
    const { url } = await presignOk(token, { key })
    const signature = new URL(url).searchParams.get('X-Amz-Signature') ?? ''
    const tampered = url.replace(
      signature,
      `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
    )
    const refused = await call(pathOf(tampered))
    await expectS3Error(refused, 403, 'SignatureDoesNotMatch')
    expect(timingOf(refused)).toEqual({ store: 0, cache: undefined })
    const { url: short } = await presignOk(token, { key, expiresIn: 1 })
    await sleep(2100)
    const expired = await call(pathOf(short))
    await expectS3Error(expired, 403, 'AccessDenied')
    expect(timingOf(expired).cache).toBeUndefined()
  })

  it('drops its entry on a gateway PUT or DELETE: the next GET has the new bytes or none', async () => {
    const key = `cached/${crypto.randomUUID()}.txt`
    const { key: token } = await createKey(FULL_SCOPE)
    await env.BUCKET_LOCAL.put(key, 'first version')
    const get = async () => call(pathOf((await presignOk(token, { key })).url))
    expect(await (await get()).text()).toBe('first version')
    expect(timingOf(await get()).cache).toBe('hit')
    const put = await presignOk(token, { key, method: 'PUT', contentType: 'text/plain' })
    const written = await call(pathOf(put.url), {
      method: 'PUT',
      headers: put.headers,
      body: 'second version',
    })
    expect(written.status).toBe(200)
    const after = await get()
    expect(timingOf(after).cache).toBe('miss')
    expect(await after.text()).toBe('second version')
    const del = await presignOk(token, { key, method: 'DELETE' })
    expect((await call(pathOf(del.url), { method: 'DELETE' })).status).toBe(204)
    await expectS3Error(await get(), 404, 'NoSuchKey')
  })

  it('says store;desc on every /s and /s3 answer, 0 included', async () => {
    const { share } = await proxied()
    const refused = await call('/s/AAAAAAAAAAAAAAAAAAAAAA')
    expect(timingOf(refused).store).toBe(0)
    const head = await call(`/s/${share.id}`, { method: 'HEAD' })
    expect(timingOf(head).store).toBe(1)
    const bad = await call('/s3/local/no-signature.txt')
    expect(timingOf(bad).store).toBe(0)
  })
})
