// From a fresh clone: `npm start` serves the local default and the first key it tells you to make
// works; `npx wrangler deploy --dry-run` and `npm run deploy -- --dry-run` both bundle the Worker
// (its assets built first by wrangler.toml's [build]) without an account.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startLocalDefault } from './worker-server'

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
    expect(npm.out).toContain('`npm run setup` comes first')
    expect(existsSync(join(scratch, 'b', 'index.js'))).toBe(true)
    expect(npm.out).toContain('env.BUCKET_LOCAL (local)')
  }, 200_000)

  it('npm start serves the local default, and the first key it prints how to make works', async () => {
    expect(existsSync(join(clone, 'node_modules'))).toBe(true)
    expect(existsSync(join(clone, '.dev.vars'))).toBe(false)
    const server = await startLocalDefault(undefined, clone)
    try {
      const printed = server.output()
      // Every URL it prints is on the port it was given; a fresh start says nothing alarming.
      const port = new URL(server.origin).port
      expect(printed).toContain(`Signet is starting on http://localhost:${port}`)
      expect(printed).toContain(`Console: http://localhost:${port}/console`)
      expect(printed.match(/localhost:\d+/g)?.every((at) => at === `localhost:${port}`)).toBe(true)
      expect(printed).not.toContain('types might be out of date')
      expect(printed).not.toContain('Request.cf')
      expect(printed).not.toMatch(/^\s+at /m)
      // The curl it prints, as printed (its continuation lines joined).
      const curl = /^ {2}curl [\s\S]*?\}'$/m.exec(printed)?.[0]
      expect(curl, printed).toBeDefined()
      const made = spawnSync('bash', ['-c', curl as string], { encoding: 'utf8' })
      const key = JSON.parse(made.stdout).key as string
      expect(key).toMatch(/^sgn_/)
      const answer = await fetch(`${server.origin}/v1/presign`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ bucket: 'local', key: 'first.txt', method: 'PUT' }),
      })
      expect(answer.status).toBe(200)
    } finally {
      await server.stop()
    }
  }, 180_000)

  it('npm run deploy -- --dry-run bundles the production configuration once setup wrote it, and git sees no change', () => {
    // setup against the fake wrangler (it keeps a made-up account), which writes the environment.
    const fake = join(ROOT, 'test', 'fixtures', 'fake-wrangler')
    const setup = spawnSync(
      process.execPath,
      ['scripts/setup.mjs', '--yes', '--name', 'acme', '--bucket', 'acme-files'],
      {
        cwd: clone,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${fake}:${process.env.PATH}`,
          FAKE_WRANGLER_LOG: join(scratch, 'wrangler.log'),
          FAKE_WRANGLER_STATE: join(scratch, 'account.json'),
        },
      },
    )
    expect(setup.status, setup.stderr).toBe(0)
    // Setup wrote nothing into tracked files: a git pull of the next release meets no edit.
    const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: clone,
      encoding: 'utf8',
    })
    expect(status.stdout).toBe('')
    expect(existsSync(join(clone, 'wrangler.production.toml'))).toBe(true)
    const npm = run('npm', ['run', 'deploy', '--', '--dry-run', '--outdir', join(scratch, 'c')])
    expect(npm.status, npm.out.slice(-2000)).toBe(0)
    expect(npm.out).not.toContain('`npm run setup` comes first')
    expect(npm.out).toContain('the D1 migrations of acme would be applied remotely first')
    // wrangler's list of the bindings it bundled: production's bucket, not the local default's.
    expect(npm.out).toContain('env.BUCKET_ACME_FILES (acme-files)')
    expect(npm.out).not.toContain('env.BUCKET_LOCAL (local)')
    expect(existsSync(join(scratch, 'c', 'index.js'))).toBe(true)
  }, 200_000)
})
