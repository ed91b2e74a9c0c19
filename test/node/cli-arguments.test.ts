// The built CLI against the bundled Worker (Miniflare): arguments it cannot misread (a stray word
// is exit 2 naming it; every option is checked before a byte moves, so a bad one leaves the bucket
// as it was), one clean line for an unknown option, --version, and every exit code docs/CLI.md
// lists; ls of a bucket and of the buckets; cp refusing to replace a local file; sync with
// --delete, --dryrun and --exclude; rm -r --dryrun.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'
import { createApiKey } from './worker-server'

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js')

describe('the CLI reads its arguments one way only', () => {
  let server: SignetServer
  let key: string
  let work: string

  function signet(args: string[], env: Record<string, string> = {}) {
    const run = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      cwd: work,
      env: {
        ...process.env,
        SIGNET_URL: server.origin,
        SIGNET_TOKEN: key,
        SIGNET_PROFILE: '',
        XDG_CONFIG_HOME: join(work, 'config'),
        ...env,
      },
    })
    return { status: run.status, stdout: run.stdout, stderr: run.stderr }
  }

  /** Every key under a prefix, as the CLI lists them. */
  function keysUnder(prefix: string): string[] {
    const listed = signet(['ls', '-r', `s3://local/${prefix}`, '--json'])
    expect(listed.status, listed.stderr).toBe(0)
    return (JSON.parse(listed.stdout) as { objects: { key: string }[] }).objects
      .map((object) => object.key)
      .sort()
  }

  beforeAll(async () => {
    server = await startSignet()
    work = mkdtempSync(join(tmpdir(), 'signet-cli-args-'))
    key = await createApiKey(server, 'cli-args', {
      buckets: ['local'],
      operations: ['get', 'head', 'put', 'delete', 'list', 'share', 'multipart'],
    })
    writeFileSync(join(work, 'f.txt'), 'the file')
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('refuses a stray word, naming it, and says what was meant', () => {
    const days = signet([
      'share',
      './f.txt',
      '--to',
      's3://local/args/',
      '--expires-in',
      '3',
      'days',
    ])
    expect(days.status).toBe(2)
    expect(days.stderr).toContain(
      `unexpected argument "days" (did you mean --expires-in '3 days'?)`,
    )
    expect(days.stdout).toBe('')
    const extra = signet(['share', './f.txt', 'extra1', 'extra2'])
    expect(extra.status).toBe(2)
    expect(extra.stderr).toContain('unexpected argument "extra1"')
    // Quoted, it is what it says: a link that lives three days.
    const made = signet([
      'share',
      './f.txt',
      '--to',
      's3://local/args/',
      '--expires-in',
      '3 days',
      '--json',
    ])
    expect(made.status, made.stderr).toBe(0)
    const share = JSON.parse(made.stdout) as { expiresAt: string }
    const lives = (Date.parse(share.expiresAt) - Date.now()) / 1000
    expect(lives).toBeGreaterThan(3 * 86_400 - 60)
    expect(lives).toBeLessThanOrEqual(3 * 86_400)
  })

  it('checks every option before a byte moves: a bad one leaves the bucket unchanged', async () => {
    const before = keysUnder('bad/')
    for (const bad of [
      ['--expires-in', '3x'],
      ['--expires-in', '400d'],
      ['--max-downloads', '0'],
    ]) {
      const run = signet(['share', './f.txt', '--to', 's3://local/bad/', ...bad])
      expect(run.status, bad.join(' ')).toBe(2)
      expect(run.stderr).toContain(bad[0])
    }
    expect(
      signet(['share', './f.txt', '--to', 's3://local/bad/', '--notify', 'nobody']).status,
    ).toBe(2)
    expect(keysUnder('bad/')).toEqual(before)
    expect(before).toEqual([])
    const long = signet(['share', './f.txt', '--to', 's3://local/bad/', '--expires-in', '400d'])
    expect(long.stderr).toContain('at most 365 days')
    // The key's own limits, read from /v1/me before the upload.
    const short = await createApiKey(server, 'short', {
      buckets: ['local'],
      operations: ['get', 'head', 'put', 'list', 'share'],
      maxExpiresIn: 3600,
      maxContentLength: 4,
    })
    const lives = signet(['share', './f.txt', '--to', 's3://local/bad/', '--expires-in', '2h'], {
      SIGNET_TOKEN: short,
    })
    expect(lives.status).toBe(2)
    expect(lives.stderr).toContain('--expires-in must be at most 1 hour for this key')
    const big = signet(['share', './f.txt', '--to', 's3://local/bad/'], { SIGNET_TOKEN: short })
    expect(big.status).toBe(2)
    expect(big.stderr).toContain('this key uploads at most 4 B')
    expect(keysUnder('bad/')).toEqual([])
  })

  it('says an unknown option in one line with a suggestion, then the usage, not the whole help', () => {
    const typo = signet(['share', './f.txt', '--expire-in', '1h'])
    expect(typo.status).toBe(2)
    const lines = typo.stderr.trimEnd().split('\n')
    expect(lines[0]).toBe('signet share: unknown option --expire-in (did you mean --expires-in?)')
    expect(lines[1]).toMatch(/^usage: signet share <file>/)
    expect(typo.stderr).not.toContain('common options')
    expect((typo.stderr.match(/'/g) ?? []).length % 2).toBe(0)
    expect(signet(['ls', '--max-downloads']).stderr.split('\n')[0]).toBe(
      'signet ls: unknown option --max-downloads',
    )
  })

  it('prints its version', () => {
    const version = signet(['--version'])
    expect(version.status).toBe(0)
    const pkg = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    )
    expect(version.stdout).toBe(`signet ${pkg.version}\n`)
  })

  it('ends with the exit codes docs/CLI.md lists', () => {
    expect(signet(['ls', 's3://local/']).status).toBe(0)
    expect(signet(['presign', 's3://local']).status).toBe(2)
    expect(signet(['keys', 'list'], { SIGNET_TOKEN: 'sgn_wrong' }).status).toBe(3)
    const missing = signet(['rm', 's3://local/no/such/object.txt'])
    expect(missing.status).toBe(4)
    expect(missing.stderr).toContain('no such object')
    const profile = signet(['ls'], { SIGNET_URL: '', SIGNET_TOKEN: '', SIGNET_PROFILE: 'nosuch' })
    expect(profile.status).toBe(2)
    expect(profile.stderr).toContain('no profile "nosuch"')
    const away = signet(['ls'], { SIGNET_URL: 'http://127.0.0.1:9' })
    expect(away.status).toBe(5)
    expect(away.stderr).toContain('http://127.0.0.1:9')
    expect(signet(['frobnicate']).status).toBe(2)
  })

  it('lists the buckets, a bucket, and refuses to replace a local file without --overwrite', () => {
    const buckets = signet(['ls'])
    expect(buckets.status, buckets.stderr).toBe(0)
    expect(buckets.stdout).toBe('s3://local/\n')
    expect(signet(['cp', './f.txt', 's3://local/top.txt']).status).toBe(0)
    const bucket = signet(['ls', 's3://local'])
    expect(bucket.status, bucket.stderr).toBe(0)
    expect(bucket.stdout).toMatch(/ top\.txt$/m)
    writeFileSync(join(work, 'kept.txt'), 'mine')
    const refused = signet(['cp', 's3://local/top.txt', './kept.txt'])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain('kept.txt exists: give --overwrite to replace it')
    expect(readFileSync(join(work, 'kept.txt'), 'utf8')).toBe('mine')
    expect(signet(['cp', 's3://local/top.txt', './kept.txt', '--overwrite']).status).toBe(0)
    expect(readFileSync(join(work, 'kept.txt'), 'utf8')).toBe('the file')
  })

  it('syncs with --exclude, says with --dryrun and changes nothing, and --delete removes exactly what is gone', () => {
    const dir = join(work, 'tree')
    mkdirSync(join(dir, 'sub'), { recursive: true })
    for (const name of ['a.txt', 'b.txt', 'sub/c.txt', 'skip.tmp']) {
      writeFileSync(join(dir, name), `bytes of ${name}`)
    }
    const first = signet(['sync', dir, 's3://local/tree/', '--exclude', '*.tmp'])
    expect(first.status, first.stderr).toBe(0)
    expect(keysUnder('tree/')).toEqual(['tree/a.txt', 'tree/b.txt', 'tree/sub/c.txt'])
    rmSync(join(dir, 'b.txt'))
    writeFileSync(join(dir, 'd.txt'), 'new')
    const dry = signet([
      'sync',
      dir,
      's3://local/tree/',
      '--exclude',
      '*.tmp',
      '--delete',
      '--dryrun',
    ])
    expect(dry.status, dry.stderr).toBe(0)
    expect(dry.stdout).toContain(`(dryrun) upload: ${join(dir, 'd.txt')} to s3://local/tree/d.txt`)
    expect(dry.stdout).toContain('(dryrun) delete: s3://local/tree/b.txt')
    expect(dry.stdout).not.toContain('skip.tmp')
    expect(keysUnder('tree/')).toEqual(['tree/a.txt', 'tree/b.txt', 'tree/sub/c.txt'])
    const real = signet(['sync', dir, 's3://local/tree/', '--exclude', '*.tmp', '--delete'])
    expect(real.status, real.stderr).toBe(0)
    expect(keysUnder('tree/')).toEqual(['tree/a.txt', 'tree/d.txt', 'tree/sub/c.txt'])
    // Down, --delete removes the local file the prefix does not have (the excluded one stays).
    writeFileSync(join(dir, 'local-only.txt'), 'x')
    const down = signet(['sync', 's3://local/tree/', dir, '--exclude', '*.tmp', '--delete'])
    expect(down.status, down.stderr).toBe(0)
    expect(existsSync(join(dir, 'local-only.txt'))).toBe(false)
    expect(existsSync(join(dir, 'skip.tmp'))).toBe(true)

    const rmDry = signet(['rm', '-r', '--dryrun', 's3://local/tree/'])
    expect(rmDry.status, rmDry.stderr).toBe(0)
    expect(rmDry.stdout).toContain('(dryrun) delete: s3://local/tree/a.txt')
    expect(keysUnder('tree/')).toHaveLength(3)
  })
})
