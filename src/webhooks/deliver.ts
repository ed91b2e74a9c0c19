// The events queue's consumer. An event is fanned out to every live webhook that asked for its
// type and whose owner's scope covers its object (one query per batch), as one delivery message
// each; a delivery POSTs the event, signed the Standard Webhooks way under the event's id (the
// same `webhook-id` on every attempt), and is retried with backoff on anything but a 2xx (first
// retry after SIGNET_WEBHOOK_RETRY_SECONDS, then doubling) until the queue's retries run out and
// it lands in the dead-letter queue, recorded as dead. Every attempt is recorded.
import { webhookHeaders } from '../lib/webhook-signature'
import type { EventMessage, SignetEvent } from './events'
import { getWebhook, listWebhooks, recordDelivery, type WebhookRecord } from './registry'

/** How long a receiver has to answer one delivery. */
const DELIVERY_TIMEOUT_MS = 10_000
/** The longest wait between two attempts. */
const MAX_RETRY_DELAY_SECONDS = 3600

/** Whether a webhook receives this event: its type asked for, its object inside the scope. */
export function concerns(hook: WebhookRecord, event: SignetEvent): boolean {
  if (!hook.events.includes(event.type)) return false
  if (hook.scope === null) return true
  const { bucket, key } = event.data
  if (!hook.scope.buckets.includes(bucket)) return false
  return !hook.scope.prefixes || hook.scope.prefixes.some((prefix) => key.startsWith(prefix))
}

export type Deliveries = {
  db: D1Database
  queue: Queue
  retrySeconds: number
  fetcher?: typeof fetch
}

/** One batch of the events queue. */
export async function consumeEvents(
  batch: MessageBatch<EventMessage>,
  deliveries: Deliveries,
): Promise<void> {
  const events = batch.messages.filter((message) => message.body.kind === 'event')
  if (events.length > 0) {
    const hooks = await listWebhooks(deliveries.db, null)
    const fanned = events.flatMap((message) => {
      const { event } = message.body
      return hooks
        .filter((hook) => concerns(hook, event))
        .map((hook) => ({ body: { kind: 'delivery', event, webhookId: hook.id } as EventMessage }))
    })
    // Queued (or the whole batch comes back): no event is acknowledged before its deliveries.
    if (fanned.length > 0) await deliveries.queue.sendBatch(fanned)
    for (const message of events) message.ack()
  }
  for (const message of batch.messages) {
    const body = message.body
    if (body.kind !== 'delivery') continue
    await deliverOne(message, body, deliveries)
  }
}

async function deliverOne(
  message: Message<EventMessage>,
  body: Extract<EventMessage, { kind: 'delivery' }>,
  deliveries: Deliveries,
): Promise<void> {
  const hook = await getWebhook(deliveries.db, body.webhookId)
  if (!hook) {
    // Deleted since: nothing to deliver to.
    message.ack()
    return
  }
  const { event } = body
  const payload = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data })
  let status: number | null = null
  try {
    const headers = await webhookHeaders(
      hook.secret,
      event.id,
      Math.floor(Date.now() / 1000),
      payload,
    )
    const response = await (deliveries.fetcher ?? fetch)(hook.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'Signet-Webhooks' },
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    })
    status = response.status
    await response.body?.cancel()
  } catch {
    status = null
  }
  const delivered = status !== null && status >= 200 && status < 300
  await recordDelivery(deliveries.db, hook.id, {
    eventId: event.id,
    type: event.type,
    attempt: message.attempts,
    status,
    outcome: delivered ? 'delivered' : 'failed',
    at: new Date().toISOString(),
  })
  if (delivered) {
    message.ack()
    return
  }
  const delaySeconds = Math.min(
    MAX_RETRY_DELAY_SECONDS,
    deliveries.retrySeconds * 2 ** Math.max(0, message.attempts - 1),
  )
  message.retry({ delaySeconds })
}

/** The dead-letter queue's consumer: deliveries that ran out of attempts, recorded as dead. */
export async function consumeDeadLetters(
  batch: MessageBatch<EventMessage>,
  db: D1Database,
): Promise<void> {
  for (const message of batch.messages) {
    const body = message.body
    if (body.kind === 'delivery') {
      await recordDelivery(db, body.webhookId, {
        eventId: body.event.id,
        type: body.event.type,
        attempt: message.attempts,
        status: null,
        outcome: 'dead',
        at: new Date().toISOString(),
      })
    }
    message.ack()
  }
}
