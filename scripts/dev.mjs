// `npm start`: the local default. Creates dev secrets on first run, applies D1 migrations to the
// local database, then runs `wrangler dev` on http://localhost:8787 (or `--port`, `--ip`) with a
// local R2 bucket `local` and SIGNET_DEVELOPMENT on. Every other argument goes to wrangler dev.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse } from 'smol-toml'
import { buildAssets } from './assets.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const devVars = join(root, '.dev.vars')
// Request.cf is not fetched from workers.cloudflare.com (offline it fails with a stack trace each
// start): locally it is Miniflare's placeholder (country US, colo DFW).
const env = {
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CI: process.env.CI ?? '',
}

if (!existsSync(devVars)) {
  const credentials = {
    local: {
      accessKeyId: `SIGNETDEV${randomBytes(6).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64url'),
    },
  }
  writeFileSync(
    devVars,
    [
      '# Local development secrets, written by `npm start` on first run. Not for production.',
      'SIGNET_ADMIN_TOKEN=dev-admin-token',
      `SIGNET_CREDENTIALS='${JSON.stringify(credentials)}'`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  )
  console.log('Created .dev.vars: admin token "dev-admin-token", gateway credentials for "local".')
}

await buildAssets()

// The options this script reads too (all but --with go on to wrangler dev as given): the address
// it prints, `--persist-to DIR`, which keeps the local state elsewhere (migrated there), and
// `--with ../your-worker/wrangler.toml`: your Worker beside Signet, on the next port, bound to its
// RPC entrypoint through wrangler's local registry of running Workers.
const argv = process.argv.slice(2)
const { values: given } = parseArgs({
  args: argv,
  options: {
    port: { type: 'string' },
    ip: { type: 'string' },
    'persist-to': { type: 'string' },
    with: { type: 'string', multiple: true },
  },
  strict: false,
  allowPositionals: true,
})
const companions = Array.isArray(given.with) ? given.with : []
const forSignet = argv.filter(
  (arg, i) => arg !== '--with' && argv[i - 1] !== '--with' && !arg.startsWith('--with='),
)
const persistTo =
  typeof given['persist-to'] === 'string' ? ['--persist-to', given['persist-to']] : []
// Where wrangler dev will listen: the flags, else wrangler.toml's [dev] (127.0.0.1 is localhost).
const dev = parse(readFileSync(join(root, 'wrangler.toml'), 'utf8')).dev ?? {}
const ip = typeof given.ip === 'string' ? given.ip : (dev.ip ?? 'localhost')
const host = ip === '127.0.0.1' ? 'localhost' : ip.includes(':') ? `[${ip}]` : ip
const port = Number(typeof given.port === 'string' ? given.port : (dev.port ?? 8787))
const origin = `http://${host}:${port}`
const migrate = spawnSync(
  process.execPath,
  [wrangler, 'd1', 'migrations', 'apply', 'DB', '--local', ...persistTo],
  { cwd: root, env: { ...env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
)
if (migrate.status !== 0) {
  process.stderr.write(migrate.stdout + migrate.stderr)
  console.error('Applying D1 migrations to the local database failed.')
  process.exit(1)
}
console.log('Local D1 migrations applied.')

console.log(`
Signet is starting on ${origin} (local D1, local R2 bucket "local").
Create your first API key:

  curl -s ${origin}/v1/keys -H 'Authorization: Bearer dev-admin-token' \\
    --json '{"name":"first","scope":{"buckets":["local"],"operations":["get","head","put","delete","share"]}}'

Console: ${origin}/console    Reference: ${origin}/docs
${companions.map((config, i) => `Your Worker (${config}) on http://${host}:${port + 1 + i}, bound to Signet\n`).join('')}`)

// SIGNET_DEVELOPMENT: webhooks may point at a receiver on this machine (off in production).
// SIGNET_PUBLIC_ORIGIN: Workers bound to Signet's RPC entrypoint get URLs that point here.
// SIGNET_EMAIL_FROM (unless .dev.vars names one): links' `notify` works, each mail written to a
// file by wrangler's simulated EMAIL binding, its path in the log.
const mailFrom = /^SIGNET_EMAIL_FROM=/m.test(readFileSync(devVars, 'utf8'))
  ? []
  : ['--var', 'SIGNET_EMAIL_FROM:signet@example.com']
const args = [
  'dev',
  '--var',
  'SIGNET_DEVELOPMENT:true',
  '--var',
  `SIGNET_PUBLIC_ORIGIN:${origin}`,
  ...mailFrom,
  ...forSignet,
]
const children = [
  spawn(process.execPath, [wrangler, ...args], { cwd: root, env, stdio: 'inherit' }),
]
for (const [i, config] of companions.entries()) {
  const companion = [
    'dev',
    '-c',
    resolve(config),
    '--port',
    String(port + 1 + i),
    '--ip',
    ip === 'localhost' ? '127.0.0.1' : ip,
    '--inspector-port',
    '0',
    ...persistTo,
  ]
  children.push(
    spawn(process.execPath, [wrangler, ...companion], {
      cwd: dirname(resolve(config)),
      env,
      stdio: 'inherit',
    }),
  )
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal)
  })
}
// When one stops, they all do.
for (const child of children) {
  child.on('exit', (code, signal) => {
    for (const other of children) if (other !== child) other.kill('SIGTERM')
    process.exit(code ?? (signal ? 1 : 0))
  })
}
