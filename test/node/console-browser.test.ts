// The console and share pages in headless Chromium, as a person uses them: sign in with the
// keyboard, upload 20 MiB with the progress bar moving, create a link with one download, open it
// in a second browser context and download it (bytes equal), see it used up in "My links",
// revoke another link (it answers 410), cancel a multipart upload (nothing left), sign out.
// Every page is checked for console errors, foreign requests and serious axe violations, at
// desktop width and at 360 px. Screenshots go to test-results/screenshots.
import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Dialog, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, screenshot, seriousViolations, type Watch, watchedPage } from './browser'
import { haveChromium } from './chromium'
import { type SignetServer, startSignet } from './miniflare-server'
import { callApi, createApiKey } from './worker-server'

const MiB = 1024 * 1024
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 15_000,
): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

describe.skipIf(!haveChromium('console-browser'))('the console and share pages in Chromium', () => {
  let server: SignetServer
  let browser: Browser
  let token = ''
  const dir = mkdtempSync(join(tmpdir(), 'signet-console-'))
  const watches: [string, Watch][] = []

  async function open(path: string, name: string, context?: { newPage(): Promise<Page> }) {
    const { page, watch } = await watchedPage(context ?? browser, server.origin)
    watches.push([name, watch])
    await page.setViewport({ width: 1100, height: 900 })
    await page.goto(`${server.origin}${path}`, { waitUntil: 'networkidle0' })
    return page
  }

  /** Signs in with the test's key by clicking, as most people do. */
  async function signIn(page: Page) {
    await page.type('#api-key', token)
    await page.click('#sign-in-form button[type=submit]')
    await page.waitForSelector('#who:not([hidden])')
  }

  /** Opens every folded part of the page (link options, upload to a bucket…). */
  async function unfold(page: Page) {
    await page.$$eval('details', (all) => {
      for (const details of all) (details as HTMLDetailsElement).open = true
    })
  }

  /** Shows a view by its tab (Send, Receive, Links, Activity). */
  async function view(page: Page, name: string) {
    await page.click(`::-p-aria([name="${name}"][role="tab"])`)
    await page.waitForSelector(`[role="tabpanel"]:not([hidden]) h1`)
  }

  /** Answers the next confirm() the page asks: yes or no. Returns what it asked. */
  function answerConfirm(page: Page, yes: boolean): Promise<string> {
    return new Promise((resolve) => {
      page.once('dialog', async (dialog: Dialog) => {
        resolve(dialog.message())
        await (yes ? dialog.accept() : dialog.dismiss())
      })
    })
  }

  /** Writes `bytes` to a file named `name` and chooses it in the page's file input. */
  async function chooseFile(page: Page, name: string, bytes: Uint8Array) {
    const file = join(dir, name)
    writeFileSync(file, bytes)
    const input = await page.$('#file')
    await (input as NonNullable<typeof input>).uploadFile(file)
  }

  const text = (page: Page, selector: string) =>
    page.$eval(selector, (node) => (node as HTMLElement).textContent)

  beforeAll(async () => {
    server = await startSignet()
    browser = await launch()
    token = await createApiKey(server, 'console person', {
      buckets: ['local'],
      prefixes: ['console/'],
      operations: ['get', 'head', 'put', 'share', 'multipart'],
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('shows a wrong API key as words, then signs in with the keyboard alone', async () => {
    const page = await open('/console', 'console sign-in')
    await page.keyboard.press('Tab')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('api-key')
    await page.keyboard.type('sgn_not-a-real-key')
    await page.keyboard.press('Enter')
    await page.waitForSelector('#alert:not([hidden])')
    expect((await text(page, '#alert')).length).toBeGreaterThan(10)
    expect(await page.$eval('#sign-in', (node) => (node as HTMLElement).hidden)).toBe(false)

    await page.click('#api-key', { count: 3 })
    await page.keyboard.type(token)
    await page.keyboard.press('Enter')
    await page.waitForSelector('#who:not([hidden])')
    expect(await text(page, '#who-name')).toBe('console person')
    expect(await page.$eval('#alert', (node) => (node as HTMLElement).hidden)).toBe(true)
    // The key is in this tab's sessionStorage only.
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0)
    expect(await page.evaluate(() => sessionStorage.getItem('signet.apiKey'))).toBe(token)
    await page.close()
  }, 60_000)

  it('uploads 20 MiB with a moving progress bar, shares it once, and the second browser downloads it', async () => {
    const page = await open('/console', 'console')
    await signIn(page)
    await unfold(page)

    const bytes = randomBytes(20 * MiB)
    await chooseFile(page, 'big report.bin', bytes)
    expect(await text(page, '#key-preview')).toBe('console/big report.bin')
    // Slow the upload down so the bar has time to move.
    await page.emulateNetworkConditions({ download: -1, upload: 6 * MiB, latency: 0 })
    const multipart = page.waitForResponse((r) => r.url().endsWith('/v1/multipart'))
    await page.click('#upload')
    const seen = new Set<number>()
    await until(
      'the upload to finish',
      async () => {
        seen.add(await page.$eval('#progress', (node) => (node as HTMLProgressElement).value))
        const done = await text(page, '#progress-text')
        return done.startsWith('Uploaded') ? done : undefined
      },
      60_000,
    )
    await page.emulateNetworkConditions({ download: -1, upload: -1, latency: 0 })
    // Multipart (over the single-PUT size), and the bar showed values between empty and full.
    expect((await multipart).status()).toBe(200)
    const between = [...seen].filter((value) => value > 0 && value < bytes.length)
    expect(between.length).toBeGreaterThanOrEqual(3)
    expect(await text(page, '#progress-text')).toBe('Uploaded console/big report.bin (20.0 MiB).')
    const stored = await (await server.mf.getR2Bucket('BUCKET_LOCAL')).get('console/big report.bin')
    expect(sha256(new Uint8Array(await (stored as R2ObjectBody).arrayBuffer()))).toBe(sha256(bytes))
    // The file's SHA-256, computed in the page, is kept with the object for downloads to check.
    expect(stored?.customMetadata?.sha256).toBe(createHash('sha256').update(bytes).digest('base64'))
    await screenshot(page, 'console-upload')

    // A link with one download.
    expect(await page.$eval('#object', (node) => (node as HTMLInputElement).value)).toBe(
      'console/big report.bin',
    )
    await page.type('#max-downloads', '1')
    await page.click('::-p-text(Create link)')
    await page.waitForSelector('#new-link:not([hidden])')
    const link = await page.$eval('#link-url', (node) => (node as HTMLAnchorElement).href)
    expect(link).toMatch(new RegExp(`^${server.origin}/s/[A-Za-z0-9_-]{22}$`))
    expect(await page.$('#qr svg')).not.toBeNull()
    await screenshot(page, 'console', true)

    // A second browser context opens it: the page (nothing counted), then Download.
    const context = await browser.createBrowserContext()
    const downloads = join(dir, 'downloads')
    const visitor = await open(new URL(link).pathname, 'share page', context)
    expect(await text(visitor, 'h1')).toBe('big report.bin')
    expect(await text(visitor, 'dl')).toContain('1 download left')
    await screenshot(visitor, 'share-page')
    expect(await seriousViolations(visitor)).toEqual([])
    const cdp = await visitor.createCDPSession()
    await cdp.send('Browser.setDownloadBehavior', {
      behavior: 'allow',
      downloadPath: downloads,
      browserContextId: context.id,
    })
    await visitor.click('form button[type=submit]')
    const saved = await until(`the download (${downloads})`, async () => {
      const path = join(downloads, 'big report.bin')
      return existsSync(path) && statSync(path).size === bytes.length ? path : undefined
    })
    expect(sha256(readFileSync(saved))).toBe(sha256(bytes))
    expect(readdirSync(downloads)).toEqual(['big report.bin'])
    await context.close()

    // Links shows it used up (listings follow within seconds).
    const id = link.split('/').pop() as string
    await view(page, 'Links')
    await until('the link to show used up', async () => {
      await page.click('#refresh')
      await sleep(200)
      const state = await page.$eval(
        `tr[data-share="${id}"] td:nth-child(2)`,
        (node) => node.textContent,
      )
      return state === 'used up' ? state : undefined
    })
    expect(
      await page.$eval(`tr[data-share="${id}"] td:nth-child(3)`, (node) => node.textContent),
    ).toBe('1 of 1')
    // Its audit trail: the page view, then the download.
    await page.click(`tr[data-share="${id}"] ::-p-text(Audit)`)
    await page.waitForSelector(`tr[data-share="${id}"] ol.audit`)
    const audit = await text(page, `tr[data-share="${id}"] ol.audit`)
    expect(audit).toMatch(/viewed[\s\S]*downloaded/)
    // Its stats: one view of the page, one download.
    await page.click(`tr[data-share="${id}"] ::-p-text(Stats)`)
    await page.waitForSelector(`tr[data-share="${id}"] ol[aria-label^="Stats"]`)
    expect(await text(page, `tr[data-share="${id}"] ol[aria-label^="Stats"] li`)).toBe(
      '1 view · 0 previews · 1 download',
    )

    // Another link, revoked from its row (after saying yes): it answers 410 at once.
    await view(page, 'Send')
    await page.$eval('#max-downloads', (node) => {
      ;(node as HTMLInputElement).value = ''
    })
    await page.click('::-p-text(Create link)')
    const other = await until('a second link', async () => {
      const href = await page.$eval('#link-url', (node) => (node as HTMLAnchorElement).href)
      return href !== link ? href : undefined
    })
    const otherId = other.split('/').pop() as string
    await view(page, 'Links')
    await page.waitForSelector(`tr[data-share="${otherId}"]`)
    const asked = answerConfirm(page, true)
    await page.click(`tr[data-share="${otherId}"] ::-p-text(Revoke)`)
    expect(await asked).toMatch(/^Revoke the link to console\/big report\.bin\?/)
    await until('the revoked state', async () => {
      const state = await page.$eval(
        `tr[data-share="${otherId}"] td:nth-child(2)`,
        (node) => node.textContent,
      )
      return state === 'revoked' ? state : undefined
    })
    expect((await fetch(other, { redirect: 'manual' })).status).toBe(410)
    expect(await seriousViolations(page)).toEqual([])

    // A folder: a key ending in / shares everything under it, listed by its link.
    await view(page, 'Send')
    await page.$eval('#object', (node) => {
      ;(node as HTMLInputElement).value = 'console/'
    })
    await page.click('::-p-text(Create link)')
    const folder = await until('a folder link', async () => {
      const href = await page.$eval('#link-url', (node) => (node as HTMLAnchorElement).href)
      return href !== other ? href : undefined
    })
    const folderId = folder.split('/').pop() as string
    await view(page, 'Links')
    await page.waitForSelector(`tr[data-share="${folderId}"]`)
    expect(await text(page, `tr[data-share="${folderId}"] td:first-child a`)).toBe('console/')
    const listed = (await (
      await fetch(folder, { headers: { accept: 'application/json' } })
    ).json()) as { prefix: string; files: { name: string }[] }
    expect(listed.prefix).toBe('console/')
    expect(listed.files.map((file) => file.name)).toContain('big report.bin')

    // Sign out: the key is gone from the tab.
    await page.click('::-p-text(Sign out)')
    await page.waitForSelector('#sign-in:not([hidden])')
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0)
    await page.close()
  }, 180_000)

  it('cancels a multipart upload and leaves no upload behind', async () => {
    const page = await open('/console', 'console cancel')
    await signIn(page)
    await unfold(page)
    await chooseFile(page, 'cancelled.bin', randomBytes(40 * MiB))
    await page.emulateNetworkConditions({ download: -1, upload: 2 * MiB, latency: 0 })
    const started = page.waitForResponse((r) => r.url().endsWith('/v1/multipart'))
    const aborted = page.waitForResponse((r) => r.url().endsWith('/v1/multipart/abort'))
    await page.click('#upload')
    const { uploadId } = (await (await started).json()) as { uploadId: string }
    await until('some bytes sent', async () => {
      const value = await page.$eval('#progress', (node) => (node as HTMLProgressElement).value)
      return value > 0 ? value : undefined
    })
    await page.click('#cancel')
    expect((await aborted).status()).toBe(204)
    await page.waitForSelector('::-p-text(Upload cancelled.)')
    await page.emulateNetworkConditions({ download: -1, upload: -1, latency: 0 })
    // The upload is gone (completing it finds none) and no object was written.
    const complete = await callApi(server, token, 'POST', '/v1/multipart/complete', {
      bucket: 'local',
      key: 'console/cancelled.bin',
      uploadId,
      // Every part the upload declared (40 MiB in 8 MiB parts), so only the upload's absence can refuse it.
      parts: Array.from({ length: 5 }, (_, index) => ({
        partNumber: index + 1,
        etag: '"0123456789abcdef0123456789abcdef"',
      })),
    })
    expect(complete.status).toBe(404)
    expect(
      await (await server.mf.getR2Bucket('BUCKET_LOCAL')).head('console/cancelled.bin'),
    ).toBeNull()
    await page.close()
  }, 120_000)

  it('retries a part that fails, as the CLI does, and completes the upload', async () => {
    // Not a watched page: the failure it injects is a failed request on purpose.
    const page = await browser.newPage()
    await page.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' })
    await signIn(page)
    await unfold(page)
    const bytes = randomBytes(20 * MiB)
    await chooseFile(page, 'retried.bin', bytes)
    await page.setRequestInterception(true)
    const attempts = new Map<string, number>()
    page.on('request', (request) => {
      const url = new URL(request.url())
      const part = url.searchParams.get('partNumber')
      if (request.method() !== 'PUT' || part === null) return void request.continue()
      attempts.set(part, (attempts.get(part) ?? 0) + 1)
      // Part 2's first attempt fails as a store's 500 would.
      if (part === '2' && attempts.get(part) === 1) {
        return void request.respond({
          status: 500,
          contentType: 'application/xml',
          body: '<Error><Code>InternalError</Code></Error>',
        })
      }
      return void request.continue()
    })
    await page.click('#upload')
    const done = await until(
      'the upload to finish',
      async () => {
        const shown = await text(page, '#progress-text')
        return shown?.startsWith('Uploaded') || shown?.startsWith('The') ? shown : undefined
      },
      60_000,
    )
    expect(done).toBe('Uploaded console/retried.bin (20.0 MiB).')
    expect(attempts.get('2')).toBe(2)
    expect(attempts.get('1')).toBe(1)
    const stored = await (await server.mf.getR2Bucket('BUCKET_LOCAL')).get('console/retried.bin')
    expect(sha256(new Uint8Array(await (stored as R2ObjectBody).arrayBuffer()))).toBe(sha256(bytes))
    await page.close()
  }, 120_000)

  it('replaces an object only after the person confirms it', async () => {
    const page = await open('/console', 'console replace')
    await signIn(page)
    await unfold(page)
    const upload = async (bytes: Uint8Array, answer: 'accept' | 'dismiss' | undefined) => {
      await chooseFile(page, 'twice.txt', bytes)
      const asked: string[] = []
      const onDialog = async (dialog: Dialog) => {
        asked.push(dialog.message())
        await (answer === 'accept' ? dialog.accept() : dialog.dismiss())
      }
      page.on('dialog', onDialog)
      await page.click('#upload')
      const done = await until('the upload to end', async () => {
        const shown = await text(page, '#progress-text')
        return shown?.startsWith('Uploaded') || shown?.startsWith('Not uploaded')
          ? shown
          : undefined
      })
      page.off('dialog', onDialog)
      return { done, asked }
    }
    const bucket = await server.mf.getR2Bucket('BUCKET_LOCAL')
    await bucket.delete('console/twice.txt')
    const first = await upload(new TextEncoder().encode('first version'), undefined)
    expect(first).toEqual({ done: 'Uploaded console/twice.txt (13 B).', asked: [] })
    const kept = await upload(new TextEncoder().encode('second version'), 'dismiss')
    expect(kept.done).toBe('Not uploaded: console/twice.txt already exists.')
    expect(kept.asked).toEqual(['console/twice.txt already exists. Replace it with twice.txt?'])
    expect(await (await bucket.get('console/twice.txt'))?.text()).toBe('first version')
    const replaced = await upload(new TextEncoder().encode('second version'), 'accept')
    expect(replaced.done).toBe('Uploaded console/twice.txt (14 B).')
    expect(await (await bucket.get('console/twice.txt'))?.text()).toBe('second version')
    await page.close()
  }, 60_000)

  it('opens a password-protected link by keyboard, then previews and downloads it', async () => {
    // A real PNG (1×1), shared with a password and a page, uncounted: the page previews it.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    )
    const bucket = await server.mf.getR2Bucket('BUCKET_LOCAL')
    await bucket.put('console/secret photo.png', png, {
      httpMetadata: { contentType: 'image/png' },
    })
    const created = await callApi<{ id: string; url: string; passwordProtected: boolean }>(
      server,
      token,
      'POST',
      '/v1/shares',
      { bucket: 'local', key: 'console/secret photo.png', page: true, password: 'tulip garden 42' },
    )
    expect(created.status).toBe(201)
    expect(created.body.passwordProtected).toBe(true)
    const context = await browser.createBrowserContext()
    const visitor = await open(`/s/${created.body.id}`, 'password page', context)
    expect(await text(visitor, 'h1')).toBe('secret photo.png')
    // Nothing about the file but its name: no size, no preview, no Download button.
    expect(await visitor.$('img, dl')).toBeNull()
    expect(await seriousViolations(visitor)).toEqual([])
    await screenshot(visitor, 'password-page')
    // The field has the focus; a wrong password, by keyboard, is said as an alert.
    expect(await visitor.evaluate(() => document.activeElement?.id)).toBe('password')
    await visitor.keyboard.type('tulip garden 41')
    await Promise.all([visitor.waitForNavigation(), visitor.keyboard.press('Enter')])
    expect(await text(visitor, '[role=alert]')).toContain('not right')
    expect(await visitor.evaluate(() => document.activeElement?.id)).toBe('password')
    expect(await seriousViolations(visitor)).toEqual([])
    await screenshot(visitor, 'password-page-wrong')
    await visitor.keyboard.type('tulip garden 42')
    await Promise.all([
      visitor.waitForNavigation({ waitUntil: 'networkidle0' }),
      visitor.keyboard.press('Enter'),
    ])
    // The link's page now, with the picture previewed (through the same checks).
    expect(new URL(visitor.url()).pathname).toBe(`/s/${created.body.id}`)
    expect(await text(visitor, 'dl')).toContain('Unlimited')
    const width = await visitor.$eval(
      '.preview img',
      (node) => (node as HTMLImageElement).naturalWidth,
    )
    expect(width).toBe(1)
    expect(await seriousViolations(visitor)).toEqual([])
    await screenshot(visitor, 'share-page-preview')
    const [cookie] = await context.cookies()
    expect(cookie).toMatchObject({
      name: 'signet_share_pass',
      path: `/s/${created.body.id}`,
      httpOnly: true,
      sameSite: 'Lax',
    })
    // Download, by keyboard: Tab to the button, Enter. The cookie opens it without the password.
    const downloads = join(dir, 'password-downloads')
    const cdp = await visitor.createCDPSession()
    await cdp.send('Browser.setDownloadBehavior', {
      behavior: 'allow',
      downloadPath: downloads,
      browserContextId: context.id,
    })
    await visitor.focus('form button[type=submit]')
    await visitor.keyboard.press('Enter')
    const saved = await until('the download', async () => {
      const path = join(downloads, 'secret photo.png')
      return existsSync(path) && statSync(path).size === png.length ? path : undefined
    })
    expect(readFileSync(saved).equals(png)).toBe(true)
    await context.close()
    const stats = await callApi<{ views: number; previews: number; downloads: number }>(
      server,
      token,
      'GET',
      `/v1/shares/${created.body.id}/stats`,
    )
    expect(stats.body).toMatchObject({ views: 1, previews: 1, downloads: 1 })
  }, 120_000)

  it('turns dropped files into links in one step, never replacing a file of the same name', async () => {
    const page = await open('/console', 'console one-step share')
    await signIn(page)
    const drop = (names: string[]) =>
      page.evaluate((names) => {
        const transfer = new DataTransfer()
        for (const name of names)
          transfer.items.add(new File([`bytes of ${name}`], name, { type: 'text/plain' }))
        document
          .getElementById('quick-drop')
          ?.dispatchEvent(
            new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
          )
      }, names)
    await drop(['minutes.txt', 'agenda.txt'])
    await until('two links', async () =>
      (await page.$$('#quick-list li[data-state="shared"]')).length === 2 ? true : undefined,
    )
    await drop(['minutes.txt'])
    await until('a third link', async () =>
      (await page.$$('#quick-list li[data-state="shared"]')).length === 3 ? true : undefined,
    )
    expect(await page.$$('#quick-list li[data-state="failed"]')).toHaveLength(0)
    const links = await page.$$eval('#quick-list li a', (anchors) =>
      anchors.map((a) => (a as HTMLAnchorElement).href),
    )
    expect(new Set(links).size).toBe(3)
    const bodies: string[] = []
    for (const link of links) {
      const used = await fetch(link, { redirect: 'follow' })
      expect(used.status, link).toBe(200)
      bodies.push(await used.text())
    }
    // The second minutes.txt went under another name: both files are there, each its own bytes.
    expect(bodies.sort()).toEqual([
      'bytes of agenda.txt',
      'bytes of minutes.txt',
      'bytes of minutes.txt',
    ])
    const keys = await server.mf
      .getR2Bucket('BUCKET_LOCAL')
      .then((bucket) => bucket.list({ prefix: 'console/minutes' }))
    expect(keys.objects.map((o) => o.key).sort()).toEqual([
      'console/minutes (2).txt',
      'console/minutes.txt',
    ])
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, 'console-one-step-share')
  }, 60_000)

  it('makes an upload link, lists the file it received, and revokes it', async () => {
    const page = await open('/console', 'console upload links')
    await signIn(page)
    await view(page, 'Receive')
    await unfold(page)
    await page.click('#request-prefix', { count: 3 })
    await page.keyboard.type('console/inbox/')
    await page.type('#request-max-files', '2')
    await page.type('#request-max-size', '1')
    await page.type('#request-message', 'Your scans, please')
    await page.click('#request-form button[type=submit]')
    await page.waitForSelector('#new-request:not([hidden])')
    const url = await page.$eval('#request-url', (a) => (a as HTMLAnchorElement).href)
    expect(url).toMatch(/\/u\/[A-Za-z0-9_-]{22}$/)
    const sent = await fetch(`${url}/scan.pdf`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/pdf' },
      body: 'scanned',
    })
    expect(sent.status).toBe(201)
    await view(page, 'Links')
    await page.click('#refresh')
    await view(page, 'Receive')
    const row = '#requests tbody tr'
    await until('the file to be counted', async () =>
      (await text(page, `${row} td:nth-child(3)`)) === '1 file of 2' ? true : undefined,
    )
    await page.click(`${row} button[aria-label^="Files received"]`)
    await page.waitForSelector(`${row} ol.audit li`)
    expect(await text(page, `${row} ol.audit li`)).toContain('scan.pdf')
    expect(await seriousViolations(page)).toEqual([])
    const asked = answerConfirm(page, true)
    await page.click(`${row} button[aria-label^="Revoke the upload link"]`)
    expect(await asked).toContain('console/inbox/')
    await until('the link to be revoked', async () =>
      (await text(page, `${row} td:nth-child(2)`)) === 'revoked' ? true : undefined,
    )
    const refused = await fetch(`${url}/late.pdf`, { method: 'PUT', body: 'late' })
    expect(refused.status).toBe(410)
  }, 60_000)

  it('had no console errors and made no request to another origin on any page', () => {
    // Chromium's network layer logs every refused request: the wrong key's 401, the password
    // page's 401s, and a create-only upload's 412 where a name is taken (the console never looks
    // before a single PUT, so a new file's name costs no 404, and it never replaces without
    // asking).
    const status = (code: string) =>
      `Failed to load resource: the server responded with a status of ${code}`
    const unauthorized = status('401 (Unauthorized)')
    const taken = status('412 (Precondition Failed)')
    // A multipart upload (20 and 40 MiB here) cannot be create-only on every store: it looks for
    // the name first (a presigned HEAD, 404 for a new one).
    const multipart = new Set(['console', 'console cancel'])
    const looked = status('404 (Not Found)')
    const expected: Record<string, string[]> = {
      'console sign-in': [unauthorized],
      'password page': [unauthorized, unauthorized],
      'console replace': [taken, taken],
      'console one-step share': [taken],
    }
    for (const [name, watch] of watches) {
      const errors = watch.errors.filter((error) => !(multipart.has(name) && error === looked))
      expect(errors, name).toEqual(expected[name] ?? [])
      expect(watch.foreign, name).toEqual([])
    }
    // Single PUTs are create-only: no HEAD before them.
    const oneStep = watches.find(([name]) => name === 'console one-step share')?.[1]
    expect(oneStep?.requests.filter((request) => request.startsWith('HEAD '))).toEqual([])
    expect(oneStep?.requests.filter((request) => request.startsWith('PUT '))).toHaveLength(4)
    expect(watches.length).toBeGreaterThanOrEqual(5)
  })
})
