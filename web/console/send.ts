// Send: files chosen (or dropped, where there is a pointer to drop with) become links in one
// step, each with the options folded under "Link options"; "Share a file already stored" makes a
// link to an object or a folder with the same options.
import { renderSVG } from 'uqr'
import type { ShareRequest } from '../../src/client'
import { encodedLength } from '../../src/lib/ece'
import { formatSize } from '../../src/lib/sizes'
import { element } from '../dom'
import { reloadLinks } from './links'
import { button, guarded, listOf, optional, signedIn, when } from './shared'
import { sendEncrypted, sendUnderFreeName } from './upload'

const ui = {
  drop: element<HTMLDivElement>('quick-drop'),
  files: element<HTMLInputElement>('quick-files'),
  list: element<HTMLUListElement>('quick-list'),
  linkForm: element<HTMLFormElement>('link-form'),
  object: element<HTMLInputElement>('object'),
  expires: element<HTMLInputElement>('expires'),
  maxDownloads: element<HTMLInputElement>('max-downloads'),
  password: element<HTMLInputElement>('share-password'),
  message: element<HTMLTextAreaElement>('share-message'),
  allowIps: element<HTMLInputElement>('allow-ips'),
  notify: element<HTMLInputElement>('share-notify'),
  bucket: element<HTMLSelectElement>('bucket'),
  newLink: element<HTMLDivElement>('new-link'),
  linkUrl: element<HTMLAnchorElement>('link-url'),
  copy: element<HTMLButtonElement>('copy'),
  qr: element<HTMLDivElement>('qr'),
  encrypt: element<HTMLInputElement>('encrypt'),
}

/** The link options as the person set them. */
function options(): Omit<ShareRequest, 'bucket' | 'key' | 'prefix'> {
  const maxDownloads = ui.maxDownloads.value.trim()
  const allowIps = listOf(ui.allowIps.value)
  const message = optional(ui.message.value)
  const notify = listOf(ui.notify.value)
  return {
    expiresIn: optional(ui.expires.value) ?? '7d',
    ...(notify.length > 0 ? { notify } : {}),
    ...(maxDownloads === '' ? {} : { maxDownloads: Number(maxDownloads) }),
    ...(allowIps.length > 0 ? { allowIps } : {}),
    ...(ui.password.value === '' ? {} : { password: ui.password.value }),
    ...(message ? { message } : {}),
  }
}

/** Shows the newest link with its QR code. */
function showNewLink(url: string): void {
  ui.linkUrl.href = url
  ui.linkUrl.textContent = url
  ui.qr.innerHTML = renderSVG(url)
  ui.newLink.hidden = false
}

async function createLink(): Promise<void> {
  const { client } = signedIn()
  const key = ui.object.value.trim()
  // A folder (ending in /) is shared whole; a file under the name it has.
  const what = key.endsWith('/') ? { prefix: key } : { key, filename: key.split('/').pop() || key }
  const share = await client.createShare({ bucket: ui.bucket.value, ...what, ...options() })
  ui.password.value = ''
  showNewLink(share.url)
  await reloadLinks()
}

/**
 * Uploads a file under the scope's first prefix (never replacing anything: a name in use gets
 * the next number) and makes a link to it with the options, shown in the file's row.
 */
async function shareOne(file: File, row: HTMLLIElement): Promise<void> {
  const { client } = signedIn()
  const bar = Object.assign(document.createElement('progress'), { max: Math.max(file.size, 1) })
  bar.setAttribute('aria-label', `Uploading ${file.name}`)
  const status = document.createElement('span')
  row.append(bar, status)
  let sent = 0
  const progress = (delta: number) => {
    sent += delta
    bar.value = sent
    status.textContent = `${formatSize(sent)} of ${formatSize(bar.max)}`
  }
  let share: Awaited<ReturnType<typeof client.createShare>>
  let url: string
  let stored: { bucket: string; key: string }
  if (ui.encrypt.checked) {
    // The ciphertext is a little longer than the file: the bar counts what is sent.
    bar.max = encodedLength(file.size)
    const sealed = await sendEncrypted(file, progress)
    stored = sealed
    share = await client.createShare({
      bucket: sealed.bucket,
      key: sealed.key,
      encrypted: true,
      encryptedMeta: sealed.encryptedMeta,
      ...options(),
    })
    url = `${share.url}#${sealed.secret}`
  } else {
    stored = await sendUnderFreeName(file, progress)
    share = await client.createShare({ ...stored, filename: file.name, ...options() })
    url = share.url
  }
  bar.remove()
  const link = Object.assign(document.createElement('a'), { href: url, textContent: url })
  const copy = button('Copy link', `Copy link to ${file.name}`, async () => {
    await navigator.clipboard.writeText(url)
    copy.textContent = 'Copied'
  })
  status.replaceChildren(` ${formatSize(file.size)}, expires `, when(share.expiresAt), ' ')
  row.append(link, status, copy)
  row.dataset.state = 'shared'
  ui.object.value = stored.key
  showNewLink(url)
}

/** Shares each file in turn, each with its own row in the list. */
async function shareFiles(files: readonly File[]): Promise<void> {
  for (const file of files) {
    const row = document.createElement('li')
    row.append(Object.assign(document.createElement('strong'), { textContent: `${file.name} ` }))
    ui.list.prepend(row)
    try {
      await shareOne(file, row)
    } catch (error) {
      row.dataset.state = 'failed'
      row.append(` Not shared: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  ui.password.value = ''
  await reloadLinks()
}

export function clearSend(): void {
  ui.newLink.hidden = true
  ui.list.replaceChildren()
}

// Dropping needs a pointer to drag with: a touch-only device (a coarse pointer and no fine one)
// is never told to drop.
const touchOnly =
  matchMedia('(any-pointer: coarse)').matches && !matchMedia('(any-pointer: fine)').matches
for (const words of document.querySelectorAll<HTMLElement>('.drop-words')) words.hidden = touchOnly

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
ui.files.addEventListener('change', () => {
  const files = [...(ui.files.files ?? [])]
  ui.files.value = ''
  guarded(() => shareFiles(files))()
})
ui.drop.addEventListener('dragover', (event) => {
  event.preventDefault()
  ui.drop.classList.add('over')
})
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'))
ui.drop.addEventListener('drop', (event) => {
  event.preventDefault()
  ui.drop.classList.remove('over')
  const files = [...(event.dataTransfer?.files ?? [])]
  guarded(() => shareFiles(files))()
})
