#!/usr/bin/env node
// signet: a command line for a deployed Signet, shaped like `aws s3 presign` and `mc share`.
// Reads SIGNET_URL and SIGNET_TOKEN (or --url/--token). Plain output is the one thing asked for
// (a URL, an id, a key), so `$(signet presign ...)` works; --json prints Signet's answer.
// Exit codes: 0 ok, 1 other error, 2 usage, 3 unauthorized/forbidden, 4 not found/gone,
// 5 Signet unreachable.

const USAGE = `usage: signet <command> [options]

  presign s3://bucket/key [--method get|head|put|delete] [--expires-in 300|5m|7d]
          [--content-type TYPE] [--content-length BYTES] [--filename NAME]
  share   s3://bucket/key [--expire 7d] [--max-downloads N] [--allow-ip CIDR]... [--proxy]
          [--filename NAME]
  revoke  <share id or link>
  shares
  inspect <url> [--method METHOD]
  keys create --name NAME --bucket BUCKET... [--prefix PREFIX]... [--op get,put,...]
              [--max-expires-in SECONDS]
  keys list
  keys revoke <key id>

options: --url URL (or SIGNET_URL), --token TOKEN (or SIGNET_TOKEN), --json, --help`

const EXIT = { ok: 0, error: 1, usage: 2, auth: 3, missing: 4, unreachable: 5 }

class UsageError extends Error {}

class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {}
    super(error.message ?? `HTTP ${status}`)
    this.status = status
    this.code = error.code ?? 'error'
    this.requestId = error.requestId
    this.issues = error.issues
  }
}

/** Splits argv into positionals and options; repeated options collect into arrays. */
function parseArgs(argv) {
  const positionals = []
  const options = {}
  const flags = new Set(['json', 'proxy', 'help'])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg)
      continue
    }
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    let value
    if (flags.has(name)) value = true
    else if (eq !== -1) value = arg.slice(eq + 1)
    else if (i + 1 < argv.length) value = argv[++i]
    else throw new UsageError(`--${name} needs a value`)
    if (name in options) options[name] = [].concat(options[name], value)
    else options[name] = value
  }
  return { positionals, options }
}

function single(options, name) {
  const value = options[name]
  if (Array.isArray(value)) throw new UsageError(`--${name} given more than once`)
  return value
}

function list(options, name) {
  const value = options[name]
  if (value === undefined) return []
  return []
    .concat(value)
    .flatMap((item) => String(item).split(','))
    .filter(Boolean)
}

function number(options, name) {
  const value = single(options, name)
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`)
  return Number(value)
}

/** s3://bucket/key → {bucket, key}; the key is taken as written (no decoding). */
function parseS3Url(text) {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(text ?? '')
  if (!match) throw new UsageError('expected s3://bucket/key')
  return { bucket: match[1], key: match[2] }
}

/** "300", "90s", "15m", "2h", "7d" pass through as Signet reads them; numbers as numbers. */
function duration(text, name) {
  if (text === undefined) return undefined
  if (/^\d+$/.test(text)) return Number(text)
  if (/^\d+[smhd]$/.test(text)) return text
  throw new UsageError(`--${name} must be seconds or a duration like 90s, 15m, 2h, 7d`)
}

function client(options) {
  const base = single(options, 'url') ?? process.env.SIGNET_URL
  const token = single(options, 'token') ?? process.env.SIGNET_TOKEN
  if (!base)
    throw new UsageError('set SIGNET_URL (or --url) to your Signet, e.g. http://localhost:8787')
  if (!token) throw new UsageError('set SIGNET_TOKEN (or --token) to an API key or the admin token')
  let origin
  try {
    origin = new URL(base).origin
  } catch {
    throw new UsageError('SIGNET_URL is not a URL')
  }
  return async (method, path, body) => {
    let response
    try {
      response = await fetch(`${origin}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (error) {
      const unreachable = new Error(
        `cannot reach Signet at ${origin}: ${error.cause?.code ?? error.message}`,
      )
      unreachable.unreachable = true
      throw unreachable
    }
    if (response.status === 204) return null
    const text = await response.text()
    let parsed
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = null
    }
    if (!response.ok) throw new ApiError(response.status, parsed)
    return parsed
  }
}

function print(options, answer, plain) {
  process.stdout.write(options.json ? `${JSON.stringify(answer, null, 2)}\n` : `${plain}\n`)
}

const commands = {
  async presign({ positionals, options }, api) {
    const { bucket, key } = parseS3Url(positionals[0])
    const body = { bucket, key, method: (single(options, 'method') ?? 'get').toUpperCase() }
    const expiresIn = duration(single(options, 'expires-in'), 'expires-in')
    if (expiresIn !== undefined) body.expiresIn = expiresIn
    const contentType = single(options, 'content-type')
    if (contentType !== undefined) body.contentType = contentType
    const contentLength = number(options, 'content-length')
    if (contentLength !== undefined) body.contentLength = contentLength
    const filename = single(options, 'filename')
    if (filename !== undefined) body.filename = filename
    const answer = await api('POST', '/v1/presign', body)
    print(options, answer, answer.url)
    // The URL alone is the output; headers it needs are said on stderr so scripts are not hurt.
    const headers = Object.entries(answer.headers ?? {})
    if (!options.json && headers.length > 0) {
      process.stderr.write(
        `send with: ${headers.map(([name, value]) => `-H '${name}: ${value}'`).join(' ')}\n`,
      )
    }
  },

  async share({ positionals, options }, api) {
    const { bucket, key } = parseS3Url(positionals[0])
    const body = { bucket, key, mode: options.proxy ? 'proxy' : 'redirect' }
    const expire = duration(single(options, 'expire'), 'expire')
    if (expire !== undefined) body.expiresIn = expire
    const maxDownloads = number(options, 'max-downloads')
    if (maxDownloads !== undefined) body.maxDownloads = maxDownloads
    const allowIps = list(options, 'allow-ip')
    if (allowIps.length > 0) body.allowIps = allowIps
    const filename = single(options, 'filename')
    if (filename !== undefined) body.filename = filename
    const answer = await api('POST', '/v1/shares', body)
    print(options, answer, answer.url)
  },

  async revoke({ positionals, options }, api) {
    const target = positionals[0]
    if (!target) throw new UsageError('revoke needs a share id or link')
    const id = target.includes('/') ? target.replace(/\/+$/, '').split('/').pop() : target
    await api('DELETE', `/v1/shares/${encodeURIComponent(id)}`)
    print(options, { revoked: id }, `revoked ${id}`)
  },

  async shares({ options }, api) {
    const all = []
    let cursor = null
    do {
      const page = await api(
        'GET',
        `/v1/shares?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
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

  async inspect({ positionals, options }, api) {
    const url = positionals[0]
    if (!url) throw new UsageError('inspect needs a URL')
    const body = { url }
    const method = single(options, 'method')
    if (method !== undefined) body.method = method.toUpperCase()
    const answer = await api('POST', '/v1/inspect', body)
    const lines = [
      `host        ${answer.host}`,
      `object      ${answer.bucket ?? '?'} / ${answer.key ?? '?'}`,
      `method      ${answer.method ?? 'unknown'}`,
      `signed at   ${answer.signedAt ?? '?'}`,
      `expires at  ${answer.expiresAt ?? '?'}${answer.expired ? ' (expired)' : answer.secondsLeft !== null ? ` (${answer.secondsLeft}s left)` : ''}`,
      `signature   ${answer.signatureValid === undefined ? 'not checked' : answer.signatureValid ? 'valid' : 'INVALID'}`,
      ...(answer.problems.length
        ? ['problems:', ...answer.problems.map((p) => `  - ${p}`)]
        : ['problems:   none found']),
    ]
    print(options, answer, lines.join('\n'))
  },

  async keys({ positionals, options }, api) {
    const action = positionals[0]
    if (action === 'create') {
      const name = single(options, 'name')
      const buckets = list(options, 'bucket')
      if (!name || buckets.length === 0)
        throw new UsageError('keys create needs --name and --bucket')
      const scope = {
        buckets,
        operations: list(options, 'op').length ? list(options, 'op') : ['get', 'head'],
      }
      const prefixes = list(options, 'prefix')
      if (prefixes.length) scope.prefixes = prefixes
      const maxExpiresIn = number(options, 'max-expires-in')
      if (maxExpiresIn !== undefined) scope.maxExpiresIn = maxExpiresIn
      const answer = await api('POST', '/v1/keys', { name, scope })
      print(options, answer, answer.key)
      return
    }
    if (action === 'list') {
      const answer = await api('GET', '/v1/keys?limit=1000')
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
      await api('DELETE', `/v1/keys/${encodeURIComponent(id)}`)
      print(options, { revoked: id }, `revoked ${id}`)
      return
    }
    throw new UsageError('keys needs create, list or revoke')
  },
}

async function main(argv) {
  let parsed
  try {
    parsed = parseArgs(argv)
  } catch (error) {
    process.stderr.write(`signet: ${error.message}\n${USAGE}\n`)
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
    await run({ positionals: rest, options: parsed.options }, client(parsed.options))
    return EXIT.ok
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`signet: ${error.message}\n`)
      return EXIT.usage
    }
    if (error instanceof ApiError) {
      const where = error.requestId ? ` (request ${error.requestId})` : ''
      process.stderr.write(`signet: ${error.code}: ${error.message}${where}\n`)
      for (const issue of error.issues ?? [])
        process.stderr.write(`  ${issue.path}: ${issue.message}\n`)
      if (error.status === 401 || error.status === 403) return EXIT.auth
      if (error.status === 404 || error.status === 410) return EXIT.missing
      return EXIT.error
    }
    if (error.unreachable) {
      process.stderr.write(`signet: ${error.message}\n`)
      return EXIT.unreachable
    }
    process.stderr.write(`signet: ${error.message}\n`)
    return EXIT.error
  }
}

process.exitCode = await main(process.argv.slice(2))
