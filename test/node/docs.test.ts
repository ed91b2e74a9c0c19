// The README and docs/ as a reader finds them: every relative link leads to a file that exists
// (and to a heading there, where it names one), and every docs page is linked from the README.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const DOCS = join(ROOT, 'docs')
const PAGES = [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(DOCS, f)),
]

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-')
}

function anchorsIn(path: string): Set<string> {
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '')
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')))
}

describe('the docs', () => {
  it('has no relative link to a missing file or heading', () => {
    const broken: string[] = []
    for (const page of PAGES) {
      const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '')
      for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = match[1] ?? ''
        if (/^[a-z]+:/i.test(target)) continue
        const [file, anchor] = target.split('#') as [string, string | undefined]
        const path = file === '' ? page : join(dirname(page), file)
        const where = `${relative(ROOT, page)} → ${target}`
        if (!existsSync(path)) broken.push(`${where} (no such file)`)
        else if (anchor && path.endsWith('.md') && !anchorsIn(path).has(anchor)) {
          broken.push(`${where} (no such heading)`)
        }
      }
    }
    expect(broken).toEqual([])
  })

  it('links every docs page from the README, and keeps the README short', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const unlinked = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .filter((f) => !readme.includes(`](docs/${f}`))
    expect(unlinked).toEqual([])
    expect(readme.split('\n').length).toBeLessThanOrEqual(300)
  })

  it("shows the example Worker's files in docs/CLIENT.md exactly as they are", () => {
    // The files a test type-checks and runs (package.test.ts, rpc-local.test.ts) are the ones
    // the reader copies: the page's blocks are them, byte for byte.
    const page = readFileSync(join(DOCS, 'CLIENT.md'), 'utf8')
    const blocks = [...page.matchAll(/```(toml|ts)\n([\s\S]*?)```/g)].map((m) => m[2] ?? '')
    for (const file of ['examples/worker/wrangler.toml', 'examples/worker/src/index.ts']) {
      expect(blocks, file).toContain(readFileSync(join(ROOT, file), 'utf8'))
    }
  })
})
