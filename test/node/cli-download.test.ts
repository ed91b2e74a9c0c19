// `signet cp` downloads never end with exit 0 and wrong bytes: through a proxy that resets the
// connection at varied offsets (many runs, to a file and to stdout), from partial files that a
// crash or a disk error left wrong, and through a bit flipped in transit. What cannot be verified
// is said on stderr. Against the local default `npm start` serves.
import { spawn } from 'node:child_process'
import { createHash, randomBytes, randomInt } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxyControl, startProxy } from './cli-proxy'
import { multipartEtag } from './etag'
import { callApi, createApiKey, startLocalDefault } from './worker-server'

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js')
const MiB = 1024 * 1024
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('signet cp downloads', () => {
  let server: Awaited<ReturnType<typeof startLocalDefault>>
  let proxy: ProxyControl
  let token = ''
  const dir = mkdtempSync(join(tmpdir(), 'signet-download-'))
  /** Uploaded by the CLI in parts: its SHA-256 is kept as metadata. */
  const multipart = randomBytes(24 * MiB + 4321)
  /** Uploaded by the CLI in one PUT: the store keeps its SHA-256. */
  const single = randomBytes(3 * MiB + 17)
  /** Uploaded in parts of an unusual size by another client, with no SHA-256: unverifiable. */
  const odd = randomBytes(5 * MiB + 12_345 + 1000)

  async function signet(
    args: string[],
  ): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, SIGNET_URL: proxy.origin, SIGNET_TOKEN: token },
    })
    const stdout: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdin.end()
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return { status, stdout: Buffer.concat(stdout), stderr }
  }

  /** The object's ETag, as a HEAD through a presigned URL answers it. */
  async function etagOf(key: string): Promise<string> {
    const presigned = await callApi<{ url: string }>(server, token, 'POST', '/v1/presign', {
      bucket: 'local',
      key,
      method: 'HEAD',
    })
    const head = await fetch(presigned.body.url, { method: 'HEAD' })
    return head.headers.get('etag') as string
  }

  /** 10 to 20 resets at random offsets spread over `size` bytes. */
  function resets(size: number): number[] {
    const count = randomInt(10, 21)
    const each = Math.floor(size / (count + 1))
    return Array.from({ length: count }, () => randomInt(1, each))
  }

  beforeAll(async () => {
    server = await startLocalDefault()
    proxy = await startProxy(server.origin)
    token = await createApiKey(server, 'cli downloads', {
      buckets: ['local'],
      prefixes: ['verify/'],
      operations: ['get', 'head', 'put', 'multipart'],
    })
    writeFileSync(join(dir, 'multipart.bin'), multipart)
    writeFileSync(join(dir, 'single.bin'), single)
    for (const [name, key] of [
      ['multipart.bin', 'verify/multipart.bin'],
      ['single.bin', 'verify/single.bin'],
    ] as const) {
      const up = await signet([
        'cp',
        join(dir, name),
        `s3://local/${key}`,
        '--quiet',
        '--overwrite',
      ])
      expect(up.status, up.stderr).toBe(0)
    }
    // Two parts of sizes no usual uploader picks, and no SHA-256 anywhere.
    const started = await callApi<{ uploadId: string; parts: { url: string }[] }>(
      server,
      token,
      'POST',
      '/v1/multipart',
      { bucket: 'local', key: 'verify/odd.bin', parts: 2 },
    )
    const cut = 5 * MiB + 12_345
    const etags: string[] = []
    for (const [index, slice] of [odd.subarray(0, cut), odd.subarray(cut)].entries()) {
      const put = await fetch(started.body.parts[index]?.url as string, {
        method: 'PUT',
        body: slice,
      })
      expect(put.status).toBe(200)
      etags.push(put.headers.get('etag') as string)
    }
    const completed = await callApi(server, token, 'POST', '/v1/multipart/complete', {
      bucket: 'local',
      key: 'verify/odd.bin',
      uploadId: started.body.uploadId,
      parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })),
    })
    expect(completed.status).toBe(200)
  }, 180_000)

  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('ends every run through a connection reset 10 to 20 times with the exact bytes', async () => {
    for (let run = 0; run < 8; run++) {
      const out = join(dir, `reset-${run}.bin`)
      proxy.resetDownloadsAfter = resets(multipart.length)
      const resetsAsked = proxy.resetDownloadsAfter.length
      proxy.seen.length = 0
      const down = await signet(['cp', 's3://local/verify/multipart.bin', out, '--quiet'])
      // Every exit 0 has identical bytes, and these runs all end well.
      expect(down.status, down.stderr).toBe(0)
      expect(sha256(readFileSync(out)), `run ${run}`).toBe(sha256(multipart))
      expect(down.stderr).toBe('')
      expect(proxy.resetDownloadsAfter).toEqual([])
      // Each reset resumed exactly where the written bytes end.
      const ranges = proxy.seen.filter((seen) => seen.method === 'GET' && seen.range)
      expect(ranges).toHaveLength(resetsAsked)
      expect(existsSync(`${out}.signet-partial`)).toBe(false)
    }
  }, 300_000)

  it('resumes a download to stdout after resets, with the exact bytes', async () => {
    for (let run = 0; run < 3; run++) {
      proxy.resetDownloadsAfter = resets(single.length)
      const down = await signet(['cp', 's3://local/verify/single.bin', '-'])
      expect(down.status, down.stderr).toBe(0)
      expect(sha256(down.stdout)).toBe(sha256(single))
      expect(down.stderr).toBe('')
    }
  }, 120_000)

  it('discards a partial file that does not verify and fetches the object again', async () => {
    const etag = await etagOf('verify/multipart.bin')
    for (const [name, damage] of [
      ['zeroed', (bytes: Buffer) => bytes.fill(0, 5 * MiB, 5 * MiB + 64 * 1024)],
      [
        'flipped',
        (bytes: Buffer) => bytes.writeUInt8((bytes.readUInt8(29_405) ^ 0xff) & 0xff, 29_405),
      ],
    ] as const) {
      const out = join(dir, `${name}.bin`)
      // What a crash or a disk error leaves: the first 12 MiB, with a hole of zeros or a bad byte.
      const partial = Buffer.from(multipart.subarray(0, 12 * MiB))
      damage(partial)
      writeFileSync(`${out}.signet-partial`, partial)
      writeFileSync(`${out}.signet-partial.json`, JSON.stringify({ etag, size: multipart.length }))
      proxy.seen.length = 0
      const down = await signet(['cp', 's3://local/verify/multipart.bin', out, '--quiet'])
      expect(down.status, down.stderr).toBe(0)
      expect(sha256(readFileSync(out)), name).toBe(sha256(multipart))
      expect(down.stderr).toMatch(/did not verify: fetching it again in full/)
      const gets = proxy.seen.filter(
        (seen) => seen.method === 'GET' && seen.path.startsWith('/s3/'),
      )
      expect(gets.map((seen) => seen.range)).toEqual([`bytes=${12 * MiB}-`, undefined])
    }
  }, 120_000)

  it('fails, keeping nothing, when the bytes that arrive are not the object', async () => {
    for (const [key, length] of [
      ['verify/multipart.bin', multipart.length],
      ['verify/single.bin', single.length],
    ] as const) {
      const out = join(dir, 'corrupted.bin')
      proxy.corruptNextDownloadAt = randomInt(0, length)
      const down = await signet(['cp', `s3://local/${key}`, out, '--quiet'])
      expect(down.status, key).toBe(1)
      expect(down.stderr).toMatch(
        /^signet: check s3:\/\/local\/verify\/\S+: the bytes do not match/,
      )
      expect(existsSync(out)).toBe(false)
      expect(existsSync(`${out}.signet-partial`)).toBe(false)
    }
    proxy.corruptNextDownloadAt = randomInt(0, single.length)
    const piped = await signet(['cp', 's3://local/verify/single.bin', '-'])
    expect(piped.status).toBe(1)
    expect(piped.stderr).toMatch(/the bytes written do not match the object's SHA-256/)
  }, 120_000)

  it('says on stderr when nothing can verify a download, and keeps no partial file it cannot check', async () => {
    const out = join(dir, 'odd.bin')
    const down = await signet(['cp', 's3://local/verify/odd.bin', out, '--quiet'])
    expect(down.status, down.stderr).toBe(0)
    expect(sha256(readFileSync(out))).toBe(sha256(odd))
    expect(down.stderr).toMatch(/^signet: warning: s3:\/\/local\/verify\/odd\.bin was not verified/)
    const piped = await signet(['cp', 's3://local/verify/odd.bin', '-'])
    expect(piped.status).toBe(0)
    expect(sha256(piped.stdout)).toBe(sha256(odd))
    expect(piped.stderr).toMatch(/was not verified/)
    // A partial file of an earlier run cannot be checked afterwards: never kept.
    const again = join(dir, 'odd-again.bin')
    writeFileSync(`${again}.signet-partial`, Buffer.alloc(MiB))
    const etag = await etagOf('verify/odd.bin')
    // The gateway's ETag is S3's, over parts of a size no usual uploader picks.
    expect(etag).toBe(multipartEtag(odd, 5 * MiB + 12_345))
    writeFileSync(`${again}.signet-partial.json`, JSON.stringify({ etag, size: odd.length }))
    proxy.seen.length = 0
    const fresh = await signet(['cp', 's3://local/verify/odd.bin', again, '--quiet'])
    expect(fresh.status).toBe(0)
    expect(sha256(readFileSync(again))).toBe(sha256(odd))
    expect(fresh.stderr).toMatch(/cannot be verified: fetching it again in full/)
    const gets = proxy.seen.filter((seen) => seen.method === 'GET' && seen.path.startsWith('/s3/'))
    expect(gets.map((seen) => seen.range)).toEqual([`bytes=${MiB}-`, undefined])
  }, 120_000)
})
