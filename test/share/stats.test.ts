// A share's stats: views of its page, previews and downloads, per UTC day and per country, from
// its object; they add up with its audit trail. Only the owner (or the admin) reads them.
import { env, exports } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, createKey, expectError, FULL_SCOPE, ORIGIN } from '../helpers'
import { createShare, usesOf } from './helpers'

const BROWSER = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/142.0.0.0 Safari/537.36',
}

type Stats = {
  views: number
  previews: number
  downloads: number
  byDay: { day: string; views: number; previews: number; downloads: number }[]
  byCountry: { country: string | null; downloads: number }[]
}

/** A use from a country, as the edge marks it (`request.cf.country`). */
function from(country: string, id: string, init: RequestInit = {}) {
  return exports.default.fetch(
    new Request(`${ORIGIN}/s/${id}`, { ...init, redirect: 'manual', cf: { country } }),
  )
}

describe('GET /v1/shares/:id/stats', () => {
  it('counts views, previews and downloads per day and country, adding up with the audit', async () => {
    const key = `stats/${crypto.randomUUID()}/photo.png`
    await env.BUCKET_LOCAL.put(key, 'png bytes', { httpMetadata: { contentType: 'image/png' } })
    const { key: token } = await createKey(FULL_SCOPE)
    const share = await createShare(token, { key, page: true, mode: 'proxy' })
    for (const country of ['DE', 'DE', 'JP']) {
      await (await from(country, share.id, { headers: BROWSER })).body?.cancel()
    }
    await (await call(`/s/${share.id}?preview=1`)).body?.cancel()
    await (await from('DE', share.id, { method: 'POST' })).body?.cancel()
    await (await from('JP', share.id)).body?.cancel()
    await (await from('JP', share.id)).body?.cancel()
    await (await call(`/s/${share.id}`)).body?.cancel()
    // A HEAD and a refusal are in the audit but are no view, preview or download.
    await (await call(`/s/${share.id}`, { method: 'HEAD' })).body?.cancel()

    const response = await call(`/v1/shares/${share.id}/stats`, { token })
    expect(response.status).toBe(200)
    const stats = (await response.json()) as Stats
    const today = new Date().toISOString().slice(0, 10)
    expect(stats).toEqual({
      views: 3,
      previews: 1,
      downloads: 4,
      byDay: [{ day: today, views: 3, previews: 1, downloads: 4 }],
      byCountry: [
        { country: 'JP', downloads: 2 },
        { country: 'DE', downloads: 1 },
        { country: null, downloads: 1 },
      ],
    })
    const { uses } = await usesOf(token, share)
    const count = (outcome: string) => uses.filter((use) => use.outcome === outcome).length
    expect(count('viewed')).toBe(stats.views)
    expect(count('previewed')).toBe(stats.previews)
    expect(count('downloaded')).toBe(stats.downloads)
    expect(stats.byDay.reduce((sum, day) => sum + day.downloads, 0)).toBe(stats.downloads)
    expect(stats.byCountry.reduce((sum, row) => sum + row.downloads, 0)).toBe(stats.downloads)
  })

  it('starts at zero, and is the owner’s (or the admin’s) alone', async () => {
    const { key: token } = await createKey(FULL_SCOPE)
    const share = await createShare(token, { key: 'shared/none.txt', pin: false })
    const empty = await call(`/v1/shares/${share.id}/stats`, { token })
    expect(await empty.json()).toEqual({
      views: 0,
      previews: 0,
      downloads: 0,
      byDay: [],
      byCountry: [],
    })
    const admin = await call(`/v1/shares/${share.id}/stats`, { token: ADMIN_TOKEN })
    expect(admin.status).toBe(200)
    await admin.body?.cancel()
    const { key: stranger } = await createKey(FULL_SCOPE)
    await expectError(
      await call(`/v1/shares/${share.id}/stats`, { token: stranger }),
      404,
      'not_found',
    )
    await expectError(await call('/v1/shares/not-a-share/stats', { token }), 404, 'not_found')
    await expectError(await call(`/v1/shares/${share.id}/stats`), 401, 'unauthorized')
  })
})
