// `npm start`: the local default. Creates dev secrets on first run, applies D1 migrations to the
// local database, then runs `wrangler dev` on http://localhost:8787 with a local R2 bucket `local`.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildAssets } from './assets.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const devVars = join(root, '.dev.vars')
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: process.env.CI ?? '' }

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

// `--persist-to DIR` (passed on to wrangler dev) keeps the local state elsewhere: migrate it there.
const persist = process.argv.indexOf('--persist-to')
const persistTo = persist === -1 ? [] : ['--persist-to', process.argv[persist + 1] ?? '']
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
Signet is starting on http://localhost:8787 (local D1, local R2 bucket "local").
Create your first API key:

  curl -s http://localhost:8787/v1/keys -H 'Authorization: Bearer dev-admin-token' \\
    --json '{"name":"first","scope":{"buckets":["local"],"operations":["get","head","put","delete","share"]}}'

Reference: http://localhost:8787/docs
`)

const child = spawn(process.execPath, [wrangler, 'dev', ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal))
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)))
