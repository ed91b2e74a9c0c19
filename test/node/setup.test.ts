// `npm run setup` and `npm run deploy` against a fake wrangler on PATH that records its commands
// and keeps an account's state: a first run makes everything, in order, named after the Worker,
// and writes the production configuration (an untracked file the real wrangler bundles); a second
// run changes nothing; hand edits survive; a bucket added later gets its own secret while the
// others keep theirs; secrets travel with the deploy, never before or after it; a rotation keeps
// the pair in use as previous; a dry run runs nothing and shows everything.
import { spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'smol-toml'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const FAKE = join(ROOT, 'test', 'fixtures', 'fake-wrangler')
const scratch = mkdtempSync(join(tmpdir(), 'signet-setup-'))
const config = join(scratch, 'wrangler.toml')
const production = join(scratch, 'wrangler.production.toml')
const log = join(scratch, 'wrangler.log')
const state = join(scratch, 'account.json')

type Command = { args: string[]; stdin: number; secrets: string[] }

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
  let commands: Command[] = []
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

const setup = (args: string[], env?: Record<string, string>) => script('setup', args, env)
const lines = (commands: Command[]) =>
  commands.map((command) =>
    command.args
      .join(' ')
      .replace(production, '<production>')
      .replace(/--secrets-file \S+/, '--secrets-file <file>'),
  )
const account = () =>
  JSON.parse(readFileSync(state, 'utf8')) as {
    secrets: Record<string, string>
    queues: string[]
    deploys: number
  }
/** The production configuration, as far as these tests read it. */
type Production = Record<string, unknown> & {
  vars: Record<string, string>
  queues: { consumers: { queue: string }[] }
  ratelimits: { namespace_id: string }[]
  r2_buckets: unknown[]
}
const written = () => parse(readFileSync(production, 'utf8')) as Production

const FIRST_RUN = [
  'whoami',
  'd1 list --json',
  'd1 create acme',
  'd1 list --json',
  'r2 bucket list',
  'r2 bucket create acme-files',
  'queues list',
  'queues create acme-events',
  'queues create acme-events-dlq',
  'secret list --format json --config <production>',
  'd1 migrations apply DB --remote --config <production>',
  'deploy --config <production> --secrets-file <file>',
]

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('npm run setup', () => {
  it('prints every command and the whole configuration on a dry run, needs no keys, and runs nothing', () => {
    copyFileSync(join(ROOT, 'wrangler.toml'), config)
    const dry = setup([
      '--dry-run',
      '--yes',
      '--name',
      'acme',
      '--bucket',
      'acme-files',
      '--remote',
      'eu=https://s3.eu-west-1.amazonaws.com/acme-eu',
    ])
    expect(dry.status, dry.err).toBe(0)
    expect(dry.commands).toEqual([])
    const printed = dry.out.split('\n').filter((line) => line.startsWith('wrangler '))
    expect(printed[0]).toBe('wrangler whoami')
    expect(printed).toContain('wrangler queues create acme-events')
    expect(printed.at(-1)).toMatch(
      /^wrangler deploy --config \S+wrangler\.production\.toml --secrets-file <secrets: SIGNET_ADMIN_TOKEN, SIGNET_CREDENTIAL_ACME_FILES, SIGNET_CREDENTIAL_EU>$/,
    )
    // The whole configuration it would write, as TOML wrangler reads.
    const shown = dry.out.slice(dry.out.indexOf('Would write wrangler.production.toml:') + 38)
    const parsed = parse(shown.slice(0, shown.indexOf('\nwrangler '))) as Production
    expect(parsed).toMatchObject({ name: 'acme', r2_buckets: [{ bucket_name: 'acme-files' }] })
    // AWS says its region in its host: none is written (Signet reads it from the endpoint).
    expect(JSON.parse(parsed.vars.SIGNET_BUCKETS)).toEqual({
      'acme-files': { binding: 'BUCKET_ACME_FILES' },
      eu: { endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'acme-eu' },
    })
    expect(existsSync(production)).toBe(false)
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))
  })

  it('makes everything on a new account, in order, named after the Worker, with its secrets in the deploy', () => {
    const first = setup(['--yes', '--name', 'acme', '--bucket', 'acme-files'])
    expect(first.status, first.err).toBe(0)
    expect(lines(first.commands)).toEqual(FIRST_RUN)
    // Secrets travel with the deploy (no version runs without them); nothing is put after it.
    expect(first.commands.at(-1)?.secrets).toEqual([
      'SIGNET_ADMIN_TOKEN',
      'SIGNET_CREDENTIAL_ACME_FILES',
    ])
    expect(
      first.commands.filter((command) => command.args[0] === 'secret' && command.args[1] === 'put'),
    ).toEqual([])
    expect(first.out).toContain('Signet is at https://acme.example.workers.dev')
    const token = /Admin token \(shown once; keep it safe\): (sat_[A-Za-z0-9_-]{43})/.exec(
      first.out,
    )?.[1]
    const { secrets, queues } = account()
    expect(secrets.SIGNET_ADMIN_TOKEN).toBe(token)
    // The gateway's pair, shown once, is the one set.
    const pair =
      /Gateway key pair of acme-files \(shown once[^)]*\): (SIGNET[0-9A-F]{16}) (\S{40})/.exec(
        first.out,
      )
    expect(JSON.parse(secrets.SIGNET_CREDENTIAL_ACME_FILES ?? '{}')).toEqual({
      accessKeyId: pair?.[1],
      secretAccessKey: pair?.[2],
    })
    expect(queues).toEqual(['acme-events', 'acme-events-dlq'])
    const prod = written()
    expect(prod).toMatchObject({
      name: 'acme',
      main: 'src/index.ts',
      vars: { SIGNET_BUCKETS: '{"acme-files":{"binding":"BUCKET_ACME_FILES"}}' },
      d1_databases: [
        {
          binding: 'DB',
          database_name: 'acme',
          database_id: '0f0e0d0c-0b0a-4909-8807-060504030201',
        },
      ],
      r2_buckets: [{ binding: 'BUCKET_ACME_FILES', bucket_name: 'acme-files' }],
      queues: { producers: [{ binding: 'EVENTS', queue: 'acme-events' }] },
      observability: { enabled: true },
    })
    expect(prod.queues.consumers.map((c) => c.queue)).toEqual(['acme-events', 'acme-events-dlq'])
    // The tracked wrangler.toml is as the release shipped it.
    expect(readFileSync(config, 'utf8')).toBe(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8'))
    // Rate-limit namespaces of its own, not the local default's.
    const ids = prod.ratelimits.map((limit) => limit.namespace_id)
    expect(ids.some((id) => id.startsWith('730'))).toBe(false)
  })

  it('writes a production configuration the real wrangler bundles', () => {
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
      ['deploy', '--dry-run', '--config', production, '--outdir', out],
      { cwd: scratch, encoding: 'utf8', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
    )
    const said = `${run.stdout}${run.stderr}`
    expect(run.status, said.slice(-2000)).toBe(0)
    expect(said).toContain('env.BUCKET_ACME_FILES (acme-files)')
    expect(said).toContain('env.EVENTS (acme-events)')
  }, 120_000)

  it('re-creates nothing and changes nothing on a second run', () => {
    const before = readFileSync(production, 'utf8')
    const second = setup(['--yes'])
    expect(second.status, second.err).toBe(0)
    const commands = lines(second.commands)
    expect(commands.filter((command) => /create/.test(command))).toEqual([])
    expect(second.commands.at(-1)?.secrets).toEqual([])
    expect(readFileSync(production, 'utf8')).toBe(before)
    expect(second.out).toContain('wrangler.production.toml is as it should be')
    expect(second.out).toContain('the one set before')
    expect(second.out).not.toMatch(/sat_[A-Za-z0-9_-]{43}/)
  })

  it('keeps hand edits: a route, vars of its own, another environment', () => {
    // Edited as an operator would (parsed and written back here, so the TOML stays well formed).
    const edited = parse(readFileSync(production, 'utf8')) as Production
    edited.routes = [{ pattern: 'files.acme.example', custom_domain: true }]
    edited.env = { staging: { name: 'acme-staging' } }
    edited.vars.SIGNET_CORS_ORIGINS = '["https://app.acme.example"]'
    edited.vars.SIGNET_PUBLIC_ORIGIN = 'https://files.acme.example'
    writeFileSync(production, stringify(edited))
    const again = setup(['--yes'])
    expect(again.status, again.err).toBe(0)
    expect(written()).toMatchObject({
      routes: [{ pattern: 'files.acme.example', custom_domain: true }],
      env: { staging: { name: 'acme-staging' } },
      vars: {
        SIGNET_CORS_ORIGINS: '["https://app.acme.example"]',
        SIGNET_PUBLIC_ORIGIN: 'https://files.acme.example',
      },
    })
  })

  it('sets the sender of mail about links and binds EMAIL, keeps it on the next run, and takes it away', () => {
    expect(written().send_email).toBeUndefined()
    const bad = setup(['--yes', '--mail-from', 'not-an-address'])
    expect(bad.status).toBe(1)
    expect(bad.err).toContain('not-an-address is not an email address')
    expect(bad.commands).toEqual([])
    const mail = setup(['--yes', '--mail-from', 'files@acme.example'])
    expect(mail.status, mail.err).toBe(0)
    expect(mail.out).toContain('Mail about links comes from files@acme.example')
    expect(written().vars.SIGNET_EMAIL_FROM).toBe('files@acme.example')
    expect(written().send_email).toEqual([{ name: 'EMAIL' }])
    expect(setup(['--yes']).status).toBe(0)
    expect(written().send_email).toEqual([{ name: 'EMAIL' }])
    const none = setup(['--yes', '--mail-from', ''])
    expect(none.status, none.err).toBe(0)
    expect(written().vars.SIGNET_EMAIL_FROM).toBeUndefined()
    expect(written().send_email).toBeUndefined()
  })

  it("adds a bucket with a secret of its own, leaving the others' credentials alone", () => {
    const before = account().secrets
    const added = setup(['--yes', '--bucket', 'acme-photos'])
    expect(added.status, added.err).toBe(0)
    expect(added.commands.at(-1)?.secrets).toEqual(['SIGNET_CREDENTIAL_ACME_PHOTOS'])
    const after = account().secrets
    expect(after.SIGNET_CREDENTIAL_ACME_FILES).toBe(before.SIGNET_CREDENTIAL_ACME_FILES)
    expect(after.SIGNET_ADMIN_TOKEN).toBe(before.SIGNET_ADMIN_TOKEN)
    expect(JSON.parse(written().vars.SIGNET_BUCKETS)).toEqual({
      'acme-files': { binding: 'BUCKET_ACME_FILES' },
      'acme-photos': { binding: 'BUCKET_ACME_PHOTOS' },
    })
    expect(written().r2_buckets).toHaveLength(2)
    expect(lines(added.commands)).toContain('r2 bucket create acme-photos')
  })

  it('sets up a Google Cloud Storage bucket with its service-account key file', () => {
    const keyFile = join(scratch, 'media-key.json')
    const key = { type: 'service_account', client_email: 'signet@acme.iam.gserviceaccount.com' }
    writeFileSync(keyFile, JSON.stringify(key))
    const missing = setup(['--yes', '--gcs', 'media=acme-media'])
    expect(missing.status).toBe(1)
    expect(missing.err).toContain('SIGNET_GCS_MEDIA_KEY_FILE')
    const gcs = setup(['--yes', '--gcs', 'media=acme-media'], {
      SIGNET_GCS_MEDIA_KEY_FILE: keyFile,
    })
    expect(gcs.status, gcs.err).toBe(0)
    expect(gcs.commands.at(-1)?.secrets).toEqual(['SIGNET_CREDENTIAL_MEDIA'])
    expect(JSON.parse(account().secrets.SIGNET_CREDENTIAL_MEDIA ?? '{}')).toEqual(key)
    expect(JSON.parse(written().vars.SIGNET_BUCKETS ?? '{}').media).toEqual({
      endpoint: 'https://storage.googleapis.com',
      bucket: 'acme-media',
    })
  })

  it('rotates a gateway pair, keeping the one in use as previous, and refuses without it', () => {
    const inUse = JSON.parse(account().secrets.SIGNET_CREDENTIAL_ACME_FILES ?? '{}')
    const refused = setup(['--yes', '--rotate', 'acme-files'])
    expect(refused.status).toBe(1)
    expect(refused.err).toContain('SIGNET_GATEWAY_ACME_FILES_ACCESS_KEY_ID')
    expect(refused.commands.filter((command) => command.args[0] === 'deploy')).toEqual([])
    const rotated = setup(['--yes', '--rotate', 'acme-files'], {
      SIGNET_GATEWAY_ACME_FILES_ACCESS_KEY_ID: inUse.accessKeyId,
      SIGNET_GATEWAY_ACME_FILES_SECRET_ACCESS_KEY: inUse.secretAccessKey,
    })
    expect(rotated.status, rotated.err).toBe(0)
    const now = JSON.parse(account().secrets.SIGNET_CREDENTIAL_ACME_FILES ?? '{}')
    expect(now.accessKeyId).not.toBe(inUse.accessKeyId)
    expect(now.previous).toEqual(inUse)
    expect(rotated.out).toContain(`Gateway key pair of acme-files (shown once`)
    expect(rotated.out).toContain(now.secretAccessKey)
  })

  it("moves an older setup's [env.production] out of wrangler.toml, which is the release's again", () => {
    const release = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')
    const legacy = `${release}
# ---- npm run setup: the production environment (wrangler deploy --env production) ----
[env.production]
name = "acme"
d1_databases = [{ binding = "DB", database_name = "acme", database_id = "0f0e0d0c-0b0a-4909-8807-060504030201", migrations_dir = "migrations" }]
[env.production.vars]
SIGNET_BUCKETS = '{"acme-files":{"binding":"BUCKET_ACME_FILES"}}'
SIGNET_CORS_ORIGINS = '["https://app.acme.example"]'
# ---- end of npm run setup ----
`
    writeFileSync(config, legacy)
    rmSync(production)
    const moved = setup(['--yes'])
    expect(moved.status, moved.err).toBe(0)
    expect(readFileSync(config, 'utf8')).toBe(release)
    expect(written()).toMatchObject({
      name: 'acme',
      vars: { SIGNET_CORS_ORIGINS: '["https://app.acme.example"]' },
    })
    // Its bucket came with it, so it gets no new credential (the old SIGNET_CREDENTIALS holds it).
    expect(lines(moved.commands)).not.toContain('d1 create acme')
  })
})

describe('npm run deploy', () => {
  it('applies the D1 migrations remotely, then deploys the production configuration', () => {
    const deployed = script('deploy', [])
    expect(deployed.status, deployed.err).toBe(0)
    expect(lines(deployed.commands)).toEqual([
      'd1 migrations apply DB --remote --config <production>',
      'deploy --config <production>',
    ])
  })

  it('deploys nothing when the migrations fail', () => {
    const failed = script('deploy', [], { FAKE_WRANGLER_FAIL: 'd1 migrations' })
    expect(failed.status).not.toBe(0)
    expect(failed.commands.map((command) => command.args[0])).toEqual(['d1'])
    expect(failed.err).toContain('the D1 migrations failed, so nothing was deployed')
  })

  it('says npm run setup comes first where there is no production configuration', () => {
    rmSync(production)
    copyFileSync(join(ROOT, 'wrangler.toml'), config)
    const refused = script('deploy', [])
    expect(refused.status).toBe(1)
    expect(refused.commands).toEqual([])
    expect(refused.err).toContain('`npm run setup` comes first')
  })
})
