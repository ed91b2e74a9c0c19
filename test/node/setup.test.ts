// `npm run setup` against a fake wrangler on PATH that records its commands and keeps an account's
// state: a first run makes everything, in order, and writes a production environment that the
// real wrangler accepts; a second run re-creates nothing and changes nothing; a dry run runs no
// command at all and prints every one.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'smol-toml'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const FAKE = join(ROOT, 'test', 'fixtures', 'fake-wrangler')
const scratch = mkdtempSync(join(tmpdir(), 'signet-setup-'))
const config = join(scratch, 'wrangler.toml')
const log = join(scratch, 'wrangler.log')
const state = join(scratch, 'account.json')

/** Runs scripts/<script>.mjs on the scratch config with the fake wrangler first on PATH. */
function script(name: 'setup' | 'deploy', args: string[], env: Record<string, string> = {}) {
  rmSync(log, { force: true })
  const run = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts', `${name}.mjs`), '--config', config, ...args],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${FAKE}:${process.env.PATH}`,
        FAKE_WRANGLER_LOG: log,
        FAKE_WRANGLER_STATE: state,
        ...env,
      },
    },
  )
  let commands: { args: string[]; stdin: number }[] = []
  try {
    commands = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
  } catch {
    commands = []
  }
  return { status: run.status, out: run.stdout, err: run.stderr, commands }
}

const setup = (args: string[]) => script('setup', args)

const FIRST_RUN = [
  'whoami',
  'd1 list --json',
  'd1 create acme',
  'd1 list --json',
  'r2 bucket list',
  'r2 bucket create acme-files',
  'queues list',
  'queues create signet-events',
  'queues create signet-events-dlq',
  'd1 migrations apply acme --remote --env production',
  'deploy --env production',
  'secret list --env production --format json',
  'secret put SIGNET_ADMIN_TOKEN --env production',
  'secret put SIGNET_CREDENTIALS --env production',
]

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('npm run setup', () => {
  it('prints every command of a first deployment on a dry run, and runs none', () => {
    copyFileSync(join(ROOT, 'wrangler.toml'), config)
    const dry = setup(['--dry-run', '--yes', '--name', 'acme', '--bucket', 'acme-files'])
    expect(dry.status, dry.err).toBe(0)
    expect(dry.commands).toEqual([])
    const printed = dry.out.split('\n').filter((line) => line.startsWith('wrangler '))
    expect(printed).toEqual(FIRST_RUN.map((command) => `wrangler ${command}`))
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))
    // It shows the block it would write, between its markers, as TOML wrangler reads.
    const block = /# ---- npm run setup[^\n]*\n([\s\S]*?)# ---- end of npm run setup ----/.exec(
      dry.out,
    )?.[1]
    expect(block, dry.out).toBeDefined()
    expect(parse(block as string)).toMatchObject({
      env: { production: { name: 'acme', r2_buckets: [{ bucket_name: 'acme-files' }] } },
    })
  })

  it('makes everything on a new account, in order, and prints the URL and the admin token once', () => {
    const first = setup(['--yes', '--name', 'acme', '--bucket', 'acme-files'])
    expect(first.status, first.err).toBe(0)
    expect(first.commands.map((command) => command.args.join(' '))).toEqual(FIRST_RUN)
    // Secrets go in on stdin, never as arguments.
    expect(first.commands.filter((command) => command.stdin > 0)).toHaveLength(2)
    expect(first.out).toContain('Signet is at https://acme.example.workers.dev')
    const token = /Admin token \(shown once; keep it safe\): (sat_[A-Za-z0-9_-]{43})/.exec(
      first.out,
    )?.[1]
    expect(token).toBeDefined()
    const account = JSON.parse(readFileSync(state, 'utf8')) as { secrets: Record<string, string> }
    expect(account.secrets.SIGNET_ADMIN_TOKEN).toBe(token)
    const credentials = JSON.parse(account.secrets.SIGNET_CREDENTIALS ?? '{}')
    expect(credentials['acme-files']).toMatchObject({
      accessKeyId: expect.stringMatching(/^SIGNET[0-9A-F]{16}$/),
      secretAccessKey: expect.stringMatching(/^[A-Za-z0-9_-]{40}$/),
    })
    expect(first.out).toContain('/v1/keys')

    const written = parse(readFileSync(config, 'utf8')) as {
      name: string
      env: { production: Record<string, unknown> }
    }
    // The local default is left as it was; production is its own environment.
    expect(written.name).toBe('signet')
    expect(written.env.production).toMatchObject({
      name: 'acme',
      vars: { SIGNET_BUCKETS: '{"acme-files":{"binding":"BUCKET_ACME_FILES"}}' },
      d1_databases: [
        {
          binding: 'DB',
          database_name: 'acme',
          database_id: '0f0e0d0c-0b0a-4909-8807-060504030201',
        },
      ],
      r2_buckets: [{ binding: 'BUCKET_ACME_FILES', bucket_name: 'acme-files' }],
    })
  })

  it('writes a production environment the real wrangler bundles', () => {
    // The project's files beside the written config, so its paths resolve.
    for (const name of [
      'src',
      'migrations',
      'scripts',
      'web',
      'public',
      'node_modules',
      'package.json',
    ]) {
      symlinkSync(join(ROOT, name), join(scratch, name))
    }
    const out = join(scratch, 'out')
    const run = spawnSync(
      join(ROOT, 'node_modules', '.bin', 'wrangler'),
      ['deploy', '--dry-run', '--env', 'production', '--outdir', out],
      { cwd: scratch, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    )
    expect(run.status, run.stderr.slice(-2000)).toBe(0)
    expect(`${run.stdout}${run.stderr}`).toContain('env.BUCKET_ACME_FILES (acme-files)')
  }, 120_000)

  it('re-creates nothing and changes nothing on a second run', () => {
    const before = readFileSync(config, 'utf8')
    const second = setup(['--yes', '--name', 'acme', '--bucket', 'acme-files'])
    expect(second.status, second.err).toBe(0)
    const commands = second.commands.map((command) => command.args.join(' '))
    expect(commands.filter((command) => /create|secret put/.test(command))).toEqual([])
    expect(readFileSync(config, 'utf8')).toBe(before)
    expect(second.out).toContain("wrangler.toml's [env.production] is as it should be")
    expect(second.out).toContain('the one set before')
    expect(second.out).not.toMatch(/sat_[A-Za-z0-9_-]{43}/)
  })
})

describe('npm run deploy', () => {
  const PRODUCTION = ['--config', config]

  it('applies the D1 migrations remotely, then deploys the production environment', () => {
    const deployed = script('deploy', [])
    expect(deployed.status, deployed.err).toBe(0)
    expect(deployed.commands.map((command) => command.args.join(' '))).toEqual([
      `d1 migrations apply DB --remote --env production ${PRODUCTION.join(' ')}`,
      `deploy --env production ${PRODUCTION.join(' ')}`,
    ])
  })

  it('deploys nothing when the migrations fail', () => {
    const failed = script('deploy', [], { FAKE_WRANGLER_FAIL: 'd1 migrations' })
    expect(failed.status).not.toBe(0)
    expect(failed.commands.map((command) => command.args[0])).toEqual(['d1'])
    expect(failed.err).toContain('the D1 migrations failed, so nothing was deployed')
  })

  it('says npm run setup comes first where there is no production environment', () => {
    copyFileSync(join(ROOT, 'wrangler.toml'), config)
    const refused = script('deploy', [])
    expect(refused.status).toBe(1)
    expect(refused.commands).toEqual([])
    expect(refused.err).toContain('`npm run setup` comes first')
  })
})
