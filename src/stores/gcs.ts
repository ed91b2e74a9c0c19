// A bucket in Google Cloud Storage signed with a service-account key: GOOG4-RSA-SHA256 URLs for
// storage.googleapis.com (path style, or <bucket>.storage.googleapis.com virtual-hosted), objects
// read through a seconds-lived signed URL. GCS buckets with HMAC keys are S3-compatible stores
// (s3-remote.ts). Multipart and POST policies are not offered here.
import { AppError } from '../errors'
import { encodeKeyPath } from '../s3/encoding'
import { presignGoog4, type ServiceAccount } from '../s3/goog4'
import { readThroughUrl } from './read-through'
import type { RemoteTarget } from './s3-remote'
import type * as store from './store'

export const GCS_HOST = 'storage.googleapis.com'

function unsupported(what: string): never {
  throw new AppError(
    'unsupported_by_target',
    `${what} is not offered for Google Cloud Storage buckets signed with a service-account key; use a presigned PUT.`,
  )
}

export class GcsStore implements store.Store {
  readonly credential = undefined
  readonly metadataPrefix = 'x-goog-meta-'
  readonly unsupported = new Set<store.PresignField>(['checksumSha256', 'ifNoneMatch', 'versionId'])
  readonly servedBySignet = false
  readonly enforcesUrlIps = false
  readonly binding = undefined
  readonly name: string
  readonly bucketName: string

  constructor(
    readonly target: RemoteTarget,
    readonly account: ServiceAccount,
  ) {
    this.name = target.name
    this.bucketName = target.bucket
  }

  private locate(key: string): { host: string; path: string } {
    const { endpoint, bucket } = this.target
    if (this.target.style === 'virtual') {
      return { host: `${bucket}.${endpoint.host}`, path: `/${encodeKeyPath(key)}` }
    }
    return { host: endpoint.host, path: `/${encodeKeyPath(bucket)}/${encodeKeyPath(key)}` }
  }

  async objectUrl(request: store.UrlRequest): Promise<string> {
    const { host, path } = this.locate(request.key)
    const query = await presignGoog4({
      method: request.method,
      host,
      path,
      query: request.query ?? [],
      headers: request.headers ?? {},
      now: new Date(request.nowMs),
      expiresIn: request.expiresIn,
      account: this.account,
    })
    return `${this.target.endpoint.protocol}//${host}${path}?${query}`
  }

  /** Not asked: that would be a round trip to the store on every share use. */
  async objectExists(): Promise<undefined> {
    return undefined
  }

  readObject(
    key: string,
    request: store.ReadRequest,
    options: store.ReadOptions,
  ): Promise<store.ObjectRead> {
    return readThroughUrl(request, () =>
      this.objectUrl({
        key,
        method: request.method,
        expiresIn: options.maxSeconds,
        nowMs: options.nowMs,
        origin: this.target.endpoint,
        query: options.overrides.map(([name, value]): [string, string] => [name, value]),
      }),
    )
  }

  createMultipartUpload(): Promise<string> {
    unsupported('Multipart upload')
  }

  completeMultipartUpload(): Promise<string | null> {
    unsupported('Multipart upload')
  }

  abortMultipartUpload(): Promise<void> {
    unsupported('Multipart upload')
  }

  postTarget(): store.PostTarget {
    unsupported('A POST policy')
  }
}
