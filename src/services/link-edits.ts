// Editing links after they were made (PATCH /v1/shares/:id, PATCH /v1/upload-links/:id): the
// owner (or the admin) changes expiry, cap, password, CIDRs and message. The same rules as at
// creation hold (an expiry within the scope's maximum); the link's object applies the edit alone
// and keeps the truth, the D1 index follows for listings, and this isolate forgets what it knew.

import { authorize } from '../auth/authorize'
import { actingOwner } from '../auth/caller'
import type { Config } from '../config'
import type { Principal } from '../env'
import { AppError } from '../errors'
import { wholeSecondMs } from '../lib/duration'
import { recipientsOf } from '../notify/recipients'
import type { ShareEdit, UploadLinkEdit } from '../schemas'
import type { ShareChanges } from '../share/edit'
import { shareGate } from '../share/gate'
import { updateShare } from '../share/index-db'
import { hashPassword } from '../share/password'
import { isShareId, toApiShare } from '../share/record'
import { forgetShare, shareObject } from '../share/use'
import type { UploadLinkChanges } from '../upload-link/edit'
import { updateUploadLink } from '../upload-link/index-db'
import { isUploadLinkId, toApiUploadLink, uploadLinkObject } from '../upload-link/record'
import { type ExpiryLimits, resolveExpiresIn, SHARE_LIFETIME, UPLOAD_LINK_LIFETIME } from './expiry'
import type { ShareContext } from './shares'
import { forgetOpened } from './upload-link-sends'
import type { UploadLinkContext } from './upload-links'

/**
 * The expiry an edit asks for (none: undefined), within the link's longest life and the caller's
 * scope, as at creation.
 */
export function editedExpiry(
  principal: Principal,
  edit: { expiresIn?: number | string | undefined; expiresAt?: number | string | undefined },
  nowMs: number,
  limits: ExpiryLimits = SHARE_LIFETIME,
): number | undefined {
  if (edit.expiresIn === undefined && edit.expiresAt === undefined) return undefined
  const scopeMax = principal.kind === 'admin' ? undefined : principal.scope.maxExpiresIn
  const seconds = resolveExpiresIn(edit, nowMs, scopeMax, limits)
  if (scopeMax !== undefined && seconds > scopeMax) {
    throw new AppError(
      'invalid_request',
      `expiresIn must be at most ${scopeMax} seconds for this caller.`,
    )
  }
  return nowMs + seconds * 1000
}

/** `notify` needs mail; refused (400, naming both) where it is not set up (none asked: fine). */
export function refuseNotify(mail: Config['mail'], notify: readonly string[] | undefined): void {
  if (notify === undefined || notify.length === 0 || mail !== null) return
  throw new AppError(
    'invalid_request',
    'notify needs mail: set SIGNET_EMAIL_FROM and bind the EMAIL send_email binding (docs/CONFIGURATION.md).',
    { issues: [{ path: 'notify', message: 'needs SIGNET_EMAIL_FROM and the EMAIL binding' }] },
  )
}

const NO_SUCH_SHARE = () => new AppError('not_found', 'No such share.')

/** Edits the caller's own share (any share for the admin) and answers it as GET shows it. */
export async function editShare(ctx: ShareContext, id: string, edit: ShareEdit) {
  const nowMs = Date.now()
  const expiresAt = editedExpiry(ctx.principal, edit, wholeSecondMs(new Date(nowMs)))
  const changes: ShareChanges = {
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(edit.maxDownloads !== undefined ? { maxDownloads: edit.maxDownloads } : {}),
    ...(edit.allowIps !== undefined ? { allowIps: edit.allowIps } : {}),
    ...(edit.message !== undefined ? { message: edit.message } : {}),
    ...(edit.notify !== undefined ? { notify: recipientsOf(edit.notify, ctx.origin) } : {}),
  }
  if (edit.password !== undefined) {
    changes.password = edit.password === null ? null : await hashPassword(edit.password)
  }
  if (!isShareId(id)) throw NO_SUCH_SHARE()
  // The uses this isolate decided reach the object first, and the uses lent here go back: the
  // cap's floor counts what was spent (and what other isolates hold now).
  shareGate.surrender(id)
  await shareGate.settle(ctx.shares, id)
  const owner = actingOwner(ctx.principal)
  const result = await shareObject(ctx.shares, id).edit(id, owner, changes, nowMs)
  if (!result.ok) {
    if ('field' in result) {
      throw new AppError('invalid_request', result.message, {
        issues: [{ path: result.field, message: result.message }],
      })
    }
    if (result.code === 'share_revoked') {
      throw new AppError('share_revoked', 'This share link was revoked: it cannot be edited.')
    }
    throw NO_SUCH_SHARE()
  }
  forgetShare(id)
  await updateShare(ctx.db, result.share)
  return toApiShare(result.share, ctx.origin, ctx.config.stores.get(result.share.bucket))
}

const NO_SUCH_LINK = () => new AppError('not_found', 'No such upload link.')

/**
 * Edits the caller's own upload link (any link for the admin): a key may give it no longer a life
 * and no larger files than its scope lets it put there, as at creation.
 */
export async function editUploadLink(ctx: UploadLinkContext, id: string, edit: UploadLinkEdit) {
  const nowMs = wholeSecondMs(new Date())
  const expiresAt = editedExpiry(ctx.principal, edit, nowMs, UPLOAD_LINK_LIFETIME)
  const changes: UploadLinkChanges = {
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(edit.maxFiles !== undefined ? { maxFiles: edit.maxFiles } : {}),
    ...(edit.maxFileSize !== undefined ? { maxFileSize: edit.maxFileSize } : {}),
    ...(edit.message !== undefined ? { message: edit.message } : {}),
    ...(edit.notify !== undefined ? { notify: recipientsOf(edit.notify, ctx.origin) } : {}),
  }
  if (!isUploadLinkId(id)) throw NO_SUCH_LINK()
  const object = uploadLinkObject(ctx.links, id)
  const owner = actingOwner(ctx.principal)
  const held = await object.read(id)
  if (!held || (owner !== null && held.record.owner !== owner)) throw NO_SUCH_LINK()
  const scopeCap = ctx.principal.kind === 'admin' ? undefined : ctx.principal.scope.maxContentLength
  if (edit.maxFileSize === null && scopeCap !== undefined) {
    const message = `maxFileSize cannot be lifted: this caller's files are at most ${scopeCap} bytes.`
    throw new AppError('invalid_request', message, { issues: [{ path: 'maxFileSize', message }] })
  }
  if (ctx.principal.kind !== 'admin' && (expiresAt !== undefined || edit.maxFileSize != null)) {
    authorize(ctx.principal, {
      bucket: held.record.bucket,
      key: held.record.prefix,
      keyIsPrefix: true,
      operation: 'put',
      expiresIn: Math.ceil(((expiresAt ?? held.record.expiresAt) - nowMs) / 1000),
      ...(edit.maxFileSize != null ? { contentLength: edit.maxFileSize } : {}),
    })
  }
  const result = await object.edit(id, owner, changes)
  if (!result.ok) {
    if (result.code === 'upload_link_revoked') {
      throw new AppError(
        'upload_link_revoked',
        'This upload link was revoked: it cannot be edited.',
      )
    }
    if ('message' in result) {
      throw new AppError('invalid_request', result.message, {
        issues: [{ path: 'maxFiles', message: result.message }],
      })
    }
    throw NO_SUCH_LINK()
  }
  forgetOpened([id])
  await updateUploadLink(ctx.db, result.record)
  return toApiUploadLink(result.record, ctx.origin, { count: result.count })
}
