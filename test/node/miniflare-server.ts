// The bundled Worker under Miniflare (bench/serve.mjs), typed for the node tests.
import type { Miniflare } from 'miniflare'
import { startSignet as start } from '../../bench/serve.mjs'
import type { WorkerServer } from './worker-server'

export type SignetServer = WorkerServer & { mf: Miniflare }

export function startSignet(vars: Record<string, string> = {}): Promise<SignetServer> {
  return start(vars)
}
