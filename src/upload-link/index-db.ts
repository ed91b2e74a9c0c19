// The upload-link index in D1: what listings read (one owner's links, or everyone's for the
// admin) and which live links an owner has (a revoked key's links are revoked with it). Each
// link's Durable Object is the source of truth; its file count reaches the index a moment later.
import type { Cursor } from '../lib/cursor'
import { isoOf } from '../lib/duration'
import { indexPage, liveIds, markRevoked } from '../lib/owner-index'
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
  const page = await indexPage<Row>(db, 'upload_links', owner, limit, cursor)
  return {
    links: page.rows.map((row) => ({
      record: {
        ...fromStoredRecord(row.record),
        revokedAt: row.revoked_at === null ? null : Date.parse(row.revoked_at),
      },
      count: row.file_count,
    })),
    cursor: page.cursor,
  }
}

export const liveUploadLinkIds = (db: D1Database, owner: string, limit: number) =>
  liveIds(db, 'upload_links', owner, limit)

export const revokeUploadLinks = (db: D1Database, ids: readonly string[], now: number) =>
  markRevoked(db, 'upload_links', ids, now)

/** The link's object's count of files (written after each file). */
export async function recordFileCount(db: D1Database, id: string, count: number): Promise<void> {
  await db
    .prepare('UPDATE upload_links SET file_count = MAX(file_count, ?2) WHERE id = ?1')
    .bind(id, count)
    .run()
}

/** An edited link's record (its object holds the truth; listings read this). */
export async function updateUploadLink(db: D1Database, link: UploadLinkRecord): Promise<void> {
  await db
    .prepare('UPDATE upload_links SET record = ?2 WHERE id = ?1')
    .bind(link.id, toStoredRecord(link))
    .run()
}
