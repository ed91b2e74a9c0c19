// /docs in Chromium: Scalar renders every operation of /openapi.json from Signet's own origin
// (no request anywhere else), "Try it" calls GET /healthz on this Signet, and the page has no
// console errors and no serious accessibility violations.
import type { Browser } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, screenshot, seriousViolations, watchedPage } from './browser'
import { haveChromium } from './chromium'
import { type SignetServer, startSignet } from './miniflare-server'

describe.skipIf(!haveChromium('docs-browser'))('/docs with Scalar in Chromium', () => {
  let server: SignetServer
  let browser: Browser

  beforeAll(async () => {
    server = await startSignet()
    browser = await launch()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('renders the operations from /openapi.json and tries GET /healthz, all from this origin', async () => {
    const doc = (await (await fetch(`${server.origin}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { summary?: string }>>
    }
    const summaries = Object.values(doc.paths).flatMap((operations) =>
      Object.values(operations).flatMap((operation) =>
        operation.summary ? [operation.summary] : [],
      ),
    )
    expect(summaries.length).toBeGreaterThan(20)

    const { page, watch } = await watchedPage(browser, server.origin)
    await page.setViewport({ width: 1280, height: 800 })
    const answer = await page.goto(`${server.origin}/docs`, { waitUntil: 'networkidle0' })
    expect(answer?.headers()['content-security-policy']).toMatch(
      /script-src 'nonce-[^']+' 'strict-dynamic'(;|$)/,
    )
    await page.waitForSelector('::-p-text(Explain a presigned URL)')
    const text = await page.evaluate(() => document.body.textContent ?? '')
    const missing = summaries.filter((summary) => !text.includes(summary))
    expect(missing).toEqual([])
    // Nothing of Scalar's own products: no developer toolbar, no link to another origin.
    const links = await page.$$eval('a[href]', (anchors) =>
      anchors.map((a) => (a as HTMLAnchorElement).href),
    )
    expect(links.filter((href) => new URL(href).origin !== server.origin)).toEqual([])
    for (const vendor of ['Deploy on Scalar', 'Scalar Pro', 'Ask AI', 'Open API Client']) {
      expect(text, vendor).not.toContain(vendor)
    }

    // "Try it": the request client for GET /healthz, then Send.
    const tryIt = await page.waitForSelector('::-p-aria(Test Request (get /healthz))')
    await tryIt?.click()
    const send = await page.waitForSelector(
      `::-p-aria(Send get request to ${server.origin}/healthz)`,
      { visible: true },
    )
    const healthz = page.waitForResponse(
      (response) =>
        response.url() === `${server.origin}/healthz` && response.request().method() === 'GET',
    )
    await send?.click()
    expect((await healthz).status()).toBe(200)
    await page.waitForSelector('::-p-text("status": "ok")', { timeout: 10_000 })
    await screenshot(page, 'docs')

    expect(watch.foreign).toEqual([])
    expect(watch.errors).toEqual([])
    expect(await seriousViolations(page)).toEqual([])
    await page.close()
  }, 120_000)
})
