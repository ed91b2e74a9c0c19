// signet send: a file to an upload link someone gave you, with tus (tus-js-client): in chunks
// under the 100 MB a request body may be, and resumable. The upload's URL is kept in
// $XDG_CONFIG_HOME/signet/tus-uploads.json, so the same command run again after a lost connection
// or Ctrl-C goes on from what the server holds. Needs no key: the link is the permission.
import { createReadStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as tus from 'tus-js-client'
import { formatSize } from '../../src/lib/sizes'
import { command, EXIT, Interrupted, size, UsageError } from '../command'
import { profilePath } from '../profiles'
import { outputMode, Progress } from '../progress'
import { passwordFromStdin } from './share'

/** tus-js-client's file-backed URL storage (Node only; its typings leave it out). */
const { FileUrlStorage } = tus as unknown as {
  FileUrlStorage: new (path: string) => tus.UrlStorage
}

/** What a tus failure means for the exit code: the server's status, or none (unreachable). */
export class SendFailed extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message)
  }
}

export function sendExitCode(error: SendFailed): number {
  const status = error.status
  if (status === undefined) return EXIT.unreachable
  if (status === 401 || status === 403) return EXIT.auth
  if (status === 404 || status === 410) return EXIT.missing
  return EXIT.error
}

/** The link's tus endpoint: `<origin>/u/<id>/tus/`. */
function endpointOf(link: string): string {
  const match = /^(https?:\/\/[^/]+)\/u\/([A-Za-z0-9_-]+)\/?$/.exec(link)
  if (!match) throw new UsageError(`expected an upload link (https://…/u/<id>), not "${link}"`)
  return `${match[1]}/u/${match[2]}/tus/`
}

export const send = command({
  name: 'send',
  arity: [2, 2],
  usage: ['<upload link> <file>'],
  summary:
    'Send a file to an upload link with tus: any size, in chunks, resumable (run it again after a lost connection or Ctrl-C and it goes on from what the link holds). No key needed.',
  options: {
    sender: { type: 'string', value: 'NAME', help: 'your name, shown to the link’s owner' },
    note: { type: 'string', value: 'TEXT', help: 'a note with the file' },
    'chunk-size': {
      type: 'string',
      value: '50MiB',
      help: 'bytes per request (at most 95MiB: a request body is capped at 100 MB)',
    },
    'password-stdin': { type: 'boolean', help: "the link's password, read from stdin" },
  },
  async run({ positionals, options, io }) {
    const [link, file] = positionals as [string, string]
    const endpoint = endpointOf(link)
    const chunkSize = size(options['chunk-size'], 'chunk-size', 50 * 1024 * 1024)
    if (chunkSize < 1 || chunkSize > 95 * 1024 * 1024) {
      throw new UsageError('--chunk-size must be between 1 B and 95MiB')
    }
    const info = await stat(file).catch(() => undefined)
    if (!info?.isFile()) throw new UsageError(`${file} is not a file`)
    const password = options['password-stdin'] ? await passwordFromStdin() : undefined
    const storage = join(dirname(profilePath()), 'tus-uploads.json')
    await mkdir(dirname(storage), { recursive: true, mode: 0o700 })
    const mode = outputMode(options)
    const progress = new Progress(mode, basename(file), info.size)
    let shown = 0
    let resumedAt = 0
    let landed = ''
    const upload = new tus.Upload(createReadStream(file), {
      endpoint,
      chunkSize,
      uploadSize: info.size,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      urlStorage: new FileUrlStorage(storage),
      removeFingerprintOnSuccess: true,
      metadata: {
        filename: basename(file),
        ...(options.sender ? { sender: options.sender } : {}),
        ...(options.note ? { note: options.note } : {}),
      },
      ...(password === undefined
        ? {}
        : { headers: { Authorization: `Basic ${btoa(`:${password}`)}` } }),
      onProgress(sent) {
        progress.add(sent - shown)
        shown = sent
      },
    })
    // An upload of this file begun before goes on from what the link holds (if it still does).
    for (const previous of await upload.findPreviousUploads()) {
      const head = previous.uploadUrl
        ? await fetch(previous.uploadUrl, {
            method: 'HEAD',
            headers: { 'Tus-Resumable': '1.0.0' },
          }).catch(() => undefined)
        : undefined
      if (!head?.ok) continue
      upload.resumeFromPreviousUpload(previous)
      resumedAt = Number(head.headers.get('Upload-Offset'))
      progress.add(resumedAt)
      shown = resumedAt
      break
    }
    const onSignal = () => void upload.abort(false)
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      await new Promise<void>((resolve, reject) => {
        upload.options.onSuccess = ({ lastResponse }) => {
          landed = decodeURIComponent(lastResponse.getHeader('Signet-Key') ?? basename(file))
          resolve()
        }
        upload.options.onError = (error) => {
          const status = (error as tus.DetailedError).originalResponse?.getStatus()
          const body = (error as tus.DetailedError).originalResponse?.getBody()
          const said = body ? (/"message":"([^"]+)"/.exec(body)?.[1] ?? '') : ''
          reject(new SendFailed(said || error.message, status || undefined))
        }
        process.once('SIGINT', () => reject(new Interrupted()))
        upload.start()
      })
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
    if (resumedAt > 0 && mode !== 'json' && mode !== 'quiet') {
      io.err(`signet: resumed at ${formatSize(resumedAt)}\n`)
    }
    progress.finish(`sent ${file} to ${link} as ${landed}`, { file, link, key: landed })
  },
})
