// The tus uploads of one upload link, as its Durable Object keeps them (SQLite): each holds a
// place (a slot) for its file from creation, its store's multipart upload, the parts stored so
// far (all of TUS_PART_SIZE but the last), and the bytes after the last whole part (the tail, kept
// here in chunks under SQLite's row limit) until the next PATCH completes a part. The offset a
// HEAD reports is exactly what is kept: the parts plus the tail. One PATCH at a time holds a
// lease; another meanwhile is refused (locked), one at another offset too (conflict).
import { base64url, randomBytes } from '../lib/bytes'
import { concatBytes } from '../lib/concat'

/** Every part but the last has this size: R2's rule (equal parts, at least 5 MiB). */
export const TUS_PART_SIZE = 5 * 1024 * 1024
/** How long a PATCH holds its upload without storing anything (each part renews it). */
export const TUS_LEASE_MS = 120_000
/** The tail kept in rows of at most this many bytes (a SQLite row in a Durable Object: 2 MB). */
const TAIL_CHUNK = 1024 * 1024

export type TusPart = { partNumber: number; etag: string }

export type TusUpload = {
  slot: string
  key: string
  uploadId: string
  length: number
  contentType: string
  expires: number
  parts: TusPart[]
  tailSize: number
}

export type TusBegun =
  | { ok: true; lease: string; upload: TusUpload; tail: Uint8Array }
  | { ok: false; code: 'not_found' }
  | { ok: false; code: 'locked' | 'conflict'; offset: number }

type Row = {
  slot: string
  key: string
  upload_id: string
  length: number
  content_type: string
  expires: number
  parts: string
  lease: string | null
  lease_until: number
}

export function offsetOf(upload: Pick<TusUpload, 'parts' | 'tailSize'>): number {
  return upload.parts.length * TUS_PART_SIZE + upload.tailSize
}

export class TusLedger {
  readonly #sql: SqlStorage

  constructor(sql: SqlStorage) {
    this.#sql = sql
    sql.exec(`CREATE TABLE IF NOT EXISTS tus (
      slot TEXT PRIMARY KEY, key TEXT NOT NULL, upload_id TEXT NOT NULL, length INTEGER NOT NULL,
      content_type TEXT NOT NULL, expires INTEGER NOT NULL, parts TEXT NOT NULL DEFAULT '[]',
      lease TEXT, lease_until INTEGER NOT NULL DEFAULT 0)`)
    sql.exec(`CREATE TABLE IF NOT EXISTS tus_tail (
      slot TEXT NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (slot, seq))`)
  }

  start(upload: Omit<TusUpload, 'parts' | 'tailSize'>): void {
    this.#sql.exec(
      'INSERT INTO tus (slot, key, upload_id, length, content_type, expires) VALUES (?, ?, ?, ?, ?, ?)',
      upload.slot,
      upload.key,
      upload.uploadId,
      upload.length,
      upload.contentType,
      upload.expires,
    )
  }

  #row(slot: string): Row | undefined {
    return this.#sql.exec<Row>('SELECT * FROM tus WHERE slot = ?', slot).toArray()[0]
  }

  #tailSize(slot: string): number {
    return this.#sql
      .exec<{ n: number }>(
        'SELECT COALESCE(SUM(length(bytes)), 0) AS n FROM tus_tail WHERE slot = ?',
        slot,
      )
      .one().n
  }

  #upload(row: Row): TusUpload {
    return {
      slot: row.slot,
      key: row.key,
      uploadId: row.upload_id,
      length: row.length,
      contentType: row.content_type,
      expires: row.expires,
      parts: JSON.parse(row.parts) as TusPart[],
      tailSize: this.#tailSize(row.slot),
    }
  }

  /** The upload as it is kept (null: none, or past its expiry). */
  state(slot: string, now: number): TusUpload | null {
    const row = this.#row(slot)
    return row && row.expires > now ? this.#upload(row) : null
  }

  /** A PATCH at `offset` takes the upload, with what is kept of it, if it is free and there. */
  begin(slot: string, offset: number, now: number): TusBegun {
    const row = this.#row(slot)
    if (!row || row.expires <= now) return { ok: false, code: 'not_found' }
    const upload = this.#upload(row)
    const at = offsetOf(upload)
    if (row.lease !== null && row.lease_until > now)
      return { ok: false, code: 'locked', offset: at }
    if (offset !== at) return { ok: false, code: 'conflict', offset: at }
    const lease = base64url(randomBytes(12))
    this.#sql.exec(
      'UPDATE tus SET lease = ?, lease_until = ? WHERE slot = ?',
      lease,
      now + TUS_LEASE_MS,
      slot,
    )
    return { ok: true, lease, upload, tail: this.#tail(slot) }
  }

  #tail(slot: string): Uint8Array {
    return concatBytes(
      this.#sql
        .exec<{ bytes: ArrayBuffer }>(
          'SELECT bytes FROM tus_tail WHERE slot = ? ORDER BY seq',
          slot,
        )
        .toArray()
        .map((row) => new Uint8Array(row.bytes)),
    )
  }

  #holds(slot: string, lease: string): Row | undefined {
    const row = this.#row(slot)
    return row?.lease === lease ? row : undefined
  }

  /** A whole part was stored: it joins the parts and the tail it began with is spent. */
  part(slot: string, lease: string, part: TusPart, now: number): boolean {
    const row = this.#holds(slot, lease)
    if (!row) return false
    const parts = [...(JSON.parse(row.parts) as TusPart[]), part]
    this.#sql.exec(
      'UPDATE tus SET parts = ?, lease_until = ? WHERE slot = ?',
      JSON.stringify(parts),
      now + TUS_LEASE_MS,
      slot,
    )
    this.#sql.exec('DELETE FROM tus_tail WHERE slot = ?', slot)
    return true
  }

  /** The bytes after the last part, kept as the tail; the lease ends. */
  tail(slot: string, lease: string, bytes: Uint8Array): boolean {
    if (!this.#holds(slot, lease)) return false
    this.#sql.exec('DELETE FROM tus_tail WHERE slot = ?', slot)
    for (let at = 0, seq = 0; at < bytes.byteLength; at += TAIL_CHUNK, seq++) {
      this.#sql.exec(
        'INSERT INTO tus_tail (slot, seq, bytes) VALUES (?, ?, ?)',
        slot,
        seq,
        bytes.slice(at, at + TAIL_CHUNK),
      )
    }
    this.#sql.exec('UPDATE tus SET lease = NULL, lease_until = 0 WHERE slot = ?', slot)
    return true
  }

  /** The upload goes (completed, terminated or expired): what the store must abort, if any. */
  drop(slot: string): { key: string; uploadId: string } | null {
    const row = this.#row(slot)
    this.#sql.exec('DELETE FROM tus WHERE slot = ?', slot)
    this.#sql.exec('DELETE FROM tus_tail WHERE slot = ?', slot)
    return row ? { key: row.key, uploadId: row.upload_id } : null
  }

  /** Uploads past their expiry, oldest first, with what the store must abort. */
  expired(now: number): { slot: string; key: string; uploadId: string }[] {
    return this.#sql
      .exec<{ slot: string; key: string; upload_id: string }>(
        'SELECT slot, key, upload_id FROM tus WHERE expires <= ? ORDER BY expires',
        now,
      )
      .toArray()
      .map((row) => ({ slot: row.slot, key: row.key, uploadId: row.upload_id }))
  }

  /** When the next upload expires (null: none is open). */
  nextExpiry(): number | null {
    return this.#sql.exec<{ at: number | null }>('SELECT MIN(expires) AS at FROM tus').one().at
  }
}
