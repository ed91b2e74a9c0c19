// Share pages: a counted link opens on a page for browsers and link-preview bots (counting
// nothing); its Download button counts once; programs keep getting the object.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { PAGE_SCRIPT_HASH } from '../../src/pages/page-script'
import { call, createKey, expectError, FULL_SCOPE, ORIGIN } from '../helpers'
import { insertLegacyShare } from './helpers'

const BROWSER = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'User-Agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
}

/** What chat apps send when they build a link preview (their published or observed agents). */
const PREVIEW_BOTS: Record<string, Record<string, string>> = {
  slack: { 'User-Agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
  discord: {
    'User-Agent': 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
    Accept: '*/*',
  },
  twitter: { 'User-Agent': 'Twitterbot/1.0' },
  facebook: {
    'User-Agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    Accept: '*/*',
  },
  whatsapp: { 'User-Agent': 'WhatsApp/2.23.20.0 A' },
  telegram: { 'User-Agent': 'TelegramBot (like TwitterBot)' },
  linkedin: {
    'User-Agent':
      'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  },
  teams: {
    'User-Agent':
      'Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2272.118 Safari/537.36 SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com',
  },
  mastodon: { 'User-Agent': 'http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)' },
  iMessage: {
    'User-Agent':
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
  },
  google: {
    'User-Agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  },
}

type ShareAnswer = { id: string; url: string; page: boolean; downloads: number }

async function setup(body: Record<string, unknown>, content = 'the quarterly numbers') {
  const key = `pages/${crypto.randomUUID()}/q3 report.pdf`
  await env.BUCKET_LOCAL.put(key, content, { httpMetadata: { contentType: 'application/pdf' } })
  const { key: token } = await createKey(FULL_SCOPE)
  const response = await call('/v1/shares', { token, json: { bucket: 'local', key, ...body } })
  expect(response.status).toBe(201)
  const share = (await response.json()) as ShareAnswer
  const downloads = async () => {
    const read = await call(`/v1/shares/${share.id}`, { token })
    return ((await read.json()) as ShareAnswer).downloads
  }
  const uses = async () => {
    const read = await call(`/v1/shares/${share.id}/uses`, { token })
    return ((await read.json()) as { uses: { outcome: string }[] }).uses.map((use) => use.outcome)
  }
  return { share, token, downloads, uses, key }
}

describe('share pages', () => {
  it('are on by default for counted links, off otherwise, and can be chosen', async () => {
    expect((await setup({ maxDownloads: 1 })).share.page).toBe(true)
    expect((await setup({})).share.page).toBe(false)
    expect((await setup({ maxDownloads: 1, page: false })).share.page).toBe(false)
    expect((await setup({ page: true })).share.page).toBe(true)
  })

  it('show link-preview bots the page and never count a use', async () => {
    const { share, downloads, uses } = await setup({ maxDownloads: 1 })
    for (const [bot, headers] of Object.entries(PREVIEW_BOTS)) {
      for (const method of ['GET', 'HEAD']) {
        const response = await call(`/s/${share.id}`, { method, headers })
        expect(response.status, `${bot} ${method}`).toBe(200)
        expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8')
        expect(response.headers.get('Location')).toBeNull()
        if (method === 'GET') {
          const page = await response.text()
          expect(page).toContain('<meta property="og:title" content="q3 report.pdf"/>')
        }
      }
    }
    expect(await downloads()).toBe(0)
    expect((await uses()).every((outcome) => outcome === 'viewed')).toBe(true)
    // The one click then downloads.
    const clicked = await call(`/s/${share.id}`, { method: 'POST', headers: BROWSER })
    expect(clicked.status).toBe(303)
    const object = await call((clicked.headers.get('Location') as string).slice(ORIGIN.length))
    expect(await object.text()).toBe('the quarterly numbers')
    expect(await downloads()).toBe(1)
  })

  it('show a browser the page; the Download button downloads once and uses the link up', async () => {
    const { share, downloads } = await setup({ maxDownloads: 1, filename: 'Q3 <numbers>.pdf' })
    const page = await call(`/s/${share.id}`, { headers: BROWSER })
    expect(page.status).toBe(200)
    expect(page.headers.get('Cache-Control')).toBe('no-store')
    expect(page.headers.get('Referrer-Policy')).toBe('no-referrer')
    expect(page.headers.get('X-Robots-Tag')).toBe('noindex, nofollow')
    expect(page.headers.get('Content-Security-Policy')).toBe(
      `default-src 'none'; script-src ${PAGE_SCRIPT_HASH}; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
    )
    const text = await page.text()
    expect(text.startsWith('<!doctype html><html lang="en">')).toBe(true)
    // The share's own facts, escaped; no bucket, no key path, no script.
    expect(text).toContain('<h1>Q3 &lt;numbers&gt;.pdf</h1>')
    expect(text).toContain('21 B')
    expect(text).toContain('1 download left')
    expect(text).toContain(`<form method="post" action="/s/${share.id}">`)
    expect(text).toContain('<button type="submit">Download</button>')
    expect(text).not.toContain('local')
    expect(text).not.toContain('pages/')
    // One script: the page's own, allowed by its hash.
    expect(text.split('<script').length - 1).toBe(1)
    // Opening it again changes nothing.
    expect((await call(`/s/${share.id}`, { headers: BROWSER })).status).toBe(200)
    expect(await downloads()).toBe(0)

    const clicked = await call(`/s/${share.id}`, { method: 'POST', headers: BROWSER })
    expect(clicked.status).toBe(303)
    const location = clicked.headers.get('Location') as string
    expect(location).toMatch(/^http:\/\/signet\.test\/s3\/local\/pages\//)
    expect(await downloads()).toBe(1)
    const object = await call(location.slice('http://signet.test'.length))
    expect(object.status).toBe(200)
    expect(await object.text()).toBe('the quarterly numbers')

    // Used up: the page says so (410), and so does another click.
    const after = await call(`/s/${share.id}`, { headers: BROWSER })
    expect(after.status).toBe(410)
    expect(await after.text()).toContain('Link used up')
    expect((await call(`/s/${share.id}`, { method: 'POST', headers: BROWSER })).status).toBe(410)
  })

  it('stream the bytes from the button in proxy mode', async () => {
    const { share, downloads } = await setup({ maxDownloads: 2, mode: 'proxy' })
    const page = await call(`/s/${share.id}`, { headers: BROWSER })
    expect(await page.text()).toContain('2 downloads left')
    const clicked = await call(`/s/${share.id}`, { method: 'POST', headers: BROWSER })
    expect(clicked.status).toBe(200)
    expect(await clicked.text()).toBe('the quarterly numbers')
    expect(await downloads()).toBe(1)
  })

  it('leave programs as they were: curl and SDKs get the object and count', async () => {
    const { share, downloads } = await setup({ maxDownloads: 3 })
    for (const headers of [{ 'User-Agent': 'curl/8.5.0', Accept: '*/*' }, {}]) {
      const response = await call(`/s/${share.id}`, { headers })
      expect(response.status).toBe(302)
    }
    expect(await downloads()).toBe(2)
  })

  it('leave shares without a page as they were, also for browsers and bots', async () => {
    const { share, downloads } = await setup({ maxDownloads: 5, page: false })
    expect((await call(`/s/${share.id}`, { headers: BROWSER })).status).toBe(302)
    expect((await call(`/s/${share.id}`, { headers: PREVIEW_BOTS.slack ?? {} })).status).toBe(302)
    expect(await downloads()).toBe(2)
  })

  it('refuse before showing: revoked, expired, outside the CIDRs, missing object', async () => {
    const revoked = await setup({ maxDownloads: 1 })
    expect(
      (await call(`/v1/shares/${revoked.share.id}`, { method: 'DELETE', token: revoked.token }))
        .status,
    ).toBe(204)
    const gone = await call(`/s/${revoked.share.id}`, { headers: BROWSER })
    expect(gone.status).toBe(410)
    expect(await gone.text()).toContain('Link revoked')

    const bound = await setup({ maxDownloads: 1, allowIps: ['198.51.100.0/24'] })
    const outside = await call(`/s/${bound.share.id}`, { headers: BROWSER, ip: '203.0.113.9' })
    expect(outside.status).toBe(403)
    expect(
      (await call(`/s/${bound.share.id}`, { headers: BROWSER, ip: '198.51.100.7' })).status,
    ).toBe(200)

    // A pinned share whose object went: the file changed; one that follows its key: not found.
    const missing = await setup({ maxDownloads: 1 })
    await env.BUCKET_LOCAL.delete(missing.key)
    const none = await call(`/s/${missing.share.id}`, { headers: BROWSER })
    expect(none.status).toBe(410)
    expect(await none.text()).toContain('File changed')
    const following = await setup({ maxDownloads: 1, pin: false })
    await env.BUCKET_LOCAL.delete(following.key)
    const absent = await call(`/s/${following.share.id}`, { headers: BROWSER })
    expect(absent.status).toBe(404)
    expect(await absent.text()).toContain('Link not found')
    // JSON for programs, as before.
    await expectError(await call(`/s/${revoked.share.id}`), 410, 'share_revoked')
  })

  it('audit what they answered: a page of a changed or missing object is no view', async () => {
    const pinned = await setup({ maxDownloads: 1 })
    await env.BUCKET_LOCAL.put(pinned.key, 'another report')
    expect((await call(`/s/${pinned.share.id}`, { headers: BROWSER })).status).toBe(410)
    expect(await pinned.uses()).toEqual(['changed'])
    const following = await setup({ maxDownloads: 1, pin: false })
    await env.BUCKET_LOCAL.delete(following.key)
    expect((await call(`/s/${following.share.id}`, { headers: BROWSER })).status).toBe(404)
    expect(await following.uses()).toEqual(['not_found_in_store'])
    const stats = await call(`/v1/shares/${following.share.id}/stats`, { token: following.token })
    expect(((await stats.json()) as { views: number }).views).toBe(0)
  })

  it('leave shares made before pages existed as they were', async () => {
    const { id: owner } = await createKey(FULL_SCOPE)
    const key = 'pages/legacy.txt'
    await env.BUCKET_LOCAL.put(key, 'legacy')
    // A D1 row from before the page column had a value: the default 0.
    const { id } = await insertLegacyShare({ owner: `key:${owner}`, key, maxDownloads: 1 })
    expect((await call(`/s/${id}`, { headers: BROWSER })).status).toBe(302)
  })
})
