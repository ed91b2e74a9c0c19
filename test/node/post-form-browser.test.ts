// A browser upload end to end: headless Chromium opens a test page (served from another origin)
// whose form carries the POST policy fields, puts a file in its file input and submits it to
// the gateway; the test then reads the object back through a presigned GET.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker, type WorkerServer } from './worker-server'

const CHROMIUM = '/usr/bin/chromium'

function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI) throw new Error('chromium must be installed in CI (.ci/run installs it)')
  console.warn('SKIPPED post-form-browser: needs Debian chromium (apt-get install chromium).')
  return false
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

describe.skipIf(!haveChromium())('a browser form upload through a POST policy', () => {
  let server: WorkerServer
  let page: Server
  let pageOrigin: string
  let token: string

  beforeAll(async () => {
    server = await startWorker()
    const created = await fetch(`${server.origin}/v1/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'browser',
        scope: { buckets: ['local'], operations: ['get', 'post'], prefixes: ['browser/'] },
      }),
    })
    token = ((await created.json()) as { key: string }).key
    const policy = (await (
      await fetch(`${server.origin}/v1/post-policy`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          bucket: 'local',
          keyPrefix: 'browser/',
          maxContentLength: 4096,
          contentType: 'text/plain',
          successActionStatus: '201',
        }),
      })
    ).json()) as { url: string; fields: Record<string, string> }
    const inputs = Object.entries(policy.fields)
      .map(
        ([name, value]) =>
          `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
      )
      .join('\n')
    const html = `<!doctype html><meta charset="utf-8"><title>upload</title>
<form id="f" method="post" enctype="multipart/form-data" action="${escapeHtml(policy.url)}">
${inputs}
<input type="file" name="file" id="file">
</form>
<script>
  const file = new File(['uploaded by a real browser form\\n'], 'from-chromium.txt', { type: 'text/plain' })
  const transfer = new DataTransfer()
  transfer.items.add(file)
  document.getElementById('file').files = transfer.files
  document.getElementById('f').submit()
</script>`
    page = createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(html)
    })
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
    const address = page.address()
    pageOrigin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  }, 120_000)
  afterAll(async () => {
    await new Promise((resolve) => page?.close(resolve))
    await server?.stop()
  })

  it('submits the form from Chromium and the object reads back', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'signet-chromium-'))
    // Asynchronous: the test page is served by this very process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn(
          CHROMIUM,
          [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            `--user-data-dir=${profile}`,
            '--virtual-time-budget=10000',
            '--dump-dom',
            `${pageOrigin}/`,
          ],
          { timeout: 60_000 },
        )
        let stdout = ''
        let stderr = ''
        child.stdout.on('data', (chunk) => (stdout += chunk))
        child.stderr.on('data', (chunk) => (stderr += chunk))
        child.on('close', (status) => resolve({ status, stdout, stderr }))
      },
    )
    rmSync(profile, { recursive: true, force: true })
    expect(run.status, run.stderr.slice(-2000)).toBe(0)
    // After the submit the browser shows S3's PostResponse.
    expect(run.stdout).toContain('browser/from-chromium.txt')

    const presigned = (await (
      await fetch(`${server.origin}/v1/presign`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ bucket: 'local', key: 'browser/from-chromium.txt' }),
      })
    ).json()) as { url: string }
    const got = await fetch(presigned.url)
    expect(got.status).toBe(200)
    expect(got.headers.get('content-type')).toBe('text/plain')
    expect(await got.text()).toBe('uploaded by a real browser form\n')
  }, 120_000)
})
