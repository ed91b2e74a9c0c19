// A bucket in a remote S3-compatible store (R2's S3 API, AWS S3, MinIO, Ceph): URLs signed for
// its endpoint (path or virtual-hosted style), multipart control over header-signed requests
// (aws4fetch), and objects read through a seconds-lived presigned request. Store errors are
// reduced to their S3 code; their bodies are never echoed.
import { AwsClient } from 'aws4fetch'
import { AppError, storeUnavailable } from '../errors'
import type { CorsFormat } from '../lib/cors'
import { escapeXml, xmlValue } from '../lib/xml'
import { buildPostPolicy } from '../s3/post-policy'
import type { Provider } from './endpoint'
import { EndpointStore, locate, type RemoteTarget } from './read-through'
import { presignedV4Url } from './sigv4-url'
import * as store from './store'

export type { RemoteTarget }

/** R2 takes S3's PutBucketCors and its own rules; GCS's XML API (HMAC keys) takes GCS's. */
const CORS_FORMATS: Record<Provider, readonly CorsFormat[]> = {
  r2: ['s3', 'r2'],
  gcs: ['gcs'],
  aws: ['s3'],
  other: ['s3'],
}

export class S3RemoteStore extends EndpointStore implements store.Store {
  readonly metadataPrefix = 'x-amz-meta-'
  readonly unsupported = new Set<store.PresignField>()

  readonly corsFormats: readonly CorsFormat[]
  readonly signsUntil: number | undefined

  constructor(
    target: RemoteTarget,
    private readonly credential: store.Credential,
  ) {
    super(target)
    this.corsFormats = CORS_FORMATS[this.provider]
    this.signsUntil = credential.expiresAt
  }

  keyFor(accessKeyId: string): store.Credential | undefined {
    return accessKeyId === this.credential.accessKeyId ? this.credential : undefined
  }

  accountFor(): undefined {
    return undefined
  }

  private plainUrl(key: string): string {
    const { host, path } = locate(this.target, key)
    return `${this.target.endpoint.protocol}//${host}${path}`
  }

  objectUrl(request: store.UrlRequest): Promise<string> {
    // allowIps cannot be enforced by a presigned URL here: policyHints says what would.
    const place = {
      protocol: this.target.endpoint.protocol,
      ...locate(this.target, request.key),
      region: this.target.region,
    }
    return presignedV4Url(place, request, request.query ?? [], this.credential)
  }

  /**
   * Header-signed control requests (multipart, CORS) go through aws4fetch, a well-kept signer of
   * whole requests (payload hash, session token); Signet's own s3/sigv4.ts signs query URLs only.
   * One client per store, for as long as the store lives, so its derived signing keys are reused.
   */
  #client: AwsClient | undefined

  private newClient(): AwsClient {
    return new AwsClient({
      accessKeyId: this.credential.accessKeyId,
      secretAccessKey: this.credential.secretAccessKey,
      ...(this.credential.sessionToken ? { sessionToken: this.credential.sessionToken } : {}),
      service: 's3',
      region: this.target.region,
      retries: 0,
    })
  }

  private async send(url: string, init: RequestInit): Promise<string> {
    this.#client ??= this.newClient()
    const response = await this.#client.fetch(url, init).catch(() => {
      throw storeUnavailable(undefined)
    })
    const text = await response.text()
    // S3 may answer 200 with an <Error> body for CompleteMultipartUpload.
    if (!response.ok || /<Error>/.test(text)) {
      throw new store.StoreRefused(response.status, xmlValue(text, 'Code') ?? 'UnknownError')
    }
    return text
  }

  /**
   * Store refusals the caller can act on; the store's own failures (5xx) are store_unavailable;
   * anything else is Signet's failure (500).
   */
  private async control(url: string, init: RequestInit): Promise<string> {
    try {
      return await this.send(url, init)
    } catch (error) {
      if (error instanceof store.StoreRefused) {
        if (error.code === 'NoSuchUpload') {
          throw new AppError('not_found', 'No such multipart upload for this bucket and key.')
        }
        if (error.status >= 400 && error.status < 500) {
          throw new AppError('invalid_request', `The store refused the request (${error.code}).`)
        }
        if (error.status >= 500) throw storeUnavailable(error.status)
      }
      throw error
    }
  }

  async createMultipartUpload(key: string, start: store.MultipartStart): Promise<string> {
    const headers: Record<string, string> = {}
    if (start.contentType) headers['Content-Type'] = start.contentType
    for (const [name, value] of Object.entries(start.metadata ?? {})) {
      headers[`${this.metadataPrefix}${name}`] = value
    }
    // The store keeps the upload's own id; every part URL signed its length when one was declared.
    const text = await this.control(`${this.plainUrl(key)}?uploads`, { method: 'POST', headers })
    const uploadId = xmlValue(text, 'UploadId')
    if (!uploadId) throw new store.StoreRefused(200, 'MalformedResponse')
    return uploadId
  }

  async completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly store.CompletedPart[],
  ): Promise<string | null> {
    const body = `<CompleteMultipartUpload>${parts
      .map(
        (part) =>
          `<Part><PartNumber>${part.partNumber}</PartNumber><ETag>${escapeXml(part.etag)}</ETag></Part>`,
      )
      .join('')}</CompleteMultipartUpload>`
    const text = await this.control(
      `${this.plainUrl(key)}?uploadId=${encodeURIComponent(uploadId)}`,
      { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body },
    )
    return xmlValue(text, 'ETag') ?? null
  }

  async uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    bytes: Uint8Array,
  ): Promise<string> {
    const url = `${this.plainUrl(key)}?partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`
    this.#client ??= this.newClient()
    const response = await this.#client.fetch(url, { method: 'PUT', body: bytes }).catch(() => {
      throw storeUnavailable(undefined)
    })
    const text = await response.text()
    const etag = response.headers.get('ETag')
    if (response.ok && etag) return etag
    if (response.status >= 500) throw storeUnavailable(response.status)
    if (xmlValue(text, 'Code') === 'NoSuchUpload') {
      throw new AppError('not_found', 'No such multipart upload for this bucket and key.')
    }
    throw new store.StoreRefused(response.status, xmlValue(text, 'Code') ?? 'UnknownError')
  }

  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    await this.control(`${this.plainUrl(key)}?uploadId=${encodeURIComponent(uploadId)}`, {
      method: 'DELETE',
    })
  }

  async postPolicy(_origin: string, spec: store.PostPolicySpec): Promise<store.SignedPostPolicy> {
    if (this.provider === 'r2') {
      throw new AppError(
        'unsupported_by_target',
        "R2's S3 API has no POST uploads. Use a presigned PUT (POST /v1/presign with contentLength), or serve the bucket through a gateway binding, which accepts POST policies with a size cap.",
      )
    }
    if (spec.contentType && 'prefix' in spec.contentType) {
      // S3 checks a type range with starts-with, which "image/png, text/html" also passes.
      throw new AppError(
        'unsupported_by_target',
        'This store would accept a list of media types under a "type/*" policy; give contentType as one exact media type for this bucket.',
      )
    }
    const { endpoint, bucket, region } = this.target
    const url =
      this.target.style === 'virtual'
        ? `${endpoint.protocol}//${bucket}.${endpoint.host}/`
        : `${endpoint.protocol}//${endpoint.host}/${bucket}`
    const policy = await buildPostPolicy({ ...spec, bucket, region, credential: this.credential })
    return { url, fields: policy.fields, expiresAt: policy.expiresAt }
  }
}
