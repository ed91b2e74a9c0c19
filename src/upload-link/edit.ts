// Editing an upload link: what an edit may change (expiry, file cap, size per file, message),
// checked against what the link's object knows (never fewer files than it holds and is being
// sent; a revoked link stays as it is). Pure; the link's object applies it.
import type { UploadLinkRecord } from './record'

/** What an edit changes: absent is left as it is, null removes it. */
export type UploadLinkChanges = Partial<
  Pick<UploadLinkRecord, 'expiresAt' | 'maxFiles' | 'maxFileSize' | 'message' | 'notify'>
>

export type LinkEditResult =
  | { ok: true; record: UploadLinkRecord }
  | { ok: false; code: 'upload_link_revoked' }
  | { ok: false; code: 'invalid_request'; message: string }

/** The edit applied to `record`, which holds and is being sent `taken` files. */
export function applyLinkEdit(
  record: UploadLinkRecord,
  changes: UploadLinkChanges,
  taken: number,
): LinkEditResult {
  if (record.revokedAt !== null) return { ok: false, code: 'upload_link_revoked' }
  if (changes.maxFiles != null && changes.maxFiles < taken) {
    return {
      ok: false,
      code: 'invalid_request',
      message: `maxFiles cannot be below the ${taken} file${taken === 1 ? '' : 's'} received or being sent.`,
    }
  }
  return { ok: true, record: { ...record, ...changes } }
}
