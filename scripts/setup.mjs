// `npm run setup`: a first deployment to Cloudflare, guided. Asks (or takes flags for) the
// Worker's name and its buckets, then with wrangler: creates what does not exist yet (the D1
// database, the R2 buckets, the events queues), writes a production environment into
// wrangler.toml (`[env.production]`, between markers: the local default is left as it is),
// applies the D1 migrations remotely, deploys, sets the secrets it generates (the admin token,
// the gateway's key pairs) unless they are set already, and prints the URL, the admin token
// (once, when it made it) and the curl for the first API key. A second run re-creates nothing.
// `--dry-run` prints every wrangler command it would run, in order, and runs none.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { parse, stringify } from 'smol-toml'

const ROOT = join(import.meta.dirname, '..')
const ENV = 'production'
const BEGIN =
  '# ---- npm run setup: the production environment (wrangler deploy --env production) ----'
const END = '# ---- end of npm run setup ----'

const HELP = `usage: npm run setup -- [--name signet] [--bucket files]... [--remote name=https://endpoint/bucket]... [--dry-run] [--yes]

  --config FILE      the wrangler.toml to write into (default: this project's)
  --name NAME        the Worker's name (default: signet); also the D1 database's
  --bucket NAME      an R2 bucket the Worker binds and serves (its gateway, the local default's kind)
  --remote NAME=URL  a bucket in a remote S3-compatible store (R2's S3 API, S3, MinIO, Ceph), its
                     key pair from SIGNET_REMOTE_<NAME>_ACCESS_KEY_ID and ..._SECRET_ACCESS_KEY
  --region REGION    the remote stores' region (default: auto)
  --dry-run          print every wrangler command, in order, and run none
  --yes              ask nothing: the defaults and the flags
`

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    bucket: { type: 'string', multiple: true },
    remote: { type: 'string', multiple: true },
    region: { type: 'string' },
    'dry-run': { type: 'boolean' },
    yes: { type: 'boolean' },
    help: { type: 'boolean' },
    config: { type: 'string' },
  },
})
if (values.help) {
  process.stdout.write(HELP)
  process.exit(0)
}
const CONFIG = resolve(values.config ?? join(ROOT, 'wrangler.toml'))
const dryRun = values['dry-run'] === true
const interactive = !values.yes && process.stdin.isTTY

async function ask(question, fallback) {
  if (!interactive) return fallback
  const prompt = createInterface({ input: process.stdin, output: process.stdout })
  const answer = (await prompt.question(`${question} [${fallback}] `)).trim()
  prompt.close()
  return answer || fallback
}

/**
 * Runs wrangler (the one on PATH: npm run puts the project's first). A dry run prints the command
 * and runs nothing, not even a listing: it shows what a first run on a new account would do.
 */
function wrangler(args, { input } = {}) {
  const line = `wrangler ${args.join(' ')}`
  if (dryRun) {
    console.log(line)
    return ''
  }
  const run = spawnSync('wrangler', args, {
    cwd: dirname(CONFIG),
    encoding: 'utf8',
    input,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    stdio: [input === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe'],
  })
  if (run.status !== 0) {
    process.stderr.write(run.stderr)
    throw new Error(`${line} failed (exit ${run.status})`)
  }
  return run.stdout
}

/** A Signet bucket name as a binding: `files` → BUCKET_FILES. */
function bindingOf(name) {
  return `BUCKET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

function remoteOf(text) {
  const at = text.indexOf('=')
  if (at < 1) throw new Error(`--remote takes name=https://endpoint/bucket, not ${text}`)
  const name = text.slice(0, at)
  const url = new URL(text.slice(at + 1))
  const bucket = url.pathname.replace(/^\/+|\/+$/g, '') || name
  return { name, endpoint: url.origin, bucket }
}

function secretFor(name) {
  const id = name.toUpperCase().replace(/[^A-Z0-9]/g, '_')
  const accessKeyId = process.env[`SIGNET_REMOTE_${id}_ACCESS_KEY_ID`]
  const secretAccessKey = process.env[`SIGNET_REMOTE_${id}_SECRET_ACCESS_KEY`]
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `the remote bucket ${name} needs SIGNET_REMOTE_${id}_ACCESS_KEY_ID and SIGNET_REMOTE_${id}_SECRET_ACCESS_KEY`,
    )
  }
  return { accessKeyId, secretAccessKey }
}

/** The production environment: the top level's bindings (none is inherited) with its own. */
function productionEnv(top, name, databaseId, buckets, remotes, region) {
  const signetBuckets = {}
  for (const bucket of buckets) signetBuckets[bucket] = { binding: bindingOf(bucket) }
  for (const remote of remotes) {
    signetBuckets[remote.name] = { endpoint: remote.endpoint, region, bucket: remote.bucket }
  }
  return {
    name,
    vars: { ...top.vars, SIGNET_BUCKETS: JSON.stringify(signetBuckets) },
    d1_databases: [
      { binding: 'DB', database_name: name, database_id: databaseId, migrations_dir: 'migrations' },
    ],
    r2_buckets: buckets.map((bucket) => ({ binding: bindingOf(bucket), bucket_name: bucket })),
    durable_objects: top.durable_objects,
    queues: top.queues,
    ratelimits: top.ratelimits,
  }
}

function writeEnvironment(env) {
  const text = readFileSync(CONFIG, 'utf8')
  const start = text.indexOf(BEGIN)
  const kept = start === -1 ? text.trimEnd() : text.slice(0, start).trimEnd()
  const block = stringify({ env: { [ENV]: env } })
  const next = `${kept}\n\n${BEGIN}\n${block.trim()}\n${END}\n`
  if (next === text) return false
  if (dryRun) console.log(`${BEGIN}\n${block.trim()}\n${END}`)
  else writeFileSync(CONFIG, next)
  return true
}

async function main() {
  const top = parse(readFileSync(CONFIG, 'utf8'))
  const name = values.name ?? (await ask('Worker name', 'signet'))
  const remotes = (values.remote ?? []).map(remoteOf)
  const buckets =
    values.bucket ??
    (remotes.length > 0
      ? []
      : (await ask('R2 buckets to serve (comma-separated)', `${name}-files`))
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean))
  const region = values.region ?? 'auto'
  const credentials = Object.fromEntries(remotes.map((r) => [r.name, secretFor(r.name)]))

  wrangler(['whoami'])

  // D1: the database named after the Worker, created once.
  const listed = () => JSON.parse(wrangler(['d1', 'list', '--json']) || '[]')
  let database = listed().find((db) => db.name === name)
  if (!database) {
    wrangler(['d1', 'create', name])
    database = listed().find((db) => db.name === name) ?? { uuid: '<the new database id>' }
  }

  // R2: each bucket the Worker binds, created once.
  const existing = new Set(
    [...wrangler(['r2', 'bucket', 'list']).matchAll(/^name:\s+(\S+)/gm)].map((m) => m[1]),
  )
  for (const bucket of buckets) {
    if (!existing.has(bucket)) wrangler(['r2', 'bucket', 'create', bucket])
  }

  // Queues: the events queue and its dead letters, created once.
  const queues = wrangler(['queues', 'list'])
  for (const queue of ['signet-events', 'signet-events-dlq']) {
    if (!new RegExp(`(^|[\\s│|])${queue}([\\s│|]|$)`, 'm').test(queues)) {
      wrangler(['queues', 'create', queue])
    }
  }

  const changed = writeEnvironment(
    productionEnv(top, name, database.uuid, buckets, remotes, region),
  )
  console.log(
    changed
      ? `${dryRun ? 'Would write' : 'Wrote'} [env.${ENV}] into wrangler.toml`
      : `wrangler.toml's [env.${ENV}] is as it should be`,
  )

  wrangler(['d1', 'migrations', 'apply', name, '--remote', '--env', ENV])
  const deployed = wrangler(['deploy', '--env', ENV])
  const url =
    /https:\/\/[^\s]+/.exec(deployed)?.[0] ?? `https://${name}.<your subdomain>.workers.dev`

  // Secrets: generated only where none is set, so a second run keeps the ones in use.
  const secrets = new Set(
    JSON.parse(wrangler(['secret', 'list', '--env', ENV, '--format', 'json']) || '[]').map(
      (secret) => secret.name,
    ),
  )
  let adminToken
  if (!secrets.has('SIGNET_ADMIN_TOKEN')) {
    adminToken = `sat_${randomBytes(32).toString('base64url')}`
    wrangler(['secret', 'put', 'SIGNET_ADMIN_TOKEN', '--env', ENV], { input: adminToken })
  }
  if (!secrets.has('SIGNET_CREDENTIALS')) {
    // The gateway's key pairs are invented here: Signet both signs and verifies with them.
    const pairs = { ...credentials }
    for (const bucket of buckets) {
      pairs[bucket] = {
        accessKeyId: `SIGNET${randomBytes(8).toString('hex').toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString('base64url'),
      }
    }
    wrangler(['secret', 'put', 'SIGNET_CREDENTIALS', '--env', ENV], {
      input: JSON.stringify(pairs),
    })
  }

  console.log(`\nSignet is at ${url}`)
  if (dryRun) console.log('Admin token: a new one would be made, set and shown here once.')
  else if (adminToken) console.log(`Admin token (shown once; keep it safe): ${adminToken}`)
  else console.log('Admin token: the one set before (SIGNET_ADMIN_TOKEN is kept).')
  const first = buckets[0] ?? remotes[0]?.name ?? 'files'
  console.log(`\nThe first API key:
curl -s ${url}/v1/keys -H "Authorization: Bearer <admin token>" \\
  --json '{"name":"first","scope":{"buckets":["${first}"],"operations":["get","head","put","share","multipart"]}}'`)
}

main().catch((error) => {
  console.error(`setup: ${error.message}`)
  process.exit(1)
})
