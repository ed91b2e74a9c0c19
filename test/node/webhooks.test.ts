// Webhooks end to end: Signet under wrangler dev (its events queue produced and consumed locally)
// delivers to a real receiver on loopback, which verifies every delivery with the
// `standardwebhooks` package, as receivers do. A gateway PUT, a multipart completion, a file sent
// through an upload link (with curl -T) and a counted share download each arrive verified; a receiver that fails twice gets the same
// webhook-id a third time, and /deliveries shows the attempts; a key's webhook hears nothing
// from outside its scope.
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callApi, createApiKey, startWorker, type WorkerServer } from './worker-server'

type Received = { id: string; type: string; data: Record<string, unknown>; verified: boolean }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

describe('webhooks delivered to a receiver on loopback', () => {
  let server: WorkerServer
  let receiver: Server
  let receiverUrl = ''
  /** Per path: the secret to verify with, what arrived, and how many first attempts to refuse. */
  const inboxes = new Map<string, { secret: string; got: Received[]; failFirst: number }>()

  beforeAll(async () => {
    receiver = createServer(async (request, response) => {
      const body = await bodyOf(request)
      const inbox = inboxes.get(request.url ?? '')
      if (!inbox) return void response.writeHead(404).end()
      const headers = {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }
      let verified = false
      try {
        new Webhook(inbox.secret).verify(body, headers)
        verified = true
      } catch {
        verified = false
      }
      const parsed = JSON.parse(body) as { type: string; data: Record<string, unknown> }
      inbox.got.push({ id: headers['webhook-id'], type: parsed.type, data: parsed.data, verified })
      if (inbox.failFirst > 0) {
        inbox.failFirst--
        return void response.writeHead(503).end('not now')
      }
      response.writeHead(204).end()
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const address = receiver.address()
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    server = await startWorker({ vars: { SIGNET_WEBHOOK_RETRY_SECONDS: '1' } })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    receiver?.close()
  })

  async function hook(token: string, path: string, events: string[], failFirst = 0) {
    const made = await callApi<{ id: string; secret: string }>(
      server,
      token,
      'POST',
      '/v1/webhooks',
      {
        url: `${receiverUrl}${path}`,
        events,
      },
    )
    expect(made.status).toBe(201)
    expect(made.body.secret).toMatch(/^whsec_/)
    inboxes.set(path, { secret: made.body.secret, got: [], failFirst })
    return made.body
  }

  async function until<T>(what: string, check: () => T | undefined, ms = 20_000): Promise<T> {
    const deadline = Date.now() + ms
    for (;;) {
      const value = check()
      if (value !== undefined) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
      await sleep(100)
    }
  }

  it('delivers verified events for a gateway PUT, a multipart completion, an upload-link file, a counted download and a folder', async () => {
    const key = await createApiKey(server, 'hooks', {
      buckets: ['local'],
      prefixes: ['hooks/'],
      operations: ['get', 'put', 'multipart', 'share'],
    })
    await hook(server.adminToken, '/admin', [
      'object.created',
      'share.downloaded',
      'upload_link.exhausted',
    ])
    await hook(key, '/scoped', ['object.created'])
    const inbox = (path: string) => inboxes.get(path)?.got ?? []

    // A gateway PUT (presigned), inside the key's scope.
    const put = await callApi<{ url: string; headers: Record<string, string> }>(
      server,
      key,
      'POST',
      '/v1/presign',
      { bucket: 'local', key: 'hooks/put.txt', method: 'PUT' },
    )
    expect((await fetch(put.body.url, { method: 'PUT', body: 'put bytes' })).status).toBe(200)
    const created = await until('object.created for the PUT', () =>
      inbox('/scoped').find((event) => event.data.key === 'hooks/put.txt'),
    )
    expect(created).toMatchObject({
      type: 'object.created',
      verified: true,
      data: { bucket: 'local', key: 'hooks/put.txt', size: 9, source: 'gateway' },
    })

    // A multipart upload completed through Signet.
    const started = await callApi<{
      uploadId: string
      parts: { url: string; headers: Record<string, string> }[]
    }>(server, key, 'POST', '/v1/multipart', {
      bucket: 'local',
      key: 'hooks/big.bin',
      parts: 2,
      contentLength: 10 * 1024 * 1024,
    })
    expect(started.status).toBe(200)
    const etags: string[] = []
    for (const part of started.body.parts) {
      const sent = await fetch(part.url, {
        method: 'PUT',
        headers: part.headers,
        body: new Uint8Array(5 * 1024 * 1024),
      })
      expect(sent.status).toBe(200)
      etags.push(sent.headers.get('etag') as string)
    }
    const completed = await callApi(server, key, 'POST', '/v1/multipart/complete', {
      bucket: 'local',
      key: 'hooks/big.bin',
      uploadId: started.body.uploadId,
      parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })),
    })
    expect(completed.status).toBe(200)
    const multipart = await until('object.created for the multipart upload', () =>
      inbox('/scoped').find((event) => event.data.key === 'hooks/big.bin'),
    )
    expect(multipart).toMatchObject({
      verified: true,
      data: { size: 10 * 1024 * 1024, source: 'multipart' },
    })

    // A file sent through an upload link with `curl -T`, by someone without a key: the link's
    // one file, so the link is used up too.
    const link = await callApi<{ id: string; url: string }>(
      server,
      key,
      'POST',
      '/v1/upload-links',
      {
        bucket: 'local',
        prefix: 'hooks/inbox/',
        maxFiles: 1,
      },
    )
    expect(link.status).toBe(201)
    const scratch = await mkdtemp(join(tmpdir(), 'signet-link-'))
    try {
      await writeFile(join(scratch, 'scan 1.pdf'), 'scanned bytes')
      const { stdout } = await promisify(execFile)('curl', [
        '-sS',
        '-T',
        join(scratch, 'scan 1.pdf'),
        `${link.body.url}/`,
      ])
      expect(JSON.parse(stdout)).toMatchObject({ key: 'hooks/inbox/scan 1.pdf', size: 13 })
    } finally {
      await rm(scratch, { recursive: true, force: true })
    }
    const viaLink = await until('object.created for the upload-link file', () =>
      inbox('/scoped').find((event) => event.data.key === 'hooks/inbox/scan 1.pdf'),
    )
    expect(viaLink).toMatchObject({
      verified: true,
      data: { bucket: 'local', size: 13, source: 'upload_link', uploadLinkId: link.body.id },
    })
    const exhausted = await until('upload_link.exhausted', () =>
      inbox('/admin').find((event) => event.type === 'upload_link.exhausted'),
    )
    expect(exhausted).toMatchObject({
      verified: true,
      data: { uploadLinkId: link.body.id, files: 1, maxFiles: 1 },
    })

    // A counted share's download.
    const share = await callApi<{ id: string; url: string }>(server, key, 'POST', '/v1/shares', {
      bucket: 'local',
      key: 'hooks/put.txt',
      maxDownloads: 2,
      page: false,
    })
    expect((await fetch(share.body.url, { redirect: 'manual' })).status).toBe(302)
    const downloaded = await until('share.downloaded', () =>
      inbox('/admin').find((event) => event.type === 'share.downloaded'),
    )
    expect(downloaded).toMatchObject({
      verified: true,
      data: {
        shareId: share.body.id,
        bucket: 'local',
        key: 'hooks/put.txt',
        downloads: 1,
        maxDownloads: 2,
      },
    })

    // A folder share: a file's download names the file, the zip names the prefix and says so.
    const folder = await callApi<{ id: string; url: string }>(server, key, 'POST', '/v1/shares', {
      bucket: 'local',
      prefix: 'hooks/',
    })
    expect((await fetch(`${folder.body.url}/put.txt`, { redirect: 'manual' })).status).toBe(302)
    await (await fetch(`${folder.body.url}?download=zip`)).arrayBuffer()
    const ofFolder = (zip: boolean) =>
      until(`share.downloaded for the folder${zip ? "'s zip" : "'s file"}`, () =>
        inbox('/admin').find(
          (event) =>
            event.type === 'share.downloaded' &&
            event.data.shareId === folder.body.id &&
            (event.data.zip === true) === zip,
        ),
      )
    expect(await ofFolder(false)).toMatchObject({
      verified: true,
      data: { prefix: 'hooks/', key: 'hooks/put.txt', downloads: 1 },
    })
    expect(await ofFolder(true)).toMatchObject({
      verified: true,
      data: { prefix: 'hooks/', key: 'hooks/', zip: true, downloads: 2 },
    })

    // Outside the key's prefix: the admin hears of it, the key's webhook does not.
    const other = await createApiKey(server, 'other', { buckets: ['local'], operations: ['put'] })
    const signed = await callApi<{ url: string }>(server, other, 'POST', '/v1/presign', {
      bucket: 'local',
      key: 'elsewhere/secret.txt',
      method: 'PUT',
    })
    expect((await fetch(signed.body.url, { method: 'PUT', body: 'not yours' })).status).toBe(200)
    await until('the admin to hear of elsewhere/secret.txt', () =>
      inbox('/admin').find((event) => event.data.key === 'elsewhere/secret.txt'),
    )
    await sleep(1500)
    expect(inbox('/scoped').some((event) => String(event.data.key).startsWith('elsewhere/'))).toBe(
      false,
    )
    expect(inbox('/scoped').every((event) => event.verified)).toBe(true)
    expect(inbox('/admin').every((event) => event.verified)).toBe(true)
  }, 90_000)

  it('retries a receiver that fails twice with the same webhook-id, and shows the attempts', async () => {
    const key = await createApiKey(server, 'flaky', {
      buckets: ['local'],
      prefixes: ['flaky/'],
      operations: ['put'],
    })
    const made = await hook(key, '/flaky', ['object.created'], 2)
    const put = await callApi<{ url: string }>(server, key, 'POST', '/v1/presign', {
      bucket: 'local',
      key: 'flaky/one.txt',
      method: 'PUT',
    })
    expect((await fetch(put.body.url, { method: 'PUT', body: 'once' })).status).toBe(200)
    const got = await until(
      'three attempts',
      () => {
        const all = inboxes.get('/flaky')?.got ?? []
        return all.length >= 3 ? all : undefined
      },
      30_000,
    )
    expect(got.map((event) => event.verified)).toEqual([true, true, true])
    expect(new Set(got.map((event) => event.id)).size).toBe(1)
    type Delivery = { attempt: number; status: number | null; outcome: string; eventId: string }
    let deliveries: Delivery[] = []
    for (let i = 0; i < 50 && deliveries.length < 3; i++) {
      const listed = await callApi<{ deliveries: Delivery[] }>(
        server,
        key,
        'GET',
        `/v1/webhooks/${made.id}/deliveries`,
      )
      deliveries = listed.body.deliveries
      if (deliveries.length < 3) await sleep(200)
    }
    expect(deliveries.map((row) => [row.attempt, row.status, row.outcome])).toEqual([
      [3, 204, 'delivered'],
      [2, 503, 'failed'],
      [1, 503, 'failed'],
    ])
    expect(new Set(deliveries.map((row) => row.eventId))).toEqual(new Set([got[0]?.id]))
    // Nobody else reads them, and a deleted webhook is gone.
    const stranger = await createApiKey(server, 'stranger', {
      buckets: ['local'],
      operations: ['get'],
    })
    expect(
      (await callApi(server, stranger, 'GET', `/v1/webhooks/${made.id}/deliveries`)).status,
    ).toBe(404)
    expect((await callApi(server, key, 'DELETE', `/v1/webhooks/${made.id}`)).status).toBe(204)
    expect((await callApi(server, key, 'GET', `/v1/webhooks/${made.id}/deliveries`)).status).toBe(
      404,
    )
  }, 60_000)
})
