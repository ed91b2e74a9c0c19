// Signet's small public pages as they are rendered: the one inline script's CSP hash is its
// text's, the brand names and colours a page (and its logo is the only other image source),
// times read as words beside the date, sizes in binary units, and the password page keeps the
// file's name out of its title and link-preview tags.
import { describe, expect, it } from 'vitest'
import { parseBrand } from '../src/config/brand'
import { formatRelative, formatSize } from '../src/lib/sizes'
import { html, pageCsp, When, withLogo } from '../src/pages/layout'
import { PAGE_SCRIPT, PAGE_SCRIPT_HASH } from '../src/pages/page-script'
import { PasswordPage } from '../src/pages/password-page'
import { SharePage } from '../src/pages/share-page'
import type { SharePageFacts } from '../src/share/results'
import { insertLegacyShare } from './share/helpers'

async function sha256Base64(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
}

describe('the pages', () => {
  it("allow their one inline script by its text's hash", async () => {
    expect(PAGE_SCRIPT_HASH).toBe(`'sha256-${await sha256Base64(PAGE_SCRIPT)}'`)
    expect(pageCsp()).toContain(`script-src ${PAGE_SCRIPT_HASH};`)
    // Served exactly as hashed: not escaped on the way into the page.
    const page = await html(PasswordPage({ name: 'a', note: 'b', action: '/s/x', wrong: false }))
    expect(page).toContain(`<script>${PAGE_SCRIPT}</script>`)
  })

  it('say sizes in binary units and times as words', () => {
    expect(formatSize(1536)).toBe('1.5 KiB')
    expect(formatSize(5 * 1024 ** 3)).toBe('5.0 GiB')
    const now = Date.UTC(2026, 11, 7, 12)
    expect(formatRelative(now + 3 * 86_400_000, now)).toBe('in 3 days')
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 minutes ago')
    expect(formatRelative(now + 86_400_000, now)).toBe('tomorrow')
    expect(String(When({ at: now + 3 * 86_400_000, now }))).toBe(
      '<span class="when"><time datetime="2026-12-10T12:00:00.000Z">in 3 days</time> <span class="zoned">(2026-12-10 12:00 UTC)</span></span>',
    )
  })

  it('carry the brand: its name, colour and logo, and a CSP allowing exactly that logo', async () => {
    const { brand } = parseBrand(
      '{"name":"Acme <Files>","color":"#0a7","logoUrl":"https://cdn.acme.example/logo.svg"}',
    )
    const share = await insertLegacyShare({ message: 'Hello & <welcome>\nline two' })
    const facts = { share, size: 2.5 * 1024 * 1024, preview: null } as unknown as SharePageFacts
    const page = await html(SharePage({ facts }), brand)
    expect(page).toContain('<img src="https://cdn.acme.example/logo.svg" alt="Acme &lt;Files&gt;"')
    expect(page).toContain('--accent: #0a7;')
    expect(page).toContain('<meta property="og:site_name" content="Acme &lt;Files&gt;"/>')
    expect(page).toContain('Hello &amp; &lt;welcome&gt;\nline two')
    expect(page).toContain('2.5 MiB')
    expect(page).toMatch(/<time datetime="[^"]+">in \d+ minutes<\/time>/)
    expect(page).toContain('<link rel="icon" href="/favicon.ico" type="image/svg+xml"/>')
    expect(withLogo(pageCsp(), brand)).toContain(
      "img-src 'self' https://cdn.acme.example/logo.svg;",
    )
    expect(withLogo(pageCsp(), null)).toBe(pageCsp())
    // Without a brand: Signet's own look, no logo.
    expect(await html(SharePage({ facts }))).not.toContain('class="brand"')
  })

  it('refuse a brand they cannot show safely, naming what is wrong', () => {
    expect(parseBrand('{"color":"red; background: url(x)"}').problem).toMatch(/color/)
    expect(parseBrand('{"logoUrl":"http://insecure.example/l.png"}').problem).toMatch(/logoUrl/)
    expect(parseBrand('{"logoUrl":"https://x.example/a b"}').problem).toMatch(/logoUrl/)
    expect(parseBrand('{"name":"x","extra":1}').problem).toBeDefined()
    expect(parseBrand('not json').problem).toBe('is not JSON')
    expect(parseBrand('{"logoUrl":"/brand/logo.png"}').brand?.logoUrl).toBe('/brand/logo.png')
  })

  it("keep a password link's file name out of the title and link-preview tags", async () => {
    const page = await html(
      PasswordPage({ name: 'secret-merger.pdf', note: 'Protected', action: '/s/x', wrong: false }),
    )
    const head = page.slice(0, page.indexOf('</head>'))
    expect(head).not.toContain('secret-merger')
    expect(head).toContain('<title>Password required</title>')
  })
})
