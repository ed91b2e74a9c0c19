// The owner index tables in D1 (`shares`, `upload_links`: rows with `id`, `owner`, ISO
// `created_at` and `revoked_at`): a page in creation order, an owner's live ids, marking revoked.
import { type Cursor, nextCursor } from './cursor'
import { isoOf } from './duration'

export type OwnerIndex = 'shares' | 'upload_links'

/**
 * One page of an index in creation order: one owner's rows, or (owner undefined) everyone's,
 * after the cursor; and the next cursor.
 */
export async function indexPage<Row extends { id: string; created_at: string }>(
  db: D1Database,
  table: OwnerIndex,
  owner: string | undefined,
  limit: number,
  cursor: Cursor | undefined,
): Promise<{ rows: Row[]; cursor: string | null }> {
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
  const sql = `SELECT * FROM ${table} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at, id LIMIT ?${params.length}`
  const { results } = await db
    .prepare(sql)
    .bind(...params)
    .all<Row>()
  return {
    rows: results,
    cursor: nextCursor(
      results.map((row) => ({ createdAt: row.created_at, id: row.id })),
      limit,
    ),
  }
}

/** Ids of an owner's rows not yet revoked, up to `limit` (revoking them empties the list). */
export async function liveIds(
  db: D1Database,
  table: OwnerIndex,
  owner: string,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT id FROM ${table} WHERE owner = ?1 AND revoked_at IS NULL LIMIT ?2`)
    .bind(owner, limit)
    .all<{ id: string }>()
  return results.map((row) => row.id)
}

/** Marks rows revoked in the index (their objects were told first); an earlier time stays. */
export async function markRevoked(
  db: D1Database,
  table: OwnerIndex,
  ids: readonly string[],
  now: number,
): Promise<void> {
  if (ids.length === 0) return
  const at = isoOf(now)
  await db.batch(
    ids.map((id) =>
      db
        .prepare(`UPDATE ${table} SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1`)
        .bind(id, at),
    ),
  )
}
