// Object bytes kept in the location's cache (the Workers Cache API), for the reads Signet serves
// itself (proxy-mode share links and gateway GETs), behind the checks that come before them: a
// cached byte is only ever served to a request whose signature or share use was already decided.
//
// Two entries per object, neither keyed by a URL, a signature or a share: the object's bytes
// under its bucket, key and ETag (immutable: an ETag names one version), and a pointer to the
// version that is current, kept SIGNET_OBJECT_CACHE_SECONDS (and held in the isolate's memory
// until the same instant, so a busy object costs no cache lookup for it). A read finds the
// pointer, then the bytes; Range is answered from the cached object (206, exact bytes). A pinned
// share link asks only the pointer (currentVersion). A changed or deleted object stops being
// served within the pointer's life; a gateway PUT or DELETE drops it at once (in this location).
// Objects over the cache's limit (512 MB) are streamed from the store and never cached.
import { etagMatches, parseEtagList, parseRange, RESPONSE_OVERRIDES } from '../lib/http-conditions'
import { MAX_CACHED_OBJECT_BYTES } from '../lib/limits'
import { TtlCache } from '../lib/ttl-cache'
import type { ObjectRead, ReadOptions, ReadRequest, Store } from './store'

/** What a cached read needs from the request: the cache, its life, and where to say hit or miss. */
export type ObjectCache = {
  cache: Cache
  /** SIGNET_OBJECT_CACHE_SECONDS: how long the current version is trusted. */
  seconds: number
  waitUntil: (promise: Promise<unknown>) => void
  noted: (result: 'hit' | 'miss') => void
}

/** A host no request ever reaches: these URLs only name cache entries. */
const ORIGIN = 'https://object-cache.signet.invalid'

/** How long an object's bytes (one ETag: one version) may stay cached. */
const ENTRY_SECONDS = 86_400

function objectPath(bucket: string, key: string): string {
  return `${ORIGIN}/${encodeURIComponent(bucket)}/${encodeURIComponent(key)}`
}

function pointerUrl(bucket: string, key: string): string {
  return `${objectPath(bucket, key)}?current`
}

function entryUrl(bucket: string, key: string, etag: string): string {
  return `${objectPath(bucket, key)}?etag=${encodeURIComponent(etag.replace(/^W\//, ''))}`
}

/** Conditions the cache answers itself (against the current ETag); any other goes to the store. */
function cacheable(request: ReadRequest): boolean {
  if (request.method !== 'GET') return false
  const { headers } = request
  if (headers.has('if-modified-since') || headers.has('if-unmodified-since')) return false
  for (const name of ['if-match', 'if-none-match']) {
    const value = headers.get(name)
    if (value !== null && !parseEtagList(value)) return false
  }
  return parseRange(headers.get('range')) !== 'invalid'
}

/** The answer headers of a cached read: the store's, this request's overrides, no cache's own. */
function answerHeaders(cached: Headers, options: ReadOptions, ranged: boolean): Headers {
  const headers = new Headers(cached)
  headers.delete('cache-control')
  headers.delete('cf-cache-status')
  // A range is not the object: the object's checksum does not describe it.
  if (ranged) headers.delete('x-amz-checksum-sha256')
  const byParam = new Map(RESPONSE_OVERRIDES)
  for (const [param, value] of options.overrides) {
    const header = byParam.get(param)
    if (header) headers.set(header, value)
  }
  return headers
}

/**
 * The pointers this isolate read or wrote, until the instant they end in the location's cache;
 * null: the store said there is no such object (kept in the isolate only).
 */
const pointers = new TtlCache<string, string | null>(10_000)

/** The version the location's pointer names (undefined: none is current), memory first. */
async function readPointer(
  cache: Cache,
  bucket: string,
  key: string,
  now: number,
): Promise<string | null | undefined> {
  const url = pointerUrl(bucket, key)
  const held = pointers.get(url, now)
  if (held !== undefined) return held
  const pointer = await cache.match(url)
  if (!pointer) return undefined
  // `<etag>\n<epoch ms it ends>`; a pointer without its end is trusted for this read only.
  const [etag, until] = (await pointer.text()).split('\n')
  if (!etag) return undefined
  const ends = Number(until)
  if (Number.isSafeInteger(ends) && ends > now) pointers.set(url, etag, ends)
  return etag
}

/** Points the key at a version for `seconds`, in the location's cache and this isolate. */
async function writePointer(
  cache: Cache,
  bucket: string,
  key: string,
  etag: string,
  seconds: number,
): Promise<void> {
  const url = pointerUrl(bucket, key)
  const until = Date.now() + seconds * 1000
  pointers.set(url, etag, until)
  await cache.put(
    url,
    new Response(`${etag}\n${until}`, { headers: { 'cache-control': `max-age=${seconds}` } }),
  )
}

/** Drops the current-version pointer (after a write or a delete through this location). */
export async function dropCachedObject(cache: Cache, bucket: string, key: string): Promise<void> {
  pointers.delete(pointerUrl(bucket, key))
  await cache.delete(pointerUrl(bucket, key))
}

/**
 * The object's current ETag (null: there is no such object), as this location last learnt it
 * within `seconds`: from the isolate's memory, else the location's pointer, else one HEAD of the
 * store, which sets both. A replaced object is seen within `seconds` (at once where the change
 * went through this location's gateway).
 */
export async function currentVersion(
  store: Store,
  bucket: string,
  key: string,
  objects: Pick<ObjectCache, 'cache' | 'seconds' | 'waitUntil'>,
  nowMs: number,
): Promise<string | null> {
  const now = Date.now()
  const known = await readPointer(objects.cache, bucket, key, now)
  if (known !== undefined) return known
  const head = await store.headObject(key, nowMs)
  if (!head) {
    pointers.set(pointerUrl(bucket, key), null, now + objects.seconds * 1000)
    return null
  }
  objects.waitUntil(
    writePointer(objects.cache, bucket, key, head.etag, objects.seconds).catch(() => undefined),
  )
  return head.etag
}

/**
 * Reads an object through the location's cache. One store read on a miss, none on a hit; the
 * store's answer to anything the cache cannot decide (HEAD, date conditions) as before.
 */
export async function cachedRead(
  store: Store,
  bucket: string,
  key: string,
  request: ReadRequest,
  options: ReadOptions,
  objects: ObjectCache,
): Promise<ObjectRead> {
  if (!cacheable(request)) return store.readObject(key, request, options)
  const { cache } = objects
  const range = request.headers.get('range')
  const current = await readPointer(cache, bucket, key, Date.now())
  if (current) {
    const ifMatch = request.headers.get('if-match')
    const ifNoneMatch = request.headers.get('if-none-match')
    if (ifMatch !== null && !etagMatches(ifMatch, current)) {
      objects.noted('hit')
      return { ok: false, reason: 'precondition_failed' }
    }
    const entry = await cache.match(
      new Request(entryUrl(bucket, key, current), range ? { headers: { range } } : {}),
    )
    if (entry && (entry.status === 200 || entry.status === 206)) {
      objects.noted('hit')
      const headers = answerHeaders(entry.headers, options, entry.status === 206)
      if (ifNoneMatch !== null && etagMatches(ifNoneMatch, current)) {
        await entry.body?.cancel()
        headers.delete('content-length')
        headers.delete('content-range')
        return { ok: true, status: 304, headers, body: null }
      }
      return { ok: true, status: entry.status, headers, body: entry.body }
    }
    if (entry?.status === 416) {
      objects.noted('hit')
      return { ok: false, reason: 'invalid_range' }
    }
    await entry?.body?.cancel()
  }
  objects.noted('miss')
  if (range !== null || request.headers.has('if-none-match')) {
    // The client's own answer from the store, and the whole object kept for the next ones.
    objects.waitUntil(fill(store, bucket, key, objects).catch(() => undefined))
    return store.readObject(key, request, options)
  }
  // The whole object, once: to the client and into the cache together.
  const read = await store.readObject(
    key,
    request.headers.has('if-match')
      ? {
          method: 'GET',
          headers: new Headers({ 'if-match': request.headers.get('if-match') ?? '' }),
        }
      : { method: 'GET', headers: new Headers() },
    { ...options, overrides: [] },
  )
  const etag = keepable(read)
  if (!read.ok || !read.body || etag === undefined) return withOverrides(read, options)
  const [client, kept] = read.body.tee()
  objects.waitUntil(keep(cache, bucket, key, etag, read.headers, kept, objects.seconds))
  return withOverrides({ ...read, body: client }, options)
}

/** The ETag of a whole object the cache may keep (known size, under the limit); else undefined. */
function keepable(read: ObjectRead): string | undefined {
  if (!read.ok || read.status !== 200) return undefined
  const etag = read.headers.get('etag')
  const length = Number(read.headers.get('content-length') ?? Number.NaN)
  if (!etag || !Number.isSafeInteger(length) || length > MAX_CACHED_OBJECT_BYTES) return undefined
  return etag
}

function withOverrides(read: ObjectRead, options: ReadOptions): ObjectRead {
  if (!read.ok) return read
  return { ...read, headers: answerHeaders(read.headers, options, read.status === 206) }
}

/** Puts an object's bytes under its ETag, then points the key at that version. */
async function keep(
  cache: Cache,
  bucket: string,
  key: string,
  etag: string,
  storeHeaders: Headers,
  body: ReadableStream,
  seconds: number,
): Promise<void> {
  const headers = new Headers(storeHeaders)
  headers.set('cache-control', `max-age=${ENTRY_SECONDS}`)
  try {
    await cache.put(entryUrl(bucket, key, etag), new Response(body, { status: 200, headers }))
    await writePointer(cache, bucket, key, etag, seconds)
  } catch {
    // A cache that refuses an entry only costs the next read a trip to the store.
  }
}

/** Reads the whole object in the background and keeps it (a ranged or conditional miss). */
async function fill(
  store: Store,
  bucket: string,
  key: string,
  objects: ObjectCache,
): Promise<void> {
  const read = await store.readObject(
    key,
    { method: 'GET', headers: new Headers() },
    { overrides: [], nowMs: Date.now(), maxSeconds: 60 },
  )
  if (!read.ok || !read.body) return
  const etag = keepable(read)
  if (etag === undefined) {
    await read.body.cancel()
    return
  }
  await keep(objects.cache, bucket, key, etag, read.headers, read.body, objects.seconds)
}
