// Serves Signet as it deploys: the bundle `wrangler deploy --dry-run` writes, run by Miniflare
// directly with the bindings wrangler.toml declares (no `wrangler dev` proxy in front, which caps
// throughput and adds its own CPU). Local D1 with the migrations applied; stopped by dispose.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from 'wrangler'
import type { WorkerServer } from './worker-server'

const ROOT = join(import.meta.dirname, '..', '..')
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')

export type SignetServer = WorkerServer & { mf: Miniflare }

/** Bundles the Worker once per directory with wrangler, as `wrangler deploy` would. */
export function bundleWorker(outdir: string): string {
  const built = spawnSync(
    process.execPath,
    [WRANGLER, 'deploy', '--dry-run', '--outdir', outdir, '--config', join(ROOT, 'wrangler.toml')],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run failed: ${built.stderr}`)
  return join(outdir, 'index.js')
}

export async function startSignet(): Promise<SignetServer> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-mf-'))
  const script = bundleWorker(join(dir, 'dist'))
  const adminToken = 'mf-admin-token-0123456789'
  const credential = { accessKeyId: 'SIGNETMFKEY', secretAccessKey: 'signet-mf-secret-0123456789' }
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, 'wrangler.toml'))
  // Miniflare 5 takes its own option shape; wrangler still speaks the 4.x one.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: '127.0.0.1',
      port: 0,
      resourcePersistencePath: join(dir, 'state'),
      workers: [
        {
          ...workerOptions,
          name: 'signet',
          rootPath: dirname(script),
          modules: [{ type: 'ESModule', path: 'index.js', contents: readFileSync(script, 'utf8') }],
          bindings: {
            ...(workerOptions.bindings as Record<string, unknown>),
            SIGNET_ADMIN_TOKEN: adminToken,
            SIGNET_CREDENTIALS: JSON.stringify({ local: credential }),
          },
        },
      ] as never,
    } as never),
  )
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
    const origin = url.origin
    const stop = async () => {
      await mf.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
    return { origin, adminToken, credential, mf, stop }
  } catch (error) {
    await mf.dispose()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
