// A bounded load test over loopback: 64 concurrent clients for a fixed time mixing presigns,
// share-link uses (redirect and proxy), gateway PUTs and GETs against the bundled Worker under
// Miniflare. No answer may be a 5xx or a dropped connection, and every PUT the gateway
// acknowledged must read back byte for byte. Prints what it did; asserts no timing.
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'

const CONCURRENCY = 64
const SECONDS = Number(process.env.SIGNET_LOAD_SECONDS ?? 15)

let server: SignetServer
let key: string

async function json<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.origin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: (response.ok ? JSON.parse(text) : text) as T }
}

beforeAll(async () => {
  server = await startSignet()
  const created = await fetch(`${server.origin}/v1/keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'load',
      scope: { buckets: ['local'], operations: ['get', 'head', 'put', 'share'] },
    }),
  })
  key = ((await created.json()) as { key: string }).key
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

describe('load', () => {
  it(`serves ${CONCURRENCY} concurrent mixed clients without a 5xx and loses no acknowledged write`, async () => {
    const seed = await json<{ url: string }>('/v1/presign', {
      bucket: 'local',
      key: 'load/seed.bin',
      method: 'PUT',
    })
    expect((await fetch(seed.body.url, { method: 'PUT', body: randomBytes(4096) })).status).toBe(
      200,
    )
    const redirect = await json<{ id: string }>('/v1/shares', {
      bucket: 'local',
      key: 'load/seed.bin',
    })
    const proxy = await json<{ id: string }>('/v1/shares', {
      bucket: 'local',
      key: 'load/seed.bin',
      mode: 'proxy',
    })

    const statuses = new Map<string, number>()
    const failures: string[] = []
    const acknowledged = new Map<string, string>() // key → sha256 of what was sent
    const latencies: number[] = []
    let sequence = 0
    const count = (what: string, status: number) => {
      const label = `${what} ${status}`
      statuses.set(label, (statuses.get(label) ?? 0) + 1)
      if (status >= 500 && failures.length < 20) failures.push(label)
    }
    const timed = async (what: string, run: () => Promise<Response>) => {
      const started = performance.now()
      try {
        const response = await run()
        await response.arrayBuffer()
        latencies.push(performance.now() - started)
        count(what, response.status)
        return response
      } catch (error) {
        const cause = (error as Error).cause as Error | undefined
        if (failures.length < 20) {
          failures.push(`${what}: ${(error as Error).message} ${cause?.message ?? ''}`)
        }
        return undefined
      }
    }

    const operations: (() => Promise<void>)[] = [
      async () => {
        await timed('presign', () =>
          fetch(`${server.origin}/v1/presign`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ bucket: 'local', key: 'load/seed.bin' }),
          }),
        )
      },
      async () => {
        await timed('share-redirect', () =>
          fetch(`${server.origin}/s/${redirect.body.id}`, { redirect: 'manual' }),
        )
      },
      async () => {
        await timed('share-proxy', () => fetch(`${server.origin}/s/${proxy.body.id}`))
      },
      async () => {
        const objectKey = `load/put-${sequence++}.bin`
        const body = randomBytes(1024 + Math.floor(Math.random() * 65536))
        const signed = await json<{ url: string }>('/v1/presign', {
          bucket: 'local',
          key: objectKey,
          method: 'PUT',
          contentLength: body.length,
        })
        count('presign-put', signed.status)
        if (signed.status !== 200) return
        const put = await timed('gateway-put', () =>
          fetch(signed.body.url, { method: 'PUT', body }),
        )
        if (put?.status === 200) {
          acknowledged.set(objectKey, createHash('sha256').update(body).digest('hex'))
        }
      },
      async () => {
        const written = [...acknowledged.keys()]
        const objectKey = written[Math.floor(Math.random() * written.length)] ?? 'load/seed.bin'
        const signed = await json<{ url: string }>('/v1/presign', {
          bucket: 'local',
          key: objectKey,
        })
        count('presign-get', signed.status)
        if (signed.status === 200) await timed('gateway-get', () => fetch(signed.body.url))
      },
    ]

    const deadline = Date.now() + SECONDS * 1000
    const started = performance.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, client) => {
        let i = client
        while (Date.now() < deadline) {
          await (operations[i++ % operations.length] as () => Promise<void>)()
        }
      }),
    )
    const elapsed = (performance.now() - started) / 1000

    // Every acknowledged write reads back exactly.
    let verified = 0
    const lost: string[] = []
    const keys = [...acknowledged]
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let next = keys.pop(); next; next = keys.pop()) {
          const [objectKey, digest] = next
          const signed = await json<{ url: string }>('/v1/presign', {
            bucket: 'local',
            key: objectKey,
          })
          const got = Buffer.from(await (await fetch(signed.body.url)).arrayBuffer())
          if (createHash('sha256').update(got).digest('hex') === digest) verified++
          else lost.push(objectKey)
        }
      }),
    )

    const total = latencies.length
    const sorted = latencies.sort((a, b) => a - b)
    const pct = (p: number) => (sorted[Math.min(total - 1, Math.floor(total * p))] ?? 0).toFixed(0)
    console.log(
      `load: ${total} requests in ${elapsed.toFixed(1)} s at c=${CONCURRENCY} (${Math.round(total / elapsed)} req/s, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms); ${acknowledged.size} PUTs acknowledged, ${verified} read back identical, ${lost.length} lost; ${[...statuses].map(([k, v]) => `${k}:${v}`).join(' ')}`,
    )
    expect(failures).toEqual([])
    expect(lost).toEqual([])
    expect(acknowledged.size).toBeGreaterThan(0)
    expect(verified).toBe(acknowledged.size)
  }, 120_000)
})
