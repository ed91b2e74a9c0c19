// Starts Signet under `wrangler dev` on a free loopback port with its own local state and
// secrets, for tests that need real HTTP clients (awscli, boto3, curl). Stopped by PID.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..', '..')
const WRANGLER = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js')

export type WorkerServer = {
  origin: string
  adminToken: string
  credential: { accessKeyId: string; secretAccessKey: string }
  stop: () => Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

export type WorkerOptions = {
  /** Extra buckets and their credentials, next to the gateway bucket `local`. */
  buckets?: Record<string, unknown>
  credentials?: Record<string, unknown>
  /** Other vars (SIGNET_OBJECT_CACHE_SECONDS, …). */
  vars?: Record<string, string>
  /** Local state to serve (kept when stopped), instead of a new folder of its own. */
  persistTo?: string
}

export async function startWorker(options: WorkerOptions = {}): Promise<WorkerServer> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-worker-'))
  const state = options.persistTo ?? dir
  const adminToken = 'e2e-admin-token-0123456789'
  const credential = {
    accessKeyId: 'SIGNETE2EKEY',
    secretAccessKey: 'signet-e2e-secret-0123456789',
  }
  const envFile = join(dir, 'test.env')
  writeFileSync(
    envFile,
    [
      `SIGNET_ADMIN_TOKEN=${adminToken}`,
      // As under npm start: webhooks may point at a receiver on loopback.
      'SIGNET_DEVELOPMENT=true',
      `SIGNET_CREDENTIALS='${JSON.stringify({ local: credential, ...options.credentials })}'`,
      `SIGNET_BUCKETS='${JSON.stringify({ local: { binding: 'BUCKET_LOCAL' }, ...options.buckets })}'`,
      ...Object.entries(options.vars ?? {}).map(([name, value]) => `${name}=${value}`),
      '',
    ].join('\n'),
  )
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' }
  const migrate = spawnSync(
    process.execPath,
    [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state],
    {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    },
  )
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`)
  const port = await freePort()
  const child: ChildProcess = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      state,
      '--env-file',
      envFile,
      '--show-interactive-dev-session=false',
      '--inspector-port',
      '0',
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  )
  const origin = `http://127.0.0.1:${port}`
  const stop = await superviseUntilHealthy(child, origin, 'wrangler dev', () =>
    rmSync(dir, { recursive: true, force: true }),
  )
  return { origin, adminToken, credential, stop }
}

/**
 * Waits until a spawned server answers /healthz (60 s at most) and gives back its stopper, which
 * kills the whole process group by PID and then runs `cleanup`.
 */
async function superviseUntilHealthy(
  child: ChildProcess,
  origin: string,
  what: string,
  cleanup: () => void = () => {},
): Promise<() => Promise<void>> {
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
      await new Promise((resolve) => setTimeout(resolve, 300))
    }
    cleanup()
  }
  for (let i = 0; i < 120; i++) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    if (child.exitCode !== null) break
    try {
      if ((await fetch(`${origin}/healthz`)).ok) return stop
    } catch {
      // not listening yet
    }
  }
  await stop()
  throw new Error(`${what} did not become healthy:\n${output.slice(-3000)}`)
}

/** Calls the running Worker's JSON API with a token; answers the parsed body (or null). */
export async function callApi<T = Record<string, unknown>>(
  server: Pick<WorkerServer, 'origin'>,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await response.text()
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T }
}

/** Creates an API key with `scope` through the admin API and returns the key. */
export async function createApiKey(
  server: Pick<WorkerServer, 'origin' | 'adminToken'>,
  name: string,
  scope: Record<string, unknown>,
): Promise<string> {
  const created = await callApi<{ key: string }>(server, server.adminToken, 'POST', '/v1/keys', {
    name,
    scope,
  })
  if (created.status !== 201) throw new Error(`key creation failed: ${created.status}`)
  return created.body.key
}

/**
 * `npm start` as the README says it (scripts/dev.mjs: .dev.vars, local D1 migrations, wrangler
 * dev), in `root` (this repository, or a fresh clone of it), on a free loopback port. `persistTo`
 * keeps its local D1 and R2 in a folder of its own, so two suites never share a database file.
 * Its admin token is read from `.dev.vars`.
 */
export async function startLocalDefault(
  persistTo?: string,
  root = ROOT,
  extra: string[] = [],
): Promise<Omit<WorkerServer, 'credential'> & { output: () => string }> {
  const port = await freePort()
  const child = spawn(
    'npm',
    [
      'start',
      '--',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      ...(persistTo ? ['--persist-to', persistTo] : []),
      ...extra,
    ],
    {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  )
  const origin = `http://127.0.0.1:${port}`
  let output = ''
  child.stdout?.on('data', (chunk) => (output += chunk))
  child.stderr?.on('data', (chunk) => (output += chunk))
  const stop = await superviseUntilHealthy(child, origin, 'npm start')
  const vars = readFileSync(join(root, '.dev.vars'), 'utf8')
  const adminToken = /^SIGNET_ADMIN_TOKEN=(.+)$/m.exec(vars)?.[1]?.trim()
  if (!adminToken) {
    await stop()
    throw new Error('.dev.vars has no SIGNET_ADMIN_TOKEN')
  }
  return { origin, adminToken, stop, output: () => output }
}
