// One Durable Object per upload link (SQLite-backed) holds its state: the record, its revocation,
// the places taken for files on their way, and the files received (its audit). A Durable Object
// runs one call at a time, so a place is taken and counted alone: maxFiles holds exactly however
// many uploads run at once, and two files of one name get two names. A place not filled within
// UPLOAD_SLOT_SECONDS (a sender who went away) is free again. Wrong passwords are counted here and
// lock the link for everyone after too many, as a share's do. D1's index learns the file count.
import { DurableObject } from 'cloudflare:workers'
import { getConfig, storeFor } from '../config'
import { logFailure } from '../errors'
import { base64url, randomBytes } from '../lib/bytes'
import { numberedName } from '../lib/file-name'
import { PASSWORD_LOCK_FAILURES, PASSWORD_LOCK_SECONDS, UPLOAD_SLOT_SECONDS } from '../lib/limits'
import { mediaTypeAllowed } from '../lib/media-type'
import { abortLeftover } from '../stores/store'
import { applyLinkEdit, type UploadLinkChanges } from './edit'
import { recordFileCount } from './index-db'
import {
  type FileRow,
  fromFileRow,
  type Opened,
  type OpenRequest,
  type Place,
  type PlaceRequest,
  type Received,
  type Refused,
} from './protocol'
import {
  fromStoredRecord,
  toStoredRecord,
  type UploadedFile,
  type UploadLinkRecord,
} from './record'
import { TusLedger, type TusPart, type TusUpload } from './tus-ledger'

export type {
  LinkRefusal,
  Opened,
  OpenRequest,
  Place,
  PlaceRequest,
  Received,
  Refused,
} from './protocol'

const NO_SUCH_LINK = { ok: false, code: 'not_found' } as const

type LinkRow = { record: string; revoked_at: number | null }
export class UploadLinkObject extends DurableObject<Env> {
  readonly #sql: SqlStorage
  readonly #tus: TusLedger

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#tus = new TusLedger(this.#sql)
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS link (
      id TEXT PRIMARY KEY, record TEXT NOT NULL, revoked_at INTEGER)`)
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS slots (
      id TEXT PRIMARY KEY, key TEXT NOT NULL UNIQUE, name TEXT NOT NULL, content_type TEXT NOT NULL,
      until INTEGER NOT NULL)`)
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS files (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, size INTEGER NOT NULL,
      etag TEXT NOT NULL, content_type TEXT NOT NULL, uploaded_at INTEGER NOT NULL, client_ip TEXT)`)
    // Keys found holding an object that did not come through the link: never handed out again.
    this.#sql.exec('CREATE TABLE IF NOT EXISTS taken (key TEXT PRIMARY KEY)')
    this.#sql.exec('CREATE TABLE IF NOT EXISTS password_failures (at INTEGER NOT NULL)')
    // Links made before senders could give their name and a note hold neither.
    for (const table of ['slots', 'files']) {
      const columns = this.#sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray()
      if (!columns.some((column) => column.name === 'sender')) {
        this.#sql.exec(`ALTER TABLE ${table} ADD COLUMN sender TEXT`)
        this.#sql.exec(`ALTER TABLE ${table} ADD COLUMN note TEXT`)
      }
    }
  }

  init(record: UploadLinkRecord): void {
    this.#sql.exec(
      'INSERT OR IGNORE INTO link (id, record, revoked_at) VALUES (?, ?, ?)',
      record.id,
      toStoredRecord(record),
      record.revokedAt,
    )
  }

  #load(id: string): UploadLinkRecord | undefined {
    const row = this.#sql
      .exec<LinkRow>('SELECT record, revoked_at FROM link WHERE id = ?', id)
      .toArray()[0]
    return row ? { ...fromStoredRecord(row.record), revokedAt: row.revoked_at } : undefined
  }

  #count(): number {
    return this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM files').one().n
  }

  /** The link and how many files it holds; null when there is no such link. */
  async read(id: string): Promise<{ record: UploadLinkRecord; count: number } | null> {
    const record = this.#load(id)
    return record ? { record, count: this.#count() } : null
  }

  /** Every file the link received, oldest first. */
  async files(id: string): Promise<UploadedFile[] | null> {
    if (!this.#load(id)) return null
    return this.#sql
      .exec<FileRow>(
        'SELECT key, size, etag, content_type, uploaded_at, client_ip, sender, note FROM files ORDER BY seq',
      )
      .toArray()
      .map(fromFileRow)
  }

  /** Seconds a locked link stays locked (0: it is not). */
  #lockedFor(now: number): number {
    const since = now - PASSWORD_LOCK_SECONDS * 1000
    this.#sql.exec('DELETE FROM password_failures WHERE at <= ?', since)
    const rows = this.#sql
      .exec<{ at: number }>(
        'SELECT at FROM password_failures ORDER BY at DESC LIMIT ?',
        PASSWORD_LOCK_FAILURES,
      )
      .toArray()
    if (rows.length < PASSWORD_LOCK_FAILURES) return 0
    const oldest = rows[rows.length - 1]?.at ?? now
    return Math.max(1, Math.ceil((oldest + PASSWORD_LOCK_SECONDS * 1000 - now) / 1000))
  }

  /**
   * Takes a place for one file, or says why not, in the contract's order: revoked, expired,
   * locked, password, full, too large, type. The place's key is free among the link's files and
   * places and the keys found taken.
   */
  async place(request: PlaceRequest): Promise<Place | Refused> {
    const record = this.#load(request.id)
    if (!record) return { ok: false, code: 'not_found' }
    const refusal = this.#refusal(record, request)
    if (refusal) return refusal
    const slot = base64url(randomBytes(12))
    const key = this.#freeKey(record, request.name)
    this.#sql.exec(
      'INSERT INTO slots (id, key, name, content_type, until, sender, note) VALUES (?, ?, ?, ?, ?, ?, ?)',
      slot,
      key,
      request.name,
      request.contentType,
      request.now + (request.holdSeconds ?? UPLOAD_SLOT_SECONDS) * 1000,
      request.sender ?? null,
      request.note ?? null,
    )
    return { ok: true, slot, key }
  }

  /**
   * Whether the link takes files now, in the contract's order: revoked, expired, locked,
   * password (a wrong one counted), full (files held and places taken).
   */
  #gate(record: UploadLinkRecord, request: OpenRequest): Refused | null {
    const { now } = request
    if (record.revokedAt !== null) return { ok: false, code: 'upload_link_revoked' }
    if (now >= record.expiresAt) return { ok: false, code: 'upload_link_expired' }
    if (record.password !== null) {
      const lockedFor = this.#lockedFor(now)
      if (lockedFor > 0) return { ok: false, code: 'rate_limited', retryAfter: lockedFor }
      if (request.password === 'wrong') {
        this.#sql.exec('INSERT INTO password_failures (at) VALUES (?)', now)
        return { ok: false, code: 'share_password_invalid' }
      }
      if (request.password !== 'accepted') return { ok: false, code: 'share_password_required' }
    }
    // Places nobody filled in time are free again.
    this.#sql.exec('DELETE FROM slots WHERE until <= ?', now)
    if (record.maxFiles !== null && this.#count() + this.#placesTaken() >= record.maxFiles) {
      return { ok: false, code: 'upload_link_exhausted' }
    }
    return null
  }

  #placesTaken(): number {
    return this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM slots').one().n
  }

  /**
   * The link as its page shows it, if it takes files now: how many it holds and how many more
   * it takes (places taken count as taken).
   */
  async open(request: OpenRequest): Promise<Opened | Refused> {
    const record = this.#load(request.id)
    if (!record) return { ok: false, code: 'not_found' }
    const refusal = this.#gate(record, request)
    if (refusal) return refusal
    const count = this.#count()
    const left = record.maxFiles === null ? null : record.maxFiles - count - this.#placesTaken()
    return { ok: true, record, count, left }
  }

  #refusal(record: UploadLinkRecord, request: PlaceRequest): Refused | null {
    const refusal = this.#gate(record, request)
    if (refusal) return refusal
    if (record.maxFileSize !== null && request.size > record.maxFileSize) {
      return {
        ok: false,
        code: 'payload_too_large',
        message: `This link takes files of at most ${record.maxFileSize} bytes.`,
      }
    }
    if (
      record.contentTypes !== null &&
      !mediaTypeAllowed(record.contentTypes, request.contentType)
    ) {
      return {
        ok: false,
        code: 'invalid_request',
        message: `This link takes only ${record.contentTypes.join(', ')}.`,
      }
    }
    return null
  }

  /** The first of `name`, `name (2)`, … under the prefix that no file, place or object holds. */
  #freeKey(record: UploadLinkRecord, name: string): string {
    for (let n = 1; ; n++) {
      const key = `${record.prefix}${numberedName(name, n)}`
      const used = this.#sql
        .exec<{ n: number }>(
          `SELECT (SELECT COUNT(*) FROM files WHERE key = ?1) + (SELECT COUNT(*) FROM slots WHERE key = ?1)
            + (SELECT COUNT(*) FROM taken WHERE key = ?1) AS n`,
          key,
        )
        .one().n
      if (used === 0) return key
    }
  }

  /**
   * The place's key holds an object from elsewhere (the store refused to replace it): that key is
   * never handed out again, and the place moves to the next free name. null when the place lapsed.
   */
  async movePlace(id: string, slot: string): Promise<string | null> {
    const record = this.#load(id)
    const row = this.#sql
      .exec<{ key: string; name: string }>('SELECT key, name FROM slots WHERE id = ?', slot)
      .toArray()[0]
    if (!record || !row) return null
    this.#sql.exec('INSERT OR IGNORE INTO taken (key) VALUES (?)', row.key)
    const key = this.#freeKey(record, row.name)
    this.#sql.exec('UPDATE slots SET key = ? WHERE id = ?', key, slot)
    return key
  }

  /** The key and media type a place holds, while it does (a multipart upload completes there). */
  async placed(
    id: string,
    slot: string,
    now: number,
  ): Promise<{
    key: string
    contentType: string
    sender: string | null
    note: string | null
  } | null> {
    if (!this.#load(id)) return null
    const row = this.#sql
      .exec<{ key: string; content_type: string; sender: string | null; note: string | null }>(
        'SELECT key, content_type, sender, note FROM slots WHERE id = ? AND until > ?',
        slot,
        now,
      )
      .toArray()[0]
    return row
      ? { key: row.key, contentType: row.content_type, sender: row.sender, note: row.note }
      : null
  }

  /**
   * The file arrived: it is recorded (once: the place goes with it) and counted. A place that
   * lapsed while its bytes were on the way is recorded all the same: the file is in the bucket.
   */
  async receive(
    id: string,
    slot: string,
    file: Omit<UploadedFile, 'clientIp'> & { clientIp: string | null },
  ): Promise<Received | Refused> {
    const record = this.#load(id)
    if (!record) return { ok: false, code: 'not_found' }
    this.#sql.exec('DELETE FROM slots WHERE id = ?', slot)
    this.#tus.drop(slot)
    this.#sql.exec(
      'INSERT INTO files (key, size, etag, content_type, uploaded_at, client_ip, sender, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      file.key,
      file.size,
      file.etag,
      file.contentType,
      file.uploadedAt,
      file.clientIp,
      file.sender ?? null,
      file.note ?? null,
    )
    const count = this.#count()
    this.ctx.waitUntil(
      recordFileCount(this.env.DB, id, count).catch((error: unknown) =>
        logFailure(undefined, 'upload link index', error),
      ),
    )
    return {
      ok: true,
      file,
      count,
      exhausted: record.maxFiles !== null && count === record.maxFiles,
    }
  }

  /** The file never came (the upload failed or was cancelled): its place is free again. */
  async release(id: string, slot: string): Promise<void> {
    if (this.#load(id)) this.#sql.exec('DELETE FROM slots WHERE id = ?', slot)
  }

  /** tus: an upload at a place taken for it; aborted by the alarm if not completed by `expires`. */
  async tusStart(id: string, upload: Omit<TusUpload, 'parts' | 'tailSize'>): Promise<boolean> {
    if (!this.#load(id)) return false
    this.#tus.start(upload)
    const alarm = await this.ctx.storage.getAlarm()
    if (alarm === null || alarm > upload.expires) await this.ctx.storage.setAlarm(upload.expires)
    return true
  }

  async tusState(id: string, slot: string, now: number) {
    return this.#load(id) ? this.#tus.state(slot, now) : null
  }

  /** A PATCH takes the upload; none while the link is revoked or expired. */
  async tusBegin(id: string, slot: string, offset: number, now: number) {
    const record = this.#load(id)
    if (!record || record.revokedAt !== null || now >= record.expiresAt) return NO_SUCH_LINK
    return this.#tus.begin(slot, offset, now)
  }

  async tusPart(id: string, slot: string, lease: string, part: TusPart, now: number) {
    return this.#load(id) !== undefined && this.#tus.part(slot, lease, part, now)
  }

  async tusTail(id: string, slot: string, lease: string, bytes: Uint8Array) {
    return this.#load(id) !== undefined && this.#tus.tail(slot, lease, bytes)
  }

  /** Terminated: the upload and its place go; what the store must abort. */
  async tusDrop(id: string, slot: string) {
    if (!this.#load(id)) return null
    this.#sql.exec('DELETE FROM slots WHERE id = ?', slot)
    return this.#tus.drop(slot)
  }

  /** tus uploads past their expiry: their multipart uploads aborted, their places freed. */
  override async alarm(): Promise<void> {
    const record = this.#sql.exec<LinkRow>('SELECT record, revoked_at FROM link').toArray()[0]
    const now = Date.now()
    if (record) {
      const store = storeFor(getConfig(this.env), fromStoredRecord(record.record).bucket)
      // Each is forgotten only once its store let it go (a failure: the alarm runs again).
      for (const gone of this.#tus.expired(now)) {
        await abortLeftover(store, gone.key, gone.uploadId)
        this.#tus.drop(gone.slot)
        this.#sql.exec('DELETE FROM slots WHERE id = ?', gone.slot)
      }
    }
    const next = this.#tus.nextExpiry()
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, now + 1000))
  }

  /** Edits the owner's link (any owner's when `owner` is null): see applyLinkEdit. */
  async edit(id: string, owner: string | null, changes: UploadLinkChanges) {
    const record = this.#load(id)
    if (!record || (owner !== null && record.owner !== owner)) return NO_SUCH_LINK
    const count = this.#count()
    const edited = applyLinkEdit(record, changes, count + this.#placesTaken())
    if (!edited.ok) return edited
    this.#sql.exec('UPDATE link SET record = ? WHERE id = ?', toStoredRecord(edited.record), id)
    return { ok: true as const, record: edited.record, count }
  }

  /** Revokes the owner's link (any owner's when `owner` is null); false when there is none. */
  async revoke(id: string, owner: string | null, now: number): Promise<boolean> {
    const record = this.#load(id)
    if (!record || (owner !== null && record.owner !== owner)) return false
    if (record.revokedAt === null) {
      this.#sql.exec('UPDATE link SET revoked_at = ? WHERE id = ?', now, id)
    }
    return true
  }
}
