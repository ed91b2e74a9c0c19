// A share's audit trail: every use leaves a row, refusals cannot push out the uses that served
// bytes, and a use that got no bytes counts nothing.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { createKey, expectError } from '../helpers'
import { createShare, readShare, seed, use, usesOf } from './helpers'

describe('the audit trail of a share link', () => {
  it('keeps the download after 1,100 refusals from another address, and sums the refusals', async () => {
    await seed('audit/once.txt', 'once')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'audit/once.txt', maxDownloads: 1, page: false })
    expect((await use(share, { ip: '198.51.100.1' })).status).toBe(302)
    for (let round = 0; round < 22; round++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => use(share, { ip: '203.0.113.66' })),
      )
      for (const answer of answers) expect(answer.status).toBe(410)
    }
    const audit = await usesOf(key, share)
    const downloads = audit.uses.filter((row) => row.outcome === 'downloaded')
    expect(downloads.map((row) => row.clientIp)).toEqual(['198.51.100.1'])
    expect(audit.uses.filter((row) => row.outcome === 'exhausted').length).toBeLessThanOrEqual(1099)
    expect(audit.refusals).toEqual([
      expect.objectContaining({ outcome: 'exhausted', clientIp: '203.0.113.66', count: 1100 }),
    ])
  }, 120_000)

  it('audits every proxied answer, also the store refusing a precondition, a range or a malformed condition', async () => {
    await seed('audit/proxy.txt', 'proxied bytes')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'audit/proxy.txt', mode: 'proxy' })
    expect((await use(share, { headers: { 'If-Match': '"not-the-etag"' } })).status).toBe(412)
    expect((await use(share, { headers: { Range: 'bytes=9999-' } })).status).toBe(416)
    await expectError(
      await use(share, { headers: { 'If-Match': 'not an entity tag' } }),
      400,
      'invalid_request',
    )
    expect((await use(share)).status).toBe(200)
    const outcomes = (await usesOf(key, share)).uses.map((row) => row.outcome)
    expect(outcomes).toEqual([
      'precondition_failed',
      'range_not_satisfiable',
      'bad_request',
      'downloaded',
    ])
    expect((await readShare(key, share)).downloads).toBe(1)
  })

  it('counts nothing for a redirect use once the gateway object is deleted, even just after a counted use', async () => {
    await seed('audit/deleted.txt', 'soon gone')
    const { key } = await createKey()
    // Following its key (not pinned): a deleted object is a missing one.
    const share = await createShare(key, { key: 'audit/deleted.txt', pin: false })
    expect((await use(share)).status).toBe(302)
    await env.BUCKET_LOCAL.delete('audit/deleted.txt')
    await expectError(await use(share), 404, 'not_found')
    await expectError(await use(share), 404, 'not_found')
    expect((await readShare(key, share)).downloads).toBe(1)
    const outcomes = (await usesOf(key, share)).uses.map((row) => row.outcome)
    expect(outcomes).toEqual(['downloaded', 'not_found_in_store', 'not_found_in_store'])
  })
})
