// The `signet` CLI end to end against the local default that `npm start` serves (scripts/dev.mjs:
// .dev.vars, local D1 and R2, wrangler dev), with curl doing what a user's script does with its output.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalDefault } from './worker-server'

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js')

describe('the signet CLI', () => {
  let server: Awaited<ReturnType<typeof startLocalDefault>>
  let key: string

  beforeAll(async () => {
    server = await startLocalDefault()
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  function signet(args: string[], token = key, input?: string) {
    const run = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      env: { ...process.env, SIGNET_URL: server.origin, SIGNET_TOKEN: token },
      ...(input === undefined ? {} : { input }),
    })
    return { status: run.status, stdout: run.stdout, stderr: run.stderr }
  }

  function curl(args: string[]) {
    const run = spawnSync('curl', ['-s', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' })
    const lines = run.stdout.split('\n')
    return { status: Number(lines.pop()), body: lines.join('\n') }
  }

  it('presign → curl upload → share → download → revoke → 410', () => {
    const created = signet(
      ['keys', 'create', '--name', 'cli', '--bucket', 'local', '--op', 'get,head,put,share'],
      server.adminToken,
    )
    expect(created.status, created.stderr).toBe(0)
    key = created.stdout.trim()
    expect(key).toMatch(/^sgn_[A-Za-z0-9_-]{43}$/)

    const presigned = signet([
      'presign',
      's3://local/cli/hello world.txt',
      '--method',
      'put',
      '--content-type',
      'text/plain',
      '--expires-in',
      '5m',
    ])
    expect(presigned.status, presigned.stderr).toBe(0)
    const url = presigned.stdout.trim()
    expect(url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/s3\/local\/cli\/hello%20world\.txt\?X-Amz-Algorithm=/,
    )
    expect(presigned.stdout.split('\n').filter(Boolean)).toHaveLength(1)
    expect(presigned.stderr).toContain("-H 'Content-Type: text/plain'")
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('300')

    const uploaded = curl([
      '-X',
      'PUT',
      '-H',
      'Content-Type: text/plain',
      '--data-binary',
      'hello from the cli',
      url,
    ])
    expect(uploaded.status).toBe(200)

    const shared = signet([
      'share',
      's3://local/cli/hello world.txt',
      '--expire',
      '1d',
      '--max-downloads',
      '3',
    ])
    expect(shared.status, shared.stderr).toBe(0)
    const link = shared.stdout.trim()
    expect(link).toMatch(/\/s\/[A-Za-z0-9_-]{22}$/)

    const downloaded = curl(['-L', link])
    expect(downloaded.status).toBe(200)
    expect(downloaded.body).toBe('hello from the cli')

    // A browser's look at the link's page is a view, not a download.
    const viewed = curl(['-H', 'Accept: text/html', link])
    expect(viewed.status).toBe(200)
    expect(viewed.body).toContain('hello world.txt')

    const listed = signet(['shares'])
    expect(listed.status).toBe(0)
    expect(listed.stdout).toMatch(
      new RegExp(`${link.split('/').pop()}\\s+active\\s+1 view\\s+1/3 downloads`),
    )
    const json = signet(['shares', '--json'])
    expect(JSON.parse(json.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ url: link, downloads: 1, views: 1 })]),
    )

    // A password from stdin (never an argument): curl -u :password opens the link.
    const locked = signet(
      ['share', 's3://local/cli/hello world.txt', '--password-stdin', '--json'],
      key,
      'mellow yellow 7\n',
    )
    expect(locked.status, locked.stderr).toBe(0)
    const lockedShare = JSON.parse(locked.stdout)
    expect(lockedShare.passwordProtected).toBe(true)
    expect(locked.stdout).not.toContain('mellow')
    expect(curl([lockedShare.url]).status).toBe(401)
    const opened = curl(['-L', '-u', ':mellow yellow 7', lockedShare.url])
    expect(opened).toEqual({ status: 200, body: 'hello from the cli' })
    expect(signet(['share', 's3://local/x', '--password-stdin'], key, 'short\n').status).toBe(2)

    const revoked = signet(['revoke', link])
    expect(revoked.status, revoked.stderr).toBe(0)
    const gone = curl([link])
    expect(gone.status).toBe(410)
    expect(JSON.parse(gone.body).error.code).toBe('share_revoked')

    const inspected = signet(['inspect', url, '--method', 'put'])
    expect(inspected.status).toBe(0)
    expect(inspected.stdout).toContain('object      local / cli/hello world.txt')
    expect(inspected.stdout).toContain('content-type')
  })

  it('request → an upload link that curl -T sends files through, within its limits', () => {
    // A prefix of this run's own: the local default keeps its bucket between runs.
    const inbox = `cli/inbox-${Date.now()}/`
    const requested = signet([
      'request',
      `s3://local/${inbox}`,
      '--max-files',
      '2',
      '--max-size',
      '1KiB',
      '--expire',
      '1d',
    ])
    expect(requested.status, requested.stderr).toBe(0)
    const link = requested.stdout.trim()
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/u\/[A-Za-z0-9_-]{22}$/)
    const file = join(import.meta.dirname, '..', '..', 'package.json')
    const small = join(import.meta.dirname, '..', '..', 'biome.json')
    const big = curl(['-T', file, `${link}/`])
    expect(big.status).toBe(413)
    expect(JSON.parse(big.body).error.code).toBe('payload_too_large')
    const first = curl(['-T', small, `${link}/`])
    expect(first.status, first.body).toBe(201)
    expect(JSON.parse(first.body).key).toBe(`${inbox}biome.json`)
    const second = curl(['-T', small, `${link}/`])
    expect(JSON.parse(second.body).key).toBe(`${inbox}biome (2).json`)
    const third = curl(['-T', small, `${link}/`])
    expect(third.status).toBe(410)
    expect(JSON.parse(third.body).error.code).toBe('upload_link_exhausted')
    expect(signet(['request', 's3://local/cli/inbox/', '--max-size', 'lots']).status).toBe(2)
  })

  it('login saves a profile (0600) that later commands use without env vars; env vars still win', () => {
    const home = mkdtempSync(join(tmpdir(), 'signet-profile-'))
    const bare = (args: string[], env: Record<string, string> = {}) => {
      const { SIGNET_URL: _u, SIGNET_TOKEN: _t, ...rest } = process.env
      const run = spawnSync(process.execPath, [CLI, ...args], {
        encoding: 'utf8',
        env: { ...rest, XDG_CONFIG_HOME: home, ...env },
      })
      return { status: run.status, stdout: run.stdout, stderr: run.stderr }
    }
    try {
      expect(bare(['shares']).status).toBe(2)
      const refused = bare(['login', '--url', server.origin, '--token', 'sgn_wrong'])
      expect(refused.status).toBe(3)
      const saved = bare(['login', '--url', server.origin, '--token', key])
      expect(saved.status, saved.stderr).toBe(0)
      expect(saved.stdout).toContain(`signed in to ${server.origin} as cli (profile default`)
      const file = join(home, 'signet', 'config.json')
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(bare(['shares']).status).toBe(0)
      expect(bare(['shares'], { SIGNET_TOKEN: 'sgn_wrong' }).status).toBe(3)
      expect(bare(['shares', '--profile', 'other']).status).toBe(2)
      const other = bare(['login', '--profile', 'other', '--url', server.origin, '--token-stdin'])
      expect(other.status).toBe(2)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  it('ls and rm: a folder level, everything with -r, one object, everything under a prefix', () => {
    const root = `cli-ls-${Date.now()}/`
    const made = signet(
      [
        'keys',
        'create',
        '--name',
        'lister',
        '--bucket',
        'local',
        '--op',
        'get,head,put,delete,list',
        '--prefix',
        root,
      ],
      server.adminToken,
    )
    expect(made.status, made.stderr).toBe(0)
    const lister = made.stdout.trim()
    const file = join(import.meta.dirname, '..', '..', 'biome.json')
    for (const key of ['a.json', 'two words.json', 'sub/b.json', 'sub/deep/c.json']) {
      const copied = signet(['cp', file, `s3://local/${root}${key}`], lister)
      expect(copied.status, copied.stderr).toBe(0)
    }
    const level = signet(['ls', `s3://local/${root}`], lister)
    expect(level.status, level.stderr).toBe(0)
    const lines = level.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^\s+PRE {2}sub\/$/)
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC +890 B {2}a\.json$/)
    expect(lines[2]).toMatch(/ {2}two words\.json$/)
    expect(lines).toHaveLength(3)
    const all = signet(['ls', '-r', `s3://local/${root}`, '--json'], lister)
    expect(JSON.parse(all.stdout).objects.map((o: { key: string }) => o.key)).toEqual(
      ['a.json', 'sub/b.json', 'sub/deep/c.json', 'two words.json'].map((k) => `${root}${k}`),
    )
    expect(signet(['ls', 's3://local/elsewhere/'], lister).status).toBe(3)
    expect(signet(['rm', `s3://local/${root}sub/`], lister).status).toBe(2)
    const one = signet(['rm', `s3://local/${root}a.json`], lister)
    expect(one.stdout).toBe(`delete: s3://local/${root}a.json\n`)
    const rest = signet(['rm', '-r', `s3://local/${root}sub/`], lister)
    expect(rest.stdout.trim().split('\n').sort()).toEqual([
      `delete: s3://local/${root}sub/b.json`,
      `delete: s3://local/${root}sub/deep/c.json`,
    ])
    const left = signet(['ls', '-r', `s3://local/${root}`, '--json'], lister)
    expect(JSON.parse(left.stdout).objects.map((o: { key: string }) => o.key)).toEqual([
      `${root}two words.json`,
    ])
  })

  it('cp -r a tree up and down, byte for byte; sync copies only what differs', () => {
    const root = `cli-tree-${Date.now()}/`
    const made = signet(
      [
        'keys',
        'create',
        '--name',
        'tree',
        '--bucket',
        'local',
        '--op',
        'get,head,put,delete,list,multipart',
        '--prefix',
        root,
      ],
      server.adminToken,
    )
    const tree = made.stdout.trim()
    const work = mkdtempSync(join(tmpdir(), 'signet-tree-'))
    try {
      const up = join(work, 'up')
      const big = Buffer.alloc(17 * 1024 * 1024)
      for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i)
      const files: Record<string, Buffer | string> = {
        'a.txt': 'alpha',
        'sub/b.bin': Buffer.from([0, 1, 2, 255]),
        'sub/deep/two words.txt': 'deep down',
        'big/video.bin': big,
      }
      for (const [rel, bytes] of Object.entries(files)) {
        mkdirSync(join(up, rel, '..'), { recursive: true })
        writeFileSync(join(up, rel), bytes)
      }
      const notRecursive = signet(['cp', up, `s3://local/${root}`], tree)
      expect(notRecursive.status).toBe(2)
      expect(notRecursive.stderr).toContain('give -r')
      const copied = signet(['cp', '-r', up, `s3://local/${root}tree/`], tree)
      expect(copied.status, copied.stderr).toBe(0)
      expect(copied.stdout).toMatch(/^copied 4 files from /)
      const down = join(work, 'down')
      const fetched = signet(['cp', '-r', `s3://local/${root}tree/`, down], tree)
      expect(fetched.status, fetched.stderr).toBe(0)
      for (const [rel, bytes] of Object.entries(files)) {
        expect(readFileSync(join(down, rel)).equals(Buffer.from(bytes)), rel).toBe(true)
      }
      expect(signet(['sync', up, `s3://local/${root}tree/`], tree).stdout).toMatch(
        /^synced 0 files/,
      )
      writeFileSync(join(up, 'a.txt'), 'ALPHA')
      writeFileSync(join(up, 'sub', 'new.txt'), 'new one')
      const synced = signet(['sync', up, `s3://local/${root}tree/`], tree)
      expect(synced.status, synced.stderr).toBe(0)
      expect(synced.stdout).toMatch(/^synced 2 files/)
      const back = signet(['sync', `s3://local/${root}tree/`, down], tree)
      expect(back.stdout).toMatch(/^synced 2 files/)
      expect(readFileSync(join(down, 'a.txt'), 'utf8')).toBe('ALPHA')
      expect(readFileSync(join(down, 'sub', 'new.txt'), 'utf8')).toBe('new one')
      expect(signet(['sync', `s3://local/${root}tree/`, down], tree).stdout).toMatch(
        /^synced 0 files/,
      )
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  }, 120_000)

  it('gives scripts exit codes they can rely on, and clear errors', () => {
    expect(signet(['presign', 's3://local']).status).toBe(2)
    expect(signet(['frobnicate']).status).toBe(2)
    expect(signet(['share', 's3://local/x', '--expire', 'soon']).status).toBe(2)
    const unauthorized = signet(['presign', 's3://local/x'], 'sgn_wrong')
    expect(unauthorized.status).toBe(3)
    expect(unauthorized.stderr).toMatch(
      /^signet: presign: unauthorized: .+\(request [0-9a-f-]{36}\)/,
    )
    expect(signet(['keys', 'list']).status).toBe(3)
    expect(signet(['revoke', 'AAAAAAAAAAAAAAAAAAAAAA']).status).toBe(4)
    const invalid = signet(['presign', 's3://local/a/../b'])
    expect(invalid.status).toBe(1)
    expect(invalid.stderr).toContain('invalid_request')
    const listed = signet(['keys', 'list'], server.adminToken)
    expect(listed.status).toBe(0)
    expect(listed.stdout).toMatch(/key_[0-9a-f]{24}\s+active\s+cli/)
  })
})
