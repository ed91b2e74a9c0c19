// Who keeps control of a share link: revoking an API key revokes the links it made (unless asked
// to keep them), and the admin lists, reads and revokes every share.
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, createKey, expectError } from '../helpers'
import { createShare, readShare, type ShareAnswer, seed, use } from './helpers'

async function list(token: string, query = ''): Promise<ShareAnswer[]> {
  const response = await call(`/v1/shares?limit=1000${query}`, { token })
  expect(response.status).toBe(200)
  return ((await response.json()) as { shares: ShareAnswer[] }).shares
}

describe('share links of a revoked key', () => {
  it('are revoked with the key, at once, however long they had to live', async () => {
    await seed()
    const { id, key } = await createKey()
    const year = await createShare(key, { expiresIn: '365d' })
    const proxied = await createShare(key, { mode: 'proxy', maxDownloads: 5 })
    expect((await use(year)).status).toBe(302)
    expect((await call(`/v1/keys/${id}`, { token: ADMIN_TOKEN, method: 'DELETE' })).status).toBe(
      204,
    )
    await expectError(await use(year), 410, 'share_revoked')
    await expectError(await use(proxied), 410, 'share_revoked')
    const listed = await list(ADMIN_TOKEN, `&owner=${id}`)
    expect(listed.map((share) => share.id).sort()).toEqual([year.id, proxied.id].sort())
    for (const share of listed) expect(share.revokedAt).not.toBeNull()
  })

  it('stay live when the admin asks to keep them', async () => {
    await seed()
    const { id, key } = await createKey()
    const share = await createShare(key, {})
    const revoke = await call(`/v1/keys/${id}?keepLinks=true`, {
      token: ADMIN_TOKEN,
      method: 'DELETE',
    })
    expect(revoke.status).toBe(204)
    // The key is gone, its link is not.
    await expectError(await call('/v1/shares', { token: key }), 401, 'unauthorized')
    expect((await use(share)).status).toBe(302)
    expect((await readShare(ADMIN_TOKEN, share)).revokedAt).toBeNull()
  })
})

describe('the admin and share links', () => {
  it('lists every share with its owner, and one owner at a time', async () => {
    await seed()
    const alice = await createKey()
    const bob = await createKey()
    const mine = await createShare(alice.key, {})
    const theirs = await createShare(bob.key, {})
    const all = await list(ADMIN_TOKEN)
    const ids = all.map((share) => share.id)
    expect(ids).toContain(mine.id)
    expect(ids).toContain(theirs.id)
    expect(all.find((share) => share.id === mine.id)?.owner).toBe(`key:${alice.id}`)
    expect((await list(ADMIN_TOKEN, `&owner=${bob.id}`)).map((share) => share.id)).toEqual([
      theirs.id,
    ])
    expect((await list(ADMIN_TOKEN, `&owner=key:${bob.id}`)).map((share) => share.id)).toEqual([
      theirs.id,
    ])
    // A key lists only its own, and may not ask for another owner's.
    await expectError(
      await call(`/v1/shares?owner=${bob.id}`, { token: alice.key }),
      403,
      'forbidden',
    )
    expect((await list(alice.key, `&owner=${alice.id}`)).map((share) => share.id)).toEqual([
      mine.id,
    ])
  })

  it('reads, audits and revokes any share, but creates none', async () => {
    await seed()
    const { key } = await createKey()
    const share = await createShare(key, {})
    expect((await use(share)).status).toBe(302)
    expect((await readShare(ADMIN_TOKEN, share)).downloads).toBe(1)
    expect((await call(`/v1/shares/${share.id}/uses`, { token: ADMIN_TOKEN })).status).toBe(200)
    expect(
      (await call(`/v1/shares/${share.id}`, { token: ADMIN_TOKEN, method: 'DELETE' })).status,
    ).toBe(204)
    await expectError(await use(share), 410, 'share_revoked')
    await expectError(
      await call('/v1/shares', {
        token: ADMIN_TOKEN,
        json: { bucket: 'local', key: 'shared/report.pdf' },
      }),
      403,
      'forbidden',
    )
  })
})
