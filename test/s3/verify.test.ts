// The verifier accepts every URL the signer makes and refuses every one-character change to
// what the signature covers.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkObjectKey } from '../../src/lib/object-key'
import { canonicalHeaderValue, encodeKeyPath } from '../../src/s3/encoding'
import { amzDate, presignQuery } from '../../src/s3/sigv4'
import { canonicalPath, parseQuery, verifyPresigned } from '../../src/s3/verify'

const credential = {
  accessKeyId: 'SIGNETTESTKEY',
  secretAccessKey: 'verify-test-secret-0123456789',
}
const lookup = (id: string) => (id === credential.accessKeyId ? credential : undefined)
const HOST = 'signet.test'

const keyArb = fc
  .array(fc.constantFrom(...Array.from("abz09-_.~ +%!'()*=&?#é日😀")), {
    minLength: 1,
    maxLength: 24,
  })
  .map((chars) => chars.join(''))
  .filter((key) => checkObjectKey(key).ok)
const headerValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,20}[\x21-\x7e])?$/)

const caseArb = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE'),
  key: keyArb,
  query: fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'response-content-type',
          'response-cache-control',
          'versionId',
          'x-signet-allow-ips',
        ),
        headerValue,
      ),
      { maxLength: 3 },
    )
    .map((pairs) => [...new Map(pairs)]),
  headers: fc.dictionary(
    fc.constantFrom(
      'content-type',
      'content-length',
      'x-amz-meta-a',
      'x-amz-checksum-sha256',
      'if-none-match',
    ),
    headerValue,
    { maxKeys: 3 },
  ),
  expiresIn: fc.integer({ min: 60, max: 604800 }),
  now: fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) })
    .map((ms) => new Date(Math.floor(ms / 1000) * 1000)),
})

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never

async function sign(c: Case) {
  const path = `/s3/local/${encodeKeyPath(c.key)}`
  const signed = await presignQuery({
    method: c.method,
    host: HOST,
    path,
    query: c.query,
    headers: c.headers,
    region: 'auto',
    service: 's3',
    datetime: amzDate(c.now),
    expiresIn: c.expiresIn,
    credential,
  })
  return { path, query: signed.query }
}

function verify(
  c: Case,
  method: string,
  rawPath: string,
  rawQuery: string,
  headers: Record<string, string>,
) {
  return verifyPresigned({
    method,
    rawPath,
    rawQuery,
    host: HOST,
    headers: new Headers(headers),
    now: new Date(c.now.getTime() + 1000),
    lookup,
  })
}

function mutate(text: string, index: number, replacement: string): string {
  const i = index % text.length
  return text.slice(0, i) + replacement + text.slice(i + 1)
}

const REPLACEMENT = fc.constantFrom('a', 'Z', '0', '9', '%', '-', '.', '/', '~', '+', '&', '=', 'é')

describe('the SigV4 query verifier', () => {
  it('accepts every URL the signer makes', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { path, query } = await sign(c)
        const result = await verify(c, c.method, path, query, c.headers)
        expect(result.ok).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('refuses any change of the method', async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb,
        fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'get', 'GEt'),
        async (c, method) => {
          fc.pre(method !== c.method)
          const { path, query } = await sign(c)
          expect((await verify(c, method, path, query, c.headers)).ok).toBe(false)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses a one-character change to the path', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.nat(), REPLACEMENT, async (c, index, replacement) => {
        const { path, query } = await sign(c)
        const changed = mutate(path, index, replacement)
        // A change that means the same path (an escape's hex case) is the same request.
        fc.pre(canonicalPath(changed) !== canonicalPath(path))
        expect((await verify(c, c.method, changed, query, c.headers)).ok).toBe(false)
      }),
      { numRuns: 500 },
    )
  })

  it('refuses a one-character change to any query parameter', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.nat(), REPLACEMENT, async (c, index, replacement) => {
        const { path, query } = await sign(c)
        const changed = mutate(query, index, replacement)
        const before = parseQuery(query)
        const after = parseQuery(changed)
        fc.pre(JSON.stringify(before) !== JSON.stringify(after))
        expect((await verify(c, c.method, path, changed, c.headers)).ok).toBe(false)
      }),
      { numRuns: 800 },
    )
  })

  it('refuses a one-character change to any signed header value, or a missing signed header', async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb,
        fc.nat(),
        fc.nat(),
        REPLACEMENT,
        async (c, which, index, replacement) => {
          const names = Object.keys(c.headers)
          fc.pre(names.length > 0)
          const name = names[which % names.length] as string
          const value = c.headers[name] as string
          const changedValue = mutate(value, index, replacement)
          fc.pre(canonicalHeaderValue(changedValue) !== canonicalHeaderValue(value))
          const { path, query } = await sign(c)
          expect(
            (await verify(c, c.method, path, query, { ...c.headers, [name]: changedValue })).ok,
          ).toBe(false)
          const { [name]: _, ...without } = c.headers
          expect((await verify(c, c.method, path, query, without)).ok).toBe(false)
        },
      ),
      { numRuns: 400 },
    )
  })

  it('checks the expiry only after the signature, with 15 minutes of skew for future dates', async () => {
    const c: Case = {
      method: 'GET',
      key: 'a.txt',
      query: [],
      headers: {},
      expiresIn: 60,
      now: new Date(Date.UTC(2026, 0, 1)),
    }
    const { path, query } = await sign(c)
    const at = (offsetMs: number) =>
      verifyPresigned({
        method: 'GET',
        rawPath: path,
        rawQuery: query,
        host: HOST,
        headers: new Headers(),
        now: new Date(c.now.getTime() + offsetMs),
        lookup,
      })
    expect((await at(0)).ok).toBe(true)
    expect((await at(60_000)).ok).toBe(true)
    expect(await at(61_000)).toMatchObject({ ok: false, reason: 'expired' })
    expect((await at(-15 * 60_000)).ok).toBe(true)
    expect(await at(-15 * 60_000 - 1000)).toMatchObject({ ok: false, reason: 'not_yet_valid' })
    // A forged signature on an expired URL is a signature failure, not an expiry.
    const forged = query.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`)
    const result = await verifyPresigned({
      method: 'GET',
      rawPath: path,
      rawQuery: forged,
      host: HOST,
      headers: new Headers(),
      now: new Date(c.now.getTime() + 3600_000),
      lookup,
    })
    expect(result).toMatchObject({ ok: false, reason: 'signature_mismatch' })
  })

  it('refuses duplicate, missing and malformed parameters and unsigned x-amz headers', async () => {
    const c: Case = {
      method: 'GET',
      key: 'a.txt',
      query: [],
      headers: {},
      expiresIn: 60,
      now: new Date(Date.UTC(2026, 0, 1)),
    }
    const { path, query } = await sign(c)
    const run = (q: string, headers: Record<string, string> = {}) =>
      verify(c, 'GET', path, q, headers)
    expect(await run(`${query}&X-Amz-Expires=60`)).toMatchObject({
      ok: false,
      reason: 'duplicate_parameter',
    })
    expect(await run(`${query}&x-amz-expires=60`)).toMatchObject({
      ok: false,
      reason: 'duplicate_parameter',
    })
    expect(await run(query.replace(/&X-Amz-Date=[^&]+/, ''))).toMatchObject({
      ok: false,
      reason: 'missing_parameter',
    })
    expect(await run(query.replace('X-Amz-Expires=60', 'X-Amz-Expires=604801'))).toMatchObject({
      ok: false,
      reason: 'malformed_parameter',
    })
    expect(await run(query.replace('X-Amz-Expires=60', 'X-Amz-Expires=0'))).toMatchObject({
      ok: false,
      reason: 'malformed_parameter',
    })
    expect(await run(query.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1'))).toMatchObject({
      ok: false,
      reason: 'unsupported_algorithm',
    })
    expect(await run(query.replace('SIGNETTESTKEY', 'OTHERKEY'))).toMatchObject({
      ok: false,
      reason: 'unknown_access_key',
    })
    expect(await run(query.replace('%2Fs3%2F', '%2Fsts%2F'))).toMatchObject({
      ok: false,
      reason: 'credential_scope',
    })
    expect(await run(`${query}&bad=%zz`)).toMatchObject({
      ok: false,
      reason: 'malformed_parameter',
    })
    expect(await run(query, { 'x-amz-meta-sneaky': 'x' })).toMatchObject({
      ok: false,
      reason: 'unsigned_header',
    })
    expect((await run(query, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).ok).toBe(true)
  })
})
