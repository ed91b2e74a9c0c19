// The console and the public pages as people meet them, in real Chromium at 360×780 (touch) and
// 1280×900: every view (Send, Receive, Links, Activity) in every state (empty, after a link, with
// 20 links of long Unicode names), folded and unfolded, never scrolls sideways; the first view
// fits in three screens on a phone; touch targets are 44 px; a touch-only phone is never told to
// drop files; axe finds nothing serious anywhere. The admin token signs in and mints a key it can
// use at once; Revoke asks (and a "no" revokes nothing); Edit saves through PATCH; the share page
// carries the brand, the message, the expiry as words and binary units.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import type { Browser, Dialog, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, screenshot, seriousViolations, watchedPage } from './browser'
import { haveChromium } from './chromium'
import { type SignetServer, startSignet } from './miniflare-server'
import { callApi, createApiKey } from './worker-server'

const BRAND = { name: 'Acme Files', color: '#0b6b3a' }
const PHONE = { width: 360, height: 780, hasTouch: true, isMobile: true, deviceScaleFactor: 1 }
const DESKTOP = { width: 1280, height: 900 }
const VIEWS = ['Send', 'Receive', 'Links', 'Activity'] as const

describe.skipIf(!haveChromium('console-views'))('the console for people, in Chromium', () => {
  let server: SignetServer
  let browser: Browser
  let token = ''
  const dir = mkdtempSync(join(tmpdir(), 'signet-console-views-'))
  // A team's Cloudflare Access keys, made here and served on loopback as its JWKS.
  let jwks: Server
  let accessKey: CryptoKey

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256')
    accessKey = pair.privateKey as CryptoKey
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'access-1', alg: 'ES256' }
    jwks = createServer((_, response) => {
      response.setHeader('Content-Type', 'application/json')
      response.end(JSON.stringify({ keys: [publicJwk] }))
    })
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
    const { port } = jwks.address() as AddressInfo
    server = await startSignet({
      SIGNET_BRAND: JSON.stringify(BRAND),
      SIGNET_EMAIL_FROM: 'signet@example.com',
      SIGNET_JWT: JSON.stringify({
        issuer: 'https://team.cloudflareaccess.com',
        audience: 'signet-access-aud',
        jwksUrl: `http://127.0.0.1:${port}/certs`,
        cloudflareAccess: true,
        scope: { buckets: ['local'], prefixes: ['people/'], operations: ['get', 'put', 'share'] },
      }),
    })
    browser = await launch()
    token = await createApiKey(server, 'Robin', {
      buckets: ['local'],
      prefixes: ['people/'],
      operations: ['get', 'head', 'put', 'share', 'multipart'],
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    jwks?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function signedInPage(viewport: typeof PHONE | typeof DESKTOP, as = token) {
    const { page, watch } = await watchedPage(browser, server.origin)
    await page.setViewport(viewport)
    if ('hasTouch' in viewport) {
      // A touch-only phone: no hovering pointer to drag files with.
      const cdp = await page.createCDPSession()
      await cdp.send('Emulation.setEmulatedMedia', {
        features: [
          { name: 'any-hover', value: 'none' },
          { name: 'any-pointer', value: 'coarse' },
          { name: 'hover', value: 'none' },
          { name: 'pointer', value: 'coarse' },
        ],
      })
    }
    await page.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' })
    await page.type('#api-key', as)
    await page.click('::-p-aria([name="Sign in"][role="button"])')
    await page.waitForSelector('#who:not([hidden])')
    await page.waitForNetworkIdle()
    return { page, watch }
  }

  async function view(page: Page, name: string) {
    await page.click(`::-p-aria([name="${name}"][role="tab"])`)
    await page.waitForSelector(`#view-${name.toLowerCase()}:not([hidden])`)
    await page.waitForNetworkIdle()
  }

  /** What scrolls sideways (the page's width past the viewport's), and what sticks out. */
  function overflow(page: Page) {
    return page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      width: window.innerWidth,
      sticking: [...document.querySelectorAll('body *')]
        .filter((node) => {
          const box = node.getBoundingClientRect()
          return box.width > 0 && box.right > window.innerWidth + 0.5
        })
        .map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className}`)
        .slice(0, 5),
    }))
  }

  /** Controls people touch that are smaller than 44 px in either direction. */
  function smallTargets(page: Page) {
    return page.evaluate(() =>
      [
        ...document.querySelectorAll(
          'button, select, input:not([type=checkbox]):not([type=file]), summary, label.button',
        ),
      ]
        .filter((node) => {
          const box = node.getBoundingClientRect()
          return box.width > 0 && (box.height < 44 || box.width < 44)
        })
        .map((node) => `${node.tagName.toLowerCase()}#${node.id} ${node.textContent?.trim()}`),
    )
  }

  async function everyViewFits(page: Page, state: string) {
    for (const name of VIEWS) {
      await view(page, name)
      for (const unfolded of [false, true]) {
        if (unfolded) {
          await page.$$eval('details', (all) => {
            for (const details of all) (details as HTMLDetailsElement).open = true
          })
        }
        const seen = await overflow(page)
        expect(seen, `${name}, ${state}, ${unfolded ? 'unfolded' : 'folded'}`).toMatchObject({
          scrollWidth: seen.width,
          sticking: [],
        })
      }
      expect(await smallTargets(page), `${name}, ${state}`).toEqual([])
      expect(await seriousViolations(page), `${name}, ${state}`).toEqual([])
      await page.$$eval('details', (all) => {
        for (const details of all) (details as HTMLDetailsElement).open = false
      })
    }
  }

  it('the admin token signs in, mints a key with the scope builder, and uses it here', async () => {
    const { page, watch } = await signedInPage(DESKTOP, server.adminToken)
    expect(await page.$eval('#who-name', (node) => node.textContent)).toBe('the admin')
    // The admin opens on Keys; Send says how to send.
    expect(await page.$eval('#tab-keys', (node) => node.getAttribute('aria-selected'))).toBe('true')
    await page.type('#key-name', 'Sam at the front desk')
    await page.select('#key-preset', 'share')
    await page.type('#key-prefixes', 'desk/')
    await page.type('#key-expiry', '7d')
    await page.click('::-p-aria([name="Create key"])')
    await page.waitForSelector('#new-key:not([hidden])')
    const key = await page.$eval('#new-key-text', (node) => node.textContent ?? '')
    expect(key).toMatch(/^sgn_/)
    expect(await page.$eval('#keys-list', (node) => node.textContent)).toContain(
      'Sam at the front desk',
    )
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, 'console-keys')
    const listed = await callApi<{ keys: { name: string; scope: Record<string, unknown> }[] }>(
      server,
      server.adminToken,
      'GET',
      '/v1/keys',
    )
    expect(listed.body.keys.find((k) => k.name === 'Sam at the front desk')?.scope).toEqual({
      buckets: ['local'],
      operations: ['get', 'head', 'put', 'share', 'multipart'],
      prefixes: ['desk/'],
      maxExpiresIn: 604_800,
    })
    await page.click('::-p-aria([name="Use this key here"])')
    await page.waitForFunction(
      () => document.getElementById('who-name')?.textContent === 'Sam at the front desk',
    )
    expect(await page.$eval('#tab-keys', (node) => (node as HTMLElement).hidden)).toBe(true)
    expect(await page.$eval('#tab-send', (node) => node.getAttribute('aria-selected'))).toBe('true')
    expect(await page.$eval('#quick-drop', (node) => (node as HTMLElement).hidden)).toBe(false)
    expect(watch.errors).toEqual([])
    expect(watch.foreign).toEqual([])
    await page.close()
  }, 60_000)

  it('signs in by itself behind Cloudflare Access, as the person Access names', async () => {
    const assertion = await new SignJWT({ email: 'robin@example.com' })
      .setProtectedHeader({ alg: 'ES256', kid: 'access-1' })
      .setSubject('0b6f3c1e-access-user')
      .setIssuer('https://team.cloudflareaccess.com')
      .setAudience('signet-access-aud')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(accessKey)
    const { page, watch } = await watchedPage(browser, server.origin)
    await page.setViewport(DESKTOP)
    // What Access adds to every request that passes it.
    await page.setExtraHTTPHeaders({ 'Cf-Access-Jwt-Assertion': assertion })
    await page.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' })
    await page.waitForSelector('#who:not([hidden])')
    expect(await page.$eval('#who-name', (node) => node.textContent)).toBe('robin@example.com')
    expect(await page.$eval('#sign-in', (node) => (node as HTMLElement).hidden)).toBe(true)
    expect(await page.evaluate(() => sessionStorage.getItem('signet.apiKey'))).toBe('')
    expect(watch.errors).toEqual([])
    await page.close()
    // Without Access's header, the page asks for a key as ever.
    const { page: plain, watch: plainWatch } = await watchedPage(browser, server.origin)
    await plain.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' })
    expect(await plain.$eval('#sign-in', (node) => (node as HTMLElement).hidden)).toBe(false)
    expect(plainWatch.errors).toEqual([])
    expect(plainWatch.requests.some((request) => request.includes('/v1/'))).toBe(false)
    await plain.close()
  }, 60_000)

  it('fits every view in every state at 360 (touch) and 1280, with no sideways scroll', async () => {
    for (const [viewport, label] of [
      [PHONE, '360'],
      [DESKTOP, '1280'],
    ] as const) {
      const { page, watch } = await signedInPage(viewport)
      await everyViewFits(page, `${label}, empty`)
      await page.close()
      expect(watch.errors, label).toEqual([])
    }
    // After a link and an upload link.
    await callApi(server, token, 'POST', '/v1/shares', {
      bucket: 'local',
      key: 'people/first.pdf',
      pin: false,
      message: 'The first one',
    })
    await callApi(server, token, 'POST', '/v1/upload-links', {
      bucket: 'local',
      prefix: 'people/inbox/',
      maxFiles: 3,
    })
    for (const viewport of [PHONE, DESKTOP]) {
      const { page } = await signedInPage(viewport)
      await everyViewFits(page, `${viewport.width}, after a link`)
      await page.close()
    }
    // Twenty links with long Unicode names.
    const long =
      'Ünïcödé-Dateiname-ohne-Leerzeichen-für-ein-sehr-langes-Dokument-日本語のファイル名'
    for (let n = 0; n < 20; n++) {
      const made = await callApi(server, token, 'POST', '/v1/shares', {
        bucket: 'local',
        key: `people/${long}-${n}.pdf`,
        pin: false,
        maxDownloads: 3,
      })
      expect(made.status).toBe(201)
    }
    for (const viewport of [PHONE, DESKTOP]) {
      const { page } = await signedInPage(viewport)
      await everyViewFits(page, `${viewport.width}, 20 long links`)
      await view(page, 'Links')
      await screenshot(page, `console-links-${viewport.width}`, true)
      await page.close()
    }
  }, 180_000)

  it('opens on Send, which fits in three screens on a phone and says nothing of dropping', async () => {
    const { page } = await signedInPage(PHONE)
    expect(await page.$eval('#tab-send', (node) => node.getAttribute('aria-selected'))).toBe('true')
    const height = await page.evaluate(() => document.documentElement.scrollHeight)
    expect(height).toBeLessThanOrEqual(3 * PHONE.height)
    expect(await page.$eval('.drop-words', (node) => (node as HTMLElement).hidden)).toBe(true)
    await screenshot(page, 'console-send-360', true)
    await page.close()
    const { page: desktop } = await signedInPage(DESKTOP)
    expect(await desktop.$eval('.drop-words', (node) => (node as HTMLElement).hidden)).toBe(false)
    await screenshot(desktop, 'console-send-1280', true)
    await desktop.close()
  }, 60_000)

  it('asks before revoking (a "no" revokes nothing) and saves an edit through PATCH', async () => {
    const made = await callApi<{ id: string }>(server, token, 'POST', '/v1/shares', {
      bucket: 'local',
      key: 'people/to-edit.pdf',
      pin: false,
      maxDownloads: 2,
    })
    const { id } = made.body
    const { page, watch } = await signedInPage(DESKTOP)
    await view(page, 'Links')
    const row = `tr[data-share="${id}"]`
    await page.waitForSelector(row)
    // Danger is not primary: Revoke looks nothing like Create link.
    const looks = await page.$eval(`${row} button.danger`, (node) => {
      const style = getComputedStyle(node)
      return { text: node.textContent, background: style.backgroundColor }
    })
    expect(looks.text).toBe('Revoke')
    expect(looks.background).toBe('rgba(0, 0, 0, 0)')
    const asked = new Promise<string>((resolve) =>
      page.once('dialog', async (dialog: Dialog) => {
        resolve(dialog.message())
        await dialog.dismiss()
      }),
    )
    await page.click(`${row} ::-p-aria([name="Revoke the link to people/to-edit.pdf"])`)
    expect(await asked).toContain('people/to-edit.pdf')
    await page.waitForNetworkIdle()
    const still = await callApi<{ revokedAt: string | null }>(
      server,
      token,
      'GET',
      `/v1/shares/${id}`,
    )
    expect(still.body.revokedAt).toBeNull()

    await page.click(`${row} ::-p-aria([name="Edit the link to people/to-edit.pdf"])`)
    await page.waitForSelector('#edit[open]')
    const cap = await page.waitForSelector('#edit ::-p-aria([name="Max downloads"])')
    expect(await cap?.evaluate((node) => (node as HTMLInputElement).value)).toBe('2')
    expect(await seriousViolations(page)).toEqual([])
    await cap?.click({ count: 3 })
    await page.keyboard.type('5')
    await page.type('#edit-message', 'Now five, with a note')
    // Mail is set up here: the form offers it, by its name.
    await page.type('#edit ::-p-aria([name="Mail me at"])', 'robin@example.com, sam@example.com')
    const patched = page.waitForResponse(
      (response) => response.request().method() === 'PATCH' && response.url().endsWith(id),
    )
    await page.click('#edit ::-p-aria([name="Save"])')
    expect((await patched).status()).toBe(200)
    await page.waitForSelector('#edit:not([open])')
    const edited = await callApi<{ maxDownloads: number; message: string; notify: string[] }>(
      server,
      token,
      'GET',
      `/v1/shares/${id}`,
    )
    expect(edited.body).toMatchObject({
      maxDownloads: 5,
      message: 'Now five, with a note',
      notify: ['robin@example.com', 'sam@example.com'],
    })
    await page.waitForFunction(
      (selector) => document.querySelector(`${selector} td:nth-child(3)`)?.textContent === '0 of 5',
      {},
      row,
    )
    expect(watch.errors).toEqual([])
    await page.close()
  }, 60_000)

  it('shows a received file under Activity, and the unread count clears when it is opened', async () => {
    const made = await callApi<{ url: string }>(server, token, 'POST', '/v1/upload-links', {
      bucket: 'local',
      prefix: 'people/activity/',
    })
    const sent = await fetch(`${made.body.url}/invoice.pdf`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/pdf', 'Signet-Sender': 'Sam' },
      body: new Uint8Array(2048),
    })
    expect(sent.status).toBe(201)
    // The events queue carries it to the feed within seconds.
    const deadline = Date.now() + 20_000
    for (;;) {
      const events = await callApi<{ events: { type: string; data: { key: string } }[] }>(
        server,
        token,
        'GET',
        '/v1/events',
      )
      if (events.body.events.some((event) => event.data.key === 'people/activity/invoice.pdf'))
        break
      if (Date.now() > deadline) throw new Error('the event never reached /v1/events')
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const { page } = await signedInPage(DESKTOP)
    const badge = await page.$eval('#unread', (node) => ({
      hidden: (node as HTMLElement).hidden,
      count: Number(node.textContent),
    }))
    expect(badge.hidden).toBe(false)
    expect(badge.count).toBeGreaterThanOrEqual(1)
    await view(page, 'Activity')
    expect(await page.$eval('#activity-list', (node) => node.textContent)).toContain(
      'Received invoice.pdf (2.0 KiB) from Sam',
    )
    expect(await page.$eval('#unread', (node) => (node as HTMLElement).hidden)).toBe(true)
    expect(await seriousViolations(page)).toEqual([])
    await page.close()
  }, 60_000)

  it('shows the share page with the brand, the message, the expiry in words and binary units', async () => {
    const bucket = await server.mf.getR2Bucket('BUCKET_LOCAL')
    await bucket.put('people/plan.pdf', new Uint8Array(3 * 1024 * 1024 + 512 * 1024), {
      httpMetadata: { contentType: 'application/pdf' },
    })
    const made = await callApi<{ url: string }>(server, token, 'POST', '/v1/shares', {
      bucket: 'local',
      key: 'people/plan.pdf',
      expiresIn: '3d',
      maxDownloads: 2,
      message: 'The plan for Monday <b>not bold</b>',
    })
    for (const viewport of [PHONE, DESKTOP]) {
      const { page, watch } = await watchedPage(browser, server.origin)
      await page.setViewport(viewport)
      await page.goto(made.body.url, { waitUntil: 'networkidle0' })
      const shown = await page.evaluate(() => ({
        brand: document.querySelector('.brand')?.textContent,
        accent: getComputedStyle(document.querySelector('button') as Element).backgroundColor,
        message: document.querySelector('.note')?.textContent,
        expires: document.querySelector('.when time')?.textContent,
        zoned: document.querySelector('.when .zoned')?.textContent,
        text: document.body.textContent ?? '',
        icon: document.querySelector('.filetype')?.textContent,
        favicon: document.querySelector('link[rel=icon]')?.getAttribute('href'),
      }))
      expect(shown.brand).toBe('Acme Files')
      expect(shown.accent).toBe('rgb(11, 107, 58)')
      expect(shown.message).toBe('The plan for Monday <b>not bold</b>')
      expect(shown.expires).toMatch(/^in (3 days|72 hours)$/)
      expect(shown.zoned).toMatch(/^\(.+\)$/)
      expect(shown.zoned).not.toContain('UTC')
      expect(shown.text).toContain('3.5 MiB')
      expect(shown.icon).toBe('PDF')
      expect(shown.favicon).toBe('/favicon.ico')
      expect(await overflow(page)).toMatchObject({ scrollWidth: viewport.width, sticking: [] })
      expect(await seriousViolations(page)).toEqual([])
      await screenshot(page, `share-page-${viewport.width}`)
      expect(watch.errors).toEqual([])
      expect(watch.foreign).toEqual([])
      await page.close()
    }
  }, 60_000)
})
