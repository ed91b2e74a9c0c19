// The share link's error page in a real browser: Debian's headless Chromium renders it and
// takes a screenshot (test-results/), and the rendered text says what happened and no more.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker, type WorkerServer } from './worker-server'

const CHROMIUM = '/usr/bin/chromium'
const RESULTS = join(import.meta.dirname, '..', '..', 'test-results')

function haveChromium(): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI) throw new Error('chromium must be installed in CI (.ci/run installs it)')
  console.warn('SKIPPED share-page-browser: needs Debian chromium (apt-get install chromium).')
  return false
}

function chromium(args: string[]) {
  const profile = mkdtempSync(join(tmpdir(), 'signet-chromium-'))
  try {
    return spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
        ...args,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    )
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
}

describe.skipIf(!haveChromium())('the share error page in Chromium', () => {
  let server: WorkerServer
  let link: string

  beforeAll(async () => {
    server = await startWorker()
    const created = await fetch(`${server.origin}/v1/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'browser',
        scope: { buckets: ['local'], operations: ['share'] },
      }),
    })
    const { key } = (await created.json()) as { key: string }
    const share = await fetch(`${server.origin}/v1/shares`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ bucket: 'local', key: 'private/salaries-2026.xlsx' }),
    })
    const { id, url } = (await share.json()) as { id: string; url: string }
    const revoked = await fetch(`${server.origin}/v1/shares/${id}`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${key}` },
    })
    expect(revoked.status).toBe(204)
    link = url
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  it('renders the revoked page and takes a screenshot', () => {
    const dom = chromium(['--dump-dom', link])
    expect(dom.status, dom.stderr.slice(-2000)).toBe(0)
    expect(dom.stdout).toContain('<h1>Link revoked</h1>')
    expect(dom.stdout).not.toContain('salaries')

    mkdirSync(RESULTS, { recursive: true })
    const file = join(RESULTS, 'share-revoked.png')
    rmSync(file, { force: true })
    const shot = chromium([
      '--window-size=800,500',
      '--hide-scrollbars',
      `--screenshot=${file}`,
      link,
    ])
    expect(shot.status, shot.stderr.slice(-2000)).toBe(0)
    const png = readFileSync(file)
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    )
    expect(png.length).toBeGreaterThan(2000)
  }, 120_000)
})
