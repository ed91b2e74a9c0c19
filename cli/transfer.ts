// Moving bytes through presigned URLs: uploads (one PUT, or a multipart upload of parts sent in
// parallel, each retried with backoff, the upload aborted when cancelled or failed for good) and
// downloads (a presigned GET, resumed with Range after a dropped connection or an interrupted
// run, its length and SHA-256 checked). Only the typed client talks to Signet.
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs'
import { rename, rm, stat, writeFile } from 'node:fs/promises'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type SignetClient, SignetError } from '../src/client'
import type { Progress } from './progress'

export type Target = { bucket: string; key: string }

/** A failure of one step of a transfer, named so the user knows what failed. */
export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly cause: unknown,
  ) {
    super(`${step}: ${cause instanceof Error ? cause.message : String(cause)}`)
    this.name = 'StepError'
  }
}

export type Retry = { attempts: number; baseMs: number }

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
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

/** Failures that another attempt cannot mend: a named step's refusal, or Signet's 4xx. */
function permanent(error: unknown): boolean {
  if (error instanceof StepError) return true
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
async function withRetries<T>(
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

/** Why a store refused: its S3 error code when the body has one. */
async function storeRefusal(response: Response): Promise<Error> {
  const text = await response.text().catch(() => '')
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
  return new Error(`the store answered ${response.status}${code ? ` ${code}` : ''}`)
}

/** A file's bytes [start, end) as a request body, counted as they are read. */
function fileBody(path: string, start: number, end: number, counted: (bytes: number) => void) {
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      counted(chunk.byteLength)
      controller.enqueue(chunk)
    },
  })
  const source =
    end > start
      ? (Readable.toWeb(
          createReadStream(path, { start, end: end - 1 }),
        ) as ReadableStream<Uint8Array>)
      : new Blob([]).stream()
  return source.pipeThrough(counter)
}

async function putBytes(
  url: string,
  headers: Record<string, string>,
  path: string,
  start: number,
  end: number,
  progress: Progress,
  signal: AbortSignal,
): Promise<string | null> {
  let sent = 0
  try {
    const response = await fetch(url, {
      method: 'PUT',
      headers: { ...headers, 'Content-Length': String(end - start) },
      body: fileBody(path, start, end, (bytes) => {
        sent += bytes
        progress.add(bytes)
      }),
      signal,
      duplex: 'half',
    } as RequestInit)
    if (!response.ok) throw await storeRefusal(response)
    await response.body?.cancel()
    return response.headers.get('etag')
  } catch (error) {
    progress.undo(sent)
    throw error
  }
}

async function sha256Base64(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('base64')
}

export type UploadRequest = {
  client: SignetClient
  path: string
  size: number
  target: Target
  contentType: string
  /** Files up to this size go in one PUT. */
  threshold: number
  partSize: number
  parallel: number
  retry: Retry
  progress: Progress
  signal: AbortSignal
  /** Told the multipart upload's id once it exists (for messages). */
  onUploadId?: (uploadId: string) => void
}

export async function upload(request: UploadRequest): Promise<{ etag: string | null }> {
  const { client, path, size, target, retry, progress, signal } = request
  if (size <= request.threshold) {
    // One PUT, its SHA-256 signed in, so the store refuses anything else and keeps the checksum.
    const checksumSha256 = await sha256Base64(path)
    const etag = await withRetries('upload', retry, signal, async () => {
      const url = await client
        .presign({
          ...target,
          method: 'PUT',
          contentType: request.contentType,
          contentLength: size,
          checksumSha256,
        })
        .catch((error) => {
          throw new StepError('presign the upload', error)
        })
      return putBytes(url.url, url.headers, path, 0, size, progress, signal)
    })
    return { etag }
  }

  const partCount = Math.ceil(size / request.partSize)
  const started = await client.multipart
    .start({ ...target, contentType: request.contentType, parts: partCount, contentLength: size })
    .catch((error) => {
      throw new StepError('start the multipart upload', error)
    })
  request.onUploadId?.(started.uploadId)
  // One failure stops the other parts at once: their requests are aborted, no new part starts.
  const parts = new AbortController()
  const stopParts = () => parts.abort(signal.reason)
  signal.addEventListener('abort', stopParts, { once: true })
  try {
    const etags: string[] = []
    let offset = 0
    const slices = started.parts.map((part) => {
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
            retry,
            parts.signal,
            () => putBytes(part.url, part.headers, path, start, end, progress, parts.signal),
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
    const completed = await client.multipart
      .complete({
        ...target,
        uploadId: started.uploadId,
        parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })),
      })
      .catch((error) => {
        throw new StepError('complete the multipart upload', error)
      })
    return { etag: completed.etag }
  } catch (error) {
    // Cancelled or failed for good: no parts are left behind.
    await client.multipart.abort({ ...target, uploadId: started.uploadId }).catch(() => undefined)
    throw error
  } finally {
    signal.removeEventListener('abort', stopParts)
  }
}

export type DownloadRequest = {
  client: SignetClient
  source: Target
  /** A file path, or '-' for stdout. */
  dest: string
  retry: Retry
  /** Makes the progress display once the size is known. */
  progress: (size: number) => Progress
  signal: AbortSignal
}

type Meta = { etag: string; size: number }

/**
 * Downloads to `<dest>.signet-partial` and renames it when whole and checked. A partial file
 * from an interrupted run of the same object (same ETag and size) is resumed with Range.
 */
export async function download(
  request: DownloadRequest,
): Promise<{ size: number; progress: Progress }> {
  const { client, source, dest, retry, signal } = request
  const where = `s3://${source.bucket}/${source.key}`
  const head = await withRetries(`look up ${where}`, retry, signal, async () => {
    const url = await client.presign({ ...source, method: 'HEAD' })
    const response = await fetch(url.url, { method: 'HEAD', signal })
    if (response.status === 404) throw new StepError(`look up ${where}`, 'no such object')
    if (!response.ok) throw await storeRefusal(response)
    return response
  })
  const size = Number(head.headers.get('content-length'))
  const etag = head.headers.get('etag') ?? ''
  const checksum = head.headers.get('x-amz-checksum-sha256')
  const progress = request.progress(size)

  const toStdout = dest === '-'
  const partial = `${dest}.signet-partial`
  const metaPath = `${partial}.json`
  let offset = 0
  if (!toStdout) {
    const meta = existsSync(metaPath)
      ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Meta)
      : undefined
    if (meta && meta.etag === etag && meta.size === size && existsSync(partial)) {
      offset = (await stat(partial)).size
    } else {
      await rm(partial, { force: true })
      await writeFile(metaPath, JSON.stringify({ etag, size } satisfies Meta))
    }
  }
  progress.add(offset)
  const hash = toStdout ? createHash('sha256') : undefined

  while (offset < size) {
    const before = offset
    await withRetries(`download ${where}`, retry, signal, async () => {
      const url = await client.presign({ ...source, method: 'GET' })
      const headers: Record<string, string> = etag ? { 'If-Match': etag } : {}
      if (offset > 0) headers.Range = `bytes=${offset}-`
      const response = await fetch(url.url, { headers, signal })
      if (response.status === 412) {
        throw new StepError(`download ${where}`, 'the object changed while it was downloaded')
      }
      if (response.status !== (offset > 0 ? 206 : 200) || !response.body) {
        throw await storeRefusal(response)
      }
      const sink = toStdout
        ? (Writable.toWeb(process.stdout) as WritableStream<Uint8Array>)
        : (Writable.toWeb(createWriteStream(partial, { flags: 'a' })) as WritableStream<Uint8Array>)
      const counter = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          offset += chunk.byteLength
          hash?.update(chunk)
          progress.add(chunk.byteLength)
          controller.enqueue(chunk)
        },
      })
      await response.body.pipeThrough(counter).pipeTo(sink, { preventClose: toStdout })
    }).catch((error) => {
      if (offset > before) return // it moved on: resume from here with a fresh budget
      throw error
    })
  }

  if (toStdout) {
    if (checksum && hash?.digest('base64') !== checksum) {
      throw new StepError(`check ${where}`, 'the SHA-256 of the bytes does not match the object')
    }
    return { size, progress }
  }
  const got = (await stat(partial)).size
  if (got !== size) {
    throw new StepError(`check ${where}`, `got ${got} bytes where the object has ${size}`)
  }
  if (checksum && (await sha256Base64(partial)) !== checksum) {
    await rm(partial, { force: true })
    await rm(metaPath, { force: true })
    throw new StepError(`check ${where}`, 'the SHA-256 of the file does not match the object')
  }
  await rename(partial, dest)
  await rm(metaPath, { force: true })
  return { size, progress }
}
