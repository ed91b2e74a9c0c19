// `npm run deploy`: deploys the production configuration that `npm run setup` wrote
// (wrangler.production.toml; see production.mjs), applying its D1 migrations remotely first, so the code
// never runs on a schema older than it needs (migrations stay additive: the version still running
// works on the new one). When they fail it stops without deploying. On a clone without the
// environment it says `npm run setup` comes first; `--dry-run` still bundles (the environment
// when there is one, else the local default). Other arguments go on to `wrangler deploy`.
import { spawnSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PRODUCTION_FILE, productionPath, readProduction } from './production.mjs'

const ROOT = join(import.meta.dirname, '..')
const ENV = 'production'

const args = process.argv.slice(2)
const { values } = parseArgs({
  args,
  options: { config: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  strict: false,
  allowPositionals: true,
})
const CONFIG = resolve(
  typeof values.config === 'string' ? values.config : join(ROOT, 'wrangler.toml'),
)
const dryRun = values['dry-run'] === true
/** Everything but --config goes on to wrangler deploy as given. */
const passed = args.filter(
  (arg, i) => arg !== '--config' && args[i - 1] !== '--config' && !arg.startsWith('--config='),
)

function wrangler(args) {
  console.log(`> wrangler ${args.join(' ')}`)
  const run = spawnSync('wrangler', args, {
    cwd: dirname(CONFIG),
    stdio: 'inherit',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  })
  return run.status ?? 1
}

const production = readProduction(CONFIG)
if (production.from === 'none') {
  const note = `there is no production configuration (${PRODUCTION_FILE}) yet: \`npm run setup\` comes first (it creates the database, the buckets and the queues, and writes it).`
  if (!dryRun) {
    console.error(`deploy: ${note}`)
    process.exit(1)
  }
  console.log(`deploy: ${note}\nA dry run bundles the local default configuration instead.`)
  process.exit(wrangler(['deploy', '--config', CONFIG, ...passed]))
}

// The production file; or, before setup moved it there, wrangler.toml's [env.production].
const target =
  production.from === 'file'
    ? ['--config', productionPath(CONFIG)]
    : ['--config', CONFIG, '--env', ENV]
if (production.from === 'legacy') {
  console.log(
    `deploy: wrangler.toml's [env.production] (run \`npm run setup\` once to move it into ${PRODUCTION_FILE}).`,
  )
}
const database = production.config.d1_databases?.find((db) => db.binding === 'DB')
if (dryRun) {
  console.log(
    `deploy: a dry run: the D1 migrations of ${database?.database_name ?? 'DB'} would be applied remotely first.`,
  )
} else {
  const migrated = wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', ...target])
  if (migrated !== 0) {
    console.error('deploy: the D1 migrations failed, so nothing was deployed.')
    process.exit(migrated)
  }
}
process.exit(wrangler(['deploy', ...target, ...passed]))
