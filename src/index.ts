// The Worker entry: Signet's Hono app for HTTP, the consumer of its events queue (webhook
// deliveries, and the dead letters of those that never went through), and the RPC entrypoint for
// service bindings.
import { app } from './app'
import { getConfig } from './config'
import { logFailure } from './errors'
import { consumeDeadLetters, consumeEvents } from './webhooks/deliver'
import type { EventMessage } from './webhooks/events'

export { SignetRpc } from './rpc'
export { ShareObject } from './share/object'

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch<EventMessage>, env: Env): Promise<void> {
    try {
      if (batch.queue.endsWith('-dlq')) return await consumeDeadLetters(batch, env.DB)
      const retrySeconds = getConfig(env).webhookRetrySeconds
      await consumeEvents(batch, { db: env.DB, queue: env.EVENTS, retrySeconds })
    } catch (error) {
      // The batch comes back (every message not acknowledged yet is retried).
      logFailure(undefined, 'events queue', error)
      throw error
    }
  },
} satisfies ExportedHandler<Env, EventMessage>
