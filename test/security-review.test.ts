// The defects a security review of Signet found, one block each: every test here failed on the
// code the review read and passes on the fix.
import { runInDurableObject } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, createKey, expectError, FULL_SCOPE } from './helpers'

type Share = { id: string; downloads: number }

async function presign(token: string, body: Record<string, unknown>) {
  const response = await call('/v1/presign', { token, json: { bucket: 'local', ...body } })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as { url: string; headers: Record<string, string> }
}

async function createShare(token: string, body: Record<string, unknown>): Promise<Share> {
  const response = await call('/v1/shares', { token, json: { bucket: 'local', ...body } })
  expect(response.status, await response.clone().text()).toBe(201)
  return (await response.json()) as Share
}

async function downloads(token: string, share: Share): Promise<number> {
  const response = await call(`/v1/shares/${share.id}`, { token })
  return ((await response.json()) as Share).downloads
}

function pathOf(url: string): string {
  const u = new URL(url)
  return `${u.pathname}${u.search}`
}

async function expectS3Error(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  if (response.headers.get('Content-Type') === 'application/xml') {
    expect(await response.text()).toContain(`<Code>${code}</Code>`)
  }
}

describe('1. HEAD on a redirect share', () => {
  it('hands out a URL that can HEAD but not GET, and counts nothing', async () => {
    await env.BUCKET_LOCAL.put('review/head.txt', 'five downloads for the price of none')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'review/head.txt', maxDownloads: 1 })
    for (let i = 0; i < 3; i++) {
      const head = await call(`/s/${share.id}`, { method: 'HEAD' })
      expect(head.status).toBe(302)
      const location = head.headers.get('Location') as string
      expect((await call(pathOf(location), { method: 'HEAD' })).status).toBe(200)
      await expectS3Error(await call(pathOf(location)), 403, 'SignatureDoesNotMatch')
    }
    expect(await downloads(key, share)).toBe(0)
    const get = await call(`/s/${share.id}`)
    expect(get.status).toBe(302)
    const body = await call(pathOf(get.headers.get('Location') as string))
    expect(await body.text()).toBe('five downloads for the price of none')
    expect(await downloads(key, share)).toBe(1)
  })
})

describe('2. ranges on proxy shares', () => {
  it('counts a range that does not start at byte 0 once per client download session', async () => {
    await env.BUCKET_LOCAL.put('review/farm.bin', '0123456789abcdef')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'review/farm.bin', mode: 'proxy', maxDownloads: 2 })
    const range = (ip: string) => call(`/s/${share.id}`, { ip, headers: { Range: 'bytes=1-' } })

    const first = await range('198.51.100.1')
    expect(first.status).toBe(206)
    expect(await first.text()).toBe('123456789abcdef')
    expect(await downloads(key, share)).toBe(1)
    // The same client continuing its download (a resume, a video seek) is the same download.
    for (let i = 0; i < 5; i++) {
      const again = await range('198.51.100.1')
      expect(again.status).toBe(206)
      await again.body?.cancel()
    }
    expect(await downloads(key, share)).toBe(1)
    // Another client is another download; a third finds the share used up.
    const other = await range('198.51.100.2')
    expect(other.status).toBe(206)
    await other.body?.cancel()
    expect(await downloads(key, share)).toBe(2)
    await expectError(await range('198.51.100.3'), 410, 'share_exhausted')
    // The first client may still finish its own download inside the session window...
    const resumed = await range('198.51.100.1')
    expect(resumed.status).toBe(206)
    await resumed.body?.cancel()
    // ...but once the window has passed, farming ranges needs a use the share no longer has.
    await runInDurableObject(env.SHARES.get(env.SHARES.idFromName(share.id)), (_, state) => {
      state.storage.sql.exec("UPDATE uses SET at = '2000-01-01T00:00:00.000Z'")
    })
    await expectError(await range('198.51.100.1'), 410, 'share_exhausted')
    expect(await downloads(key, share)).toBe(2)
  })

  it('never lets a client without a counted download take bytes for free', async () => {
    await env.BUCKET_LOCAL.put('review/farm2.bin', '0123456789abcdef')
    const { key } = await createKey()
    const share = await createShare(key, { key: 'review/farm2.bin', mode: 'proxy' })
    for (let i = 0; i < 4; i++) {
      const response = await call(`/s/${share.id}`, {
        headers: { Range: 'bytes=1-' },
        ...(i % 2 === 0 ? {} : { ip: `203.0.113.${i}` }),
      })
      expect(response.status).toBe(206)
      await response.body?.cancel()
    }
    // Two requests without a client address and two distinct clients: four downloads.
    expect(await downloads(key, share)).toBe(4)
  })
})

describe('3. contentTypes and lists of media types', () => {
  const listy = ['image/png, text/html', 'image/', 'image/png,', 'image', 'image/png text/html']

  it.each(listy)(
    'refuses %j as a contentType to presign, multipart and POST policies',
    async (type) => {
      const { key } = await createKey({ ...FULL_SCOPE, contentTypes: ['image/*'] })
      const bodies: [string, Record<string, unknown>][] = [
        ['/v1/presign', { key: 'review/a.png', method: 'PUT', contentType: type }],
        ['/v1/multipart', { key: 'review/a.png', parts: 1, contentType: type }],
        ['/v1/post-policy', { key: 'review/a.png', maxContentLength: 10, contentType: type }],
      ]
      for (const [route, body] of bodies) {
        const error = await expectError(
          await call(route, { token: key, json: { bucket: 'local', ...body } }),
          400,
          'invalid_request',
        )
        expect(error.message).not.toContain(type)
      }
    },
  )

  it('still accepts a single media type with parameters inside the scope', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, contentTypes: ['image/*'] })
    await presign(key, {
      key: 'review/b.svg',
      method: 'PUT',
      contentType: 'image/svg+xml; charset=utf-8',
    })
    await expectError(
      await call('/v1/presign', {
        token: key,
        json: { bucket: 'local', key: 'review/b.html', method: 'PUT', contentType: 'text/html' },
      }),
      403,
      'forbidden',
    )
  })

  it('refuses a form upload whose Content-Type is a list under a "type/*" policy', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, contentTypes: ['image/*'] })
    const response = await call('/v1/post-policy', {
      token: key,
      json: {
        bucket: 'local',
        key: 'review/form.png',
        maxContentLength: 100,
        contentType: 'image/*',
      },
    })
    expect(response.status).toBe(200)
    const policy = (await response.json()) as { url: string; fields: Record<string, string> }
    const submit = (contentType: string) => {
      const data = new FormData()
      for (const [name, value] of Object.entries(policy.fields)) data.append(name, value)
      data.set('Content-Type', contentType)
      data.append('file', new File(['<script>alert(1)</script>'], 'x.png'))
      return call(pathOf(policy.url), { method: 'POST', body: data })
    }
    for (const type of ['image/png, text/html', 'image/', 'image/png;x="a,text/html"']) {
      const refused = await submit(type)
      expect(refused.status).toBeGreaterThanOrEqual(400)
      expect(refused.status).toBeLessThan(500)
      expect(await env.BUCKET_LOCAL.head('review/form.png')).toBeNull()
    }
    expect((await submit('image/png')).status).toBe(204)
  })

  it('refuses a "type/*" POST policy for a remote store, whose starts-with would allow a list', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, buckets: ['local', 's3-remote'] })
    const wildcard = await expectError(
      await call('/v1/post-policy', {
        token: key,
        json: { bucket: 's3-remote', key: 'a.png', maxContentLength: 100, contentType: 'image/*' },
      }),
      422,
      'unsupported_by_target',
    )
    expect(wildcard.message).toContain('contentType')
    const exact = await call('/v1/post-policy', {
      token: key,
      json: { bucket: 's3-remote', key: 'a.png', maxContentLength: 100, contentType: 'image/png' },
    })
    expect(exact.status).toBe(200)
  })
})

describe('4. multipart under a scope with maxContentLength and contentTypes', () => {
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
})

describe('5. unquoted ETags in conditional headers', () => {
  it('are read as S3 reads them on gateway GET and HEAD, and on proxy shares', async () => {
    const stored = await env.BUCKET_LOCAL.put('review/etag.txt', 'etag body')
    const etag = stored?.etag as string
    const { key } = await createKey()
    const get = await presign(key, { key: 'review/etag.txt' })
    const head = await presign(key, { key: 'review/etag.txt', method: 'HEAD' })
    const cases: [string, string, number][] = [
      ['If-None-Match', etag, 304],
      ['If-None-Match', 'abc', 200],
      ['If-Match', etag, 200],
      ['If-Match', 'abc', 412],
      ['If-Match', `abc, ${etag}`, 200],
    ]
    for (const [name, value, status] of cases) {
      expect((await call(pathOf(get.url), { headers: { [name]: value } })).status).toBe(status)
      expect(
        (await call(pathOf(head.url), { method: 'HEAD', headers: { [name]: value } })).status,
      ).toBe(status)
    }
    const share = await createShare(key, { key: 'review/etag.txt', mode: 'proxy' })
    expect((await call(`/s/${share.id}`, { headers: { 'If-None-Match': etag } })).status).toBe(304)
    expect((await call(`/s/${share.id}`, { headers: { 'If-Match': 'abc' } })).status).toBe(412)
  })

  it('answers a malformed entity tag with a 400, never a 500', async () => {
    await env.BUCKET_LOCAL.put('review/etag2.txt', 'etag body')
    const { key } = await createKey()
    const get = await presign(key, { key: 'review/etag2.txt' })
    for (const value of ['"abc', 'a"b', 'W/abc, "', '"a" "b"']) {
      await expectS3Error(
        await call(pathOf(get.url), { headers: { 'If-Match': value } }),
        400,
        'InvalidArgument',
      )
    }
    const share = await createShare(key, { key: 'review/etag2.txt', mode: 'proxy' })
    await expectError(
      await call(`/s/${share.id}`, { headers: { 'If-None-Match': '"abc' } }),
      400,
      'invalid_request',
    )
  })

  it('applies an unquoted If-Match on a gateway PUT as a precondition', async () => {
    const stored = await env.BUCKET_LOCAL.put('review/etag3.txt', 'version one')
    const { key } = await createKey()
    const put = await presign(key, { key: 'review/etag3.txt', method: 'PUT' })
    await expectS3Error(
      await call(pathOf(put.url), { method: 'PUT', headers: { 'If-Match': 'nope' }, body: 'x' }),
      412,
      'PreconditionFailed',
    )
    const ok = await call(pathOf(put.url), {
      method: 'PUT',
      headers: { 'If-Match': stored?.etag as string },
      body: 'version two',
    })
    expect(ok.status).toBe(200)
    expect(await (await env.BUCKET_LOCAL.get('review/etag3.txt'))?.text()).toBe('version two')
  })
})

describe('6. more bad input that gave 500s', () => {
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

  it('refuses inspect headers that cannot be HTTP headers', async () => {
    const { key } = await createKey()
    const { url } = await presign(key, { key: 'review/inspect.txt' })
    for (const headers of [
      { 'bad name': 'x' },
      { 'x-ok': 'a\nb' },
      { 'x-ok': 'a\r\nb' },
      { '': 'x' },
    ]) {
      await expectError(
        await call('/v1/inspect', { token: key, json: { url, headers } }),
        400,
        'invalid_request',
      )
    }
  })

  it('answers Range: bytes=0-0 on an empty object with 416', async () => {
    await env.BUCKET_LOCAL.put('review/empty.txt', '')
    const { key } = await createKey()
    const get = await presign(key, { key: 'review/empty.txt' })
    await expectS3Error(
      await call(pathOf(get.url), { headers: { Range: 'bytes=0-0' } }),
      416,
      'InvalidRange',
    )
    const share = await createShare(key, { key: 'review/empty.txt', mode: 'proxy' })
    expect((await call(`/s/${share.id}`, { headers: { Range: 'bytes=0-0' } })).status).toBe(416)
    expect(await downloads(key, share)).toBe(0)
  })
})

describe('7. work before authentication', () => {
  it('refuses a query with more parameters than any presigned URL needs, before parsing it', async () => {
    const params = Array.from({ length: 5200 }, (_, i) => `X-Amz-P${i}=v`).join('&')
    const response = await call(`/s3/local/review/x.txt?${params}`)
    await expectS3Error(response, 400, 'InvalidArgument')
    expect(await call(`/s3/local/review/x.txt?${params}`).then((r) => r.text())).toContain(
      'query parameters',
    )
  })

  it('refuses a request with more headers than any presigned request needs', async () => {
    const { key } = await createKey()
    const { url } = await presign(key, { key: 'review/x.txt' })
    const headers: Record<string, string> = {}
    for (let i = 0; i < 200; i++) headers[`x-filler-${i}`] = 'v'
    const response = await call(pathOf(url), { headers })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('headers')
  })
})

describe('8. redirect shares of missing objects', () => {
  it('answers 404 and counts nothing when a gateway object does not exist', async () => {
    const { key } = await createKey()
    const share = await createShare(key, { key: 'review/never-uploaded.txt', maxDownloads: 1 })
    await expectError(await call(`/s/${share.id}`), 404, 'not_found')
    expect(await downloads(key, share)).toBe(0)
    await env.BUCKET_LOCAL.put('review/never-uploaded.txt', 'now it is')
    expect((await call(`/s/${share.id}`)).status).toBe(302)
    expect(await downloads(key, share)).toBe(1)
  })
})

describe('9. scope size', () => {
  it.each([
    ['operations', { operations: Array(20000).fill('get') }],
    ['duplicate operations', { operations: ['get', 'get'] }],
    ['buckets', { buckets: Array.from({ length: 101 }, (_, i) => `bucket-${i}`) }],
    ['prefixes', { prefixes: Array.from({ length: 101 }, (_, i) => `p${i}/`) }],
    ['total size', { prefixes: Array.from({ length: 100 }, (_, i) => `${'p'.repeat(1000)}${i}/`) }],
  ])('bounds %s', async (_, extra) => {
    const response = await call('/v1/keys', {
      token: ADMIN_TOKEN,
      json: { name: 'huge', scope: { ...FULL_SCOPE, ...extra } },
    })
    await expectError(response, 400, 'invalid_request')
  })
})

describe('10. answer headers', () => {
  it.each([
    ['/docs', {}],
    ['/openapi.json', {}],
    ['/healthz', {}],
    ['/v1/keys', { token: ADMIN_TOKEN }],
    ['/v1/keys', {}],
    ['/nowhere', {}],
  ])('%s answers with nosniff and a Referrer-Policy', async (path, init) => {
    const response = await call(path, init)
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff')
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer')
    await response.body?.cancel()
  })
})
