// Using a share link: HEAD never takes bytes, ranges further in count once per client download
// session, a missing object counts nothing.
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, expectS3Error, pathOf } from '../helpers'
import { createShare, readShare } from './helpers'

describe('HEAD on a redirect share', () => {
  it('hands out a URL that can HEAD but not GET, and counts nothing', async () => {
    await env.BUCKET_LOCAL.put('review/head.txt', 'five downloads for the price of none')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'review/head.txt', maxDownloads: 1 })
    for (let i = 0; i < 3; i++) {
      const head = await call(`/s/${share.id}`, { method: 'HEAD' })
      expect(head.status).toBe(302)
      const location = head.headers.get('Location') as string
      expect((await call(pathOf(location), { method: 'HEAD' })).status).toBe(200)
      await expectS3Error(await call(pathOf(location)), 403, 'SignatureDoesNotMatch')
    }
    expect((await readShare(key, share)).downloads).toBe(0)
    const get = await call(`/s/${share.id}`)
    expect(get.status).toBe(302)
    const body = await call(pathOf(get.headers.get('Location') as string))
    expect(await body.text()).toBe('five downloads for the price of none')
    expect((await readShare(key, share)).downloads).toBe(1)
  })
})

describe('ranges on proxy shares: download sessions', () => {
  it('counts a range that does not start at byte 0 once per client download session', async () => {
    await env.BUCKET_LOCAL.put('review/farm.bin', '0123456789abcdef')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'review/farm.bin', mode: 'proxy', maxDownloads: 2 })
    const range = (ip: string) => call(`/s/${share.id}`, { ip, headers: { Range: 'bytes=1-' } })

    const first = await range('198.51.100.1')
    expect(first.status).toBe(206)
    expect(await first.text()).toBe('123456789abcdef')
    expect((await readShare(key, share)).downloads).toBe(1)
    // The same client continuing its download (a resume, a video seek) is the same download.
    for (let i = 0; i < 5; i++) {
      const again = await range('198.51.100.1')
      expect(again.status).toBe(206)
      await again.body?.cancel()
    }
    expect((await readShare(key, share)).downloads).toBe(1)
    // Another client is another download; a third finds the share used up.
    const other = await range('198.51.100.2')
    expect(other.status).toBe(206)
    await other.body?.cancel()
    expect((await readShare(key, share)).downloads).toBe(2)
    await expectError(await range('198.51.100.3'), 410, 'share_exhausted')
    // The first client may still finish its own download inside the session window...
    const resumed = await range('198.51.100.1')
    expect(resumed.status).toBe(206)
    await resumed.body?.cancel()
    // ...but once the window has passed, farming ranges needs a use the share no longer has.
    await runInDurableObject(env.SHARES.get(env.SHARES.idFromName(share.id)), (_, state) => {
      state.storage.sql.exec("UPDATE uses SET at = '2000-01-01T00:00:00.000Z'")
    })
    await expectError(await range('198.51.100.1'), 410, 'share_exhausted')
    expect((await readShare(key, share)).downloads).toBe(2)
  })

  it('never lets a client without a counted download take bytes for free', async () => {
    await env.BUCKET_LOCAL.put('review/farm2.bin', '0123456789abcdef')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'review/farm2.bin', mode: 'proxy' })
    for (let i = 0; i < 4; i++) {
      const response = await call(`/s/${share.id}`, {
        headers: { Range: 'bytes=1-' },
        ...(i % 2 === 0 ? {} : { ip: `203.0.113.${i}` }),
      })
      expect(response.status).toBe(206)
      await response.body?.cancel()
    }
    // Two requests without a client address and two distinct clients: four downloads.
    expect((await readShare(key, share)).downloads).toBe(4)
  })
})

describe('redirect shares of missing objects', () => {
  it('answers 404 and counts nothing when a gateway object does not exist', async () => {
    const { key } = await createKey()
    // Not pinned: a link to a file still to come.
    const share = await createShare(key, {
      key: 'review/never-uploaded.txt',
      maxDownloads: 1,
      pin: false,
    })
    await expectError(await call(`/s/${share.id}`), 404, 'not_found')
    expect((await readShare(key, share)).downloads).toBe(0)
    await env.BUCKET_LOCAL.put('review/never-uploaded.txt', 'now it is')
    expect((await call(`/s/${share.id}`)).status).toBe(302)
    expect((await readShare(key, share)).downloads).toBe(1)
  })
})
