// Real headless Chromium (Debian's) driven by puppeteer-core, for the pages people use: every
// page is watched for console errors, uncaught exceptions and requests to any other origin, and
// can be checked with axe-core. Screenshots go to test-results/screenshots (CI artifacts).
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium'

export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'test-results', 'screenshots')

export async function launch(): Promise<Browser> {
  return puppeteer.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS })
}

/** What a page did that a test must see: console errors, page errors, foreign requests. */
export type Watch = { errors: string[]; foreign: string[]; requests: string[] }

/** A new page (in `context`, or the default one) watched from its first request. */
export async function watchedPage(
  browser: Browser | { newPage(): Promise<Page> },
  origin: string,
): Promise<{ page: Page; watch: Watch }> {
  const page = await browser.newPage()
  const watch: Watch = { errors: [], foreign: [], requests: [] }
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text())
  })
  page.on('pageerror', (error) => watch.errors.push(String(error)))
  page.on('request', (request) => {
    const url = request.url()
    watch.requests.push(`${request.method()} ${url}`)
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin) {
      watch.foreign.push(url)
    }
  })
  return { page, watch }
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
)

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: string[] }

/**
 * axe-core's serious and critical violations on the page as it is now. The script is evaluated
 * through the DevTools protocol, so the page's own CSP (no inline script) is left as it is.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource)
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<unknown> } }).axe
    return (await axe.run()) as {
      violations: {
        id: string
        impact: string | null
        help: string
        nodes: { html: string; failureSummary?: string }[]
      }[]
    }
  })
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map(
        (node) => `${node.html.slice(0, 160)} :: ${node.failureSummary ?? ''}`,
      ),
    }))
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage })
  return path
}
