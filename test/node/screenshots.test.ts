// `npm run screenshots` makes docs/CONSOLE.md's pictures from the real console and pages: run
// here into a scratch folder, each picture a PNG of the width it names; and every picture the
// docs show is one the script makes, so none can go stale unnoticed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { makeScreenshots, PICTURES } from '../../scripts/screenshots.mjs'
import { haveChromium } from './chromium'

const ROOT = join(import.meta.dirname, '..', '..')

/** A PNG's width, from its IHDR chunk. */
function pngWidth(bytes: Buffer): number {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
  return bytes.readUInt32BE(16)
}

describe.skipIf(!haveChromium('screenshots'))('npm run screenshots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-screenshots-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('makes every picture the docs show, at the width it names', async () => {
    const made = await makeScreenshots(dir)
    expect(made).toHaveLength(PICTURES.length)
    for (const path of made) {
      const width = Number(/-(\d+)\.png$/.exec(path)?.[1])
      expect(pngWidth(readFileSync(path)), path).toBe(width)
    }
    const shown = [
      ...readFileSync(join(ROOT, 'docs', 'CONSOLE.md'), 'utf8').matchAll(/\(images\/([^)]+)\)/g),
      ...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/\(docs\/images\/([^)]+)\)/g),
    ].map((match) => match[1])
    expect(shown.length).toBeGreaterThan(4)
    for (const name of shown) expect(PICTURES, name).toContain(name)
  }, 180_000)
})
