// Multipart and POST-policy uploads against a real S3 implementation (Ceph RGW): the Worker
// starts and completes uploads with header-signed requests, clients send the bytes to RGW with
// Signet's URLs and fields, and RGW enforces the policy.
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aws, createBucket, haveS3, S3 } from './helpers'
import { createApiKey, startWorker, type WorkerServer } from './worker-server'

const BUCKET = 'signet-uploads'
const MiB = 1024 * 1024

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 131 + seed * 7) & 0xff
  return out
}
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

describe.skipIf(!haveS3('rgw-uploads'))('uploads to Ceph RGW', () => {
  let server: WorkerServer
  let key: string

  beforeAll(async () => {
    createBucket(BUCKET)
    server = await startWorker({
      buckets: { rgw: { endpoint: S3.endpoint, region: 'us-east-1', bucket: BUCKET } },
      credentials: { rgw: { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey } },
    })
    key = await createApiKey(server, 'uploads', {
      buckets: ['rgw'],
      operations: ['get', 'multipart', 'post'],
      prefixes: ['up/'],
    })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  async function api(path: string, body: unknown): Promise<Response> {
    return fetch(`${server.origin}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
  }

  async function read(objectKey: string): Promise<Uint8Array> {
    const presigned = (await (
      await api('/v1/presign', { bucket: 'rgw', key: objectKey })
    ).json()) as { url: string }
    const response = await fetch(presigned.url)
    expect(response.status).toBe(200)
    return new Uint8Array(await response.arrayBuffer())
  }

  it('uploads 15 MiB in 3 parts through part URLs, completes, and reads back byte-identical', async () => {
    const data = bytes(15 * MiB, 1)
    const started = await api('/v1/multipart', {
      bucket: 'rgw',
      key: 'up/fifteen.bin',
      parts: 3,
      contentType: 'application/octet-stream',
      contentLength: data.length,
    })
    expect(started.status, await started.clone().text()).toBe(200)
    const upload = (await started.json()) as {
      uploadId: string
      parts: { partNumber: number; url: string; headers: Record<string, string> }[]
    }
    expect(upload.parts).toHaveLength(3)
    const etags = []
    for (const [index, part] of upload.parts.entries()) {
      const chunk = data.subarray(index * 5 * MiB, (index + 1) * 5 * MiB)
      const response = await fetch(part.url, { method: 'PUT', body: chunk })
      expect(response.status, await response.clone().text()).toBe(200)
      etags.push({ partNumber: part.partNumber, etag: response.headers.get('etag') as string })
    }
    const done = await api('/v1/multipart/complete', {
      bucket: 'rgw',
      key: 'up/fifteen.bin',
      uploadId: upload.uploadId,
      parts: etags,
    })
    expect(done.status, await done.clone().text()).toBe(200)
    expect(sha(await read('up/fifteen.bin'))).toBe(sha(data))
  }, 60_000)

  it('aborts an upload: no object, no upload left', async () => {
    const started = (await (
      await api('/v1/multipart', { bucket: 'rgw', key: 'up/aborted.bin', parts: 1 })
    ).json()) as { uploadId: string; parts: { url: string }[] }
    expect(
      (
        await fetch((started.parts[0] as { url: string }).url, {
          method: 'PUT',
          body: bytes(1000, 2),
        })
      ).status,
    ).toBe(200)
    const aborted = await api('/v1/multipart/abort', {
      bucket: 'rgw',
      key: 'up/aborted.bin',
      uploadId: started.uploadId,
    })
    expect(aborted.status).toBe(204)
    expect(
      aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', 'up/aborted.bin']).status,
    ).not.toBe(0)
    const uploads = aws(['s3api', 'list-multipart-uploads', '--bucket', BUCKET])
    expect(uploads.status, uploads.stderr).toBe(0)
    expect(uploads.stdout).not.toContain(started.uploadId)
  })

  function form(
    fields: Record<string, string>,
    file: Uint8Array | string,
    filename: string,
  ): FormData {
    const data = new FormData()
    for (const [name, value] of Object.entries(fields)) data.append(name, value)
    data.append('file', new Blob([file]), filename)
    return data
  }

  it('uploads through a POST policy; RGW refuses oversize, outside-prefix and tampered forms', async () => {
    const response = await api('/v1/post-policy', {
      bucket: 'rgw',
      keyPrefix: 'up/forms/',
      maxContentLength: 1024,
      successActionStatus: '201',
    })
    expect(response.status, await response.clone().text()).toBe(200)
    const policy = (await response.json()) as { url: string; fields: Record<string, string> }
    expect(policy.url).toBe(`${S3.endpoint}/${BUCKET}`)

    const ok = await fetch(policy.url, {
      method: 'POST',
      body: form(policy.fields, 'posted bytes', 'hello.txt'),
    })
    expect(ok.status, await ok.clone().text()).toBe(201)
    expect(new TextDecoder().decode(await read('up/forms/hello.txt'))).toBe('posted bytes')

    const over = await fetch(policy.url, {
      method: 'POST',
      body: form(policy.fields, bytes(1025, 3), 'over.bin'),
    })
    expect(over.status).toBe(400)
    expect(await over.text()).toContain('EntityTooLarge')

    const outside = await fetch(policy.url, {
      method: 'POST',
      body: form({ ...policy.fields, key: 'elsewhere/x.txt' }, 'x', 'x.txt'),
    })
    expect(outside.status).toBe(403)

    const document = JSON.parse(
      Buffer.from(policy.fields.policy as string, 'base64').toString(),
    ) as { conditions: unknown[] }
    document.conditions = document.conditions.map((c) =>
      Array.isArray(c) && c[0] === 'content-length-range'
        ? ['content-length-range', 0, 1048576]
        : c,
    )
    const tampered = {
      ...policy.fields,
      policy: Buffer.from(JSON.stringify(document)).toString('base64'),
    }
    const forged = await fetch(policy.url, {
      method: 'POST',
      body: form(tampered, bytes(2000, 4), 'forged.bin'),
    })
    expect(forged.status).toBe(403)
    for (const name of ['over.bin', 'forged.bin']) {
      expect(
        aws(['s3api', 'head-object', '--bucket', BUCKET, '--key', `up/forms/${name}`]).status,
      ).not.toBe(0)
    }
  })
})
