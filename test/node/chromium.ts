// Debian's headless Chromium for browser tests: started with the flags this machine needs (no
// sandbox as root, no background networking on a closed network) and a throwaway profile.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CHROMIUM = '/usr/bin/chromium'

/** The flags this machine needs, for both ways of running Chromium (CLI here, puppeteer). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** True when Chromium is installed; in CI its absence fails the suite, elsewhere it skips. */
export function haveChromium(suite: string): boolean {
  if (existsSync(CHROMIUM)) return true
  if (process.env.CI) throw new Error('chromium must be installed in CI (.ci/run installs it)')
  console.warn(`SKIPPED ${suite}: needs Debian chromium (apt-get install chromium).`)
  return false
}

/** Runs Chromium headless with `args`; asynchronous, so pages served by this process answer. */
export async function chromium(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const profile = mkdtempSync(join(tmpdir(), 'signet-chromium-'))
  try {
    return await new Promise((resolve) => {
      const child = spawn(
        CHROMIUM,
        ['--headless', ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args],
        { timeout: 60_000 },
      )
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('close', (status) => resolve({ status, stdout, stderr }))
    })
  } finally {
    rmSync(profile, { recursive: true, force: true })
  }
}
