// What a bucket's store offers the features: signed object URLs, multipart control, where a
// browser form goes, and reading an object for proxying. Config builds one store per configured
// bucket, once; features call it and never ask which kind it is. A new kind of store is one new
// module implementing this interface and one case in config.

import { AppError } from '../errors'
import type { CorsFormat } from '../lib/cors'
import type { ListedObject } from '../lib/list-xml'
import type { ServiceAccount } from '../s3/goog4'
import type { PostPolicyInput } from '../s3/post-policy'

/** A bucket's key pair as SIGNET_CREDENTIALS gives it. */
export type Credential = {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** Epoch seconds after which the credential no longer signs. */
  expiresAt?: number
  /**
   * A gateway bucket's previous key pair, kept while a rotation settles: URLs and upload ids made
   * with it still verify; nothing is signed with it.
   */
  previous?: { accessKeyId: string; secretAccessKey: string }
}

/** The pairs a gateway verifies with: the current one, then the previous while it is kept. */
export function verifyingPairs(credential: Credential): Credential[] {
  return credential.previous ? [credential, credential.previous] : [credential]
}

/** The pair a signature names by its access key id: the current or the previous one. */
export function pairById(credential: Credential, accessKeyId: string): Credential | undefined {
  return verifyingPairs(credential).find((pair) => pair.accessKeyId === accessKeyId)
}

export type UrlRequest = {
  key: string
  method: string
  expiresIn: number
  /** Signing time, whole seconds. */
  nowMs: number
  /** This Worker's origin: URLs of the buckets Signet serves itself point here. */
  origin: URL
  /** Parameters other than X-Amz-*, unencoded (response-* overrides, versionId, part ids). */
  query?: [string, string][]
  /** Headers the client must send, signed. */
  headers?: Record<string, string>
  /** CIDRs to bind the URL to, signed into it where the store enforces them (enforcesUrlIps). */
  allowIps?: readonly string[] | undefined
  /** The only version (ETag) the URL may serve, signed into it where the store enforces it. */
  ifMatch?: string | undefined
}

export type ReadRequest = { method: 'GET' | 'HEAD'; headers: Headers }

export type ReadOptions = {
  /** S3 `response-*` parameters and their values: overrides for the answer's headers. */
  overrides: readonly (readonly [string, string])[]
  /** For stores read through a presigned request: signing time and its most seconds. */
  nowMs: number
  maxSeconds: number
}

/** An object read: the store's answer (200, 206, 304) with its object headers, or why not. */
export type ObjectRead =
  | { ok: true; status: 200 | 206 | 304; headers: Headers; body: ReadableStream | null }
  | { ok: false; reason: 'not_found' | 'precondition_failed' | 'invalid_range' | 'bad_condition' }

/** A browser form upload's policy, as a feature asks for it (the store adds where and who signs). */
export type PostPolicySpec = Omit<PostPolicyInput, 'bucket' | 'region' | 'credential'>

/** A signed form: where it posts, its fields (before the file), and until when. */
export type SignedPostPolicy = { url: string; fields: Record<string, string>; expiresAt: Date }

/** What Signet's gateway needs of a bucket it serves: the R2 binding and the key pair it verifies. */
export type GatewayAccess = { binding: R2Bucket; credential: Credential }

/** PresignRequest fields a store may not support; naming one answers unsupported_by_target. */
export type PresignField = 'checksumSha256' | 'ifNoneMatch' | 'versionId'

export type CompletedPart = { partNumber: number; etag: string }

/** How a multipart upload starts: its media type, its metadata, and what it declared. */
export type MultipartStart = {
  contentType?: string | undefined
  /** User metadata (names without the store's prefix). */
  metadata?: Record<string, string>
  /** Parts and total length, when the upload declared them: completing with less is refused. */
  declared?: { parts: number; length: number } | undefined
}

/** Where a listing page starts, how long it may be, and the signing time for remote stores. */
export type ListPageRequest = { cursor?: string | undefined; limit: number; nowMs: number }

/** A page of a listing and where the next one starts (null: this was the last). */
export type { ListedObject }
export type ObjectListPage = { objects: ListedObject[]; next: string | null }

/**
 * A new object: its length (the body must be exactly that), media type, and signing time;
 * `replace` writes over an object already there (else nothing is replaced).
 */
export type NewObject = {
  size: number
  contentType: string
  nowMs: number
  replace?: boolean
  /** User metadata (names without the store's prefix; values ASCII). */
  metadata?: Record<string, string>
}

export interface Store {
  /** Signet's name for the bucket. */
  readonly name: string
  /** The store's own name for it (bucket policies, POST policies). */
  readonly bucketName: string
  /** Epoch seconds after which its signing key no longer signs (temporary credentials). */
  readonly signsUntil: number | undefined
  /** How the store names user metadata headers: `x-amz-meta-` or `x-goog-meta-`. */
  readonly metadataPrefix: string
  /** PresignRequest fields this store cannot honour. */
  readonly unsupported: ReadonlySet<PresignField>
  /** Its URLs point at Signet itself, so making them needs this Worker's public origin. */
  readonly servedBySignet: boolean
  /** A URL's allowIps are signed into it and enforced on every request. */
  readonly enforcesUrlIps: boolean
  /** Present only for the buckets Signet's gateway serves: their R2 binding and key pair. */
  readonly gateway: GatewayAccess | undefined
  /**
   * The endpoint the AWS CLI must be pointed at (`--endpoint-url`) for this bucket's S3 API;
   * undefined on AWS itself and where no store rule applies (the gateway).
   */
  readonly awsCliEndpoint: string | undefined
  /** Its SigV4 key pair when `accessKeyId` is its own (to check a URL's signature), else undefined. */
  keyFor(accessKeyId: string): Credential | undefined
  /** Its service account when `clientEmail` is its own (GOOG4 signatures), else undefined. */
  accountFor(clientEmail: string): ServiceAccount | undefined
  /** The bucket CORS rule formats its store takes; none where Signet answers preflights itself. */
  readonly corsFormats: readonly CorsFormat[]
  /** The origin its object URLs point at (a share page's form may be redirected there). */
  objectOrigin(signetOrigin: string): string
  /** Whether `url` addresses this bucket: at its store's endpoint, or at Signet's own origin. */
  addresses(url: URL, signetOrigin: string): boolean
  objectUrl(request: UrlRequest): Promise<string>
  /**
   * The object's ETag (null when there is no such object), where the store can say so without a
   * round trip to elsewhere (an R2 binding); else undefined.
   */
  knownVersion(key: string): Promise<string | null | undefined>
  /** The object's ETag and size, asking the store (a subrequest for remote stores); null if none. */
  headObject(key: string, nowMs: number): Promise<{ etag: string; size: number } | null>
  readObject(key: string, request: ReadRequest, options: ReadOptions): Promise<ObjectRead>
  /**
   * One page of the objects under `prefix` in key order (every level, no delimiter), at most
   * `limit` (≤ 1,000), after `cursor` (the last page's `next`); one round trip to the store.
   */
  listObjects(prefix: string, page: ListPageRequest): Promise<ObjectListPage>
  /**
   * Stores exactly `put.size` bytes of `body` at `key`, only where no object is unless
   * `put.replace`: the new object's ETag, or null when the store already holds one there and
   * nothing was replaced.
   */
  putObject(key: string, body: ReadableStream, put: NewObject): Promise<string | null>
  /** Starts a multipart upload; answers the upload id to give out. */
  createMultipartUpload(key: string, start: MultipartStart): Promise<string>
  /** Completes it; answers the object's ETag when the store gives one. AppError when refused. */
  completeMultipartUpload(
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<string | null>
  abortMultipartUpload(key: string, uploadId: string): Promise<void>
  /**
   * Stores one part of a multipart upload from Signet itself (tus uploads: the bytes pass through
   * the Worker); answers its ETag. AppError unsupported_by_target where the store has no parts.
   */
  uploadPart(key: string, uploadId: string, partNumber: number, bytes: Uint8Array): Promise<string>
  /**
   * A signed browser form upload into this bucket. AppError unsupported_by_target where the store
   * takes no POST, or cannot hold a `type/*` Content-Type condition (a prefix) to one media type.
   */
  postPolicy(origin: string, spec: PostPolicySpec): Promise<SignedPostPolicy>
}

/**
 * The store refused Signet's own signed request (a 4xx, or S3's <Error> in a 200): Signet's
 * configuration, the bucket's policy or the request, not the store failing (no answer or a 5xx is
 * store_unavailable). The one "the store said no" error: `status` and, where the store's body
 * says it, its S3 `code` (never the body itself). Internal unless a feature can say more.
 */
export class StoreRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
  ) {
    super(`store answered ${status}${code ? ` ${code}` : ''}`)
    this.name = 'StoreRefused'
  }
}

/**
 * Aborts a multipart upload left behind (an expired or terminated tus upload): one the store no
 * longer knows (completed or aborted elsewhere) is as good as aborted; any other failure throws.
 */
export async function abortLeftover(store: Store, key: string, uploadId: string): Promise<void> {
  await store.abortMultipartUpload(key, uploadId).catch((error: unknown) => {
    if (!(error instanceof AppError && error.code === 'not_found')) throw error
  })
}
