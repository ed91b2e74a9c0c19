// Share pages preview the file inline (image, video, audio, PDF, the start of a text file) for
// shares that count no downloads, through the same checks as a download, audited as previewed,
// and under a page CSP that allows exactly that. A counted share shows none.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createKey, FULL_SCOPE } from '../helpers'
import { createShare, readShare, usesOf } from './helpers'

const BROWSER = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/142.0.0.0 Safari/537.36',
}

async function setup(
  name: string,
  contentType: string,
  body: string | Uint8Array,
  share: Record<string, unknown> = {},
) {
  const key = `previews/${crypto.randomUUID()}/${name}`
  await env.BUCKET_LOCAL.put(key, body, { httpMetadata: { contentType } })
  const { key: token } = await createKey(FULL_SCOPE)
  return { token, key, share: await createShare(token, { key, page: true, ...share }) }
}

async function page(share: { id: string }, headers: Record<string, string> = {}) {
  const response = await call(`/s/${share.id}`, { headers: { ...BROWSER, ...headers } })
  expect(response.status).toBe(200)
  return { html: await response.text(), csp: response.headers.get('Content-Security-Policy') ?? '' }
}

describe('share page previews', () => {
  it.each([
    [
      'photo.png',
      'image/png',
      /<img src="\/s\/[\w-]+\?preview=1" alt="Preview of photo.png"/,
      null,
    ],
    ['clip.mp4', 'video/mp4', /<video src="\/s\/[\w-]+\?preview=1" controls/, "media-src 'self'"],
    ['song.mp3', 'audio/mpeg', /<audio src="\/s\/[\w-]+\?preview=1" controls/, "media-src 'self'"],
    [
      'paper.pdf',
      'application/pdf',
      /<iframe src="\/s\/[\w-]+\?preview=1" title="Preview of paper.pdf"/,
      "frame-src 'self'",
    ],
  ])('shows %s inline, and its CSP allows exactly that', async (name, type, element, source) => {
    const { token, share } = await setup(name, type, 'x'.repeat(2048))
    const { html, csp } = await page(share)
    expect(html).toMatch(element)
    expect(csp).toContain("img-src 'self'")
    for (const directive of ["media-src 'self'", "frame-src 'self'"]) {
      if (directive === source) expect(csp).toContain(directive)
      else expect(csp).not.toContain(directive)
    }
    expect(csp).toContain("default-src 'none'")

    const preview = await call(`/s/${share.id}?preview=1`, { headers: BROWSER })
    expect(preview.status).toBe(200)
    expect(preview.headers.get('Content-Type')).toBe(type)
    expect(preview.headers.get('Content-Disposition')).toBe('inline')
    expect(preview.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(preview.headers.get('Cross-Origin-Resource-Policy')).toBe('same-origin')
    expect(preview.headers.get('Content-Security-Policy')).toBe(
      type === 'application/pdf' ? "frame-ancestors 'self'" : "sandbox; frame-ancestors 'self'",
    )
    expect((await preview.arrayBuffer()).byteLength).toBe(2048)
    const outcomes = (await usesOf(token, share)).uses.map((use) => use.outcome)
    expect(outcomes).toEqual(['viewed', 'previewed'])
    expect((await readShare(token, share)).downloads).toBe(0)
  })

  it('downloads with the page’s button, as an attachment under the name the page shows', async () => {
    const { share } = await setup('photo.png', 'image/png', 'png bytes', { mode: 'proxy' })
    const button = await call(`/s/${share.id}`, { method: 'POST', headers: BROWSER })
    expect(button.status).toBe(200)
    expect(button.headers.get('Content-Disposition')).toBe('attachment; filename="photo.png"')
    expect(await button.text()).toBe('png bytes')
    // A program's GET gets the object as the share says (no disposition of its own).
    const program = await call(`/s/${share.id}`)
    expect(program.headers.get('Content-Disposition')).toBeNull()
    await program.body?.cancel()
  })

  it('serves ranges of a video preview (seeking)', async () => {
    const { share } = await setup('clip.webm', 'video/webm', '0123456789abcdef')
    const response = await call(`/s/${share.id}?preview=1`, { headers: { Range: 'bytes=10-' } })
    expect(response.status).toBe(206)
    expect(response.headers.get('Content-Range')).toBe('bytes 10-15/16')
    expect(await response.text()).toBe('abcdef')
  })

  it('shows the first 64 KiB of a text file in the page itself, escaped, audited as previewed', async () => {
    const text = `<script>alert(1)</script>\n${'line of notes\n'.repeat(8000)}`
    const { token, share } = await setup('notes.txt', 'text/plain; charset=utf-8', text)
    const { html, csp } = await page(share)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>alert')
    // The page's own script, allowed by its hash, is the only one.
    expect(html.split('<script').length - 1).toBe(1)
    expect(html).toContain('Showing the first 64 KiB.')
    expect(html).toMatch(/<section class="text" tabindex="0" aria-label="Preview of notes.txt">/)
    const shown = /<pre>([\s\S]*)<\/pre>/.exec(html)?.[1] ?? ''
    expect(shown.replaceAll('&lt;', '<').replaceAll('&gt;', '>').length).toBe(64 * 1024)
    expect(csp).not.toMatch(/media-src|frame-src/)
    const outcomes = (await usesOf(token, share)).uses.map((use) => use.outcome)
    expect(outcomes).toEqual(['viewed', 'previewed'])
    // A text file is previewed only in the page: its preview URL serves nothing.
    const direct = await call(`/s/${share.id}?preview=1`)
    expect(direct.status).toBe(404)
    await direct.body?.cancel()
  })

  it.each([
    ['drawing.svg', 'image/svg+xml'],
    ['page.html', 'text/html'],
    ['archive.zip', 'application/zip'],
  ])('never previews %s (%s)', async (name, type) => {
    const { token, share } = await setup(name, type, '<svg onload="alert(1)"/>')
    const { html, csp } = await page(share)
    expect(html).not.toContain('?preview=1')
    expect(csp).not.toMatch(/media-src|frame-src/)
    const direct = await call(`/s/${share.id}?preview=1`)
    expect(direct.status).toBe(404)
    await direct.body?.cancel()
    expect((await usesOf(token, share)).uses.map((use) => use.outcome)).toEqual(['viewed'])
  })

  it('shows no preview on a counted share, and says why; ?preview is no way around the count', async () => {
    const { token, share } = await setup('photo.png', 'image/png', 'png bytes', { maxDownloads: 2 })
    const { html } = await page(share)
    expect(html).not.toContain('?preview=1')
    expect(html).toContain('No preview here: this link allows a set number of downloads')
    // A browser asking for the preview gets the page; a program gets a counted download.
    const browser = await call(`/s/${share.id}?preview=1`, { headers: BROWSER })
    expect(await browser.text()).toContain('<h1>photo.png</h1>')
    const program = await call(`/s/${share.id}?preview=1`)
    expect(program.status).toBe(302)
    expect((await readShare(token, share)).downloads).toBe(1)
    const outcomes = (await usesOf(token, share)).uses.map((use) => use.outcome)
    expect(outcomes).not.toContain('previewed')
  })

  it('goes through the same checks as a download: revocation, expiry, CIDRs, password, pinning', async () => {
    const revoked = await setup('a.png', 'image/png', 'png')
    await call(`/v1/shares/${revoked.share.id}`, { token: revoked.token, method: 'DELETE' })
    expect((await call(`/s/${revoked.share.id}?preview=1`)).status).toBe(410)

    const fenced = await setup('b.png', 'image/png', 'png', { allowIps: ['192.0.2.0/24'] })
    expect((await call(`/s/${fenced.share.id}?preview=1`, { ip: '198.51.100.1' })).status).toBe(403)
    const inside = await call(`/s/${fenced.share.id}?preview=1`, { ip: '192.0.2.7' })
    expect(inside.status).toBe(200)
    await inside.body?.cancel()

    const locked = await setup('c.png', 'image/png', 'png', { password: 'open sesame 123' })
    const refused = await call(`/s/${locked.share.id}?preview=1`)
    expect(refused.status).toBe(401)
    await refused.body?.cancel()
    const entry = await call(`/s/${locked.share.id}`, {
      method: 'POST',
      headers: { ...BROWSER, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'password=open+sesame+123',
    })
    const cookie = (entry.headers.get('Set-Cookie') ?? '').split(';')[0] ?? ''
    const { html } = await page(locked.share, { Cookie: cookie })
    expect(html).toContain('?preview=1')
    const allowed = await call(`/s/${locked.share.id}?preview=1`, { headers: { Cookie: cookie } })
    expect(allowed.status).toBe(200)
    await allowed.body?.cancel()

    const pinned = await setup('d.png', 'image/png', 'the first picture')
    await env.BUCKET_LOCAL.put(pinned.key, 'another picture', {
      httpMetadata: { contentType: 'image/png' },
    })
    const changed = await call(`/s/${pinned.share.id}?preview=1`)
    expect(changed.status).toBe(410)
    expect(((await changed.json()) as { error: { code: string } }).error.code).toBe('share_changed')
    // Refused as changed, and audited as what it was.
    const audit = await usesOf(pinned.token, pinned.share)
    expect(audit.uses.map((use) => use.outcome)).toEqual(['changed'])
  })
})
