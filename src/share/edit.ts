// Editing a share link: what an edit may change (expiry, cap, password, CIDRs, message, who is
// mailed), checked
// against what the share's object knows (a cap never below the downloads counted or lent out),
// and the fields the audit names. Pure; the share's object applies it alone, so no use decides
// on half an edit.
import type { Recipients } from '../notify/recipients'
import type { PasswordHash } from './password'
import type { ShareRecord } from './record'

/** What an edit changes: a field absent is left as it is, null removes it. */
export type ShareChanges = {
  expiresAt?: number
  maxDownloads?: number | null
  /** Already hashed: the object never sees a password. */
  password?: PasswordHash | null
  allowIps?: string[] | null
  message?: string | null
  notify?: Recipients | null
}

export type EditResult =
  | { ok: true; share: ShareRecord; fields: string[] }
  | { ok: false; code: 'not_found' | 'share_revoked' }
  | { ok: false; code: 'invalid_request'; message: string; field: string }

/** The edit applied to `share`, with `reserved` uses lent to isolates and not yet reported. */
export function applyEdit(share: ShareRecord, changes: ShareChanges, reserved: number): EditResult {
  if (share.revokedAt !== null) return { ok: false, code: 'share_revoked' }
  const floor = share.downloads + reserved
  if (changes.maxDownloads != null && changes.maxDownloads < floor) {
    return {
      ok: false,
      code: 'invalid_request',
      field: 'maxDownloads',
      message: `maxDownloads cannot be below the ${floor} download${floor === 1 ? '' : 's'} already counted${reserved > 0 ? ' or promised to edge locations' : ''}.`,
    }
  }
  const fields = (Object.keys(changes) as (keyof ShareChanges)[])
    .filter((field) => changes[field] !== undefined)
    .sort()
  return {
    ok: true,
    fields,
    share: {
      ...share,
      ...(changes.expiresAt !== undefined ? { expiresAt: changes.expiresAt } : {}),
      ...(changes.maxDownloads !== undefined ? { maxDownloads: changes.maxDownloads } : {}),
      ...(changes.password !== undefined ? { password: changes.password } : {}),
      ...(changes.allowIps !== undefined ? { allowIps: changes.allowIps } : {}),
      ...(changes.message !== undefined ? { message: changes.message } : {}),
      ...(changes.notify !== undefined ? { notify: changes.notify } : {}),
      revision: share.revision + 1,
    },
  }
}
