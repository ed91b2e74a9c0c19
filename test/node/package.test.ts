// The package as people install it: `npm pack` holds dist/ (the CLI, `signet-edge/client` as ESM
// and CommonJS, `signet-edge/rpc`, their expanded types), README, LICENSE and package.json only;
// `npm publish --dry-run` is clean. Installed from the tarball and from a git URL (which builds
// it in `prepare`) into empty projects on Node 20: the client imports and type-checks, require()
// works, `signet --help` runs, nothing of the server (hono, jose, aws4fetch, zod) is installed, and
// a Worker project with only @cloudflare/workers-types and TypeScript type-checks a call through
// `Service<SignetRpc>`.
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
/** Debian's Node 20, the oldest Node the package supports. */
const NODE20 = '/usr/bin/node'
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
const NAME = 'signet-edge'
const SERVER_PACKAGES = ['hono', 'jose', 'aws4fetch', 'zod', '@hono/zod-openapi', 'client-zip']

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Node 20's npm, as a user of the package would have it. */
const node20 = { ...process.env, PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}` }

function emptyProject(dir: string, name: string) {
  const project = join(dir, name)
  mkdirSync(project, { recursive: true })
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name, private: true, type: 'module' }),
  )
  return project
}

/** Every package a project's node_modules holds (scoped ones as @scope/name). */
function installed(project: string): string[] {
  const modules = join(project, 'node_modules')
  return readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@')
        ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`)
        : [name],
    )
}

/** What a user runs against the installed package: import, require, the CLI, the types. */
function checkInstalled(project: string) {
  expect(installed(project).filter((name) => SERVER_PACKAGES.includes(name))).toEqual([])
  const imported = run(
    NODE20,
    [
      '--input-type=module',
      '-e',
      `const { SignetClient, SignetError } = await import('${NAME}/client'); const c = new SignetClient({ url: 'http://127.0.0.1:9', token: 't' }); try { await c.me() } catch (e) { console.log(typeof SignetClient, e instanceof SignetError, e.code, e.message) }`,
    ],
    project,
    node20,
  )
  expect(imported.status, imported.stderr).toBe(0)
  // The URL it could not reach is in the message.
  expect(imported.stdout.trim()).toMatch(
    /^function true network_error cannot reach Signet at http:\/\/127\.0\.0\.1:9: /,
  )
  const required = run(
    NODE20,
    ['-e', `const { SignetClient } = require('${NAME}/client'); console.log(typeof SignetClient)`],
    project,
    node20,
  )
  expect(required.status, required.stderr).toBe(0)
  expect(required.stdout.trim()).toBe('function')
  const help = run('/usr/bin/npx', ['--no-install', 'signet', '--help'], project, node20)
  expect(help.status, help.stderr).toBe(0)
  expect(help.stdout).toMatch(/^usage: signet <command>/)
}

describe('the published package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'signet-pack-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('packs the CLI, the client, the RPC types and nothing else, and publishes cleanly', () => {
    const dry = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT)
    expect(dry.status, dry.stderr).toBe(0)
    const [packed] = JSON.parse(dry.stdout) as { name: string; files: { path: string }[] }[]
    expect(packed?.name).toBe(NAME)
    const files = (packed?.files ?? []).map((file) => file.path).sort()
    for (const file of [
      'dist/cli.js',
      'dist/client.js',
      'dist/client.cjs',
      'dist/rpc.js',
      'dist/types/api.d.ts',
      'dist/types/client.d.ts',
      'dist/types/rpc.d.ts',
      'LICENSE',
      'README.md',
      'package.json',
    ]) {
      expect(files).toContain(file)
    }
    const outside = files.filter(
      (path) =>
        !path.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(path),
    )
    expect(outside).toEqual([])
    // Nothing of src/ beyond the surfaces: no schemas, no server modules.
    expect(files.filter((path) => path.startsWith('dist/types/'))).toEqual([
      'dist/types/api.d.ts',
      'dist/types/binding.d.ts',
      'dist/types/client.d.ts',
      'dist/types/rpc.d.ts',
    ])
    const publish = run('npm', ['publish', '--dry-run', '--ignore-scripts'], ROOT)
    expect(publish.status, publish.stderr).toBe(0)
    expect(publish.stderr).not.toMatch(/npm warn/i)
  }, 120_000)

  it('installs from the tarball into an empty project on Node 20, with nothing of the server', () => {
    const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], ROOT)
    expect(packed.status, packed.stderr).toBe(0)
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
    expect(tarball).toBeDefined()
    const project = emptyProject(dir, 'consumer')
    const install = run(
      '/usr/bin/npm',
      ['install', '--no-audit', '--no-fund', join(dir, tarball as string)],
      project,
      node20,
    )
    expect(install.status, install.stderr).toBe(0)
    expect(installed(project)).toEqual([NAME])
    checkInstalled(project)

    writeFileSync(
      join(project, 'use.ts'),
      [
        `import { SignetClient, type PresignAnswer, type Share } from '${NAME}/client'`,
        "const client = new SignetClient({ url: 'https://signet.example.com', token: 'sgn_x' })",
        "export const url: Promise<PresignAnswer> = client.presign({ bucket: 'media', key: 'a.png', method: 'PUT' })",
        "export const share: Promise<Share> = client.createShare({ bucket: 'media', key: 'a.png', maxDownloads: 1 })",
        '',
      ].join('\n'),
    )
    writeFileSync(
      join(project, 'bad.ts'),
      [
        `import { SignetClient } from '${NAME}/client'`,
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
    ]
    const good = run(process.execPath, [TSC, ...options, 'use.ts'], project)
    expect(good.status, good.stdout + good.stderr).toBe(0)
    // The types are real: a method the API does not take is an error.
    const bad = run(process.execPath, [TSC, ...options, 'bad.ts'], project)
    expect(bad.status).not.toBe(0)
    expect(bad.stdout).toContain('PATCH')

    // A Worker project with only workers-types and TypeScript: a typed call through its binding.
    const worker = emptyProject(dir, 'worker')
    run(
      '/usr/bin/npm',
      ['install', '--no-audit', '--no-fund', join(dir, tarball as string)],
      worker,
      node20,
    )
    mkdirSync(join(worker, 'node_modules', '@cloudflare'), { recursive: true })
    symlinkSync(
      join(ROOT, 'node_modules', '@cloudflare', 'workers-types'),
      join(worker, 'node_modules', '@cloudflare', 'workers-types'),
    )
    writeFileSync(
      join(worker, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          module: 'es2022',
          moduleResolution: 'bundler',
          lib: ['es2022'],
          types: ['@cloudflare/workers-types'],
        },
        include: ['src'],
      }),
    )
    mkdirSync(join(worker, 'src'))
    writeFileSync(
      join(worker, 'src', 'index.ts'),
      [
        `import { signet, type SignetRpc } from '${NAME}/rpc'`,
        'interface Env { SIGNET: Service<SignetRpc> }',
        'export default {',
        '  async fetch(request: Request, env: Env): Promise<Response> {',
        "    const result = await env.SIGNET.createShare({ bucket: 'media', key: 'a.png', expiresIn: '1h', maxDownloads: 3 })",
        '    if (!result.ok) return Response.json(result.error, { status: 400 })',
        '    const link: string = result.value.url',
        "    const stored = await env.SIGNET.putObject('media', 'b.png', request.body ?? new ReadableStream(), { contentLength: 0 })",
        '    if (stored.ok) console.log(stored.value.etag)',
        "    const share = await signet(env.SIGNET).createShare({ bucket: 'media', key: 'a.png' })",
        '    return new Response(link + share.url)',
        '  },',
        '} satisfies ExportedHandler<Env>',
        '',
      ].join('\n'),
    )
    // docs/CLIENT.md's example Worker, as the reader copies it.
    copyFileSync(
      join(ROOT, 'examples', 'worker', 'src', 'index.ts'),
      join(worker, 'src', 'example.ts'),
    )
    const typed = run(process.execPath, [TSC, '-p', 'tsconfig.json'], worker)
    expect(typed.status, typed.stdout + typed.stderr).toBe(0)
    // And a wrong field is caught.
    writeFileSync(
      join(worker, 'src', 'wrong.ts'),
      [
        `import type { SignetRpc } from '${NAME}/rpc'`,
        "export const f = async (s: Service<SignetRpc>) => (await s.presign({ bucket: 'm', key: 'k', method: 'PATCH' }))",
        '',
      ].join('\n'),
    )
    const wrong = run(process.execPath, [TSC, '-p', 'tsconfig.json'], worker)
    expect(wrong.status).not.toBe(0)
    expect(wrong.stdout).toContain('PATCH')
  }, 300_000)

  it('installs from a git URL, building itself in prepare', () => {
    // A clone of what is committed, as a git host would serve it.
    const repo = join(dir, 'repo')
    expect(spawnSync('git', ['clone', '-q', ROOT, repo]).status).toBe(0)
    const project = emptyProject(dir, 'from-git')
    const install = run(
      '/usr/bin/npm',
      ['install', '--no-audit', '--no-fund', `git+file://${repo}`],
      project,
      node20,
    )
    expect(install.status, install.stderr.slice(-3000)).toBe(0)
    expect(existsSync(join(project, 'node_modules', NAME, 'dist', 'client.js'))).toBe(true)
    expect(installed(project)).toEqual([NAME])
    checkInstalled(project)
  }, 600_000)
})
