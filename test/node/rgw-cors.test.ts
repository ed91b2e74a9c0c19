// Browser uploads to a real S3 server (Ceph RGW) from a page on another loopback origin, in
// headless Chromium: without a bucket CORS rule the upload dies in the preflight and the CORS
// doctor names what is missing; with the rule corsHints gives, applied by the aws CLI
// (put-bucket-cors), the doctor says allowed and the page uploads, and reads a part's ETag. The
// doctor sends nothing to hosts that are not a bucket of the caller, and reports a store that
// hangs or cannot be reached.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CorsCheck, CorsHints } from '../../src/schemas'
import { chromium, haveChromium } from './chromium'
import { aws, createBucket, haveS3, S3 } from './helpers'
import { type SignetServer, startSignet } from './miniflare-server'
import { createApiKey } from './worker-server'

const BUCKET = 'signet-cors'

type Listening = { server: Server | TcpServer; port: number }

async function listenOn<T extends Server | TcpServer>(server: T): Promise<Listening> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return { server, port: typeof address === 'object' && address ? address.port : 0 }
}

const close = (server: Server | TcpServer) =>
  new Promise<void>((resolve) => server.close(() => resolve()))

describe.skipIf(!haveS3('rgw-cors') || !haveChromium('rgw-cors'))(
  'CORS for browser uploads against Ceph RGW',
  () => {
    let signet: SignetServer
    let token = ''
    let pageHtml = ''
    let page: Listening
    let pageOrigin = ''
    // A loopback listener that no bucket points at: the doctor must never connect to it.
    let bystander: Listening
    let bystanderConnections = 0
    // A "store" that accepts connections and never answers.
    let hanging: Listening
    const sockets: { destroy(): void }[] = []
    const dir = mkdtempSync(join(tmpdir(), 'signet-cors-'))

    async function api<T>(path: string, body: unknown) {
      const response = await fetch(`${signet.origin}${path}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
      return {
        status: response.status,
        timing: response.headers.get('Server-Timing') ?? '',
        body: (await response.json()) as T,
      }
    }

    const upload = {
      bucket: 'rgw',
      key: 'browser/report.json',
      method: 'PUT',
      contentType: 'application/json',
      metadata: { owner: 'ada' },
    }
    const pageHeaders = { 'content-type': 'application/json', 'x-amz-meta-owner': 'ada' }

    async function doctor(url: string): Promise<CorsCheck & { timing: string }> {
      const inspected = await api<{ cors: CorsCheck }>('/v1/inspect', {
        url,
        origin: pageOrigin,
        method: 'PUT',
        headers: pageHeaders,
      })
      expect(inspected.status, JSON.stringify(inspected.body)).toBe(200)
      return { ...inspected.body.cors, timing: inspected.timing }
    }

    function putBucketCors(rules: unknown[]): void {
      const file = join(dir, 'cors.json')
      writeFileSync(file, JSON.stringify({ CORSRules: rules }))
      const put = aws([
        's3api',
        'put-bucket-cors',
        '--bucket',
        BUCKET,
        '--cors-configuration',
        `file://${file}`,
      ])
      expect(put.status, put.stderr).toBe(0)
    }

    /** The page PUTs with the presigned URL (and a part, reading its ETag); the DOM says how it went. */
    async function runPage(
      put: { url: string; headers: Record<string, string> },
      partUrl?: string,
    ) {
      pageHtml = `<!doctype html><meta charset="utf-8"><title>upload</title><body>waiting</body>
<script>
  const put = ${JSON.stringify(put)}
  const partUrl = ${JSON.stringify(partUrl ?? null)}
  const { 'Content-Length': _, ...headers } = put.headers
  const out = []
  fetch(put.url, { method: 'PUT', headers, body: JSON.stringify({ from: 'chromium' }) })
    .then((r) => out.push('PUT ' + r.status))
    .catch((e) => out.push('PUT FAILED ' + e.name))
    .then(() => partUrl && fetch(partUrl, { method: 'PUT', body: 'part one' })
      .then((r) => out.push('PART ' + r.status + ' ETAG ' + r.headers.get('ETag')))
      .catch((e) => out.push('PART FAILED ' + e.name)))
    .then(() => { document.body.textContent = 'DONE ' + out.join(' | ') })
</script>`
      const run = await chromium(['--virtual-time-budget=10000', '--dump-dom', `${pageOrigin}/`])
      expect(run.status, run.stderr.slice(-2000)).toBe(0)
      return /DONE ([^<]*)/.exec(run.stdout)?.[1] ?? `no result: ${run.stdout.slice(0, 500)}`
    }

    beforeAll(async () => {
      createBucket(BUCKET)
      aws(['s3api', 'delete-bucket-cors', '--bucket', BUCKET])
      page = await listenOn(
        createHttpServer((_, res) => {
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
          res.end(pageHtml)
        }),
      )
      pageOrigin = `http://127.0.0.1:${page.port}`
      bystander = await listenOn(
        createTcpServer((socket) => {
          bystanderConnections++
          socket.destroy()
        }),
      )
      hanging = await listenOn(createTcpServer((socket) => sockets.push(socket)))
      const closedPort = await listenOn(createTcpServer())
      await close(closedPort.server)
      const credential = { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey }
      signet = await startSignet({
        SIGNET_BUCKETS: JSON.stringify({
          local: { binding: 'BUCKET_LOCAL' },
          rgw: { endpoint: S3.endpoint, region: 'us-east-1', bucket: BUCKET },
          hanging: { endpoint: `http://127.0.0.1:${hanging.port}`, region: 'us-east-1' },
          closed: { endpoint: `http://127.0.0.1:${closedPort.port}`, region: 'us-east-1' },
        }),
        SIGNET_CREDENTIALS: JSON.stringify({
          local: { accessKeyId: 'SIGNETMFKEY', secretAccessKey: 'signet-mf-secret-0123456789' },
          rgw: credential,
          hanging: credential,
          closed: credential,
        }),
      })
      token = await createApiKey(signet, 'cors', {
        buckets: ['rgw', 'hanging', 'closed'],
        operations: ['get', 'put', 'multipart'],
      })
    }, 120_000)

    afterAll(async () => {
      for (const socket of sockets) socket.destroy()
      for (const listening of [page, bystander, hanging])
        if (listening) await close(listening.server)
      await signet?.stop()
      aws(['s3api', 'delete-bucket-cors', '--bucket', BUCKET])
      rmSync(dir, { recursive: true, force: true })
    })

    it('fails without a rule, names what is missing, and works with the rule corsHints gives', async () => {
      const presigned = await api<{
        url: string
        headers: Record<string, string>
        corsHints: CorsHints
      }>('/v1/presign', { ...upload, origin: pageOrigin })
      expect(presigned.status).toBe(200)
      const hints = presigned.body.corsHints
      expect(hints.requestHeaders).toEqual(['content-type', 'x-amz-meta-owner'])
      expect(hints.s3?.command).toContain(`--endpoint-url ${S3.endpoint}`)

      // No rule: Chromium's preflight is refused; the doctor says so and names everything.
      expect(await runPage(presigned.body)).toBe('PUT FAILED TypeError')
      const before = await doctor(presigned.body.url)
      expect(before).toMatchObject({
        checked: true,
        allowed: false,
        status: 403,
        allowOrigin: null,
      })
      expect(before.missing).toEqual([
        { kind: 'origin', value: pageOrigin },
        { kind: 'method', value: 'PUT' },
        { kind: 'header', value: 'content-type' },
        { kind: 'header', value: 'x-amz-meta-owner' },
      ])
      expect(before.fix?.s3?.json).toEqual(hints.s3?.json)
      expect(before.preflights).toBe(2)
      expect(before.timing).toContain('fetch;desc="2"')

      // A rule for the origin and PUT that forgets the metadata header: the doctor finds the
      // one header the store refuses, one preflight per header.
      putBucketCors([
        { AllowedOrigins: [pageOrigin], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'] },
      ])
      const partial = await doctor(presigned.body.url)
      expect(partial).toMatchObject({ checked: true, allowed: false, status: 403 })
      expect(partial.missing).toEqual([{ kind: 'header', value: 'x-amz-meta-owner' }])
      expect(partial.preflights).toBe(4)
      expect(await runPage(presigned.body)).toBe('PUT FAILED TypeError')

      // The rule from corsHints, and the one for multipart parts, as the aws CLI applies them.
      const multipart = await api<{
        uploadId: string
        parts: { url: string }[]
        corsHints: CorsHints
      }>('/v1/multipart', { bucket: 'rgw', key: 'browser/parts.bin', parts: 1, origin: pageOrigin })
      expect(multipart.status).toBe(200)
      const partRule = multipart.body.corsHints.s3?.json.CORSRules ?? []
      expect(partRule[0]?.ExposeHeaders).toEqual(['ETag'])
      putBucketCors([...(hints.s3?.json.CORSRules ?? []), ...partRule])

      const after = await doctor(presigned.body.url)
      expect(after).toMatchObject({
        checked: true,
        allowed: true,
        status: 200,
        allowOrigin: pageOrigin,
        missing: [],
        fix: null,
        preflights: 1,
      })
      expect(after.allowHeaders).toEqual(['content-type', 'x-amz-meta-owner'])

      const result = await runPage(presigned.body, multipart.body.parts[0]?.url)
      expect(result).toMatch(/^PUT 200 \| PART 200 ETAG "[0-9a-f]{32}"$/)
      const got = aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', upload.key])
      expect(got.status, got.stderr).toBe(0)
      expect(JSON.parse(got.stdout)).toMatchObject({
        ContentType: 'application/json',
        Metadata: { owner: 'ada' },
      })
      // The ETag the page read completes the upload through Signet.
      const etag = /ETAG (".*")$/.exec(result)?.[1] as string
      const completed = await api('/v1/multipart/complete', {
        bucket: 'rgw',
        key: 'browser/parts.bin',
        uploadId: multipart.body.uploadId,
        parts: [{ partNumber: 1, etag }],
      })
      expect(completed.status).toBe(200)
    }, 180_000)

    it('refuses URLs that are not a bucket of the caller, and connects to none of them', async () => {
      const urls = [
        `http://127.0.0.1:${bystander.port}/${BUCKET}/a?X-Amz-Signature=00`,
        `http://localhost:${bystander.port}/anything`,
        // The store's own endpoint, but a bucket Signet does not give this caller.
        `${S3.endpoint}/another-bucket/a`,
      ]
      for (const url of urls) {
        const answer = await api<{ error: { code: string } }>('/v1/inspect', {
          url,
          origin: pageOrigin,
          method: 'PUT',
        })
        expect(answer.status, url).toBe(403)
        expect(answer.body.error.code).toBe('forbidden')
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(bystanderConnections).toBe(0)
    })

    it('reports a store that does not answer, or cannot be reached, without failing', async () => {
      for (const [bucket, error] of [
        ['hanging', /^timeout: the store did not answer the preflight within 5 s$/],
        ['closed', /^network: /],
      ] as const) {
        const presigned = await api<{ url: string }>('/v1/presign', {
          bucket,
          key: 'a.bin',
          method: 'PUT',
        })
        const inspected = await api<{ cors: CorsCheck }>('/v1/inspect', {
          url: presigned.body.url,
          origin: pageOrigin,
          method: 'PUT',
        })
        expect(inspected.status).toBe(200)
        expect(inspected.body.cors).toMatchObject({
          checked: false,
          allowed: null,
          status: null,
          preflights: 1,
        })
        expect(inspected.body.cors.error).toMatch(error)
        expect(inspected.body.cors.fix?.s3?.json.CORSRules[0]?.AllowedOrigins).toEqual([pageOrigin])
      }
    }, 60_000)
  },
)
