// Hostile input over real HTTP: fast-check generates requests against every route of the
// contract (bodies of wrong types, missing and extra fields, __proto__, huge and deep values,
// invalid UTF-8, Content-Type variants, duplicate keys, odd methods, paths, queries, header sizes,
// Range and conditional headers of every shape) and sends them to the bundled Worker under
// Miniflare. Property: no 5xx, every error in the contract's shape (S3 XML under /s3), no
// submitted value echoed in an error, no stack trace. Prints how many requests it sent.
import { connect } from 'node:net'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'
import { callApi } from './worker-server'

const CANARY = 'zqxcanary'
const MIN_REQUESTS = 5000

let server: SignetServer
let apiKey: string
let victimKeyId: string
const shareIds: string[] = []
let uploadId: string
const counts = {
  requests: 0,
  unsent: 0,
  raw: 0,
  byStatus: new Map<number, number>(),
  rawByStatus: new Map<number, number>(),
}

type Fuzzed = {
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Uint8Array
}

async function api(method: string, path: string, token: string, body?: unknown) {
  const answer = await callApi(server, token, method, path, body)
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status}`)
  return answer.body
}

beforeAll(async () => {
  server = await startSignet()
  const scope = {
    buckets: ['local'],
    operations: ['get', 'head', 'put', 'delete', 'share', 'multipart', 'post'],
  }
  apiKey = (await api('POST', '/v1/keys', server.adminToken, { name: 'fuzz', scope })).key as string
  victimKeyId = (await api('POST', '/v1/keys', server.adminToken, { name: 'victim', scope }))
    .id as string
  for (const [key, body] of [
    ['fuzz/a.txt', '0123456789'],
    ['fuzz/empty.txt', ''],
  ] as const) {
    const put = await api('POST', '/v1/presign', apiKey, { bucket: 'local', key, method: 'PUT' })
    const stored = await fetch(put.url as string, { method: 'PUT', body })
    expect(stored.status).toBe(200)
  }
  for (const share of [
    { key: 'fuzz/a.txt' },
    { key: 'fuzz/a.txt', mode: 'proxy' },
    { key: 'fuzz/empty.txt', mode: 'proxy', maxDownloads: 3 },
    { key: 'fuzz/missing.txt', allowIps: ['203.0.113.0/24'], pin: false },
    // Folder shares: their listing, their files by path, their zip.
    { prefix: 'fuzz/' },
    { prefix: 'fuzz/', mode: 'proxy', maxDownloads: 3 },
  ]) {
    shareIds.push(
      (await api('POST', '/v1/shares', apiKey, { bucket: 'local', ...share })).id as string,
    )
  }
  uploadId = (
    await api('POST', '/v1/multipart', apiKey, { bucket: 'local', key: 'fuzz/mp.bin', parts: 2 })
  ).uploadId as string
}, 120_000)

afterAll(async () => {
  await server?.stop()
  const list = (map: Map<number, number>) =>
    [...map]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}:${n}`)
      .join(' ')
  console.log(
    `fuzz: ${counts.requests} generated HTTP requests (${counts.unsent} more the client would not send) and ${counts.raw} raw-socket requests; statuses ${list(counts.byStatus)}; raw ${list(counts.rawByStatus)} (0 = closed unanswered)`,
  )
})

// ---- generators -------------------------------------------------------------------------------

const str = (max = 40) => fc.string({ maxLength: max })
const canaryString = fc.oneof(
  fc.constant(CANARY),
  str(20).map((s) => `${s}${CANARY}`),
  fc.constantFrom(
    `../${CANARY}`,
    `%2e%2e/${CANARY}`,
    `/${CANARY}`,
    `a//${CANARY}`,
    `${CANARY}\u0000`,
  ),
  fc.constant(`${CANARY}${'x'.repeat(5000)}`),
)
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  canaryString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 1e308, Number.MAX_SAFE_INTEGER + 2, 604801, 1e-9),
  fc.array(canaryString, { maxLength: 3 }),
  fc.constant(Array(3000).fill(CANARY)),
  fc.dictionary(str(8), canaryString, { maxKeys: 3 }),
)
const FIELDS = [
  'bucket',
  'key',
  'method',
  'expiresIn',
  'expiresAt',
  'contentType',
  'contentLength',
  'checksumSha256',
  'metadata',
  'ifNoneMatch',
  'filename',
  'disposition',
  'responseHeaders',
  'versionId',
  'allowIps',
  'origin',
  'items',
  'parts',
  'uploadId',
  'keyPrefix',
  'maxContentLength',
  'minContentLength',
  'successActionStatus',
  'maxDownloads',
  'mode',
  'page',
  'url',
  'headers',
  'name',
  'scope',
  'buckets',
  'operations',
  'prefixes',
  'contentTypes',
  'rateLimitPerMinute',
]
const goodBody = fc.constantFrom<Record<string, unknown>>(
  { bucket: 'local', key: 'fuzz/a.txt' },
  { bucket: 'local', key: 'fuzz/a.txt', method: 'PUT', contentType: 'text/plain' },
  { bucket: 'local', key: 'fuzz/mp.bin', parts: 2 },
  { bucket: 'local', keyPrefix: 'fuzz/', maxContentLength: 100 },
  { items: [{ bucket: 'local', key: 'fuzz/a.txt' }] },
  { name: 'n', scope: { buckets: ['local'], operations: ['get'] } },
  { url: 'http://127.0.0.1/s3/local/fuzz/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256' },
  { bucket: 'local', key: 'fuzz/mp.bin', uploadId: 'x', parts: [{ partNumber: 1, etag: '"e"' }] },
)
const mutatedBody = fc
  .tuple(
    goodBody,
    fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 4 }),
    fc.array(fc.constantFrom(...FIELDS), { maxLength: 2 }),
  )
  .map(([good, extra, drop]) => {
    const body: Record<string, unknown> = { ...good, ...extra }
    for (const name of drop) delete body[name]
    return JSON.stringify(body)
  })
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const rawBody = fc.oneof(
  mutatedBody,
  mutatedBody,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom(
    `{"__proto__":{"admin":true},"bucket":"local","key":"${CANARY}"}`,
    `{"constructor":{"prototype":{"x":1}},"bucket":"local","key":"a"}`,
    `{"bucket":"local","bucket":"${CANARY}","key":"a"}`,
    '{"bucket":"local","key":"a"',
    '',
    'null',
    '[]',
    `"${CANARY}"`,
    deep(100),
    deep(20000),
    `{"a":${deep(5000)}}`,
    `{"key":"${'\\ud800'}"}`,
  ),
  fc.constant(JSON.stringify({ bucket: 'local', key: CANARY.repeat(300_000 / CANARY.length) })),
)
const bytesBody = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(new Uint8Array([0x7b, 0x22, 0x6b, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x22, 0x7d])),
)
const contentType = fc.constantFrom(
  'application/json',
  'APPLICATION/JSON; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json, text/html',
  'application/jsonx',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'multipart/form-data',
  '',
  `${CANARY}/${CANARY}`,
)

const rangeHeader = fc.oneof(
  fc.tuple(fc.nat(30), fc.nat(30)).map(([a, b]) => `bytes=${a}-${b}`),
  fc.nat(40).map((n) => `bytes=-${n}`),
  fc.nat(40).map((n) => `bytes=${n}-`),
  fc.constantFrom(
    'bytes=0-0',
    'bytes=0-1,3-4',
    'bytes=-',
    'bytes=',
    'bits=0-1',
    'bytes=99999999999999999999-',
    'bytes=1-0',
    ` bytes = 0 - 1 `,
    CANARY,
  ),
)
const etag = fc.oneof(
  fc.constantFrom(
    '*',
    '"abc"',
    'W/"abc"',
    'abc',
    '"abc',
    'a"b',
    '"a", "b"',
    '"a" "b"',
    ',',
    'W/',
    '',
  ),
  str(12),
  fc.array(fc.stringMatching(/^[a-f0-9]{0,8}$/), { maxLength: 4 }).map((tags) => tags.join(', ')),
)
const date = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
  fc.constantFrom('garbage', '0', 'Mon, 32 Jan 2026 00:00:00 GMT', ''),
)
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,30}$/)
const objectHeaders = fc.record(
  {
    Range: rangeHeader,
    'If-Match': etag,
    'If-None-Match': etag,
    'If-Modified-Since': date,
    'If-Unmodified-Since': date,
    Accept: fc.constantFrom('text/html', '*/*', 'application/json'),
    'CF-Connecting-IP': fc.constantFrom('203.0.113.7', '198.51.100.1', '::1', 'not-an-ip', ''),
    'x-amz-content-sha256': fc.constantFrom('UNSIGNED-PAYLOAD', 'abc', '0'.repeat(64)),
  },
  { requiredKeys: [] },
)
const bigHeaders = fc.oneof(
  fc.constant({} as Record<string, string>),
  fc.constant(Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-f${i}`, 'v']))),
  fc.constant({ 'x-big': 'v'.repeat(40_000) }),
  fc.dictionary(fc.stringMatching(/^x-[a-z]{1,8}$/), headerValue, { maxKeys: 5 }),
)

const auth = () =>
  fc.constantFrom<'key' | 'admin' | 'none' | 'garbage' | 'basic'>(
    'key',
    'key',
    'key',
    'admin',
    'none',
    'garbage',
    'basic',
  )

function authHeader(kind: string): Record<string, string> {
  switch (kind) {
    case 'key':
      return { Authorization: `Bearer ${apiKey}` }
    case 'admin':
      return { Authorization: `Bearer ${server.adminToken}` }
    case 'garbage':
      return { Authorization: `Bearer sgn_${CANARY}` }
    case 'basic':
      return { Authorization: `Basic ${btoa(`${CANARY}:x`)}` }
    default:
      return {}
  }
}

const API_ROUTES: [string, string][] = [
  ['POST', '/v1/keys'],
  ['GET', '/v1/keys'],
  ['DELETE', '/v1/keys/{victim}'],
  ['POST', '/v1/presign'],
  ['POST', '/v1/presign/batch'],
  ['POST', '/v1/multipart'],
  ['POST', '/v1/multipart/complete'],
  ['POST', '/v1/multipart/abort'],
  ['POST', '/v1/post-policy'],
  ['POST', '/v1/shares'],
  ['GET', '/v1/shares'],
  ['GET', '/v1/shares/{share}'],
  ['GET', '/v1/shares/{share}/uses'],
  ['DELETE', '/v1/shares/{share}'],
  ['POST', '/v1/inspect'],
  ['GET', '/healthz'],
  ['GET', '/openapi.json'],
  ['GET', '/docs'],
]
// Methods the runtime hands to the Worker; workerd itself answers an unknown token (FOO) with
// 501 before any Worker runs, as Cloudflare's edge does.
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'REPORT']
const query = fc.oneof(
  fc.constant(''),
  fc.dictionary(str(6), str(10), { maxKeys: 3 }).map((q) => `?${new URLSearchParams(q)}`),
  fc.constantFrom(
    '?limit=0',
    '?limit=-1',
    '?limit=1e9',
    '?cursor=%ff',
    `?cursor=${CANARY}`,
    '?after=x',
    '?a=1&a=2',
    '?%zz',
    `?${'a=1&'.repeat(3000)}`,
  ),
)
const pathNoise = fc.constantFrom(
  '',
  '/',
  '//',
  '/..',
  '/%2e%2e',
  '/%00',
  '/%ff',
  `/${CANARY}`,
  `/${'a'.repeat(9000)}`,
  '/\u00e9',
)

function fill(path: string, share: string): string {
  return path.replace('{victim}', victimKeyId).replace('{share}', share)
}

const apiRequest: fc.Arbitrary<Fuzzed> = fc
  .tuple(
    fc.constantFrom(...API_ROUTES),
    fc.oneof(fc.constant(undefined), fc.constantFrom(...METHODS)),
    auth(),
    fc.oneof(rawBody, bytesBody),
    contentType,
    query,
    fc.oneof(fc.constant(''), fc.constant(''), pathNoise),
    fc.oneof(fc.constantFrom(...['s1', 's2']), fc.constant(CANARY), fc.constant('%2e%2e')),
    bigHeaders,
  )
  .map(([[method, path], otherMethod, who, body, type, q, noise, shareRef, extra]) => {
    const share =
      shareRef === 's1'
        ? (shareIds[0] as string)
        : shareRef === 's2'
          ? (shareIds[1] as string)
          : shareRef
    const m = otherMethod ?? method
    return {
      method: m,
      path: `${fill(path, share)}${noise}${q}`,
      headers: { ...authHeader(who), ...(type ? { 'Content-Type': type } : {}), ...extra },
      ...(m === 'GET' || m === 'HEAD' ? {} : { body }),
    }
  })

const shareRequest: fc.Arbitrary<Fuzzed> = fc
  .tuple(
    fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS'),
    fc.oneof(
      fc.nat(5).map((i) => () => shareIds[i] as string),
      fc.constantFrom(
        () => CANARY,
        () => 'A'.repeat(22),
        () => '%00',
        () => '',
      ),
    ),
    objectHeaders,
    query,
    // A folder share's file, or a way out of the folder, or nonsense.
    fc.oneof(
      fc.constant(''),
      fc.constantFrom('/a.txt', '/empty.txt', '/', '/%2e%2e/x', '/..%2Fx', '/a%00', '/%E0%A4%A'),
      str(12).map((tail) => (tail.isWellFormed() ? `/${encodeURI(tail)}` : '/x')),
    ),
    fc.constantFrom('', '', '?download=zip', '?cursor=AAAA', '?download=zip&cursor=%ff'),
  )
  .map(([method, id, headers, q, tail, folder]) => ({
    method,
    path: `/s/${id()}${tail}${q === '' ? folder : q}`,
    headers,
  }))

/** Gateway requests: presigned URLs made by Signet, then tampered with, or none at all. */
const gatewayRequest: fc.Arbitrary<Fuzzed> = fc
  .tuple(
    fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'OPTIONS', 'PATCH'),
    fc.constantFrom('fuzz/a.txt', 'fuzz/empty.txt', 'fuzz/missing.txt', 'fuzz/mp.bin'),
    fc.constantFrom('none', 'tamper-sig', 'drop', 'dup', 'extra', 'part', 'bad-upload', 'expired'),
    objectHeaders,
    bigHeaders,
    fc.oneof(fc.constant(undefined), bytesBody),
  )
  .map(([method, key, how, headers, extra, body]) => ({
    method,
    path: `/s3/local/${key}#${how}`,
    headers: { ...headers, ...extra },
    ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }),
  }))

/** Turns a gateway placeholder (`/s3/local/<key>#<how>`) into a real, possibly tampered URL. */
async function materialise(request: Fuzzed): Promise<Fuzzed> {
  const match = /^\/s3\/local\/([^#]+)#(.+)$/.exec(request.path)
  if (!match) return request
  const [, key, how] = match as unknown as [string, string, string]
  if (how === 'none') return { ...request, path: `/s3/local/${key}?X-Amz-Signature=${CANARY}` }
  const method = ['GET', 'HEAD', 'PUT', 'DELETE'].includes(request.method) ? request.method : 'GET'
  const answer =
    how === 'part' || how === 'bad-upload'
      ? await api('POST', '/v1/multipart', apiKey, { bucket: 'local', key, parts: 1 })
      : await api('POST', '/v1/presign', apiKey, {
          bucket: 'local',
          key,
          method,
          ...(how === 'expired' ? { expiresIn: 1 } : {}),
        })
  const url = new URL(
    how === 'part' || how === 'bad-upload'
      ? ((answer.parts as { url: string }[])[0]?.url as string)
      : (answer.url as string),
  )
  const params = url.searchParams
  switch (how) {
    case 'tamper-sig':
      params.set(
        'X-Amz-Signature',
        (params.get('X-Amz-Signature') as string).replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
      )
      break
    case 'drop':
      params.delete('X-Amz-Date')
      break
    case 'dup':
      params.append('X-Amz-Date', params.get('X-Amz-Date') as string)
      break
    case 'extra':
      params.append('response-content-type', 'text/html')
      break
    case 'bad-upload':
      params.set('uploadId', `${uploadId}x`)
      break
    case 'expired':
      params.set('X-Amz-Date', '20200101T000000Z')
      break
  }
  return { ...request, path: `${url.pathname}?${params}` }
}

// ---- the property -----------------------------------------------------------------------------

const failures: string[] = []

const STACK = /\bat \S+ \(|\.ts:\d+|\.js:\d+:\d+|node_modules|Error: [A-Z]/

/** Sends one request and records what is wrong with its answer (short, for the report). */
async function send(request: Fuzzed): Promise<void> {
  try {
    await check(request)
  } catch (error) {
    if (failures.length < 20) failures.push((error as Error).message.slice(0, 600))
  }
}

async function check(request: Fuzzed): Promise<void> {
  const real = await materialise(request)
  let response: Response
  try {
    response = await fetch(`${server.origin}${real.path}`, {
      method: real.method,
      headers: real.headers,
      ...(real.body === undefined ? {} : { body: real.body }),
      redirect: 'manual',
    })
  } catch (error) {
    // The client itself refused to send it (e.g. a header it will not write): not a request.
    if (error instanceof TypeError && !String(error.cause ?? '').includes('ECONNRESET')) {
      counts.unsent++
      return
    }
    throw error
  }
  const text = await response.text()
  counts.requests++
  counts.byStatus.set(response.status, (counts.byStatus.get(response.status) ?? 0) + 1)
  const what = `${real.method} ${real.path.slice(0, 200)} → ${response.status} ${text.slice(0, 300)}`
  expect(response.status, what).toBeLessThan(500)
  if (response.status < 400 || real.method === 'HEAD') return
  expect(text, what).not.toContain(CANARY)
  expect(text, what).not.toMatch(STACK)
  const type = response.headers.get('Content-Type') ?? ''
  if (real.path.startsWith('/s3/')) {
    expect(type, what).toBe('application/xml')
    expect(text, what).toMatch(
      /^<\?xml[^>]*>\n<Error><Code>[A-Za-z]+<\/Code><Message>[^<]*<\/Message><RequestId>[0-9a-f-]+<\/RequestId><\/Error>$/,
    )
    return
  }
  if (real.path.startsWith('/s/') && type.startsWith('text/html')) {
    expect(text, what).toMatch(/^<!DOCTYPE html>/i)
    return
  }
  if (real.path.startsWith('/s/') && (response.status === 412 || response.status === 416)) {
    // A proxy share answers preconditions and ranges as an object store does: status, no body.
    expect(text, what).toBe('')
    expect(response.headers.get('Cache-Control'), what).toBe('no-store')
    return
  }
  expect(type, what).toMatch(/^application\/json/)
  expect(response.headers.get('Cache-Control'), what).toBe('no-store')
  const body = JSON.parse(text) as { error: { code: string; message: string; requestId: string } }
  expect(Object.keys(body), what).toEqual(['error'])
  expect(typeof body.error.code, what).toBe('string')
  expect(typeof body.error.message, what).toBe('string')
  expect(body.error.requestId, what).toBe(response.headers.get('X-Request-Id'))
}

describe('hostile input over HTTP', () => {
  it('answers every generated request without a 5xx, in the contract shape, echoing nothing', async () => {
    const request = fc.oneof(
      { weight: 5, arbitrary: apiRequest },
      { weight: 2, arbitrary: shareRequest },
      { weight: 2, arbitrary: gatewayRequest },
    )
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 16, maxLength: 16 }), async (batch) => {
        await Promise.all(batch.map(send))
      }),
      { numRuns: Math.ceil((MIN_REQUESTS * 1.2) / 16) },
    )
    expect(failures).toEqual([])
    expect(counts.requests).toBeGreaterThanOrEqual(MIN_REQUESTS)
  }, 600_000)

  it('answers raw requests no client library would send (invalid UTF-8, NUL, obs-text) below 500', async () => {
    const { port } = new URL(server.origin)
    const raw = (bytes: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1')
        let head = ''
        socket.on('data', (chunk) => {
          head += chunk.toString('latin1')
          const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)
          if (status) {
            socket.destroy()
            resolve(Number(status[1]))
          }
        })
        socket.on('error', reject)
        socket.on('close', () =>
          resolve(head === '' ? 0 : Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0)),
        )
        socket.write(bytes)
      })
    const pieces = fc.uint8Array({ minLength: 1, maxLength: 24 }).map((bytes) => Buffer.from(bytes))
    const targets = ['/v1/presign', `/s/${shareIds[1]}`, '/s3/local/fuzz/a.txt', '/v1/keys/']
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        pieces,
        pieces,
        fc.boolean(),
        fc.constantFrom('4', '0', '3', 'abc', '-1', '99999999999999999999'),
        async (target, inPath, inHeader, post, length) => {
          const request = Buffer.concat([
            Buffer.from(`${post ? 'POST' : 'GET'} ${target}`),
            Buffer.from(inPath.map((b) => (b <= 0x20 ? 0x41 : b))),
            Buffer.from(
              ` HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${apiKey}\r\nX-Odd: `,
            ),
            Buffer.from(inHeader.map((b) => (b === 0x0a || b === 0x0d ? 0x41 : b))),
            Buffer.from(
              `\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`,
            ),
            Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
          ])
          const status = await raw(request)
          counts.raw++
          // 0: the runtime's HTTP parser closed the connection without an answer.
          counts.rawByStatus.set(status, (counts.rawByStatus.get(status) ?? 0) + 1)
          expect(status, request.toString('latin1').slice(0, 120)).toBeLessThan(500)
        },
      ),
      { numRuns: 300 },
    )
  }, 300_000)
})
