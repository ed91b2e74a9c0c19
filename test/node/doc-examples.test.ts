// The shell examples of the README and docs run as written against `npm start`, and print what
// the docs say they print (a block that states no output is a reference, not an example): a command whose comment has `→ pattern` (on its last line, or on the comment
// line right after it) must print something that matches the pattern, where `…` is anything and
// `<id>`-style words are one token. `http://localhost:8787`, the admin token and the gateway's
// key pair in the examples are the local default's own.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newServiceAccount } from './service-account'
import { startLocalDefault, startWorker } from './worker-server'

const ROOT = join(import.meta.dirname, '..', '..')
const DOCUMENTED_ORIGIN = 'http://localhost:8787'
/** The pages whose examples run; every other `sh` block must be one of the two commands. */
const PAGES = [
  'README.md',
  'docs/UPLOADS.md',
  'docs/CLI.md',
  'docs/DEPLOYING.md',
  'docs/GATEWAY.md',
  'docs/NOTIFICATIONS.md',
]

type Check = { id: number; command: string; pattern: string }

/** The fenced `sh` blocks of a Markdown file. */
function shellBlocks(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  return [...text.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '')
}

/** The expectation a comment states: what follows its arrow. */
function expectation(comment: string | undefined): string | undefined {
  const arrow = comment?.indexOf('→') ?? -1
  return comment !== undefined && arrow !== -1 ? comment.slice(arrow + 1).trim() : undefined
}

/** A block as a script that marks the output of each command it checks, and the checks. */
function instrument(block: string): { script: string; checks: Check[] } {
  const lines = block.split('\n')
  const out: string[] = []
  const checks: Check[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue
    const command: string[] = [line]
    while ((command.at(-1) as string).endsWith('\\') && i + 1 < lines.length) {
      command.push(lines[++i] as string)
    }
    const last = command.at(-1) as string
    const trailing = /\s{2,}#\s(.*)$/.exec(last)
    let pattern = expectation(trailing?.[1])
    if (pattern === undefined && lines[i + 1]?.trimStart().startsWith('# →')) {
      pattern = expectation(lines[i + 1])
    }
    if (pattern === undefined) {
      out.push(...command)
      continue
    }
    const id = checks.length
    checks.push({ id, command: command.join('\n'), pattern })
    out.push(`echo "@@${id}@@"`, ...command, 'echo', `echo "@@/${id}@@"`)
  }
  return { script: out.join('\n'), checks }
}

/** A documented output as a regular expression: `…` anything, `<word>` one token. */
function patternRegex(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(escaped.replaceAll('…', '[\\s\\S]*?').replace(/<[a-z]+>/g, '[^"\\s/&]+'))
}

type Server = {
  origin: string
  adminToken: string
  credential: { accessKeyId: string; secretAccessKey: string }
}

/** The local default's own origin, admin token and gateway key pair, as this run's server has them. */
function local(text: string, server: Server): string {
  const host = new URL(server.origin).host
  return text
    .replaceAll(DOCUMENTED_ORIGIN, server.origin)
    .replaceAll('localhost:8787', host)
    .replaceAll('dev-admin-token', server.adminToken)
    .replaceAll('<accessKeyId>', server.credential.accessKeyId)
    .replaceAll('<secretAccessKey>', server.credential.secretAccessKey)
}

/** Runs pages' blocks that state what they print, in order, in one shell. */
function runPages(server: Server, work: string, pages: string[], least: number, cwd = work) {
  // `signet` is the CLI this repository builds (npm test builds dist/ first).
  const cli = `signet() { "${process.execPath}" "${join(ROOT, 'dist', 'cli.js')}" "$@"; }`
  const blocks = pages.flatMap((page) =>
    shellBlocks(join(ROOT, page)).filter((block) => block.includes('# →')),
  )
  const { script, checks } = instrument(blocks.join('\n'))
  expect(checks.length, pages.join(', ')).toBeGreaterThanOrEqual(least)
  const run = spawnSync('bash', ['-c', `${cli}\n${local(script, server)}`], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      // Profiles the examples save stay in this run's folder.
      XDG_CONFIG_HOME: join(work, 'config'),
      SIGNET_URL: '',
      SIGNET_TOKEN: '',
    },
  })
  expect(run.status, run.stderr.slice(-2000)).toBe(0)
  const failures: string[] = []
  for (const check of checks) {
    const printed = new RegExp(`@@${check.id}@@\\n([\\s\\S]*?)@@/${check.id}@@`).exec(
      run.stdout,
    )?.[1]
    if (printed === undefined || !patternRegex(local(check.pattern, server)).test(printed)) {
      failures.push(`${check.command}\n  documented: ${check.pattern}\n  printed: ${printed}`)
    }
  }
  expect(failures).toEqual([])
}

describe('the shell examples of the README and docs', () => {
  it('every sh block either states what it prints or is the two commands', () => {
    // The two commands are what CI runs (`.ci/run`: npm install, then npm test) and what the
    // fresh-clone test starts (test/node/deploy.test.ts runs `npm start` in a new clone).
    const twoCommands = /^npm install && npm start +#.*\nnpm test +#.*\n$/
    const unchecked: string[] = []
    for (const page of [...PAGES, 'docs/DEVELOPMENT.md']) {
      for (const block of shellBlocks(join(ROOT, page))) {
        if (!block.includes('# →') && !twoCommands.test(block)) unchecked.push(`${page}:\n${block}`)
      }
    }
    const others = readdirSync(join(ROOT, 'docs'))
      .map((name) => `docs/${name}`)
      .filter((page) => page.endsWith('.md') && ![...PAGES, 'docs/DEVELOPMENT.md'].includes(page))
    for (const page of others) {
      for (const block of shellBlocks(join(ROOT, page))) unchecked.push(`${page}:\n${block}`)
    }
    expect(unchecked).toEqual([])
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8')
    expect(ci).toMatch(/^npm install .*$/m)
    expect(ci).toMatch(/^npm test$/m)
    expect(ci).toMatch(/^npm run test:e2e$/m)
  })
})

describe('the shell examples of the README and docs, run against npm start', () => {
  let server: Server & { stop: () => Promise<void>; output: () => string }
  let work: string

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'signet-examples-'))
    const started = await startLocalDefault(join(work, 'state'))
    const vars = readFileSync(join(ROOT, '.dev.vars'), 'utf8')
    const credentials = /^SIGNET_CREDENTIALS='(.+)'$/m.exec(vars)?.[1] ?? '{}'
    server = { ...started, credential: JSON.parse(credentials).local }
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it(
    'the README tour prints what it is documented to print',
    () => runPages(server, work, ['README.md'], 10),
    150_000,
  )

  it(
    'docs/UPLOADS.md: receiving files',
    () => runPages(server, work, ['docs/UPLOADS.md'], 2),
    150_000,
  )

  it(
    'docs/CLI.md: a session with the CLI',
    () => runPages(server, work, ['docs/CLI.md'], 29),
    150_000,
  )

  it('docs/NOTIFICATIONS.md: a link that mails, whose mail npm start writes to a file', async () => {
    runPages(server, work, ['docs/NOTIFICATIONS.md'], 2)
    // The simulated binding logs the mail and the file holding its text.
    const until = Date.now() + 30_000
    let text: string | undefined
    while (text === undefined && Date.now() < until) {
      const logged = server.output().replace(/\x1b\[[0-9;]*m/g, '')
      const mail = logged.split('send_email binding called').find((part) => {
        return part.includes('Subject: Signet: New file: scan.pdf')
      })
      const path = mail ? /Text: (\S+)/.exec(mail)?.[1] : undefined
      if (path) text = readFileSync(path, 'utf8')
      else await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(text).toContain('Received scan.pdf: 8 B')
    expect(text).toContain("The link's message: Scans for the audit")
  }, 90_000)

  it(
    'docs/DEPLOYING.md: the setup dry run, from the clone',
    () => runPages(server, work, ['docs/DEPLOYING.md'], 1, ROOT),
    60_000,
  )
})

describe('docs/GATEWAY.md, after the tour, with the GCS bucket it configures', () => {
  let server: Awaited<ReturnType<typeof startWorker>>
  let work: string

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'signet-examples-'))
    // The configuration the example's comment names, with a key file made for this run.
    server = await startWorker({
      buckets: { photos: { endpoint: 'https://storage.googleapis.com', bucket: 'my-photos' } },
      credentials: { photos: newServiceAccount() },
    })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it(
    's3cmd signurl and a GOOG4 presign print what they are documented to print',
    () => runPages(server, work, ['README.md', 'docs/GATEWAY.md'], 12),
    150_000,
  )
})
