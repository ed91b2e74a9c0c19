// The console's size, as people's phones download it: its script (built by the test setup, as
// `npm start` builds it) stays under 60 KiB gzip, with no schema library in it, and each of its
// modules (one per view) under 300 lines.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')

describe("the console's script", () => {
  it('is under 60 KiB gzip and carries no schema library', () => {
    const script = readFileSync(join(ROOT, 'public', 'console', 'app.js'))
    expect(gzipSync(script).length).toBeLessThan(60 * 1024)
    expect(script.toString('utf8')).not.toContain('ZodError')
  })

  it('is one module per view, each under 300 lines', () => {
    const dir = join(ROOT, 'web', 'console')
    const modules = readdirSync(dir).filter((name) => name.endsWith('.ts'))
    expect(modules).toEqual(
      expect.arrayContaining(['send.ts', 'receive.ts', 'links.ts', 'activity.ts', 'keys.ts']),
    )
    for (const name of modules) {
      const lines = readFileSync(join(dir, name), 'utf8').split('\n').length
      expect(lines, name).toBeLessThanOrEqual(300)
    }
  })
})
