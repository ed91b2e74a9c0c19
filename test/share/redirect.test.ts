// A redirect share's URL: one use, one copy where the store enforces URL-bound addresses (the
// gateway), living SIGNET_REDIRECT_SECONDS.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../../src/app'
import { call, createKey, ORIGIN } from '../helpers'
import { createShare, seed, use } from './helpers'

describe('the redirect of a share link', () => {
  it('binds the gateway URL to the address that used the link', async () => {
    await seed()
    const { key } = await createKey()
    const share = await createShare(key, { maxDownloads: 1, page: false })
    const used = await use(share, { ip: '198.51.100.7' })
    expect(used.status).toBe(302)
    const location = new URL(used.headers.get('Location') as string)
    expect(location.searchParams.get('x-signet-allow-ips')).toBe('198.51.100.7')
    const path = `${location.pathname}${location.search}`
    // Fetched from elsewhere, the one counted use's URL serves nothing.
    for (const ip of ['203.0.113.9', '198.51.100.8', '2001:db8::7']) {
      const elsewhere = await call(path, { ip })
      expect(elsewhere.status).toBe(403)
      expect(await elsewhere.text()).toContain('<Code>AccessDenied</Code>')
    }
    const there = await call(path, { ip: '198.51.100.7' })
    expect(there.status).toBe(200)
    expect(await there.text()).toBe('the report body')
  })

  it('binds to the client address inside the share CIDRs, IPv6 too', async () => {
    await seed()
    const { key } = await createKey()
    const share = await createShare(key, { allowIps: ['2001:db8::/32'] })
    const used = await use(share, { ip: '2001:db8::42' })
    const location = new URL(used.headers.get('Location') as string)
    expect(location.searchParams.get('x-signet-allow-ips')).toBe('2001:db8::42')
    expect(
      (await call(`${location.pathname}${location.search}`, { ip: '2001:db8::43' })).status,
    ).toBe(403)
  })

  it('lives SIGNET_REDIRECT_SECONDS', async () => {
    await seed()
    const { key } = await createKey()
    const share = await createShare(key, {})
    const answer = await app.fetch(
      new Request(`${ORIGIN}/s/${share.id}`, { headers: { 'CF-Connecting-IP': '192.0.2.1' } }),
      { ...env, SIGNET_REDIRECT_SECONDS: '15' },
      { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
    )
    expect(answer.status).toBe(302)
    const location = new URL(answer.headers.get('Location') as string)
    expect(location.searchParams.get('X-Amz-Expires')).toBe('15')
  })
})
