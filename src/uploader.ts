// One uploader for every surface outside the Worker (the CLI and the console), through the typed
// client: one presigned PUT up to a threshold, else a multipart upload of parts sent in parallel,
// each retried with backoff and jitter; one failure for good stops the other parts at once and
// aborts the upload, as does cancelling; the object keeps the bytes' SHA-256 (signed into the
// PUT, or as the multipart upload's metadata). How bytes travel is the surface's: a Transport
// (fetch streams from a file in Node, XMLHttpRequest with upload progress in a browser).
import { type SignetClient, SignetError } from './client'
import { MAX_PARTS, MIN_PART_SIZE, SHA256_METADATA } from './lib/limits'

export type Target = { bucket: string; key: string }

/** A failure of one step of a transfer, named so the user knows what failed. */
export class StepError extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`)
    this.name = 'StepError'
  }
}

export type Retry = { attempts: number; baseMs: number }

/**
 * What every uploader (the CLI, the console, an upload link's page) does unless told otherwise:
 * each request tried up to 4 times with backoff from 250 ms, and 4 parts in flight at once.
 */
export const DEFAULT_RETRY: Retry = { attempts: 4, baseMs: 250 }
export const DEFAULT_PARALLEL_PARTS = 4

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}

/** Failures that another attempt cannot mend: a named step's refusal, or Signet's 4xx. */
function permanent(error: unknown): boolean {
  if (error instanceof StepError || error instanceof ObjectExists) return true
  return (
    error instanceof SignetError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 429
  )
}

/**
 * Runs `work` until it succeeds or `retry.attempts` are used, waiting longer each time (with
 * jitter). Permanent failures are not tried again.
 */
export async function withRetries<T>(
  step: string,
  retry: Retry,
  signal: AbortSignal,
  work: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt)
    } catch (error) {
      if (signal.aborted) throw signal.reason
      if (permanent(error)) throw error
      if (attempt >= retry.attempts) {
        throw new StepError(`${step} failed after ${attempt} attempts`, error)
      }
      const backoff = Math.min(8000, retry.baseMs * 2 ** (attempt - 1))
      await sleep(backoff * (0.5 + Math.random() / 2), signal)
    }
  }
}

/** A store's answer to a presigned request that was not a success: its status, in words. */
export class TransferRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'TransferRefused'
  }
}

/** The target already holds an object, and the upload was not told to replace it. */
export class ObjectExists extends Error {
  constructor(readonly target: Target) {
    super(`s3://${target.bucket}/${target.key} already exists`)
    this.name = 'ObjectExists'
  }
}

/** How a surface sends bytes [start, end) of its source to a presigned URL. */
export type Transport = {
  /** Whether a presigned HEAD finds an object (true), none (false); throws on anything else. */
  exists(url: string, signal: AbortSignal): Promise<boolean>
  /**
   * PUTs the bytes with `headers` (Content-Length is the transport's to set); calls `sent` with
   * the bytes sent so far in this attempt; answers the store's ETag header. Rejects with a
   * TransferRefused when the store refuses, an Error on a broken connection; stops when `signal`
   * aborts.
   */
  put(
    url: string,
    headers: Record<string, string>,
    range: { start: number; end: number },
    sent: (bytes: number) => void,
    signal: AbortSignal,
  ): Promise<string | null>
}

export type UploadRequest = {
  client: SignetClient
  target: Target
  size: number
  contentType: string
  /** The bytes' SHA-256 (base64), kept with the object so downloads can check it. */
  checksumSha256: string
  transport: Transport
  /**
   * Replace an object already at the target. Without it nothing is silently replaced: the
   * upload stops with ObjectExists (a single PUT signs If-None-Match: *, so the store refuses it
   * with 412, without a look first; a multipart upload is looked for before it starts).
   */
  overwrite: boolean
  /** Sources up to this size go in one PUT. */
  threshold: number
  /** Target part size (at least 5 MiB; more when the parts would be over 10,000). */
  partSize: number
  parallel: number
  retry: Retry
  signal: AbortSignal
  /** Bytes counted (positive) or taken back after a failed attempt (negative). */
  progress: (delta: number) => void
  /** Told the multipart upload's id once it exists (for messages). */
  onUploadId?: (uploadId: string) => void
}

/** The part size for `size` bytes: at least `wanted` and 5 MiB, and at most 10,000 parts. */
export function partSizeFor(size: number, wanted: number): number {
  return Math.max(MIN_PART_SIZE, wanted, Math.ceil(size / MAX_PARTS))
}

/** One PUT through the transport, its progress taken back when it fails. */
export async function putCounted(
  request: Pick<UploadRequest, 'transport' | 'progress'>,
  url: string,
  headers: Record<string, string>,
  range: { start: number; end: number },
  signal: AbortSignal,
): Promise<string | null> {
  let counted = 0
  try {
    return await request.transport.put(
      url,
      headers,
      range,
      (bytes) => {
        request.progress(bytes - counted)
        counted = bytes
      },
      signal,
    )
  } catch (error) {
    request.progress(-counted)
    throw error
  }
}

/**
 * A presigned PUT carrying the SHA-256 (signed as a checksum) and, unless overwriting,
 * If-None-Match: * (`createOnly`: the store itself refuses to replace an object); where the store
 * takes neither (GCS), the SHA-256 as metadata, and the caller looks before it sends.
 */
async function presignPut(request: UploadRequest) {
  const { client, target, contentType, size, checksumSha256 } = request
  const base = { ...target, method: 'PUT' as const, contentType, contentLength: size }
  try {
    const url = await client.presign({
      ...base,
      checksumSha256,
      ...(request.overwrite ? {} : { ifNoneMatch: '*' as const }),
    })
    return { ...url, createOnly: !request.overwrite }
  } catch (error) {
    if (!(error instanceof SignetError) || error.code !== 'unsupported_by_target') throw error
    const url = await client.presign({ ...base, metadata: { [SHA256_METADATA]: checksumSha256 } })
    return { ...url, createOnly: false }
  }
}

/**
 * Whether the target holds an object now (a presigned HEAD through the surface's transport);
 * undefined when the caller's scope may not look (no `head`): then a single PUT's
 * If-None-Match: * is what keeps an object from being replaced.
 */
export async function objectExists(
  client: SignetClient,
  transport: Transport,
  target: Target,
  signal: AbortSignal,
): Promise<boolean | undefined> {
  let url: string
  try {
    url = (await client.presign({ ...target, method: 'HEAD' })).url
  } catch (error) {
    if (error instanceof SignetError && error.code === 'forbidden') return undefined
    throw new StepError('look up the target', error)
  }
  return transport.exists(url, signal)
}

export async function upload(request: UploadRequest): Promise<{ etag: string | null }> {
  const { client, size, target, retry, signal } = request
  const refuseExisting = async () => {
    if ((await objectExists(client, request.transport, target, signal)) === true) {
      throw new ObjectExists(target)
    }
  }
  if (size <= request.threshold) {
    // One PUT, its SHA-256 signed in, so the store refuses anything else and keeps the checksum.
    // Create-only where the store takes If-None-Match: * (no look first, and no race between a
    // look and the PUT); elsewhere it looks once before the first attempt.
    let looked = request.overwrite
    const etag = await withRetries('upload', retry, signal, async () => {
      const url = await presignPut(request).catch((error) => {
        throw new StepError('presign the upload', error)
      })
      if (!looked && !url.createOnly) {
        looked = true
        await refuseExisting()
      }
      return putCounted(request, url.url, url.headers, { start: 0, end: size }, signal).catch(
        (error: unknown) => {
          // The store's answer to If-None-Match: * — an object is there (or arrived meanwhile).
          if (url.createOnly && error instanceof TransferRefused && error.status === 412) {
            throw new ObjectExists(target)
          }
          throw error
        },
      )
    })
    return { etag }
  }

  // A multipart upload cannot be made create-only everywhere: it looks before it starts.
  if (!request.overwrite) await refuseExisting()
  const partCount = Math.ceil(size / partSizeFor(size, request.partSize))
  const completed = await sendMultipart(
    clientSession(client, {
      ...target,
      contentType: request.contentType,
      parts: partCount,
      contentLength: size,
      checksumSha256: request.checksumSha256,
    }),
    request,
  )
  return { etag: completed.etag }
}

/**
 * One multipart upload, wherever it is started and finished (Signet's API, an upload link, and
 * any protocol after them): the surface's adapter says how; the envelope is the same everywhere.
 */
export type MultipartSession<Done> = {
  /** Starts the upload: its id and the presigned URL of every part, in order. */
  start(): Promise<{ uploadId: string; parts: readonly PartUrl[] }>
  /** Completes it with the parts' ETags, in order. */
  complete(parts: { partNumber: number; etag: string }[]): Promise<Done>
  /** Aborts it: no parts are left behind. */
  abort(): Promise<unknown>
}

/**
 * The one client multipart envelope: start, the parts (parallel, retried), complete; cancelled or
 * failed for good, abort. Each step's failure is named.
 */
export async function sendMultipart<Done>(
  session: MultipartSession<Done>,
  request: Pick<UploadRequest, 'transport' | 'parallel' | 'retry' | 'signal' | 'progress'> & {
    onUploadId?: ((uploadId: string) => void) | undefined
  },
): Promise<Done> {
  const started = await session.start().catch((error: unknown) => {
    throw new StepError('start the multipart upload', error)
  })
  request.onUploadId?.(started.uploadId)
  try {
    const etags = await sendParts(request, started.parts)
    return await session
      .complete(etags.map((etag, index) => ({ partNumber: index + 1, etag })))
      .catch((error: unknown) => {
        throw new StepError('complete the multipart upload', error)
      })
  } catch (error) {
    await session.abort().catch(() => undefined)
    throw error
  }
}

/** A multipart upload through Signet's API (`SignetClient.multipart`). */
function clientSession(
  client: SignetClient,
  start: Parameters<SignetClient['multipart']['start']>[0],
): MultipartSession<{ etag: string | null }> {
  const target = { bucket: start.bucket, key: start.key }
  let uploadId = ''
  return {
    async start() {
      const started = await client.multipart.start(start)
      uploadId = started.uploadId
      return started
    },
    complete: (parts) => client.multipart.complete({ ...target, uploadId, parts }),
    abort: () => client.multipart.abort({ ...target, uploadId }),
  }
}

/** A multipart upload's presigned part: its URL and the headers it was signed with. */
export type PartUrl = { partNumber: number; url: string; headers: Record<string, string> }

/**
 * Sends the source's bytes to presigned part URLs (each signed with its Content-Length, in
 * order), `parallel` at a time, each retried; one failure for good stops the others at once.
 * Answers the parts' ETags in order.
 */
export async function sendParts(
  request: Pick<UploadRequest, 'transport' | 'parallel' | 'retry' | 'signal' | 'progress'>,
  partUrls: readonly PartUrl[],
): Promise<string[]> {
  const { signal } = request
  const parts = new AbortController()
  const stopParts = () => parts.abort(signal.reason)
  signal.addEventListener('abort', stopParts, { once: true })
  try {
    const etags: string[] = []
    let offset = 0
    const slices = partUrls.map((part) => {
      const length = Number(part.headers['Content-Length'])
      const slice = { part, start: offset, end: offset + length }
      offset += length
      return slice
    })
    let next = 0
    let failure: unknown
    const worker = async () => {
      while (next < slices.length && !parts.signal.aborted) {
        const { part, start, end } = slices[next++] as (typeof slices)[number]
        try {
          const etag = await withRetries(
            `upload part ${part.partNumber}`,
            request.retry,
            parts.signal,
            () => putCounted(request, part.url, part.headers, { start, end }, parts.signal),
          )
          if (!etag) throw new StepError(`upload part ${part.partNumber}`, 'the store gave no ETag')
          etags[part.partNumber - 1] = etag
        } catch (error) {
          if (!parts.signal.aborted) {
            failure = error
            parts.abort(error)
          }
          return
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(request.parallel, slices.length) }, worker))
    if (signal.aborted) throw signal.reason
    if (failure !== undefined) throw failure
    return etags
  } finally {
    signal.removeEventListener('abort', stopParts)
  }
}
