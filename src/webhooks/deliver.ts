// The events queue's consumer. An event is fanned out to every live webhook that asked for its
// type and whose owner's scope covers its object (one query per batch), as one delivery message
// each; a delivery POSTs the event, signed the Standard Webhooks way under the event's id (the
// same `webhook-id` on every attempt), and is retried with backoff on anything but a 2xx (first
// retry after SIGNET_WEBHOOK_RETRY_SECONDS, then doubling) until the queue's retries run out and
// it lands in the dead-letter queue, recorded as dead. Every attempt is recorded.

import { webhookHeaders } from '../lib/webhook-signature'
import { handOver } from '../notify/hand-over'
import { linksOf, recordActivity } from './activity'
import { type EventMessage, objectCreated, type SignetEvent, sendAll } from './events'
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
  /** Signet's name for an R2 bucket (by the name R2 gives it), for R2's own notifications. */
  bucketFor?: (r2Bucket: string) => string | undefined
  /** The links' mail (`notify`): each link's events go to its NotifyObject. */
  notify?: Env['NOTIFY']
}

/** An R2 event notification, as R2 puts it on a queue routed to this one. */
type R2Notification = {
  action: string
  bucket: string
  object: { key: string; size?: number; eTag?: string }
  eventTime?: string
}

function isR2Notification(body: unknown): body is R2Notification {
  const candidate = body as Partial<R2Notification> | null
  return (
    typeof candidate?.action === 'string' &&
    typeof candidate.bucket === 'string' &&
    typeof candidate.object?.key === 'string'
  )
}

const R2_CREATED = new Set(['PutObject', 'CopyObject', 'CompleteMultipartUpload'])

/**
 * R2's notification of an upload that went straight to a remote R2 bucket, as Signet's
 * `object.created` (source `r2`); null for anything else (a delete, a bucket Signet does not
 * serve), which is acknowledged and dropped.
 */
export function fromR2Notification(
  body: R2Notification,
  bucketFor: (r2Bucket: string) => string | undefined,
): SignetEvent | null {
  const bucket = bucketFor(body.bucket)
  if (!bucket || !R2_CREATED.has(body.action)) return null
  const at = body.eventTime ? new Date(body.eventTime) : new Date()
  return objectCreated(
    {
      bucket,
      key: body.object.key,
      size: body.object.size ?? null,
      etag: body.object.eTag ? `"${body.object.eTag}"` : null,
    },
    'r2',
    {},
    Number.isNaN(at.getTime()) ? new Date() : at,
  )
}

/** One batch of the events queue. */
export async function consumeEvents(
  batch: MessageBatch<EventMessage>,
  deliveries: Deliveries,
): Promise<void> {
  // Signet's own events, and R2's notifications of uploads straight to an R2 bucket.
  const events = batch.messages.flatMap((message) => {
    const body: unknown = message.body
    if ((body as EventMessage).kind === 'events') {
      const { events: packed } = body as Extract<EventMessage, { kind: 'events' }>
      return packed.map((event) => ({ message, event }))
    }
    if ((body as EventMessage).kind === 'event') {
      return [{ message, event: (body as Extract<EventMessage, { kind: 'event' }>).event }]
    }
    if (isR2Notification(body)) {
      const event = fromR2Notification(body, deliveries.bucketFor ?? (() => undefined))
      if (event) return [{ message, event }]
      message.ack()
    }
    return []
  })
  if (events.length > 0) {
    // The activity feed and the links' mail first: a batch that fails here comes back whole,
    // and each keeps every event once.
    const all = events.map(({ event }) => event)
    const links = await linksOf(deliveries.db, all)
    await recordActivity(deliveries.db, all, links)
    if (deliveries.notify) await handOver(deliveries.notify, all, links)
    const hooks = await listWebhooks(deliveries.db, null)
    const fanned = events.flatMap(({ event }) => {
      return hooks
        .filter((hook) => concerns(hook, event))
        .map((hook) => ({ body: { kind: 'delivery', event, webhookId: hook.id } as EventMessage }))
    })
    // Queued (or the whole batch comes back): no event is acknowledged before its deliveries.
    if (fanned.length > 0) await sendAll(deliveries.queue, fanned)
    for (const { message } of events) message.ack()
  }
  for (const message of batch.messages) {
    const body = message.body
    if (body?.kind !== 'delivery') continue
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
