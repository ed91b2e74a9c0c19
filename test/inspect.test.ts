import { describe, expect, it } from 'vitest'
import type { Inspection } from '../src/s3/inspect'
import { call, createKey, expectError, FULL_SCOPE, presignOk } from './helpers'

const AWS = 'https://examplebucket.s3.amazonaws.com/test.txt'
const BASE =
  'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'

async function inspect(
  token: string,
  url: string,
  extra: Record<string, unknown> = {},
): Promise<Inspection> {
  const response = await call('/v1/inspect', { token, json: { url, ...extra } })
  expect(response.status).toBe(200)
  return (await response.json()) as Inspection
}

describe('POST /v1/inspect', () => {
  it('reads what a URL grants, with the access key id masked and no signature echoed', async () => {
    const { key } = await createKey()
    const result = await inspect(key, `${AWS}?${BASE}`)
    expect(result).toMatchObject({
      algorithm: 'AWS4-HMAC-SHA256',
      host: 'examplebucket.s3.amazonaws.com',
      bucket: 'examplebucket',
      key: 'test.txt',
      credential: {
        accessKeyId: 'AKIA…MPLE',
        date: '20130524',
        region: 'us-east-1',
        service: 's3',
      },
      signedHeaders: ['host'],
      expiresIn: 86400,
      expired: true,
      secondsLeft: 0,
    })
    expect(result.signatureValid).toBeUndefined()
    expect(JSON.stringify(result)).not.toContain('aeeed9bb')
    expect(JSON.stringify(result)).not.toContain('AKIAIOSFODNN7EXAMPLE')
    expect(result.problems).toEqual(['The URL expired at 2013-05-25T00:00:00Z.'])
  })

  const cases: [string, string, RegExp][] = [
    [
      'SDK checksum parameters',
      `${AWS}?${BASE}&x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-sdk-checksum-algorithm=CRC32&x-id=PutObject`,
      /x-amz-checksum-crc32, x-amz-sdk-checksum-algorithm, x-id.*R2 and MinIO/,
    ],
    ['a plus for a space', `https://examplebucket.s3.amazonaws.com/my+file.txt?${BASE}`, /'\+'/],
    [
      'a key encoded twice',
      `https://examplebucket.s3.amazonaws.com/my%2520file.txt?${BASE}`,
      /encoded twice/,
    ],
    [
      'expiry over 7 days',
      `${AWS}?${BASE.replace('X-Amz-Expires=86400', 'X-Amz-Expires=604801')}`,
      /at most 604800/,
    ],
    [
      'a future X-Amz-Date',
      `${AWS}?${BASE.replace('20130524T000000Z', '20990101T000000Z').replace('%2F20130524%2F', '%2F20990101%2F')}`,
      /in the future/,
    ],
    ['expired', `${AWS}?${BASE}`, /expired at/],
    [
      'signed headers to send',
      `${AWS}?${BASE.replace('X-Amz-SignedHeaders=host', 'X-Amz-SignedHeaders=content-type%3Bhost%3Bx-amz-meta-a')}`,
      /must send these signed headers.*content-type, x-amz-meta-a/,
    ],
    [
      'a missing session token',
      `${AWS}?${BASE.replace('AKIAIOSFODNN7EXAMPLE', 'ASIAIOSFODNN7EXAMPLE')}`,
      /X-Amz-Security-Token is missing/,
    ],
    ['missing parameters', `${AWS}?X-Amz-Algorithm=AWS4-HMAC-SHA256`, /X-Amz-Signature is missing/],
  ]
  for (const [name, url, pattern] of cases) {
    it(`explains ${name}`, async () => {
      const { key } = await createKey()
      const result = await inspect(key, url)
      expect(result.problems.join('\n')).toMatch(pattern)
    })
  }

  it('validates the signature of a URL Signet holds the credential for, and finds its method', async () => {
    const { key } = await createKey()
    const presigned = (await (
      await call('/v1/presign', {
        token: key,
        json: { bucket: 'local', key: 'doc/a b.txt', method: 'DELETE' },
      })
    ).json()) as { url: string }
    const good = await inspect(key, presigned.url)
    expect(good).toMatchObject({
      signatureValid: true,
      method: 'DELETE',
      bucket: 'local',
      key: 'doc/a b.txt',
      expired: false,
      problems: [],
    })
    expect(good.secondsLeft).toBeGreaterThan(3590)

    const tampered = await inspect(key, presigned.url.replace('a%20b', 'a%20c'))
    expect(tampered.signatureValid).toBe(false)
    expect(tampered.problems.join('\n')).toMatch(/signature does not match/)

    const put = (await (
      await call('/v1/presign', {
        token: key,
        json: { bucket: 'local', key: 'doc/p.txt', method: 'PUT', contentType: 'text/plain' },
      })
    ).json()) as { url: string }
    expect(
      (await inspect(key, put.url, { method: 'PUT', headers: { 'content-type': 'text/plain' } }))
        .signatureValid,
    ).toBe(true)
    expect(
      (await inspect(key, put.url, { method: 'PUT', headers: { 'content-type': 'text/html' } }))
        .signatureValid,
    ).toBe(false)
    expect((await inspect(key, put.url)).signatureValid).toBeUndefined()
  })

  it('does not check signatures for buckets outside the caller scope', async () => {
    const { key } = await createKey()
    const presigned = (await (
      await call('/v1/presign', { token: key, json: { bucket: 'local', key: 'x.txt' } })
    ).json()) as { url: string }
    const { key: sameBucket } = await createKey({ ...FULL_SCOPE, operations: ['head'] })
    expect((await inspect(sameBucket, presigned.url)).signatureValid).toBe(true)
    const { key: otherBucket } = await createKey({ ...FULL_SCOPE, buckets: ['archive'] })
    const outside = await inspect(otherBucket, presigned.url)
    expect(outside.signatureValid).toBeUndefined()
    expect(outside.method).toBeUndefined()
  })

  it('refuses what is not a URL', async () => {
    const { key } = await createKey()
    await expectError(
      await call('/v1/inspect', { token: key, json: { url: 'not a url' } }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/inspect', { token: key, json: { url: 'ftp://x/y' } }),
      400,
      'invalid_request',
    )
    await expectError(await call('/v1/inspect', { token: key, json: {} }), 400, 'invalid_request')
  })
})

describe('inspect input', () => {
  it('refuses inspect headers that cannot be HTTP headers', async () => {
    const { key } = await createKey()
    const { url } = await presignOk(key, { key: 'review/inspect.txt' })
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
})
