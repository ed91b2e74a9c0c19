// What Signet tells applications: the events a webhook can ask for, their one shape
// (`{type, timestamp, data}`, under an id that every delivery of it carries as `webhook-id`),
// and how an event is put on the events queue. Nothing waits on a receiver here.
import { base64url, randomBytes } from '../lib/bytes'

export const EVENT_TYPES = [
  'object.created',
  'share.downloaded',
  'share.exhausted',
  'share.revoked',
  'upload_link.exhausted',
] as const

export type EventType = (typeof EVENT_TYPES)[number]

/** Every event names the object it is about: what a webhook's scope is checked against. */
export type EventData = { bucket: string; key: string } & Record<string, unknown>

export type SignetEvent = { id: string; type: EventType; timestamp: string; data: EventData }

/**
 * What travels on the events queue: events to fan out (many to a message: a busy link's second
 * of downloads is one message, not hundreds), or one delivery of an event to one webhook.
 * `event` (one event) is what earlier versions sent; it is still read.
 */
export type EventMessage =
  | { kind: 'events'; events: SignetEvent[] }
  | { kind: 'event'; event: SignetEvent }
  | { kind: 'delivery'; event: SignetEvent; webhookId: string }

export function newEvent(type: EventType, data: EventData, now = new Date()): SignetEvent {
  return { id: `evt_${base64url(randomBytes(16))}`, type, timestamp: now.toISOString(), data }
}

/** Where an object came from, as object.created says. */
export type ObjectSource = 'gateway' | 'multipart' | 'confirm' | 'upload_link' | 'rpc' | 'r2'

/** object.created, built in one place: the object, its size and ETag, and where it came from. */
export function objectCreated(
  object: { bucket: string; key: string; size: number | null; etag: string | null },
  source: ObjectSource,
  more: Record<string, unknown> = {},
  now = new Date(),
): SignetEvent {
  return newEvent('object.created', { ...object, source, ...more }, now)
}

/**
 * Queues' limits (Cloudflare's, and Miniflare's broker refuses past them): a message at most
 * 128 KB, a `sendBatch` at most 100 messages and 256 KB in all. Events are packed into messages
 * of at most EVENTS_MESSAGE_BYTES (one 64 KB billing unit), sent in as few batches as fit.
 */
const EVENTS_MESSAGE_BYTES = 60_000
const BATCH_MESSAGES = 100
const BATCH_BYTES = 240_000

const utf8 = new TextEncoder()

/** Puts events on the queue; resolves once the queue has them (an acknowledged upload's event). */
export async function emit(queue: Queue, events: readonly SignetEvent[]): Promise<void> {
  const messages: { body: EventMessage; bytes: number }[] = []
  let open: { body: { kind: 'events'; events: SignetEvent[] }; bytes: number } | undefined
  for (const event of events) {
    const bytes = utf8.encode(JSON.stringify(event)).byteLength + 1
    if (!open || open.bytes + bytes > EVENTS_MESSAGE_BYTES) {
      open = { body: { kind: 'events', events: [] }, bytes: 32 }
      messages.push(open)
    }
    open.body.events.push(event)
    open.bytes += bytes
  }
  await sendAll(queue, messages)
}

/** Sends messages of known sizes in batches within the queue's limits, in order. */
export async function sendAll(
  queue: Queue,
  messages: readonly { body: EventMessage; bytes?: number }[],
): Promise<void> {
  let batch: MessageSendRequest<EventMessage>[] = []
  let batchBytes = 0
  for (const message of messages) {
    const bytes = message.bytes ?? utf8.encode(JSON.stringify(message.body)).byteLength
    if (batch.length === BATCH_MESSAGES || (batch.length > 0 && batchBytes + bytes > BATCH_BYTES)) {
      await queue.sendBatch(batch)
      batch = []
      batchBytes = 0
    }
    batch.push({ body: message.body })
    batchBytes += bytes
  }
  if (batch.length > 0) await queue.sendBatch(batch)
}
