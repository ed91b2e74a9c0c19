// signet share: a share link to an object already there, to a whole folder (a prefix ending in
// /), or to a local file uploaded first.

import { randomUUID } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { renderUnicodeCompact } from 'uqr'
import type { Scope, Share, ShareRequest } from '../../src/client'
import { MAX_SHARE_LIFETIME } from '../../src/lib/limits'
import { formatSize } from '../../src/lib/sizes'
import type { Target } from '../../src/uploader'
import {
  clientFrom,
  command,
  count,
  duration,
  type Io,
  list,
  NOTIFY_OPTION,
  notifyList,
  parseS3Url,
  print,
  spokenDuration,
  step,
  UsageError,
  type Values,
} from '../command'
import { encryptFile } from '../encrypted'
import { outputMode } from '../progress'
import { freeTarget, TRANSFER_OPTIONS, uploadFile } from '../upload-file'

const OPTIONS = {
  to: {
    type: 'string',
    value: 's3://bucket/key',
    help: "where the file goes (default: your scope's first bucket and prefix)",
  },
  'expires-in': {
    type: 'string',
    value: '7d',
    help: 'how long the link lives (90s, 15m, 2h, 7d)',
    aliases: ['expire'],
  },
  'max-downloads': { type: 'string', value: 'N', help: 'downloads before the link is used up' },
  'allow-ip': { type: 'string', multiple: true, value: 'CIDR', help: 'addresses that may use it' },
  page: { type: 'boolean', help: 'open on a share page (default with --max-downloads)' },
  'no-page': { type: 'boolean', help: 'never a share page' },
  proxy: { type: 'boolean', help: 'Signet streams the bytes (default: a redirect)' },
  filename: { type: 'string', value: 'NAME', help: 'the name the download is saved as' },
  'password-stdin': {
    type: 'boolean',
    help: 'ask for a password, read from stdin (8-256 characters; never an argument)',
  },
  qr: { type: 'boolean', help: 'also print a QR code of the link' },
  encrypt: {
    type: 'boolean',
    help: 'end to end: encrypt here first; the link carries the key after #, Signet never does',
  },
  message: { type: 'string', value: 'TEXT', help: "shown on the link's page (at most 1,000)" },
  ...NOTIFY_OPTION,
  ...TRANSFER_OPTIONS,
} as const

type Options = Values<typeof OPTIONS>

/** Where `share ./file` puts the file: --to, or the scope's first bucket and prefix. */
function defaultTarget(scope: Scope, options: Options, file: string): Target {
  if (options.to) {
    const target = parseS3Url(options.to)
    return target.key === '' || target.key.endsWith('/')
      ? { ...target, key: `${target.key}${basename(file)}` }
      : target
  }
  const bucket = scope.buckets[0] as string
  return { bucket, key: `${scope.prefixes?.[0] ?? ''}${basename(file)}` }
}

/** The caller's own limits, checked before the upload: a link it may not make uploads nothing. */
async function withinScope(scope: Scope, settings: LinkSettings, file: string): Promise<void> {
  const lives = settings.expiresIn
  if (typeof lives === 'number' && scope.maxExpiresIn !== undefined && lives > scope.maxExpiresIn) {
    throw new UsageError(
      `--expires-in must be at most ${spokenDuration(scope.maxExpiresIn)} for this key`,
    )
  }
  const bytes = (await stat(file).catch(() => undefined))?.size
  if (
    bytes !== undefined &&
    scope.maxContentLength !== undefined &&
    bytes > scope.maxContentLength
  ) {
    throw new UsageError(
      `${file} is ${formatSize(bytes)}: this key uploads at most ${formatSize(scope.maxContentLength)}`,
    )
  }
}

/** The password piped in (`--password-stdin`), without its line ending. */
export async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
  if (password.length < 8 || password.length > 256) {
    throw new UsageError('--password-stdin: the password must be 8 to 256 characters')
  }
  return password
}

type LinkSettings = Omit<ShareRequest, 'bucket' | 'key' | 'prefix'>

/** What the options ask of the link, checked before any byte moves. */
function linkSettings(options: Options): LinkSettings {
  const settings: LinkSettings = {
    mode: options.proxy ? 'proxy' : 'redirect',
  }
  const expire = duration(options['expires-in'], 'expires-in', MAX_SHARE_LIFETIME)
  if (expire !== undefined) settings.expiresIn = expire
  const maxDownloads = count(options['max-downloads'], 'max-downloads')
  if (maxDownloads !== undefined) settings.maxDownloads = maxDownloads
  const allowIps = list(options['allow-ip'])
  if (allowIps.length > 0) settings.allowIps = allowIps
  if (options.filename !== undefined) settings.filename = options.filename
  if (options.page) settings.page = true
  if (options['no-page']) settings.page = false
  if (options.message !== undefined) {
    if (options.message.length > 1000) throw new UsageError('--message: at most 1,000 characters')
    settings.message = options.message
  }
  const notify = notifyList(options.notify)
  if (notify.length > 0) settings.notify = notify
  return settings
}

function shareRequest(
  settings: LinkSettings,
  target: Target,
  password: string | undefined,
  filename?: string,
): ShareRequest {
  // s3://bucket/prefix/ is a folder: every object under it, one link.
  const where = target.key.endsWith('/')
    ? { bucket: target.bucket, prefix: target.key }
    : { bucket: target.bucket, key: target.key }
  const request: ShareRequest = { ...where, ...settings }
  if (password !== undefined) request.password = password
  if (request.filename === undefined && filename !== undefined) request.filename = filename
  return request
}

function printShare(io: Io, options: Options, share: Share, key?: string): void {
  const link = key ? `${share.url}#${key}` : share.url
  print(io, options, key ? { ...share, link } : share, link)
  if (options.qr && !options.json && !options.quiet) {
    io.out(`${renderUnicodeCompact(link, { border: 2 })}\n`)
  }
}

/**
 * `share --encrypt ./file`: encrypted here, uploaded under a name that says nothing (the folder
 * --to names, or the scope's, then a random one), shared as encrypted with its encrypted facts.
 */
async function shareEncrypted(
  client: ReturnType<typeof clientFrom>,
  options: Options,
  settings: LinkSettings,
  file: string,
  password: string | undefined,
  io: Io,
): Promise<void> {
  const { scope } = await step('read your scope', client.me())
  await withinScope(scope, settings, file)
  const folder = options.to ? parseS3Url(options.to) : defaultTarget(scope, {}, '')
  if (folder.key !== '' && !folder.key.endsWith('/')) {
    throw new UsageError(
      '--encrypt with --to takes a folder (s3://bucket/prefix/): the name is made here',
    )
  }
  const sealed = await encryptFile(file)
  try {
    const target = { bucket: folder.bucket, key: `${folder.key}${randomUUID()}.ece` }
    const mode = outputMode(options) === 'tty' ? 'tty' : 'quiet'
    const done = await uploadFile(
      client,
      { ...options, 'content-type': 'application/octet-stream' },
      sealed.path,
      target,
      mode,
      io,
    )
    done.progress.stop()
    const made = await step(
      'create the share link',
      client.createShare({
        ...shareRequest(settings, target, password),
        encrypted: true,
        encryptedMeta: sealed.encryptedMeta,
      }),
    )
    printShare(io, options, made, sealed.secret)
  } finally {
    await sealed.done()
  }
}

export const share = command({
  name: 'share',
  arity: [1, 1],
  usage: ['<file>', 's3://bucket/key', 's3://bucket/prefix/'],
  summary:
    'Print a share link: to an object already in a bucket, to a folder (every object under a prefix ending in /, listed and zipped by the link), or to a local file, uploaded first.',
  options: OPTIONS,
  async run({ positionals, options, io }) {
    const what = positionals[0]
    if (!what) throw new UsageError('share needs a file, s3://bucket/key or s3://bucket/prefix/')
    // Every option is checked before a byte moves: a bad one uploads nothing.
    const settings = linkSettings(options)
    const client = clientFrom(options)
    const password = options['password-stdin'] ? await passwordFromStdin() : undefined
    if (options.encrypt) {
      if (what.startsWith('s3://')) {
        throw new UsageError('--encrypt shares a local file: it is encrypted here, before upload')
      }
      if (options.filename) throw new UsageError('--encrypt names nothing: no --filename')
      await shareEncrypted(client, options, settings, what, password, io)
      return
    }
    if (what.startsWith('s3://')) {
      const made = await step(
        'create the share link',
        client.createShare(shareRequest(settings, parseS3Url(what), password)),
      )
      printShare(io, options, made)
      return
    }
    const { scope } = await step('read your scope', client.me())
    await withinScope(scope, settings, what)
    const wanted = defaultTarget(scope, options, what)
    // A file someone may hold a link to is never replaced: another name, said on stderr.
    const target = options.overwrite
      ? wanted
      : await freeTarget(client, what, wanted, AbortSignal.timeout(60_000))
    if (target.key !== wanted.key) {
      io.err(
        `signet: s3://${wanted.bucket}/${wanted.key} exists: uploading as s3://${target.bucket}/${target.key}\n`,
      )
    }
    // The link is the one line of output: the upload shows only its bar, on a terminal.
    const mode = outputMode(options) === 'tty' ? 'tty' : 'quiet'
    const done = await uploadFile(client, options, what, target, mode, io)
    done.progress.stop()
    const made = await step(
      'create the share link',
      client.createShare(shareRequest(settings, target, password, basename(what))),
    )
    printShare(io, options, made)
  },
})
