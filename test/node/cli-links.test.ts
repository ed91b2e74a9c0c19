// The built CLI's link commands against the bundled Worker (Miniflare): shares with their URLs,
// stats, the audit, edit (shares and upload links), requests (the upload links and what one
// received), revoke of an upload link, keys that expire, webhooks, and the activity feed (with
// --follow, as tail -f). Each with its happy path and one error path.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js')

describe('the CLI manages links, keys, webhooks and reads the activity', () => {
  let server: SignetServer
  let key: string
  let work: string

  function env(token: string) {
    return {
      ...process.env,
      SIGNET_URL: server.origin,
      SIGNET_TOKEN: token,
      SIGNET_PROFILE: '',
      XDG_CONFIG_HOME: join(work, 'config'),
    }
  }

  function signet(args: string[], token = key, input?: string) {
    const run = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      cwd: work,
      env: env(token),
      ...(input === undefined ? {} : { input }),
    })
    return { status: run.status, stdout: run.stdout, stderr: run.stderr }
  }

  async function api(path: string, init: RequestInit = {}) {
    return fetch(`${server.origin}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${key}`, ...(init.headers ?? {}) },
    })
  }

  beforeAll(async () => {
    server = await startSignet({ SIGNET_DEVELOPMENT: 'true' })
    work = mkdtempSync(join(tmpdir(), 'signet-cli-links-'))
    const made = signet(
      ['keys', 'create', '--name', 'links', '--bucket', 'local', '--op', 'get,head,put,list,share'],
      server.adminToken,
    )
    expect(made.status, made.stderr).toBe(0)
    key = made.stdout.trim()
    writeFileSync(join(work, 'report.pdf'), 'the report')
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('lists shares with their URLs, reads stats and the audit, and edits a share', async () => {
    const link = signet([
      'share',
      './report.pdf',
      '--to',
      's3://local/cli/',
      '--max-downloads',
      '2',
    ])
    expect(link.status, link.stderr).toBe(0)
    const url = link.stdout.trim()
    const id = url.split('/').pop() as string
    const listed = signet(['shares'])
    expect(listed.stdout).toContain(url)
    const json = JSON.parse(signet(['shares', '--json']).stdout) as { url: string }[]
    expect(json.map((share) => share.url)).toContain(url)
    expect((await fetch(url, { redirect: 'manual', headers: { Accept: '*/*' } })).status).toBe(302)
    const stats = signet(['stats', url])
    expect(stats.status, stats.stderr).toBe(0)
    expect(stats.stdout).toMatch(/1 download\b/)
    const uses = signet(['uses', id])
    expect(uses.status, uses.stderr).toBe(0)
    expect(uses.stdout).toMatch(/downloaded/)
    expect(signet(['stats', 'AAAAAAAAAAAAAAAAAAAAAA']).status).toBe(4)

    const edited = signet(['edit', url, '--max-downloads', '5', '--message', 'Now five'])
    expect(edited.status, edited.stderr).toBe(0)
    const read = (await (await api(`/v1/shares/${id}`)).json()) as {
      maxDownloads: number
      message: string
    }
    expect(read).toMatchObject({ maxDownloads: 5, message: 'Now five' })
    expect(signet(['edit', url, '--max-downloads', 'none']).status).toBe(0)
    expect(
      ((await (await api(`/v1/shares/${id}`)).json()) as { maxDownloads: null }).maxDownloads,
    ).toBeNull()
    const wrong = signet(['edit', url, '--max-files', '3'])
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toContain('--max-files is for upload links')
    expect(signet(['edit', url]).status).toBe(2)
  })

  it('lists upload links and what one received, edits one and revokes it', async () => {
    const made = signet(['request', 's3://local/inbox/', '--max-files', '3', '--message', 'Scans'])
    expect(made.status, made.stderr).toBe(0)
    const url = made.stdout.trim()
    const sent = await fetch(`${url}/scan.pdf`, {
      method: 'PUT',
      body: 'scanned',
      headers: { 'Signet-Sender': 'Robin' },
    })
    expect(sent.status).toBe(201)
    const all = signet(['requests'])
    expect(all.status, all.stderr).toBe(0)
    expect(all.stdout).toMatch(new RegExp(`1/3 files .*${url.replaceAll('/', '\\/')}`))
    const one = signet(['requests', url])
    expect(one.status, one.stderr).toBe(0)
    expect(one.stdout).toMatch(/7 B {2}inbox\/scan\.pdf {2}from Robin/)
    expect(signet(['requests', `${server.origin}/s/AAAAAAAAAAAAAAAAAAAAAA`]).status).toBe(2)

    expect(signet(['edit', url, '--max-files', '5']).status).toBe(0)
    const id = url.split('/').pop() as string
    const link = (await (await api(`/v1/upload-links/${id}`)).json()) as { maxFiles: number }
    expect(link.maxFiles).toBe(5)
    expect(signet(['edit', url, '--max-downloads', '2']).status).toBe(2)

    const revoked = signet(['revoke', url])
    expect(revoked.status, revoked.stderr).toBe(0)
    expect((await fetch(`${url}/late.pdf`, { method: 'PUT', body: 'x' })).status).toBe(410)
    expect(signet(['revoke', 'AAAAAAAAAAAAAAAAAAAAAA']).status).toBe(4)
  })

  it('makes a key that expires: it carries expiresAt and is refused once past it', async () => {
    const hour = signet(
      ['keys', 'create', '--name', 'hour', '--bucket', 'local', '--expires-in', '1h', '--json'],
      server.adminToken,
    )
    expect(hour.status, hour.stderr).toBe(0)
    const made = JSON.parse(hour.stdout) as { expiresAt: string }
    const lives = Date.parse(made.expiresAt) - Date.now()
    expect(lives).toBeGreaterThan(3_540_000)
    expect(lives).toBeLessThanOrEqual(3_600_000)
    const brief = signet(
      ['keys', 'create', '--name', 'brief', '--bucket', 'local', '--expires-in', '2s'],
      server.adminToken,
    )
    const token = brief.stdout.trim()
    expect(signet(['ls'], token).status).toBe(0)
    const listed = signet(['keys', 'list'], server.adminToken)
    expect(listed.stdout).toMatch(/active\s+hour\s+until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/)
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const refused = signet(['ls'], token)
    expect(refused.status).toBe(3)
    expect(refused.stderr).toContain('expired')
    expect(signet(['keys', 'list'], server.adminToken).stdout).toMatch(/expired\s+brief/)
    expect(
      signet(
        ['keys', 'create', '--name', 'x', '--bucket', 'local', '--expires-in', '11y'],
        server.adminToken,
      ).status,
    ).toBe(2)
  })

  it('adds, lists, reads and removes a webhook', () => {
    const added = signet([
      'webhooks',
      'add',
      'http://127.0.0.1:9/hook',
      '--events',
      'object.created',
    ])
    expect(added.status, added.stderr).toBe(0)
    const [id, secret] = added.stdout.trim().split('\n')
    expect(secret).toMatch(/^secret \(shown once\): whsec_/)
    expect(signet(['webhooks', 'list']).stdout).toContain(
      `${id}  http://127.0.0.1:9/hook  object.created`,
    )
    const deliveries = signet(['webhooks', 'deliveries', id as string])
    expect(deliveries.status, deliveries.stderr).toBe(0)
    expect(signet(['webhooks', 'rm', id as string]).status).toBe(0)
    expect(signet(['webhooks', 'list']).stdout).not.toContain(id)
    const bad = signet(['webhooks', 'add', 'http://127.0.0.1:9/hook', '--events', 'object.made'])
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('no event object.made')
    expect(signet(['webhooks', 'rm', 'wh_nosuch']).status).toBe(4)
  })

  it('prints the activity, and with --follow what happens next', async () => {
    const link = signet(['request', 's3://local/feed/']).stdout.trim()
    expect((await fetch(`${link}/first.txt`, { method: 'PUT', body: 'one' })).status).toBe(201)
    let seen = ''
    for (let tries = 0; tries < 40 && !seen.includes('feed/first.txt'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      seen = signet(['activity']).stdout
    }
    expect(seen).toMatch(/UTC {2}received feed\/first\.txt \(3 B\)/)
    const follower = spawn(
      process.execPath,
      [CLI, 'activity', '--follow', '--json', '--interval', '1'],
      {
        cwd: work,
        env: env(key),
      },
    )
    let out = ''
    follower.stdout.on('data', (chunk) => (out += chunk))
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500))
      expect((await fetch(`${link}/second.txt`, { method: 'PUT', body: 'two' })).status).toBe(201)
      const until = Date.now() + 20_000
      while (!out.includes('feed/second.txt') && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      const lines = out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; data: { key: string } })
      expect(lines.filter((event) => event.data.key === 'feed/second.txt')).toHaveLength(1)
      expect(lines.at(-1)?.type).toBe('object.created')
    } finally {
      follower.kill('SIGINT')
    }
    expect(signet(['activity', '--limit', '500']).status).toBe(2)
  })
})
