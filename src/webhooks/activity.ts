// The activity feed: every event the events queue carries is kept once (by its id, so a batch
// delivered again adds nothing) in D1 with the owner of the link it is about, for
// GET /v1/events; events older than ACTIVITY_DAYS go. Recorded before the batch is acknowledged:
// a failed write brings the batch back, and webhooks never wait on it.
/** How long the feed keeps an event (the contract: at least 30 days). */
export const ACTIVITY_DAYS = 31
/** D1 binds at most 100 parameters a statement: 20 events of 5, or 100 link ids. */
const ROWS_PER_STATEMENT = 20
const IDS_PER_STATEMENT = 100

/** What the events' consumer knows of a link an event is about, from the D1 index. */
export type LinkFacts = {
  kind: 'share' | 'upload_link'
  owner: string
  /** The share's key or prefix, the upload link's prefix. */
  path: string
  message: string | null
  /** Who is mailed about it, as JSON (null: nobody). */
  notify: string | null
}

/** An event the feed keeps: Signet's own, or one of its mail's failures (not for webhooks). */
export type FeedEvent = {
  id: string
  type: string
  timestamp: string
  data: Record<string, unknown>
}

/** The links the events are about, by link id (shares and upload links alike). */
export async function linksOf(
  db: D1Database,
  events: readonly FeedEvent[],
): Promise<Map<string, LinkFacts>> {
  const ids = new Set<string>()
  for (const event of events) {
    const id = linkIdOf(event)
    if (id !== null) ids.add(id)
  }
  const found = new Map<string, LinkFacts>()
  const all = [...ids]
  for (let at = 0; at < all.length; at += IDS_PER_STATEMENT) {
    const chunk = all.slice(at, at + IDS_PER_STATEMENT)
    // Numbered parameters, each bound once and named by both lookups.
    const marks = chunk.map((_, index) => `?${index + 1}`).join(', ')
    const { results } = await db
      .prepare(
        `SELECT 'share' AS kind, id, owner, object_key AS path, message, notify FROM shares
           WHERE id IN (${marks})
         UNION ALL SELECT 'upload_link', id, owner, json_extract(record, '$.prefix'),
           json_extract(record, '$.message'), json_extract(record, '$.notify') FROM upload_links
           WHERE id IN (${marks})`,
      )
      .bind(...chunk)
      .all<LinkFacts & { id: string }>()
    for (const { id, ...facts } of results) found.set(id, facts)
  }
  return found
}

/** The link an event is about (a share or an upload link), if any. */
export function linkIdOf(event: Pick<FeedEvent, 'data'>): string | null {
  const link = event.data.shareId ?? event.data.uploadLinkId
  return typeof link === 'string' ? link : null
}

/** Keeps the events for the feed, each once, and lets the oldest go. */
export async function recordActivity(
  db: D1Database,
  events: readonly FeedEvent[],
  links?: ReadonlyMap<string, Pick<LinkFacts, 'owner'>>,
  now = Date.now(),
): Promise<void> {
  if (events.length === 0) return
  const byLink = links ?? (await linksOf(db, events))
  const ownerOf = (event: FeedEvent) => {
    const link = linkIdOf(event)
    return link === null ? null : (byLink.get(link)?.owner ?? null)
  }
  const statements: D1PreparedStatement[] = []
  for (let at = 0; at < events.length; at += ROWS_PER_STATEMENT) {
    const chunk = events.slice(at, at + ROWS_PER_STATEMENT)
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO events (id, owner, type, at, data) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        )
        .bind(
          ...chunk.flatMap((event) => [
            event.id,
            ownerOf(event),
            event.type,
            event.timestamp,
            JSON.stringify(event.data),
          ]),
        ),
    )
  }
  const oldest = new Date(now - ACTIVITY_DAYS * 86_400_000).toISOString()
  statements.push(db.prepare('DELETE FROM events WHERE at < ?').bind(oldest))
  await db.batch(statements)
}

export type ActivityEvent = { id: string; type: string; at: string; data: Record<string, unknown> }

type Row = { seq: number; id: string; type: string; at: string; data: string }

/**
 * One owner's events (every owner's for null), newest last: after the cursor `after` (a seq), or
 * without one the newest `limit`. The cursor is the last seq given (or `after` when none came).
 */
export async function readActivity(
  db: D1Database,
  owner: string | null,
  page: { after?: number | undefined; limit: number },
): Promise<{ events: ActivityEvent[]; cursor: string }> {
  const mine = owner === null ? '' : 'owner = ?1 AND'
  const query =
    page.after === undefined
      ? `SELECT * FROM (SELECT seq, id, type, at, data FROM events WHERE ${mine} seq > 0
          ORDER BY seq DESC LIMIT ?3) ORDER BY seq`
      : `SELECT seq, id, type, at, data FROM events WHERE ${mine} seq > ?2 ORDER BY seq LIMIT ?3`
  const { results } = await db
    .prepare(query)
    .bind(owner ?? '', page.after ?? 0, page.limit)
    .all<Row>()
  const last = results.at(-1)?.seq ?? page.after ?? 0
  return {
    events: results.map((row) => ({
      id: row.id,
      type: row.type,
      at: row.at,
      data: JSON.parse(row.data) as Record<string, unknown>,
    })),
    cursor: String(last),
  }
}
