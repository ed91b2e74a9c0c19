// What the stores behind an endpoint of their own (remote S3, GCS) share: where an object lives
// (path or virtual-hosted style) and reading it for proxying through one seconds-lived presigned
// request, the client's preconditions and range passed on (normalised), the store's answer
// reduced to the object headers a proxied read passes on. Store errors are never echoed.
import { storeUnavailable } from '../errors'
import { readConditions } from '../lib/http-conditions'
import { parseListPage } from '../lib/list-xml'
import { encodeKeyPath } from '../s3/encoding'
import { type Provider, providerOf } from './endpoint'
import * as store from './store'

/** A bucket at a store's endpoint, as config parsed it. */
export type RemoteTarget = {
  kind: 'remote'
  name: string
  endpoint: URL
  region: string
  bucket: string
  style: 'path' | 'virtual'
}

/** Host and encoded path of an object (the canonical URI and the URL path at once). */
export function locate(target: RemoteTarget, key: string): { host: string; path: string } {
  const { endpoint, bucket } = target
  if (target.style === 'virtual') {
    return { host: `${bucket}.${endpoint.host}`, path: `/${encodeKeyPath(key)}` }
  }
  return { host: endpoint.host, path: `/${encodeKeyPath(bucket)}/${encodeKeyPath(key)}` }
}

/** Reads an object through the store's own presigned URL for it, signed by `objectUrl`. */
export function readRemote(
  target: RemoteTarget,
  objectUrl: (request: store.UrlRequest) => Promise<string>,
  key: string,
  request: store.ReadRequest,
  options: store.ReadOptions,
): Promise<store.ObjectRead> {
  return readThroughUrl(request, () =>
    objectUrl({
      key,
      method: request.method,
      expiresIn: options.maxSeconds,
      nowMs: options.nowMs,
      origin: target.endpoint,
      query: options.overrides.map(([name, value]): [string, string] => [name, value]),
    }),
  )
}

/**
 * Sends Signet's own signed request to the store. An answer `expected` allows is handed back;
 * no answer at all, or a 5xx, is store_unavailable (502); any other status is StoreRefused
 * (Signet's request was refused). A refused answer's body is never read.
 */
async function askStore(
  url: string,
  init: RequestInit,
  expected: (status: number) => boolean,
): Promise<Response> {
  const answer = await fetch(url, init).catch(() => {
    throw storeUnavailable(undefined)
  })
  if (expected(answer.status)) return answer
  await answer.body?.cancel()
  if (answer.status >= 500) throw storeUnavailable(answer.status)
  throw new store.StoreRefused(answer.status, null)
}

/** Headers of a store's answer that a proxied read passes on. */
const RETURNED = [
  'content-type',
  'content-length',
  'content-range',
  'content-disposition',
  'content-encoding',
  'content-language',
  'etag',
  'last-modified',
  'accept-ranges',
]

const REFUSED: Partial<Record<number, 'not_found' | 'precondition_failed' | 'invalid_range'>> = {
  404: 'not_found',
  412: 'precondition_failed',
  416: 'invalid_range',
}

/**
 * Reads through the URL `sign` makes. The store's 5xx, or no answer at all, is store_unavailable
 * (502); any other status but 200/206/304/404/412/416 is Signet's fault (its URL was refused).
 */
export async function readThroughUrl(
  request: store.ReadRequest,
  sign: () => Promise<string>,
): Promise<store.ObjectRead> {
  const conditions = readConditions(request.headers)
  if (!conditions) return { ok: false, reason: 'bad_condition' }
  const range = request.headers.get('range')
  if (range !== null) conditions.set('range', range)
  const upstream = await askStore(
    await sign(),
    { method: request.method, headers: conditions, redirect: 'manual' },
    (status) => [200, 206, 304].includes(status) || REFUSED[status] !== undefined,
  )
  const reason = REFUSED[upstream.status]
  if (reason) {
    await upstream.body?.cancel()
    return { ok: false, reason }
  }
  const headers = new Headers()
  for (const name of RETURNED) {
    const value = upstream.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  const head = request.method === 'HEAD'
  if (head) await upstream.body?.cancel()
  return {
    ok: true,
    status: upstream.status as 200 | 206 | 304,
    headers,
    body: head ? null : upstream.body,
  }
}

/**
 * The part every store at an endpoint of its own shares: its names, where objects live, and
 * reading them for proxying. knownVersion never asks the store: that would be a round trip on
 * every share use (headObject asks, when a feature must know).
 */
export abstract class EndpointStore {
  readonly servedBySignet = false
  readonly enforcesUrlIps = false
  readonly gateway = undefined
  readonly name: string
  readonly bucketName: string
  readonly provider: Provider
  readonly awsCliEndpoint: string | undefined

  constructor(readonly target: RemoteTarget) {
    this.name = target.name
    this.bucketName = target.bucket
    this.provider = providerOf(target.endpoint)
    this.awsCliEndpoint = this.provider === 'aws' ? undefined : target.endpoint.origin
  }

  objectOrigin(): string {
    return `${this.target.endpoint.protocol}//${locate(this.target, '').host}`
  }

  addresses(url: URL): boolean {
    const { endpoint, bucket } = this.target
    if (url.protocol !== endpoint.protocol) return false
    if (this.target.style === 'virtual') return url.host === `${bucket}.${endpoint.host}`
    const root = `/${encodeKeyPath(bucket)}`
    return (
      url.host === endpoint.host && (url.pathname === root || url.pathname.startsWith(`${root}/`))
    )
  }

  abstract objectUrl(request: store.UrlRequest): Promise<string>
  /** How the store names user metadata headers: `x-amz-meta-` or `x-goog-meta-`. */
  abstract readonly metadataPrefix: string

  /** The signed header that makes a PUT create only: S3's If-None-Match: *. */
  protected readonly createOnly: Record<string, string> = { 'If-None-Match': '*' }

  /**
   * A PUT through a seconds-lived presigned URL, its length and the create-only condition
   * signed; the store's 412 means an object is there. Its 5xx is store_unavailable.
   */
  async putObject(key: string, body: ReadableStream, put: store.NewObject): Promise<string | null> {
    const metadata = Object.entries(put.metadata ?? {}).map(
      ([name, value]) => [`${this.metadataPrefix}${name}`, value] as const,
    )
    const headers = {
      'Content-Type': put.contentType,
      'Content-Length': String(put.size),
      ...Object.fromEntries(metadata),
      ...(put.replace ? {} : this.createOnly),
    }
    const url = await this.objectUrl({
      key,
      method: 'PUT',
      expiresIn: 60,
      nowMs: put.nowMs,
      origin: this.target.endpoint,
      headers,
    })
    const answer = await askStore(
      url,
      { method: 'PUT', headers, body: body.pipeThrough(new FixedLengthStream(put.size)) },
      (status) => status === 412 || (status >= 200 && status < 300),
    )
    await answer.body?.cancel()
    if (answer.status === 412) return null
    return answer.headers.get('etag') ?? ''
  }

  async knownVersion(): Promise<undefined> {
    return undefined
  }

  async headObject(key: string, nowMs: number): Promise<{ etag: string; size: number } | null> {
    const head = await this.readObject(
      key,
      { method: 'HEAD', headers: new Headers() },
      { overrides: [], nowMs, maxSeconds: 60 },
    )
    if (!head.ok) return null
    return {
      etag: head.headers.get('etag') ?? '',
      size: Number(head.headers.get('content-length') ?? 0),
    }
  }

  /** ListObjectsV2 through a seconds-lived presigned request (keys URL-encoded in the answer). */
  async listObjects(prefix: string, page: store.ListPageRequest): Promise<store.ObjectListPage> {
    const query: [string, string][] = [
      ['list-type', '2'],
      ['encoding-type', 'url'],
      ['prefix', prefix],
      ['max-keys', String(page.limit)],
    ]
    if (page.cursor) query.push(['continuation-token', page.cursor])
    const url = await this.objectUrl({
      key: '',
      method: 'GET',
      expiresIn: 60,
      nowMs: page.nowMs,
      origin: this.target.endpoint,
      query,
    })
    const answer = await askStore(url, {}, (status) => status >= 200 && status < 300)
    const listed = parseListPage(await answer.text())
    return { objects: listed.objects, next: listed.next }
  }

  readObject(
    key: string,
    request: store.ReadRequest,
    options: store.ReadOptions,
  ): Promise<store.ObjectRead> {
    return readRemote(this.target, (url) => this.objectUrl(url), key, request, options)
  }
}
