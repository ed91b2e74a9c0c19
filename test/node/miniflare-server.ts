// The bundled Worker under Miniflare (bench/serve.mjs), typed for the node tests.
import type { Log, Miniflare } from 'miniflare'
import { startSignet as start } from '../../bench/serve.mjs'
import type { WorkerServer } from './worker-server'

export type SignetServer = WorkerServer & { mf: Miniflare }

export type StartOptions = {
  /** Miniflare's log (the simulated mail binding logs each mail's file paths there). */
  log?: Log
  /** Workers beside Signet. */
  workers?: object[]
  /** Changes Signet's worker options (a binding of the test's own). */
  worker?: (options: Record<string, unknown>) => Record<string, unknown>
}

export function startSignet(
  vars: Record<string, string> = {},
  options: StartOptions = {},
): Promise<SignetServer> {
  return start(vars, options)
}
