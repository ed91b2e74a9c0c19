import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { newShareId } from '../../src/share/record'
import { call, createKey, expectError, FULL_SCOPE } from '../helpers'
import { createShare, insertLegacyShare, type ShareAnswer, seed, use } from './helpers'

describe('POST /v1/shares', () => {
  it('creates a share with an unguessable id and the contract fields', async () => {
    const { key } = await createKey()
    await seed()
    const share = await createShare(key, { expiresIn: '2h', maxDownloads: 3 })
    expect(share.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    // The version shared: the object's ETag now.
    expect(share.etag).toBe((await env.BUCKET_LOCAL.head('shared/report.pdf'))?.httpEtag)
    expect(share.url).toBe(`http://signet.test/s/${share.id}`)
    expect(share).toMatchObject({
      maxDownloads: 3,
      downloads: 0,
      pin: true,
      allowIps: null,
      mode: 'redirect',
      policyHints: null,
    })
    expect(Date.parse(share.expiresAt) - Date.now()).toBeGreaterThan(7190_000)
    const ids = new Set<string>()
    for (let i = 0; i < 20; i++) ids.add((await createShare(key, {})).id)
    expect(ids.size).toBe(20)
  })

  it('needs the share operation, a key inside the prefixes and an expiry within the scope', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, operations: ['get'] })
    await expectError(
      await call('/v1/shares', { token: key, json: { bucket: 'local', key: 'a.txt' } }),
      403,
      'forbidden',
    )
    const { key: limited } = await createKey({
      ...FULL_SCOPE,
      prefixes: ['shared/'],
      maxExpiresIn: 3600,
    })
    await expectError(
      await call('/v1/shares', { token: limited, json: { bucket: 'local', key: 'other/a.txt' } }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/shares', {
        token: limited,
        json: { bucket: 'local', key: 'shared/a.txt', expiresIn: '2h' },
      }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/shares', {
        token: limited,
        json: { bucket: 'local', key: 'shared/../a.txt', expiresIn: 60 },
      }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/shares', {
        token: limited,
        json: { bucket: 'local', key: 'shared/a.txt', expiresIn: 60, maxDownloads: 0 },
      }),
      400,
      'invalid_request',
    )
  })

  it('gives policy hints for CIDR-bound shares, honest about each mode', async () => {
    await seed()
    const { key } = await createKey({ ...FULL_SCOPE, buckets: ['local', 'r2-remote'] })
    const gateway = await createShare(key, { allowIps: ['203.0.113.0/24'] })
    expect(gateway.policyHints?.enforcedBy).toBe('signet')
    expect(gateway.policyHints?.s3BucketPolicy.Statement[0]?.Resource).toBe(
      'arn:aws:s3:::local/shared/report.pdf',
    )
    expect(gateway.policyHints?.notes.join(' ')).toMatch(
      /bound, signed, to the address of the client that used the link/,
    )
    const remote = await createShare(key, {
      bucket: 'r2-remote',
      allowIps: ['203.0.113.0/24'],
      pin: false,
    })
    expect(remote.policyHints?.notes.join(' ')).toMatch(
      /SIGNET_REDIRECT_SECONDS \(default 60\).*bearer URL/,
    )
    const proxied = await createShare(key, { allowIps: ['203.0.113.0/24'], mode: 'proxy' })
    expect(proxied.policyHints?.notes.join(' ')).toMatch(/every byte/)
  })
})

describe('GET/HEAD /s/:id', () => {
  it('answers 404 for unknown and malformed ids alike', async () => {
    const unknown = await expectError(await call(`/s/${newShareId()}`), 404, 'not_found')
    const malformed = await expectError(await call('/s/short'), 404, 'not_found')
    const injected = await expectError(await call("/s/'%20OR%201=1--aaaaaaaaa"), 404, 'not_found')
    expect(unknown.message).toBe(malformed.message)
    expect(unknown.message).toBe(injected.message)
  })

  it('redirects to a presigned GET that lives at most 60 s, with no-store and no-referrer', async () => {
    await seed()
    const { key } = await createKey()
    const share = await createShare(key, { filename: 'Q3 report.pdf' })
    const response = await use(share)
    expect(response.status).toBe(302)
    expect(response.headers.get('Cache-Control')).toBe('no-store')
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer')
    const location = new URL(response.headers.get('Location') as string)
    expect(location.pathname).toBe('/s3/local/shared/report.pdf')
    expect(Number(location.searchParams.get('X-Amz-Expires'))).toBe(60)
    expect(location.searchParams.get('response-content-disposition')).toBe(
      'attachment; filename="Q3 report.pdf"',
    )
    const followed = await call(`${location.pathname}${location.search}`)
    expect(followed.status).toBe(200)
    expect(await followed.text()).toBe('the report body')
    expect(followed.headers.get('Content-Disposition')).toBe('attachment; filename="Q3 report.pdf"')
  })

  it('never lets the redirect target outlive the share', async () => {
    await seed()
    const share = await insertLegacyShare({ expiresAt: Date.now() + 20_000 })
    const response = await use(share)
    expect(response.status).toBe(302)
    const expires = Number(
      new URL(response.headers.get('Location') as string).searchParams.get('X-Amz-Expires'),
    )
    expect(expires).toBeGreaterThanOrEqual(10)
    expect(expires).toBeLessThanOrEqual(20)
    const date = new URL(response.headers.get('Location') as string).searchParams.get(
      'X-Amz-Date',
    ) as string
    const signedMs = Date.UTC(
      +date.slice(0, 4),
      +date.slice(4, 6) - 1,
      +date.slice(6, 8),
      +date.slice(9, 11),
      +date.slice(11, 13),
      +date.slice(13, 15),
    )
    expect(signedMs + expires * 1000).toBeLessThanOrEqual(share.expiresAt)
  })

  it('answers 410 for expired, revoked and used-up shares, revocation taking effect at once', async () => {
    await seed()
    const { key } = await createKey()
    const expired = await insertLegacyShare({ expiresAt: Date.now() - 1000 })
    await expectError(await use(expired), 410, 'share_expired')

    const share = await createShare(key, {})
    expect((await use(share)).status).toBe(302)
    expect((await call(`/v1/shares/${share.id}`, { token: key, method: 'DELETE' })).status).toBe(
      204,
    )
    await expectError(await use(share), 410, 'share_revoked')

    const once = await createShare(key, { maxDownloads: 1 })
    expect((await use(once)).status).toBe(302)
    await expectError(await use(once), 410, 'share_exhausted')
  })

  it('holds maxDownloads exactly under 50 concurrent uses', async () => {
    await seed()
    const { key } = await createKey()
    const share = await createShare(key, { maxDownloads: 5 })
    const responses = await Promise.all(Array.from({ length: 50 }, () => use(share)))
    const statuses = responses.map((r) => r.status)
    expect(statuses.filter((s) => s === 302)).toHaveLength(5)
    expect(statuses.filter((s) => s === 410)).toHaveLength(45)
    for (const response of responses.filter((r) => r.status === 410)) {
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'share_exhausted',
      )
    }
    const read = (await (
      await call(`/v1/shares/${share.id}`, { token: key })
    ).json()) as ShareAnswer
    expect(read.downloads).toBe(5)
    expect(read.lastUsedAt).not.toBeNull()
  })

  it('binds to CIDRs by CF-Connecting-IP only: IPv4, IPv6, IPv4-mapped, spoofed headers ignored', async () => {
    await seed()
    const { key } = await createKey()
    const share = await createShare(key, { allowIps: ['198.51.100.0/24', '2001:db8::/32'] })
    for (const ip of ['198.51.100.1', '198.51.100.255', '2001:db8::1', '::ffff:198.51.100.9']) {
      expect((await use(share, { headers: { 'CF-Connecting-IP': ip } })).status, ip).toBe(302)
    }
    // The gateway redirect target is bound to the client inside the CIDRs: no bearer URL for its
    // seconds, not even for the rest of the range.
    const redirect = await use(share, { headers: { 'CF-Connecting-IP': '198.51.100.1' } })
    const target = new URL(redirect.headers.get('Location') as string)
    expect(target.searchParams.get('x-signet-allow-ips')).toBe('198.51.100.1')
    const path = `${target.pathname}${target.search}`
    expect((await call(path, { headers: { 'CF-Connecting-IP': '198.51.100.1' } })).status).toBe(200)
    expect((await call(path, { headers: { 'CF-Connecting-IP': '198.51.100.2' } })).status).toBe(403)
    expect((await call(path, { headers: { 'CF-Connecting-IP': '203.0.113.1' } })).status).toBe(403)
    for (const ip of ['198.51.101.0', '2001:db9::1', '::ffff:198.51.101.9']) {
      await expectError(
        await use(share, { headers: { 'CF-Connecting-IP': ip } }),
        403,
        'ip_not_allowed',
      )
    }
    await expectError(
      await use(share, {
        headers: { 'X-Forwarded-For': '198.51.100.1', 'X-Real-IP': '198.51.100.1' },
      }),
      403,
      'ip_not_allowed',
    )
    await expectError(
      await use(share, {
        headers: { 'CF-Connecting-IP': '203.0.113.1', 'X-Forwarded-For': '198.51.100.1' },
      }),
      403,
      'ip_not_allowed',
    )
    const everyone = await createShare(key, { allowIps: ['0.0.0.0/0', '::/0'] })
    expect((await use(everyone, { headers: { 'CF-Connecting-IP': '1.2.3.4' } })).status).toBe(302)
    const single = await createShare(key, { allowIps: ['198.51.100.7/32', '2001:db8::7/128'] })
    expect((await use(single, { headers: { 'CF-Connecting-IP': '198.51.100.7' } })).status).toBe(
      302,
    )
    expect((await use(single, { headers: { 'CF-Connecting-IP': '2001:db8::7' } })).status).toBe(302)
    await expectError(
      await use(single, { headers: { 'CF-Connecting-IP': '198.51.100.8' } }),
      403,
      'ip_not_allowed',
    )
    await expectError(
      await use(single, { headers: { 'CF-Connecting-IP': '2001:db8::8' } }),
      403,
      'ip_not_allowed',
    )
  })

  it('streams the object in proxy mode with Range, HEAD, ETag and If-None-Match; counts downloads, not ranges', async () => {
    await seed('shared/proxy.txt', '0123456789')
    const { key } = await createKey()
    const share = await createShare(key, {
      key: 'shared/proxy.txt',
      mode: 'proxy',
      maxDownloads: 2,
      filename: 'digits.txt',
    })
    const client = { ip: '192.0.2.10' }
    const downloads = async () =>
      ((await (await call(`/v1/shares/${share.id}`, { token: key })).json()) as ShareAnswer)
        .downloads
    const head = await use(share, { ...client, method: 'HEAD' })
    expect(head.status).toBe(200)
    const etag = head.headers.get('ETag') as string
    expect(etag).toMatch(/^"/)
    const notModified = await use(share, { ...client, headers: { 'If-None-Match': etag } })
    expect(notModified.status).toBe(304)
    expect(await downloads()).toBe(0)

    const whole = await use(share, client)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('Content-Disposition')).toBe('attachment; filename="digits.txt"')
    expect(whole.headers.get('Cache-Control')).toBe('private, no-store')
    expect(whole.headers.get('Content-Security-Policy')).toBe('sandbox')
    expect(await whole.text()).toBe('0123456789')
    // A range further in continues this client's download: it does not count again.
    const part = await use(share, { ...client, headers: { Range: 'bytes=3-5' } })
    expect(part.status).toBe(206)
    expect(await part.text()).toBe('345')
    expect(await downloads()).toBe(1)
    const fromStart = await use(share, { ...client, headers: { Range: 'bytes=0-' } })
    expect(fromStart.status).toBe(206)
    expect(await fromStart.text()).toBe('0123456789')
    expect(await downloads()).toBe(2)
    await expectError(await use(share, client), 410, 'share_exhausted')
    const resumed = await use(share, { ...client, headers: { Range: 'bytes=3-5' } })
    expect(await resumed.text()).toBe('345')
    await expectError(
      await use(share, { ip: '192.0.2.11', headers: { Range: 'bytes=3-5' } }),
      410,
      'share_exhausted',
    )
  })

  it('serves a small HTML page to browsers in the error cases, without details', async () => {
    const { key } = await createKey()
    const share = await createShare(key, { key: 'secret/plans/q4-layoffs.pdf', pin: false })
    await call(`/v1/shares/${share.id}`, { token: key, method: 'DELETE' })
    const page = await use(share, { headers: { Accept: 'text/html,application/xhtml+xml' } })
    expect(page.status).toBe(410)
    expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('Content-Security-Policy')).toContain("default-src 'none'")
    const html = await page.text()
    expect(html).toContain('<h1>Link revoked</h1>')
    for (const secret of ['q4-layoffs', 'secret/plans', 'local', share.id, 'key_'])
      expect(html).not.toContain(secret)
    const missing = await call(`/s/${newShareId()}`, { headers: { Accept: 'text/html' } })
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('Link not found')
  })

  it('lists only the caller own shares, reads one, and keeps an audit row per use', async () => {
    await seed()
    const { key: alice } = await createKey()
    const { key: bob } = await createKey()
    const mine = await createShare(alice, { allowIps: ['198.51.100.0/24'] })
    const theirs = await createShare(bob, {})
    const listed = (await (await call('/v1/shares?limit=1000', { token: alice })).json()) as {
      shares: ShareAnswer[]
    }
    expect(listed.shares.map((s) => s.id)).toContain(mine.id)
    expect(listed.shares.map((s) => s.id)).not.toContain(theirs.id)
    await expectError(await call(`/v1/shares/${theirs.id}`, { token: alice }), 404, 'not_found')
    await expectError(
      await call(`/v1/shares/${theirs.id}`, { token: alice, method: 'DELETE' }),
      404,
      'not_found',
    )
    expect((await use(theirs)).status).toBe(302)

    expect((await use(mine, { headers: { 'CF-Connecting-IP': '198.51.100.4' } })).status).toBe(302)
    await expectError(
      await use(mine, { headers: { 'CF-Connecting-IP': '203.0.113.4' } }),
      403,
      'ip_not_allowed',
    )
    const uses = (await (await call(`/v1/shares/${mine.id}/uses`, { token: alice })).json()) as {
      uses: { clientIp: string; outcome: string }[]
    }
    expect(uses.uses.map((u) => [u.clientIp, u.outcome])).toEqual([
      ['198.51.100.4', 'downloaded'],
      ['203.0.113.4', 'ip_not_allowed'],
    ])
    await expectError(await call(`/v1/shares/${mine.id}/uses`, { token: bob }), 404, 'not_found')
  })
})

describe('share links on Google Cloud Storage', () => {
  it('redirect to a seconds-lived GOOG4 URL signed with the service account', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, buckets: ['local', 'gcs-remote'] })
    const share = await createShare(key, {
      bucket: 'gcs-remote',
      key: 'photos/beach.jpg',
      filename: 'beach.jpg',
      pin: false,
    })
    const response = await use(share)
    expect(response.status).toBe(302)
    const location = new URL(response.headers.get('Location') as string)
    expect(`${location.origin}${location.pathname}`).toBe(
      'https://storage.googleapis.com/signet-gcs-bucket/photos/beach.jpg',
    )
    expect(location.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256')
    expect(location.searchParams.get('X-Goog-Expires')).toBe('60')
    expect(location.searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{512}$/)
    expect(location.searchParams.get('response-content-disposition')).toContain('beach.jpg')
    expect(response.headers.get('Location')).not.toContain('PRIVATE')
  })
})
