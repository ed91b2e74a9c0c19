// The console's script: everything a person does in /console, through the typed client
// (src/client.ts). The API key lives in sessionStorage only and is sent only to this origin.
import { sha256 } from '@noble/hashes/sha2.js'
import { renderSVG } from 'uqr'
import {
  type Me,
  type Share,
  SignetClient,
  SignetError,
  shareState,
  type UploadLink,
  uploadLinkState,
} from '../src/client'
import { numberedName } from '../src/lib/file-name'
import { SINGLE_PUT_MAX } from '../src/lib/limits'
import { asFolder } from '../src/lib/object-key'
import { formatSize as formatBytes, formatInstant } from '../src/lib/sizes'
import {
  DEFAULT_PARALLEL_PARTS,
  DEFAULT_RETRY,
  ObjectExists,
  StepError,
  upload as uploadWith,
} from '../src/uploader'
import { element } from './dom'
import { xhrTransport } from './xhr-transport'

const KEY_STORAGE = 'signet.apiKey'
/** Files up to this size go up in one presigned PUT; larger ones as a multipart upload. */
/** Target part size for multipart uploads. */
const PART_SIZE = 8 * 1024 * 1024

const ui = {
  alert: element<HTMLDivElement>('alert'),
  who: element<HTMLParagraphElement>('who'),
  whoName: element<HTMLElement>('who-name'),
  signIn: element<HTMLElement>('sign-in'),
  signInForm: element<HTMLFormElement>('sign-in-form'),
  apiKey: element<HTMLInputElement>('api-key'),
  signOut: element<HTMLButtonElement>('sign-out'),
  app: element<HTMLDivElement>('app'),
  uploadForm: element<HTMLFormElement>('upload-form'),
  bucket: element<HTMLSelectElement>('bucket'),
  file: element<HTMLInputElement>('file'),
  keyPreview: element<HTMLElement>('key-preview'),
  upload: element<HTMLButtonElement>('upload'),
  cancel: element<HTMLButtonElement>('cancel'),
  progressBox: element<HTMLDivElement>('progress-box'),
  progress: element<HTMLProgressElement>('progress'),
  progressText: element<HTMLParagraphElement>('progress-text'),
  linkForm: element<HTMLFormElement>('link-form'),
  object: element<HTMLInputElement>('object'),
  expires: element<HTMLInputElement>('expires'),
  maxDownloads: element<HTMLInputElement>('max-downloads'),
  sharePassword: element<HTMLInputElement>('share-password'),
  allowIps: element<HTMLInputElement>('allow-ips'),
  newLink: element<HTMLDivElement>('new-link'),
  linkUrl: element<HTMLAnchorElement>('link-url'),
  copy: element<HTMLButtonElement>('copy'),
  qr: element<HTMLDivElement>('qr'),
  refresh: element<HTMLButtonElement>('refresh'),
  links: element<HTMLTableElement>('links').tBodies[0] as HTMLTableSectionElement,
  requestForm: element<HTMLFormElement>('request-form'),
  requestPrefix: element<HTMLInputElement>('request-prefix'),
  requestMaxFiles: element<HTMLInputElement>('request-max-files'),
  requestMaxSize: element<HTMLInputElement>('request-max-size'),
  requestExpires: element<HTMLInputElement>('request-expires'),
  requestMessage: element<HTMLInputElement>('request-message'),
  newRequest: element<HTMLParagraphElement>('new-request'),
  requestUrl: element<HTMLAnchorElement>('request-url'),
  requests: element<HTMLTableElement>('requests').tBodies[0] as HTMLTableSectionElement,
  quickDrop: element<HTMLDivElement>('quick-drop'),
  quickFiles: element<HTMLInputElement>('quick-files'),
  quickList: element<HTMLUListElement>('quick-list'),
}

let client: SignetClient | undefined
let me: Me | undefined

function showError(error: unknown): void {
  const message =
    error instanceof SignetError
      ? error.message
      : error instanceof Error
        ? error.message
        : 'Something went wrong.'
  ui.alert.textContent = message
  ui.alert.hidden = false
}

function clearError(): void {
  ui.alert.hidden = true
  ui.alert.textContent = ''
}

/** Runs an action, showing any failure in words. */
function guarded(action: () => Promise<void>): () => void {
  return () => {
    clearError()
    action().catch(showError)
  }
}

// ---- signing in ------------------------------------------------------------------------------

async function signIn(token: string): Promise<void> {
  const candidate = new SignetClient({ url: location.origin, token })
  const who = await candidate.me()
  sessionStorage.setItem(KEY_STORAGE, token)
  client = candidate
  me = who
  ui.whoName.textContent = who.name
  ui.who.hidden = false
  ui.signIn.hidden = true
  ui.app.hidden = false
  ui.bucket.replaceChildren(...who.scope.buckets.map((bucket) => new Option(bucket, bucket)))
  updateKeyPreview()
  ui.requestPrefix.value = who.scope.prefixes?.[0] ?? 'incoming/'
  await Promise.all([loadLinks(), loadRequests()])
}

function signOut(): void {
  sessionStorage.removeItem(KEY_STORAGE)
  client = undefined
  me = undefined
  ui.apiKey.value = ''
  ui.who.hidden = true
  ui.app.hidden = true
  ui.signIn.hidden = false
  ui.links.replaceChildren()
  ui.requests.replaceChildren()
  ui.newLink.hidden = true
  ui.newRequest.hidden = true
  clearError()
  ui.apiKey.focus()
}

function signedIn(): { client: SignetClient; me: Me } {
  if (!client || !me) throw new Error('Sign in first.')
  return { client, me }
}

// ---- uploading -------------------------------------------------------------------------------

function keyFor(file: File | undefined): string {
  const prefix = me?.scope.prefixes?.[0] ?? ''
  return `${prefix}${file?.name ?? ''}`
}

function updateKeyPreview(): void {
  const file = ui.file.files?.[0]
  ui.keyPreview.textContent = file ? keyFor(file) : '…'
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…'
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`
}

/** Bytes sent so far, rate and time left, shown as the upload goes. */
class Progress {
  private readonly started = performance.now()
  private sent = 0
  constructor(private readonly total: number) {
    ui.progress.value = 0
    ui.progress.max = Math.max(total, 1)
    ui.progressBox.hidden = false
    this.render()
  }
  /** Bytes sent (positive), or taken back after a failed attempt (negative). */
  add(bytes: number): void {
    this.sent += bytes
    this.render()
  }
  private render(): void {
    const sent = this.sent
    const seconds = (performance.now() - this.started) / 1000
    const rate = seconds > 0 ? sent / seconds : 0
    const left = rate > 0 ? (this.total - sent) / rate : Number.POSITIVE_INFINITY
    ui.progress.value = sent
    ui.progressText.textContent = `${formatBytes(sent)} of ${formatBytes(this.total)} · ${formatBytes(rate)}/s · ${formatSeconds(left)} left`
  }
}

let cancelUpload: (() => void) | undefined

/**
 * The file's SHA-256 (base64), read in slices so a large file is never whole in memory (Web
 * Crypto has no incremental digest, hence @noble/hashes). Kept with the object at upload, so any
 * later download can check its bytes.
 */
async function fileSha256(file: File, cancelled: () => boolean): Promise<string> {
  const hash = sha256.create()
  for (let at = 0; at < file.size; at += PART_SIZE) {
    if (cancelled()) throw new DOMException('Cancelled', 'AbortError')
    hash.update(new Uint8Array(await file.slice(at, at + PART_SIZE).arrayBuffer()))
  }
  let text = ''
  for (const byte of hash.digest()) text += String.fromCharCode(byte)
  return btoa(text)
}

async function upload(): Promise<void> {
  const { client } = signedIn()
  const file = ui.file.files?.[0]
  if (!file) throw new Error('Choose a file first.')
  const bucket = ui.bucket.value
  const key = keyFor(file)
  const contentType = file.type || 'application/octet-stream'
  const progress = new Progress(file.size)
  const cancel = new AbortController()
  cancelUpload = () => cancel.abort(new DOMException('Cancelled', 'AbortError'))
  ui.upload.disabled = true
  ui.cancel.hidden = false
  try {
    ui.progressText.textContent = 'Reading the file…'
    const checksumSha256 = await fileSha256(file, () => cancel.signal.aborted)
    const send = (overwrite: boolean) =>
      uploadWith({
        client,
        target: { bucket, key },
        size: file.size,
        contentType,
        checksumSha256,
        transport: xhrTransport(file),
        overwrite,
        threshold: SINGLE_PUT_MAX,
        partSize: PART_SIZE,
        parallel: DEFAULT_PARALLEL_PARTS,
        retry: DEFAULT_RETRY,
        signal: cancel.signal,
        progress: (delta) => progress.add(delta),
      })
    // Nothing is replaced without a person saying so: someone may hold a link to that file. The
    // uploader looks before it sends a byte; only then is the person asked.
    try {
      await send(false)
    } catch (error) {
      if (!(error instanceof ObjectExists)) throw error
      if (!window.confirm(`${key} already exists. Replace it with ${file.name}?`)) {
        ui.progressText.textContent = `Not uploaded: ${key} already exists.`
        return
      }
      await send(true)
    }
    ui.progressText.textContent = `Uploaded ${key} (${formatBytes(file.size)}).`
    ui.object.value = key
  } catch (error) {
    if (cancel.signal.aborted) {
      ui.progressText.textContent = 'Upload cancelled.'
      return
    }
    throw error instanceof StepError ? (error.cause instanceof Error ? error.cause : error) : error
  } finally {
    ui.upload.disabled = false
    ui.cancel.hidden = true
    cancelUpload = undefined
  }
}

// ---- links -----------------------------------------------------------------------------------

function when(iso: string | null): string {
  return iso === null ? '—' : formatInstant(Date.parse(iso))
}

async function createLink(): Promise<void> {
  const { client } = signedIn()
  const key = ui.object.value.trim()
  const maxDownloads = ui.maxDownloads.value.trim()
  const allowIps = ui.allowIps.value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  // A folder (ending in /) is shared whole; a file under the name it has.
  const what = key.endsWith('/') ? { prefix: key } : { key, filename: key.split('/').pop() || key }
  const share = await client.createShare({
    bucket: ui.bucket.value,
    ...what,
    expiresIn: ui.expires.value.trim() || '7d',
    ...(maxDownloads === '' ? {} : { maxDownloads: Number(maxDownloads) }),
    ...(allowIps.length > 0 ? { allowIps } : {}),
    ...(ui.sharePassword.value === '' ? {} : { password: ui.sharePassword.value }),
  })
  ui.sharePassword.value = ''
  ui.linkUrl.href = share.url
  ui.linkUrl.textContent = share.url
  // uqr draws modules as SVG paths: no script, no external service.
  ui.qr.innerHTML = renderSVG(share.url)
  ui.newLink.hidden = false
  await loadLinks()
}

async function loadLinks(): Promise<void> {
  const { client } = signedIn()
  const { shares } = await client.listShares({ limit: 100 })
  ui.links.replaceChildren(...shares.reverse().map(linkRow))
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td')
  td.textContent = text
  if (className) td.className = className
  return td
}

/** A button of a table row: its text, its label for screen readers, and what it does. */
function rowButton(
  text: string,
  label: string,
  action: () => Promise<void>,
  quiet = false,
): HTMLButtonElement {
  const button = document.createElement('button')
  button.type = 'button'
  if (quiet) button.className = 'quiet'
  button.textContent = text
  button.setAttribute('aria-label', label)
  button.addEventListener('click', guarded(action))
  return button
}

/** What a share is of: its object's key, or its folder. */
function sharedName(share: Share): string {
  return share.key ?? share.prefix ?? ''
}

function linkRow(share: Share): HTMLTableRowElement {
  const row = document.createElement('tr')
  row.dataset.share = share.id
  const state = shareState(share)
  const object = cell('', 'object')
  const link = document.createElement('a')
  link.href = share.url
  link.textContent = sharedName(share)
  object.append(link)
  const actions = document.createElement('td')
  const audit = rowButton(
    'Audit',
    `Audit trail of ${sharedName(share)}`,
    () => showAudit(share, actions),
    true,
  )
  const stats = rowButton(
    'Stats',
    `Stats of ${sharedName(share)}`,
    () => showStats(share, actions),
    true,
  )
  actions.append(audit, stats)
  if (share.passwordProtected) {
    link.after(Object.assign(document.createElement('span'), { textContent: ' (password)' }))
  }
  if (state === 'active' || state === 'used up') {
    const revoke = rowButton('Revoke', `Revoke the link to ${sharedName(share)}`, async () => {
      await signedIn().client.revokeShare(share.id)
      await loadLinks()
    })
    actions.append(revoke)
  }
  row.append(
    object,
    cell(state),
    cell(`${share.downloads}/${share.maxDownloads ?? '∞'}`),
    cell(when(share.expiresAt)),
    cell(when(share.lastUsedAt)),
    actions,
  )
  return row
}

async function showAudit(share: Share, into: HTMLElement): Promise<void> {
  const { uses } = await signedIn().client.shareUses(share.id, { limit: 100 })
  into.querySelector('ol.audit')?.remove()
  const list = document.createElement('ol')
  list.className = 'audit'
  list.setAttribute('aria-label', `Audit trail of ${sharedName(share)}`)
  if (uses.length === 0)
    list.append(Object.assign(document.createElement('li'), { textContent: 'No uses yet.' }))
  for (const use of uses) {
    const item = document.createElement('li')
    item.textContent = `${when(use.at)} · ${use.clientIp ?? 'unknown address'} · ${use.outcome}`
    list.append(item)
  }
  into.append(list)
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** Views, previews and downloads of a link, in all and per day, and downloads per country. */
async function showStats(share: Share, into: HTMLElement): Promise<void> {
  const stats = await signedIn().client.shareStats(share.id)
  into.querySelector('.stats')?.remove()
  const box = document.createElement('section')
  box.className = 'stats'
  box.setAttribute('aria-label', `Stats of ${sharedName(share)}`)
  const totals = document.createElement('p')
  totals.textContent = [
    plural(stats.views, 'view'),
    plural(stats.previews, 'preview'),
    plural(stats.downloads, 'download'),
  ].join(' · ')
  box.append(totals)
  const list = (label: string, items: string[]) => {
    if (items.length === 0) return
    const ul = document.createElement('ul')
    ul.setAttribute('aria-label', label)
    for (const text of items)
      ul.append(Object.assign(document.createElement('li'), { textContent: text }))
    box.append(ul)
  }
  list(
    'Per day',
    stats.byDay.map(
      (day) => `${day.day}: ${plural(day.views, 'view')}, ${plural(day.downloads, 'download')}`,
    ),
  )
  list(
    'Downloads per country',
    stats.byCountry.map((row) => `${row.country ?? 'unknown'}: ${row.downloads}`),
  )
  into.append(box)
}

// ---- one step from a file to a link ------------------------------------------------------------

/**
 * Uploads a file under the scope's first prefix (never replacing anything: a name in use gets
 * the next number) and makes a 7-day link to it, showing both in the file's row.
 */
async function shareOne(file: File, row: HTMLLIElement): Promise<void> {
  const { client, me } = signedIn()
  const bucket = ui.bucket.value || me.scope.buckets[0] || ''
  const prefix = me.scope.prefixes?.[0] ?? ''
  const bar = Object.assign(document.createElement('progress'), { max: Math.max(file.size, 1) })
  bar.setAttribute('aria-label', `Uploading ${file.name}`)
  const status = document.createElement('span')
  row.append(bar, status)
  let sent = 0
  const checksumSha256 = await fileSha256(file, () => false)
  let key = ''
  for (let n = 1; n <= 20 && key === ''; n++) {
    const candidate = `${prefix}${numberedName(file.name, n)}`
    try {
      await uploadWith({
        client,
        target: { bucket, key: candidate },
        size: file.size,
        contentType: file.type || 'application/octet-stream',
        checksumSha256,
        transport: xhrTransport(file),
        overwrite: false,
        threshold: SINGLE_PUT_MAX,
        partSize: PART_SIZE,
        parallel: DEFAULT_PARALLEL_PARTS,
        retry: DEFAULT_RETRY,
        signal: new AbortController().signal,
        progress: (delta) => {
          sent += delta
          bar.value = sent
          status.textContent = `${formatBytes(sent)} of ${formatBytes(file.size)}`
        },
      })
      key = candidate
    } catch (error) {
      if (!(error instanceof ObjectExists)) throw error
    }
  }
  if (key === '') throw new Error(`${file.name}: no free name for it.`)
  const share = await client.createShare({ bucket, key, expiresIn: '7d', filename: file.name })
  bar.remove()
  const link = Object.assign(document.createElement('a'), {
    href: share.url,
    textContent: share.url,
  })
  const copy = rowButton(
    'Copy link',
    `Copy link to ${file.name}`,
    async () => {
      await navigator.clipboard.writeText(share.url)
      copy.textContent = 'Copied'
    },
    true,
  )
  status.textContent = ` (${formatBytes(file.size)}, until ${when(share.expiresAt)}) `
  row.append(link, status, copy)
  row.dataset.state = 'shared'
  ui.object.value = key
}

/** Shares each file in turn, each with its own row in the list. */
async function shareFiles(files: readonly File[]): Promise<void> {
  for (const file of files) {
    const row = document.createElement('li')
    row.append(Object.assign(document.createElement('strong'), { textContent: `${file.name} ` }))
    ui.quickList.prepend(row)
    try {
      await shareOne(file, row)
    } catch (error) {
      row.dataset.state = 'failed'
      row.append(` Not shared: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  await loadLinks()
}

// ---- upload links ----------------------------------------------------------------------------

async function createRequest(): Promise<void> {
  const { client } = signedIn()
  const maxFiles = ui.requestMaxFiles.value.trim()
  const maxSize = ui.requestMaxSize.value.trim()
  const message = ui.requestMessage.value.trim()
  const prefix = ui.requestPrefix.value.trim()
  const link = await client.uploadLinks.create({
    bucket: ui.bucket.value,
    prefix: asFolder(prefix),
    expiresIn: ui.requestExpires.value.trim() || '7d',
    ...(maxFiles === '' ? {} : { maxFiles: Number(maxFiles) }),
    ...(maxSize === '' ? {} : { maxFileSize: Math.round(Number(maxSize) * 1_000_000) }),
    ...(message === '' ? {} : { message }),
  })
  ui.requestUrl.href = link.url
  ui.requestUrl.textContent = link.url
  ui.newRequest.hidden = false
  await loadRequests()
}

async function loadRequests(): Promise<void> {
  const { uploadLinks } = await signedIn().client.uploadLinks.list({ limit: 100 })
  ui.requests.replaceChildren(...uploadLinks.reverse().map(requestRow))
}

function requestRow(link: UploadLink): HTMLTableRowElement {
  const row = document.createElement('tr')
  row.dataset.uploadLink = link.id
  const state = uploadLinkState(link)
  const folder = cell('', 'object')
  const anchor = document.createElement('a')
  anchor.href = link.url
  anchor.textContent = `${link.bucket}/${link.prefix}`
  folder.append(anchor)
  const actions = document.createElement('td')
  const files = rowButton(
    'Files',
    `Files received in ${link.prefix}`,
    () => showFiles(link, actions),
    true,
  )
  actions.append(files)
  if (state === 'active' || state === 'used up') {
    const revoke = rowButton('Revoke', `Revoke the upload link to ${link.prefix}`, async () => {
      await signedIn().client.uploadLinks.revoke(link.id)
      await loadRequests()
    })
    actions.append(revoke)
  }
  row.append(
    folder,
    cell(state),
    cell(`${link.fileCount}/${link.maxFiles ?? '∞'}`),
    cell(when(link.expiresAt)),
    actions,
  )
  return row
}

/** The files a link received: name, size, when and from where. */
async function showFiles(link: UploadLink, into: HTMLElement): Promise<void> {
  const read = await signedIn().client.uploadLinks.get(link.id)
  into.querySelector('ol.audit')?.remove()
  const list = document.createElement('ol')
  list.className = 'audit'
  list.setAttribute('aria-label', `Files received in ${link.prefix}`)
  const received = read.files ?? []
  if (received.length === 0) {
    list.append(Object.assign(document.createElement('li'), { textContent: 'No files yet.' }))
  }
  for (const file of received) {
    const item = document.createElement('li')
    item.textContent = `${file.key.slice(link.prefix.length)} · ${formatBytes(file.size)} · ${when(file.uploadedAt)} · ${file.clientIp ?? 'unknown address'}`
    list.append(item)
  }
  into.append(list)
}

// ---- wiring ----------------------------------------------------------------------------------

ui.signInForm.addEventListener('submit', (event) => {
  event.preventDefault()
  clearError()
  signIn(ui.apiKey.value.trim()).catch((error) => {
    sessionStorage.removeItem(KEY_STORAGE)
    showError(error)
  })
})
ui.signOut.addEventListener('click', signOut)
ui.file.addEventListener('change', updateKeyPreview)
ui.uploadForm.addEventListener('submit', (event) => {
  event.preventDefault()
  guarded(upload)()
})
ui.cancel.addEventListener('click', () => cancelUpload?.())
ui.linkForm.addEventListener('submit', (event) => {
  event.preventDefault()
  guarded(createLink)()
})
ui.copy.addEventListener(
  'click',
  guarded(async () => {
    await navigator.clipboard.writeText(ui.linkUrl.href)
    ui.copy.textContent = 'Copied'
    setTimeout(() => {
      ui.copy.textContent = 'Copy link'
    }, 2000)
  }),
)
ui.refresh.addEventListener(
  'click',
  guarded(() => Promise.all([loadLinks(), loadRequests()]).then(() => undefined)),
)
ui.quickFiles.addEventListener('change', () => {
  const files = [...(ui.quickFiles.files ?? [])]
  ui.quickFiles.value = ''
  guarded(() => shareFiles(files))()
})
ui.quickDrop.addEventListener('dragover', (event) => {
  event.preventDefault()
  ui.quickDrop.classList.add('over')
})
ui.quickDrop.addEventListener('dragleave', () => ui.quickDrop.classList.remove('over'))
ui.quickDrop.addEventListener('drop', (event) => {
  event.preventDefault()
  ui.quickDrop.classList.remove('over')
  const files = [...(event.dataTransfer?.files ?? [])]
  guarded(() => shareFiles(files))()
})
ui.requestForm.addEventListener('submit', (event) => {
  event.preventDefault()
  guarded(createRequest)()
})

const saved = sessionStorage.getItem(KEY_STORAGE)
if (saved) {
  signIn(saved).catch((error) => {
    sessionStorage.removeItem(KEY_STORAGE)
    showError(error)
  })
}
