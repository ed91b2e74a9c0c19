// Listing a prefix: POST /v1/presign/list presigns a ListObjectsV2 GET within the caller's scope
// (the `list` operation), and the gateway answers it in S3's XML, a folder level at a time or
// all of it, page by page; the signed prefix cannot be changed.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { call, createKey, expectError, expectS3Error, pathOf } from './helpers'

const ROOT = `listing-${Date.now()}/`

function keysOf(xml: string, tag: 'Key' | 'Prefix'): string[] {
  const inside =
    tag === 'Prefix' ? /<CommonPrefixes>(.*?)<\/CommonPrefixes>/g : /<Contents>(.*?)<\/Contents>/g
  return [...xml.matchAll(inside)].map((m) =>
    decodeURIComponent(/<(?:Key|Prefix)>(.*?)<\/(?:Key|Prefix)>/.exec(m[1] ?? '')?.[1] ?? ''),
  )
}

async function listed(token: string, body: Record<string, unknown>) {
  const presigned = await call('/v1/presign/list', { token, json: { bucket: 'local', ...body } })
  expect(presigned.status, await presigned.clone().text()).toBe(200)
  const { url } = (await presigned.json()) as { url: string }
  const answer = await call(pathOf(url))
  expect(answer.status).toBe(200)
  expect(answer.headers.get('Content-Type')).toBe('application/xml')
  return { url, xml: await answer.text() }
}

describe('listing a prefix', () => {
  let token = ''
  beforeAll(async () => {
    for (const key of ['a.txt', 'b c.txt', 'sub/d.txt', 'sub/e/f.txt', 'ünï.txt']) {
      await env.BUCKET_LOCAL.put(`${ROOT}${key}`, `bytes of ${key}`)
    }
    await env.BUCKET_LOCAL.put(`other-${ROOT}x.txt`, 'not yours')
    token = (await createKey({ buckets: ['local'], prefixes: [ROOT], operations: ['list'] })).key
  })

  it('lists one folder level with a delimiter, names encoded', async () => {
    const { xml } = await listed(token, { prefix: ROOT, delimiter: '/' })
    expect(keysOf(xml, 'Key')).toEqual([`${ROOT}a.txt`, `${ROOT}b c.txt`, `${ROOT}ünï.txt`])
    expect(keysOf(xml, 'Prefix')).toEqual([`${ROOT}sub/`])
    expect(xml).toContain('<EncodingType>url</EncodingType>')
    expect(xml).toMatch(/<Size>\d+<\/Size>/)
    expect(xml).toContain('<IsTruncated>false</IsTruncated>')
  })

  it('lists everything under the prefix without one, page by page', async () => {
    const first = await listed(token, { prefix: ROOT, maxKeys: 3 })
    expect(keysOf(first.xml, 'Key')).toHaveLength(3)
    expect(first.xml).toContain('<IsTruncated>true</IsTruncated>')
    const next = /<NextContinuationToken>(.*?)<\/NextContinuationToken>/.exec(first.xml)?.[1]
    expect(next).toBeDefined()
    const second = await listed(token, { prefix: ROOT, continuationToken: next })
    expect([...keysOf(first.xml, 'Key'), ...keysOf(second.xml, 'Key')]).toEqual(
      ['a.txt', 'b c.txt', 'sub/d.txt', 'sub/e/f.txt', 'ünï.txt'].map((key) => `${ROOT}${key}`),
    )
  })

  it('refuses a prefix outside the scope, and a caller without list', async () => {
    for (const prefix of ['', `other-${ROOT}`, 'listing']) {
      await expectError(
        await call('/v1/presign/list', { token, json: { bucket: 'local', prefix } }),
        403,
        'forbidden',
      )
    }
    const { key } = await createKey({ buckets: ['local'], prefixes: [ROOT], operations: ['get'] })
    await expectError(
      await call('/v1/presign/list', { token: key, json: { bucket: 'local', prefix: ROOT } }),
      403,
      'forbidden',
    )
  })

  it('refuses a listing URL whose prefix was changed', async () => {
    const { url } = await listed(token, { prefix: ROOT })
    const changed = new URL(url)
    changed.searchParams.set('prefix', `other-${ROOT}`)
    await expectS3Error(await call(pathOf(changed.toString())), 403, 'SignatureDoesNotMatch')
  })
})
