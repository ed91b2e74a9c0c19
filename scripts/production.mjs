// The production configuration: `wrangler.production.toml` beside `wrangler.toml`, untracked (a
// git pull of the next release never meets a local edit), written by `npm run setup` and read by
// `npm run deploy`. Setup owns some of its keys and rewrites them from the release's wrangler.toml
// and what it was told; every other key (routes, vars of your own, other environments,
// observability settings) is yours and kept as it is.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parse, stringify } from 'smol-toml'

export const PRODUCTION_FILE = 'wrangler.production.toml'

/** The lines `npm run setup` wrote into wrangler.toml before the configuration had a file. */
export const LEGACY_BEGIN =
  '# ---- npm run setup: the production environment (wrangler deploy --env production) ----'
export const LEGACY_END = '# ---- end of npm run setup ----'

/** The production file beside a release's wrangler.toml. */
export function productionPath(releaseConfig) {
  return join(dirname(releaseConfig), PRODUCTION_FILE)
}

/** The production configuration as it is now: the file, or an older setup's block, or null. */
export function readProduction(releaseConfig) {
  const path = productionPath(releaseConfig)
  if (existsSync(path)) return { from: 'file', config: parse(readFileSync(path, 'utf8')) }
  const legacy = parse(readFileSync(releaseConfig, 'utf8')).env?.production
  if (legacy) return { from: 'legacy', config: legacy }
  return { from: 'none', config: null }
}

/** wrangler.toml without an older setup's block (as the release shipped it). */
export function withoutLegacyBlock(text) {
  const start = text.indexOf(LEGACY_BEGIN)
  if (start === -1) return text
  const end = text.indexOf(LEGACY_END, start)
  const after = end === -1 ? '' : text.slice(end + LEGACY_END.length)
  return `${text.slice(0, start).trimEnd()}\n${after.replace(/^\n+/, after.trim() ? '\n' : '')}`
}

/** Keys of the production configuration that setup writes; all others are the operator's. */
export const OWNED = [
  'name',
  'main',
  'compatibility_date',
  'compatibility_flags',
  'assets',
  'build',
  'd1_databases',
  'r2_buckets',
  'durable_objects',
  'migrations',
  'queues',
  'ratelimits',
  'send_email',
]

/** A small stable number from the Worker's name, so its rate-limit namespaces are its own. */
function nameNumber(name) {
  let hash = 2166136261
  for (const char of name) hash = Math.imul(hash ^ char.codePointAt(0), 16777619) >>> 0
  return 1000 + (hash % 8000)
}

/**
 * The next production configuration: the operator's keys from `existing`, the release's bindings
 * from `release` (wrangler does not inherit bindings into other configurations), and the Worker's
 * own resources: its database, its buckets (those it had and those added), its queues and
 * rate-limit namespaces named after it (kept where they already exist).
 */
export function nextProduction({
  release,
  existing,
  name,
  databaseId,
  buckets,
  remotes,
  mailFrom,
}) {
  const before = existing ?? {}
  const vars = { ...(before.vars ?? {}) }
  // Mail about links: the sender given (empty: none), else the one set up before.
  if (mailFrom === '') delete vars.SIGNET_EMAIL_FROM
  else if (mailFrom) vars.SIGNET_EMAIL_FROM = mailFrom
  const signetBuckets = {
    ...JSON.parse(vars.SIGNET_BUCKETS ?? '{}'),
    ...Object.fromEntries(buckets.map((bucket) => [bucket, { binding: bindingOf(bucket) }])),
    ...Object.fromEntries(remotes.map((remote) => [remote.name, remote.target])),
  }
  vars.SIGNET_BUCKETS = JSON.stringify(signetBuckets)
  // Anything the release's vars add (never SIGNET_BUCKETS, which is production's own).
  for (const [key, value] of Object.entries(release.vars ?? {})) {
    if (key !== 'SIGNET_BUCKETS' && !(key in vars)) vars[key] = value
  }
  const gateway = Object.entries(signetBuckets).filter(([, target]) => 'binding' in target)
  const queueOf = (suffix) => {
    const had = before.queues?.producers?.find((p) => p.binding === 'EVENTS')?.queue
    const base = had ? had.replace(/-events$/, '') : name
    return `${base}-${suffix}`
  }
  const events = queueOf('events')
  const deadLetters = queueOf('events-dlq')
  const namespaces = new Map(
    (before.ratelimits ?? []).map((limit) => [limit.name, limit.namespace_id]),
  )
  const first = nameNumber(name) * 10
  const owned = {
    name,
    main: release.main,
    compatibility_date: release.compatibility_date,
    ...(release.compatibility_flags ? { compatibility_flags: release.compatibility_flags } : {}),
    ...(release.assets ? { assets: release.assets } : {}),
    ...(release.build ? { build: release.build } : {}),
    d1_databases: [
      { binding: 'DB', database_name: name, database_id: databaseId, migrations_dir: 'migrations' },
    ],
    r2_buckets: gateway.map(([bucket, target]) => ({
      binding: target.binding,
      bucket_name:
        (before.r2_buckets ?? []).find((b) => b.binding === target.binding)?.bucket_name ?? bucket,
    })),
    durable_objects: release.durable_objects,
    migrations: release.migrations,
    queues: {
      producers: (release.queues?.producers ?? []).map((producer) => ({
        ...producer,
        queue: events,
      })),
      consumers: (release.queues?.consumers ?? []).map((consumer) => ({
        ...consumer,
        queue: consumer.queue.endsWith('-dlq') ? deadLetters : events,
        ...(consumer.dead_letter_queue ? { dead_letter_queue: deadLetters } : {}),
      })),
    },
    ratelimits: (release.ratelimits ?? []).map((limit, index) => ({
      ...limit,
      namespace_id: namespaces.get(limit.name) ?? String(first + index + 1),
    })),
    // The EMAIL binding only with a sender: without one no mail is sent and none is bound.
    ...(vars.SIGNET_EMAIL_FROM ? { send_email: release.send_email ?? [{ name: 'EMAIL' }] } : {}),
  }
  const mine = Object.fromEntries(Object.entries(before).filter(([key]) => !OWNED.includes(key)))
  return {
    config: {
      ...owned,
      ...mine,
      vars,
      // Logs in the dashboard and `wrangler tail`: on unless the operator said otherwise.
      observability: before.observability ?? { enabled: true },
    },
    queues: [events, deadLetters],
  }
}

/** A Signet bucket name as a binding: `files` → BUCKET_FILES. */
export function bindingOf(name) {
  return `BUCKET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

/** A bucket's own credential secret (as src/config.ts reads it). */
export function credentialSecret(name) {
  return `SIGNET_CREDENTIAL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

const HEADER = `# Signet's production configuration, written by \`npm run setup\` and deployed by \`npm run deploy\`.
# It is yours and untracked: keep a copy. Setup rewrites only the keys it owns (name, main,
# compatibility, assets, build, d1_databases, r2_buckets, durable_objects, migrations, queues,
# ratelimits, and SIGNET_BUCKETS in [vars]); every other key (routes, vars, [env.*]) is kept.
# Comments are not kept.
`

export function productionText(config) {
  return `${HEADER}\n${stringify(config).trim()}\n`
}

/** The keys whose values differ, for the summary shown before anything is written. */
export function changedKeys(before, after) {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)])
  return [...keys].filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after[key]))
}
