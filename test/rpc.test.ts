import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'

type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } }

/** Calls Signet's RPC entrypoint from the second Worker ("caller") through its binding. */
async function rpc<T = Record<string, unknown>>(
  binding: string,
  method: string,
  ...args: unknown[]
): Promise<Result<T>> {
  const response = await env.CALLER.fetch(`http://caller/${binding}/${method}`, {
    method: 'POST',
    body: JSON.stringify(args),
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Result<T>
}

describe('the RPC entrypoint, called from a second Worker', () => {
  it('presigns within the binding scope, with the same URL shape as HTTP', async () => {
    const result = await rpc<{ url: string; method: string }>('SIGNET', 'presign', {
      bucket: 'local',
      key: 'rpc/a b.txt',
      expiresIn: '5m',
    })
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.url).toMatch(
      /^http:\/\/signet\.test\/s3\/local\/rpc\/a%20b\.txt\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/,
    )
    const uploaded = await env.BUCKET_LOCAL.put('rpc/a b.txt', 'via rpc')
    expect(uploaded).not.toBeNull()
  })

  it('refuses what the binding scope does not allow, and invalid input, with contract codes', async () => {
    expect(
      await rpc('SIGNET_NARROW', 'presign', { bucket: 'local', key: 'other/x.txt' }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(
      await rpc('SIGNET_NARROW', 'presign', { bucket: 'local', key: 'rpc/x.txt', method: 'PUT' }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(
      await rpc('SIGNET_NARROW', 'createShare', { bucket: 'local', key: 'rpc/x.txt' }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(await rpc('SIGNET', 'presign', { bucket: 'local', key: '../x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    })
    expect(
      await rpc('SIGNET', 'presign', { bucket: 'local', key: 'x', expiresIn: 604801 }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
    expect(await rpc('SIGNET', 'presign', { nonsense: true })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    })
    expect(await rpc('SIGNET_NO_PROPS', 'presign', { bucket: 'local', key: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    })
    expect((await rpc('SIGNET_NARROW', 'presign', { bucket: 'local', key: 'rpc/x.txt' })).ok).toBe(
      true,
    )
  })

  it('presigns a batch in order with per-item failures', async () => {
    const result = await rpc<Result<{ key: string }>[]>('SIGNET_NARROW', 'presignBatch', [
      { bucket: 'local', key: 'rpc/1' },
      { bucket: 'local', key: 'nope/2' },
      { bucket: 'local', key: 'rpc/3' },
    ])
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value.map((r) => (r.ok ? r.value.key : r.error.code))).toEqual([
      'rpc/1',
      'forbidden',
      'rpc/3',
    ])
  })

  it('creates, uses and revokes a share; revocation is for the owning binding only', async () => {
    await env.BUCKET_LOCAL.put('rpc/shared.txt', 'shared over rpc')
    const created = await rpc<{ id: string; url: string }>('SIGNET', 'createShare', {
      bucket: 'local',
      key: 'rpc/shared.txt',
      maxDownloads: 2,
    })
    expect(created.ok).toBe(true)
    if (!created.ok) return
    expect(created.value.url).toBe(`http://signet.test/s/${created.value.id}`)
    // The link is used on the Worker that made it (its share objects live there).
    const useLink = () =>
      env.CALLER.fetch(`http://caller/http${new URL(created.value.url).pathname}`, {
        redirect: 'manual',
      })
    const use = await useLink()
    expect(use.status).toBe(302)
    expect(await rpc('SIGNET_NARROW', 'revokeShare', created.value.id)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    })
    expect(await rpc('SIGNET', 'revokeShare', created.value.id)).toEqual({
      ok: true,
      value: { revoked: true },
    })
    const after = await useLink()
    expect(after.status).toBe(410)
  })

  it('makes and revokes an upload link; files go through its link until then', async () => {
    const created = await rpc<{ id: string; url: string; prefix: string }>(
      'SIGNET',
      'createUploadLink',
      { bucket: 'local', prefix: 'rpc/inbox/', maxFiles: 2 },
    )
    expect(created.ok).toBe(true)
    if (!created.ok) return
    expect(created.value.url).toBe(`http://signet.test/u/${created.value.id}`)
    const send = (name: string) =>
      env.CALLER.fetch(`http://caller/http/u/${created.value.id}/${name}`, {
        method: 'PUT',
        body: 'sent over a link made over rpc',
        headers: { 'Content-Length': '30' },
      })
    expect((await send('first.txt')).status).toBe(201)
    expect(await (await env.BUCKET_LOCAL.get('rpc/inbox/first.txt'))?.text()).toBe(
      'sent over a link made over rpc',
    )
    // A binding that may not put there is refused, and may not revoke another's link.
    expect(
      await rpc('SIGNET_NARROW', 'createUploadLink', { bucket: 'local', prefix: 'rpc/' }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(await rpc('SIGNET_NARROW', 'revokeUploadLink', created.value.id)).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    })
    expect(await rpc('SIGNET', 'revokeUploadLink', created.value.id)).toEqual({
      ok: true,
      value: { revoked: true },
    })
    expect((await send('second.txt')).status).toBe(410)
  })

  it('streams an object in with putObject and out with getObject, each within the binding scope', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 7) % 251)
    const put = await env.CALLER.fetch(
      'http://caller/SIGNET/object/local/rpc/streamed%20file.bin',
      {
        method: 'PUT',
        body: bytes,
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(bytes.length),
        },
      },
    )
    const stored = (await put.json()) as Result<{ key: string; size: number; etag: string }>
    expect(stored).toMatchObject({
      ok: true,
      value: { bucket: 'local', key: 'rpc/streamed file.bin', size: bytes.length },
    })
    const head = await env.BUCKET_LOCAL.head('rpc/streamed file.bin')
    expect(head?.size).toBe(bytes.length)
    expect(head?.httpMetadata?.contentType).toBe('application/octet-stream')
    const got = await env.CALLER.fetch('http://caller/SIGNET/object/local/rpc/streamed%20file.bin')
    expect(got.status).toBe(200)
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes)
    expect(JSON.parse(got.headers.get('x-object') ?? '{}')).toMatchObject({
      size: bytes.length,
      etag: head?.httpEtag,
      contentType: 'application/octet-stream',
    })
    // Outside the binding's scope: the narrow one may only get under rpc/, and never put.
    const refused = await env.CALLER.fetch('http://caller/SIGNET_NARROW/object/local/rpc/no.txt', {
      method: 'PUT',
      body: 'no',
      headers: { 'Content-Length': '2' },
    })
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    expect(await env.BUCKET_LOCAL.head('rpc/no.txt')).toBeNull()
    const elsewhere = await env.CALLER.fetch('http://caller/SIGNET_NARROW/object/local/other/x.txt')
    expect(await elsewhere.json()).toMatchObject({ ok: false, error: { code: 'forbidden' } })
    const missing = await env.CALLER.fetch('http://caller/SIGNET/object/local/rpc/none.bin')
    expect(await missing.json()).toMatchObject({ ok: false, error: { code: 'not_found' } })
    const wrongLength = await rpc('SIGNET', 'putObject', 'local', 'rpc/x.bin', null, {})
    expect(wrongLength).toMatchObject({ ok: false, error: { code: 'invalid_request' } })
  })

  it('lets a bound Worker call exactly its public methods, none of its helpers', async () => {
    // The helpers hold the whole configuration (admin token, storage credentials) in what they
    // build; Workers RPC does not honour TypeScript's `private`, so they must not be callable.
    for (const helper of [
      'shareContext',
      'uploadLinkContext',
      'caller',
      'origin',
      'run',
      'presignOne',
    ]) {
      const answer = (await rpc('SIGNET', helper, true)) as unknown as { thrown?: string }
      expect(answer.thrown, helper).toMatch(/does not (implement|expose)|not a function|no such/i)
    }
    for (const method of [
      'presign',
      'presignBatch',
      'createShare',
      'revokeShare',
      'createUploadLink',
      'revokeUploadLink',
      'inspect',
    ]) {
      const answer = (await rpc('SIGNET', method, {})) as unknown as {
        thrown?: string
        ok: boolean
      }
      expect(answer.thrown, method).toBeUndefined()
      expect(answer.ok, method).toBe(false)
    }
  })

  it('inspects URLs, checking signatures of the binding own buckets', async () => {
    const presigned = await rpc<{ url: string }>('SIGNET', 'presign', {
      bucket: 'local',
      key: 'rpc/i.txt',
    })
    if (!presigned.ok) throw new Error('presign failed')
    const result = await rpc<{ signatureValid?: boolean; method?: string; problems: string[] }>(
      'SIGNET',
      'inspect',
      presigned.value.url,
    )
    expect(result).toMatchObject({
      ok: true,
      value: { signatureValid: true, method: 'GET', problems: [] },
    })
  })
})
