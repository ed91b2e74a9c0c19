// The webhooks in D1: who made each (its owner and, for a caller, the scope it had), where it
// delivers, which events, its signing secret (never answered after creation), and the recent
// attempts to deliver to it. Rows convert to the API's shape here and nowhere else.
import type { Scope } from '../schemas'
import type { EventType } from './events'

export type WebhookRecord = {
  id: string
  owner: string
  /** null: the admin's webhook, which sees every event. */
  scope: Scope | null
  url: string
  events: EventType[]
  secret: string
  createdAt: string
}

type Row = {
  id: string
  owner: string
  scope: string | null
  url: string
  events: string
  secret: string
  created_at: string
}

function fromRow(row: Row): WebhookRecord {
  return {
    id: row.id,
    owner: row.owner,
    scope: row.scope === null ? null : (JSON.parse(row.scope) as Scope),
    url: row.url,
    events: JSON.parse(row.events) as EventType[],
    secret: row.secret,
    createdAt: row.created_at,
  }
}

export async function insertWebhook(db: D1Database, hook: WebhookRecord): Promise<void> {
  await db
    .prepare(
      `INSERT INTO webhooks (id, owner, scope, url, events, secret, created_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
    )
    .bind(
      hook.id,
      hook.owner,
      hook.scope === null ? null : JSON.stringify(hook.scope),
      hook.url,
      JSON.stringify(hook.events),
      hook.secret,
      hook.createdAt,
    )
    .run()
}

/** The live webhooks of an owner (every owner's for null), oldest first. */
export async function listWebhooks(db: D1Database, owner: string | null): Promise<WebhookRecord[]> {
  const statement =
    owner === null
      ? db.prepare('SELECT * FROM webhooks WHERE deleted_at IS NULL ORDER BY created_at LIMIT 1000')
      : db
          .prepare(
            'SELECT * FROM webhooks WHERE owner = ?1 AND deleted_at IS NULL ORDER BY created_at LIMIT 1000',
          )
          .bind(owner)
  return (await statement.all<Row>()).results.map(fromRow)
}

export async function getWebhook(db: D1Database, id: string): Promise<WebhookRecord | undefined> {
  const row = await db
    .prepare('SELECT * FROM webhooks WHERE id = ?1 AND deleted_at IS NULL')
    .bind(id)
    .first<Row>()
  return row ? fromRow(row) : undefined
}

export async function deleteWebhook(db: D1Database, id: string, at: string): Promise<void> {
  await db.prepare('UPDATE webhooks SET deleted_at = ?2 WHERE id = ?1').bind(id, at).run()
}

export type DeliveryRow = {
  eventId: string
  type: string
  attempt: number
  status: number | null
  outcome: 'delivered' | 'failed' | 'dead'
  at: string
}

export async function recordDelivery(
  db: D1Database,
  webhookId: string,
  delivery: DeliveryRow,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO webhook_deliveries (webhook_id, event_id, type, attempt, status, outcome, at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
    )
    .bind(
      webhookId,
      delivery.eventId,
      delivery.type,
      delivery.attempt,
      delivery.status,
      delivery.outcome,
      delivery.at,
    )
    .run()
}

/** A webhook's most recent delivery attempts, newest first. */
export async function recentDeliveries(
  db: D1Database,
  webhookId: string,
  limit: number,
): Promise<DeliveryRow[]> {
  const rows = await db
    .prepare(
      `SELECT event_id, type, attempt, status, outcome, at FROM webhook_deliveries
       WHERE webhook_id = ?1 ORDER BY seq DESC LIMIT ?2`,
    )
    .bind(webhookId, limit)
    .all<{
      event_id: string
      type: string
      attempt: number
      status: number | null
      outcome: DeliveryRow['outcome']
      at: string
    }>()
  return rows.results.map((row) => ({
    eventId: row.event_id,
    type: row.type,
    attempt: row.attempt,
    status: row.status,
    outcome: row.outcome,
    at: row.at,
  }))
}
