// Defaults that respect the scope: an omitted expiry is the default or the scope's maximum,
// whichever is shorter; an expiry asked for beyond the maximum is still refused.
import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, FULL_SCOPE } from './helpers'

function secondsUntil(iso: string): number {
  return Math.round((Date.parse(iso) - Date.now()) / 1000)
}

describe('default expiry', () => {
  it('is the scope maximum when that is shorter than 3600 s, on every route that grants', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, maxExpiresIn: 600 })
    const presign = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'defaults/a.txt' },
    })
    expect(presign.status).toBe(200)
    expect(((await presign.json()) as { expiresIn: number }).expiresIn).toBe(600)

    const batch = await call('/v1/presign/batch', {
      token: key,
      json: { items: [{ bucket: 'local', key: 'defaults/b.txt' }] },
    })
    const [item] = ((await batch.json()) as { results: { ok: boolean; expiresIn: number }[] })
      .results
    expect(item).toMatchObject({ ok: true, expiresIn: 600 })

    const multipart = await call('/v1/multipart', {
      token: key,
      json: { bucket: 'local', key: 'defaults/c.bin', parts: 1 },
    })
    expect(multipart.status).toBe(200)
    expect(secondsUntil(((await multipart.json()) as { expiresAt: string }).expiresAt)).toBeCloseTo(
      600,
      -1,
    )

    const policy = await call('/v1/post-policy', {
      token: key,
      json: { bucket: 'local', key: 'defaults/d.bin', maxContentLength: 10 },
    })
    expect(policy.status).toBe(200)
    expect(secondsUntil(((await policy.json()) as { expiresAt: string }).expiresAt)).toBeCloseTo(
      600,
      -1,
    )

    const share = await call('/v1/shares', {
      token: key,
      json: { bucket: 'local', key: 'defaults/e.txt', pin: false },
    })
    expect(share.status).toBe(201)
    expect(secondsUntil(((await share.json()) as { expiresAt: string }).expiresAt)).toBeCloseTo(
      600,
      -1,
    )
  })

  it('stays 3600 s for presigns and 7 days for shares without a scope maximum', async () => {
    const { key } = await createKey()
    const presign = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'defaults/f.txt' },
    })
    expect(((await presign.json()) as { expiresIn: number }).expiresIn).toBe(3600)
    const share = await call('/v1/shares', {
      token: key,
      json: { bucket: 'local', key: 'defaults/g.txt', pin: false },
    })
    expect(secondsUntil(((await share.json()) as { expiresAt: string }).expiresAt)).toBeCloseTo(
      7 * 86400,
      -1,
    )
  })

  it('still refuses an expiry asked for beyond the scope maximum', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, maxExpiresIn: 600 })
    const error = await expectError(
      await call('/v1/presign', {
        token: key,
        json: { bucket: 'local', key: 'defaults/h.txt', expiresIn: 601 },
      }),
      400,
      'invalid_request',
    )
    expect(error.message).toContain('600')
  })
})
