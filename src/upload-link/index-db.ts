// The upload-link index in D1: what listings read (one owner's links, or everyone's for the
// admin) and which live links an owner has (a revoked key's links are revoked with it). Each
// link's Durable Object is the source of truth; its file count reaches the index a moment later.
import { type Cursor, nextCursor } from '../lib/cursor'
import { isoOf } from '../lib/duration'
import { fromStoredRecord, toStoredRecord, type UploadLinkRecord } from './record'

type Row = {
  id: string
  owner: string
  record: string
  created_at: string
  revoked_at: string | null
  file_count: number
}

export async function insertUploadLink(db: D1Database, link: UploadLinkRecord): Promise<void> {
  await db
    .prepare('INSERT INTO upload_links (id, owner, record, created_at) VALUES (?1, ?2, ?3, ?4)')
    .bind(link.id, link.owner, toStoredRecord(link), isoOf(link.createdAt))
    .run()
}

/** Links in creation order, with the index's file counts: one owner's or (undefined) everyone's. */
export async function listUploadLinks(
  db: D1Database,
  owner: string | undefined,
  limit: number,
  cursor: Cursor | undefined,
): Promise<{ links: { record: UploadLinkRecord; count: number }[]; cursor: string | null }> {
  const where: string[] = []
  const params: (string | number)[] = []
  if (owner !== undefined) {
    params.push(owner)
    where.push(`owner = ?${params.length}`)
  }
  if (cursor) {
    params.push(cursor.createdAt, cursor.id)
    where.push(`(created_at, id) > (?${params.length - 1}, ?${params.length})`)
  }
  params.push(limit)
  const sql = `SELECT * FROM upload_links ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at, id LIMIT ?${params.length}`
  const { results } = await db
    .prepare(sql)
    .bind(...params)
    .all<Row>()
  return {
    links: results.map((row) => ({
      record: {
        ...fromStoredRecord(row.record),
        revokedAt: row.revoked_at === null ? null : Date.parse(row.revoked_at),
      },
      count: row.file_count,
    })),
    cursor: nextCursor(
      results.map((row) => ({ createdAt: row.created_at, id: row.id })),
      limit,
    ),
  }
}

/** Ids of an owner's links not yet revoked, up to `limit`. */
export async function liveUploadLinkIds(
  db: D1Database,
  owner: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare('SELECT id FROM upload_links WHERE owner = ?1 AND revoked_at IS NULL LIMIT ?2')
    .bind(owner, limit)
    .all<{ id: string }>()
  return results.map((row) => row.id)
}

export async function revokeUploadLinks(
  db: D1Database,
  ids: readonly string[],
  now: number,
): Promise<void> {
  if (ids.length === 0) return
  const at = isoOf(now)
  await db.batch(
    ids.map((id) =>
      db
        .prepare('UPDATE upload_links SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1')
        .bind(id, at),
    ),
  )
}

/** The link's object's count of files (written after each file). */
export async function recordFileCount(db: D1Database, id: string, count: number): Promise<void> {
  await db
    .prepare('UPDATE upload_links SET file_count = MAX(file_count, ?2) WHERE id = ?1')
    .bind(id, count)
    .run()
}
