// A bucket in Google Cloud Storage signed with a service-account key: GOOG4-RSA-SHA256 URLs for
// storage.googleapis.com (path style, or <bucket>.storage.googleapis.com virtual-hosted), objects
// read through a seconds-lived signed URL. GCS buckets with HMAC keys are S3-compatible stores
// (s3-remote.ts). Multipart and POST policies are not offered here.
import { AppError } from '../errors'
import { presignGoog4, type ServiceAccount } from '../s3/goog4'
import { EndpointStore, locate, type RemoteTarget } from './read-through'
import type * as store from './store'

function unsupported(what: string): never {
  throw new AppError(
    'unsupported_by_target',
    `${what} is not offered for Google Cloud Storage buckets signed with a service-account key; use a presigned PUT.`,
  )
}

export class GcsStore extends EndpointStore implements store.Store {
  readonly signsUntil = undefined
  readonly metadataPrefix = 'x-goog-meta-'
  readonly unsupported = new Set<store.PresignField>(['checksumSha256', 'ifNoneMatch', 'versionId'])
  readonly corsFormats = ['gcs'] as const
  /** GCS's create-only condition: no live generation of the object. */
  protected override readonly createOnly = { 'x-goog-if-generation-match': '0' }

  constructor(
    target: RemoteTarget,
    private readonly account: ServiceAccount,
  ) {
    super(target)
  }

  keyFor(): undefined {
    return undefined
  }

  accountFor(clientEmail: string): ServiceAccount | undefined {
    return clientEmail === this.account.clientEmail ? this.account : undefined
  }

  async objectUrl(request: store.UrlRequest): Promise<string> {
    const { host, path } = locate(this.target, request.key)
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

  createMultipartUpload(): Promise<string> {
    unsupported('Multipart upload')
  }

  completeMultipartUpload(): Promise<string | null> {
    unsupported('Multipart upload')
  }

  abortMultipartUpload(): Promise<void> {
    unsupported('Multipart upload')
  }

  uploadPart(): Promise<string> {
    unsupported('Multipart upload')
  }

  postPolicy(): Promise<store.SignedPostPolicy> {
    unsupported('A POST policy')
  }
}
