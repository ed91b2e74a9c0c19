// Uploading a local file (or stdin, measured into a temporary file first) for `cp` and `share`:
// the options that shape a transfer, and the shared uploader (src/uploader.ts) with the file's
// transport, its SHA-256 and a progress display.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import mime from 'mime/lite'
import type { SignetClient } from '../src/client'
import { MIN_PART_SIZE, SINGLE_PUT_MAX } from '../src/lib/limits'
import {
  DEFAULT_PARALLEL_PARTS,
  DEFAULT_RETRY,
  objectExists,
  type Retry,
  type Target,
  upload,
} from '../src/uploader'
import {
  Interrupted,
  type Io,
  interruptible,
  type OptionSpecs,
  size,
  UsageError,
  wholeNumber,
} from './command'
import { type Output, PartProgress, Progress } from './progress'
import { fileTransport, sha256Base64 } from './transfer'

const MiB = 1024 * 1024

/** The options of a transfer, and their defaults. */
export const TRANSFER_OPTIONS = {
  'content-type': {
    type: 'string',
    value: 'TYPE',
    help: 'the media type (default: from the name)',
  },
  'part-size': { type: 'string', value: '8MiB', help: 'multipart part size (at least 5 MiB)' },
  parallel: { type: 'string', value: '4', help: 'parts in flight at once' },
  'multipart-threshold': {
    type: 'string',
    value: '16MiB',
    help: 'files up to this size go in one PUT',
  },
  retries: { type: 'string', value: '3', help: 'more attempts for a failed request' },
  overwrite: { type: 'boolean', help: 'replace an object already at the key (never by default)' },
} as const satisfies OptionSpecs

type TransferValues = {
  [K in Exclude<keyof typeof TRANSFER_OPTIONS, 'overwrite'>]?: string
} & { overwrite?: boolean }

export function retryOf(options: { retries?: string }): Retry {
  const retries = wholeNumber(options.retries, 'retries') ?? DEFAULT_RETRY.attempts - 1
  return { attempts: retries + 1, baseMs: DEFAULT_RETRY.baseMs }
}

export type UploadResult = {
  target: Target
  size: number
  etag: string | null
  progress: Progress
}

/** Uploads a local file (or stdin, buffered to a temporary file first) to `target`. */
export async function uploadFile(
  client: SignetClient,
  options: TransferValues,
  source: string,
  target: Target,
  mode: Output,
  io: Io,
  /** The display of a tree this file is part of (its bytes count there); else its own. */
  whole?: Progress,
): Promise<UploadResult> {
  let path = source
  let scratch: string | undefined
  if (source === '-') {
    // The part count is fixed when a multipart upload starts: stdin is measured first.
    scratch = await mkdtemp(join(tmpdir(), 'signet-stdin-'))
    path = join(scratch, 'stdin')
    await pipeline(process.stdin, createWriteStream(path))
  }
  const { signal, done } = interruptible()
  try {
    const info = await stat(path).catch(() => undefined)
    if (!info) throw new UsageError(`no such file: ${source}`)
    if (info.isDirectory()) {
      throw new UsageError(`${source} is a directory: give -r to copy it and everything in it`)
    }
    const bytes = info.size
    const contentType =
      options['content-type'] ??
      (source === '-' ? undefined : mime.getType(basename(source))) ??
      'application/octet-stream'
    const progress = whole
      ? new PartProgress(whole)
      : new Progress(mode, basename(target.key), bytes)
    let uploadId: string | undefined
    try {
      const { etag } = await upload({
        client,
        target,
        size: bytes,
        contentType,
        checksumSha256: await sha256Base64(path),
        transport: fileTransport(path),
        overwrite: options.overwrite === true,
        threshold: size(options['multipart-threshold'], 'multipart-threshold', SINGLE_PUT_MAX),
        partSize: Math.max(MIN_PART_SIZE, size(options['part-size'], 'part-size', 8 * MiB)),
        parallel: Math.max(1, wholeNumber(options.parallel, 'parallel') ?? DEFAULT_PARALLEL_PARTS),
        retry: retryOf(options),
        signal,
        progress: (delta) => progress.add(delta),
        onUploadId: (id) => {
          uploadId = id
        },
      })
      return { target, size: bytes, etag, progress }
    } catch (error) {
      progress.stop()
      if (error instanceof Interrupted && uploadId) {
        io.err(`signet: interrupted: multipart upload ${uploadId} aborted\n`)
      }
      throw error
    }
  } finally {
    done()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}

/**
 * A key next to `target` that holds no object yet: the key itself, else `name-2.ext`,
 * `name-3.ext`, … (for `share ./file`, which never replaces a file someone may have a link to).
 */
export async function freeTarget(
  client: SignetClient,
  path: string,
  target: Target,
  signal: AbortSignal,
): Promise<Target> {
  const transport = fileTransport(path)
  const slash = target.key.lastIndexOf('/') + 1
  const name = target.key.slice(slash)
  const dot = name.lastIndexOf('.')
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  for (let n = 1; n <= 100; n++) {
    const key = n === 1 ? target.key : `${target.key.slice(0, slash)}${stem}-${n}${ext}`
    if ((await objectExists(client, transport, { ...target, key }, signal)) !== true) {
      return { ...target, key }
    }
  }
  throw new UsageError(`s3://${target.bucket}/${target.key} and 99 names like it exist: give --to`)
}
