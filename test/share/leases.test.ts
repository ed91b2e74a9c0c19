// Counted links across isolates: a share's object lends each isolate a block of uses (never more
// than are left, one at a time near the end) that it spends without a call, and gets back what
// a lease did not spend when it ends. maxDownloads is never exceeded, and none is lost.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getConfig } from '../../src/config'
import { leaseSize } from '../../src/share/decide'
import { ShareGate } from '../../src/share/gate'
import type { ShareObject } from '../../src/share/object'
import { shareObject, useShare } from '../../src/share/use'
import { createKey, FULL_SCOPE } from '../helpers'
import { createShare, programUse } from './helpers'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The share objects' namespace, counting the uses decided by a call on the request path and the
 * leases asked for ahead of need; `slowUseMs` holds each `use` call back that long (a busy
 * object) before it reaches the object.
 */
function counting(slowUseMs = 0) {
  const counts = { use: 0, lend: 0 }
  const namespace = {
    idFromName: (name: string) => env.SHARES.idFromName(name),
    get: (id: DurableObjectId) => {
      const stub = env.SHARES.get(id)
      return {
        read: (shareId: string) => stub.read(shareId),
        use: async (request: Parameters<typeof stub.use>[0]) => {
          counts.use++
          if (slowUseMs > 0) await sleep(slowUseMs)
          return stub.use(request)
        },
        lend: (request: Parameters<typeof stub.lend>[0]) => {
          counts.lend++
          return stub.lend(request)
        },
        record: (...args: Parameters<typeof stub.record>) => stub.record(...args),
      }
    },
  } as unknown as DurableObjectNamespace<ShareObject>
  return { namespace, counts }
}

/** One simulated isolate: its own gate, and the work it left running after its answers. */
function isolate(namespace: DurableObjectNamespace<ShareObject>) {
  const gate = new ShareGate()
  const background: Promise<unknown>[] = []
  const use = (id: string, ip: string) =>
    useShare(
      programUse(id, ip, {
        shares: namespace,
        waitUntil: (promise) => background.push(promise),
        gate,
      }),
    )
  return { gate, use, settled: () => Promise.all(background) }
}

describe('leases of a counted link', () => {
  it('serves exactly maxDownloads: 100 to 600 uses from 4 isolates, losing none to a lease', async () => {
    const key = `leases/${crypto.randomUUID()}.bin`
    await env.BUCKET_LOCAL.put(key, 'counted bytes')
    const { key: token } = await createKey(FULL_SCOPE)
    const share = await createShare(token, { key, maxDownloads: 100, page: false })
    const { namespace, counts } = counting()
    const isolates = Array.from({ length: 4 }, () => isolate(namespace))
    let served = 0
    const refused: Record<string, number> = {}
    const tally = (result: Awaited<ReturnType<(typeof isolates)[0]['use']>>) => {
      if (result.type === 'redirect') served++
      else if (result.type === 'refused') refused[result.code] = (refused[result.code] ?? 0) + 1
      else throw new Error(`unexpected ${result.type}`)
    }
    // 150 uses from each isolate, all at once, in waves.
    for (let wave = 0; wave < 15; wave++) {
      const results = await Promise.all(
        isolates.flatMap((one, i) =>
          Array.from({ length: 10 }, (_, n) => one.use(share.id, `198.51.100.${i * 10 + n}`)),
        ),
      )
      results.forEach(tally)
    }
    expect(served).toBeLessThanOrEqual(100)
    // Calls on the request path: a handful per lease, not one per use.
    expect(counts.use).toBeLessThan(served / 2 + 60)
    // Every lease ends and goes back; what is left is served, one at a time, and then no more.
    await Promise.all(isolates.map((one) => one.settled()))
    // A use refused while the rest is lent out is told to retry (429 with Retry-After).
    const deadline = Date.now() + 5000
    for (let i = 0; served < 100 && Date.now() < deadline; i++) {
      const result = await (isolates[i % 4] as (typeof isolates)[0]).use(share.id, '192.0.2.9')
      tally(result)
      if (result.type === 'refused') await sleep(50)
    }
    expect(served).toBe(100)
    // Once every isolate has reported, the link is used up (until then a use is told to retry).
    const final = await (async () => {
      for (const end = Date.now() + 3000; Date.now() < end; await sleep(100)) {
        const result = await (isolates[0] as (typeof isolates)[0]).use(share.id, '192.0.2.10')
        expect(result.type).toBe('refused')
        if (result.type === 'refused' && result.code !== 'rate_limited') return result
      }
      return undefined
    })()
    expect(final).toEqual({ type: 'refused', code: 'share_exhausted' })
    await Promise.all(isolates.map((one) => one.settled()))
    const object = shareObject(env.SHARES, share.id)
    expect((await object.read(share.id))?.downloads).toBe(100)
    const uses = await object.uses(share.id, 10_000, 0)
    expect(uses.filter((use) => use.outcome === 'downloaded')).toHaveLength(100)
    expect(
      Object.keys(refused).every((code) => ['share_exhausted', 'rate_limited'].includes(code)),
    ).toBe(true)
  }, 60_000)

  it('gives an idle isolate’s unspent uses to another when its lease ends', async () => {
    const key = `leases/${crypto.randomUUID()}.bin`
    await env.BUCKET_LOCAL.put(key, 'counted bytes')
    const { key: token } = await createKey(FULL_SCOPE)
    const share = await createShare(token, { key, maxDownloads: 40, page: false })
    const { namespace } = counting()
    const idle = isolate(namespace)
    const busy = isolate(namespace)
    // The first isolate is lent a block and then goes quiet after one use.
    expect((await idle.use(share.id, '203.0.113.1')).type).toBe('redirect')
    let served = 1
    for (let i = 0; i < 60; i++) {
      if ((await busy.use(share.id, '203.0.113.2')).type === 'redirect') served++
    }
    expect(served).toBeLessThan(40)
    // Its lease ends within SIGNET_SHARE_CHECK_SECONDS and its uses go back.
    await sleep(getConfig(env).shareCheckSeconds * 1000 + 1200)
    for (let i = 0; i < 60 && served < 40; i++) {
      if ((await busy.use(share.id, '203.0.113.2')).type === 'redirect') served++
    }
    expect(served).toBe(40)
    await Promise.all([idle.settled(), busy.settled()])
  }, 30_000)
})

describe('a busy counted link', () => {
  it('is lent its next uses before it runs out: 600 downloads in one isolate, one call on the request path', async () => {
    const key = `leases/${crypto.randomUUID()}.bin`
    await env.BUCKET_LOCAL.put(key, 'counted bytes')
    const { key: token } = await createKey(FULL_SCOPE)
    const share = await createShare(token, { key, maxDownloads: 100_000, page: false })
    const { namespace, counts } = counting()
    const one = isolate(namespace)
    let served = 0
    for (let wave = 0; wave < 30; wave++) {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) => one.use(share.id, `198.51.100.${n}`)),
      )
      served += results.filter((result) => result.type === 'redirect').length
    }
    expect(served).toBe(600)
    // The first download asked the object itself; every later lease was asked for ahead of
    // need, off the request path.
    expect(counts.use).toBe(1)
    expect(counts.lend).toBeGreaterThan(0)
    await one.gate.flush(namespace)
    await one.settled()
    expect((await shareObject(env.SHARES, share.id).read(share.id))?.downloads).toBe(600)
  }, 30_000)

  it('answers 503 overloaded after a second, recording nothing, when the object is too slow to lend', async () => {
    const key = `leases/${crypto.randomUUID()}.bin`
    await env.BUCKET_LOCAL.put(key, 'counted bytes')
    const { key: token } = await createKey(FULL_SCOPE)
    const share = await createShare(token, { key, maxDownloads: 10, page: false })
    // The isolate knows the link (a HEAD) but holds no lease; the object then takes 1.5 s a call.
    const { namespace } = counting(1500)
    const one = isolate(namespace)
    const head = programUse(share.id, '198.51.100.1', { gate: one.gate })
    head.request.method = 'HEAD'
    head.ask.method = 'HEAD'
    expect((await useShare(head)).type).toBe('redirect')
    const started = Date.now()
    const [asking, waiting] = await Promise.allSettled([
      one.use(share.id, '198.51.100.2'),
      one.use(share.id, '198.51.100.3'),
    ])
    expect(asking).toMatchObject({ status: 'fulfilled', value: { type: 'redirect' } })
    expect(waiting).toMatchObject({
      status: 'rejected',
      reason: { code: 'overloaded', retryAfter: 1 },
    })
    expect(Date.now() - started).toBeLessThan(2500)
    await one.gate.flush(namespace)
    await one.settled()
    expect((await shareObject(env.SHARES, share.id).read(share.id))?.downloads).toBe(1)
  }, 30_000)
})

describe('leaseSize', () => {
  it('never lends more than is left, an eighth at most, and one at a time near the end', () => {
    for (let available = 0; available <= 1000; available++) {
      const size = leaseSize(available, 64)
      expect(size).toBeLessThanOrEqual(available)
      if (available > 0) expect(size).toBeGreaterThanOrEqual(1)
      if (available <= 8) expect(size).toBe(Math.min(1, available))
      else expect(size).toBeLessThanOrEqual(Math.max(1, Math.floor(available / 8)))
    }
    expect(leaseSize(1000, 64)).toBe(64)
    expect(leaseSize(1000, 3)).toBe(3)
    expect(leaseSize(100, 64)).toBe(12)
  })
})
