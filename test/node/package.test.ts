// The package as it would be published (dist/ was built by the test run's setup, as `npm pack`'s
// prepack builds it): `npm pack` holds dist/ (the CLI, signet/client and its declarations),
// README and package.json only; the tarball installs into a clean project on
// Node 20, where `import { SignetClient } from 'signet/client'` works (and type-checks under
// NodeNext resolution) and `npx signet --help` runs.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
/** Debian's Node 20, the oldest Node the package supports. */
const NODE20 = '/usr/bin/node'
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('the published package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-pack-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('packs the CLI, the client and its types, and nothing else', () => {
    const dry = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT)
    expect(dry.status, dry.stderr).toBe(0)
    const [packed] = JSON.parse(dry.stdout) as { files: { path: string }[] }[]
    const files = (packed?.files ?? []).map((file) => file.path).sort()
    expect(files).toContain('dist/cli.js')
    expect(files).toContain('dist/client.js')
    expect(files).toContain('dist/types/client.d.ts')
    expect(files).toContain('dist/types/schemas.d.ts')
    expect(files).toContain('README.md')
    expect(files).toContain('package.json')
    const outside = files.filter(
      (path) => !path.startsWith('dist/') && !['README.md', 'package.json'].includes(path),
    )
    expect(outside).toEqual([])
  }, 120_000)

  it('installs into a clean project on Node 20: the client imports and type-checks, signet --help runs', () => {
    const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], ROOT)
    expect(packed.status, packed.stderr).toBe(0)
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
    expect(tarball).toBeDefined()

    const project = join(dir, 'consumer')
    run('mkdir', ['-p', project], dir)
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    )
    // Node 20's npm, as a user of the package would have it.
    const env = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}` }
    const installed = run(
      '/usr/bin/npm',
      ['install', '--no-audit', '--no-fund', join(dir, tarball as string)],
      project,
      env,
    )
    expect(installed.status, installed.stderr).toBe(0)

    const imported = run(
      NODE20,
      [
        '--input-type=module',
        '-e',
        "const { SignetClient, SignetError } = await import('signet/client'); const c = new SignetClient({ url: 'http://127.0.0.1:9', token: 't' }); try { await c.me() } catch (e) { console.log(typeof SignetClient, e instanceof SignetError, e.code) }",
      ],
      project,
      env,
    )
    expect(imported.status, imported.stderr).toBe(0)
    expect(imported.stdout.trim()).toBe('function true network_error')

    const help = run('/usr/bin/npx', ['--no-install', 'signet', '--help'], project, env)
    expect(help.status, help.stderr).toBe(0)
    expect(help.stdout).toMatch(/^usage: signet <command>/)
    expect(help.stdout).toContain('cp      <file|-> s3://bucket/key')

    writeFileSync(
      join(project, 'use.ts'),
      [
        "import { SignetClient, type PresignAnswer, type Share } from 'signet/client'",
        "const client = new SignetClient({ url: 'https://signet.example.com', token: 'sgn_x' })",
        "export const url: Promise<PresignAnswer> = client.presign({ bucket: 'media', key: 'a.png', method: 'PUT' })",
        "export const share: Promise<Share> = client.createShare({ bucket: 'media', key: 'a.png', maxDownloads: 1 })",
        '',
      ].join('\n'),
    )
    writeFileSync(
      join(project, 'bad.ts'),
      [
        "import { SignetClient } from 'signet/client'",
        "const client = new SignetClient({ url: 'https://signet.example.com', token: 'sgn_x' })",
        "export const url = client.presign({ bucket: 'media', key: 'a.png', method: 'PATCH' })",
        '',
      ].join('\n'),
    )
    const options = [
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--skipLibCheck',
    ]
    const good = run(process.execPath, [TSC, ...options, 'use.ts'], project)
    expect(good.status, good.stdout + good.stderr).toBe(0)
    // The types are real: a method the API does not take is an error.
    const bad = run(process.execPath, [TSC, ...options, 'bad.ts'], project)
    expect(bad.status).not.toBe(0)
    expect(bad.stdout).toContain('PATCH')
  }, 300_000)
})
