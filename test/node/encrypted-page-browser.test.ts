// An end-to-end encrypted share's page in real Chromium (Debian's, headless) against the bundled
// Worker under Miniflare: links made elsewhere (http_ece encrypts the file and its facts, the API
// shares the object) open with their key, which leaves the address bar at once; the page shows the
// decrypted name and size and its Download saves the plaintext byte-identical through the
// decrypting service worker, counted once; 256 MiB stream with the page's JS heap under 100 MB
// and the worker's heap and buffers far under the file's size; a flipped byte, or a body without
// its last record, stops the download with no complete file; a missing or wrong key is explained;
// a password is asked first and the key survives it; an image is previewed and then saved
// without a second download; the console's Encrypt end to end stores only ciphertext, which
// http_ece opens. axe-core finds nothing serious at 360 px and on a desktop.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import ece from 'http_ece'
import type { Browser, CDPSession, Page } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodedLength, encryptStream } from '../../src/lib/ece'
import { launch, screenshot, seriousViolations, watchedPage } from './browser'
import { haveChromium } from './chromium'
import { type SignetServer, startSignet } from './miniflare-server'
import { createApiKey } from './worker-server'

const MiB = 1024 * 1024
const PHONE = { width: 360, height: 780, hasTouch: true, isMobile: true, deviceScaleFactor: 1 }
const DESKTOP = { width: 1280, height: 900 }

type Download = { guid: string; state: string; receivedBytes: number; totalBytes: number }

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

describe.skipIf(!haveChromium('encrypted-page-browser'))(
  "an encrypted share's page in Chromium",
  () => {
    let server: SignetServer
    let browser: Browser
    let browserSession: CDPSession
    let token: string
    let downloads: string
    const finished = new Map<string, Download>()

    async function api<T>(method: string, path: string, body?: unknown) {
      const answer = await fetch(`${server.origin}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      return { status: answer.status, body: (await answer.json()) as T }
    }

    /** A stream of known length into the bucket, by a presigned PUT through the gateway. */
    async function putStream(key: string, body: ReadableStream<Uint8Array>, length: number) {
      const signed = await api<{ url: string }>('POST', '/v1/presign', {
        bucket: 'local',
        key,
        method: 'PUT',
      })
      const url = new URL(signed.body.url)
      await new Promise<void>((resolve, reject) => {
        const put = request(
          url,
          { method: 'PUT', headers: { 'Content-Length': String(length) } },
          (answer) => {
            answer.resume()
            answer.on('end', () =>
              answer.statusCode === 200 ? resolve() : reject(new Error(`PUT ${answer.statusCode}`)),
            )
          },
        )
        put.on('error', reject)
        Readable.fromWeb(body as import('node:stream/web').ReadableStream).pipe(put)
      })
    }

    /** A share made elsewhere: the ciphertext put straight into the bucket, its facts by http_ece. */
    async function encryptedLink(
      key: string,
      ciphertext: Uint8Array | ReadableStream<Uint8Array>,
      secret: Uint8Array,
      facts: { name: string; type: string; size: number },
      options: Record<string, unknown> = {},
    ) {
      if (ciphertext instanceof Uint8Array) {
        await (await server.mf.getR2Bucket('BUCKET_LOCAL')).put(key, ciphertext)
      } else {
        await putStream(key, ciphertext, options.length as number)
      }
      const meta = ece.encrypt(Buffer.from(JSON.stringify(facts)), {
        version: 'aes128gcm',
        key: b64url(secret),
      })
      const made = await api<{ id: string; url: string }>('POST', '/v1/shares', {
        bucket: 'local',
        key,
        encrypted: true,
        encryptedMeta: b64url(meta),
        ...Object.fromEntries(Object.entries(options).filter(([name]) => name !== 'length')),
      })
      expect(made.status, JSON.stringify(made.body)).toBe(201)
      return { ...made.body, link: `${made.body.url}#${b64url(secret)}` }
    }

    /** A page at `viewport` with downloads into `downloads`, watched as every browser test's. */
    async function openPage(viewport: typeof PHONE | typeof DESKTOP) {
      const opened = await watchedPage(browser, server.origin)
      await opened.page.setViewport(viewport)
      return opened
    }

    /** Waits for the browser's download of `name` to end; its final state. */
    async function downloadEnded(timeoutMs: number): Promise<Download> {
      const started = Date.now()
      while (Date.now() - started < timeoutMs) {
        const [first] = finished.values()
        if (first) {
          finished.clear()
          return first
        }
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error('no download ended')
    }

    async function noOverflow(page: Page) {
      const sideways = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      )
      expect(sideways).toBeLessThanOrEqual(0)
    }

    beforeAll(async () => {
      server = await startSignet()
      token = await createApiKey(server, 'sealed', {
        buckets: ['local'],
        prefixes: ['sealed/'],
        operations: ['get', 'head', 'put', 'share', 'multipart', 'list'],
      })
      browser = await launch()
      downloads = await mkdtemp(join(tmpdir(), 'signet-decrypted-'))
      browserSession = await browser.target().createCDPSession()
      await browserSession.send('Browser.setDownloadBehavior', {
        behavior: 'allow',
        downloadPath: downloads,
        eventsEnabled: true,
      })
      browserSession.on('Browser.downloadProgress', (event: Download) => {
        if (event.state !== 'inProgress') finished.set(event.guid, event)
      })
    }, 120_000)
    afterAll(async () => {
      await browser?.close()
      await server?.stop()
      if (downloads) await rm(downloads, { recursive: true, force: true })
    })

    it('decrypts 20 MiB made elsewhere byte-identical, the key gone from the address bar', async () => {
      const secret = new Uint8Array(randomBytes(16))
      const plain = new Uint8Array(randomBytes(20 * MiB))
      const ciphertext = ece.encrypt(Buffer.from(plain), {
        version: 'aes128gcm',
        key: b64url(secret),
        rs: 65_536,
      })
      const share = await encryptedLink('sealed/a.ece', new Uint8Array(ciphertext), secret, {
        name: 'Holiday film.mp4',
        type: 'video/mp4',
        size: plain.byteLength,
      })
      const { page, watch } = await openPage(PHONE)
      const sentHeaders: string[] = []
      page.on('request', (sent) => sentHeaders.push(JSON.stringify(sent.headers())))
      await page.goto(share.link)
      await page.waitForFunction(
        () => document.querySelector('h1')?.textContent === 'Holiday film.mp4',
      )
      // The key left the address bar and the history entry at once, and no request carried it
      // (the navigation's fragment is the browser's own: no browser sends one).
      expect(await page.evaluate(() => location.href)).toBe(share.url)
      const key = share.link.split('#')[1] as string
      expect(watch.requests[0]).toBe(`GET ${share.link}`)
      expect(watch.requests.slice(1).filter((request) => request.includes(key))).toEqual([])
      expect(sentHeaders.filter((headers) => headers.includes(key))).toEqual([])
      expect(await page.$eval('#plain-size', (node) => node.textContent)).toBe('20.0 MiB')
      expect(watch.foreign).toEqual([])
      expect(await seriousViolations(page)).toEqual([])
      await noOverflow(page)
      await screenshot(page, 'encrypted-share-phone')

      const download = await page.waitForSelector('::-p-aria(Download[role="button"])')
      // On a phone the whole page, Download included, fits the first screen.
      const fold = await download?.evaluate((node) => ({
        bottom: node.getBoundingClientRect().bottom,
        height: document.documentElement.scrollHeight,
      }))
      expect(fold?.bottom).toBeLessThanOrEqual(PHONE.height)
      expect(fold?.height).toBeLessThanOrEqual(PHONE.height)
      await download?.click()
      const ended = await downloadEnded(60_000)
      expect(ended.state).toBe('completed')
      await page.waitForFunction(() =>
        document.querySelector('[role="status"]')?.textContent?.startsWith('Decrypted and saved'),
      )
      const saved = join(downloads, 'Holiday film.mp4')
      expect(await sha256File(saved)).toBe(sha256(plain))
      // One use of the link, as any download.
      const after = await api<{ downloads: number }>('GET', `/v1/shares/${share.id}`)
      expect(after.body.downloads).toBe(1)
      expect(await seriousViolations(page)).toEqual([])
      expect(watch.errors).toEqual([])
      await page.close()
    }, 120_000)

    it('streams 256 MiB with the page’s JS heap under 100 MB and the file never whole in the worker', async () => {
      const secret = new Uint8Array(randomBytes(16))
      const size = 256 * MiB
      // The plaintext is made 1 MiB at a time (each block numbered), so it is never whole here either.
      const block = (n: number) => {
        const out = randomBytes(MiB)
        out.writeUInt32BE(n, 0)
        return out
      }
      const expected = createHash('sha256')
      let n = 0
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (n === size / MiB) return controller.close()
          const bytes = block(n++)
          expected.update(bytes)
          controller.enqueue(new Uint8Array(bytes))
        },
      })
      const share = await encryptedLink(
        'sealed/big.ece',
        source.pipeThrough(encryptStream(secret)),
        secret,
        { name: 'big.bin', type: 'application/octet-stream', size },
        { length: encodedLength(size) },
      )
      const { page, watch } = await openPage(DESKTOP)
      await page.goto(share.link)
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'big.bin')
      const pageSession = await page.createCDPSession()
      await pageSession.send('Performance.enable')
      await (await page.waitForSelector('::-p-aria(Download[role="button"])'))?.click()
      const worker = await browser.waitForTarget((target) => target.type() === 'service_worker')
      const workerSession = await worker.createCDPSession()
      // The JS heap and the ArrayBuffers' backing stores beside it (where bytes would sit).
      const heldBy = async (session: CDPSession) => {
        const heap = (await session.send('Runtime.getHeapUsage')) as {
          usedSize: number
          backingStorageSize?: number
        }
        return heap.usedSize + (heap.backingStorageSize ?? 0)
      }
      let pagePeak = 0
      let workerPeak = 0
      let metricPeak = 0
      let sampling = true
      const sampler = (async () => {
        while (sampling) {
          const { metrics } = await pageSession.send('Performance.getMetrics')
          const used = metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? 0
          metricPeak = Math.max(metricPeak, used)
          pagePeak = Math.max(pagePeak, await heldBy(pageSession))
          workerPeak = Math.max(workerPeak, await heldBy(workerSession))
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
      })()
      const ended = await downloadEnded(240_000)
      sampling = false
      await sampler
      expect(ended.state).toBe('completed')
      const saved = join(downloads, 'big.bin')
      expect(statSync(saved).size).toBe(size)
      expect(await sha256File(saved)).toBe(expected.digest('hex'))
      console.log(
        `256 MiB decrypted: page JSHeapUsedSize peak ${(metricPeak / MiB).toFixed(1)} MiB; heap + array buffers: page ${(pagePeak / MiB).toFixed(1)} MiB, worker ${(workerPeak / MiB).toFixed(1)} MiB`,
      )
      expect(metricPeak).toBeLessThan(100e6)
      expect(pagePeak).toBeGreaterThan(0)
      expect(workerPeak).toBeGreaterThan(0)
      expect(pagePeak).toBeLessThan(100e6)
      // The worker's buffers come and go with its collector (decrypted records wait for it): far
      // under the file's 256 MiB, so no file is ever whole there.
      expect(workerPeak).toBeLessThan(160e6)
      expect(watch.errors).toEqual([])
      await page.close()
    }, 300_000)

    it('stops at a flipped byte or a body cut after a whole record, saving no complete file', async () => {
      const secret = new Uint8Array(randomBytes(16))
      const plain = randomBytes(4 * MiB)
      const whole = ece.encrypt(plain, { version: 'aes128gcm', key: b64url(secret) })
      const flipped = Buffer.from(whole)
      flipped[3 * MiB] = (flipped[3 * MiB] as number) ^ 1
      // Cut where a record ends: every record there verifies, but the last one never comes.
      const cut = whole.subarray(0, 21 + 40 * 65_536)
      for (const [name, body] of [
        ['flipped.bin', flipped],
        ['cut.bin', cut],
      ] as const) {
        const share = await encryptedLink(`sealed/${name}.ece`, new Uint8Array(body), secret, {
          name,
          type: 'application/octet-stream',
          size: plain.byteLength,
        })
        const { page } = await openPage(PHONE)
        await page.goto(share.link)
        await page.waitForFunction(
          (expected) => document.querySelector('h1')?.textContent === expected,
          {},
          name,
        )
        await (await page.waitForSelector('::-p-aria(Download[role="button"])'))?.click()
        const ended = await downloadEnded(60_000)
        expect(ended.state, name).toBe('canceled')
        await page.waitForFunction(() =>
          document.querySelector('[role="alert"]')?.textContent?.startsWith('The file is damaged'),
        )
        expect(existsSync(join(downloads, name)), name).toBe(false)
        // Whatever the browser kept of it is a partial file, never the whole plaintext.
        const stem = name.split('.')[0] as string
        for (const file of readdirSync(downloads).filter((each) => each.includes(stem))) {
          expect(statSync(join(downloads, file)).size, file).toBeLessThan(plain.byteLength)
        }
        expect(await seriousViolations(page)).toEqual([])
        if (name === 'flipped.bin') await screenshot(page, 'encrypted-share-damaged')
        await page.close()
      }
    }, 120_000)

    it('explains a missing or a wrong key, and offers no download', async () => {
      const secret = new Uint8Array(randomBytes(16))
      const share = await encryptedLink(
        'sealed/small.ece',
        new Uint8Array(
          ece.encrypt(Buffer.from('hello'), { version: 'aes128gcm', key: b64url(secret) }),
        ),
        secret,
        { name: 'hello.txt', type: 'text/plain', size: 5 },
      )
      for (const [url, words] of [
        [share.url, 'This link is missing its key'],
        [`${share.url}#${b64url(new Uint8Array(16))}`, 'This key does not open this file'],
        [`${share.url}#abc`, 'cut short or changed'],
      ] as const) {
        const { page, watch } = await openPage(DESKTOP)
        await page.goto(url)
        await page.waitForFunction(
          (expected) => document.querySelector('[role="alert"]')?.textContent?.includes(expected),
          {},
          words,
        )
        expect(await page.$('::-p-aria(Download[role="button"])')).toBeNull()
        expect(await page.$eval('h1', (node) => node.textContent)).toBe('An encrypted file')
        expect(await seriousViolations(page)).toEqual([])
        expect(watch.errors).toEqual([])
        await page.close()
      }
      expect(
        (await api<{ downloads: number }>('GET', `/v1/shares/${share.id}`)).body.downloads,
      ).toBe(0)
    }, 120_000)

    it('asks a password first and keeps the key through it (a redirect share)', async () => {
      const secret = new Uint8Array(randomBytes(16))
      const plain = randomBytes(300 * 1024)
      const share = await encryptedLink(
        'sealed/locked.ece',
        new Uint8Array(ece.encrypt(plain, { version: 'aes128gcm', key: b64url(secret) })),
        secret,
        { name: 'locked.txt', type: 'text/plain', size: plain.byteLength },
        { password: 'open sesame 42', mode: 'redirect' },
      )
      const { page } = await openPage(PHONE)
      await page.goto(share.link)
      await page.type('::-p-aria(Password)', 'open sesame 42')
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
      await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'locked.txt')
      await (await page.waitForSelector('::-p-aria(Download[role="button"])'))?.click()
      expect((await downloadEnded(60_000)).state).toBe('completed')
      expect(await sha256File(join(downloads, 'locked.txt'))).toBe(sha256(plain))
      await page.close()
    }, 120_000)

    it('previews an image in the page and saves it without a second download', async () => {
      const secret = new Uint8Array(randomBytes(16))
      // A 1×1 PNG.
      const png = Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      )
      const share = await encryptedLink(
        'sealed/dot.ece',
        new Uint8Array(ece.encrypt(png, { version: 'aes128gcm', key: b64url(secret) })),
        secret,
        { name: 'dot.png', type: 'image/png', size: png.byteLength },
      )
      const { page, watch } = await openPage(DESKTOP)
      await page.goto(share.link)
      await (await page.waitForSelector('::-p-aria(Show it here)'))?.click()
      const image = await page.waitForSelector('::-p-aria(Preview of dot.png)')
      expect(
        await image?.evaluate((node) => (node as HTMLImageElement).decode().then(() => true)),
      ).toBe(true)
      await (await page.waitForSelector('::-p-aria(Download[role="button"])'))?.click()
      expect((await downloadEnded(30_000)).state).toBe('completed')
      expect(await sha256File(join(downloads, 'dot.png'))).toBe(sha256(png))
      expect(
        (await api<{ downloads: number }>('GET', `/v1/shares/${share.id}`)).body.downloads,
      ).toBe(1)
      expect(await seriousViolations(page)).toEqual([])
      expect(watch.errors).toEqual([])
      await page.close()
    }, 120_000)

    it('encrypts in the console: the bucket holds only ciphertext, which http_ece opens', async () => {
      // Over the console's single-PUT size: a multipart upload of equal parts.
      const plain = randomBytes(20 * MiB + 12_345)
      const scratch = await mkdtemp(join(tmpdir(), 'signet-console-file-'))
      const file = join(scratch, 'Board minutes.pdf')
      await writeFile(file, plain)
      const bucket = await server.mf.getR2Bucket('BUCKET_LOCAL')
      const before = new Set((await bucket.list({ prefix: 'sealed/' })).objects.map((o) => o.key))
      const { page, watch } = await openPage(PHONE)
      await page.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' })
      await page.type('#api-key', token)
      await page.click('::-p-aria([name="Sign in"][role="button"])')
      await page.waitForSelector('#who:not([hidden])')
      await page.click('::-p-aria([name="Send"][role="tab"])')
      await page.click('::-p-aria([name="Encrypt end to end"][role="checkbox"])')
      const input = await page.waitForSelector('#quick-files')
      await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file)
      const anchor = await page.waitForSelector('#quick-list a', { timeout: 60_000 })
      const link = (await anchor?.evaluate((node) => (node as HTMLAnchorElement).href)) as string
      const [url, fragment] = link.split('#') as [string, string]
      expect(fragment).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(await seriousViolations(page)).toEqual([])
      await noOverflow(page)
      // The share names nothing; the object's name is random; the bucket got nothing else.
      const id = url.split('/').pop() as string
      const share = await api<Record<string, unknown>>('GET', `/v1/shares/${id}`)
      expect(share.body).toMatchObject({ encrypted: true, filename: null })
      expect(JSON.stringify(share.body)).not.toContain('Board')
      const key = String(share.body.key)
      // Under the key's first prefix, as every file Send puts.
      expect(key).toMatch(/^sealed\/[0-9a-f-]{36}\.ece$/)
      const after = (await bucket.list({ prefix: 'sealed/' })).objects.map((o) => o.key)
      expect(after.filter((name) => !before.has(name))).toEqual([key])
      // Sent in parts of one size (the last shorter), never the plaintext.
      const parts = watch.requests.filter((sent) => /^PUT .*partNumber=/.test(sent))
      expect(parts.length).toBeGreaterThanOrEqual(3)
      const object = await bucket.get(key)
      if (!object) throw new Error(`${key} is not in the bucket`)
      const stored = Buffer.from(await object.arrayBuffer())
      expect(stored.byteLength).toBe(encodedLength(plain.byteLength))
      for (const at of [0, 10 * MiB, plain.byteLength - 64]) {
        expect(stored.includes(plain.subarray(at, at + 64))).toBe(false)
      }
      const opened = ece.decrypt(stored, { version: 'aes128gcm', key: fragment })
      expect(opened.equals(plain)).toBe(true)
      // Links lists it as encrypted, with nothing to copy: its key is only in the link as made.
      await page.click('::-p-aria([name="Links"][role="tab"])')
      const row = await page.waitForSelector(`tr[data-share="${id}"]`)
      expect(await row?.evaluate((node) => node.textContent)).toContain('encrypted end to end')
      expect(await row?.$(`::-p-aria(Copy the link to ${key})`)).toBeNull()
      expect(await row?.$(`::-p-aria(Stats of ${key})`)).not.toBeNull()
      // A multipart upload looks for the name first (a presigned HEAD: 404 for a new one).
      expect(watch.errors).toEqual([
        'Failed to load resource: the server responded with a status of 404 (Not Found)',
      ])
      await page.close()

      // And the link opens in a browser as any encrypted link.
      const reader = await openPage(DESKTOP)
      await reader.page.goto(link)
      await reader.page.waitForFunction(
        () => document.querySelector('h1')?.textContent === 'Board minutes.pdf',
      )
      await (await reader.page.waitForSelector('::-p-aria(Download[role="button"])'))?.click()
      expect((await downloadEnded(60_000)).state).toBe('completed')
      expect(await sha256File(join(downloads, 'Board minutes.pdf'))).toBe(sha256(plain))
      await reader.page.close()
      await rm(scratch, { recursive: true, force: true })
    }, 180_000)
  },
)
