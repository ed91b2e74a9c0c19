// The Hono environment: bindings from wrangler.toml (generated Env) and per-request variables.
// The only place the Hono generic is spelled; everything else imports AppEnv.
import type { Config } from './config'
import type { Timing } from './lib/timing'
import type { Scope } from './schemas'

/** Who is calling. Admins manage keys only; every other principal acts within a scope. */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'key'; id: string; name: string; scope: Scope }
  | { kind: 'jwt'; subject: string; scope: Scope }
  | { kind: 'binding'; name: string; scope: Scope }

export type Caller = Exclude<Principal, { kind: 'admin' }>

export type AppEnv = {
  Bindings: Env
  Variables: {
    requestId: string
    config: Config
    principal: Principal
    /** Where this request's time goes (Server-Timing). */
    timing: Timing
    /** The D1 binding, every query counted in `timing`. */
    db: D1Database
    /** The share links' Durable Objects, every call counted in `timing`. */
    shares: Env['SHARES']
    /** The upload links' Durable Objects, every call counted in `timing`. */
    uploadLinks: Env['UPLOAD_LINKS']
  }
}
