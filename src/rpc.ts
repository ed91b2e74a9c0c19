// The service-binding RPC entrypoint. Trust boundary: the calling Worker is identified by the
// binding's props ({name, scope}), set in the caller's wrangler configuration; every method
// validates its input with the HTTP schemas and goes through the same scope checks. Workers RPC
// ignores TypeScript's `private`: every helper is an ECMAScript `#private` member, so a bound
// Worker can call exactly the public methods (SignetRpcMethods in api.ts, the types the package
// publishes as `<package>/rpc`) and nothing that holds the configuration. The methods' types are
// the caller's promise; their input is still validated here, as anything another Worker sends.
import { WorkerEntrypoint } from 'cloudflare:workers'
import { z } from '@hono/zod-openapi'
import type {
  InspectRequest,
  PresignRequest,
  PutObjectOptions,
  RpcError,
  RpcResult,
  ShareRequest,
  SignetRpcMethods,
  UploadLinkRequest,
} from './api'
import { enforceRateLimit } from './auth/rate-limit'
import { type Config, getConfig } from './config'
import type { Caller } from './env'
import { AppError, INTERNAL_ERROR_MESSAGE, logFailure, toIssues } from './errors'
import { MAX_BATCH } from './lib/limits'
import {
  InspectRequestSchema,
  PresignRequestSchema,
  ScopeSchema,
  ShareRequestSchema,
  UploadLinkRequestSchema,
} from './schemas'
import { inspectFor } from './services/inspect'
import { getObject, putObject } from './services/objects'
import { presign } from './services/presign'
import { createShare, revokeOwnShare, type ShareContext } from './services/shares'
import {
  createUploadLink,
  revokeOwnUploadLink,
  type UploadLinkContext,
} from './services/upload-links'
import type { UploadContext } from './services/uploads'

export type { RpcError, RpcResult }

const PropsSchema = z.object({
  name: z.string().min(1).max(100),
  scope: ScopeSchema,
})

export type SignetRpcProps = z.input<typeof PropsSchema>

function parse<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    throw new AppError('invalid_request', 'The request is not valid.', {
      issues: toIssues(parsed.error.issues),
    })
  }
  return parsed.data
}

export class SignetRpc extends WorkerEntrypoint<Env, SignetRpcProps> implements SignetRpcMethods {
  async #caller(): Promise<Caller> {
    const props = PropsSchema.safeParse(this.ctx.props)
    if (!props.success) {
      throw new AppError('forbidden', 'This binding has no valid {name, scope} in its props.')
    }
    const caller: Caller = { kind: 'binding', name: props.data.name, scope: props.data.scope }
    await enforceRateLimit(this.env as unknown as Record<string, unknown>, caller)
    return caller
  }

  #origin(): URL {
    const origin = getConfig(this.env).publicOrigin
    if (!origin) {
      throw new AppError(
        'invalid_request',
        'SIGNET_PUBLIC_ORIGIN is not set, so Signet cannot make URLs that point at itself over RPC.',
      )
    }
    return origin
  }

  /** Links point at SIGNET_PUBLIC_ORIGIN; revoking makes none, so it needs no origin. */
  async #shareContext(makesLinks: boolean): Promise<ShareContext> {
    return {
      principal: await this.#caller(),
      config: getConfig(this.env),
      db: this.env.DB,
      shares: this.env.SHARES,
      origin: makesLinks ? this.#origin().origin : '',
    }
  }

  /** Upload links point at SIGNET_PUBLIC_ORIGIN; revoking makes none. */
  async #uploadLinkContext(makesLinks: boolean): Promise<UploadLinkContext> {
    return {
      principal: await this.#caller(),
      config: getConfig(this.env),
      db: this.env.DB,
      links: this.env.UPLOAD_LINKS,
      origin: makesLinks ? this.#origin().origin : '',
    }
  }

  async #run<T>(work: () => Promise<T>): Promise<RpcResult<T>> {
    try {
      return { ok: true, value: await work() }
    } catch (error) {
      if (error instanceof AppError) {
        const failed: RpcError = { code: error.code, message: error.message }
        if (error.issues) failed.issues = error.issues
        return { ok: false, error: failed }
      }
      logFailure(undefined, 'rpc', error)
      return { ok: false, error: { code: 'internal_error', message: INTERNAL_ERROR_MESSAGE } }
    }
  }

  /** One presign for a caller: URLs to gateway buckets point at SIGNET_PUBLIC_ORIGIN. */
  #presignOne(caller: Caller, config: Config, request: unknown) {
    const parsed = parse(PresignRequestSchema, request)
    const origin = config.stores.get(parsed.bucket)?.servedBySignet
      ? this.#origin()
      : new URL('https://rpc.invalid')
    return presign(parsed, { caller, config, origin, now: new Date() })
  }

  presign(request: PresignRequest) {
    return this.#run(async () =>
      this.#presignOne(await this.#caller(), getConfig(this.env), request),
    )
  }

  presignBatch(items: PresignRequest[]) {
    return this.#run(async () => {
      const caller = await this.#caller()
      const config = getConfig(this.env)
      const list = parse(z.array(z.unknown()).min(1).max(MAX_BATCH), items)
      const results: RpcResult<Awaited<ReturnType<typeof presign>>>[] = []
      for (const item of list)
        results.push(await this.#run(() => this.#presignOne(caller, config, item)))
      return results
    })
  }

  createShare(request: ShareRequest) {
    return this.#run(async () =>
      createShare(await this.#shareContext(true), parse(ShareRequestSchema, request)),
    )
  }

  revokeShare(id: string) {
    return this.#run(async () => {
      await revokeOwnShare(await this.#shareContext(false), parse(z.string().max(64), id))
      return { revoked: true as const }
    })
  }

  createUploadLink(request: UploadLinkRequest) {
    return this.#run(async () =>
      createUploadLink(
        await this.#uploadLinkContext(true),
        parse(UploadLinkRequestSchema, request),
      ),
    )
  }

  revokeUploadLink(id: string) {
    return this.#run(async () => {
      await revokeOwnUploadLink(await this.#uploadLinkContext(false), parse(z.string().max(64), id))
      return { revoked: true as const }
    })
  }

  inspect(request: InspectRequest | string) {
    return this.#run(async () => {
      const body = parse(
        InspectRequestSchema,
        typeof request === 'string' ? { url: request } : request,
      )
      const config = getConfig(this.env)
      return inspectFor(await this.#caller(), config, body, config.publicOrigin)
    })
  }

  async #uploadContext(): Promise<UploadContext> {
    const config = getConfig(this.env)
    return {
      caller: await this.#caller(),
      config,
      origin: config.publicOrigin ?? new URL('https://rpc.invalid'),
      now: new Date(),
      events: this.env.EVENTS,
    }
  }

  /** Stores a stream at the key (its length given), scope-checked as a PUT; never held whole. */
  putObject(bucket: string, key: string, body: ReadableStream, options: PutObjectOptions) {
    return this.#run(async () => {
      const where = parse(ObjectAddress, { bucket, key })
      const given = parse(PutOptionsSchema, options ?? {})
      if (!(body instanceof ReadableStream)) {
        throw new AppError('invalid_request', 'body must be a ReadableStream.')
      }
      return putObject(await this.#uploadContext(), { ...where, ...given }, body)
    })
  }

  /** The object's bytes as a stream, scope-checked as a GET. */
  getObject(bucket: string, key: string) {
    return this.#run(async () =>
      getObject(await this.#uploadContext(), parse(ObjectAddress, { bucket, key })),
    )
  }
}

const ObjectAddress = z.object({ bucket: z.string().max(63), key: z.string().max(1024) })
const PutOptionsSchema = z.object({
  contentType: z.string().max(255).optional(),
  contentLength: z.number().int().min(0),
})
