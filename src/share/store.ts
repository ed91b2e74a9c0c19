// Share records in D1. Each use is decided by one conditional UPDATE, so maxDownloads holds
// exactly under any concurrency; every use leaves an audit row.
import { base64url, randomBytes } from '../lib/bytes'
import type { Cursor } from '../lib/cursor'
import { DOWNLOAD_SESSION_SECONDS } from '../lib/limits'

export type ShareMode = 'redirect' | 'proxy'

export type Share = {
  id: string
  owner: string
  bucket: string
  key: string
  mode: ShareMode
  filename: string | null
  disposition: 'attachment' | 'inline' | null
  allowIps: string[] | null
  maxDownloads: number | null
  downloads: number
  createdAt: string
  /** Epoch milliseconds. */
  expiresAt: number
  revokedAt: string | null
  lastUsedAt: string | null
}

export type UseOutcome =
  | 'downloaded'
  | 'partial'
  | 'head'
  | 'not_modified'
  | 'expired'
  | 'revoked'
  | 'exhausted'
  | 'ip_not_allowed'
  | 'not_found_in_store'

type Row = {
  id: string
  owner: string
  bucket: string
  object_key: string
  mode: ShareMode
  filename: string | null
  disposition: 'attachment' | 'inline' | null
  allow_ips: string | null
  max_downloads: number | null
  downloads: number
  created_at: string
  expires_at: number
  revoked_at: string | null
  last_used_at: string | null
}

/** 128 random bits, base64url: 22 characters. */
const SHARE_ID = /^[A-Za-z0-9_-]{22}$/

export function newShareId(): string {
  return base64url(randomBytes(16))
}

export function isShareId(text: string): boolean {
  return SHARE_ID.test(text)
}

function toShare(row: Row): Share {
  return {
    id: row.id,
    owner: row.owner,
    bucket: row.bucket,
    key: row.object_key,
    mode: row.mode,
    filename: row.filename,
    disposition: row.disposition,
    allowIps: row.allow_ips === null ? null : (JSON.parse(row.allow_ips) as string[]),
    maxDownloads: row.max_downloads,
    downloads: row.downloads,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  }
}

export async function insertShare(db: D1Database, share: Share): Promise<void> {
  await db
    .prepare(
      `INSERT INTO shares (id, owner, bucket, object_key, mode, filename, disposition, allow_ips,
        max_downloads, downloads, created_at, expires_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11)`,
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
      share.createdAt,
      share.expiresAt,
    )
    .run()
}

export async function getShare(db: D1Database, id: string): Promise<Share | undefined> {
  const row = await db.prepare('SELECT * FROM shares WHERE id = ?1').bind(id).first<Row>()
  return row ? toShare(row) : undefined
}

export async function listShares(
  db: D1Database,
  owner: string,
  limit: number,
  cursor: Cursor | undefined,
): Promise<Share[]> {
  const statement = cursor
    ? db
        .prepare(
          'SELECT * FROM shares WHERE owner = ?1 AND (created_at, id) > (?2, ?3) ORDER BY created_at, id LIMIT ?4',
        )
        .bind(owner, cursor.createdAt, cursor.id, limit)
    : db
        .prepare('SELECT * FROM shares WHERE owner = ?1 ORDER BY created_at, id LIMIT ?2')
        .bind(owner, limit)
  const { results } = await statement.all<Row>()
  return results.map(toShare)
}

/** Revokes the owner's share at once; false when the owner has no such share. */
export async function revokeShare(
  db: D1Database,
  id: string,
  owner: string,
  now: Date,
): Promise<boolean> {
  const result = await db
    .prepare('UPDATE shares SET revoked_at = COALESCE(revoked_at, ?3) WHERE id = ?1 AND owner = ?2')
    .bind(id, owner, now.toISOString())
    .run()
  return result.meta.changes > 0
}

/** Whether this client has a counted download of the share inside the session window. */
export async function inDownloadSession(
  db: D1Database,
  id: string,
  clientIp: string | null,
  now: Date,
): Promise<boolean> {
  if (clientIp === null) return false
  const since = new Date(now.getTime() - DOWNLOAD_SESSION_SECONDS * 1000).toISOString()
  const row = await db
    .prepare(
      `SELECT 1 AS hit FROM share_uses
       WHERE share_id = ?1 AND client_ip = ?2 AND outcome = 'downloaded' AND at > ?3 LIMIT 1`,
    )
    .bind(id, clientIp, since)
    .first()
  return row !== null
}

/**
 * Takes one use of a share if it is still live: not revoked, not expired, not used up. One
 * atomic conditional UPDATE decides, and the audit row is written in the same batch. Only a
 * `downloaded` use counts; a `partial` one continues a download session and is not refused by
 * the cap. Returns the share as it is after the use, or undefined when the use was refused.
 */
export async function takeUse(
  db: D1Database,
  id: string,
  now: Date,
  clientIp: string | null,
  outcome: 'downloaded' | 'partial' | 'head' | 'not_modified',
): Promise<Share | undefined> {
  const at = now.toISOString()
  const count = outcome === 'downloaded'
  const continues = outcome === 'partial'
  const [updated] = await db.batch<Row>([
    db
      .prepare(
        `UPDATE shares SET downloads = downloads + ?4, last_used_at = ?2
         WHERE id = ?1 AND revoked_at IS NULL AND expires_at > ?3
           AND (?5 = 1 OR max_downloads IS NULL OR downloads < max_downloads)
         RETURNING *`,
      )
      .bind(id, at, now.getTime(), count ? 1 : 0, continues ? 1 : 0),
    db
      .prepare(
        `INSERT INTO share_uses (share_id, at, client_ip, outcome)
         SELECT ?1, ?2, ?3, ?4 WHERE changes() > 0`,
      )
      .bind(id, at, clientIp, outcome),
  ])
  const row = updated?.results[0]
  return row ? toShare(row) : undefined
}

export async function recordUse(
  db: D1Database,
  id: string,
  now: Date,
  clientIp: string | null,
  outcome: UseOutcome,
): Promise<void> {
  await db
    .prepare('INSERT INTO share_uses (share_id, at, client_ip, outcome) VALUES (?1, ?2, ?3, ?4)')
    .bind(id, now.toISOString(), clientIp, outcome)
    .run()
}

export type ShareUse = { at: string; clientIp: string | null; outcome: UseOutcome }

export async function listUses(
  db: D1Database,
  id: string,
  limit: number,
  after: number,
): Promise<(ShareUse & { seq: number })[]> {
  const { results } = await db
    .prepare(
      'SELECT seq, at, client_ip, outcome FROM share_uses WHERE share_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3',
    )
    .bind(id, after, limit)
    .all<{ seq: number; at: string; client_ip: string | null; outcome: UseOutcome }>()
  return results.map((row) => ({
    seq: row.seq,
    at: row.at,
    clientIp: row.client_ip,
    outcome: row.outcome,
  }))
}
