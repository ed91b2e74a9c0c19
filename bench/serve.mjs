// Serves Signet as it deploys: the bundle `wrangler deploy --dry-run` writes, run by Miniflare
// directly with the bindings wrangler.toml declares (D1 migrated, R2, the share Durable Objects),
// with no `wrangler dev` proxy in front (it caps throughput and adds CPU of its own). Used by
// `npm run bench:http` and by the fuzz and load tests. Stopped by `stop()`.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { convertV4MiniflareOptions, Miniflare, NoOpLog } from 'miniflare'
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from 'wrangler'
import { buildAssets } from '../scripts/assets.mjs'

const ROOT = join(import.meta.dirname, '..')
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')

/** Bundles the Worker into `outdir` with wrangler, as `wrangler deploy` would; the entry's path. */
export async function bundleWorker(outdir) {
  await buildAssets()
  const built = spawnSync(
    process.execPath,
    [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir, '--config', join(ROOT, 'wrangler.toml')],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run failed: ${built.stderr}`)
  return join(outdir, 'index.js')
}

/**
 * Starts the bundled Worker on a free loopback port with its own state and secrets.
 * @param {Record<string, string>} [vars] more variables for the Worker (e.g. SIGNET_CORS_ORIGINS)
 * @param {{assets?: boolean, inspectorPort?: number, log?: import('miniflare').Log, workers?: object[], worker?: (options: object) => object}} [options]
 *   `assets: false` leaves out the static assets: Miniflare then runs no asset router in front of
 *   every request (the benchmarks measure the Worker); `inspectorPort` opens the runtime's
 *   inspector there (CPU profiles); `log` takes Miniflare's log (the simulated mail's file paths);
 *   `workers` run beside Signet and `worker` changes Signet's worker options (a test's own
 *   binding in place of one wrangler.toml declares)
 * @returns {Promise<{origin: string, adminToken: string, credential: {accessKeyId: string, secretAccessKey: string}, mf: Miniflare, stop: () => Promise<void>}>}
 */
export async function startSignet(vars = {}, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'signet-mf-'))
  // The test run bundles once (vitest.config.ts) and says where; a benchmark bundles its own.
  const script = process.env.SIGNET_TEST_BUNDLE ?? (await bundleWorker(join(dir, 'dist')))
  // Tests read answers, not the runtime's log of the failures they provoke on purpose.
  const quiet = process.env.SIGNET_TEST_QUIET === '1'
  const adminToken = 'mf-admin-token-0123456789'
  const credential = { accessKeyId: 'SIGNETMFKEY', secretAccessKey: 'signet-mf-secret-0123456789' }
  const { workerOptions: declared } = unstable_getMiniflareWorkerOptions(
    join(ROOT, 'wrangler.toml'),
  )
  const { assets, ...withoutAssets } = declared
  const workerOptions = options.assets === false ? withoutAssets : declared
  // Miniflare 5 takes its own option shape; wrangler still speaks the 4.x one.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port: 0,
      ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
      ...(quiet ? { log: new NoOpLog(), handleStructuredLogs: () => {} } : {}),
      ...(options.log ? { log: options.log } : {}),
      resourcePersistencePath: join(dir, 'state'),
      workers: [
        (options.worker ?? ((same) => same))({
          ...workerOptions,
          name: 'signet',
          rootPath: dirname(script),
          modules: [{ type: 'ESModule', path: 'index.js', contents: readFileSync(script, 'utf8') }],
          bindings: {
            ...workerOptions.bindings,
            SIGNET_ADMIN_TOKEN: adminToken,
            SIGNET_CREDENTIALS: JSON.stringify({ local: credential }),
            ...vars,
          },
        }),
        ...(options.workers ?? []),
      ],
    }),
  )
  const stop = async () => {
    await mf.dispose()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const url = await mf.ready
    const db = await mf.getD1Database('DB')
    const migrations = join(ROOT, 'migrations')
    for (const file of readdirSync(migrations).sort()) {
      for (const statement of unstable_splitSqlQuery(
        readFileSync(join(migrations, file), 'utf8'),
      )) {
        await db.prepare(statement).run()
      }
    }
    return { origin: url.origin, adminToken, credential, mf, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
