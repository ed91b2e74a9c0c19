// What an upload link's Durable Object is asked and answers (its RPC's types), and the row its
// files are kept in, as the API's UploadedFile.
import type { PasswordVerdict } from '../share/password'
import type { UploadedFile, UploadLinkRecord } from './record'

/** Why an upload link takes no file now, in the contract's codes. */
export type LinkRefusal =
  | 'not_found'
  | 'upload_link_revoked'
  | 'upload_link_expired'
  | 'rate_limited'
  | 'share_password_required'
  | 'share_password_invalid'
  | 'upload_link_exhausted'
  | 'payload_too_large'
  | 'invalid_request'

export type Refused = { ok: false; code: LinkRefusal; message?: string; retryAfter?: number }

/** A sender at the link: when, and what the isolate found of the password. */
export type OpenRequest = {
  id: string
  now: number
  /** Ignored for a link without a password. */
  password?: PasswordVerdict | undefined
}

export type Opened = { ok: true; record: UploadLinkRecord; count: number; left: number | null }

/** What a sender asks a place for: the file's name (made safe), size and type, and its password. */
export type PlaceRequest = {
  id: string
  now: number
  clientIp: string | null
  name: string
  /** Bytes, when known before the bytes come (Content-Length, or a browser's File). */
  size: number
  contentType: string
  /** What the isolate found of the password: ignored for a link without one. */
  password?: PasswordVerdict | undefined
  /** The sender's name and note, when given: kept with the place, then with the file. */
  sender?: string | null | undefined
  note?: string | null | undefined
  /** How long the place is held (default UPLOAD_SLOT_SECONDS): a tus upload's life. */
  holdSeconds?: number | undefined
}

/** A place for one file: its id, and the key the file is to have. */
export type Place = { ok: true; slot: string; key: string }

export type Received = {
  ok: true
  file: UploadedFile
  /** Files the link holds now, this one included. */
  count: number
  /** This file was the last the link takes. */
  exhausted: boolean
}

export type FileRow = {
  key: string
  size: number
  etag: string
  content_type: string
  uploaded_at: number
  client_ip: string | null
  sender: string | null
  note: string | null
}

export function fromFileRow(row: FileRow): UploadedFile {
  return {
    key: row.key,
    size: row.size,
    etag: row.etag,
    contentType: row.content_type,
    uploadedAt: row.uploaded_at,
    clientIp: row.client_ip,
    sender: row.sender,
    note: row.note,
  }
}
