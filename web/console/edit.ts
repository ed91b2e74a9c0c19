// Edit: a link's current values in a form over the page; Save sends only what changed (PATCH),
// Cancel changes nothing. Shares: expiry, Max downloads, password, allowed IPs, message, who is
// mailed; upload links: expiry, files, size per file, message, who is mailed.
import type { Share, ShareEdit, UploadLink, UploadLinkEdit } from '../../src/client'
import { element } from '../dom'
import { clearError, listOf, MiB, optional, signedIn } from './shared'

export type Editable = { kind: 'share'; share: Share } | { kind: 'upload-link'; link: UploadLink }

const dialog = element<HTMLDialogElement>('edit')
const form = element<HTMLFormElement>('edit-form')
const what = element<HTMLParagraphElement>('edit-what')
const expires = element<HTMLInputElement>('edit-expires')
const maxDownloads = element<HTMLInputElement>('edit-max-downloads')
const password = element<HTMLInputElement>('edit-password')
const noPassword = element<HTMLInputElement>('edit-no-password')
const allowIps = element<HTMLInputElement>('edit-allow-ips')
const maxFiles = element<HTMLInputElement>('edit-max-files')
const maxSize = element<HTMLInputElement>('edit-max-size')
const message = element<HTMLTextAreaElement>('edit-message')
const notify = element<HTMLInputElement>('edit-notify')
const alertBox = element<HTMLParagraphElement>('edit-alert')

let editing: { target: Editable; saved: () => Promise<void> } | undefined

function showFor(kind: Editable['kind']): void {
  for (const part of dialog.querySelectorAll<HTMLElement>('[data-for]')) {
    part.hidden = part.dataset.for !== kind
  }
}

/** Opens the form with the link's values as they are. */
export async function editLink(target: Editable, saved: () => Promise<void>): Promise<void> {
  editing = { target, saved }
  alertBox.hidden = true
  expires.value = ''
  password.value = ''
  noPassword.checked = false
  showFor(target.kind)
  if (target.kind === 'share') {
    const { share } = target
    what.textContent = `${share.key ?? share.prefix ?? ''}: expires ${new Date(share.expiresAt).toLocaleString()}`
    maxDownloads.value = share.maxDownloads === null ? '' : String(share.maxDownloads)
    noPassword.checked = !share.passwordProtected
    allowIps.value = (share.allowIps ?? []).join(', ')
    message.value = share.message ?? ''
    notify.value = share.notify.join(', ')
  } else {
    const { link } = target
    what.textContent = `${link.bucket}/${link.prefix}: open until ${new Date(link.expiresAt).toLocaleString()}`
    maxFiles.value = link.maxFiles === null ? '' : String(link.maxFiles)
    maxSize.value = link.maxFileSize === null ? '' : String(+(link.maxFileSize / MiB).toFixed(3))
    message.value = link.message ?? ''
    notify.value = link.notify.join(', ')
  }
  dialog.showModal()
}

/** A number field: its number, or null when empty (no cap). */
function capOf(input: HTMLInputElement, scale = 1): number | null {
  const text = input.value.trim()
  return text === '' ? null : Math.round(Number(text) * scale)
}

function shareChanges(share: Share): ShareEdit {
  const changes: ShareEdit = {}
  const expiresIn = optional(expires.value)
  if (expiresIn) changes.expiresIn = expiresIn
  const cap = capOf(maxDownloads)
  if (cap !== share.maxDownloads) changes.maxDownloads = cap
  if (password.value !== '') changes.password = password.value
  else if (noPassword.checked && share.passwordProtected) changes.password = null
  const ips = listOf(allowIps.value)
  if (ips.join(',') !== (share.allowIps ?? []).join(',')) {
    changes.allowIps = ips.length > 0 ? ips : null
  }
  const text = message.value.trim()
  if (text !== (share.message ?? '')) changes.message = text === '' ? null : text
  const addresses = listOf(notify.value)
  if (addresses.join(',') !== share.notify.join(',')) changes.notify = addresses
  return changes
}

function uploadLinkChanges(link: UploadLink): UploadLinkEdit {
  const changes: UploadLinkEdit = {}
  const expiresIn = optional(expires.value)
  if (expiresIn) changes.expiresIn = expiresIn
  const files = capOf(maxFiles)
  if (files !== link.maxFiles) changes.maxFiles = files
  const size = capOf(maxSize, MiB)
  if (size !== link.maxFileSize) changes.maxFileSize = size
  const text = message.value.trim()
  if (text !== (link.message ?? '')) changes.message = text === '' ? null : text
  const addresses = listOf(notify.value)
  if (addresses.join(',') !== link.notify.join(',')) changes.notify = addresses
  return changes
}

async function save(): Promise<void> {
  if (!editing) return
  const { target, saved } = editing
  const { client } = signedIn()
  if (target.kind === 'share') {
    const changes = shareChanges(target.share)
    if (Object.keys(changes).length > 0) await client.editShare(target.share.id, changes)
  } else {
    const changes = uploadLinkChanges(target.link)
    if (Object.keys(changes).length > 0) await client.uploadLinks.edit(target.link.id, changes)
  }
  dialog.close()
  editing = undefined
  await saved()
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  clearError()
  save().catch((error: unknown) => {
    alertBox.textContent = error instanceof Error ? error.message : 'Not saved.'
    alertBox.hidden = false
  })
})
element<HTMLButtonElement>('edit-cancel').addEventListener('click', () => {
  editing = undefined
  dialog.close()
})
noPassword.addEventListener('change', () => {
  if (noPassword.checked) password.value = ''
})
dialog.addEventListener('close', () => {
  editing = undefined
})
