// The upload-link feature's one internal model: the UploadLinkRecord (instants in epoch
// milliseconds), the files it received, link ids, and the named conversions to what others see
// (the API's UploadLink, ISO instants) and to the JSON the link's object keeps.
import { isoOf, isoSeconds, msOf } from '../lib/duration'
import { notifyOf, type Recipients } from '../notify/recipients'
import type { PasswordHash } from '../share/password'
import { isShareId, newShareId } from '../share/record'

export type UploadLinkRecord = {
  id: string
  /** Who made it: `key:<id>`, `jwt:<sub>` or `binding:<name>`. */
  owner: string
  bucket: string
  /** Every file lands under it ('' or ending in `/`). */
  prefix: string
  /** Shown on the link's page. */
  message: string | null
  maxFiles: number | null
  /** Bytes per file. */
  maxFileSize: number | null
  /** Media types a file may have (`image/*` style); null: any. */
  contentTypes: string[] | null
  password: PasswordHash | null
  createdAt: number
  expiresAt: number
  revokedAt: number | null
  /** Who is mailed about the files it receives (null or absent: nobody). */
  notify?: Recipients | null
}

/** One file an upload link received: where it landed, what it was, when, from where. */
export type UploadedFile = {
  key: string
  size: number
  etag: string
  contentType: string
  uploadedAt: number
  clientIp: string | null
  /** What the sender said of themselves and the file, when they did (the upload page asks). */
  sender?: string | null
  note?: string | null
}

/** Upload link ids are share ids' kind: 128 random bits, base64url. */
export const newUploadLinkId = newShareId
export const isUploadLinkId = isShareId

export function toApiFile(file: UploadedFile) {
  return {
    key: file.key,
    size: file.size,
    etag: file.etag,
    contentType: file.contentType,
    uploadedAt: isoOf(file.uploadedAt),
    clientIp: file.clientIp,
    sender: file.sender ?? null,
    note: file.note ?? null,
  }
}

/** The API's UploadLink: with its files where they were read, else only how many. */
export function toApiUploadLink(
  record: UploadLinkRecord,
  origin: string,
  received: { count: number; files?: readonly UploadedFile[] },
) {
  return {
    id: record.id,
    url: `${origin}/u/${record.id}`,
    owner: record.owner,
    bucket: record.bucket,
    prefix: record.prefix,
    message: record.message,
    notify: notifyOf(record.notify),
    expiresAt: isoSeconds(record.expiresAt),
    maxFiles: record.maxFiles,
    maxFileSize: record.maxFileSize,
    contentTypes: record.contentTypes,
    passwordProtected: record.password !== null,
    fileCount: received.count,
    ...(received.files ? { files: received.files.map(toApiFile) } : {}),
    createdAt: isoOf(record.createdAt),
    revokedAt: isoOf(record.revokedAt),
  }
}

export function toStoredRecord(record: UploadLinkRecord): string {
  return JSON.stringify({
    ...record,
    createdAt: isoOf(record.createdAt),
    expiresAt: isoOf(record.expiresAt),
    revokedAt: isoOf(record.revokedAt),
  })
}

export function fromStoredRecord(json: string): UploadLinkRecord {
  const stored = JSON.parse(json) as Omit<
    UploadLinkRecord,
    'createdAt' | 'expiresAt' | 'revokedAt'
  > & { createdAt: string; expiresAt: string; revokedAt: string | null }
  return {
    ...stored,
    createdAt: msOf(stored.createdAt),
    expiresAt: msOf(stored.expiresAt),
    revokedAt: msOf(stored.revokedAt),
  }
}

/** The stub of an upload link's Durable Object: one object per link id. */
export function uploadLinkObject(namespace: Env['UPLOAD_LINKS'], id: string) {
  return namespace.get(namespace.idFromName(id))
}
