// Faults: D1 or R2 failing in the middle of a request. The real bindings are wrapped so that one
// chosen call throws (as a D1 outage or an R2 error would), and the Worker is called through its
// real entry with that env. Every such request must end in a 5xx in the contract's shape with a
// request id and nothing of the failure in it, and leave no partial object, no half-counted use.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { INTERNAL_ERROR_MESSAGE } from '../src/errors'
import worker from '../src/index'
import { call, createKey, ORIGIN } from './helpers'

const LEAK = 'simulated-outage sgn_secret_in_the_error 0123456789abcdef'

class Outage extends Error {
  constructor(what: string) {
    super(`${what}: ${LEAK}`)
  }
}

/** The real D1 binding, except that statements whose SQL matches `failing` throw when run. */
function failingD1(db: D1Database, failing: RegExp): D1Database {
  const doomed = new WeakSet<object>()
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const fail = () => Promise.reject(new Outage('D1_ERROR'))
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values)),
      first: fail,
      run: fail,
      all: fail,
      raw: fail,
    } as unknown as D1PreparedStatement
    doomed.add(wrapped)
    return wrapped
  }
  const proxy: D1Database = new Proxy(db, {
    get(target, property) {
      // A session reads through the same statements: fail them alike.
      if (property === 'withSession') return () => proxy
      if (property === 'prepare') {
        return (sql: string) => {
          const statement = target.prepare(sql)
          return failing.test(sql) ? wrap(statement) : statement
        }
      }
      if (property === 'batch') {
        return (statements: D1PreparedStatement[]) =>
          statements.some((s) => doomed.has(s))
            ? Promise.reject(new Outage('D1_ERROR'))
            : target.batch(statements)
      }
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return proxy
}

/** The real R2 binding, except for the methods given, which run `fault` instead. */
function failingR2(
  bucket: R2Bucket,
  faults: Partial<Record<keyof R2Bucket, (...args: never[]) => unknown>>,
): R2Bucket {
  return new Proxy(bucket, {
    get(target, property) {
      const fault = faults[property as keyof R2Bucket]
      if (fault) return fault
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** The real share objects, except that one method of every stub throws (an object outage). */
function failingShares(namespace: Env['SHARES'], method: string): Env['SHARES'] {
  return new Proxy(namespace, {
    get(target, property) {
      if (property === 'get') {
        return (id: DurableObjectId) => {
          const stub = target.get(id)
          return new Proxy(stub, {
            get(inner, name) {
              if (name === method) return () => Promise.reject(new Outage('Durable Object reset'))
              const value = Reflect.get(inner, name)
              if (typeof value !== 'function') return value
              return (...args: unknown[]) =>
                (inner as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[name]?.(
                  ...args,
                )
            },
          })
        }
      }
      const value = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/** Calls the Worker's real entry with a changed env, as the runtime would. */
async function callWith(
  faultyEnv: Record<string, unknown>,
  path: string,
  init: RequestInit & { token?: string; json?: unknown } = {},
): Promise<Response> {
  const { token, json, ...rest } = init
  const headers = new Headers(rest.headers)
  if (token) headers.set('Authorization', `Bearer ${token}`)
  if (json !== undefined) headers.set('Content-Type', 'application/json')
  const request = new Request(`${ORIGIN}${path}`, {
    ...rest,
    headers,
    redirect: 'manual',
    method: rest.method ?? (json === undefined ? 'GET' : 'POST'),
    body: json === undefined ? (rest.body ?? null) : JSON.stringify(json),
  })
  const ctx = createExecutionContext()
  const response = await worker.fetch(request, { ...env, ...faultyEnv } as Env, ctx)
  await waitOnExecutionContext(ctx)
  return response
}

async function expectInternalError(response: Response) {
  expect(response.status).toBe(500)
  expect(response.headers.get('Content-Type')).toMatch(/^application\/json/)
  expect(response.headers.get('Cache-Control')).toBe('no-store')
  const text = await response.text()
  expect(text).not.toContain('simulated')
  expect(text).not.toContain('sgn_secret')
  const body = JSON.parse(text) as { error: { code: string; message: string; requestId: string } }
  expect(body.error).toEqual({
    code: 'internal_error',
    message: INTERNAL_ERROR_MESSAGE,
    requestId: response.headers.get('X-Request-Id'),
  })
}

async function expectS3InternalError(response: Response) {
  expect(response.status).toBe(500)
  const text = await response.text()
  expect(text).toContain('<Code>InternalError</Code>')
  expect(text).toContain(`<RequestId>${response.headers.get('X-Request-Id')}</RequestId>`)
  expect(text).not.toContain('simulated')
}

async function share(token: string, body: Record<string, unknown>) {
  const response = await call('/v1/shares', { token, json: { bucket: 'local', ...body } })
  expect(response.status).toBe(201)
  return (await response.json()) as { id: string }
}

async function usesOf(token: string, id: string) {
  const response = await call(`/v1/shares/${id}/uses`, { token })
  return ((await response.json()) as { uses: { outcome: string }[] }).uses
}

async function downloadsOf(token: string, id: string) {
  return ((await (await call(`/v1/shares/${id}`, { token })).json()) as { downloads: number })
    .downloads
}

describe('faults', () => {
  it('a Durable Object failure while counting a proxy share use serves no bytes and counts nothing', async () => {
    await env.BUCKET_LOCAL.put('faults/proxy.txt', 'proxied bytes')
    const { key } = await createKey()
    const { id } = await share(key, { key: 'faults/proxy.txt', mode: 'proxy', maxDownloads: 1 })
    const response = await callWith({ SHARES: failingShares(env.SHARES, 'use') }, `/s/${id}`)
    await expectInternalError(response)
    expect(await downloadsOf(key, id)).toBe(0)
    expect((await usesOf(key, id)).map((use) => use.outcome)).not.toContain('downloaded')
    // The use was not taken: the one download the share allows is still there.
    const real = await call(`/s/${id}`)
    expect(await real.text()).toBe('proxied bytes')
  })

  it('a Durable Object failure while counting a redirect share use hands out no URL', async () => {
    await env.BUCKET_LOCAL.put('faults/redirect.txt', 'redirected')
    const { key } = await createKey()
    const { id } = await share(key, { key: 'faults/redirect.txt', maxDownloads: 1 })
    const response = await callWith({ SHARES: failingShares(env.SHARES, 'use') }, `/s/${id}`)
    expect(response.headers.get('Location')).toBeNull()
    await expectInternalError(response)
    expect(await downloadsOf(key, id)).toBe(0)
  })

  it('a D1 outage does not stop a share link: its use touches only its Durable Object', async () => {
    await env.BUCKET_LOCAL.put('faults/edge.txt', 'still here')
    const { key } = await createKey()
    const { id } = await share(key, { key: 'faults/edge.txt', maxDownloads: 2 })
    const response = await callWith({ DB: failingD1(env.DB, /./) }, `/s/${id}`)
    expect(response.status).toBe(302)
    expect(response.headers.get('Server-Timing')).toMatch(/d1;desc="0"/)
    expect(await downloadsOf(key, id)).toBe(1)
  })

  it('an R2 error while reading a proxy share counts nothing', async () => {
    await env.BUCKET_LOCAL.put('faults/r2.txt', 'bytes')
    const { key } = await createKey()
    const { id } = await share(key, { key: 'faults/r2.txt', mode: 'proxy' })
    const broken = failingR2(env.BUCKET_LOCAL, {
      get: () => Promise.reject(new Outage('get: We encountered an internal error (10001)')),
    })
    await expectInternalError(await callWith({ BUCKET_LOCAL: broken }, `/s/${id}`))
    expect(await downloadsOf(key, id)).toBe(0)
  })

  it('a D1 outage while creating a share or a key leaves neither behind', async () => {
    const { key } = await createKey()
    const before = (
      (await (await call('/v1/shares?limit=1000', { token: key })).json()) as {
        shares: unknown[]
      }
    ).shares.length
    await expectInternalError(
      await callWith({ DB: failingD1(env.DB, /^\s*INSERT INTO shares/) }, '/v1/shares', {
        token: key,
        json: { bucket: 'local', key: 'faults/none.txt', pin: false },
      }),
    )
    const after = (
      (await (await call('/v1/shares?limit=1000', { token: key })).json()) as {
        shares: unknown[]
      }
    ).shares.length
    expect(after).toBe(before)

    const created = await callWith(
      { DB: failingD1(env.DB, /^\s*INSERT INTO api_keys/) },
      '/v1/keys',
      {
        token: 'test-admin-token-0123456789',
        json: { name: 'never-made', scope: { buckets: ['local'], operations: ['get'] } },
      },
    )
    await expectInternalError(created)
    const listed = await (
      await call('/v1/keys?limit=1000', { token: 'test-admin-token-0123456789' })
    ).text()
    expect(listed).not.toContain('never-made')
  })

  it('a D1 outage while looking up an API key is a 500, not a 401 that would hide it', async () => {
    const { key } = await createKey()
    await expectInternalError(
      await callWith({ DB: failingD1(env.DB, /FROM api_keys/) }, '/v1/presign', {
        token: key,
        json: { bucket: 'local', key: 'faults/a.txt' },
      }),
    )
  })

  it('an R2 error while storing a gateway PUT stores nothing and answers S3 InternalError', async () => {
    const { key } = await createKey()
    const presigned = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'faults/put.bin', method: 'PUT' },
    })
    const { url } = (await presigned.json()) as { url: string }
    const broken = failingR2(env.BUCKET_LOCAL, {
      // R2 takes part of the stream, then fails: nothing may be left behind.
      put: async (_key: never, value: never) => {
        const reader = (value as ReadableStream<Uint8Array>).getReader()
        await reader.read()
        await reader.cancel()
        throw new Outage('put: We encountered an internal error (10001)')
      },
    })
    const { pathname, search } = new URL(url)
    await expectS3InternalError(
      await callWith({ BUCKET_LOCAL: broken }, `${pathname}${search}`, {
        method: 'PUT',
        body: new Uint8Array(256 * 1024),
        headers: { 'Content-Length': String(256 * 1024) },
      }),
    )
    expect(await env.BUCKET_LOCAL.head('faults/put.bin')).toBeNull()
  })

  it('a client body that ends early stores nothing', async () => {
    const { key } = await createKey()
    const presigned = await call('/v1/presign', {
      token: key,
      json: { bucket: 'local', key: 'faults/short.bin', method: 'PUT' },
    })
    const { url } = (await presigned.json()) as { url: string }
    const { pathname, search } = new URL(url)
    // Content-Length promises 64 KiB; the stream delivers 1 KiB and ends.
    const { readable, writable } = new FixedLengthStream(64 * 1024)
    const writer = writable.getWriter()
    writer.write(new Uint8Array(1024)).catch(() => undefined)
    writer.abort(new Error('client went away')).catch(() => undefined)
    const response = await call(`${pathname}${search}`, {
      method: 'PUT',
      body: readable,
      headers: { 'Content-Length': String(64 * 1024) },
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
    expect(await env.BUCKET_LOCAL.head('faults/short.bin')).toBeNull()
  })

  it('an R2 error in the middle of a multipart form upload aborts it: no object, no parts', async () => {
    const { key } = await createKey()
    const policy = (await (
      await call('/v1/post-policy', {
        token: key,
        json: { bucket: 'local', key: 'faults/form.bin', maxContentLength: 64 * 1024 * 1024 },
      })
    ).json()) as { url: string; fields: Record<string, string> }
    let aborted = false
    const broken = failingR2(env.BUCKET_LOCAL, {
      createMultipartUpload: async (objectKey: never, options: never) => {
        const upload = await env.BUCKET_LOCAL.createMultipartUpload(objectKey, options)
        let parts = 0
        return {
          key: upload.key,
          uploadId: upload.uploadId,
          uploadPart: (n: number, value: never) => {
            if (++parts === 2) return Promise.reject(new Outage('uploadPart (10001)'))
            return upload.uploadPart(n, value)
          },
          abort: async () => {
            aborted = true
            await upload.abort()
          },
          complete: (parts: R2UploadedPart[]) => upload.complete(parts),
        }
      },
    })
    const form = new FormData()
    for (const [name, value] of Object.entries(policy.fields)) form.append(name, value)
    form.append('file', new File([new Uint8Array(20 * 1024 * 1024)], 'big.bin'))
    const { pathname } = new URL(policy.url)
    await expectS3InternalError(
      await callWith({ BUCKET_LOCAL: broken }, pathname, { method: 'POST', body: form }),
    )
    expect(aborted).toBe(true)
    expect(await env.BUCKET_LOCAL.head('faults/form.bin')).toBeNull()
  })
})
