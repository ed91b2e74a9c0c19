// The gateway at the root, path style: /<bucket>/<key> for clients that take no endpoint path.
// A URL is verified over the path its client signed; only gateway buckets answer there.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { encodeKeyPath } from '../src/s3/encoding'
import { amzDate, presignQuery } from '../src/s3/sigv4'
import { call, createKey, expectError } from './helpers'

const credential = {
  accessKeyId: 'SIGNETTESTKEY',
  secretAccessKey: 'signet-test-secret-0123456789',
}

/** A URL signed as an S3 client with endpoint http://signet.test (no path) signs it. */
async function rootUrl(key: string, method = 'GET'): Promise<string> {
  const path = `/local/${encodeKeyPath(key)}`
  const signed = await presignQuery({
    method,
    host: 'signet.test',
    path,
    region: 'us-east-1',
    service: 's3',
    datetime: amzDate(new Date()),
    expiresIn: 300,
    credential,
  })
  return `${path}?${signed.query}`
}

describe('the gateway at the root', () => {
  it('serves /<bucket>/<key> for a URL signed over that path', async () => {
    await env.BUCKET_LOCAL.put('root/hello world.txt', 'hello from the root')
    const got = await call(await rootUrl('root/hello world.txt'))
    expect(got.status).toBe(200)
    expect(await got.text()).toBe('hello from the root')
    const head = await call(await rootUrl('root/hello world.txt', 'HEAD'), { method: 'HEAD' })
    expect(head.status).toBe(200)
    const put = await call(await rootUrl('root/new.txt', 'PUT'), { method: 'PUT', body: 'new' })
    expect(put.status).toBe(200)
    expect(await (await env.BUCKET_LOCAL.get('root/new.txt'))?.text()).toBe('new')
  })

  it('refuses a URL signed for /s3/ at the root, and a tampered one, in S3 XML', async () => {
    await env.BUCKET_LOCAL.put('root/a.txt', 'a')
    const { key } = await createKey()
    const presigned = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'root/a.txt' },
    })
    const url = new URL(((await presigned.json()) as { url: string }).url)
    const moved = await call(`${url.pathname.replace(/^\/s3/, '')}${url.search}`)
    expect(moved.status).toBe(403)
    expect(await moved.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
    // One hex digit of the signature changed (to another digit, whatever it was).
    const tampered = (await rootUrl('root/a.txt')).replace(
      /X-Amz-Signature=(.)/,
      (_, digit: string) => `X-Amz-Signature=${digit === '0' ? '1' : '0'}`,
    )
    const refused = await call(tampered)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('Content-Type')).toBe('application/xml')
  })

  it('answers the JSON 404 for first segments that are no gateway bucket', async () => {
    for (const path of ['/nowhere/x', '/r2-remote/x', '/nowhere', '/docs/x']) {
      await expectError(await call(path), 404, 'not_found')
    }
  })
})
