// `npm run screenshots`: the pictures in docs/CONSOLE.md, made from the real console and pages in
// Chromium (Debian's) at 360 px (a touch phone) and 1280 px, against the bundled Worker under
// Miniflare with a few links made through the API. Run it after changing a page; a test runs it
// into a scratch folder, so it cannot rot. `node scripts/screenshots.mjs [folder]`.
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import ece from 'http_ece'
import puppeteer from 'puppeteer-core'
import { startSignet } from '../bench/serve.mjs'

const ROOT = join(import.meta.dirname, '..')
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const FLAGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking']
export const PHONE = { width: 360, height: 780, hasTouch: true, isMobile: true }
export const DESKTOP = { width: 1280, height: 900 }

/** What each picture shows, by file name. */
export const PICTURES = [
  'console-send-360.png',
  'console-send-1280.png',
  'console-links-360.png',
  'console-links-1280.png',
  'console-receive-360.png',
  'console-edit-1280.png',
  'console-keys-1280.png',
  'share-page-360.png',
  'share-page-1280.png',
  'upload-page-360.png',
  'encrypted-page-360.png',
]

async function api(server, token, method, path, body) {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (!response.ok)
    throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return response.status === 204 ? undefined : response.json()
}

/** A key, three files, four links (one used, one revoked), an upload link that got a file. */
async function seed(server) {
  const { key } = await api(server, server.adminToken, 'POST', '/v1/keys', {
    name: 'Robin',
    scope: {
      buckets: ['local'],
      prefixes: ['robin/'],
      operations: ['get', 'head', 'put', 'share', 'multipart'],
    },
  })
  const bucket = await server.mf.getR2Bucket('BUCKET_LOCAL')
  const files = [
    ['robin/Quarterly report 2026 Q3 (final, signed).pdf', 2_412_345, 'application/pdf'],
    ['robin/Holiday photos.zip', 734_003_200 / 100, 'application/zip'],
    ['robin/minutes.txt', 2_048, 'text/plain'],
  ]
  for (const [name, size, type] of files) {
    await bucket.put(name, new Uint8Array(size), { httpMetadata: { contentType: type } })
  }
  const report = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: files[0][0],
    maxDownloads: 5,
    expiresIn: '3d',
    message: 'Here is the signed report. The figures on page 4 are final.',
  })
  await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: files[1][0],
    password: 'tulip garden 42',
  })
  const minutes = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: files[2][0],
  })
  await fetch(minutes.url, { redirect: 'manual' })
  const old = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: files[2][0],
    expiresIn: '1h',
  })
  await api(server, key, 'DELETE', `/v1/shares/${old.id}`)
  const inbox = await api(server, key, 'POST', '/v1/upload-links', {
    bucket: 'local',
    prefix: 'robin/inbox/',
    maxFiles: 10,
    message: 'Send the scans from Saturday here.',
  })
  await fetch(`${inbox.url}/scan-001.pdf`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/pdf', 'Signet-Sender': 'Sam' },
    body: new Uint8Array(180_000),
  })
  // An end-to-end encrypted link, made as the CLI makes one (http_ece here: the same format).
  const secret = randomBytes(16).toString('base64url')
  const plans = Buffer.alloc(4_718_592)
  await bucket.put(
    'robin/7d1c2a4e-5b0f-4c3e-9a61-2f8e0d9b7c11.ece',
    ece.encrypt(plans, { version: 'aes128gcm', key: secret }),
  )
  const facts = { name: 'Floor plans (level 3).pdf', type: 'application/pdf', size: plans.length }
  const sealed = await api(server, key, 'POST', '/v1/shares', {
    bucket: 'local',
    key: 'robin/7d1c2a4e-5b0f-4c3e-9a61-2f8e0d9b7c11.ece',
    encrypted: true,
    encryptedMeta: ece
      .encrypt(Buffer.from(JSON.stringify(facts)), { version: 'aes128gcm', key: secret })
      .toString('base64url'),
    maxDownloads: 3,
    message: 'The plans, as promised. Only this link opens them.',
  })
  return { key, report, inbox, encrypted: `${sealed.url}#${secret}` }
}

async function signedIn(browser, server, viewport, token) {
  const page = await browser.newPage()
  await page.setViewport(viewport)
  await page.goto(`${server.origin}/console`, { waitUntil: 'networkidle0' })
  await page.type('#api-key', token)
  await page.click('#sign-in-form button[type=submit]')
  await page.waitForSelector('#who:not([hidden])')
  await page.waitForNetworkIdle()
  return page
}

async function view(page, name) {
  await page.click(`#tab-${name}`)
  await page.waitForNetworkIdle()
}

/** Makes every picture in PICTURES into `folder`; answers their paths. */
export async function makeScreenshots(folder = join(ROOT, 'docs', 'images')) {
  mkdirSync(folder, { recursive: true })
  const server = await startSignet()
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: FLAGS })
  const shot = (page, name, fullPage = false) =>
    page.screenshot({ path: join(folder, name), fullPage })
  try {
    const { key, report, inbox, encrypted } = await seed(server)
    for (const [viewport, width] of [
      [PHONE, 360],
      [DESKTOP, 1280],
    ]) {
      const page = await signedIn(browser, server, viewport, key)
      await shot(page, `console-send-${width}.png`)
      await view(page, 'links')
      await shot(page, `console-links-${width}.png`, width === 360)
      if (width === 360) {
        await view(page, 'receive')
        await shot(page, 'console-receive-360.png')
      } else {
        await page.click(`tr[data-share="${report.id}"] button[aria-label^="Edit"]`)
        await page.waitForSelector('#edit[open]')
        await shot(page, 'console-edit-1280.png')
      }
      await page.close()
      const visitor = await browser.newPage()
      await visitor.setViewport(viewport)
      await visitor.goto(report.url, { waitUntil: 'networkidle0' })
      await shot(visitor, `share-page-${width}.png`, true)
      if (width === 360) {
        await visitor.goto(inbox.url, { waitUntil: 'networkidle0' })
        await shot(visitor, 'upload-page-360.png', true)
        await visitor.goto(encrypted, { waitUntil: 'networkidle0' })
        await visitor.waitForFunction(
          () => document.querySelector('h1')?.textContent !== 'An encrypted file',
        )
        await shot(visitor, 'encrypted-page-360.png', true)
      }
      await visitor.close()
    }
    const admin = await signedIn(browser, server, DESKTOP, server.adminToken)
    await shot(admin, 'console-keys-1280.png')
    await admin.close()
    return PICTURES.map((name) => join(folder, name))
  } finally {
    await browser.close()
    await server.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const made = await makeScreenshots(process.argv[2])
  console.log(`Made ${made.length} screenshots:\n${made.join('\n')}`)
}
