// The share listing (the D1 index) and the share itself (its object) agree on downloads and the
// last use once the index is flushed, whatever the request that carried the uses in: a refused
// one included (an isolate's batches ride on any call it makes to the object).
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { SHARE_FLUSH_SECONDS } from '../../src/lib/limits'
import type { UseRequest } from '../../src/share/object'
import { shareObject } from '../../src/share/use'
import { call, createKey, FULL_SCOPE } from '../helpers'
import { createShare, readShare, type ShareAnswer } from './helpers'

const PASSWORD = 'correct horse battery staple'

function basic(password: string): Record<string, string> {
  return { Authorization: `Basic ${btoa(`:${password}`)}` }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The share as GET /v1/shares lists it. */
async function listed(token: string, id: string): Promise<ShareAnswer | undefined> {
  const response = await call('/v1/shares?limit=100', { token })
  expect(response.status).toBe(200)
  const { shares } = (await response.json()) as { shares: ShareAnswer[] }
  return shares.find((share) => share.id === id)
}

/**
 * Waits for the listing to say what the share says (the index is written at most every
 * SHARE_FLUSH_SECONDS), and answers both, so a listing that never catches up fails here.
 */
async function agreeing(token: string, share: { id: string }) {
  const deadline = Date.now() + (SHARE_FLUSH_SECONDS + 3) * 1000
  for (;;) {
    const detail = await readShare(token, share)
    const row = await listed(token, share.id)
    const same = row?.downloads === detail.downloads && row?.lastUsedAt === detail.lastUsedAt
    if (same || Date.now() > deadline) return { detail, row }
    await sleep(100)
  }
}

async function newShare(body: Record<string, unknown> = {}) {
  const key = `listing/${crypto.randomUUID()}.txt`
  await env.BUCKET_LOCAL.put(key, 'listed bytes')
  const { key: token } = await createKey(FULL_SCOPE)
  return { token, key, share: await createShare(token, { key, mode: 'proxy', ...body }) }
}

describe('the share listing after a refused use', () => {
  it.each([
    ['redirect', 302],
    ['proxy', 200],
  ])(
    'counts both downloads with the right password after a wrong one (%s), as the share does',
    async (mode, status) => {
      const { token, share } = await newShare({ password: PASSWORD, mode })
      for (let i = 0; i < 2; i++) {
        const response = await call(`/s/${share.id}`, { headers: basic(PASSWORD) })
        expect(response.status).toBe(status)
        await response.body?.cancel()
      }
      const wrong = await call(`/s/${share.id}`, { headers: basic('not the password') })
      expect(wrong.status).toBe(401)
      const { detail, row } = await agreeing(token, share)
      expect(detail.downloads).toBe(2)
      expect(row?.downloads).toBe(2)
      expect(row?.lastUsedAt).toBe(detail.lastUsedAt)
    },
    15_000,
  )

  it('counts the downloads after a request without a password came first', async () => {
    const { token, share } = await newShare({ password: PASSWORD })
    expect((await call(`/s/${share.id}`)).status).toBe(401)
    for (let i = 0; i < 2; i++) {
      const response = await call(`/s/${share.id}`, { headers: basic(PASSWORD) })
      expect(response.status).toBe(200)
      await response.body?.cancel()
    }
    expect((await call(`/s/${share.id}`)).status).toBe(401)
    const { detail, row } = await agreeing(token, share)
    expect(detail.downloads).toBe(2)
    expect(row?.downloads).toBe(2)
  }, 15_000)

  // Each refusal kind, as the share's object decides it, on a call that carries two downloads
  // an isolate served and had not reported yet.
  type Case = {
    kind: string
    body?: Record<string, unknown>
    before?: (share: ShareAnswer, token: string) => Promise<unknown>
    use?: Partial<UseRequest>
    refused: string
  }
  it.each<Case>([
    {
      kind: 'a wrong password',
      body: { password: PASSWORD },
      use: { password: 'wrong' },
      refused: 'share_password_invalid',
    },
    {
      kind: 'a missing password',
      body: { password: PASSWORD },
      use: { password: 'missing' },
      refused: 'share_password_required',
    },
    {
      kind: 'a locked link',
      body: { password: PASSWORD },
      before: async (share) => {
        for (let i = 0; i < 10; i++) {
          await shareObject(env.SHARES, share.id).use(useOf(share, { password: 'wrong' }))
        }
      },
      use: { password: 'accepted' },
      refused: 'rate_limited',
    },
    {
      kind: 'an address outside the CIDRs',
      body: { allowIps: ['192.0.2.0/24'] },
      use: { clientIp: '198.51.100.9' },
      refused: 'ip_not_allowed',
    },
    {
      kind: 'an expired link',
      body: { expiresIn: 1 },
      before: () => sleep(1100),
      refused: 'share_expired',
    },
    {
      kind: 'a revoked link',
      before: async (share, token) => {
        expect((await call(`/v1/shares/${share.id}`, { token, method: 'DELETE' })).status).toBe(204)
      },
      refused: 'share_revoked',
    },
    {
      kind: 'a used-up link',
      body: { maxDownloads: 2 },
      refused: 'share_exhausted',
    },
    {
      kind: 'a changed object',
      use: { outcome: 'changed' },
      refused: 'changed',
    },
  ])(
    'agrees with the share after $kind',
    async ({ body, before, use, refused }: Case) => {
      const { token, share } = await newShare(body)
      await before?.(share, token)
      const served = Date.now() - 500
      const report = (at: number) => ({
        at,
        clientIp: '192.0.2.7',
        outcome: 'downloaded' as const,
        country: null,
      })
      const decision = await shareObject(env.SHARES, share.id).use(
        useOf(share, {
          batches: [
            { id: crypto.randomUUID(), reports: [report(served), report(served + 1)], closes: [] },
          ],
          ...use,
        }),
      )
      if (refused === 'changed') expect(decision).toMatchObject({ ok: true, outcome: 'changed' })
      else expect(decision).toMatchObject({ ok: false, code: refused })
      const { detail, row } = await agreeing(token, share)
      expect(detail.downloads).toBe(2)
      expect(row?.downloads).toBe(2)
      expect(row?.lastUsedAt).toBe(detail.lastUsedAt)
      expect(detail.lastUsedAt).not.toBeNull()
    },
    15_000,
  )
})

/** A program's download of the share, as an isolate asks its object. */
function useOf(share: { id: string }, rest: Partial<UseRequest> = {}): UseRequest {
  return {
    id: share.id,
    now: Date.now(),
    clientIp: '192.0.2.7',
    outcome: 'downloaded',
    minSecondsLeft: 1,
    ...rest,
  }
}
