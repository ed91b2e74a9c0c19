// `signet cp` and `signet share ./file` end to end against the local default `npm start` serves,
// through a proxy that records requests and injects faults: a 64 MiB multipart upload with four
// parts in flight and a part that fails twice, a download cut halfway (resumed with Range), a
// download killed and restarted (resumed from its partial file), Ctrl-C during an upload (aborted,
// nothing left), stdin and stdout, the progress bar in a real terminal (tmux) and plain output
// when piped.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ProxyControl, startProxy } from './cli-proxy'
import { callApi, createApiKey, startLocalDefault } from './worker-server'

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js')
const MiB = 1024 * 1024
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(what: string, check: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

const haveTmux = spawnSync('tmux', ['-V']).status === 0
if (!haveTmux && process.env.CI)
  throw new Error('tmux must be installed in CI (.ci/run installs it)')
if (!haveTmux)
  console.warn('SKIPPED the terminal progress test: needs tmux (apt-get install tmux).')

describe('signet cp and signet share ./file', () => {
  let server: Awaited<ReturnType<typeof startLocalDefault>>
  let proxy: ProxyControl
  let token = ''
  const dir = mkdtempSync(join(tmpdir(), 'signet-cli-'))
  const big = join(dir, 'big.bin')
  let bigBytes: Buffer

  const env = () => ({ ...process.env, SIGNET_URL: proxy.origin, SIGNET_TOKEN: token })

  /** Runs the CLI to its end (asynchronously: the proxy answers from this same process). */
  async function signet(
    args: string[],
    input?: Buffer,
    environment: NodeJS.ProcessEnv = env(),
  ): Promise<{ status: number | null; stdout: Buffer; stderr: string }> {
    const child = spawn(process.execPath, [CLI, ...args], { env: environment })
    const stdout: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.stdin.end(input ?? Buffer.alloc(0))
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
    return { status, stdout: Buffer.concat(stdout), stderr }
  }

  function spawned(args: string[]): {
    child: ChildProcess
    stderr: () => string
    exit: Promise<number | null>
  } {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk) => (stderr += chunk))
    child.stdout?.resume()
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    return { child, stderr: () => stderr, exit }
  }

  beforeAll(async () => {
    server = await startLocalDefault()
    proxy = await startProxy(server.origin)
    token = await createApiKey(server, 'cli transfers', {
      buckets: ['local'],
      prefixes: ['cli/'],
      operations: ['get', 'head', 'put', 'multipart', 'share'],
    })
    bigBytes = randomBytes(64 * MiB)
    writeFileSync(big, bigBytes)
  }, 180_000)

  afterAll(async () => {
    await proxy?.stop()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('uploads 64 MiB in parallel parts, retrying a part that fails twice, and reads it back through a cut connection', async () => {
    proxy.failParts.set(3, 2)
    // --overwrite: the local default keeps its objects from run to run.
    const up = await signet(['cp', big, 's3://local/cli/big.bin', '--parallel', '4', '--overwrite'])
    expect(up.status, up.stderr).toBe(0)
    // Piped: one final line, no control characters, nothing on stderr.
    const line = up.stdout.toString()
    expect(line).toMatch(
      /^uploaded .*big\.bin to s3:\/\/local\/cli\/big\.bin \(64\.0 MiB in [\d.]+ s, [\d.]+ [KMG]?i?B\/s\)\n$/,
    )
    expect(line).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/)
    expect(up.stderr).toBe('')
    expect(proxy.partAttempts.size).toBe(8)
    expect(proxy.partAttempts.get(3)).toBe(3)
    expect(proxy.maxPartsInFlight).toBe(4)
    expect(proxy.seen.filter((seen) => seen.path === '/v1/multipart/complete')).toHaveLength(1)

    proxy.cutNextDownloadAfter = 20 * MiB
    const out = join(dir, 'back.bin')
    const down = await signet(['cp', 's3://local/cli/big.bin', out])
    expect(down.status, down.stderr).toBe(0)
    expect(down.stdout.toString()).toMatch(
      /^downloaded s3:\/\/local\/cli\/big\.bin to .*back\.bin \(64\.0 MiB/,
    )
    // One resumption, from the bytes written before the connection ended: never more than the
    // 20 MiB that came (bytes claimed that never came), and at most what the client's HTTP stack
    // still held unread when the stream failed fewer (those are fetched again).
    const ranges = proxy.seen.filter((seen) => seen.method === 'GET' && seen.range)
    expect(ranges).toHaveLength(1)
    const from = Number(/^bytes=(\d+)-$/.exec(ranges[0]?.range ?? '')?.[1])
    expect(from).toBeLessThanOrEqual(20 * MiB)
    expect(from).toBeGreaterThan(19 * MiB)
    expect(sha256(readFileSync(out))).toBe(sha256(bigBytes))
    expect(existsSync(`${out}.signet-partial`)).toBe(false)
  }, 120_000)

  it('resumes a download killed halfway from its partial file', async () => {
    const out = join(dir, 'resumed.bin')
    proxy.bytesPerSecond = 16 * MiB
    proxy.seen.length = 0
    const first = spawned(['cp', 's3://local/cli/big.bin', out])
    await until('half the bytes', () => {
      const partial = `${out}.signet-partial`
      return existsSync(partial) && statSync(partial).size > 24 * MiB ? true : undefined
    })
    first.child.kill('SIGKILL')
    await first.exit
    const had = statSync(`${out}.signet-partial`).size
    proxy.bytesPerSecond = undefined
    const second = await signet(['cp', 's3://local/cli/big.bin', out])
    expect(second.status, second.stderr).toBe(0)
    const resumed = proxy.seen.filter((seen) => seen.method === 'GET' && seen.range)
    expect(resumed).toHaveLength(1)
    expect(Number(/^bytes=(\d+)-$/.exec(resumed[0]?.range ?? '')?.[1])).toBeGreaterThanOrEqual(
      had - 1,
    )
    expect(sha256(readFileSync(out))).toBe(sha256(bigBytes))
  }, 120_000)

  it('aborts the multipart upload on Ctrl-C and leaves no upload behind', async () => {
    proxy.bytesPerSecond = 8 * MiB
    proxy.seen.length = 0
    const run = spawned(['cp', big, 's3://local/cli/interrupted.bin'])
    await until('a part on its way', () =>
      proxy.seen.some((seen) => seen.method === 'PUT') ? true : undefined,
    )
    await sleep(300)
    run.child.kill('SIGINT')
    expect(await run.exit).toBe(130)
    proxy.bytesPerSecond = undefined
    const uploadId = /multipart upload (\S+) aborted/.exec(run.stderr())?.[1]
    expect(uploadId, run.stderr()).toBeDefined()
    expect(proxy.seen.find((seen) => seen.path === '/v1/multipart/abort')?.status).toBe(204)
    // Nothing to complete, and no object.
    const complete = await callApi(server, token, 'POST', '/v1/multipart/complete', {
      bucket: 'local',
      key: 'cli/interrupted.bin',
      uploadId,
      // Every part the upload declared (64 MiB in 8 MiB parts), so only the upload's absence can refuse it.
      parts: Array.from({ length: 8 }, (_, index) => ({
        partNumber: index + 1,
        etag: '"0123456789abcdef0123456789abcdef"',
      })),
    })
    expect(complete.status).toBe(404)
    const missing = await signet(['cp', 's3://local/cli/interrupted.bin', join(dir, 'nothing.bin')])
    expect(missing.status).toBe(4)
    expect(missing.stderr).toMatch(
      /^signet: look up s3:\/\/local\/cli\/interrupted\.bin: no such object/,
    )
  }, 120_000)

  it('streams stdin up and an object down to stdout, checking its SHA-256', async () => {
    const small = randomBytes(3 * MiB + 17)
    const up = await signet(
      ['cp', '-', 's3://local/cli/from-stdin.bin', '--quiet', '--overwrite'],
      small,
    )
    expect(up.status, up.stderr).toBe(0)
    expect(up.stdout.length).toBe(0)
    const down = await signet(['cp', 's3://local/cli/from-stdin.bin', '-'])
    expect(down.status, down.stderr).toBe(0)
    expect(sha256(down.stdout)).toBe(sha256(small))
    // Into a directory: the object's name.
    const into = await signet(['cp', 's3://local/cli/from-stdin.bin', dir, '--quiet'])
    expect(into.status, into.stderr).toBe(0)
    expect(sha256(readFileSync(join(dir, 'from-stdin.bin')))).toBe(sha256(small))
    // A single PUT signs the SHA-256, so the object carries it and the download checks it.
    const head = proxy.seen.filter((seen) => seen.method === 'HEAD').length
    expect(head).toBeGreaterThan(0)
  })

  it('uploads a file and shares it in one command, with a QR code', async () => {
    const file = join(dir, 'notes.txt')
    writeFileSync(file, 'shared from the command line\n')
    const shared = await signet(['share', file, '--max-downloads', '2', '--expire', '1d', '--qr'])
    expect(shared.status, shared.stderr).toBe(0)
    const [link, ...qr] = shared.stdout.toString().trimEnd().split('\n')
    expect(link).toMatch(new RegExp(`^${proxy.origin}/s/[A-Za-z0-9_-]{22}$`))
    expect(qr.length).toBeGreaterThan(10)
    expect(qr.join('')).toMatch(/[█▀▄]/)
    const got = await fetch(link as string)
    expect(await got.text()).toBe('shared from the command line\n')
    const json = await signet([
      'share',
      file,
      '--to',
      's3://local/cli/again/',
      '--json',
      '--overwrite',
    ])
    expect(JSON.parse(json.stdout.toString())).toMatchObject({
      key: 'cli/again/notes.txt',
      page: false,
    })
  })

  it('never replaces an object: share picks a free name, cp stops unless --overwrite', async () => {
    const run = randomBytes(4).toString('hex')
    const to = `s3://local/cli/same-name-${run}/`
    const alice = join(dir, 'a', 'report.txt')
    const bob = join(dir, 'b', 'report.txt')
    mkdirSync(join(dir, 'a'), { recursive: true })
    mkdirSync(join(dir, 'b'), { recursive: true })
    writeFileSync(alice, "alice's contract\n")
    writeFileSync(bob, "bob's medical results\n")
    const first = await signet(['share', alice, '--to', to])
    expect(first.status, first.stderr).toBe(0)
    expect(first.stderr).toBe('')
    const second = await signet(['share', bob, '--to', to])
    expect(second.status, second.stderr).toBe(0)
    expect(second.stderr).toBe(`signet: ${to}report.txt exists: uploading as ${to}report-2.txt\n`)
    // Two links, each serving its own bytes.
    expect(await (await fetch(first.stdout.toString().trim())).text()).toBe("alice's contract\n")
    expect(await (await fetch(second.stdout.toString().trim())).text()).toBe(
      "bob's medical results\n",
    )
    // cp to an existing key stops, and replaces only when asked.
    const refused = await signet(['cp', bob, `${to}report.txt`])
    expect(refused.status).toBe(1)
    expect(refused.stderr).toBe(
      `signet: ${to}report.txt already exists: give --overwrite to replace it\n`,
    )
    const replaced = await signet(['cp', bob, `${to}report.txt`, '--overwrite', '--quiet'])
    expect(replaced.status, replaced.stderr).toBe(0)
    // The first link was pinned to alice's file: it never serves bob's.
    const link = await fetch(first.stdout.toString().trim())
    expect(link.status).toBe(410)
  })

  it('names the failing step and keeps the exit codes', async () => {
    const refused = await signet(['cp', big, 's3://local/elsewhere/big.bin'])
    expect(refused.status).toBe(3)
    expect(refused.stderr).toMatch(/^signet: start the multipart upload: forbidden: /)
    // A part that keeps failing: the step is named and the upload is aborted.
    proxy.failParts.set(2, 100)
    proxy.seen.length = 0
    const failed = await signet(['cp', big, 's3://local/cli/failing.bin', '--retries', '1'])
    proxy.failParts.clear()
    expect(failed.status).toBe(1)
    expect(failed.stderr).toBe(
      'signet: upload part 2 failed after 2 attempts: the store answered 500 InternalError\n',
    )
    expect(proxy.seen.find((seen) => seen.path === '/v1/multipart/abort')?.status).toBe(204)
    const usage = await signet(['cp', 's3://local/a', 's3://local/b'])
    expect(usage.status).toBe(2)
    const unreachable = await signet(['cp', big, 's3://local/cli/x.bin'], undefined, {
      ...process.env,
      SIGNET_URL: 'http://127.0.0.1:9',
      SIGNET_TOKEN: token,
    })
    expect(unreachable.status).toBe(5)
    // The message names where it could not reach.
    expect(unreachable.stderr).toMatch(/cannot reach Signet at http:\/\/127\.0\.0\.1:9: /)
  })

  it.skipIf(!haveTmux)(
    'draws a progress bar in a real terminal (tmux)',
    async () => {
      proxy.bytesPerSecond = 12 * MiB
      const session = `signet-${process.pid}`
      const command = [
        `SIGNET_URL=${proxy.origin}`,
        `SIGNET_TOKEN=${token}`,
        process.execPath,
        CLI,
        'cp',
        big,
        's3://local/cli/tty.bin',
        '--overwrite',
        '; sleep 30',
      ].join(' ')
      spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '150', '-y', '10', command])
      try {
        const capture = () =>
          spawnSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' }).stdout
        const bar = await until('the bar', () => {
          const screen = capture()
          return /tty\.bin [█░]+ \d+% \| [\d.]+ MiB\/64\.0 MiB \| [\d.]+ MiB\/s \| \S+ left/.test(
            screen,
          )
            ? screen
            : undefined
        })
        expect(bar).toContain('░')
        const done = await until(
          'the final line',
          () => {
            const screen = capture()
            return /uploaded .* to s3:\/\/local\/cli\/tty\.bin/.test(screen) ? screen : undefined
          },
          60_000,
        )
        // The bar is cleared when done: the final line stands alone.
        expect(done).not.toMatch(/█/)
      } finally {
        spawnSync('tmux', ['kill-session', '-t', session])
        proxy.bytesPerSecond = undefined
      }
    },
    120_000,
  )
})
