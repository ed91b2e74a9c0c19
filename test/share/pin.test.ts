// A link shares what was shared: a pinned share (the default) records its object's ETag and
// serves only that version; after a change or a delete it answers 410 share_changed in every
// mode and never hands out (or a URL to) other bytes. `pin: false` follows its key.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, expectS3Error, pathOf } from '../helpers'
import { createShare, readShare, use, usesOf } from './helpers'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function put(key: string, body: string) {
  await env.BUCKET_LOCAL.put(key, body, { httpMetadata: { contentType: 'text/plain' } })
}

describe('pinned share links', () => {
  it('records the ETag and refuses a missing object at creation, unless pin is false', async () => {
    const { key } = await createKey()
    await put('pin/made.txt', 'version one')
    const share = await createShare(key, { key: 'pin/made.txt' })
    expect(share.pin).toBe(true)
    expect(share.etag).toBe((await env.BUCKET_LOCAL.head('pin/made.txt'))?.httpEtag)
    const refused = await expectError(
      await call('/v1/shares', { token: key, json: { bucket: 'local', key: 'pin/nothing.txt' } }),
      404,
      'not_found',
    )
    expect(refused.message).toMatch(/pin: false/)
    const later = await createShare(key, { key: 'pin/nothing.txt', pin: false })
    expect(later).toMatchObject({ pin: false, etag: null })
  })

  it.each(['redirect', 'proxy'] as const)(
    'answers 410 share_changed after the object is replaced, never the new bytes (%s)',
    async (mode) => {
      const objectKey = `pin/${mode}/report.txt`
      await put(objectKey, "alice's contract")
      const { key } = await createKey()
      const pinned = await createShare(key, { key: objectKey, mode })
      const following = await createShare(key, { key: objectKey, mode, pin: false })
      const first = await use(pinned)
      if (mode === 'proxy') expect(await first.text()).toBe("alice's contract")
      else expect(first.status).toBe(302)

      let cachedServes = 0
      await put(objectKey, "bob's medical results")
      // Another writer, behind Signet's back: within SIGNET_OBJECT_CACHE_SECONDS (1 s here) a use
      // may still be decided from what the location learnt of the object: proxied, it serves the
      // pinned bytes from the location's cache, never the new; redirected, its URL is bound to
      // the pinned version (the gateway refuses it for the new one).
      const meanwhile = await use(pinned)
      if (meanwhile.status === 410) await expectError(meanwhile, 410, 'share_changed')
      else if (mode === 'proxy') expect(await meanwhile.text()).toBe("alice's contract")
      else {
        expect(meanwhile.status).toBe(302)
        const location = meanwhile.headers.get('Location') as string
        await expectS3Error(await call(pathOf(location)), 412, 'PreconditionFailed')
      }
      cachedServes = meanwhile.status === 410 ? 0 : 1
      await sleep(1100)
      const changed = await use(pinned)
      const error = await expectError(changed, 410, 'share_changed')
      expect(JSON.stringify(error)).not.toContain('bob')
      const page = await use(pinned, { headers: { Accept: 'text/html' } })
      expect(page.status).toBe(410)
      expect(await page.text()).toContain('File changed')
      // A range, a HEAD and a conditional GET of the new version are refused the same way.
      await expectError(
        await use(pinned, { headers: { Range: 'bytes=0-3' } }),
        410,
        'share_changed',
      )
      expect((await use(pinned, { method: 'HEAD' })).status).toBe(410)
      const etag = (await env.BUCKET_LOCAL.head(objectKey))?.httpEtag as string
      await expectError(await use(pinned, { headers: { 'If-Match': etag } }), 410, 'share_changed')
      // pin: false follows the key, a "latest build" link.
      const latest = await use(following)
      if (mode === 'proxy') expect(await latest.text()).toBe("bob's medical results")
      else expect(latest.status).toBe(302)

      await env.BUCKET_LOCAL.delete(objectKey)
      await expectError(await use(pinned), 410, 'share_changed')
      const served = 1 + cachedServes
      expect((await readShare(key, pinned)).downloads).toBe(served)
      const outcomes = (await usesOf(key, pinned)).uses.map((row) => row.outcome)
      expect(outcomes[0]).toBe('downloaded')
      // After the first download (and perhaps one more within the window), every use was
      // refused as changed.
      const after = outcomes.slice(served)
      expect(after.length).toBeGreaterThan(3)
      expect(after.every((outcome) => outcome === 'changed')).toBe(true)
    },
  )

  it('binds a gateway redirect URL to the pinned version, even if the object changes in its seconds', async () => {
    await put('pin/race.txt', 'the shared version')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'pin/race.txt' })
    const used = await use(share)
    const location = new URL(used.headers.get('Location') as string)
    expect(location.searchParams.get('x-signet-if-match')).toBe(share.etag)
    // The object changes after the redirect was handed out: its URL serves nothing.
    await put('pin/race.txt', 'another version')
    await expectS3Error(await call(pathOf(location.href)), 412, 'PreconditionFailed')
  })

  it("asks neither the store nor the share's object on a warm use of a pinned gateway link", async () => {
    await put('pin/warm.txt', 'often fetched')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'pin/warm.txt' })
    const first = await use(share)
    expect(first.status).toBe(302)
    expect(first.headers.get('Server-Timing')).toMatch(/store;desc="1"/)
    for (let i = 0; i < 5; i++) {
      const warm = await use(share)
      expect(warm.status).toBe(302)
      const timing = warm.headers.get('Server-Timing') ?? ''
      expect(timing).toContain('store;desc="0"')
      expect(timing).toContain('do;desc="0"')
    }
    expect((await readShare(key, share)).downloads).toBe(6)
  })

  it('serves the pinned version to If-None-Match and ranges as before', async () => {
    await put('pin/same.txt', '0123456789')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'pin/same.txt', mode: 'proxy' })
    const notModified = await use(share, { headers: { 'If-None-Match': share.etag as string } })
    expect(notModified.status).toBe(304)
    const range = await use(share, { headers: { Range: 'bytes=2-4' } })
    expect(range.status).toBe(206)
    expect(await range.text()).toBe('234')
  })
})
