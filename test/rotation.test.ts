// Rotating a gateway bucket's key pair: with the old pair kept as `previous`, URLs and multipart
// upload ids made with it keep working while Signet signs only with the new pair; once it is
// removed, they are refused.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { createKey, FULL_SCOPE, ORIGIN, pathOf, presignOk } from './helpers'

const CREDENTIALS = JSON.parse(env.SIGNET_CREDENTIALS as string) as Record<string, unknown>
const OLD = CREDENTIALS.local as { accessKeyId: string; secretAccessKey: string }
const NEW = { accessKeyId: 'SIGNETROTATEDKEY', secretAccessKey: 'signet-rotated-secret-0123456789' }

/** The Worker with `local`'s credential replaced. */
function withLocal(credential: Record<string, unknown>) {
  const overrides = { SIGNET_CREDENTIALS: JSON.stringify({ ...CREDENTIALS, local: credential }) }
  return (path: string, init: RequestInit = {}) =>
    app.fetch(new Request(`${ORIGIN}${path}`, init), { ...env, ...overrides }, {
      waitUntil() {},
      passThroughOnException() {},
      props: {},
    } as unknown as ExecutionContext)
}

const rotated = withLocal({ ...NEW, previous: OLD })
const retired = withLocal(NEW)

describe('a rotated gateway key pair', () => {
  it('serves URLs signed with the previous pair until it is removed, and signs only with the new one', async () => {
    const key = `rotation/${crypto.randomUUID()}.txt`
    await env.BUCKET_LOCAL.put(key, 'still here')
    const { key: token } = await createKey(FULL_SCOPE)
    const before = await presignOk(token, { key })
    expect(before.url).toContain(`X-Amz-Credential=${OLD.accessKeyId}%2F`)
    const old = await rotated(pathOf(before.url))
    expect(old.status).toBe(200)
    expect(await old.text()).toBe('still here')
    // New URLs carry the new pair.
    const made = await rotated('/v1/presign', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ bucket: 'local', key }),
    })
    const { url } = (await made.json()) as { url: string }
    expect(url).toContain(`X-Amz-Credential=${NEW.accessKeyId}%2F`)
    expect((await rotated(pathOf(url))).status).toBe(200)
    // The previous pair removed: its URLs are refused, the new pair's still work.
    const refused = await retired(pathOf(before.url))
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('<Code>InvalidAccessKeyId</Code>')
    expect((await retired(pathOf(url))).status).toBe(200)
  })

  it('completes a multipart upload started before the rotation', async () => {
    const key = `rotation/${crypto.randomUUID()}.bin`
    const { key: token } = await createKey(FULL_SCOPE)
    const started = await app.fetch(
      new Request(`${ORIGIN}/v1/multipart`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ bucket: 'local', key, parts: 1 }),
      }),
      env,
    )
    expect(started.status).toBe(200)
    const upload = (await started.json()) as {
      uploadId: string
      parts: { partNumber: number; url: string }[]
    }
    // The part URL and the upload id were made with the old pair; the pair rotates now.
    const part = await rotated(pathOf(upload.parts[0]?.url ?? ''), {
      method: 'PUT',
      headers: { 'Content-Length': '8' },
      body: new TextEncoder().encode('one part'),
    })
    expect(part.status).toBe(200)
    const complete = (worker: typeof rotated) =>
      worker('/v1/multipart/complete', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          bucket: 'local',
          key,
          uploadId: upload.uploadId,
          parts: [{ partNumber: 1, etag: part.headers.get('ETag') }],
        }),
      })
    // Without the previous pair, the id does not open (nothing is asked of R2).
    expect((await complete(retired)).status).toBe(404)
    const done = await complete(rotated)
    expect(done.status, await done.clone().text()).toBe(200)
    expect(await (await env.BUCKET_LOCAL.get(key))?.text()).toBe('one part')
  })
})
