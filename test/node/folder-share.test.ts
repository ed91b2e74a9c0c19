// Folder shares over HTTP under wrangler dev: the streamed zip of 1,000 small files, a file over
// 4 MiB and non-ASCII, nested names is a zip Debian's `unzip -t` finds no error in, holding every
// file byte for byte; a folder past SIGNET_ZIP_MAX_BYTES is 413 before any byte; a folder of more
// than 1,000 files lists in pages. In real Chromium the folder page lists and downloads, and
// axe-core finds nothing serious at 360 px and on a desktop.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, screenshot, seriousViolations, watchedPage } from './browser'
import { haveChromium } from './chromium'
import { callApi, createApiKey, startWorker, type WorkerServer } from './worker-server'

const BIG = 5 * 1024 * 1024 + 123

/** What the folder holds, by key: 1,000 small files in ten nested folders, and a few others. */
function folderFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  for (let i = 0; i < 1000; i++) {
    const folder = `day ${i % 10}/${i % 2 === 0 ? 'ünï' : 'ascii'}`
    files.set(
      `album/${folder}/photo ${String(i).padStart(4, '0')}.txt`,
      Buffer.from(`photo ${i}\n`),
    )
  }
  files.set('album/video/ファイル.bin', randomBytes(BIG))
  files.set('album/résumé 2026.txt', Buffer.from('résumé\n'))
  return files
}

/** Puts objects through presigned PUTs, sixteen at a time. */
async function putAll(server: WorkerServer, key: string, files: Map<string, Buffer>) {
  const entries = [...files]
  for (let start = 0; start < entries.length; start += 500) {
    const batch = entries.slice(start, start + 500)
    const presigned = await callApi<{ results: { ok: boolean; url: string }[] }>(
      server,
      key,
      'POST',
      '/v1/presign/batch',
      { items: batch.map(([objectKey]) => ({ bucket: 'local', key: objectKey, method: 'PUT' })) },
    )
    expect(presigned.status).toBe(200)
    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < batch.length) {
          const i = next++
          const answer = await fetch(presigned.body.results[i]?.url ?? '', {
            method: 'PUT',
            body: batch[i]?.[1],
          })
          expect(answer.status).toBe(200)
        }
      }),
    )
  }
}

describe('folder shares over HTTP', () => {
  let server: WorkerServer
  let key: string
  let scratch: string
  let browser: Browser | undefined
  const chromium = haveChromium('folder-share')
  const files = folderFiles()

  beforeAll(async () => {
    server = await startWorker({ vars: { SIGNET_ZIP_MAX_BYTES: String(12 * 1024 * 1024) } })
    key = await createApiKey(server, 'folders', {
      buckets: ['local'],
      operations: ['put', 'get', 'share'],
    })
    scratch = await mkdtemp(join(tmpdir(), 'signet-folder-'))
    if (chromium) browser = await launch()
    await putAll(server, key, files)
    // Past the zip's byte limit: three files of 5 MiB.
    await putAll(
      server,
      key,
      new Map([1, 2, 3].map((n) => [`too-big/part ${n}.bin`, randomBytes(BIG)])),
    )
  }, 180_000)
  /** A folder share of `prefix`, as its owner makes it. */
  async function folderShare(body: Record<string, unknown>) {
    const made = await callApi<{ id: string; url: string }>(server, key, 'POST', '/v1/shares', {
      bucket: 'local',
      ...body,
    })
    expect(made.status).toBe(201)
    return made.body
  }

  /** The share's download count, once its uses reached the owner index (a moment later). */
  async function downloadsOf(share: { id: string }) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    return (await callApi<{ downloads: number }>(server, key, 'GET', `/v1/shares/${share.id}`)).body
      .downloads
  }

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })

  it('streams a zip that unzip -t finds whole, every file byte for byte', async () => {
    const share = await folderShare({
      prefix: 'album/',
    })
    const answer = await fetch(`${share.url}?download=zip`)
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="album.zip"')
    const zip = Buffer.from(await answer.arrayBuffer())
    expect(zip.length).toBe(Number(answer.headers.get('content-length')))
    const path = join(scratch, 'album.zip')
    await writeFile(path, zip)
    const tested = spawnSync('unzip', ['-t', path], { encoding: 'utf8', maxBuffer: 1 << 26 })
    expect(tested.status, tested.stderr).toBe(0)
    expect(tested.stdout).toContain('No errors detected')
    const out = join(scratch, 'out')
    const unzipped = spawnSync('unzip', ['-q', path, '-d', out], { encoding: 'utf8' })
    expect(unzipped.status, unzipped.stderr).toBe(0)
    const names = spawnSync('unzip', ['-Z1', path], { encoding: 'utf8', maxBuffer: 1 << 26 })
    expect(names.stdout.trim().split('\n').sort()).toEqual(
      [...files.keys()].map((objectKey) => objectKey.slice('album/'.length)).sort(),
    )
    for (const [objectKey, bytes] of files) {
      const extracted = await readFile(join(out, objectKey.slice('album/'.length)))
      expect(extracted.equals(bytes), objectKey).toBe(true)
    }
  }, 120_000)

  it('lists more than 1,000 files in pages', async () => {
    const share = await folderShare({
      prefix: 'album/',
    })
    type Listing = { files: { name: string; url: string }[]; nextCursor: string | null }
    const first = (await (
      await fetch(share.url, { headers: { accept: 'application/json' } })
    ).json()) as Listing
    expect(first.files).toHaveLength(1000)
    expect(first.nextCursor).not.toBeNull()
    const second = (await (
      await fetch(`${share.url}?cursor=${encodeURIComponent(first.nextCursor ?? '')}`, {
        headers: { accept: 'application/json' },
      })
    ).json()) as Listing
    expect(second.nextCursor).toBeNull()
    const names = [...first.files, ...second.files].map((file) => file.name)
    expect(names.sort()).toEqual([...files.keys()].map((k) => k.slice('album/'.length)).sort())
    const bad = await fetch(`${share.url}?cursor=not-a-cursor!`, {
      headers: { accept: 'application/json' },
    })
    expect(bad.status).toBe(400)
  }, 60_000)

  it('refuses a zip past SIGNET_ZIP_MAX_BYTES with 413 before any byte, counting nothing', async () => {
    const share = await folderShare({
      prefix: 'too-big/',
      maxDownloads: 2,
    })
    const answer = await fetch(`${share.url}?download=zip`)
    expect(answer.status).toBe(413)
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/)
    const body = (await answer.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('payload_too_large')
    expect(await downloadsOf(share)).toBe(0)
  })

  describe.skipIf(!chromium)('the folder page in Chromium', () => {
    it('lists and downloads, accessibly, at 360 px and on a desktop', async () => {
      const share = await folderShare({
        prefix: 'album/day 3/',
        maxDownloads: 10,
      })
      for (const viewport of [
        { width: 360, height: 740 },
        { width: 1280, height: 800 },
      ]) {
        const { page, watch } = await watchedPage(browser as Browser, server.origin)
        await page.setViewport(viewport)
        await page.goto(share.url, { waitUntil: 'load' })
        expect(await page.$eval('h1', (h) => h.textContent)).toBe('day 3')
        const rows = await page.$$eval('table.folder tbody tr td:first-child a', (links) =>
          links.map((link) => ({ text: link.textContent, href: (link as HTMLAnchorElement).href })),
        )
        expect(rows).toHaveLength(100)
        expect(rows[0]?.text).toBe('photo 0003.txt')
        const groups = await page.$$eval('table.folder tbody th', (cells) =>
          cells.map((cell) => cell.textContent),
        )
        expect(groups).toEqual(['ascii/'])
        // The total size beside the count, and a filter box that narrows the list as one types.
        expect(await page.$eval('dl', (dl) => dl.textContent)).toMatch(/100 files, 989 B/)
        await page.type('#filter', '0043')
        const shown = await page.$$eval('table.folder tr[data-name]', (trs) =>
          trs
            .filter((tr) => !(tr as HTMLElement).hidden)
            .map((tr) => (tr as HTMLElement).dataset.name),
        )
        expect(shown).toEqual(['ascii/photo 0043.txt'])
        await page.$eval('#filter', (input) => {
          ;(input as HTMLInputElement).value = ''
          input.dispatchEvent(new Event('input'))
        })
        expect(await seriousViolations(page)).toEqual([])
        await screenshot(page, `folder-page-${viewport.width}`)
        if (viewport.width === 1280) {
          // A file link and "Download all" download (each counts once), as the browser follows
          // them: from a page of the same origin (the folder page's policy lets it fetch nothing).
          const zipHref = await page.$eval(
            'a.button',
            (link) => [link.textContent, (link as HTMLAnchorElement).href] as const,
          )
          expect(zipHref[0]).toBe('Download all (.zip)')
          const plain = await (browser as Browser).newPage()
          await plain.goto(`${server.origin}/healthz`)
          const got = await plain.evaluate(
            async (file, zip) => {
              const text = await (await fetch(file)).text()
              const answer = await fetch(zip)
              const bytes = new Uint8Array(await answer.arrayBuffer())
              return {
                text,
                status: answer.status,
                head: String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0),
              }
            },
            rows[0]?.href ?? '',
            zipHref[1],
          )
          expect(got).toEqual({ text: 'photo 3\n', status: 200, head: 'PK' })
          await plain.close()
        }
        expect(watch.errors).toEqual([])
        expect(watch.foreign).toEqual([])
        await page.close()
      }
      expect(await downloadsOf(share)).toBe(2)
    }, 120_000)
  })
})
