// Deploying from a fresh clone: `npx wrangler deploy --dry-run` and `npm run deploy -- --dry-run`
// both bundle the Worker (its assets built first by wrangler.toml's [build]) without an account.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const scratch = mkdtempSync(join(tmpdir(), 'signet-clone-'))
const clone = join(scratch, 'signet')

function run(command: string, args: string[]) {
  const done = spawnSync(command, args, {
    cwd: clone,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_API_TOKEN: '' },
    timeout: 180_000,
  })
  return { status: done.status, out: `${done.stdout}\n${done.stderr}` }
}

describe('deploying from a fresh clone', () => {
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('bundles with npx wrangler deploy --dry-run and npm run deploy -- --dry-run', () => {
    expect(spawnSync('git', ['clone', '-q', ROOT, clone]).status).toBe(0)
    expect(existsSync(join(clone, 'public'))).toBe(false)
    // The installed packages, as `npm install` would have put them.
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'))
    const npx = run('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', join(scratch, 'a')])
    expect(npx.status, npx.out.slice(-2000)).toBe(0)
    expect(npx.out).toContain('--dry-run: exiting now.')
    expect(existsSync(join(scratch, 'a', 'index.js'))).toBe(true)
    expect(existsSync(join(clone, 'public', 'upload', 'app.js'))).toBe(true)
    const npm = run('npm', ['run', 'deploy', '--', '--dry-run', '--outdir', join(scratch, 'b')])
    expect(npm.status, npm.out.slice(-2000)).toBe(0)
    expect(existsSync(join(scratch, 'b', 'index.js'))).toBe(true)
  }, 200_000)
})
