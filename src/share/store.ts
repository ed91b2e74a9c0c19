// Share records in D1: the owner index listings read, and where a share's Durable Object loads a
// share it does not hold yet (shares made before). Uses are decided and audited in the object.
import { base64url, randomBytes } from '../lib/bytes'
import type { Cursor } from '../lib/cursor'

export type ShareMode = 'redirect' | 'proxy'

export type Share = {
  id: string
  owner: string
  bucket: string
  key: string
  mode: ShareMode
  /** Browsers and link-preview bots get a page that counts nothing; its button downloads. */
  page: boolean
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
  | 'viewed'
  | 'precondition_failed'
  | 'range_not_satisfiable'
  | 'bad_request'

/** The outcomes of uses that served bytes: the audit never lets other uses push these out. */
export const SERVED_OUTCOMES: readonly UseOutcome[] = ['downloaded', 'partial']

/** Refusals of one outcome from one address: how many, and when first and last. */
export type RefusalSummary = {
  outcome: UseOutcome
  clientIp: string | null
  count: number
  firstAt: string
  lastAt: string
}

type Row = {
  id: string
  owner: string
  bucket: string
  object_key: string
  mode: ShareMode
  page: number
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
    page: row.page === 1,
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
        max_downloads, downloads, created_at, expires_at, page)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?11, ?12)`,
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
      share.page ? 1 : 0,
    )
    .run()
}

export async function getShare(db: D1Database, id: string): Promise<Share | undefined> {
  const row = await db.prepare('SELECT * FROM shares WHERE id = ?1').bind(id).first<Row>()
  return row ? toShare(row) : undefined
}

/** Shares in creation order: one owner's, or (owner undefined) everyone's. */
export async function listShares(
  db: D1Database,
  owner: string | undefined,
  limit: number,
  cursor: Cursor | undefined,
): Promise<Share[]> {
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
  const sql = `SELECT * FROM shares ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at, id LIMIT ?${params.length}`
  const { results } = await db
    .prepare(sql)
    .bind(...params)
    .all<Row>()
  return results.map(toShare)
}

/** Ids of an owner's shares not yet revoked, up to `limit` (revoking them empties the list). */
export async function liveShareIds(
  db: D1Database,
  owner: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare('SELECT id FROM shares WHERE owner = ?1 AND revoked_at IS NULL LIMIT ?2')
    .bind(owner, limit)
    .all<{ id: string }>()
  return results.map((row) => row.id)
}

/** Marks shares revoked in the index (their objects were told first). */
export async function revokeShares(
  db: D1Database,
  ids: readonly string[],
  now: Date,
): Promise<void> {
  if (ids.length === 0) return
  const at = now.toISOString()
  await db.batch(
    ids.map((id) =>
      db
        .prepare('UPDATE shares SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1')
        .bind(id, at),
    ),
  )
}

export type ShareUse = { at: string; clientIp: string | null; outcome: UseOutcome }
