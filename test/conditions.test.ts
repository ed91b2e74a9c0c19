// Conditional requests and ranges as S3 reads them: unquoted entity tags, malformed ones (a 400,
// never a 500), and unsatisfiable ranges, on the gateway and on proxy-mode share links.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, expectS3Error, pathOf, presignOk } from './helpers'
import { createShare, readShare } from './share/helpers'

describe('conditional requests and ranges on the gateway and proxy shares', () => {
  it('are read as S3 reads them on gateway GET and HEAD, and on proxy shares', async () => {
    const stored = await env.BUCKET_LOCAL.put('review/etag.txt', 'etag body')
    const etag = stored?.etag as string
    const { key } = await createKey()
    const get = await presignOk(key, { key: 'review/etag.txt' })
    const head = await presignOk(key, { key: 'review/etag.txt', method: 'HEAD' })
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
    const get = await presignOk(key, { key: 'review/etag2.txt' })
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
    const put = await presignOk(key, { key: 'review/etag3.txt', method: 'PUT' })
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

  it('answers Range: bytes=0-0 on an empty object with 416', async () => {
    await env.BUCKET_LOCAL.put('review/empty.txt', '')
    const { key } = await createKey()
    const get = await presignOk(key, { key: 'review/empty.txt' })
    await expectS3Error(
      await call(pathOf(get.url), { headers: { Range: 'bytes=0-0' } }),
      416,
      'InvalidRange',
    )
    const share = await createShare(key, { key: 'review/empty.txt', mode: 'proxy' })
    expect((await call(`/s/${share.id}`, { headers: { Range: 'bytes=0-0' } })).status).toBe(416)
    expect((await readShare(key, share)).downloads).toBe(0)
  })
})
