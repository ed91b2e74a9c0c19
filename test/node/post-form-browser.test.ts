// A browser upload end to end: headless Chromium opens a test page (served from another origin)
// whose form carries the POST policy fields, puts a file in its file input and submits it to
// the gateway; the test then reads the object back through a presigned GET.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, haveChromium } from './chromium'
import { callApi, createApiKey, startWorker, type WorkerServer } from './worker-server'

function escapeHtml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

describe.skipIf(!haveChromium('post-form-browser'))(
  'a browser form upload through a POST policy',
  () => {
    let server: WorkerServer
    let page: Server
    let pageOrigin: string
    let token: string

    beforeAll(async () => {
      server = await startWorker()
      token = await createApiKey(server, 'browser', {
        buckets: ['local'],
        operations: ['get', 'post'],
        prefixes: ['browser/'],
      })
      const { body: policy } = await callApi<{ url: string; fields: Record<string, string> }>(
        server,
        token,
        'POST',
        '/v1/post-policy',
        {
          bucket: 'local',
          keyPrefix: 'browser/',
          maxContentLength: 4096,
          contentType: 'text/plain',
          successActionStatus: '201',
        },
      )
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
      const run = await chromium(['--virtual-time-budget=10000', '--dump-dom', `${pageOrigin}/`])
      expect(run.status, run.stderr.slice(-2000)).toBe(0)
      // After the submit the browser shows S3's PostResponse.
      expect(run.stdout).toContain('browser/from-chromium.txt')

      const { body: presigned } = await callApi<{ url: string }>(
        server,
        token,
        'POST',
        '/v1/presign',
        {
          bucket: 'local',
          key: 'browser/from-chromium.txt',
        },
      )
      const got = await fetch(presigned.url)
      expect(got.status).toBe(200)
      expect(got.headers.get('content-type')).toBe('text/plain')
      expect(await got.text()).toBe('uploaded by a real browser form\n')
    }, 120_000)
  },
)
