#!/usr/bin/env node
// signet: a command line for a deployed Signet, shaped like `aws s3 cp`, `aws s3 presign` and
// `mc share`, on the typed client (src/client.ts). Reads SIGNET_URL and SIGNET_TOKEN (or --url,
// --token). Plain output is the one thing asked for (a URL, an id, a key, a final line), so
// `$(signet share ./file)` works; --json prints Signet's answer; --quiet prints nothing.
// Exit codes: 0 ok, 1 other error, 2 usage, 3 unauthorized/forbidden, 4 not found/gone,
// 5 Signet unreachable, 130 interrupted (Ctrl-C).
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import mime from 'mime/lite'
import { renderUnicodeCompact } from 'uqr'
import { type Share, type ShareRequest, SignetClient, SignetError } from '../src/client'
import { outputMode, Progress } from './progress'
import { download, type Retry, StepError, type Target, upload } from './transfer'

const USAGE = `usage: signet <command> [options]

  cp      <file|-> s3://bucket/key     upload (one PUT, or multipart with parallel parts)
  cp      s3://bucket/key <file|->     download (resumes with Range; verified before it is kept)
          [--content-type TYPE] [--part-size 8MiB] [--parallel 4]
          [--multipart-threshold 16MiB] [--retries 4]
  share   <file> [--to s3://bucket/key] upload the file, then create a share link to it
  share   s3://bucket/key              a share link to an object already there
          [--expire 7d] [--max-downloads N] [--allow-ip CIDR]... [--page | --no-page]
          [--proxy] [--filename NAME] [--qr]
  presign s3://bucket/key [--method get|head|put|delete] [--expires-in 300|5m|7d]
          [--content-type TYPE] [--content-length BYTES] [--filename NAME]
  revoke  <share id or link>
  shares
  inspect <url> [--method METHOD] [--origin ORIGIN]
  keys create --name NAME --bucket BUCKET... [--prefix PREFIX]... [--op get,put,...]
              [--max-expires-in SECONDS]
  keys list
  keys revoke <key id>

options: --url URL (or SIGNET_URL), --token TOKEN (or SIGNET_TOKEN), --json, --quiet, --help

exit codes: 0 ok, 1 error, 2 usage, 3 unauthorized or forbidden, 4 not found or gone,
            5 Signet unreachable, 130 interrupted`

const EXIT = { ok: 0, error: 1, usage: 2, auth: 3, missing: 4, unreachable: 5, interrupted: 130 }

const OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  method: { type: 'string' },
  'expires-in': { type: 'string' },
  'content-type': { type: 'string' },
  'content-length': { type: 'string' },
  filename: { type: 'string' },
  expire: { type: 'string' },
  'max-downloads': { type: 'string' },
  'allow-ip': { type: 'string', multiple: true },
  proxy: { type: 'boolean' },
  page: { type: 'boolean' },
  'no-page': { type: 'boolean' },
  qr: { type: 'boolean' },
  to: { type: 'string' },
  origin: { type: 'string' },
  name: { type: 'string' },
  bucket: { type: 'string', multiple: true },
  prefix: { type: 'string', multiple: true },
  op: { type: 'string', multiple: true },
  'max-expires-in': { type: 'string' },
  'part-size': { type: 'string' },
  parallel: { type: 'string' },
  'multipart-threshold': { type: 'string' },
  retries: { type: 'string' },
} as const

type Options = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values']

class UsageError extends Error {}

class Interrupted extends Error {
  constructor() {
    super('interrupted')
  }
}

/** s3://bucket/key → {bucket, key}; the key is taken as written (no decoding). */
function parseS3Url(text: string | undefined): Target {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(text ?? '')
  if (!match) throw new UsageError('expected s3://bucket/key')
  return { bucket: match[1] as string, key: match[2] as string }
}

function wholeNumber(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number`)
  return Number(text)
}

/** "300", "90s", "15m", "2h", "7d" pass through as Signet reads them; numbers as numbers. */
function duration(text: string | undefined, name: string): number | string | undefined {
  if (text === undefined) return undefined
  if (/^\d+$/.test(text)) return Number(text)
  if (/^\d+[smhd]$/.test(text)) return text
  throw new UsageError(`--${name} must be seconds or a duration like 90s, 15m, 2h, 7d`)
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
}

/** "8MiB", "16M", "5000000" → bytes. */
function size(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text)
  const unit = SIZE_UNITS[(match?.[2] ?? '').toLowerCase()]
  if (!match || unit === undefined) throw new UsageError(`--${name} must be a size like 8MiB`)
  return Math.floor(Number(match[1]) * unit)
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).filter(Boolean)
}

function clientFrom(options: Options): SignetClient {
  const url = options.url ?? process.env.SIGNET_URL
  const token = options.token ?? process.env.SIGNET_TOKEN
  if (!url)
    throw new UsageError('set SIGNET_URL (or --url) to your Signet, e.g. http://localhost:8787')
  if (!token) throw new UsageError('set SIGNET_TOKEN (or --token) to an API key or the admin token')
  try {
    return new SignetClient({ url, token })
  } catch {
    throw new UsageError('SIGNET_URL is not a URL')
  }
}

function print(options: Options, answer: unknown, plain: string): void {
  if (options.quiet) return
  process.stdout.write(options.json ? `${JSON.stringify(answer, null, 2)}\n` : `${plain}\n`)
}

/** Names the step that failed: "presign", "create the share link", … */
async function step<T>(name: string, work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    throw error instanceof StepError || error instanceof Interrupted
      ? error
      : new StepError(name, error)
  }
}

function retryOf(options: Options): Retry {
  return { attempts: (wholeNumber(options.retries, 'retries') ?? 3) + 1, baseMs: 250 }
}

/** Ctrl-C cancels the transfer: the signal aborts requests, the upload is aborted. */
function interruptible(): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController()
  const onSignal = () => controller.abort(new Interrupted())
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    done: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

type UploadResult = { target: Target; size: number; etag: string | null; progress: Progress }

/** Uploads a local file (or stdin, buffered to a temporary file first) to `target`. */
async function uploadFile(
  client: SignetClient,
  options: Options,
  source: string,
  target: Target,
  mode: ReturnType<typeof outputMode>,
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
    const bytes = (
      await stat(path).catch(() => {
        throw new UsageError(`no such file: ${source}`)
      })
    ).size
    const contentType =
      options['content-type'] ??
      (source === '-' ? undefined : mime.getType(basename(source))) ??
      'application/octet-stream'
    const progress = new Progress(mode, basename(target.key), bytes)
    let uploadId: string | undefined
    try {
      const { etag } = await upload({
        client,
        path,
        size: bytes,
        target,
        contentType,
        threshold: size(options['multipart-threshold'], 'multipart-threshold', 16 * 1024 ** 2),
        partSize: Math.max(5 * 1024 ** 2, size(options['part-size'], 'part-size', 8 * 1024 ** 2)),
        parallel: Math.max(1, wholeNumber(options.parallel, 'parallel') ?? 4),
        retry: retryOf(options),
        progress,
        signal,
        onUploadId: (id) => {
          uploadId = id
        },
      })
      return { target, size: bytes, etag, progress }
    } catch (error) {
      progress.stop()
      if (error instanceof Interrupted && uploadId) {
        process.stderr.write(`signet: interrupted: multipart upload ${uploadId} aborted\n`)
      }
      throw error
    }
  } finally {
    done()
    if (scratch) await rm(scratch, { recursive: true, force: true })
  }
}

/** Where `share ./file` puts the file: --to, or the scope's first bucket and prefix. */
async function defaultTarget(
  client: SignetClient,
  options: Options,
  file: string,
): Promise<Target> {
  if (options.to) {
    const target = parseS3Url(options.to)
    return target.key === '' || target.key.endsWith('/')
      ? { ...target, key: `${target.key}${basename(file)}` }
      : target
  }
  const me = await step('read your scope', client.me())
  const bucket = me.scope.buckets[0] as string
  return { bucket, key: `${me.scope.prefixes?.[0] ?? ''}${basename(file)}` }
}

function shareRequest(options: Options, target: Target, filename?: string): ShareRequest {
  const request: ShareRequest = { ...target, mode: options.proxy ? 'proxy' : 'redirect' }
  const expire = duration(options.expire, 'expire')
  if (expire !== undefined) request.expiresIn = expire
  const maxDownloads = wholeNumber(options['max-downloads'], 'max-downloads')
  if (maxDownloads !== undefined) request.maxDownloads = maxDownloads
  const allowIps = list(options['allow-ip'])
  if (allowIps.length > 0) request.allowIps = allowIps
  const name = options.filename ?? filename
  if (name !== undefined) request.filename = name
  if (options.page) request.page = true
  if (options['no-page']) request.page = false
  return request
}

function printShare(options: Options, share: Share): void {
  print(options, share, share.url)
  if (options.qr && !options.json && !options.quiet) {
    process.stdout.write(`${renderUnicodeCompact(share.url, { border: 2 })}\n`)
  }
}

type Parsed = { positionals: string[]; options: Options }

const commands: Record<string, (parsed: Parsed) => Promise<void>> = {
  async cp({ positionals, options }) {
    const [from, to] = positionals
    if (!from || !to || positionals.length > 2)
      throw new UsageError('cp needs a source and a destination')
    const client = clientFrom(options)
    const mode = outputMode(options)
    if (to.startsWith('s3://') && !from.startsWith('s3://')) {
      let target = parseS3Url(to)
      if (target.key === '' || target.key.endsWith('/')) {
        if (from === '-') throw new UsageError('uploading stdin needs a full key: s3://bucket/key')
        target = { ...target, key: `${target.key}${basename(from)}` }
      }
      const done = await uploadFile(client, options, from, target, mode)
      done.progress.finish(`uploaded ${from} to s3://${target.bucket}/${target.key}`, {
        ...target,
        etag: done.etag,
      })
      return
    }
    if (from.startsWith('s3://') && !to.startsWith('s3://')) {
      const source = parseS3Url(from)
      if (source.key === '') throw new UsageError('cp needs an object key: s3://bucket/key')
      const intoDirectory =
        to.endsWith('/') || (to !== '-' && (await stat(to).catch(() => undefined))?.isDirectory())
      const dest = to === '-' ? '-' : intoDirectory ? join(to, basename(source.key)) : to
      // Writing the bytes to stdout leaves no room for a bar, a line or JSON there.
      const downloadMode = dest === '-' ? 'quiet' : mode
      const { signal, done } = interruptible()
      try {
        const result = await download({
          client,
          source,
          dest,
          retry: retryOf(options),
          progress: (bytes) => new Progress(downloadMode, basename(source.key), bytes),
          warn: (message) => process.stderr.write(`signet: warning: ${message}\n`),
          signal,
        })
        result.progress.finish(`downloaded s3://${source.bucket}/${source.key} to ${dest}`, {
          ...source,
          file: dest,
        })
      } finally {
        done()
      }
      return
    }
    throw new UsageError('cp copies between a local file (or -) and s3://bucket/key')
  },

  async share({ positionals, options }) {
    const what = positionals[0]
    if (!what) throw new UsageError('share needs a file or s3://bucket/key')
    const client = clientFrom(options)
    if (what.startsWith('s3://')) {
      const share = await step(
        'create the share link',
        client.createShare(shareRequest(options, parseS3Url(what))),
      )
      printShare(options, share)
      return
    }
    const target = await defaultTarget(client, options, what)
    // The link is the one line of output: the upload shows only its bar, on a terminal.
    const mode = outputMode(options) === 'tty' ? 'tty' : 'quiet'
    const done = await uploadFile(client, options, what, target, mode)
    done.progress.stop()
    const share = await step(
      'create the share link',
      client.createShare(shareRequest(options, target, basename(what))),
    )
    printShare(options, share)
  },

  async presign({ positionals, options }) {
    const target = parseS3Url(positionals[0])
    const client = clientFrom(options)
    const method = (options.method ?? 'get').toUpperCase()
    if (!['GET', 'HEAD', 'PUT', 'DELETE'].includes(method)) {
      throw new UsageError('--method must be get, head, put or delete')
    }
    const expiresIn = duration(options['expires-in'], 'expires-in')
    const contentLength = wholeNumber(options['content-length'], 'content-length')
    const answer = await step(
      'presign',
      client.presign({
        ...target,
        method: method as 'GET',
        ...(expiresIn === undefined ? {} : { expiresIn }),
        ...(options['content-type'] === undefined ? {} : { contentType: options['content-type'] }),
        ...(contentLength === undefined ? {} : { contentLength }),
        ...(options.filename === undefined ? {} : { filename: options.filename }),
      }),
    )
    print(options, answer, answer.url)
    // The URL alone is the output; headers it needs are said on stderr so scripts are not hurt.
    const headers = Object.entries(answer.headers)
    if (!options.json && !options.quiet && headers.length > 0) {
      process.stderr.write(
        `send with: ${headers.map(([name, value]) => `-H '${name}: ${value}'`).join(' ')}\n`,
      )
    }
  },

  async revoke({ positionals, options }) {
    const target = positionals[0]
    if (!target) throw new UsageError('revoke needs a share id or link')
    const id = target.includes('/')
      ? (target.replace(/\/+$/, '').split('/').pop() ?? target)
      : target
    await step('revoke the share link', clientFrom(options).revokeShare(id))
    print(options, { revoked: id }, `revoked ${id}`)
  },

  async shares({ options }) {
    const client = clientFrom(options)
    const all: Share[] = []
    let cursor: string | null = null
    do {
      const page: { shares: Share[]; cursor: string | null } = await step(
        'list your share links',
        client.listShares({ limit: 1000, ...(cursor ? { cursor } : {}) }),
      )
      all.push(...page.shares)
      cursor = page.cursor
    } while (cursor)
    const now = Date.now()
    const lines = all.map((share) => {
      const state = share.revokedAt
        ? 'revoked'
        : Date.parse(share.expiresAt) <= now
          ? 'expired'
          : share.maxDownloads !== null && share.downloads >= share.maxDownloads
            ? 'used-up'
            : 'active'
      const uses = `${share.downloads}/${share.maxDownloads ?? '∞'}`
      return [
        share.id,
        state.padEnd(7),
        uses.padEnd(9),
        share.expiresAt,
        `s3://${share.bucket}/${share.key}`,
      ].join('  ')
    })
    print(options, all, lines.join('\n') || '(no shares)')
  },

  async inspect({ positionals, options }) {
    const url = positionals[0]
    if (!url) throw new UsageError('inspect needs a URL')
    const answer = await step(
      'inspect',
      clientFrom(options).inspect(url, {
        ...(options.method === undefined ? {} : { method: options.method.toUpperCase() }),
        ...(options.origin === undefined ? {} : { origin: options.origin }),
      }),
    )
    const left = answer.expired
      ? ' (expired)'
      : answer.secondsLeft !== null
        ? ` (${answer.secondsLeft}s left)`
        : ''
    const lines = [
      `host        ${answer.host}`,
      `object      ${answer.bucket ?? '?'} / ${answer.key ?? '?'}`,
      `method      ${answer.method ?? 'unknown'}`,
      `signed at   ${answer.signedAt ?? '?'}`,
      `expires at  ${answer.expiresAt ?? '?'}${left}`,
      `signature   ${answer.signatureValid === undefined ? 'not checked' : answer.signatureValid ? 'valid' : 'INVALID'}`,
      ...(answer.problems.length
        ? ['problems:', ...answer.problems.map((problem) => `  - ${problem}`)]
        : ['problems:   none found']),
    ]
    if (answer.cors) {
      const cors = answer.cors
      lines.push(
        `cors        ${cors.checked ? (cors.allowed ? 'allowed' : 'NOT allowed') : `not checked: ${cors.error}`}`,
        ...cors.missing.map((missing) => `  missing ${missing.kind} ${missing.value}`),
      )
      if (cors.fix?.s3)
        lines.push(`  fix: ${cors.fix.s3.command}`, `  ${JSON.stringify(cors.fix.s3.json)}`)
    }
    print(options, answer, lines.join('\n'))
  },

  async keys({ positionals, options }) {
    const client = clientFrom(options)
    const action = positionals[0]
    if (action === 'create') {
      const name = options.name
      const buckets = list(options.bucket)
      if (!name || buckets.length === 0)
        throw new UsageError('keys create needs --name and --bucket')
      const operations = list(options.op)
      const prefixes = list(options.prefix)
      const maxExpiresIn = wholeNumber(options['max-expires-in'], 'max-expires-in')
      const answer = await step(
        'create the key',
        client.keys.create(name, {
          buckets,
          operations: (operations.length ? operations : ['get', 'head']) as ['get'],
          ...(prefixes.length ? { prefixes } : {}),
          ...(maxExpiresIn === undefined ? {} : { maxExpiresIn }),
        }),
      )
      print(options, answer, answer.key)
      return
    }
    if (action === 'list') {
      const answer = await step('list the keys', client.keys.list({ limit: 1000 }))
      const lines = answer.keys.map((key) =>
        [
          key.id,
          key.revokedAt ? 'revoked' : 'active ',
          key.name,
          key.scope.buckets.join(','),
          key.scope.operations.join(','),
        ].join('  '),
      )
      print(options, answer.keys, lines.join('\n') || '(no keys)')
      return
    }
    if (action === 'revoke') {
      const id = positionals[1]
      if (!id) throw new UsageError('keys revoke needs a key id')
      await step('revoke the key', client.keys.revoke(id))
      print(options, { revoked: id }, `revoked ${id}`)
      return
    }
    throw new UsageError('keys needs create, list or revoke')
  },
}

/** The exit code for a failure, from the API's status where there is one. */
function exitCodeOf(error: unknown): number {
  const cause = error instanceof StepError ? error.cause : error
  if (cause instanceof SignetError) {
    if (cause.code === 'network_error') return EXIT.unreachable
    if (cause.status === 401 || cause.status === 403) return EXIT.auth
    if (cause.status === 404 || cause.status === 410) return EXIT.missing
  }
  if (cause instanceof StepError) return exitCodeOf(cause)
  if (error instanceof StepError && /no such object/.test(error.message)) return EXIT.missing
  return EXIT.error
}

function describe(error: unknown): string {
  if (error instanceof StepError && error.cause instanceof SignetError) {
    const cause = error.cause
    const where = cause.requestId ? ` (request ${cause.requestId})` : ''
    const issues = (cause.issues ?? [])
      .map((issue) => `\n  ${issue.path}: ${issue.message}`)
      .join('')
    if (cause.code === 'network_error')
      return `${error.step}: cannot reach Signet: ${cause.message}`
    return `${error.step}: ${cause.code}: ${cause.message}${where}${issues}`
  }
  return error instanceof Error ? error.message : String(error)
}

export async function main(argv: string[]): Promise<number> {
  let parsed: Parsed
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    })
    parsed = { options: values, positionals }
  } catch (error) {
    process.stderr.write(
      `signet: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`,
    )
    return EXIT.usage
  }
  const [command, ...rest] = parsed.positionals
  if (parsed.options.help || !command) {
    process.stdout.write(`${USAGE}\n`)
    return command || parsed.options.help ? EXIT.ok : EXIT.usage
  }
  const run = commands[command]
  if (!run) {
    process.stderr.write(`signet: unknown command "${command}"\n${USAGE}\n`)
    return EXIT.usage
  }
  try {
    await run({ positionals: rest, options: parsed.options })
    return EXIT.ok
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`signet: ${error.message}\n`)
      return EXIT.usage
    }
    if (error instanceof Interrupted) return EXIT.interrupted
    process.stderr.write(`signet: ${describe(error)}\n`)
    return exitCodeOf(error)
  }
}

process.exitCode = await main(process.argv.slice(2))
