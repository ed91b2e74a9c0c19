import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createKey, FULL_SCOPE } from './helpers'

type Answer = { url: string; headers: Record<string, string> }

async function presign(token: string, body: Record<string, unknown>): Promise<Answer> {
  const response = await call('/v1/presign', { token, json: { bucket: 'local', ...body } })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as Answer
}

/** Sends a request to a presigned gateway URL through the Worker's entry. */
function use(url: string, init: RequestInit & { ip?: string } = {}) {
  const { ip, ...rest } = init
  const headers = new Headers(rest.headers)
  if (ip) headers.set('CF-Connecting-IP', ip)
  const { pathname, search } = new URL(url)
  return call(`${pathname}${search}`, { ...rest, headers })
}

async function expectS3Error(response: Response, status: number, code: string) {
  expect(response.status).toBe(status)
  expect(response.headers.get('Content-Type')).toBe('application/xml')
  const text = await response.text()
  expect(text).toContain(`<Code>${code}</Code>`)
  expect(text).not.toMatch(/[0-9a-f]{64}/)
  return text
}

describe('the S3 gateway', () => {
  it('round-trips an upload: presigned PUT, then GET returns the same bytes and metadata', async () => {
    const { key } = await createKey()
    const objectKey = 'gw/hello world+ü.txt'
    const put = await presign(key, {
      key: objectKey,
      method: 'PUT',
      contentType: 'text/plain',
      metadata: { owner: 'alice' },
    })
    const uploaded = await use(put.url, {
      method: 'PUT',
      headers: put.headers,
      body: 'hello, gateway',
    })
    expect(uploaded.status).toBe(200)
    expect(uploaded.headers.get('ETag')).toMatch(/^"[0-9a-f]+"$/)

    const get = await presign(key, { key: objectKey })
    const got = await use(get.url)
    expect(got.status).toBe(200)
    expect(await got.text()).toBe('hello, gateway')
    expect(got.headers.get('Content-Type')).toBe('text/plain')
    expect(got.headers.get('x-amz-meta-owner')).toBe('alice')
    expect(got.headers.get('ETag')).toBe(uploaded.headers.get('ETag'))
    expect(got.headers.get('Access-Control-Expose-Headers')).toContain('ETag')
    // Served from Signet's own origin: an uploaded page never runs script there.
    expect(got.headers.get('Content-Security-Policy')).toBe('sandbox')
    expect(got.headers.get('X-Content-Type-Options')).toBe('nosniff')

    const stored = await env.BUCKET_LOCAL.get(objectKey)
    expect(await stored?.text()).toBe('hello, gateway')
  })

  it('serves ranges, conditionals, HEAD and response overrides', async () => {
    const { key } = await createKey()
    await env.BUCKET_LOCAL.put('gw/range.bin', '0123456789', {
      httpMetadata: { contentType: 'application/octet-stream' },
    })
    const get = await presign(key, {
      key: 'gw/range.bin',
      filename: 'digits.bin',
      responseHeaders: { contentType: 'text/plain' },
    })

    const part = await use(get.url, { headers: { Range: 'bytes=2-5' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('Content-Range')).toBe('bytes 2-5/10')
    expect(await part.text()).toBe('2345')
    const suffix = await use(get.url, { headers: { Range: 'bytes=-3' } })
    expect(suffix.status).toBe(206)
    expect(await suffix.text()).toBe('789')
    const open = await use(get.url, { headers: { Range: 'bytes=7-' } })
    expect(await open.text()).toBe('789')
    await expectS3Error(
      await use(get.url, { headers: { Range: 'bytes=50-60' } }),
      416,
      'InvalidRange',
    )

    const whole = await use(get.url)
    expect(whole.headers.get('Content-Type')).toBe('text/plain')
    expect(whole.headers.get('Content-Disposition')).toBe('attachment; filename="digits.bin"')
    const etag = whole.headers.get('ETag') as string
    await whole.arrayBuffer()
    expect((await use(get.url, { headers: { 'If-None-Match': etag } })).status).toBe(304)
    expect((await use(get.url, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200)
    await expectS3Error(
      await use(get.url, { headers: { 'If-Match': '"other"' } }),
      412,
      'PreconditionFailed',
    )
    const future = new Date(Date.now() + 86400_000).toUTCString()
    expect((await use(get.url, { headers: { 'If-Modified-Since': future } })).status).toBe(304)

    const head = await presign(key, { key: 'gw/range.bin', method: 'HEAD' })
    const headed = await use(head.url, { method: 'HEAD' })
    expect(headed.status).toBe(200)
    expect(headed.headers.get('ETag')).toBe(etag)
    expect(await headed.text()).toBe('')
    // A GET URL is not a HEAD URL: the method is signed.
    await expectS3Error(await use(get.url, { method: 'DELETE' }), 403, 'SignatureDoesNotMatch')
  })

  it('refuses a wrong Content-Type, a body of another length or a wrong checksum, and writes nothing', async () => {
    const { key } = await createKey()
    const body = 'twelve bytes'
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)),
    )
    const checksum = btoa(String.fromCharCode(...digest))
    const put = await presign(key, {
      key: 'gw/strict.txt',
      method: 'PUT',
      contentType: 'text/plain',
      contentLength: 12,
      checksumSha256: checksum,
    })
    const { 'Content-Length': _, ...headers } = put.headers

    await expectS3Error(
      await use(put.url, {
        method: 'PUT',
        headers: { ...headers, 'Content-Type': 'text/html' },
        body,
      }),
      403,
      'SignatureDoesNotMatch',
    )
    await expectS3Error(
      await use(put.url, { method: 'PUT', headers, body: `${body}!` }),
      403,
      'SignatureDoesNotMatch',
    )
    await expectS3Error(
      await use(put.url, { method: 'PUT', headers, body: 'short' }),
      403,
      'SignatureDoesNotMatch',
    )
    await expectS3Error(
      await use(put.url, {
        method: 'PUT',
        headers: { ...headers, 'x-amz-checksum-sha256': btoa('x'.repeat(32)) },
        body,
      }),
      403,
      'SignatureDoesNotMatch',
    )
    await expectS3Error(
      await use(put.url, { method: 'PUT', headers: { 'Content-Type': 'text/plain' }, body }),
      403,
      'AccessDenied',
    )
    expect(await env.BUCKET_LOCAL.head('gw/strict.txt')).toBeNull()

    // Same length, same signed headers, other bytes: the checksum catches it.
    const tampered = await use(put.url, { method: 'PUT', headers, body: 'twelve BYTES' })
    await expectS3Error(tampered, 400, 'BadDigest')
    expect(await env.BUCKET_LOCAL.head('gw/strict.txt')).toBeNull()

    expect((await use(put.url, { method: 'PUT', headers, body })).status).toBe(200)
    expect(await (await env.BUCKET_LOCAL.get('gw/strict.txt'))?.text()).toBe(body)
  })

  it('honours If-None-Match: * on PUT', async () => {
    const { key } = await createKey()
    const put = await presign(key, { key: 'gw/once.txt', method: 'PUT', ifNoneMatch: '*' })
    expect(
      (await use(put.url, { method: 'PUT', headers: put.headers, body: 'first' })).status,
    ).toBe(200)
    await expectS3Error(
      await use(put.url, { method: 'PUT', headers: put.headers, body: 'second' }),
      412,
      'PreconditionFailed',
    )
    expect(await (await env.BUCKET_LOCAL.get('gw/once.txt'))?.text()).toBe('first')
  })

  it('answers an expired or tampered URL with S3 XML 403 and deletes with a DELETE URL', async () => {
    const { key } = await createKey()
    await env.BUCKET_LOCAL.put('gw/t.txt', 'x')
    const get = await presign(key, { key: 'gw/t.txt', expiresIn: 60 })
    expect((await use(get.url)).status).toBe(200)
    const tampered = [
      get.url.replace('gw/t.txt', 'gw/T.txt'),
      get.url.replace('X-Amz-Expires=60', 'X-Amz-Expires=61'),
      get.url.replace(
        /X-Amz-Signature=(.)/,
        (_, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`,
      ),
      `${get.url}&response-content-type=text%2Fhtml`,
    ]
    for (const url of tampered) await expectS3Error(await use(url), 403, 'SignatureDoesNotMatch')
    await expectS3Error(
      await use(get.url.replace(/&X-Amz-Signature=[0-9a-f]+/, '')),
      400,
      'AuthorizationQueryParametersError',
    )
    await expectS3Error(
      await use(`${get.url}&X-Amz-Date=20260101T000000Z`),
      400,
      'AuthorizationQueryParametersError',
    )

    const past = Date.now() - 3600_000
    const expired = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'gw/t.txt', expiresIn: 60 },
    })
    expect(expired.status).toBe(200)
    const text = await expectS3Error(await useAt(key, past), 403, 'AccessDenied')
    expect(text).toContain('Request has expired')

    const del = await presign(key, { key: 'gw/t.txt', method: 'DELETE' })
    expect((await use(del.url, { method: 'DELETE' })).status).toBe(204)
    expect(await env.BUCKET_LOCAL.head('gw/t.txt')).toBeNull()
    await expectS3Error(await use(get.url), 404, 'NoSuchKey')
  })

  it('refuses requests from outside the CIDRs signed into the URL', async () => {
    const { key } = await createKey()
    await env.BUCKET_LOCAL.put('gw/ip.txt', 'ip')
    const get = await presign(key, {
      key: 'gw/ip.txt',
      allowIps: ['203.0.113.0/24', '2001:db8::/32'],
    })
    expect((await use(get.url, { ip: '203.0.113.50' })).status).toBe(200)
    expect((await use(get.url, { ip: '2001:db8::7' })).status).toBe(200)
    await expectS3Error(await use(get.url, { ip: '198.51.100.1' }), 403, 'AccessDenied')
    await expectS3Error(await use(get.url), 403, 'AccessDenied')
    await expectS3Error(
      await use(get.url, { ip: '198.51.100.1', headers: { 'X-Forwarded-For': '203.0.113.50' } }),
      403,
      'AccessDenied',
    )
    // Dropping the parameter breaks the signature.
    await expectS3Error(
      await use(get.url.replace(/&x-signet-allow-ips=[^&]+/, ''), { ip: '198.51.100.1' }),
      403,
      'SignatureDoesNotMatch',
    )
  })

  it('answers CORS preflights and unknown buckets', async () => {
    const preflight = await call('/s3/local/a.txt', {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'content-type, x-amz-meta-owner',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('PUT')
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toBe(
      'content-type, x-amz-meta-owner',
    )
    await expectS3Error(await call('/s3/nowhere/a.txt'), 404, 'NoSuchBucket')
  })
})

/** Presigns a GET as if at `at` (ms), by signing through the same signer with a fixed clock. */
async function useAt(token: string, at: number): Promise<Response> {
  const { presign: presignAt } = await import('../src/services/presign')
  const { getConfig } = await import('../src/config')
  const answer = await presignAt(
    { bucket: 'local', key: 'gw/t.txt', expiresIn: 60 },
    {
      caller: { kind: 'key', id: 'k', name: token.slice(0, 0), scope: FULL_SCOPE },
      config: getConfig(env),
      origin: new URL('http://signet.test'),
      now: new Date(at),
    },
  )
  return use(answer.url)
}
