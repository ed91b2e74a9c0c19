// Moving bytes through presigned URLs from the command line: the uploader's transport for a
// local file (src/uploader.ts does the rest, for the console too), and downloads (a presigned
// GET, resumed with Range after a dropped connection or an interrupted run, verified before it is
// put in place). Only the typed client talks to Signet.
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import { type FileHandle, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { SignetClient } from '../src/client'
import {
  type Retry,
  StepError,
  type Target,
  TransferRefused,
  type Transport,
  withRetries,
} from '../src/uploader'
import type { Progress } from './progress'
import { Check, checkFile, describeExpected, type Expected, expectedOf } from './verify'

/** Why a store refused: its S3 error code when the body has one. */
async function transferRefused(response: Response): Promise<TransferRefused> {
  const text = await response.text().catch(() => '')
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
  return new TransferRefused(
    response.status,
    `the store answered ${response.status}${code ? ` ${code}` : ''}`,
  )
}

/** A file's bytes [start, end) as a request body, counted as they are read. */
function fileBody(path: string, start: number, end: number, counted: (bytes: number) => void) {
  let read = 0
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      read += chunk.byteLength
      counted(read)
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

/** The uploader's transport for a local file: fetch with a streamed body. */
export function fileTransport(path: string): Transport {
  return {
    async exists(url, signal) {
      const response = await fetch(url, { method: 'HEAD', signal })
      if (response.status === 404) return false
      if (!response.ok) throw await transferRefused(response)
      return true
    },
    async put(url, headers, { start, end }, sent, signal) {
      const response = await fetch(url, {
        method: 'PUT',
        headers: { ...headers, 'Content-Length': String(end - start) },
        body: fileBody(path, start, end, sent),
        signal,
        duplex: 'half',
      } as RequestInit)
      if (!response.ok) throw await transferRefused(response)
      await response.body?.cancel()
      return response.headers.get('etag')
    },
  }
}

export async function sha256Base64(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('base64')
}

export type DownloadRequest = {
  client: SignetClient
  source: Target
  /** A file path, or '-' for stdout. */
  dest: string
  retry: Retry
  /** Makes the progress display once the size is known. */
  progress: (size: number) => Progress
  /** Says something the user must know that is not a failure (on stderr). */
  warn: (message: string) => void
  signal: AbortSignal
}

type Meta = { etag: string; size: number }

/** Where downloaded bytes go: written at their offset, done only when written. */
type Sink = { write(chunk: Uint8Array, at: number): Promise<void> }

/** A file's bytes at explicit offsets: a retried range can never leave a hole or a repeat. */
function fileSink(handle: FileHandle): Sink {
  return {
    async write(chunk, at) {
      let done = 0
      while (done < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, at + done)
        done += bytesWritten
      }
    },
  }
}

/** stdout, in order, waiting whenever it is full. */
function stdoutSink(): Sink {
  return {
    async write(chunk) {
      await new Promise<void>((resolve, reject) => {
        process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()))
      })
    },
  }
}

/**
 * Fetches the object's bytes from `offset` to its end into `sink`, resuming with Range after a
 * dropped connection. The offset moves only once a chunk is written; each answer must start
 * exactly there (Content-Range) and be of the same object (If-Match), or it is not used.
 */
async function fetchInto(
  request: DownloadRequest,
  object: { etag: string; size: number },
  from: number,
  sink: Sink,
  seen: (chunk: Uint8Array) => void,
  progress: Progress,
): Promise<void> {
  const { client, source, retry, signal } = request
  const where = `s3://${source.bucket}/${source.key}`
  let offset = from
  while (offset < object.size) {
    await withRetries(`download ${where}`, retry, signal, async () => {
      const url = await client.presign({ ...source, method: 'GET' })
      const headers: Record<string, string> = object.etag ? { 'If-Match': object.etag } : {}
      if (offset > 0) headers.Range = `bytes=${offset}-`
      const response = await fetch(url.url, { headers, signal })
      if (response.status === 412) {
        throw new StepError(`download ${where}`, 'the object changed while it was downloaded')
      }
      const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '')
      const fits =
        offset > 0
          ? response.status === 206 && Number(range?.[1]) === offset
          : response.status === 200
      if (!fits || !response.body) {
        await response.body?.cancel()
        throw response.ok
          ? new Error(`the store answered ${response.status} from another offset`)
          : await transferRefused(response)
      }
      const start = offset
      const reader = response.body.getReader()
      try {
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          if (offset + value.length > object.size) {
            throw new StepError(
              `download ${where}`,
              'the store sent more bytes than the object has',
            )
          }
          await sink.write(value, offset)
          // Only now: these bytes are where they belong.
          offset += value.length
          seen(value)
          progress.add(value.length)
        }
      } catch (error) {
        // A connection that brought bytes before it broke is resumed at once, from the last
        // byte written; one that brought none is retried with backoff.
        if (offset > start && !(error instanceof StepError) && !signal.aborted) return
        throw error
      } finally {
        reader.releaseLock()
      }
      if (offset < object.size && offset === start) throw new Error('the connection ended early')
    })
  }
}

/** The object's size, ETag and what its bytes can be checked against, from a HEAD. */
async function lookUp(request: DownloadRequest) {
  const { client, source, retry, signal } = request
  const where = `s3://${source.bucket}/${source.key}`
  const head = await withRetries(`look up ${where}`, retry, signal, async () => {
    const url = await client.presign({ ...source, method: 'HEAD' })
    const response = await fetch(url.url, { method: 'HEAD', signal })
    if (response.status === 404) throw new StepError(`look up ${where}`, 'no such object')
    if (!response.ok) throw await transferRefused(response)
    return response
  })
  return {
    where,
    size: Number(head.headers.get('content-length')),
    etag: head.headers.get('etag') ?? '',
    expected: expectedOf(head.headers),
  }
}

function unverified(where: string, expected: Expected | undefined): string {
  return expected?.kind === 'multipart-md5'
    ? `${where} was not verified: its ${expected.parts} parts have a size none of the usual ones (only its length was checked)`
    : `${where} was not verified: the store keeps no SHA-256 for it and its ETag is not an MD5 (only its length was checked)`
}

/**
 * Downloads to `<dest>.signet-partial` and renames it only when whole and verified against the
 * object (its SHA-256, or its ETag's MD5). A partial file from an interrupted run of the same
 * object (same ETag and size) is resumed with Range; if the whole then does not verify, it is
 * discarded and the object fetched again from its first byte: a partial file is never trusted.
 * To stdout ('-') the bytes are checked as they pass (a mismatch fails the command).
 */
export async function download(
  request: DownloadRequest,
): Promise<{ size: number; progress: Progress }> {
  const { dest } = request
  const object = await lookUp(request)
  const { where, size, expected } = object
  const progress = request.progress(size)

  if (dest === '-') {
    const check = expected ? new Check(expected, size) : undefined
    await fetchInto(request, object, 0, stdoutSink(), (chunk) => check?.update(chunk), progress)
    const matches = check?.matches()
    if (matches === false) {
      throw new StepError(
        `check ${where}`,
        `the bytes written do not match ${describeExpected(check?.expected as Expected)}`,
      )
    }
    if (matches === undefined) request.warn(unverified(where, expected))
    return { size, progress }
  }

  const partial = `${dest}.signet-partial`
  const metaPath = `${partial}.json`
  const meta = existsSync(metaPath)
    ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Meta)
    : undefined
  let offset = 0
  if (meta && meta.etag === object.etag && meta.size === size && existsSync(partial)) {
    offset = (await stat(partial)).size
  }
  // Nothing to check it against: a partial file of an earlier run cannot be trusted.
  if (offset > size || expected === undefined) offset = 0
  if (offset === 0) {
    await rm(partial, { force: true })
    await writeFile(metaPath, JSON.stringify({ etag: object.etag, size } satisfies Meta))
  }

  for (let resumed = offset > 0; ; resumed = false) {
    progress.add(offset)
    const handle = await open(partial, offset > 0 ? 'r+' : 'w')
    try {
      await fetchInto(request, object, offset, fileSink(handle), () => undefined, progress)
      await handle.truncate(size)
      await handle.sync()
    } finally {
      await handle.close()
    }
    const matches = expected ? await checkFile(partial, expected, size) : undefined
    if (matches === true || (matches === undefined && !resumed)) {
      if (matches === undefined) request.warn(unverified(where, expected))
      await rename(partial, dest)
      await rm(metaPath, { force: true })
      return { size, progress }
    }
    if (!resumed) {
      await rm(partial, { force: true })
      await rm(metaPath, { force: true })
      throw new StepError(
        `check ${where}`,
        `the bytes do not match ${describeExpected(expected as Expected)}`,
      )
    }
    // The resumed file is not the object, or cannot be shown to be: fetch every byte again.
    request.warn(
      `the partial download of ${where} ${matches === false ? 'did not verify' : 'cannot be verified'}: fetching it again in full`,
    )
    progress.undo(size)
    offset = 0
  }
}
