// Hot links: an isolate decides an uncounted share's uses from what its object said at most
// SIGNET_SHARE_CHECK_SECONDS ago and reports them in batches, so a busy link costs about one
// object call a second per isolate, not one per use; every use is still counted and audited
// (exactly once, even when a delivery fails), and a revocation reaches every isolate in time.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { getConfig } from '../../src/config'
import { ShareGate } from '../../src/share/gate'
import type { ShareObject, UseReport } from '../../src/share/object'
import { shareObject, useShare } from '../../src/share/use'
import { call, createKey, FULL_SCOPE } from '../helpers'
import { createShare, programUse } from './helpers'

function doCalls(response: Response): number {
  const match = /do;desc="(\d+)"/.exec(response.headers.get('Server-Timing') ?? '')
  return match ? Number(match[1]) : 0
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The share as its object holds it, read without settling this isolate's batches. */
async function held(id: string) {
  const share = await shareObject(env.SHARES, id).read(id)
  const uses = await shareObject(env.SHARES, id).uses(id, 10_000, 0)
  return { downloads: share?.downloads ?? -1, uses }
}

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 5000) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`)
    await sleep(50)
  }
}

async function hotShare(body: Record<string, unknown> = {}) {
  const key = `hot/${crypto.randomUUID()}.txt`
  await env.BUCKET_LOCAL.put(key, 'hot bytes')
  const { key: token } = await createKey(FULL_SCOPE)
  return { token, key, share: await createShare(token, { key, ...body }) }
}

describe('a hot uncounted link', () => {
  it('serves 800 uses with at most 1 object call per 20 on the request path, and records every one within 5 s', async () => {
    const { share } = await hotShare()
    let calls = 0
    for (let i = 0; i < 800; i++) {
      const response = await call(`/s/${share.id}`, { ip: `198.51.100.${i % 200}` })
      expect(response.status).toBe(302)
      calls += doCalls(response)
    }
    expect(calls).toBeLessThanOrEqual(40)
    const recorded = await until('800 downloads in the object', async () => {
      const state = await held(share.id)
      return state.downloads === 800 ? state : undefined
    })
    expect(recorded.uses.filter((use) => use.outcome === 'downloaded')).toHaveLength(800)
    expect(new Set(recorded.uses.map((use) => use.clientIp)).size).toBe(200)
  })

  it('refuses every use once SIGNET_SHARE_CHECK_SECONDS has passed after a revocation elsewhere', async () => {
    const { share } = await hotShare()
    expect((await call(`/s/${share.id}`)).status).toBe(302)
    // Revoked through the object, as another isolate would: this one has not heard.
    const revokedAt = Date.now()
    await shareObject(env.SHARES, share.id).revoke(share.id, null, revokedAt)
    const window = getConfig(env).shareCheckSeconds * 1000
    expect(window).toBe(1000)
    let late = 0
    while (Date.now() < revokedAt + window + 1500) {
      const before = Date.now()
      const response = await call(`/s/${share.id}`)
      if (before > revokedAt + window) {
        expect(response.status).toBe(410)
        late++
      }
      await response.body?.cancel()
      await sleep(20)
    }
    expect(late).toBeGreaterThan(10)
  })

  it('refuses at once in the isolate that revoked', async () => {
    const { token, share } = await hotShare()
    expect((await call(`/s/${share.id}`)).status).toBe(302)
    await call(`/v1/shares/${share.id}`, { token, method: 'DELETE' })
    expect((await call(`/s/${share.id}`)).status).toBe(410)
  })

  it('records a batch exactly once when its first delivery fails, or its answer is lost', async () => {
    for (const fault of ['before', 'after'] as const) {
      const { share } = await hotShare()
      let failures = 1
      // The share's object, reached through a namespace whose first delivery fails: before the
      // object records it, or after (the answer lost on the way back).
      const flaky = {
        idFromName: (name: string) => env.SHARES.idFromName(name),
        get: (id: DurableObjectId) => {
          const stub = env.SHARES.get(id)
          return {
            record: async (shareId: string, batch: string, reports: readonly UseReport[]) => {
              if (failures > 0 && fault === 'before') {
                failures--
                throw new Error('injected: the object could not be reached')
              }
              const view = await stub.record(shareId, batch, reports)
              if (failures > 0) {
                failures--
                throw new Error('injected: the answer was lost')
              }
              return view
            },
          }
        },
      } as unknown as DurableObjectNamespace<ShareObject>
      const gate = new ShareGate()
      const waits: Promise<unknown>[] = []
      for (let i = 0; i < 25; i++) {
        gate.report(
          flaky,
          share.id,
          { at: Date.now(), clientIp: '203.0.113.7', outcome: 'downloaded', country: null },
          (promise) => waits.push(promise),
        )
      }
      expect(gate.queued()).toBe(25)
      await Promise.all(waits)
      expect(gate.queued(), fault).toBe(0)
      expect(failures).toBe(0)
      const state = await held(share.id)
      expect(state.downloads, fault).toBe(25)
      expect(state.uses, fault).toHaveLength(25)
    }
  })

  it('asks the object on every use with SIGNET_SHARE_CHECK_SECONDS=0', async () => {
    const { share } = await hotShare()
    let uses = 0
    const counting = {
      idFromName: (name: string) => env.SHARES.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = env.SHARES.get(id)
        return {
          read: (shareId: string) => stub.read(shareId),
          use: (request: Parameters<typeof stub.use>[0]) => {
            uses++
            return stub.use(request)
          },
          record: () => Promise.reject(new Error('nothing is batched when the check is 0')),
        }
      },
    } as unknown as DurableObjectNamespace<ShareObject>
    const gate = new ShareGate()
    for (let i = 0; i < 20; i++) {
      const result = await useShare(
        programUse(share.id, '192.0.2.1', {
          shares: counting,
          config: () => ({ ...getConfig(env), shareCheckSeconds: 0 }),
          gate,
        }),
      )
      expect(result.type).toBe('redirect')
    }
    expect(uses).toBe(20)
    expect(gate.queued()).toBe(0)
  })
})
