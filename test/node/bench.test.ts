// The benchmarks still run (`npm run bench`, `npm run bench:http`), at a size that proves it and
// measures nothing: their figures are read in docs, never asserted here.
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')

function npmRun(script: string, env: Record<string, string>) {
  const run = spawnSync('npm', ['run', '--silent', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env, WRANGLER_SEND_METRICS: 'false' },
    timeout: 300_000,
  })
  return { status: run.status, out: run.stdout, err: run.stderr }
}

describe('the benchmarks', () => {
  it('npm run bench signs with every variant, zips, and prints the ratios', () => {
    const run = npmRun('bench', {
      BENCH_N: '200',
      BENCH_ROUNDS: '1',
      BENCH_ZIP_MIB: '4',
      BENCH_ZIP_FILES: '2',
    })
    expect(run.status, run.err.slice(-2000)).toBe(0)
    for (const line of [
      'floor',
      'signet',
      'aws4fetch',
      'signet / aws4fetch =',
      'signet / floor',
      'A folder zip of 4 MiB in 2 files',
      'zip / pass-through =',
    ]) {
      expect(run.out).toContain(line)
    }
  }, 320_000)

  it('npm run bench:http serves the bundle with working queues and prints every route, its failures split, and the per-use counts', () => {
    const run = npmRun('bench:http', {
      BENCH_SECONDS: '1',
      BENCH_ROUNDS: '1',
      BENCH_MIXED_SECONDS: '1',
      BENCH_SAMPLES: '20',
    })
    expect(run.status, run.err.slice(-2000) + run.out.slice(-2000)).toBe(0)
    for (const line of [
      'GET /healthz',
      'POST /v1/presign',
      'GET /s/:id (hot counted link)',
      'mixed (presign, share uses, gateway, health) c=64',
      '+CPU µs',
      'timeouts',
      'Per 20 uses',
    ]) {
      expect(run.out).toContain(line)
    }
    // Every share use put its events on the queue: a refused send is logged, and fails here.
    expect(`${run.out}${run.err}`).not.toMatch(/share events|Unknown Internal Error/)
  }, 320_000)

  it('npm run bench:profile profiles a share use in workerd and names where its CPU goes', () => {
    const run = npmRun('bench:profile', {
      BENCH_SECONDS: '1',
      BENCH_TOP: '5',
      BENCH_INSPECTOR_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
      BENCH_PROFILE_DIR: join(tmpdir(), `signet-profiles-${process.pid}`),
    })
    expect(run.status, run.err.slice(-2000)).toBe(0)
    for (const route of ['healthz', 'presign', 'share-use', 'counted-use']) {
      expect(run.out).toMatch(new RegExp(`^${route}: \\d+ req/s, [\\d.]+ ms workerd CPU/req`, 'm'))
    }
    expect(run.out).toContain('useShareLink')
  }, 320_000)
})
