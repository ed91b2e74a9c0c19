// An upload link's page in real Chromium under wrangler dev: a person without a key chooses two
// files, a small one (one PUT to the link) and one over the page's single-PUT size (tus, through
// the link), and sees each one's progress end in "Sent"; the link then lists both, byte-exact.
// axe-core finds nothing serious at 360 px and on a desktop, before and after, and the page asks
// nothing of any other origin. A big file cut off by a reload and chosen again goes on from what
// the server holds ("Resuming at N %"), sending only the rest.
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, screenshot, seriousViolations, watchedPage } from './browser'
import { haveChromium } from './chromium'
import { callApi, createApiKey, startWorker, type WorkerServer } from './worker-server'

const BIG = 40 * 1024 * 1024

describe.skipIf(!haveChromium('upload-page-browser'))("an upload link's page in Chromium", () => {
  let server: WorkerServer
  let browser: Browser
  let scratch: string
  let key: string

  beforeAll(async () => {
    server = await startWorker()
    key = await createApiKey(server, 'inbox', {
      buckets: ['local'],
      prefixes: ['inbox/'],
      operations: ['put', 'get', 'multipart'],
    })
    browser = await launch()
    scratch = await mkdtemp(join(tmpdir(), 'signet-upload-page-'))
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  it('sends a small and a big file with progress, accessibly, at 360 px and on a desktop', async () => {
    const link = await callApi<{ id: string; url: string }>(
      server,
      key,
      'POST',
      '/v1/upload-links',
      {
        bucket: 'local',
        prefix: 'inbox/chromium/',
        maxFiles: 5,
        message: 'Send the photos from Saturday here.',
      },
    )
    expect(link.status).toBe(201)
    const small = join(scratch, 'notes.txt')
    const big = join(scratch, 'video.mp4')
    await writeFile(small, 'notes from the shoot\n')
    const bigBytes = Buffer.alloc(BIG)
    for (let i = 0; i < BIG; i += 4096) bigBytes.writeUInt32BE(i, i)
    await writeFile(big, bigBytes)

    for (const viewport of [
      { width: 360, height: 740 },
      { width: 1280, height: 800 },
    ]) {
      const { page, watch } = await watchedPage(browser, server.origin)
      await page.setViewport(viewport)
      await page.goto(link.body.url, { waitUntil: 'load' })
      expect(await page.$eval('h1', (h) => h.textContent)).toBe('Send files')
      expect(await page.content()).toContain('Send the photos from Saturday here.')
      expect(JSON.stringify(await seriousViolations(page))).toBe('[]')
      await page.close()
      expect(JSON.stringify(watch.errors)).toBe('[]')
      expect(watch.foreign).toEqual([])
    }

    const { page, watch } = await watchedPage(browser, server.origin)
    await page.setViewport({ width: 1280, height: 800 })
    await page.goto(link.body.url, { waitUntil: 'load' })
    await page.type('#sender', 'Zoë')
    await page.type('#note', 'From the shoot')
    const input = await page.$('#files')
    await (input as NonNullable<typeof input>).uploadFile(small, big)
    await page.waitForFunction(
      () =>
        document.querySelectorAll('#list li[data-state]').length === 2 ||
        document.querySelector('#list li[data-state="failed"]') !== null,
      { timeout: 90_000 },
    )
    const rows = await page.$$eval('#list li', (items) =>
      items.map((item) => ({
        state: (item as HTMLElement).dataset.state,
        text: item.textContent ?? '',
        value: (item.querySelector('progress') as HTMLProgressElement).value,
        max: (item.querySelector('progress') as HTMLProgressElement).max,
      })),
    )
    expect(rows.map((row) => row.state)).toEqual(['sent', 'sent'])
    expect(rows[0]?.text).toContain('Sent as notes.txt')
    expect(rows[1]?.text).toContain('Sent as video.mp4')
    expect(rows.every((row) => row.value === row.max)).toBe(true)
    // The counter went down as the files went, and the page says it is done.
    expect(await page.$eval('#files-left', (node) => node.textContent)).toBe('up to 3 more')
    await page.waitForSelector('#all-sent:not([hidden])')
    expect(await page.$eval('#all-sent', (node) => node.textContent)).toMatch(
      /^All sent: 2 files, [\d.]+ MiB\.$/,
    )
    // The expiry reads as words, with the reader's local date and time beside it.
    expect(await page.$eval('.when time', (node) => node.textContent)).toMatch(/^in \d+ days?$/)
    expect(await page.$eval('.when .zoned', (node) => node.textContent)).not.toContain('UTC')
    expect(await seriousViolations(page)).toEqual([])
    await screenshot(page, 'upload-link-page')
    // The big file went with tus: one creation, then PATCHes under the 100 MB body limit.
    expect(watch.requests.some((request) => /^POST .*\/tus\/$/.test(request))).toBe(true)
    expect(watch.requests.filter((request) => /^PATCH .*\/tus\//.test(request)).length).toBe(1)
    expect(watch.errors).toEqual([])
    expect(watch.foreign).toEqual([])
    await page.close()

    const read = await callApi<{
      files: { key: string; size: number; sender: string | null; note: string | null }[]
    }>(server, key, 'GET', `/v1/upload-links/${link.body.id}`)
    expect(read.body.files.map((file) => [file.key, file.size, file.sender, file.note])).toEqual([
      ['inbox/chromium/notes.txt', 21, 'Zoë', 'From the shoot'],
      ['inbox/chromium/video.mp4', BIG, 'Zoë', 'From the shoot'],
    ])
    for (const [objectKey, path] of [
      ['inbox/chromium/notes.txt', small],
      ['inbox/chromium/video.mp4', big],
    ] as const) {
      const get = await callApi<{ url: string }>(server, key, 'POST', '/v1/presign', {
        bucket: 'local',
        key: objectKey,
      })
      const bytes = Buffer.from(await (await fetch(get.body.url)).arrayBuffer())
      const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
      expect(sha(bytes), objectKey).toBe(sha(await readFile(path)))
    }
  }, 180_000)

  it('resumes a big file chosen again after a reload, sending only what the server lacks', async () => {
    const link = await callApi<{ id: string; url: string }>(
      server,
      key,
      'POST',
      '/v1/upload-links',
      { bucket: 'local', prefix: 'inbox/resume/' },
    )
    const size = 32 * 1024 * 1024
    const path = join(scratch, 'footage.bin')
    const bytes = Buffer.alloc(size)
    for (let i = 0; i < size; i += 4096) bytes.writeUInt32BE(i ^ 0x5a5a, i)
    await writeFile(path, bytes)

    const { page } = await watchedPage(browser, server.origin)
    await page.setViewport({ width: 1280, height: 800 })
    const cdp = await page.createCDPSession()
    await cdp.send('Network.enable')
    // Slow enough to cut it off halfway: 4 MiB/s up.
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 4 * 1024 * 1024,
    })
    await page.goto(link.body.url, { waitUntil: 'load' })
    await (await page.$('#files'))?.uploadFile(path)
    await page.waitForFunction(
      (half) =>
        ((document.querySelector('#list progress') as HTMLProgressElement)?.value ?? 0) > half,
      { timeout: 60_000 },
      size / 2,
    )
    const uploadUrl = await page.evaluate(() => {
      for (let i = 0; i < localStorage.length; i++) {
        const name = localStorage.key(i) ?? ''
        if (name.startsWith('tus::')) {
          return (JSON.parse(localStorage.getItem(name) ?? '{}') as { uploadUrl?: string })
            .uploadUrl
        }
      }
      return undefined
    })
    expect(uploadUrl).toMatch(/\/u\/[\w-]+\/tus\/[\w-]+$/)
    await page.goto('about:blank')
    // What the server holds once the cut-off request has ended.
    let held = -1
    for (let last = -2, tries = 0; held !== last && tries < 40; tries++) {
      last = held
      await new Promise((resolve) => setTimeout(resolve, 500))
      const head = await fetch(uploadUrl as string, {
        method: 'HEAD',
        headers: { 'Tus-Resumable': '1.0.0' },
      })
      held = Number(head.headers.get('Upload-Offset'))
    }
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThan(size)

    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    })
    const offsets: string[] = []
    page.on('request', (request) => {
      if (request.method() === 'PATCH') offsets.push(request.headers()['upload-offset'] ?? '')
    })
    await page.goto(link.body.url, { waitUntil: 'load' })
    // Every status line the row shows, as it shows it.
    await page.evaluate(() => {
      const seen: string[] = []
      Object.assign(window, { seen })
      new MutationObserver(() => {
        const text = document.querySelector('#list .status')?.textContent
        if (text && seen.at(-1) !== text) seen.push(text)
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    await (await page.$('#files'))?.uploadFile(path)
    const percent = Math.floor((held / size) * 100)
    await page.waitForSelector('#list li[data-state="sent"]', { timeout: 90_000 })
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen)
    expect(seen).toContain(`Resuming at ${percent} %`)
    // The server was sent only what it lacked: the first PATCH began where it had stopped.
    expect(offsets[0]).toBe(String(held))
    expect(size - held).toBeLessThan(size)
    expect(await page.$eval('#list li', (item) => item.textContent)).toContain(
      'Sent as footage.bin',
    )
    await page.close()
    const get = await callApi<{ url: string }>(server, key, 'POST', '/v1/presign', {
      bucket: 'local',
      key: 'inbox/resume/footage.bin',
    })
    const stored = Buffer.from(await (await fetch(get.body.url)).arrayBuffer())
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
    expect(sha(stored)).toBe(sha(bytes))
  }, 240_000)
})
