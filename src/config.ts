// Configuration: vars and secrets parsed and bound-checked once per env object, and one store
// built per configured bucket. Trusts nothing in env. A bad value throws ConfigError naming the
// variable (never its value); the error handler logs that name and answers internal_error, so
// nothing is signed with half a config.
import { z } from '@hono/zod-openapi'
import { AppError, ConfigError } from './errors'
import {
  DEFAULT_KEY_CACHE_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_OBJECT_CACHE_SECONDS,
  DEFAULT_REDIRECT_SECONDS,
  DEFAULT_SHARE_CHECK_SECONDS,
  DEFAULT_WEBHOOK_RETRY_SECONDS,
  MAX_OBJECT_CACHE_SECONDS,
  MAX_PUT_SIZE,
  MAX_REDIRECT_SECONDS,
  MAX_SHARE_CHECK_SECONDS,
  MIN_PART_SIZE,
  MIN_REDIRECT_SECONDS,
  ZIP_MAX_BYTES,
  ZIP_MAX_FILES,
} from './lib/limits'
import { pemToPkcs8, type ServiceAccount } from './s3/goog4'
import { BUCKET_NAME } from './schemas'
import { defaultRegion, defaultStyle, GCS_HOST, providerOf } from './stores/endpoint'
import { GcsStore } from './stores/gcs'
import { type GatewayTarget, R2BindingStore } from './stores/r2-binding'
import { type RemoteTarget, S3RemoteStore } from './stores/s3-remote'
import type { Credential, Store } from './stores/store'

export type { Credential, GatewayTarget, RemoteTarget, Store }
export type Target = RemoteTarget | GatewayTarget

export type JwtConfig = {
  issuer: string
  audience: string
  jwksUrl: URL
  clockToleranceSeconds: number
  /** The least time between two JWKS fetches for an unknown kid. */
  jwksCooldownSeconds: number
  /** A scope with `{claim}` placeholders, filled per token and validated then. */
  scope: Record<string, unknown>
}

export type Config = {
  /** One store per bucket: what every feature uses. */
  stores: ReadonlyMap<string, Store>
  /** Buckets a problem of their own disables, and why (their requests answer internal_error). */
  broken: ReadonlyMap<string, ConfigError>
  /** Every problem that disables a bucket or that /healthz reports (no value in any). */
  problems: readonly ConfigProblem[]
  /** The parsed targets and credentials the stores were built from. */
  buckets: ReadonlyMap<string, Target>
  credentials: ReadonlyMap<string, Credential>
  adminToken: string
  jwt: JwtConfig | undefined
  /** This Worker's public origin, for URLs made outside an HTTP request (RPC). */
  publicOrigin: URL | undefined
  /** How long an isolate may use a verified API key without asking D1 again (0: always ask). */
  keyCacheSeconds: number
  /** How long a share's redirect URL lives (SIGNET_REDIRECT_SECONDS), never past the share. */
  redirectSeconds: number
  /**
   * How long an isolate decides a share's uses from what its object last said
   * (SIGNET_SHARE_CHECK_SECONDS; 0: the object decides every use).
   */
  shareCheckSeconds: number
  /**
   * How long a location trusts the version of an object whose bytes it keeps
   * (SIGNET_OBJECT_CACHE_SECONDS; 0: no object cache).
   */
  objectCacheSeconds: number
  /** The wait before a failed webhook delivery's first retry (SIGNET_WEBHOOK_RETRY_SECONDS). */
  webhookRetrySeconds: number
  /** Browser origins allowed to call /v1/* (exact `scheme://host[:port]`); empty: none. */
  corsOrigins: ReadonlySet<string>
  /**
   * What one folder share's zip may hold (SIGNET_ZIP_MAX_FILES, SIGNET_ZIP_MAX_BYTES; at most
   * ZIP_MAX_FILES and ZIP_MAX_BYTES): past either, 413 before any byte.
   */
  zipLimits: { files: number; bytes: number }
  /**
   * The largest single PUT presigned for a gateway bucket (SIGNET_MAX_BODY_BYTES): its body comes
   * through the Worker, which Cloudflare caps (100 MB on Free and Pro). Larger: multipart.
   */
  maxBodyBytes: number
  /**
   * SIGNET_DEVELOPMENT: on under `npm start` and in tests, off in production. It only lets
   * webhooks point at loopback receivers (a receiver on the developer's own machine).
   */
  development: boolean
}

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

const jwtSchema = z.strictObject({
  issuer: z.string().min(1).max(512),
  audience: z.string().min(1).max(512),
  jwksUrl: z.string().max(2048),
  clockToleranceSeconds: z.number().int().min(0).max(300).optional(),
  jwksCooldownSeconds: z.number().int().min(0).max(3600).optional(),
  scope: z.record(z.string(), z.unknown()),
})

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname)
}

/** Reads a JSON variable that may arrive as a string (vars, secrets) or already parsed (objects in wrangler config). */
function readJson(variable: string, value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    throw new ConfigError(variable, 'is not valid JSON')
  }
}

/** Describes where a schema failed without the value: "at local.endpoint: Invalid input". */
function describe(variable: string, error: z.ZodError, bucket?: string): ConfigError {
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

/** A configuration problem /healthz reports: the variable, the bucket it disables, what (no value). */
export type ConfigProblem = { variable: string; bucket?: string; message: string }

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
function parseBuckets(env: Record<string, unknown>) {
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

export function parseConfig(env: Record<string, unknown>): Config {
  const { buckets, credentials, stores, broken, problems } = parseBuckets(env)

  const adminToken = env.SIGNET_ADMIN_TOKEN
  if (typeof adminToken !== 'string' || adminToken.length < 12 || adminToken.length > 512) {
    throw new ConfigError('SIGNET_ADMIN_TOKEN', 'must be set, 12 to 512 characters')
  }

  let jwt: JwtConfig | undefined
  if (env.SIGNET_JWT !== undefined && env.SIGNET_JWT !== '') {
    const jwtRaw = jwtSchema.safeParse(readJson('SIGNET_JWT', env.SIGNET_JWT))
    if (!jwtRaw.success) throw describe('SIGNET_JWT', jwtRaw.error)
    let jwksUrl: URL
    try {
      jwksUrl = new URL(jwtRaw.data.jwksUrl)
    } catch {
      throw new ConfigError('SIGNET_JWT', 'jwksUrl is not a URL')
    }
    if (jwksUrl.protocol !== 'https:' && !(jwksUrl.protocol === 'http:' && isLoopback(jwksUrl))) {
      throw new ConfigError('SIGNET_JWT', 'jwksUrl must be https (http only for loopback)')
    }
    jwt = {
      issuer: jwtRaw.data.issuer,
      audience: jwtRaw.data.audience,
      jwksUrl,
      clockToleranceSeconds: jwtRaw.data.clockToleranceSeconds ?? 30,
      jwksCooldownSeconds: jwtRaw.data.jwksCooldownSeconds ?? 30,
      scope: jwtRaw.data.scope,
    }
  }

  let publicOrigin: URL | undefined
  const originText = env.SIGNET_PUBLIC_ORIGIN
  if (originText !== undefined && originText !== '') {
    try {
      publicOrigin = new URL(String(originText))
    } catch {
      throw new ConfigError('SIGNET_PUBLIC_ORIGIN', 'is not a URL')
    }
    if (publicOrigin.pathname !== '/' || publicOrigin.search || publicOrigin.hash) {
      throw new ConfigError(
        'SIGNET_PUBLIC_ORIGIN',
        'must be a bare origin like https://signet.example.com',
      )
    }
  }

  const keyCacheSeconds = wholeVar(
    env,
    'SIGNET_KEY_CACHE_SECONDS',
    DEFAULT_KEY_CACHE_SECONDS,
    [0, 3600],
  )
  const redirectSeconds = wholeVar(env, 'SIGNET_REDIRECT_SECONDS', DEFAULT_REDIRECT_SECONDS, [
    MIN_REDIRECT_SECONDS,
    MAX_REDIRECT_SECONDS,
  ])

  const shareCheckSeconds = wholeVar(
    env,
    'SIGNET_SHARE_CHECK_SECONDS',
    DEFAULT_SHARE_CHECK_SECONDS,
    [0, MAX_SHARE_CHECK_SECONDS],
  )
  const objectCacheSeconds = wholeVar(
    env,
    'SIGNET_OBJECT_CACHE_SECONDS',
    DEFAULT_OBJECT_CACHE_SECONDS,
    [0, MAX_OBJECT_CACHE_SECONDS],
  )
  const webhookRetrySeconds = wholeVar(
    env,
    'SIGNET_WEBHOOK_RETRY_SECONDS',
    DEFAULT_WEBHOOK_RETRY_SECONDS,
    [1, 3600],
  )
  const corsOrigins = parseCorsOrigins(env.SIGNET_CORS_ORIGINS)
  const zipLimits = {
    files: wholeVar(env, 'SIGNET_ZIP_MAX_FILES', ZIP_MAX_FILES, [1, ZIP_MAX_FILES], 'files'),
    bytes: wholeVar(env, 'SIGNET_ZIP_MAX_BYTES', ZIP_MAX_BYTES, [1, ZIP_MAX_BYTES], 'bytes'),
  }

  return {
    stores,
    buckets,
    credentials,
    broken,
    problems: problems.map((problem) => ({
      variable: problem.variable,
      ...(problem.bucket === undefined ? {} : { bucket: problem.bucket }),
      message: problem.reason,
    })),
    adminToken,
    jwt,
    publicOrigin,
    keyCacheSeconds,
    redirectSeconds,
    shareCheckSeconds,
    objectCacheSeconds,
    webhookRetrySeconds,
    corsOrigins,
    zipLimits,
    development: flagVar(env, 'SIGNET_DEVELOPMENT'),
    maxBodyBytes: wholeVar(
      env,
      'SIGNET_MAX_BODY_BYTES',
      DEFAULT_MAX_BODY_BYTES,
      [MIN_PART_SIZE, MAX_PUT_SIZE],
      'bytes',
    ),
  }
}

/** A var that is "true" or "false" (unset or empty: false). */
function flagVar(env: Record<string, unknown>, variable: string): boolean {
  const text = env[variable]
  if (text === undefined || text === '' || text === 'false' || text === false) return false
  if (text === 'true' || text === true) return true
  throw new ConfigError(variable, 'must be true or false')
}

/** A var of whole `unit`s within [min, max]; its default when unset or empty. */
function wholeVar(
  env: Record<string, unknown>,
  variable: string,
  fallback: number,
  [min, max]: [number, number],
  unit = 'seconds',
): number {
  const text = env[variable]
  if (text === undefined || text === '') return fallback
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(variable, `must be whole ${unit} from ${min} to ${max}`)
  }
  return value
}

const cache = new WeakMap<object, Config>()

/** The parsed config for this env, parsed on first use. Throws ConfigError on any bad value. */
export function getConfig(env: object): Config {
  let config = cache.get(env)
  if (!config) {
    config = parseConfig(env as Record<string, unknown>)
    cache.set(env, config)
  }
  return config
}

/** SIGNET_CORS_ORIGINS: a JSON list of exact origins, each written as a browser sends it. */
function parseCorsOrigins(value: unknown): ReadonlySet<string> {
  if (value === undefined || value === '') return new Set()
  const parsed = z
    .array(z.string().max(256))
    .max(100)
    .safeParse(readJson('SIGNET_CORS_ORIGINS', value))
  if (!parsed.success) throw describe('SIGNET_CORS_ORIGINS', parsed.error)
  for (const [index, origin] of parsed.data.entries()) {
    let url: URL | undefined
    try {
      url = new URL(origin)
    } catch {
      url = undefined
    }
    if (!url || url.origin !== origin || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw new ConfigError(
        'SIGNET_CORS_ORIGINS',
        `entry ${index} is not an origin like https://app.example.com (no path, no wildcard)`,
      )
    }
  }
  return new Set(parsed.data)
}

/** The store of a bucket Signet serves; invalid_request for any other name. */
export function storeFor(config: Config, bucket: string): Store {
  const store = config.stores.get(bucket)
  if (store) return store
  // Its configuration is broken: internal_error, and a log line naming the variable.
  const broken = config.broken.get(bucket)
  if (broken) throw broken
  throw new AppError('invalid_request', 'bucket is not a bucket Signet serves.')
}

/** Whether Signet is configured to serve the bucket, working or not. */
export function isConfigured(config: Config, bucket: string): boolean {
  return config.stores.has(bucket) || config.broken.has(bucket)
}
