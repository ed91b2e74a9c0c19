// The Worker entry: Signet's Hono app for HTTP, the consumer of its events queue (webhook
// deliveries, and the dead letters of those that never went through), and the RPC entrypoint for
// service bindings.
import { app } from './app'
import { getConfig } from './config'
import { logFailure } from './errors'
import { consumeDeadLetters, consumeEvents } from './webhooks/deliver'
import type { EventMessage } from './webhooks/events'

export { NotifyObject } from './notify/object'
export { SignetRpc } from './rpc'
export { ShareObject } from './share/object'
export { UploadLinkObject } from './upload-link/object'

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch<EventMessage>, env: Env): Promise<void> {
    try {
      if (batch.queue.endsWith('-dlq')) return await consumeDeadLetters(batch, env.DB)
      const config = getConfig(env)
      // R2 names a bucket by its own name: Signet's bucket whose store is that R2 bucket.
      const bucketFor = (r2Bucket: string) =>
        [...config.stores.entries()].find(([, store]) => store.bucketName === r2Bucket)?.[0]
      await consumeEvents(batch, {
        db: env.DB,
        queue: env.EVENTS,
        retrySeconds: config.webhookRetrySeconds,
        bucketFor,
        notify: env.NOTIFY,
      })
    } catch (error) {
      // The batch comes back (every message not acknowledged yet is retried).
      logFailure(undefined, 'events queue', error)
      throw error
    }
  },
} satisfies ExportedHandler<Env, EventMessage>
