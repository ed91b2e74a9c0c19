import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  call,
  createKey,
  expectError,
  expectS3Error,
  FULL_SCOPE,
  pathOf,
  sendParts,
} from './helpers'

const MiB = 1024 * 1024

type Multipart = {
  uploadId: string
  expiresAt: string
  parts: { partNumber: number; url: string; expiresAt: string; headers: Record<string, string> }[]
}
type PostPolicy = { url: string; fields: Record<string, string>; expiresAt: string }

function bytes(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

async function sha(data: ArrayBuffer | Uint8Array): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', data)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('')
}

async function startUpload(token: string, body: Record<string, unknown>): Promise<Multipart> {
  const response = await call('/v1/multipart', { token, json: { bucket: 'local', ...body } })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as Multipart
}

describe('multipart uploads through the gateway', () => {
  it('uploads three parts through part URLs, completes, and reads back the same bytes', async () => {
    const { key } = await createKey()
    const upload = await startUpload(key, {
      key: 'mp/big.bin',
      parts: 3,
      contentType: 'application/octet-stream',
    })
    expect(upload.parts.map((p) => p.partNumber)).toEqual([1, 2, 3])
    const chunks = [bytes(5 * MiB, 1), bytes(5 * MiB, 2), bytes(1234, 3)]
    const etags: { partNumber: number; etag: string }[] = []
    for (const [index, part] of upload.parts.entries()) {
      expect(new URL(part.url).searchParams.get('uploadId')).toBe(upload.uploadId)
      const response = await call(pathOf(part.url), {
        method: 'PUT',
        body: chunks[index] as Uint8Array,
      })
      expect(response.status, await response.clone().text()).toBe(200)
      const etag = response.headers.get('ETag') as string
      expect(etag).toMatch(/^".+"$/)
      etags.push({ partNumber: part.partNumber, etag })
    }
    // A part URL is bound to its part number and upload.
    const swapped = (upload.parts[0] as { url: string }).url.replace('partNumber=1', 'partNumber=2')
    await expectS3Error(
      await call(pathOf(swapped), { method: 'PUT', body: chunks[1] as Uint8Array }),
      403,
      'SignatureDoesNotMatch',
    )

    const done = await call('/v1/multipart/complete', {
      token: key,
      json: {
        bucket: 'local',
        key: 'mp/big.bin',
        uploadId: upload.uploadId,
        parts: etags.reverse(),
      },
    })
    expect(done.status, await done.clone().text()).toBe(200)
    const stored = await env.BUCKET_LOCAL.get('mp/big.bin')
    const whole = new Uint8Array(5 * MiB * 2 + 1234)
    whole.set(chunks[0] as Uint8Array)
    whole.set(chunks[1] as Uint8Array, 5 * MiB)
    whole.set(chunks[2] as Uint8Array, 10 * MiB)
    expect(await sha(await (stored as R2ObjectBody).arrayBuffer())).toBe(await sha(whole))
    expect(stored?.httpMetadata?.contentType).toBe('application/octet-stream')
  })

  it('completes a declared upload only with every part it declared, so the object has its length', async () => {
    const { key } = await createKey()
    const length = 10 * MiB + 1
    const checksumSha256 = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='
    const upload = await startUpload(key, {
      key: 'mp/declared.bin',
      parts: 2,
      contentLength: length,
      checksumSha256,
    })
    const etags = await sendParts(upload.parts, bytes(length, 9))
    const complete = (parts: { partNumber: number; etag: string }[], uploadId = upload.uploadId) =>
      call('/v1/multipart/complete', {
        token: key,
        json: { bucket: 'local', key: 'mp/declared.bin', uploadId, parts },
      })
    const refused = await expectError(await complete(etags.slice(0, 1)), 400, 'invalid_request')
    expect(refused.message).toContain('declared 2 parts')
    expect(await env.BUCKET_LOCAL.head('mp/declared.bin')).toBeNull()
    // The declaration is sealed into the id: one edited to declare one part is no upload at all.
    const edited = upload.uploadId.replace(/\.p2l\d+\./, `.p1l${5 * MiB + 1}.`)
    expect(edited).not.toBe(upload.uploadId)
    await expectError(await complete(etags.slice(0, 1), edited), 404, 'not_found')
    expect((await complete(etags)).status).toBe(200)
    const stored = await env.BUCKET_LOCAL.head('mp/declared.bin')
    expect(stored?.size).toBe(length)
    // The whole object's SHA-256 is kept with it, for downloads to check.
    expect(stored?.customMetadata).toEqual({ sha256: checksumSha256 })
  })

  it('aborts: nothing is written and the upload is gone', async () => {
    const { key } = await createKey()
    const upload = await startUpload(key, { key: 'mp/aborted.bin', parts: 1 })
    const part = upload.parts[0] as { url: string }
    const put = await call(pathOf(part.url), { method: 'PUT', body: bytes(1000, 4) })
    const etag = put.headers.get('ETag') as string
    const aborted = await call('/v1/multipart/abort', {
      token: key,
      json: { bucket: 'local', key: 'mp/aborted.bin', uploadId: upload.uploadId },
    })
    expect(aborted.status).toBe(204)
    await expectError(
      await call('/v1/multipart/complete', {
        token: key,
        json: {
          bucket: 'local',
          key: 'mp/aborted.bin',
          uploadId: upload.uploadId,
          parts: [{ partNumber: 1, etag }],
        },
      }),
      404,
      'not_found',
    )
    expect(await env.BUCKET_LOCAL.head('mp/aborted.bin')).toBeNull()
  })

  it('signs each part length when the total is declared, and enforces the scope on every part', async () => {
    const { key } = await createKey({
      ...FULL_SCOPE,
      prefixes: ['mp/'],
      maxContentLength: 12 * MiB,
      contentTypes: ['video/*'],
    })
    await expectError(
      await call('/v1/multipart', {
        token: key,
        json: { bucket: 'local', key: 'mp/v.mp4', parts: 2, contentType: 'video/mp4' },
      }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/multipart', {
        token: key,
        json: {
          bucket: 'local',
          key: 'mp/v.mp4',
          parts: 2,
          contentType: 'video/mp4',
          contentLength: 13 * MiB,
        },
      }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/multipart', {
        token: key,
        json: {
          bucket: 'local',
          key: 'other/v.mp4',
          parts: 2,
          contentType: 'video/mp4',
          contentLength: 10 * MiB,
        },
      }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/multipart', {
        token: key,
        json: {
          bucket: 'local',
          key: 'mp/v.mp4',
          parts: 2,
          contentType: 'text/html',
          contentLength: 10 * MiB,
        },
      }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/multipart', {
        token: key,
        json: {
          bucket: 'local',
          key: 'mp/v.mp4',
          parts: 3,
          contentType: 'video/mp4',
          contentLength: 6 * MiB,
        },
      }),
      400,
      'invalid_request',
    )
    const upload = await startUpload(key, {
      key: 'mp/v.mp4',
      parts: 2,
      contentType: 'video/mp4',
      contentLength: 11 * MiB,
    })
    expect(upload.parts.map((p) => p.headers['Content-Length'])).toEqual([
      String(5.5 * MiB),
      String(5.5 * MiB),
    ])
    const first = upload.parts[0] as { url: string }
    expect(new URL(first.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host')
    await expectS3Error(
      await call(pathOf(first.url), { method: 'PUT', body: bytes(5.5 * MiB + 1, 5) }),
      403,
      'SignatureDoesNotMatch',
    )
    expect(
      (await call(pathOf(first.url), { method: 'PUT', body: bytes(5.5 * MiB, 5) })).status,
    ).toBe(200)
    const { key: noMultipart } = await createKey({ ...FULL_SCOPE, operations: ['put'] })
    await expectError(
      await call('/v1/multipart', {
        token: noMultipart,
        json: { bucket: 'local', key: 'mp/x', parts: 1 },
      }),
      403,
      'forbidden',
    )
  })
})

async function policyFor(token: string, body: Record<string, unknown>): Promise<PostPolicy> {
  const response = await call('/v1/post-policy', { token, json: { bucket: 'local', ...body } })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as PostPolicy
}

function form(
  fields: Record<string, string>,
  file: Uint8Array | string,
  filename = 'upload.bin',
): FormData {
  const data = new FormData()
  for (const [name, value] of Object.entries(fields)) data.append(name, value)
  data.append('file', new File([file], filename, { type: 'application/octet-stream' }))
  return data
}

describe('POST policy uploads through the gateway', () => {
  it('answers a policy with its fields, and the gateway stores a form upload that fits it', async () => {
    const { key } = await createKey()
    const policy = await policyFor(key, {
      keyPrefix: 'forms/',
      maxContentLength: 1024,
      contentType: 'text/plain',
      successActionStatus: '201',
    })
    expect(policy.url).toBe('http://signet.test/s3/local')
    expect(Object.keys(policy.fields).sort()).toEqual(
      [
        'Content-Type',
        'key',
        'policy',
        'success_action_status',
        'x-amz-algorithm',
        'x-amz-credential',
        'x-amz-date',
        'x-amz-signature',
      ].sort(),
    )
    const document = JSON.parse(atob(policy.fields.policy as string)) as { conditions: unknown[] }
    expect(document.conditions).toContainEqual(['starts-with', '$key', 'forms/'])
    expect(document.conditions).toContainEqual(['content-length-range', 0, 1024])
    const response = await call('/s3/local', {
      method: 'POST',
      body: form(policy.fields, 'hello form', 'note.txt'),
    })
    expect(response.status, await response.clone().text()).toBe(201)
    expect(await response.text()).toContain('<Key>forms/note.txt</Key>')
    const stored = await env.BUCKET_LOCAL.get('forms/note.txt')
    expect(await stored?.text()).toBe('hello form')
    expect(stored?.httpMetadata?.contentType).toBe('text/plain')
  })

  it('streams a large upload into R2 in parts', async () => {
    const { key } = await createKey()
    const policy = await policyFor(key, { key: 'forms/large.bin', maxContentLength: 20 * MiB })
    const data = bytes(17 * MiB + 3, 9)
    const response = await call('/s3/local', { method: 'POST', body: form(policy.fields, data) })
    expect(response.status, await response.clone().text()).toBe(204)
    const stored = await env.BUCKET_LOCAL.get('forms/large.bin')
    expect(await sha(await (stored as R2ObjectBody).arrayBuffer())).toBe(await sha(data))
  })

  it('refuses uploads over the size range, outside the prefix, with a tampered policy or extra fields, writing nothing', async () => {
    const { key } = await createKey()
    const policy = await policyFor(key, {
      keyPrefix: 'forms/limited/',
      maxContentLength: 10 * MiB,
      minContentLength: 2,
    })
    const over = await call('/s3/local', {
      method: 'POST',
      body: form(policy.fields, bytes(10 * MiB + 1, 1), 'over.bin'),
    })
    await expectS3Error(over, 400, 'EntityTooLarge')
    expect(await env.BUCKET_LOCAL.head('forms/limited/over.bin')).toBeNull()
    await expectS3Error(
      await call('/s3/local', { method: 'POST', body: form(policy.fields, 'x', 'tiny.bin') }),
      400,
      'EntityTooSmall',
    )
    expect(await env.BUCKET_LOCAL.head('forms/limited/tiny.bin')).toBeNull()

    await expectS3Error(
      await call('/s3/local', {
        method: 'POST',
        body: form({ ...policy.fields, key: 'elsewhere/x.bin' }, 'data'),
      }),
      403,
      'AccessDenied',
    )
    expect(await env.BUCKET_LOCAL.head('elsewhere/x.bin')).toBeNull()

    const document = JSON.parse(atob(policy.fields.policy as string)) as { conditions: unknown[] }
    document.conditions = document.conditions.map((c) =>
      Array.isArray(c) && c[0] === 'content-length-range'
        ? ['content-length-range', 0, 10 ** 12]
        : c,
    )
    const tampered = { ...policy.fields, policy: btoa(JSON.stringify(document)) }
    await expectS3Error(
      await call('/s3/local', {
        method: 'POST',
        body: form(tampered, bytes(11 * MiB, 2), 'big.bin'),
      }),
      403,
      'SignatureDoesNotMatch',
    )
    expect(await env.BUCKET_LOCAL.head('forms/limited/big.bin')).toBeNull()

    await expectS3Error(
      await call('/s3/local', {
        method: 'POST',
        body: form({ ...policy.fields, 'x-amz-meta-extra': '1' }, 'data', 'e.bin'),
      }),
      403,
      'AccessDenied',
    )
    await expectS3Error(
      await call('/s3/local', {
        method: 'POST',
        body: form({ ...policy.fields, key: 'forms/limited/../x' }, 'data'),
      }),
      400,
      'InvalidArgument',
    )
    expect(
      (await call('/s3/local', { method: 'POST', body: form(policy.fields, 'fits', 'ok.bin') }))
        .status,
    ).toBe(204)
  })

  it('enforces the scope on policies and answers 422 for R2 remote targets', async () => {
    const { key } = await createKey({
      ...FULL_SCOPE,
      buckets: ['local', 'r2-remote'],
      prefixes: ['up/'],
      maxContentLength: 1000,
      contentTypes: ['image/*'],
    })
    await expectError(
      await call('/v1/post-policy', {
        token: key,
        json: {
          bucket: 'local',
          keyPrefix: 'up/',
          maxContentLength: 1001,
          contentType: 'image/png',
        },
      }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/post-policy', {
        token: key,
        json: {
          bucket: 'local',
          keyPrefix: 'down/',
          maxContentLength: 10,
          contentType: 'image/png',
        },
      }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/post-policy', {
        token: key,
        json: { bucket: 'local', keyPrefix: 'up/', maxContentLength: 10 },
      }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/post-policy', {
        token: key,
        json: { bucket: 'local', keyPrefix: 'up/', maxContentLength: 10, contentType: 'text/*' },
      }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/post-policy', {
        token: key,
        json: { bucket: 'local', key: 'up/a', keyPrefix: 'up/', maxContentLength: 10 },
      }),
      400,
      'invalid_request',
    )
    expect(
      (
        await call('/v1/post-policy', {
          token: key,
          json: { bucket: 'local', keyPrefix: 'up/', maxContentLength: 10, contentType: 'image/*' },
        })
      ).status,
    ).toBe(200)
    const r2 = await expectError(
      await call('/v1/post-policy', {
        token: key,
        json: {
          bucket: 'r2-remote',
          keyPrefix: 'up/',
          maxContentLength: 10,
          contentType: 'image/png',
        },
      }),
      422,
      'unsupported_by_target',
    )
    expect(r2.message).toContain('presigned PUT')
    const { key: noPost } = await createKey({ ...FULL_SCOPE, operations: ['put'] })
    await expectError(
      await call('/v1/post-policy', {
        token: noPost,
        json: { bucket: 'local', key: 'a', maxContentLength: 10 },
      }),
      403,
      'forbidden',
    )
  })
})

describe('multipart under a scope with maxContentLength and contentTypes', () => {
  it('lets the caller that started an upload complete and abort it', async () => {
    const { key } = await createKey({
      ...FULL_SCOPE,
      maxContentLength: 10 * 1024 * 1024,
      contentTypes: ['video/*'],
    })
    const start = async (objectKey: string) => {
      const response = await call('/v1/multipart', {
        token: key,
        json: {
          bucket: 'local',
          key: objectKey,
          parts: 1,
          contentType: 'video/mp4',
          contentLength: 5,
        },
      })
      expect(response.status, await response.clone().text()).toBe(200)
      return (await response.json()) as { uploadId: string; parts: { url: string }[] }
    }
    const upload = await start('review/clip.mp4')
    const part = await call(pathOf(upload.parts[0]?.url as string), {
      method: 'PUT',
      body: 'video',
    })
    expect(part.status).toBe(200)
    const complete = await call('/v1/multipart/complete', {
      token: key,
      json: {
        bucket: 'local',
        key: 'review/clip.mp4',
        uploadId: upload.uploadId,
        parts: [{ partNumber: 1, etag: part.headers.get('ETag') }],
      },
    })
    expect(complete.status, await complete.clone().text()).toBe(200)
    expect(await (await env.BUCKET_LOCAL.get('review/clip.mp4'))?.text()).toBe('video')

    const other = await start('review/clip2.mp4')
    const abort = await call('/v1/multipart/abort', {
      token: key,
      json: { bucket: 'local', key: 'review/clip2.mp4', uploadId: other.uploadId },
    })
    expect(abort.status, await abort.clone().text()).toBe(204)
  })

  it('answers complete and abort for an unknown upload, another key or duplicate parts with 4xx', async () => {
    const { key } = await createKey()
    const started = await call('/v1/multipart', {
      token: key,
      json: { bucket: 'local', key: 'review/mp.bin', parts: 1 },
    })
    const { uploadId } = (await started.json()) as { uploadId: string }
    const parts = [{ partNumber: 1, etag: '"0123"' }]
    await expectError(
      await call('/v1/multipart/complete', {
        token: key,
        json: { bucket: 'local', key: 'review/mp.bin', uploadId: 'no-such-upload', parts },
      }),
      404,
      'not_found',
    )
    await expectError(
      await call('/v1/multipart/complete', {
        token: key,
        json: { bucket: 'local', key: 'review/other.bin', uploadId, parts },
      }),
      404,
      'not_found',
    )
    await expectError(
      await call('/v1/multipart/abort', {
        token: key,
        json: { bucket: 'local', key: 'review/mp.bin', uploadId: 'no-such-upload' },
      }),
      404,
      'not_found',
    )
    const duplicate = await expectError(
      await call('/v1/multipart/complete', {
        token: key,
        json: { bucket: 'local', key: 'review/mp.bin', uploadId, parts: [...parts, ...parts] },
      }),
      400,
      'invalid_request',
    )
    expect(duplicate.issues?.map((issue) => issue.message).join()).toMatch(/partNumber/)
  })
})
