// The buckets' configuration: SIGNET_BUCKETS (a gateway binding or a remote endpoint per name),
// their credentials (SIGNET_CREDENTIALS and SIGNET_CREDENTIAL_<NAME>), and the one store built for
// each. A problem that concerns one bucket disables that bucket alone.
import { z } from '@hono/zod-openapi'
import { ConfigError } from '../errors'
import { pemToPkcs8, type ServiceAccount } from '../s3/goog4'
import { BUCKET_NAME } from '../schemas'
import { defaultRegion, defaultStyle, GCS_HOST, providerOf } from '../stores/endpoint'
import { GcsStore } from '../stores/gcs'
import { type GatewayTarget, R2BindingStore } from '../stores/r2-binding'
import { type RemoteTarget, S3RemoteStore } from '../stores/s3-remote'
import type { Credential, Store } from '../stores/store'

export type Target = RemoteTarget | GatewayTarget

const remoteTargetSchema = z.strictObject({
  endpoint: z.string().max(2048),
  region: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/)
    .optional(),
  bucket: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,255}$/)
    .optional(),
  style: z.enum(['path', 'virtual']).optional(),
})
const gatewayTargetSchema = z.strictObject({
  binding: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
})

const keyPairSchema = z.strictObject({
  accessKeyId: z.string().regex(/^[A-Za-z0-9_.-]{3,128}$/),
  secretAccessKey: z.string().min(8).max(256),
})
const credentialSchema = keyPairSchema.extend({
  sessionToken: z.string().min(1).max(8192).optional(),
  expiresAt: z.union([z.string().max(64), z.number().int().positive()]).optional(),
  /** A gateway bucket's previous key pair: what it signed still verifies until it is removed. */
  previous: keyPairSchema.optional(),
})
/** A Google service-account key file exactly as Google hands it out (other fields kept aside). */
const serviceAccountSchema = z.looseObject({
  type: z.literal('service_account'),
  client_email: z.string().regex(/^[^\s@/]{1,128}@[A-Za-z0-9.-]{1,253}$/),
  private_key: z.string().min(100).max(16384),
})

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)
}

/** Reads a JSON variable that may arrive as a string (vars, secrets) or already parsed (objects in wrangler config). */
export function readJson(variable: string, value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    throw new ConfigError(variable, 'is not valid JSON')
  }
}

/** Describes where a schema failed without the value: "at local.endpoint: Invalid input". */
export function describe(variable: string, error: z.ZodError, bucket?: string): ConfigError {
  const first = error.issues[0]
  const path = [...(bucket === undefined ? [] : [bucket]), ...(first?.path ?? [])]
  const at = path.length > 0 ? ` at ${path.join('.')}` : ''
  return new ConfigError(variable, `is invalid${at}: ${first?.code ?? 'invalid'}`, bucket)
}

function parseTarget(
  name: string,
  raw: z.infer<typeof gatewayTargetSchema> | z.infer<typeof remoteTargetSchema>,
  env: Record<string, unknown>,
): Target {
  if ('binding' in raw) {
    // The gateway also answers at /<bucket>/<key>: a name must not shadow a route of Signet's.
    if (RESERVED_NAMES.has(name)) {
      throw new ConfigError('SIGNET_BUCKETS', `${name} is the name of one of Signet's own routes`)
    }
    const bucket = env[raw.binding] as R2Bucket | undefined
    if (!bucket || typeof bucket !== 'object' || typeof bucket.get !== 'function') {
      throw new ConfigError('SIGNET_BUCKETS', `${name}.binding names no R2 binding of this Worker`)
    }
    return { kind: 'gateway', name, binding: raw.binding, bucket }
  }
  let endpoint: URL
  try {
    endpoint = new URL(raw.endpoint)
  } catch {
    throw new ConfigError('SIGNET_BUCKETS', `${name}.endpoint is not a URL`)
  }
  if (endpoint.protocol !== 'https:' && !(endpoint.protocol === 'http:' && isLoopback(endpoint))) {
    throw new ConfigError(
      'SIGNET_BUCKETS',
      `${name}.endpoint must be https (http only for loopback)`,
    )
  }
  if (endpoint.username || endpoint.password || endpoint.search || endpoint.hash) {
    throw new ConfigError('SIGNET_BUCKETS', `${name}.endpoint must be a bare origin`)
  }
  if (endpoint.pathname !== '/') {
    throw new ConfigError('SIGNET_BUCKETS', `${name}.endpoint must have no path`)
  }
  const provider = providerOf(endpoint)
  const region = raw.region ?? defaultRegion(endpoint)
  if (!region) throw new ConfigError('SIGNET_BUCKETS', `${name}.region is required`)
  const bucket = raw.bucket ?? name
  // Virtual-hosted style needs a DNS-compatible name and TLS that covers it (no dots).
  const dnsSafe = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)
  const style = raw.style ?? defaultStyle(provider, dnsSafe)
  if (style === 'virtual' && !dnsSafe) {
    throw new ConfigError('SIGNET_BUCKETS', `${name}.style "virtual" needs a DNS-compatible bucket`)
  }
  return { kind: 'remote', name, endpoint, region, bucket, style }
}

/** First path segments of Signet's own routes, which no gateway bucket may take. */
const RESERVED_NAMES = new Set([
  'v1',
  's',
  's3',
  'docs',
  'healthz',
  'openapi.json',
  'console',
  'favicon.ico',
])

/** The one place a target's kind picks its store. */
function buildStore(
  target: Target,
  credential: Credential | undefined,
  account: ServiceAccount | undefined,
): Store {
  if ('binding' in target) return new R2BindingStore(target, credential as Credential)
  if (account) return new GcsStore(target, account)
  return new S3RemoteStore(target, credential as Credential)
}

function parseExpiresAt(variable: string, name: string, value: string | number): number {
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value)
  if (!Number.isFinite(ms)) throw new ConfigError(variable, `${name}.expiresAt is not a date`)
  return Math.floor(ms / 1000)
}

/**
 * A bucket's own secret (`SIGNET_CREDENTIAL_<NAME>`: the name in capitals, `.` and `-` as `_`),
 * beside SIGNET_CREDENTIALS: one secret per bucket can be set without reading the others back.
 */
export function credentialVariable(bucket: string): string {
  return `SIGNET_CREDENTIAL_${bucket.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`
}

/**
 * The buckets and their stores. A problem that concerns one bucket (its target, its credential)
 * disables that bucket alone: it is left out of `stores` and kept in `broken`, and everything else
 * keeps working.
 */
export function parseBuckets(env: Record<string, unknown>) {
  const broken = new Map<string, ConfigError>()
  const problems: ConfigError[] = []
  const bucketsJson = readJson('SIGNET_BUCKETS', env.SIGNET_BUCKETS ?? '{}')
  const bucketsRaw = z.record(z.string(), z.unknown()).safeParse(bucketsJson)
  if (!bucketsRaw.success) throw describe('SIGNET_BUCKETS', bucketsRaw.error)
  const buckets = new Map<string, Target>()
  for (const [name, raw] of Object.entries(bucketsRaw.data)) {
    try {
      if (!BUCKET_NAME.test(name)) {
        throw new ConfigError('SIGNET_BUCKETS', `bucket name ${name} is not 3-63 of [a-z0-9.-]`)
      }
      const entry = z.union([gatewayTargetSchema, remoteTargetSchema]).safeParse(raw)
      if (!entry.success) throw describe('SIGNET_BUCKETS', entry.error, name)
      buckets.set(name, parseTarget(name, entry.data, env))
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      broken.set(name, new ConfigError(error.variable, error.reason, name))
    }
  }

  // Every credential's source: the bucket's own secret, else its entry in SIGNET_CREDENTIALS.
  const entries = new Map<string, { variable: string; raw: unknown }>()
  let shared: Record<string, unknown> = {}
  try {
    const parsed = z
      .record(z.string(), z.unknown())
      .safeParse(readJson('SIGNET_CREDENTIALS', env.SIGNET_CREDENTIALS ?? '{}'))
    if (!parsed.success) throw describe('SIGNET_CREDENTIALS', parsed.error)
    shared = parsed.data
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    problems.push(error)
  }
  for (const [name, raw] of Object.entries(shared)) {
    if (!buckets.has(name) && !broken.has(name)) {
      problems.push(
        new ConfigError('SIGNET_CREDENTIALS', `${name} is not a bucket in SIGNET_BUCKETS`),
      )
      continue
    }
    entries.set(name, { variable: 'SIGNET_CREDENTIALS', raw })
  }
  for (const name of buckets.keys()) {
    const variable = credentialVariable(name)
    const own = env[variable]
    if (own === undefined || own === '') continue
    try {
      entries.set(name, { variable, raw: readJson(variable, own) })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      broken.set(name, new ConfigError(variable, error.reason, name))
    }
  }

  const stores = new Map<string, Store>()
  const credentials = new Map<string, Credential>()
  for (const [name, target] of buckets) {
    if (broken.has(name)) continue
    try {
      const entry = entries.get(name)
      if (!entry) {
        throw new ConfigError(
          problems.some((problem) => problem.variable === 'SIGNET_CREDENTIALS' && !problem.bucket)
            ? 'SIGNET_CREDENTIALS'
            : credentialVariable(name),
          `has no credential for bucket ${name}`,
        )
      }
      const parsed = parseCredential(entry.variable, name, target, entry.raw)
      if ('clientEmail' in parsed) {
        stores.set(name, buildStore(target, undefined, parsed))
      } else {
        credentials.set(name, parsed)
        stores.set(name, buildStore(target, parsed, undefined))
      }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      broken.set(name, new ConfigError(error.variable, error.reason, name))
    }
  }
  for (const name of broken.keys()) buckets.delete(name)
  return { buckets, credentials, stores, broken, problems: [...problems, ...broken.values()] }
}

/** One bucket's credential: a key pair (with the previous pair a gateway still takes) or a GCS key file. */
function parseCredential(
  variable: string,
  name: string,
  target: Target,
  raw: unknown,
): Credential | ServiceAccount {
  const parsed = z.union([credentialSchema, serviceAccountSchema]).safeParse(raw)
  if (!parsed.success) throw describe(variable, parsed.error, name)
  const value = parsed.data
  if ('type' in value) {
    // Named by bucket and field only: a key file's contents never reach a message.
    if ('binding' in target || providerOf(target.endpoint) !== 'gcs') {
      throw new ConfigError(
        variable,
        `${name} has a service-account key, which signs only for ${GCS_HOST}`,
      )
    }
    if (!pemToPkcs8(value.private_key)) {
      throw new ConfigError(variable, `${name}.private_key is not a PKCS#8 PEM key`)
    }
    return { clientEmail: value.client_email, privateKey: value.private_key }
  }
  const credential: Credential = {
    accessKeyId: value.accessKeyId,
    secretAccessKey: value.secretAccessKey,
  }
  if (value.sessionToken !== undefined) credential.sessionToken = value.sessionToken
  if (value.expiresAt !== undefined) {
    credential.expiresAt = parseExpiresAt(variable, name, value.expiresAt)
  }
  if (value.previous !== undefined) {
    // Only the gateway verifies: a remote store's previous key is the store's business.
    if (!('binding' in target)) {
      throw new ConfigError(variable, `${name}.previous is taken only for a gateway bucket`)
    }
    if (value.previous.accessKeyId === value.accessKeyId) {
      throw new ConfigError(variable, `${name}.previous has the current accessKeyId`)
    }
    credential.previous = { ...value.previous }
  }
  return credential
}
