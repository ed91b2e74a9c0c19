// CORS on the API in a real browser: a page on a configured origin calls POST /v1/presign with a
// bearer token and reads the answer; the same page on another origin is refused by Chromium.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, haveChromium } from './chromium'
import { type SignetServer, startSignet } from './miniflare-server'
import { createApiKey } from './worker-server'

async function listen(html: () => string): Promise<{ page: Server; origin: string }> {
  const page = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(html())
  })
  await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve))
  const address = page.address()
  return {
    page,
    origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
  }
}

describe.skipIf(!haveChromium('api-cors-browser'))('CORS on /v1 in Chromium', () => {
  let server: SignetServer
  let token = ''
  const pages: Server[] = []
  let allowed = ''
  let other = ''

  const html = () => `<!doctype html><meta charset="utf-8"><title>cors</title><body>waiting</body>
<script>
  fetch(${JSON.stringify(`${server.origin}/v1/presign`)}, {
    method: 'POST',
    headers: { Authorization: 'Bearer ${token}', 'Content-Type': 'application/json' },
    body: JSON.stringify({ bucket: 'local', key: 'cors/browser.txt' }),
  })
    .then(async (r) => { document.body.textContent = 'STATUS ' + r.status + ' ' + ((await r.json()).url ? 'URL' : 'NOURL') })
    .catch((e) => { document.body.textContent = 'FAILED ' + e.name })
</script>`

  beforeAll(async () => {
    const first = await listen(html)
    const second = await listen(html)
    pages.push(first.page, second.page)
    allowed = first.origin
    other = second.origin
    server = await startSignet({ SIGNET_CORS_ORIGINS: JSON.stringify([allowed]) })
    token = await createApiKey(server, 'browser', { buckets: ['local'], operations: ['get'] })
  }, 120_000)

  afterAll(async () => {
    for (const page of pages) await new Promise((resolve) => page.close(resolve))
    await server?.stop()
  })

  it('lets the configured origin call the API with a bearer token, and no other', async () => {
    const ok = await chromium(['--virtual-time-budget=10000', '--dump-dom', `${allowed}/`])
    expect(ok.status, ok.stderr.slice(-2000)).toBe(0)
    expect(ok.stdout).toContain('STATUS 200 URL')
    const refused = await chromium(['--virtual-time-budget=10000', '--dump-dom', `${other}/`])
    expect(refused.status).toBe(0)
    expect(refused.stdout).toContain('FAILED TypeError')
  }, 120_000)
})
