// The share link's error page in a real browser: Debian's headless Chromium renders it and
// takes a screenshot (test-results/), and the rendered text says what happened and no more. And
// the static assets (Scalar's bundle, the console) as `wrangler dev` serves them.
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, haveChromium } from './chromium'
import { callApi, createApiKey, startWorker, type WorkerServer } from './worker-server'

const RESULTS = join(import.meta.dirname, '..', '..', 'test-results')

describe.skipIf(!haveChromium('share-page-browser'))(
  'the share error page in Chromium, and the assets under wrangler dev',
  () => {
    let server: WorkerServer
    let link: string

    beforeAll(async () => {
      server = await startWorker()
      const key = await createApiKey(server, 'browser', {
        buckets: ['local'],
        operations: ['share'],
      })
      const share = await callApi<{ id: string; url: string }>(server, key, 'POST', '/v1/shares', {
        bucket: 'local',
        key: 'private/salaries-2026.xlsx',
        pin: false,
      })
      const { id, url } = share.body
      expect((await callApi(server, key, 'DELETE', `/v1/shares/${id}`)).status).toBe(204)
      link = url
    }, 120_000)
    afterAll(async () => {
      await server?.stop()
    })

    it('renders the revoked page and takes a screenshot', async () => {
      const dom = await chromium(['--dump-dom', link])
      expect(dom.status, dom.stderr.slice(-2000)).toBe(0)
      expect(dom.stdout).toContain('<h1>Link revoked</h1>')
      expect(dom.stdout).not.toContain('salaries')

      mkdirSync(RESULTS, { recursive: true })
      const file = join(RESULTS, 'share-revoked.png')
      rmSync(file, { force: true })
      const shot = await chromium([
        '--window-size=800,500',
        '--hide-scrollbars',
        `--screenshot=${file}`,
        link,
      ])
      expect(shot.status, shot.stderr.slice(-2000)).toBe(0)
      const png = readFileSync(file)
      expect(png.subarray(0, 8)).toEqual(
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      )
      expect(png.length).toBeGreaterThan(2000)
    }, 120_000)

    it('has its static assets served by wrangler dev, as npm start serves them', async () => {
      for (const [path, type] of [
        ['/docs/scalar.js', 'text/javascript'],
        ['/console/app.js', 'text/javascript'],
        ['/console/app.css', 'text/css'],
      ]) {
        const asset = await fetch(`${server.origin}${path}`)
        expect(asset.status, path).toBe(200)
        expect(asset.headers.get('content-type'), path).toMatch(new RegExp(`^${type}`))
        expect(asset.headers.get('x-content-type-options'), path).toBe('nosniff')
        expect((await asset.arrayBuffer()).byteLength, path).toBeGreaterThan(1000)
      }
      for (const path of ['/docs', '/console']) {
        const page = await fetch(`${server.origin}${path}`)
        expect(page.status, path).toBe(200)
        expect(page.headers.get('content-security-policy'), path).toContain("default-src 'none'")
      }
    }, 120_000)
  },
)
