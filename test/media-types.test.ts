// A scope's contentTypes hold one media type: a list ("image/png, text/html") passes no check,
// in presigned PUTs, form uploads through the gateway, or POST policies for remote stores.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, FULL_SCOPE, pathOf, presignOk } from './helpers'

describe("a scope's contentTypes and lists of media types", () => {
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
    await presignOk(key, {
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
