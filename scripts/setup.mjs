// `npm run setup`: deploys Signet to Cloudflare, guided, and can be run again at any time. Asks (or
// takes flags for) the Worker's name and its buckets, then with wrangler: creates what does not
// exist yet (the D1 database, the R2 buckets, the events queues, all named after the Worker),
// writes the production configuration (wrangler.production.toml, untracked: see production.mjs),
// showing what changes and asking first, applies the D1 migrations remotely, and deploys with the
// secrets it made (they travel with the deploy, so no version runs without them). Secrets are
// write-only at Cloudflare: setup never reads one back, and never replaces one it did not make
// in this run. A bucket added later gets a secret of its own (SIGNET_CREDENTIAL_<NAME>), so the
// others' credentials are never touched. `--rotate <bucket>` makes a new gateway key pair and
// keeps the one in use as `previous`; `--rotate admin` a new admin token. `--mail-from` (or the
// question) sets the sender of mail about links and binds EMAIL.
// `--dry-run` prints every wrangler command and the whole configuration, and runs nothing.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { parse } from 'smol-toml'
import {
  changedKeys,
  credentialSecret,
  nextProduction,
  PRODUCTION_FILE,
  productionPath,
  productionText,
  readProduction,
  withoutLegacyBlock,
} from './production.mjs'

const ROOT = join(import.meta.dirname, '..')

const HELP = `usage: npm run setup -- [--name signet] [--bucket files]... [--remote name=URL]... [--gcs name=bucket]... [--rotate bucket|admin]... [--dry-run] [--yes]

  --name NAME        the Worker's name (default: signet, or the one set up before); its D1
                     database, queues and rate-limit namespaces are named after it
  --bucket NAME      an R2 bucket the Worker binds and serves (its gateway); added to those it has
  --remote NAME=URL  a bucket in a remote S3-compatible store: https://endpoint/bucket, with
                     ?region=… where the host does not say it (AWS and R2 hosts do); its key pair
                     from SIGNET_REMOTE_<NAME>_ACCESS_KEY_ID and ..._SECRET_ACCESS_KEY
  --gcs NAME=BUCKET  a Google Cloud Storage bucket; its service-account key file from the path in
                     SIGNET_GCS_<NAME>_KEY_FILE
  --rotate BUCKET    a new gateway key pair for BUCKET; the pair in use (from
                     SIGNET_GATEWAY_<NAME>_ACCESS_KEY_ID and ..._SECRET_ACCESS_KEY) stays valid
                     as its previous pair until you remove it
  --rotate admin     a new admin token (the old one stops working at once)
  --mail-from ADDR   the sender of mail about links (notify), on a domain of yours that
                     Cloudflare Email Service sends for; binds EMAIL (empty: no mail)
  --dry-run          print every wrangler command and the configuration, and run nothing
  --yes              ask nothing: the defaults and the flags
  --config FILE      the release's wrangler.toml (default: this project's); the production
                     configuration is ${PRODUCTION_FILE} beside it
`

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    bucket: { type: 'string', multiple: true },
    remote: { type: 'string', multiple: true },
    gcs: { type: 'string', multiple: true },
    rotate: { type: 'string', multiple: true },
    region: { type: 'string' },
    'mail-from': { type: 'string' },
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
const RELEASE = resolve(values.config ?? join(ROOT, 'wrangler.toml'))
const PRODUCTION = productionPath(RELEASE)
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
function wrangler(args, { allowFailure = false } = {}) {
  const line = `wrangler ${args.join(' ')}`
  if (dryRun) {
    console.log(line)
    return ''
  }
  const run = spawnSync('wrangler', args, {
    cwd: dirname(RELEASE),
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    stdio: ['inherit', 'pipe', 'pipe'],
  })
  if (run.status !== 0) {
    if (allowFailure) return undefined
    process.stderr.write(run.stderr)
    throw new Error(`${line} failed (exit ${run.status})`)
  }
  return run.stdout
}

const idOf = (name) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_')

function remoteOf(text) {
  const at = text.indexOf('=')
  if (at < 1) throw new Error(`--remote takes name=https://endpoint/bucket, not ${text}`)
  const name = text.slice(0, at)
  const url = new URL(text.slice(at + 1))
  const bucket = url.pathname.replace(/^\/+|\/+$/g, '') || name
  const region = url.searchParams.get('region') ?? values.region
  return {
    name,
    kind: 's3',
    target: { endpoint: url.origin, bucket, ...(region ? { region } : {}) },
  }
}

function gcsOf(text) {
  const at = text.indexOf('=')
  if (at < 1) throw new Error(`--gcs takes name=bucket, not ${text}`)
  const name = text.slice(0, at)
  return {
    name,
    kind: 'gcs',
    target: { endpoint: 'https://storage.googleapis.com', bucket: text.slice(at + 1) || name },
  }
}

/** A remote bucket's credential from the environment (a dry run needs none). */
function remoteCredential(remote) {
  const id = idOf(remote.name)
  if (remote.kind === 'gcs') {
    const path = process.env[`SIGNET_GCS_${id}_KEY_FILE`]
    if (!path) throw new Error(`the GCS bucket ${remote.name} needs SIGNET_GCS_${id}_KEY_FILE`)
    return JSON.parse(readFileSync(path, 'utf8'))
  }
  const accessKeyId = process.env[`SIGNET_REMOTE_${id}_ACCESS_KEY_ID`]
  const secretAccessKey = process.env[`SIGNET_REMOTE_${id}_SECRET_ACCESS_KEY`]
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      `the remote bucket ${remote.name} needs SIGNET_REMOTE_${id}_ACCESS_KEY_ID and SIGNET_REMOTE_${id}_SECRET_ACCESS_KEY`,
    )
  }
  return { accessKeyId, secretAccessKey }
}

function newGatewayPair() {
  return {
    accessKeyId: `SIGNET${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  }
}

async function main() {
  const release = parse(readFileSync(RELEASE, 'utf8'))
  const current = readProduction(RELEASE)
  const existing = current.config
  const name = values.name ?? existing?.name ?? (await ask('Worker name', 'signet'))
  const had = JSON.parse(existing?.vars?.SIGNET_BUCKETS ?? '{}')
  const remotes = [...(values.remote ?? []).map(remoteOf), ...(values.gcs ?? []).map(gcsOf)]
  const asked =
    values.bucket ??
    (remotes.length > 0 || Object.keys(had).length > 0
      ? []
      : (await ask('R2 buckets to serve (comma-separated)', `${name}-files`))
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean))
  const buckets = asked.filter((bucket) => !(bucket in had))
  const added = [...buckets, ...remotes.map((remote) => remote.name)].filter((b) => !(b in had))
  // Remote keys are read now, so a missing one stops setup before anything is made.
  const remoteKeys = dryRun
    ? {}
    : Object.fromEntries(
        remotes.filter((r) => !(r.name in had)).map((r) => [r.name, remoteCredential(r)]),
      )
  const rotations = values.rotate ?? []
  for (const bucket of rotations) {
    if (bucket !== 'admin' && !('binding' in (had[bucket] ?? {}))) {
      throw new Error(`--rotate ${bucket}: not a gateway bucket of this Worker`)
    }
  }

  const hadFrom = existing?.vars?.SIGNET_EMAIL_FROM
  const mailFrom =
    values['mail-from'] ??
    (hadFrom !== undefined
      ? undefined
      : await ask('Sender address for mail about links (empty: no mail)', ''))
  if (mailFrom && !/^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/.test(mailFrom)) {
    throw new Error(`--mail-from: ${mailFrom} is not an email address`)
  }

  wrangler(['whoami'])

  // D1: the database named after the Worker, created once.
  const known = existing?.d1_databases?.find((db) => db.binding === 'DB')
  let databaseId = known && known.database_name === name ? known.database_id : undefined
  if (!databaseId) {
    const listed = () => JSON.parse(wrangler(['d1', 'list', '--json']) || '[]')
    let database = listed().find((db) => db.name === name)
    if (!database) {
      wrangler(['d1', 'create', name])
      database = listed().find((db) => db.name === name) ?? { uuid: '<the new database id>' }
    }
    databaseId = database.uuid
  }

  // R2: each bucket the Worker binds, created once.
  const existingR2 = new Set(
    [...wrangler(['r2', 'bucket', 'list']).matchAll(/^name:\s+(\S+)/gm)].map((m) => m[1]),
  )
  for (const bucket of buckets) {
    if (!existingR2.has(bucket)) wrangler(['r2', 'bucket', 'create', bucket])
  }

  const next = nextProduction({ release, existing, name, databaseId, buckets, remotes, mailFrom })

  // Queues: the events queue and its dead letters, named after the Worker, created once.
  const queues = wrangler(['queues', 'list'])
  for (const queue of next.queues) {
    if (!new RegExp(`(^|[\\s│|])${queue}([\\s│|]|$)`, 'm').test(queues)) {
      wrangler(['queues', 'create', queue])
    }
  }

  // The configuration: what changes, shown (the whole file on a dry run), asked, then written.
  const text = productionText(next.config)
  const changed =
    current.from !== 'file' ? Object.keys(next.config) : changedKeys(existing, next.config)
  if (dryRun) {
    console.log(`\nWould write ${PRODUCTION_FILE}:\n${text}`)
  } else if (changed.length === 0) {
    console.log(`${PRODUCTION_FILE} is as it should be.`)
  } else {
    console.log(
      `${current.from === 'file' ? 'Changes' : 'Writes'} ${PRODUCTION_FILE}: ${changed.join(', ')}`,
    )
    if ((await ask('Write it and deploy? (y/n)', 'y')).toLowerCase() !== 'y') {
      console.log('Nothing written, nothing deployed.')
      return
    }
    writeFileSync(PRODUCTION, text)
    if (current.from === 'legacy') {
      // The older setup's block goes from the tracked file: wrangler.toml is the release's again.
      writeFileSync(RELEASE, withoutLegacyBlock(readFileSync(RELEASE, 'utf8')))
      console.log(`Moved [env.production] out of wrangler.toml into ${PRODUCTION_FILE}.`)
    }
  }
  const config = ['--config', PRODUCTION]

  // Secrets: new ones only (the admin token, a credential per bucket added), or rotated ones.
  const listed = dryRun
    ? '[]'
    : wrangler(['secret', 'list', '--format', 'json', ...config], { allowFailure: true })
  const set = new Set(JSON.parse(listed ?? '[]').map((secret) => secret.name))
  const secrets = {}
  const shown = []
  let adminToken
  if (!set.has('SIGNET_ADMIN_TOKEN') || rotations.includes('admin')) {
    adminToken = `sat_${randomBytes(32).toString('base64url')}`
    secrets.SIGNET_ADMIN_TOKEN = adminToken
  }
  for (const bucket of added) {
    const secret = credentialSecret(bucket)
    if (set.has(secret)) continue
    if (buckets.includes(bucket)) {
      // A gateway's key pair is invented here: Signet both signs and verifies with it.
      const pair = newGatewayPair()
      secrets[secret] = JSON.stringify(pair)
      shown.push([bucket, pair])
    } else if (!dryRun) {
      secrets[secret] = JSON.stringify(remoteKeys[bucket])
    } else {
      secrets[secret] = '(from the environment)'
    }
  }
  for (const bucket of rotations.filter((r) => r !== 'admin')) {
    const id = idOf(bucket)
    const accessKeyId = process.env[`SIGNET_GATEWAY_${id}_ACCESS_KEY_ID`]
    const secretAccessKey = process.env[`SIGNET_GATEWAY_${id}_SECRET_ACCESS_KEY`]
    if (!dryRun && (!accessKeyId || !secretAccessKey)) {
      throw new Error(
        `--rotate ${bucket} keeps the pair in use valid as previous: give it in SIGNET_GATEWAY_${id}_ACCESS_KEY_ID and SIGNET_GATEWAY_${id}_SECRET_ACCESS_KEY (the pair setup showed when it made it)`,
      )
    }
    const pair = newGatewayPair()
    secrets[credentialSecret(bucket)] = JSON.stringify({
      ...pair,
      previous: { accessKeyId, secretAccessKey },
    })
    shown.push([bucket, pair])
  }

  // Migrations first, then the code with its secrets: no version runs on an old schema or
  // without a credential.
  wrangler(['d1', 'migrations', 'apply', 'DB', '--remote', ...config])
  const names = Object.keys(secrets)
  let deployed
  if (names.length > 0 && !dryRun) {
    const scratch = mkdtempSync(join(tmpdir(), 'signet-setup-'))
    const file = join(scratch, 'secrets.json')
    try {
      writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 })
      deployed = wrangler(['deploy', ...config, '--secrets-file', file])
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  } else {
    deployed = wrangler([
      'deploy',
      ...config,
      ...(names.length > 0 ? ['--secrets-file', `<secrets: ${names.join(', ')}>`] : []),
    ])
  }
  const url =
    /https:\/\/[^\s]+/.exec(deployed ?? '')?.[0] ?? `https://${name}.<your subdomain>.workers.dev`

  console.log(`\nSignet is at ${url}`)
  if (dryRun) console.log('Admin token: a new one would be made, set and shown here once.')
  else if (adminToken) console.log(`Admin token (shown once; keep it safe): ${adminToken}`)
  else console.log('Admin token: the one set before (SIGNET_ADMIN_TOKEN is kept).')
  for (const [bucket, pair] of dryRun ? [] : shown) {
    console.log(
      `Gateway key pair of ${bucket} (shown once; for S3 clients at ${url}/s3): ${pair.accessKeyId} ${pair.secretAccessKey}`,
    )
  }
  const from = next.config.vars.SIGNET_EMAIL_FROM
  if (from) {
    console.log(
      `Mail about links comes from ${from}: its domain must be on Cloudflare with Email Service on (docs/DEPLOYING.md).`,
    )
  }
  const first = asked[0] ?? remotes[0]?.name ?? Object.keys(had)[0] ?? 'files'
  console.log(`\nThe first API key:
curl -s ${url}/v1/keys -H "Authorization: Bearer <admin token>" \\
  --json '{"name":"first","scope":{"buckets":["${first}"],"operations":["get","head","put","share","multipart"]}}'`)
}

main().catch((error) => {
  console.error(`setup: ${error.message}`)
  process.exit(1)
})
