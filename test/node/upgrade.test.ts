// Upgrades: migrations stay additive (none drops or renames a table or column, so the version
// still running works on the new schema while a deploy rolls out), and one local database that
// lived through every release (each migration applied in turn, with rows written as that schema
// allowed: a key, shares, a webhook, an upload link) serves every old row once migrated to now.

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { callApi, startWorker, type WorkerServer } from './worker-server'

const ROOT = join(import.meta.dirname, '..', '..')
const MIGRATIONS = join(ROOT, 'migrations')
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')
const migrations = readdirSync(MIGRATIONS)
  .filter((name) => name.endsWith('.sql'))
  .sort()

describe('a release', () => {
  it('has one version in package.json, the Worker (/healthz, /openapi.json) and the changelog', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string
    }
    expect(version).toMatch(/^\d+\.\d+\.\d+$/)
    const app = readFileSync(join(ROOT, 'src', 'app-version.ts'), 'utf8')
    expect(/export const VERSION = '([^']+)'/.exec(app)?.[1]).toBe(version)
    const changelog = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')
    const newest = /^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$/m.exec(changelog)?.[1]
    expect(newest).toBe(version)
    // Every D1 migration is named by the release that brought it.
    for (const name of migrations) expect(changelog).toContain(`\`${name.replace(/\.sql$/, '')}\``)
  })
})

describe('D1 migrations', () => {
  it('are additive: none drops or renames a table, a column or an index', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(9)
    const destructive = migrations.flatMap((name) => {
      const sql = readFileSync(join(MIGRATIONS, name), 'utf8').replace(/--[^\n]*/g, '')
      return /\b(DROP\s+(TABLE|COLUMN|INDEX|VIEW)|RENAME\s+(TO|COLUMN))\b/i.test(sql) ? [name] : []
    })
    expect(destructive).toEqual([])
  })
})

const KEY = 'sgn_upgrade_era1_key_0123456789abcdef'
const HOUR = 3600_000
const later = Date.now() + 48 * HOUR
const iso = new Date().toISOString()
/** Rows each migration's schema allowed, written right after it was applied. */
const ROWS: Record<string, string[]> = {
  '0001_api_keys.sql': [
    `INSERT INTO api_keys (id, name, key_hash, scope, created_at) VALUES ('key_era1', 'era 1',
      '${createHash('sha256').update(KEY).digest('hex')}',
      '{"buckets":["local"],"operations":["get","head","put","share","list"]}', '${iso}')`,
  ],
  '0002_shares.sql': [
    `INSERT INTO shares (id, owner, bucket, object_key, mode, created_at, expires_at, downloads)
      VALUES ('AAAAAAAAAAAAAAAAAAAAA2', 'key:key_era1', 'local', 'upgrade/a.txt', 'redirect',
      '${iso}', ${later}, 3)`,
  ],
  '0003_share_pages.sql': [
    `INSERT INTO shares (id, owner, bucket, object_key, mode, created_at, expires_at, page,
      max_downloads) VALUES ('AAAAAAAAAAAAAAAAAAAAA3', 'key:key_era1', 'local', 'upgrade/a.txt',
      'proxy', '${iso}', ${later}, 1, 5)`,
  ],
  '0007_webhooks.sql': [
    `INSERT INTO webhooks (id, owner, scope, url, events, secret, created_at) VALUES
      ('wh_era7', 'key:key_era1', '{"buckets":["local"],"operations":["get"]}',
      'https://hooks.example.com/in', '["object.created"]', 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3', '${iso}')`,
  ],
  '0008_upload_links.sql': [
    `INSERT INTO upload_links (id, owner, record, created_at) VALUES ('AAAAAAAAAAAAAAAAAAAAA8',
      'key:key_era1', '${JSON.stringify({
        id: 'AAAAAAAAAAAAAAAAAAAAA8',
        owner: 'key:key_era1',
        bucket: 'local',
        prefix: 'upgrade/inbox/',
        message: null,
        maxFiles: 3,
        maxFileSize: null,
        contentTypes: null,
        password: null,
        createdAt: iso,
        expiresAt: new Date(later).toISOString(),
        revokedAt: null,
      })}', '${iso}')`,
  ],
  '0009_folder_shares.sql': [
    `INSERT INTO shares (id, owner, bucket, object_key, mode, created_at, expires_at, folder)
      VALUES ('AAAAAAAAAAAAAAAAAAAAA9', 'key:key_era1', 'local', 'upgrade/', 'proxy', '${iso}',
      ${later}, 1)`,
  ],
}

describe('an installation that lived through every release', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-upgrade-'))
  let server: WorkerServer | undefined
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  function wrangler(args: string[], config: string) {
    const run = spawnSync(
      process.execPath,
      [WRANGLER, ...args, '--local', '--persist-to', join(dir, 'state'), '--config', config],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      },
    )
    expect(run.status, `${args.join(' ')}\n${run.stdout}${run.stderr}`.slice(-2000)).toBe(0)
  }

  it('serves every row each schema held, once migrated to now', async () => {
    // A configuration whose migrations folder grows one migration at a time.
    const grown = join(dir, 'migrations')
    mkdirSync(grown)
    const config = join(dir, 'wrangler.toml')
    const text = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
      .replace(/^main = .*$/m, `main = "${join(ROOT, 'src', 'index.ts')}"`)
      .replace(/^migrations_dir = .*$/m, `migrations_dir = "${grown}"`)
      .replace(/^\[build\][\s\S]*?(?=\n\[)/m, '')
      .replace(/^\[assets\][\s\S]*?(?=\n\[)/m, '')
    spawnSync('sh', ['-c', `cat > '${config}'`], { input: text })
    for (const name of migrations) {
      copyFileSync(join(MIGRATIONS, name), join(grown, name))
      wrangler(['d1', 'migrations', 'apply', 'DB'], config)
      for (const sql of ROWS[name] ?? []) {
        wrangler(['d1', 'execute', 'DB', '--command', sql.replace(/\s+/g, ' ')], config)
      }
    }
    // Now: the release's Worker on that state (its own migrations find nothing left to apply).
    server = await startWorker({ persistTo: join(dir, 'state') })
    const me = await callApi(server, KEY, 'GET', '/v1/me')
    expect(me.status).toBe(200)
    expect(me.body).toMatchObject({ kind: 'key', name: 'era 1' })
    const put = await callApi<{ url: string; headers: Record<string, string> }>(
      server,
      KEY,
      'POST',
      '/v1/presign',
      { bucket: 'local', key: 'upgrade/a.txt', method: 'PUT' },
    )
    expect((await fetch(put.body.url, { method: 'PUT', body: 'old bytes' })).status).toBe(200)

    const listed = await callApi<{ shares: { id: string; downloads: number }[] }>(
      server,
      KEY,
      'GET',
      '/v1/shares?limit=100',
    )
    expect(listed.body.shares.map((share) => share.id).sort()).toEqual([
      'AAAAAAAAAAAAAAAAAAAAA2',
      'AAAAAAAAAAAAAAAAAAAAA3',
      'AAAAAAAAAAAAAAAAAAAAA9',
    ])
    // Era 2: a redirect share with its count; era 3: a counted page; era 9: a folder.
    const era2 = await fetch(`${server.origin}/s/AAAAAAAAAAAAAAAAAAAAA2`, { redirect: 'manual' })
    expect(era2.status).toBe(302)
    const read2 = await callApi<{ downloads: number }>(
      server,
      KEY,
      'GET',
      '/v1/shares/AAAAAAAAAAAAAAAAAAAAA2',
    )
    expect(read2.body.downloads).toBe(4)
    const page = await fetch(`${server.origin}/s/AAAAAAAAAAAAAAAAAAAAA3`, {
      headers: { Accept: 'text/html' },
    })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('a.txt')
    const bytes = await fetch(`${server.origin}/s/AAAAAAAAAAAAAAAAAAAAA3`)
    expect(await bytes.text()).toBe('old bytes')
    const folder = await fetch(`${server.origin}/s/AAAAAAAAAAAAAAAAAAAAA9`)
    expect(folder.status).toBe(200)
    expect(JSON.stringify(await folder.json())).toContain('a.txt')

    const hooks = await callApi<{ webhooks: { id: string }[] }>(server, KEY, 'GET', '/v1/webhooks')
    expect(hooks.body.webhooks.map((hook) => hook.id)).toEqual(['wh_era7'])
    const links = await callApi<{ uploadLinks: { id: string }[] }>(
      server,
      KEY,
      'GET',
      '/v1/upload-links',
    )
    expect(JSON.stringify(links.body)).toContain('AAAAAAAAAAAAAAAAAAAAA8')
  }, 300_000)
})
