// One set of cases every Store must pass, over a store factory: what the features rely on
// (putObject creates and never replaces unasked, headObject, readObject's answers and its
// reasons, knownVersion where the store can say it without a round trip, object URLs that address
// the bucket). A case the store cannot run (no server to reach, no free version check) is skipped
// by capability, visibly. Run for the R2 binding (test/stores/r2-binding.test.ts, in workerd),
// the remote S3 store against the real S3 server and GCS (test/node/store-conformance.test.ts).
import { describe, expect, it } from 'vitest'
import type { ObjectRead, Store } from '../../src/stores/store'

export type StoreUnderTest = {
  /** The store, built by config as a deployment would build it. */
  store: () => Store
  /** A server holds its objects here (false: only what needs no round trip is checked). */
  reachable: boolean
  /** knownVersion answers without a round trip (an R2 binding); else it must answer undefined. */
  freeVersions: boolean
  /** This Worker's origin, for stores whose URLs point at Signet. */
  origin: URL
}

const encoder = new TextEncoder()

function body(text: string): ReadableStream<Uint8Array> {
  return new Response(encoder.encode(text)).body as ReadableStream<Uint8Array>
}

async function text(read: ObjectRead): Promise<string> {
  if (!read.ok) throw new Error(`read refused: ${read.reason}`)
  return read.body ? new Response(read.body).text() : ''
}

function nowMs(): number {
  return Math.floor(Date.now() / 1000) * 1000
}

/** Stores `content` (text/plain) at `key`: its ETag, or null when nothing was replaced. */
function put(store: Store, key: string, content: string, replace = false) {
  return store.putObject(key, body(content), {
    size: encoder.encode(content).length,
    contentType: 'text/plain',
    nowMs: nowMs(),
    ...(replace ? { replace } : {}),
  })
}

function read(store: Store, key: string, headers: Record<string, string> = {}) {
  return store.readObject(
    key,
    { method: 'GET', headers: new Headers(headers) },
    { overrides: [], nowMs: nowMs(), maxSeconds: 60 },
  )
}

export function storeConformance(name: string, subject: StoreUnderTest): void {
  const onServer = it.skipIf(!subject.reachable)
  const key = (what: string) => `conformance/${crypto.randomUUID()}/${what}.txt`

  describe(`the Store contract: ${name}`, () => {
    it('signs object URLs that address the bucket', async () => {
      const store = subject.store()
      const url = await store.objectUrl({
        key: 'conformance/a b.txt',
        method: 'GET',
        expiresIn: 60,
        nowMs: nowMs(),
        origin: subject.origin,
      })
      expect(store.addresses(new URL(url), subject.origin.origin)).toBe(true)
    })

    it.skipIf(subject.freeVersions)('says no version without a round trip', async () => {
      expect(await subject.store().knownVersion(key('any'))).toBeUndefined()
    })

    onServer('putObject creates, and never replaces an object unless asked', async () => {
      const store = subject.store()
      const at = key('put')
      const first = await put(store, at, 'first')
      expect(typeof first).toBe('string')
      const again = await put(store, at, 'other')
      expect(again).toBeNull()
      expect(await text(await read(store, at))).toBe('first')
      const replaced = await put(store, at, 'third', true)
      expect(typeof replaced).toBe('string')
      expect(await text(await read(store, at))).toBe('third')
    })

    onServer('headObject says the ETag and size, or null for no object', async () => {
      const store = subject.store()
      const at = key('head')
      const etag = await put(store, at, 'twelve bytes')
      const head = await store.headObject(at, nowMs())
      expect(head?.size).toBe(12)
      expect(head?.etag.replaceAll('"', '')).toBe(etag?.replaceAll('"', ''))
      expect(await store.headObject(key('missing'), nowMs())).toBeNull()
    })

    onServer("readObject answers 200, 206 and 304, and each refusal's reason", async () => {
      const store = subject.store()
      const at = key('read')
      await put(store, at, '0123456789')
      const whole = await read(store, at)
      expect(whole.ok && whole.status).toBe(200)
      const etag = whole.ok ? whole.headers.get('etag') : null
      expect(await text(whole)).toBe('0123456789')
      const range = await read(store, at, { range: 'bytes=2-4' })
      expect(range.ok && range.status).toBe(206)
      expect(await text(range)).toBe('234')
      const same = await read(store, at, { 'if-none-match': etag ?? '' })
      expect(same.ok && same.status).toBe(304)
      if (same.ok) await same.body?.cancel()
      const reasons = await Promise.all([
        read(store, key('missing')),
        read(store, at, { 'if-match': '"0000000000000000000000000000000a"' }),
        read(store, at, { range: 'bytes=50-60' }),
        read(store, at, { 'if-match': 'not an entity tag' }),
      ])
      expect(reasons.map((answer) => (answer.ok ? answer.status : answer.reason))).toEqual([
        'not_found',
        'precondition_failed',
        'invalid_range',
        'bad_condition',
      ])
    })

    it.skipIf(!subject.reachable || !subject.freeVersions)(
      'knownVersion says the ETag, or null for no object, without a round trip',
      async () => {
        const store = subject.store()
        const at = key('version')
        const etag = await put(store, at, 'v')
        expect((await store.knownVersion(at))?.replaceAll('"', '')).toBe(etag?.replaceAll('"', ''))
        expect(await store.knownVersion(key('missing'))).toBeNull()
      },
    )
  })
}
