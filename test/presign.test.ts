import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, FULL_SCOPE } from './helpers'

type Answer = {
  url: string
  method: string
  headers: Record<string, string>
  expiresAt: string
  expiresIn: number
  signedAt: string
  bucket: string
  key: string
  policyHints?: {
    enforcedBy: string
    notes: string[]
    s3BucketPolicy: unknown
    cloudflareWafExpression: string
  }
}

async function presign(key: string, body: Record<string, unknown>) {
  return call('/v1/presign', {
    token: key,
    json: { bucket: 'local', key: 'docs/file.txt', ...body },
  })
}

describe('POST /v1/presign', () => {
  it('refuses a single PUT over SIGNET_MAX_BODY_BYTES on a gateway bucket, naming multipart; a remote bucket takes it', async () => {
    const { key } = await createKey({
      buckets: ['local', 'r2-remote'],
      operations: ['put', 'multipart'],
    })
    const big = 200 * 1024 * 1024
    const error = await expectError(
      await presign(key, { method: 'PUT', contentLength: big }),
      400,
      'invalid_request',
    )
    expect(error.message).toContain('multipart')
    expect(error.issues?.[0]?.path).toBe('contentLength')
    const limit = 100 * 1024 * 1024
    expect((await presign(key, { method: 'PUT', contentLength: limit })).status).toBe(200)
    const remote = await presign(key, { bucket: 'r2-remote', method: 'PUT', contentLength: big })
    expect(remote.status).toBe(200)
    // The same size as a multipart upload on the gateway bucket: parts are small enough.
    const parts = await call('/v1/multipart', {
      token: key,
      json: { bucket: 'local', key: 'docs/big.bin', parts: 40, contentLength: big },
    })
    expect(parts.status, await parts.clone().text()).toBe(200)
  })

  it('answers a GET URL on the gateway with the default expiry of 3600 s', async () => {
    const { key } = await createKey()
    const response = await presign(key, {})
    expect(response.status).toBe(200)
    expect(response.headers.get('Cache-Control')).toBe('no-store')
    const answer = (await response.json()) as Answer
    const url = new URL(answer.url)
    expect(url.origin).toBe('http://signet.test')
    expect(url.pathname).toBe('/s3/local/docs/file.txt')
    expect(url.searchParams.get('X-Amz-Expires')).toBe('3600')
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host')
    expect(answer.method).toBe('GET')
    expect(answer.headers).toEqual({})
    expect(answer.expiresIn).toBe(3600)
    expect(Date.parse(answer.expiresAt) - Date.parse(answer.signedAt)).toBe(3600_000)
    expect(answer.url).not.toMatch(/x-id|X-Amz-Content-Sha256|x-amz-checksum|x-amz-sdk/i)
  })

  it('reads every expiry form and refuses out-of-range ones with the limit in the message', async () => {
    const { key } = await createKey()
    for (const [expiresIn, seconds] of [
      [90, 90],
      ['90s', 90],
      ['15m', 900],
      ['2h', 7200],
      ['7d', 604800],
      ['1', 1],
    ] as const) {
      const answer = (await (await presign(key, { expiresIn })).json()) as Answer
      expect(answer.expiresIn, String(expiresIn)).toBe(seconds)
    }
    const at = new Date(Date.now() + 600_000).toISOString()
    const answer = (await (await presign(key, { expiresAt: at })).json()) as Answer
    expect(answer.expiresIn).toBeGreaterThanOrEqual(598)
    expect(answer.expiresIn).toBeLessThanOrEqual(600)
    for (const expiresIn of [0, -5, 604801, '8d', '10w', '1.5h', 1.5]) {
      const error = await expectError(await presign(key, { expiresIn }), 400, 'invalid_request')
      if (expiresIn === 604801 || expiresIn === '8d' || expiresIn === 0)
        expect(error.message).toContain('604800')
    }
    await expectError(
      await presign(key, { expiresAt: '2001-01-01T00:00:00Z' }),
      400,
      'invalid_request',
    )
    await expectError(await presign(key, { expiresAt: 'tomorrow' }), 400, 'invalid_request')
    await expectError(await presign(key, { expiresIn: 60, expiresAt: at }), 400, 'invalid_request')
  })

  it('refuses more than the scope maxExpiresIn, saying the limit', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, maxExpiresIn: 300 })
    expect((await presign(key, { expiresIn: '5m' })).status).toBe(200)
    const error = await expectError(await presign(key, { expiresIn: 301 }), 400, 'invalid_request')
    expect(error.message).toContain('300')
  })

  it('signs the upload headers of a PUT and lists exactly those to send', async () => {
    const { key } = await createKey()
    const checksum = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='
    const answer = (await (
      await presign(key, {
        method: 'PUT',
        contentType: 'image/png',
        contentLength: 1234,
        checksumSha256: checksum,
        metadata: { Owner: 'alice', purpose: 'test run' },
        ifNoneMatch: '*',
      })
    ).json()) as Answer
    expect(answer.headers).toEqual({
      'Content-Type': 'image/png',
      'Content-Length': '1234',
      'x-amz-checksum-sha256': checksum,
      'If-None-Match': '*',
      'x-amz-meta-owner': 'alice',
      'x-amz-meta-purpose': 'test run',
    })
    const signed = new URL(answer.url).searchParams.get('X-Amz-SignedHeaders')
    expect(signed).toBe(
      'content-length;content-type;host;if-none-match;x-amz-checksum-sha256;x-amz-meta-owner;x-amz-meta-purpose',
    )
  })

  it('builds a safe Content-Disposition and the response overrides for a GET', async () => {
    const { key } = await createKey()
    const answer = (await (
      await presign(key, {
        filename: 'Résumé "final"\r\n.pdf',
        responseHeaders: { contentType: 'application/pdf', cacheControl: 'no-cache' },
        versionId: 'v1.2',
      })
    ).json()) as Answer
    const params = new URL(answer.url).searchParams
    expect(params.get('response-content-disposition')).toBe(
      `attachment; filename="Resume 'final'.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%27final%27.pdf`,
    )
    expect(params.get('response-content-type')).toBe('application/pdf')
    expect(params.get('response-cache-control')).toBe('no-cache')
    expect(params.get('versionId')).toBe('v1.2')
    expect(answer.url).not.toContain('+')
  })

  it('refuses fields that do not fit the method', async () => {
    const { key } = await createKey()
    await expectError(await presign(key, { contentType: 'text/plain' }), 400, 'invalid_request')
    await expectError(
      await presign(key, { method: 'PUT', filename: 'x.txt' }),
      400,
      'invalid_request',
    )
    await expectError(
      await presign(key, { method: 'DELETE', responseHeaders: { contentType: 'a/b' } }),
      400,
      'invalid_request',
    )
    await expectError(await presign(key, { method: 'POST' }), 400, 'invalid_request')
    await expectError(
      await presign(key, { method: 'PUT', metadata: { 'bad name': 'x' } }),
      400,
      'invalid_request',
    )
    await expectError(
      await presign(key, { method: 'PUT', metadata: { a: 'ü' } }),
      400,
      'invalid_request',
    )
    await expectError(
      await presign(key, { method: 'PUT', checksumSha256: 'abc' }),
      400,
      'invalid_request',
    )
    await expectError(
      await presign(key, { method: 'PUT', metadata: { a: 'x'.repeat(2048), b: 'y' } }),
      400,
      'invalid_request',
    )
  })

  it('refuses unsafe keys, unknown buckets and requests outside the scope', async () => {
    const { key } = await createKey({
      ...FULL_SCOPE,
      prefixes: ['docs/'],
      operations: ['get', 'put'],
      maxContentLength: 100,
      contentTypes: ['text/*'],
    })
    for (const bad of [
      'docs/../etc/passwd',
      '/docs/x',
      'docs//x',
      'docs/%2e%2e/x',
      'docs/\u0000',
    ]) {
      await expectError(await presign(key, { key: bad }), 400, 'invalid_request')
    }
    await expectError(await presign(key, { key: 'other/x' }), 403, 'forbidden')
    await expectError(await presign(key, { bucket: 'nope-bucket' }), 403, 'forbidden')
    await expectError(await presign(key, { method: 'DELETE' }), 403, 'forbidden')
    await expectError(
      await presign(key, { method: 'PUT', contentType: 'text/plain', contentLength: 101 }),
      403,
      'forbidden',
    )
    await expectError(
      await presign(key, { method: 'PUT', contentType: 'image/png', contentLength: 10 }),
      403,
      'forbidden',
    )
    await expectError(
      await presign(key, { method: 'PUT', contentType: 'text/plain' }),
      400,
      'invalid_request',
    )
    expect(
      (await presign(key, { method: 'PUT', contentType: 'text/plain', contentLength: 100 })).status,
    ).toBe(200)
  })

  it('signs allowIps into gateway URLs and says who enforces them', async () => {
    const { key } = await createKey()
    const answer = (await (await presign(key, { allowIps: ['203.0.113.0/24'] })).json()) as Answer
    expect(new URL(answer.url).searchParams.get('x-signet-allow-ips')).toBe('203.0.113.0/24')
    expect(answer.policyHints?.enforcedBy).toBe('signet')
    expect(answer.policyHints?.cloudflareWafExpression).toBe(
      '(http.request.uri.path eq "/docs/file.txt" and not ip.src in {203.0.113.0/24})',
    )
    expect(answer.policyHints?.s3BucketPolicy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SignetDenyOutsideAllowIps',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: 'arn:aws:s3:::local/docs/file.txt',
          Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } },
        },
      ],
    })
    await expectError(await presign(key, { allowIps: ['203.0.113.1/24'] }), 400, 'invalid_request')
  })
})

describe('POST /v1/presign/batch', () => {
  it('answers 1000 items in order in one request, a bad item failing alone', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, prefixes: ['ok/'] })
    const items = Array.from({ length: 1000 }, (_, i) => {
      if (i % 100 === 7) return { bucket: 'local', key: `ok/../x${i}` }
      if (i % 100 === 8) return { bucket: 'local', key: `no/${i}` }
      if (i % 100 === 9) return { bucket: 'local' }
      return { bucket: 'local', key: `ok/item ${i}.txt`, method: i % 2 ? 'GET' : 'PUT' }
    })
    const response = await call('/v1/presign/batch', { token: key, json: { items } })
    expect(response.status).toBe(200)
    const { results } = (await response.json()) as {
      results: (
        | { ok: true; key: string; method: string; url: string }
        | { ok: false; error: { code: string } }
      )[]
    }
    expect(results).toHaveLength(1000)
    results.forEach((result, i) => {
      if (i % 100 === 7 || i % 100 === 9) {
        expect(result).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
      } else if (i % 100 === 8) {
        expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } })
      } else {
        expect(result).toMatchObject({
          ok: true,
          key: `ok/item ${i}.txt`,
          method: i % 2 ? 'GET' : 'PUT',
        })
        if (result.ok) expect(result.url).toContain(`/s3/local/ok/item%20${i}.txt?`)
      }
    })
  })

  it('refuses an empty batch, more than 1000 items, and the admin token', async () => {
    const { key } = await createKey()
    await expectError(
      await call('/v1/presign/batch', { token: key, json: { items: [] } }),
      400,
      'invalid_request',
    )
    const items = Array.from({ length: 1001 }, () => ({ bucket: 'local', key: 'a' }))
    await expectError(
      await call('/v1/presign/batch', { token: key, json: { items } }),
      400,
      'invalid_request',
    )
  })
})
