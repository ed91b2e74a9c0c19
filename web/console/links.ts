// Links: every share and upload link of the caller (every one for the admin) in one table that
// becomes one card per link on a phone, filtered by state, each with Copy, QR, Edit, Stats,
// Audit (Files for an upload link) and Revoke, which asks first and names the link.
import { renderSVG } from 'uqr'
import { type Share, shareState, type UploadLink, uploadLinkState } from '../../src/client'
import { formatSize } from '../../src/lib/sizes'
import { element } from '../dom'
import { editLink } from './edit'
import { button, plural, signedIn, when } from './shared'

const linksBody = element<HTMLTableElement>('links').tBodies[0] as HTMLTableSectionElement
const requestsBody = element<HTMLTableElement>('requests').tBodies[0] as HTMLTableSectionElement
const filter = element<HTMLSelectElement>('links-filter')

/** What a share is of: its object's key, or its folder. */
export function sharedName(share: Share): string {
  return share.key ?? share.prefix ?? ''
}

/** A cell with its column's name, which the card layout shows before the value. */
function cell(label: string, ...content: (Node | string)[]): HTMLTableCellElement {
  const td = document.createElement('td')
  td.dataset.label = label
  td.append(...content)
  return td
}

/** The link itself: its name as a link, and a note of what kind it is. */
function linkCell(url: string, name: string, note: string): HTMLTableCellElement {
  const anchor = document.createElement('a')
  anchor.href = url
  anchor.textContent = name
  anchor.title = name
  const small = document.createElement('span')
  small.className = 'hint'
  small.textContent = note
  const td = cell('Link', anchor, small)
  td.className = 'object'
  return td
}

/** Copies a link, saying so on the button for a moment. */
function copyButton(url: string, name: string): HTMLButtonElement {
  const copy = button('Copy', `Copy the link to ${name}`, async () => {
    await navigator.clipboard.writeText(url)
    copy.textContent = 'Copied'
    setTimeout(() => {
      copy.textContent = 'Copy'
    }, 2000)
  })
  return copy
}

/** Shows one panel under a link's actions (the audit, stats, QR code, files), replacing any. */
function showPanel(into: HTMLElement, panel: HTMLElement): void {
  into.querySelector('.panel')?.remove()
  panel.classList.add('panel')
  into.append(panel)
}

function listPanel(label: string, items: string[], empty: string): HTMLOListElement {
  const list = document.createElement('ol')
  list.className = 'audit'
  list.setAttribute('aria-label', label)
  for (const text of items.length > 0 ? items : [empty]) {
    list.append(Object.assign(document.createElement('li'), { textContent: text }))
  }
  return list
}

function qrPanel(url: string, name: string): HTMLElement {
  const box = document.createElement('div')
  box.className = 'qr'
  box.setAttribute('role', 'img')
  box.setAttribute('aria-label', `QR code of the link to ${name}`)
  // uqr draws modules as SVG paths: no script, no external service.
  box.innerHTML = renderSVG(url)
  return box
}

/** Asks before revoking, naming the link; revokes only when the person says so. */
async function revokeAfterAsking(name: string, revoke: () => Promise<void>): Promise<void> {
  const sure = window.confirm(
    `Revoke the link to ${name}? Anyone who has it can no longer use it. This cannot be undone.`,
  )
  if (!sure) return
  await revoke()
  await reloadLinks()
}

function shareRow(share: Share): HTMLTableRowElement {
  const row = document.createElement('tr')
  row.dataset.share = share.id
  const state = shareState(share)
  row.dataset.state = state
  const name = sharedName(share)
  const actions = cell('Actions')
  actions.className = 'actions'
  const { client } = signedIn()
  // An encrypted share's key was only in the link shown when it was made: without it the link
  // opens nothing, so there is none to copy here.
  if (!share.encrypted) {
    actions.append(
      copyButton(share.url, name),
      button('QR', `QR code of the link to ${name}`, async () =>
        showPanel(actions, qrPanel(share.url, name)),
      ),
    )
  }
  actions.append(
    button('Stats', `Stats of ${name}`, async () => {
      const stats = await client.shareStats(share.id)
      const totals = `${plural(stats.views, 'view')} · ${plural(stats.previews, 'preview')} · ${plural(stats.downloads, 'download')}`
      const days = stats.byDay.map(
        (day) => `${day.day}: ${plural(day.views, 'view')}, ${plural(day.downloads, 'download')}`,
      )
      const countries = stats.byCountry.map(
        (row) => `${row.country ?? 'unknown'}: ${row.downloads}`,
      )
      const panel = listPanel(`Stats of ${name}`, [totals, ...days, ...countries], totals)
      showPanel(actions, panel)
    }),
    button('Audit', `Audit trail of ${name}`, async () => {
      const { uses } = await client.shareUses(share.id, { limit: 100 })
      const items = uses.map(
        (use) =>
          `${new Date(use.at).toLocaleString()} · ${use.clientIp ?? 'unknown address'} · ${use.outcome}${use.fields ? ` (${use.fields.join(', ')})` : ''}`,
      )
      showPanel(actions, listPanel(`Audit trail of ${name}`, items, 'No uses yet.'))
    }),
  )
  if (state === 'active' || state === 'used up') {
    actions.append(
      button('Edit', `Edit the link to ${name}`, () =>
        editLink({ kind: 'share', share }, reloadLinks),
      ),
      button(
        'Revoke',
        `Revoke the link to ${name}`,
        () => revokeAfterAsking(name, () => client.revokeShare(share.id)),
        'danger',
      ),
    )
  }
  const note = [
    share.prefix ? 'Folder' : 'File',
    share.encrypted ? 'encrypted end to end (its key is only in the link as made)' : '',
    share.passwordProtected ? 'password' : '',
    share.message ? 'message' : '',
  ]
  row.append(
    linkCell(share.url, name, note.filter(Boolean).join(' · ')),
    cell('State', state),
    cell('Used', `${share.downloads} of ${share.maxDownloads ?? '∞'}`),
    cell('Expires', when(share.expiresAt)),
    cell('Last use', when(share.lastUsedAt)),
    actions,
  )
  return row
}

function uploadLinkRow(link: UploadLink): HTMLTableRowElement {
  const row = document.createElement('tr')
  row.dataset.uploadLink = link.id
  const state = uploadLinkState(link)
  row.dataset.state = state
  const name = `${link.bucket}/${link.prefix}`
  const actions = cell('Actions')
  actions.className = 'actions'
  const { client } = signedIn()
  actions.append(
    copyButton(link.url, name),
    button('QR', `QR code of the upload link to ${link.prefix}`, async () =>
      showPanel(actions, qrPanel(link.url, name)),
    ),
    button('Files', `Files received in ${link.prefix}`, async () => {
      const read = await client.uploadLinks.get(link.id)
      const items = (read.files ?? []).map(
        (file) =>
          `${file.key.slice(link.prefix.length)} · ${formatSize(file.size)} · ${new Date(file.uploadedAt).toLocaleString()} · ${file.sender ? `from ${file.sender} · ` : ''}${file.clientIp ?? 'unknown address'}${file.note ? ` · “${file.note}”` : ''}`,
      )
      showPanel(actions, listPanel(`Files received in ${link.prefix}`, items, 'No files yet.'))
    }),
  )
  if (state === 'active' || state === 'used up') {
    actions.append(
      button('Edit', `Edit the upload link to ${link.prefix}`, () =>
        editLink({ kind: 'upload-link', link }, reloadLinks),
      ),
      button(
        'Revoke',
        `Revoke the upload link to ${link.prefix}`,
        () => revokeAfterAsking(name, () => client.uploadLinks.revoke(link.id)),
        'danger',
      ),
    )
  }
  row.append(
    linkCell(link.url, name, 'Upload link'),
    cell('State', state),
    cell('Used', `${plural(link.fileCount, 'file')} of ${link.maxFiles ?? '∞'}`),
    cell('Expires', when(link.expiresAt)),
    cell('Last use', '—'),
    actions,
  )
  return row
}

/** An empty table says so, in a row of its own. */
function emptyRow(text: string): HTMLTableRowElement {
  const row = document.createElement('tr')
  row.className = 'empty'
  const td = document.createElement('td')
  td.colSpan = 6
  td.textContent = text
  row.append(td)
  return row
}

function applyFilter(): void {
  const wanted = filter.value
  for (const row of linksBody.rows) {
    if (row.classList.contains('empty')) continue
    row.hidden = wanted !== 'all' && row.dataset.state !== wanted
  }
}

/** Reads every link again: the Links table (newest first) and the Receive view's upload links. */
export async function reloadLinks(): Promise<void> {
  const { client } = signedIn()
  const [{ shares }, { uploadLinks }] = await Promise.all([
    client.listShares({ limit: 100 }),
    client.uploadLinks.list({ limit: 100 }),
  ])
  const rows = [
    ...shares.map((share) => ({ at: share.createdAt, row: () => shareRow(share) })),
    ...uploadLinks.map((link) => ({ at: link.createdAt, row: () => uploadLinkRow(link) })),
  ].sort((a, b) => (a.at < b.at ? 1 : -1))
  linksBody.replaceChildren(
    ...(rows.length > 0 ? rows.map((entry) => entry.row()) : [emptyRow('No links yet.')]),
  )
  const requests = uploadLinks.reverse().map(uploadLinkRow)
  requestsBody.replaceChildren(
    ...(requests.length > 0 ? requests : [emptyRow('No upload links yet.')]),
  )
  applyFilter()
}

export function clearLinks(): void {
  linksBody.replaceChildren()
  requestsBody.replaceChildren()
}

filter.addEventListener('change', applyFilter)
