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

/** What travels on the events queue: an event to fan out, or one delivery of it to one webhook. */
export type EventMessage =
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

/** Puts events on the queue; resolves once the queue has them (an acknowledged upload's event). */
export async function emit(queue: Queue, events: readonly SignetEvent[]): Promise<void> {
  if (events.length === 0) return
  await queue.sendBatch(events.map((event) => ({ body: { kind: 'event', event } as EventMessage })))
}
