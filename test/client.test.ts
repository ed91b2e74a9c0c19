// The typed client against the real Worker entry (its fetch is the Worker's own).
import { exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { SignetClient, SignetError } from '../src/client'
import { ADMIN_TOKEN, FULL_SCOPE } from './helpers'

const viaWorker: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init))

describe('the typed client', () => {
  it('creates a key, presigns, shares, inspects and revokes with typed answers', async () => {
    const admin = new SignetClient({
      url: 'http://signet.test',
      token: ADMIN_TOKEN,
      fetch: viaWorker,
    })
    const created = await admin.keys.create('client', FULL_SCOPE)
    expect(created.key).toMatch(/^sgn_/)
    const signet = new SignetClient({
      url: 'http://signet.test',
      token: created.key,
      fetch: viaWorker,
    })
    const answer = await signet.presign({
      bucket: 'local',
      key: 'client/a.txt',
      method: 'PUT',
      contentType: 'text/plain',
    })
    expect(answer.headers).toEqual({ 'Content-Type': 'text/plain' })
    const [first, second] = await signet.presignBatch([
      { bucket: 'local', key: 'client/b' },
      { bucket: 'local', key: '../x' },
    ])
    expect(first?.ok).toBe(true)
    expect(second).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
    const share = await signet.createShare({
      bucket: 'local',
      key: 'client/a.txt',
      maxDownloads: 1,
      // A link to a file still to come: not pinned.
      pin: false,
    })
    expect((await signet.getShare(share.id)).downloads).toBe(0)
    expect((await signet.listShares()).shares.map((s) => s.id)).toContain(share.id)
    expect(
      (
        await signet.inspect(answer.url, {
          method: 'PUT',
          headers: { 'content-type': 'text/plain' },
        })
      ).signatureValid,
    ).toBe(true)
    await signet.revokeShare(share.id)
    expect((await signet.getShare(share.id)).revokedAt).not.toBeNull()
    await admin.keys.revoke(created.id)
    const error = await signet.presign({ bucket: 'local', key: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SignetError)
    expect(error).toMatchObject({ status: 401, code: 'unauthorized' })
  })
})
