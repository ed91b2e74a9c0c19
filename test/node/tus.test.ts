// tus on upload links, driven by tus-js-client (a real client) against the bundled Worker under
// Miniflare: one stream of 24 MiB; 40 MiB in 1 MiB chunks cut at 40 % and resumed from the offset
// the server stored, byte-identical and invisible until complete; chunks of 5 and 7 MiB (not
// multiples of the part size); Upload-Length over the cap → 413; maxFiles held exactly under 20
// parallel creations, a termination freeing its place; one object.created per file.
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'
import { createApiKey } from './worker-server'

const MiB = 1024 * 1024
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js')

describe('tus on upload links', () => {
  let server: SignetServer
  let key: string

  beforeAll(async () => {
    server = await startSignet()
    key = await createApiKey(server, 'tus', {
      buckets: ['local'],
      operations: ['get', 'head', 'put', 'list', 'share'],
    })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  async function uploadLink(body: Record<string, unknown>) {
    const made = await fetch(`${server.origin}/v1/upload-links`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ bucket: 'local', ...body }),
    })
    expect(made.status, await made.clone().text()).toBe(201)
    return (await made.json()) as { id: string; url: string }
  }

  /** Sends `bytes` with tus-js-client; resolves with the upload's URL. */
  function send(
    link: { url: string },
    bytes: Buffer,
    name: string,
    options: Partial<tus.UploadOptions> = {},
  ): { upload: tus.Upload; done: Promise<string> } {
    let upload: tus.Upload | undefined
    const done = new Promise<string>((resolve, reject) => {
      upload = new tus.Upload(bytes, {
        endpoint: `${link.url}/tus/`,
        metadata: { filename: name, filetype: 'application/octet-stream' },
        retryDelays: [],
        ...options,
        onSuccess: () => resolve(upload?.url ?? ''),
        onError: reject,
      })
      upload.start()
    })
    return { upload: upload as tus.Upload, done }
  }

  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

  async function stored(objectKey: string): Promise<Uint8Array | null> {
    const bucket = await server.mf.getR2Bucket('BUCKET_LOCAL')
    const object = await bucket.get(objectKey)
    return object ? new Uint8Array(await object.arrayBuffer()) : null
  }

  it('takes 24 MiB in one stream', async () => {
    const link = await uploadLink({ prefix: 'tus/one/' })
    const bytes = randomBytes(24 * MiB)
    await send(link, bytes, 'video.bin').done
    const object = await stored('tus/one/video.bin')
    expect(object?.byteLength).toBe(bytes.byteLength)
    expect(sha(object as Uint8Array)).toBe(sha(bytes))
  }, 120_000)

  it('resumes 40 MiB sent in 1 MiB chunks from the offset stored when cut at 40 %', async () => {
    const link = await uploadLink({ prefix: 'tus/resume/' })
    const bytes = randomBytes(40 * MiB)
    const first = send(link, bytes, 'big.bin', {
      chunkSize: MiB,
      onProgress(sent, total) {
        if (sent >= total * 0.4) void first.upload.abort(false)
      },
    })
    first.done.catch(() => {})
    const until = Date.now() + 60_000
    while (!first.upload.url && Date.now() < until) await new Promise((r) => setTimeout(r, 100))
    // Wait until the abort settled: the offset stops moving.
    let offset = -1
    for (let last = -2; offset !== last && Date.now() < until; ) {
      last = offset
      await new Promise((r) => setTimeout(r, 500))
      const head = await fetch(first.upload.url as string, {
        method: 'HEAD',
        headers: { 'Tus-Resumable': '1.0.0' },
      })
      expect(head.status).toBe(200)
      offset = Number(head.headers.get('Upload-Offset'))
    }
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThan(bytes.byteLength)
    // Not there until it is whole.
    expect(await stored('tus/resume/big.bin')).toBeNull()
    let resumedFrom = -1
    const second = send(link, bytes, 'big.bin', {
      chunkSize: MiB,
      uploadUrl: first.upload.url as string,
      onProgress(sent) {
        if (resumedFrom === -1) resumedFrom = sent
      },
    })
    await second.done
    // It went on from what the server said it held, not from the start.
    expect(resumedFrom).toBeGreaterThanOrEqual(offset)
    expect(resumedFrom).toBeLessThanOrEqual(offset + MiB)
    const object = await stored('tus/resume/big.bin')
    expect(sha(object as Uint8Array)).toBe(sha(bytes))
  }, 180_000)

  it('takes chunks of 5 and 7 MiB, which are not multiples of its part size', async () => {
    const link = await uploadLink({ prefix: 'tus/chunks/' })
    for (const chunkSize of [5 * MiB, 7 * MiB]) {
      const bytes = randomBytes(23 * MiB + 123)
      await send(link, bytes, `c${chunkSize}.bin`, { chunkSize }).done
      const object = await stored(`tus/chunks/c${chunkSize}.bin`)
      expect(sha(object as Uint8Array), String(chunkSize)).toBe(sha(bytes))
    }
  }, 180_000)

  it("refuses an Upload-Length over the link's cap, and holds maxFiles under 20 parallel creations", async () => {
    const capped = await uploadLink({ prefix: 'tus/cap/', maxFileSize: MiB })
    const options = await fetch(`${capped.url}/tus/`, { method: 'OPTIONS' })
    expect(options.status).toBe(204)
    expect(options.headers.get('Tus-Max-Size')).toBe(String(MiB))
    expect(options.headers.get('Tus-Extension')).toContain('termination')
    const big = await fetch(`${capped.url}/tus/`, {
      method: 'POST',
      headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(2 * MiB) },
    })
    expect(big.status).toBe(413)
    expect(big.headers.get('Tus-Resumable')).toBe('1.0.0')

    const five = await uploadLink({ prefix: 'tus/five/', maxFiles: 5 })
    const create = (n: number) =>
      fetch(`${five.url}/tus/`, {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          'Upload-Length': '10',
          'Upload-Metadata': `filename ${btoa(`f${n}.txt`)}`,
        },
      })
    const answers = await Promise.all(Array.from({ length: 20 }, (_, n) => create(n)))
    const statuses = answers.map((answer) => answer.status)
    expect(statuses.filter((status) => status === 201)).toHaveLength(5)
    expect(statuses.filter((status) => status === 410)).toHaveLength(15)
    const location = answers.find((answer) => answer.status === 201)?.headers.get('Location')
    const gone = await fetch(location as string, {
      method: 'DELETE',
      headers: { 'Tus-Resumable': '1.0.0' },
    })
    expect(gone.status).toBe(204)
    expect((await create(99)).status).toBe(201)
    expect((await create(100)).status).toBe(410)
  }, 60_000)

  it('announces each file once, and refuses a PATCH at the wrong offset with 409', async () => {
    const link = await uploadLink({ prefix: 'tus/events/' })
    const made = await fetch(`${link.url}/tus/`, {
      method: 'POST',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Length': '6',
        'Upload-Metadata': `filename ${btoa('once.txt')}`,
      },
    })
    const location = made.headers.get('Location') as string
    const patch = (offset: number, body: string) =>
      fetch(location, {
        method: 'PATCH',
        headers: {
          'Tus-Resumable': '1.0.0',
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
        },
        body,
      })
    expect((await patch(0, 'abc')).headers.get('Upload-Offset')).toBe('3')
    expect((await patch(0, 'abc')).status).toBe(409)
    const last = await patch(3, 'def')
    expect(last.status).toBe(204)
    expect(last.headers.get('Upload-Offset')).toBe('6')
    expect(new TextDecoder().decode((await stored('tus/events/once.txt')) as Uint8Array)).toBe(
      'abcdef',
    )
    expect((await patch(6, 'x')).status).toBe(404)
    const until = Date.now() + 20_000
    let created: unknown[] = []
    while (Date.now() < until) {
      const feed = (await (
        await fetch(`${server.origin}/v1/events`, { headers: { Authorization: `Bearer ${key}` } })
      ).json()) as { events: { type: string; data: { key: string } }[] }
      created = feed.events.filter(
        (event) => event.type === 'object.created' && event.data.key === 'tus/events/once.txt',
      )
      if (created.length > 0) break
      await new Promise((r) => setTimeout(r, 250))
    }
    await new Promise((r) => setTimeout(r, 1500))
    expect(created).toHaveLength(1)
  }, 60_000)

  it('signet send: a file to an upload link with tus, cut off with Ctrl-C and resumed by running it again', async () => {
    const link = await uploadLink({ prefix: 'tus/cli/' })
    const work = mkdtempSync(join(tmpdir(), 'signet-send-'))
    const env = {
      ...process.env,
      XDG_CONFIG_HOME: join(work, 'config'),
      SIGNET_URL: '',
      SIGNET_TOKEN: '',
    }
    try {
      const bytes = randomBytes(24 * MiB)
      const path = join(work, 'big.bin')
      writeFileSync(path, bytes)
      const args = [CLI, 'send', link.url, path, '--chunk-size', '1MiB', '--sender', 'Robin']
      const first = spawn(process.execPath, args, { env })
      const exited = new Promise<number | null>((resolve) => first.on('exit', resolve))
      // Stop it once the link holds some of it (the upload's URL is kept on disk).
      const storage = join(work, 'config', 'signet', 'tus-uploads.json')
      let offset = 0
      for (let tries = 0; tries < 200 && offset < 6 * MiB; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        if (!existsSync(storage)) continue
        const kept = Object.values(
          JSON.parse(readFileSync(storage, 'utf8')) as Record<string, { uploadUrl?: string }>,
        )
        const url = kept[0]?.uploadUrl
        if (!url) continue
        const head = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
        offset = Number(head.headers.get('Upload-Offset'))
      }
      first.kill('SIGINT')
      expect(await exited).toBe(130)
      expect(offset).toBeGreaterThan(0)
      expect(await stored('tus/cli/big.bin')).toBeNull()
      const second = spawnSync(process.execPath, args, { env, encoding: 'utf8' })
      expect(second.status, second.stderr).toBe(0)
      expect(second.stderr).toMatch(/resumed at [\d.]+ MiB/)
      expect(second.stdout).toMatch(/^sent .*big\.bin to .* as tus\/cli\/big\.bin \(24\.0 MiB in /)
      const object = await stored('tus/cli/big.bin')
      expect(sha(object as Uint8Array)).toBe(sha(bytes))
      // The link is the permission: a revoked one refuses, as a missing thing (exit 4).
      await fetch(`${server.origin}/v1/upload-links/${link.id}`, {
        method: 'DELETE',
        headers: { Authorization: `Bearer ${key}` },
      })
      const refused = spawnSync(process.execPath, [CLI, 'send', link.url, path], {
        env,
        encoding: 'utf8',
      })
      expect(refused.status).toBe(4)
      expect(refused.stderr).toContain('revoked')
      expect(
        spawnSync(process.execPath, [CLI, 'send', 'https://example.com/x', path], { env }).status,
      ).toBe(2)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }, 120_000)
})
