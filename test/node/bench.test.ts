// The benchmarks still run (`npm run bench`, `npm run bench:http`), at a size that proves it and
// measures nothing: their figures are read in docs, never asserted here.
import { spawnSync } from 'node:child_process'
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

  it('npm run bench:http serves the bundle and prints every route and the per-use counts', () => {
    const run = npmRun('bench:http', { BENCH_SECONDS: '1', BENCH_MIXED_SECONDS: '1' })
    expect(run.status, run.err.slice(-2000)).toBe(0)
    for (const line of [
      'GET /healthz',
      'POST /v1/presign',
      'GET /s/:id (hot counted link)',
      'Per 1,000 uses',
    ]) {
      expect(run.out).toContain(line)
    }
  }, 320_000)
})
