// API keys in D1. Stores names, scopes and hashes; the key itself exists only in the create answer.
import type { Cursor } from '../lib/cursor'
import { TtlCache } from '../lib/ttl-cache'
import { type ApiKey, type Scope, ScopeSchema } from '../schemas'
import { hashToken, newApiKey, newId, secretsEqual } from './tokens'

export type ApiKeyRecord = ApiKey

type Row = {
  id: string
  name: string
  key_hash: string
  scope: string
  created_at: string
  revoked_at: string | null
  expires_at: string | null
}

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    // Scopes were validated on the way in; parsing again guards against hand-edited rows.
    scope: ScopeSchema.parse(JSON.parse(row.scope)),
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? null,
    revokedAt: row.revoked_at,
  }
}

export async function createApiKey(
  db: D1Database,
  name: string,
  scope: Scope,
  now: Date,
  expiresAt: string | null = null,
): Promise<ApiKeyRecord & { key: string }> {
  const key = newApiKey()
  const id = newId('key_')
  const createdAt = now.toISOString()
  await db
    .prepare(
      `INSERT INTO api_keys (id, name, key_hash, scope, created_at, expires_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
    )
    .bind(id, name, await hashToken(key), JSON.stringify(scope), createdAt, expiresAt)
    .run()
  return { id, key, name, scope, createdAt, expiresAt, revokedAt: null }
}

/** Whether a key has passed its expiry (a key without one never does). */
export function expired(record: ApiKeyRecord, nowMs = Date.now()): boolean {
  return record.expiresAt !== null && Date.parse(record.expiresAt) <= nowMs
}

/**
 * Verified API-key records held in isolate memory, keyed by the token's SHA-256 (never by the
 * token), for a bounded time and number. Revocation forgets a key here at once; other isolates
 * hold it at most `ttlSeconds` longer. Only found keys are held: an unknown token always asks D1.
 */
export class KeyCache {
  private readonly entries: TtlCache<string, ApiKeyRecord>

  constructor(
    maxEntries = 1000,
    private readonly clock: () => number = Date.now,
  ) {
    this.entries = new TtlCache(maxEntries)
  }

  get(hash: string): ApiKeyRecord | undefined {
    return this.entries.get(hash, this.clock())
  }

  set(hash: string, record: ApiKeyRecord, ttlSeconds: number): void {
    if (ttlSeconds > 0) this.entries.set(hash, record, this.clock() + ttlSeconds * 1000)
  }

  /** Forgets a key by id (revocation). */
  forget(id: string): void {
    this.entries.deleteWhere((record) => record.id === id)
  }
}

/** This isolate's key cache. */
export const keyCache = new KeyCache()

/**
 * Finds the live key for a presented token: from the isolate's cache while it is fresh, else
 * from D1 through a session (served by the nearest read replica when replication is on).
 * Revoked and expired keys are never returned (a cached key is checked against its expiry too).
 */
export async function findApiKey(
  db: D1Database,
  token: string,
  ttlSeconds: number,
  cache: KeyCache = keyCache,
): Promise<ApiKeyRecord | undefined> {
  return findApiKeyByHash(db, await hashToken(token), ttlSeconds, cache)
}

/** findApiKey, given the token's SHA-256 (hex) already made. */
export async function findApiKeyByHash(
  db: D1Database,
  hash: string,
  ttlSeconds: number,
  cache: KeyCache = keyCache,
): Promise<ApiKeyRecord | undefined> {
  const cached = cache.get(hash)
  if (cached) return expired(cached) ? undefined : cached
  const row = await db
    .withSession('first-unconstrained')
    .prepare('SELECT * FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL')
    .bind(hash)
    .first<Row>()
  // The lookup is by the hash of a 256-bit secret; compare again in constant time regardless.
  if (!row || !(await secretsEqual(row.key_hash, hash))) return undefined
  const record = toRecord(row)
  if (expired(record)) return undefined
  cache.set(hash, record, ttlSeconds)
  return record
}

export async function listApiKeys(
  db: D1Database,
  limit: number,
  cursor: Cursor | undefined,
): Promise<ApiKeyRecord[]> {
  const statement = cursor
    ? db
        .prepare(
          'SELECT * FROM api_keys WHERE (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3',
        )
        .bind(cursor.createdAt, cursor.id, limit)
    : db.prepare('SELECT * FROM api_keys ORDER BY created_at, id LIMIT ?1').bind(limit)
  const { results } = await statement.all<Row>()
  return results.map(toRecord)
}

/** Revokes a key at once. Returns false when no such key exists. Revoking twice is harmless. */
export async function revokeApiKey(db: D1Database, id: string, now: Date): Promise<boolean> {
  const result = await db
    .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1')
    .bind(id, now.toISOString())
    .run()
  keyCache.forget(id)
  return result.meta.changes > 0
}
