// Presigned URLs against a real S3 implementation (Ceph RGW): what Signet signs is accepted, and
// anything that differs from what was signed is refused by the store itself.
import { beforeAll, describe, expect, it } from 'vitest'
import { parseListPage } from '../../src/lib/list-xml'
import { presignList } from '../../src/services/presign'
import { createBucket, fullCaller, haveS3, presignFor, rgwConfig } from './helpers'

const BUCKET = 'signet-presign'

const HOSTILE_KEYS = [
  'plain.txt',
  'with space/and+plus.txt',
  'tilde~/percent%25/%2e%2e-lookalike',
  "sub-delims/!'()*=&?#$,;:@[]",
  'unicode/日本語/résumé/Ωmega',
  'emoji/😀/👩‍👩‍👧.bin',
  'reserved/a%2Fb%3Fc',
  'quotes/"double"/\'single\'/back`tick',
  'angle/<script>alert(1)</script>',
  `long/${'x'.repeat(1000)}`,
  'nbsp/\u00a0zero\u200bwidth',
]

describe.skipIf(!haveS3('rgw-presign'))('presigned URLs against Ceph RGW', () => {
  let config: ReturnType<typeof rgwConfig>
  beforeAll(() => {
    config = rgwConfig(BUCKET)
    createBucket(BUCKET)
  })

  it('puts, heads, gets and deletes every hostile key through presigned URLs', async () => {
    for (const key of HOSTILE_KEYS) {
      const body = `content of ${key}`
      const put = await presignFor(config, {
        key,
        method: 'PUT',
        contentType: 'text/plain; charset=utf-8',
      })
      const uploaded = await fetch(put.url, { method: 'PUT', headers: put.headers, body })
      expect(uploaded.status, `PUT ${key}`).toBe(200)

      const head = await presignFor(config, { key, method: 'HEAD' })
      const headed = await fetch(head.url, { method: 'HEAD' })
      expect(headed.status, `HEAD ${key}`).toBe(200)
      expect(headed.headers.get('content-type')).toBe('text/plain; charset=utf-8')

      const get = await presignFor(config, { key, filename: `${key.split('/').pop()}.txt` })
      const got = await fetch(get.url)
      expect(got.status, `GET ${key}`).toBe(200)
      expect(await got.text()).toBe(body)
      expect(got.headers.get('content-disposition')).toMatch(/^attachment; filename="/)

      const del = await presignFor(config, { key, method: 'DELETE' })
      expect((await fetch(del.url, { method: 'DELETE' })).status, `DELETE ${key}`).toBe(204)
      expect(
        (await fetch((await presignFor(config, { key, method: 'HEAD' })).url, { method: 'HEAD' }))
          .status,
      ).toBe(404)
    }
  })

  it('lists a prefix through a presigned ListObjectsV2, a folder level and everything, every key intact', async () => {
    const root = `listing-${Date.now()}/`
    const keys = HOSTILE_KEYS.slice(0, 9).map((key) => `${root}${key}`)
    for (const key of keys) {
      const put = await presignFor(config, { key, method: 'PUT' })
      expect((await fetch(put.url, { method: 'PUT', body: key })).status).toBe(200)
    }
    const list = async (request: {
      delimiter?: '/'
      continuationToken?: string
      maxKeys?: number
    }) => {
      const { url } = await presignList(
        { bucket: 'rgw', prefix: root, ...request },
        { caller: fullCaller, config, origin: new URL('http://signet.test'), now: new Date() },
      )
      const answer = await fetch(url)
      expect(answer.status).toBe(200)
      return parseListPage(await answer.text())
    }
    const listed: string[] = []
    let token: string | undefined
    do {
      const page = await list({ maxKeys: 4, ...(token ? { continuationToken: token } : {}) })
      listed.push(...page.objects.map((object) => object.key))
      token = page.next ?? undefined
    } while (token)
    expect(listed.sort()).toEqual([...keys].sort())
    const level = await list({ delimiter: '/' })
    expect(level.objects.map((object) => object.key)).toEqual([`${root}plain.txt`])
    expect(level.prefixes).toContain(`${root}unicode/`)
  })

  it('refuses a PUT whose Content-Type, length or checksum differs from what was signed', async () => {
    const body = 'exactly these bytes'
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body))
    const checksum = btoa(String.fromCharCode(...new Uint8Array(digest)))
    const put = await presignFor(config, {
      key: 'strict/upload.txt',
      method: 'PUT',
      contentType: 'text/plain',
      contentLength: body.length,
      checksumSha256: checksum,
    })
    expect(put.headers).toEqual({
      'Content-Type': 'text/plain',
      'Content-Length': String(body.length),
      'x-amz-checksum-sha256': checksum,
    })
    const send = (headers: Record<string, string>, payload = body) =>
      fetch(put.url, { method: 'PUT', headers, body: payload })
    const { 'Content-Length': _, ...sendable } = put.headers

    const wrongType = await send({ ...sendable, 'Content-Type': 'text/html' })
    expect(wrongType.status).toBe(403)
    expect(await wrongType.text()).toContain('SignatureDoesNotMatch')

    const longer = await send(sendable, `${body}!`)
    expect(longer.status).toBe(403)

    const otherChecksum = await send({ ...sendable, 'x-amz-checksum-sha256': btoa('x'.repeat(32)) })
    expect(otherChecksum.status).toBe(403)

    const missingType = await send({ 'x-amz-checksum-sha256': checksum })
    expect(missingType.status).toBe(403)

    const exact = await send(sendable)
    expect(exact.status).toBe(200)
  })

  it('refuses a tampered URL: method, key, expiry, signature or an added override', async () => {
    const put = await presignFor(config, { key: 'tamper/object.txt', method: 'PUT' })
    expect((await fetch(put.url, { method: 'PUT', body: 'x' })).status).toBe(200)
    const get = await presignFor(config, { key: 'tamper/object.txt' })
    expect((await fetch(get.url)).status).toBe(200)

    const tampered = [
      get.url.replace('tamper/object.txt', 'tamper/object.txT'),
      get.url.replace('X-Amz-Expires=3600', 'X-Amz-Expires=3601'),
      get.url.replace(
        /X-Amz-Signature=([0-9a-f])/,
        (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`,
      ),
      `${get.url}&response-content-type=text%2Fhtml`,
    ]
    for (const url of tampered) {
      const response = await fetch(url)
      expect(response.status, url).toBe(403)
    }
    expect((await fetch(get.url, { method: 'DELETE' })).status).toBe(403)
  })

  it('refuses an expired URL', async () => {
    const get = await presignFor(
      config,
      { key: 'tamper/object.txt', expiresIn: 60 },
      new Date(Date.now() - 3600_000),
    )
    const response = await fetch(get.url)
    expect(response.status).toBe(403)
    expect(await response.text()).toContain('AccessDenied')
  })
})
