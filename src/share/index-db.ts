// The share index in D1: the owner index listings read (their counters reach it a few seconds
// late), and where a share's object loads a share it does not hold yet (shares made before
// objects held them). Rows convert to and from the ShareRecord here and nowhere else.
import type { Cursor } from '../lib/cursor'
import { isoOf, msOf } from '../lib/duration'
import { indexPage, liveIds, markRevoked } from '../lib/owner-index'
import type { Recipients } from '../notify/recipients'
import type { PasswordHash } from './password'
import type { ShareMode, ShareRecord } from './record'

type Row = {
  id: string
  owner: string
  bucket: string
  object_key: string
  folder: number
  mode: ShareMode
  page: number
  filename: string | null
  disposition: 'attachment' | 'inline' | null
  allow_ips: string | null
  max_downloads: number | null
  downloads: number
  etag: string | null
  pin: number
  /** The password's hash as JSON, or null. */
  password: string | null
  /** ISO text; expires_at is epoch milliseconds. */
  created_at: string
  expires_at: number
  revoked_at: string | null
  last_used_at: string | null
  message: string | null
  /** Recipients as JSON, or null. */
  notify: string | null
  encrypted: number | null
  encrypted_meta: string | null
}

function fromRow(row: Row): ShareRecord {
  return {
    id: row.id,
    owner: row.owner,
    bucket: row.bucket,
    key: row.object_key,
    folder: row.folder === 1,
    mode: row.mode,
    page: row.page === 1,
    filename: row.filename,
    disposition: row.disposition,
    allowIps: row.allow_ips === null ? null : (JSON.parse(row.allow_ips) as string[]),
    maxDownloads: row.max_downloads,
    downloads: row.downloads,
    etag: row.etag,
    pin: row.pin === 1,
    password: row.password === null ? null : (JSON.parse(row.password) as PasswordHash),
    createdAt: msOf(row.created_at),
    expiresAt: row.expires_at,
    revokedAt: msOf(row.revoked_at),
    lastUsedAt: msOf(row.last_used_at),
    message: row.message ?? null,
    notify: row.notify ? (JSON.parse(row.notify) as Recipients) : null,
    encrypted: row.encrypted === 1,
    encryptedMeta: row.encrypted_meta ?? null,
    // The index keeps no revision: a share loaded from it was never edited in its object.
    revision: 0,
  }
}

export async function insertShare(db: D1Database, share: ShareRecord): Promise<void> {
  await db
    .prepare(
      `INSERT INTO shares (id, owner, bucket, object_key, mode, filename, disposition, allow_ips,
        max_downloads, downloads, created_at, expires_at, page, etag, pin, password, folder, message,
        notify, encrypted, encrypted_meta)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
        ?19, ?20)`,
    )
    .bind(
      share.id,
      share.owner,
      share.bucket,
      share.key,
      share.mode,
      share.filename,
      share.disposition,
      share.allowIps === null ? null : JSON.stringify(share.allowIps),
      share.maxDownloads,
      isoOf(share.createdAt),
      share.expiresAt,
      share.page ? 1 : 0,
      share.etag,
      share.pin ? 1 : 0,
      share.password === null ? null : JSON.stringify(share.password),
      share.folder ? 1 : 0,
      share.message,
      share.notify === null ? null : JSON.stringify(share.notify),
      share.encrypted ? 1 : 0,
      share.encryptedMeta ?? null,
    )
    .run()
}

/** Writes what an edit may change (the object holds the truth; listings read this). */
export async function updateShare(db: D1Database, share: ShareRecord): Promise<void> {
  await db
    .prepare(
      `UPDATE shares SET expires_at = ?2, max_downloads = ?3, allow_ips = ?4, password = ?5,
        message = ?6, notify = ?7 WHERE id = ?1`,
    )
    .bind(
      share.id,
      share.expiresAt,
      share.maxDownloads,
      share.allowIps === null ? null : JSON.stringify(share.allowIps),
      share.password === null ? null : JSON.stringify(share.password),
      share.message,
      share.notify === null ? null : JSON.stringify(share.notify),
    )
    .run()
}

export async function getShare(db: D1Database, id: string): Promise<ShareRecord | undefined> {
  const row = await db.prepare('SELECT * FROM shares WHERE id = ?1').bind(id).first<Row>()
  return row ? fromRow(row) : undefined
}

/** Shares in creation order: one owner's, or (owner undefined) everyone's; and the next cursor. */
export async function listShares(
  db: D1Database,
  owner: string | undefined,
  limit: number,
  cursor: Cursor | undefined,
): Promise<{ records: ShareRecord[]; cursor: string | null }> {
  const page = await indexPage<Row>(db, 'shares', owner, limit, cursor)
  return { records: page.rows.map(fromRow), cursor: page.cursor }
}

export const liveShareIds = (db: D1Database, owner: string, limit: number) =>
  liveIds(db, 'shares', owner, limit)

export const revokeShares = (db: D1Database, ids: readonly string[], now: number) =>
  markRevoked(db, 'shares', ids, now)

/** Writes a share's counter and last use (the object's flush). */
export async function recordUse(
  db: D1Database,
  id: string,
  downloads: number,
  lastUsedAt: number | null,
): Promise<void> {
  await db
    .prepare('UPDATE shares SET downloads = ?2, last_used_at = ?3 WHERE id = ?1')
    .bind(id, downloads, isoOf(lastUsedAt))
    .run()
}

/** The newest audit rows of a share made before objects held them, oldest first. */
export async function legacyUses(
  db: D1Database,
  id: string,
  limit: number,
): Promise<{ at: string; client_ip: string | null; outcome: string }[]> {
  const { results } = await db
    .prepare(
      'SELECT at, client_ip, outcome FROM share_uses WHERE share_id = ?1 ORDER BY seq DESC LIMIT ?2',
    )
    .bind(id, limit)
    .all<{ at: string; client_ip: string | null; outcome: string }>()
  return results.reverse()
}
