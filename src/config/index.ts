// Configuration: vars and secrets parsed and bound-checked once per env object, and one store
// built per configured bucket. Trusts nothing in env. A bad value throws ConfigError naming the
// variable (never its value); the error handler logs that name and answers internal_error, so
// nothing is signed with half a config.
import { z } from '@hono/zod-openapi'
import { AppError, ConfigError } from '../errors'
import {
  DEFAULT_KEY_CACHE_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_NOTIFY_SECONDS,
  DEFAULT_OBJECT_CACHE_SECONDS,
  DEFAULT_REDIRECT_SECONDS,
  DEFAULT_SHARE_CHECK_SECONDS,
  DEFAULT_WEBHOOK_RETRY_SECONDS,
  MAX_NOTIFY_SECONDS,
  MAX_OBJECT_CACHE_SECONDS,
  MAX_PUT_SIZE,
  MAX_REDIRECT_SECONDS,
  MAX_SHARE_CHECK_SECONDS,
  MIN_PART_SIZE,
  MIN_REDIRECT_SECONDS,
  ZIP_MAX_BYTES,
  ZIP_MAX_FILES,
} from '../lib/limits'
import type { GatewayTarget } from '../stores/r2-binding'
import type { RemoteTarget } from '../stores/s3-remote'
import type { Credential, Store } from '../stores/store'
import { type Brand, parseBrand } from './brand'
import type { Target } from './buckets'
import { describe, isLoopback, parseBuckets, readJson } from './buckets'

export { credentialVariable } from './buckets'
export type { Brand, Credential, GatewayTarget, RemoteTarget, Store, Target }

export type JwtConfig = {
  issuer: string
  audience: string
  jwksUrl: URL
  clockToleranceSeconds: number
  /** The least time between two JWKS fetches for an unknown kid. */
  jwksCooldownSeconds: number
  /** A scope with `{claim}` placeholders, filled per token and validated then. */
  scope: Record<string, unknown>
  /**
   * Cloudflare Access in front of Signet: a request without Authorization is signed in by the
   * `Cf-Access-Jwt-Assertion` header Access adds (verified as any JWT), its `email` the owner.
   */
  cloudflareAccess: boolean
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
  /** SIGNET_BRAND: the console's and the public pages' name, colour and logo (null: Signet's). */
  brand: Brand | null
  /**
   * Mail (`notify`): the sender (SIGNET_EMAIL_FROM) where the EMAIL binding is there too (null:
   * no mail), and how long a link's later events gather into one mail (SIGNET_NOTIFY_SECONDS).
   */
  mail: { from: string } | null
  notifySeconds: number
}

const jwtSchema = z.strictObject({
  issuer: z.string().min(1).max(512),
  audience: z.string().min(1).max(512),
  jwksUrl: z.string().max(2048),
  clockToleranceSeconds: z.number().int().min(0).max(300).optional(),
  jwksCooldownSeconds: z.number().int().min(0).max(3600).optional(),
  scope: z.record(z.string(), z.unknown()),
  cloudflareAccess: z.boolean().optional(),
})

/** A configuration problem /healthz reports: the variable, the bucket it disables, what (no value). */
export type ConfigProblem = { variable: string; bucket?: string; message: string }

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
      cloudflareAccess: jwtRaw.data.cloudflareAccess ?? false,
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
  const brand = parseBrand(env.SIGNET_BRAND)
  const mail = mailConfig(env)
  return {
    stores,
    buckets,
    credentials,
    broken,
    problems: [
      ...problems.map((problem) => ({
        variable: problem.variable,
        ...(problem.bucket === undefined ? {} : { bucket: problem.bucket }),
        message: problem.reason,
      })),
      ...(brand.problem ? [{ variable: 'SIGNET_BRAND', message: brand.problem }] : []),
      ...mail.problems,
    ],
    brand: brand.brand,
    ...mail.fields,
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

/** Mail about links: a sender and the EMAIL binding, or none (a bad sender is a problem). */
function mailConfig(env: Record<string, unknown>) {
  const from = env.SIGNET_EMAIL_FROM
  const bad = typeof from === 'string' && from !== '' && !MAIL_ADDRESS.test(from)
  const notifySeconds = wholeVar(env, 'SIGNET_NOTIFY_SECONDS', DEFAULT_NOTIFY_SECONDS, [
    1,
    MAX_NOTIFY_SECONDS,
  ])
  const ready = typeof from === 'string' && from !== '' && !bad && env.EMAIL !== undefined
  return {
    fields: { mail: ready ? { from } : null, notifySeconds },
    problems: bad ? [{ variable: 'SIGNET_EMAIL_FROM', message: 'is not an email address' }] : [],
  }
}

/** An address a mail can come from: one `@`, no spaces (the binding checks the rest). */
const MAIL_ADDRESS = /^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$/

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
