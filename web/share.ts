// An end-to-end encrypted share's page: the key comes from the link's fragment (which no browser
// sends) and leaves the address bar and the history at once; the encrypted name, type and size
// are decrypted and shown; Download hands the key to the decrypting service worker
// (web/sw/decrypt.ts), which fetches the ciphertext through the link's counted use and gives the
// browser the plaintext as a download, record by record. Images and PDFs under 20 MiB can be shown
// in the page instead, decrypted in memory, once the person asks: that is the one download (it
// counts as any), and Download then saves what the page holds.
import { DecryptError, decrypt, decryptStream } from '../src/lib/ece'
import { formatSize } from '../src/lib/sizes'
import { fromBase64url } from './base64url'
import { element } from './dom'
import {
  DECRYPT_PATH,
  type DecryptJob,
  type DecryptNews,
  fetchCiphertext,
  refusalMessage,
  WORKER_SCOPE,
  WORKER_URL,
} from './sw/protocol'

/** Previews decrypt in the page's memory: at most this much. */
const PREVIEW_MAX = 20 * 1024 * 1024
const PREVIEWABLE = /^(image\/(png|jpeg|gif|webp|avif)|application\/pdf)$/

const ui = {
  root: element<HTMLDivElement>('encrypted'),
  name: element<HTMLHeadingElement>('file-name'),
  size: element<HTMLElement>('plain-size'),
  type: element<HTMLElement>('plain-type'),
  status: element<HTMLParagraphElement>('decrypt-status'),
  progress: element<HTMLProgressElement>('decrypt-progress'),
  alert: element<HTMLParagraphElement>('decrypt-alert'),
  download: element<HTMLButtonElement>('download'),
  previewButton: element<HTMLButtonElement>('preview-button'),
  preview: element<HTMLDivElement>('preview'),
}

type Facts = { name: string; type: string; size: number | null }

/** The key from the fragment (16 bytes of base64url), which then leaves the URL and the history. */
function takeKey(): Uint8Array | 'missing' | 'bad' {
  const fragment = location.hash.slice(1)
  if (fragment === '') return 'missing'
  history.replaceState(history.state, '', location.pathname + location.search)
  const secret = /^[A-Za-z0-9_-]{22}$/.test(fragment) ? fromBase64url(fragment) : undefined
  return secret?.byteLength === 16 ? secret : 'bad'
}

async function factsOf(secret: Uint8Array): Promise<Facts> {
  const meta = ui.root.dataset.meta ?? ''
  if (meta === '') return { name: 'file', type: 'application/octet-stream', size: null }
  const bytes = fromBase64url(meta) ?? new Uint8Array(0)
  const facts = JSON.parse(new TextDecoder().decode(await decrypt(secret, bytes))) as {
    name?: unknown
    type?: unknown
    size?: unknown
  }
  const name = typeof facts.name === 'string' ? facts.name.split(/[/\\]/).pop() : ''
  return {
    name: name || 'file',
    type: typeof facts.type === 'string' ? facts.type : 'application/octet-stream',
    size: typeof facts.size === 'number' && facts.size >= 0 ? facts.size : null,
  }
}

function refuse(text: string): void {
  ui.alert.textContent = text
  ui.download.hidden = true
  ui.previewButton.hidden = true
}

/** The decrypting worker, active and in control of this scope. */
async function decryptingWorker(): Promise<ServiceWorker> {
  const registration = await navigator.serviceWorker.register(WORKER_URL, { scope: WORKER_SCOPE })
  await navigator.serviceWorker.ready
  const worker = registration.active
  if (!worker) throw new Error('The decrypting worker did not start.')
  return worker
}

/** Hands the worker one job; resolves once it holds it, then reports news to `news`. */
function giveJob(
  worker: ServiceWorker,
  job: DecryptJob,
  news: (news: DecryptNews) => void,
): Promise<void> {
  const channel = new MessageChannel()
  return new Promise((resolve) => {
    channel.port1.onmessage = (event: MessageEvent<DecryptNews>) => {
      if (event.data.type === 'ready') resolve()
      else news(event.data)
    }
    worker.postMessage(job, [channel.port2])
  })
}

function showNews(facts: Facts, news: DecryptNews, ended: () => void): void {
  const total = facts.size === null ? '' : ` of ${formatSize(facts.size)}`
  switch (news.type) {
    case 'ready':
      return
    case 'progress':
      ui.progress.value = news.bytes
      ui.status.textContent = `Decrypting: ${formatSize(news.bytes)}${total}`
      return
    case 'done':
      ui.progress.value = ui.progress.max
      ui.status.textContent = `Decrypted and saved: ${facts.name} (${formatSize(news.bytes)}).`
      break
    case 'refused':
      ui.status.textContent = ''
      ui.alert.textContent = `Not downloaded: ${news.message}`
      break
    case 'damaged':
      ui.status.textContent = ''
      ui.alert.textContent =
        'The file is damaged: a part of it does not match its key. The download was stopped and nothing complete was saved.'
      break
    case 'failed':
      ui.status.textContent = ''
      ui.alert.textContent = `Not downloaded: ${news.message}`
      break
    default: {
      const unreachable: never = news
      throw new Error(`unhandled news ${String(unreachable)}`)
    }
  }
  ui.progress.hidden = true
  ended()
}

async function download(id: string, secret: Uint8Array, facts: Facts): Promise<void> {
  ui.alert.textContent = ''
  ui.download.disabled = true
  ui.status.textContent = 'Starting the download…'
  ui.progress.hidden = false
  ui.progress.removeAttribute('value')
  if (facts.size !== null) ui.progress.max = Math.max(facts.size, 1)
  // A long download keeps the worker awake: a message now and then resets its idle clock.
  let keepAwake: ReturnType<typeof setInterval> | undefined
  const ended = () => {
    clearInterval(keepAwake)
    ui.download.disabled = false
  }
  try {
    const worker = await decryptingWorker()
    const token = crypto.randomUUID()
    await giveJob(worker, { token, id, secret, name: facts.name, size: facts.size }, (news) =>
      showNews(facts, news, ended),
    )
    keepAwake = setInterval(() => worker.postMessage('ping'), 10_000)
    // A navigation the worker answers with an attachment: the page stays, the browser saves.
    const open = document.createElement('a')
    open.href = `${DECRYPT_PATH}${token}`
    open.click()
  } catch (error) {
    ended()
    ui.progress.hidden = true
    ui.status.textContent = ''
    ui.alert.textContent = `This browser cannot decrypt the file here (${error instanceof Error ? error.message : String(error)}): use the Signet CLI below.`
  }
}

/** What the preview decrypted (an object URL), saved by Download without a second download. */
let held: string | undefined

function saveHeld(url: string, facts: Facts): void {
  const save = Object.assign(document.createElement('a'), { href: url, download: facts.name })
  save.click()
  ui.status.textContent = `Saved: ${facts.name} (decrypted here).`
}

/** An image or a PDF under 20 MiB, decrypted in memory and shown here (one counted download). */
async function preview(id: string, secret: Uint8Array, facts: Facts): Promise<void> {
  ui.alert.textContent = ''
  ui.previewButton.disabled = true
  ui.status.textContent = 'Decrypting the preview…'
  try {
    const answer = await fetchCiphertext(id)
    if (!answer.ok || !answer.body) throw new Error(await refusalMessage(answer))
    const plain = await new Response(answer.body.pipeThrough(decryptStream(secret))).blob()
    const url = URL.createObjectURL(new Blob([plain], { type: facts.type }))
    held = url
    const shown =
      facts.type === 'application/pdf'
        ? Object.assign(document.createElement('iframe'), {
            src: url,
            title: `Preview of ${facts.name}`,
          })
        : Object.assign(document.createElement('img'), {
            src: url,
            alt: `Preview of ${facts.name}`,
          })
    ui.preview.replaceChildren(shown)
    ui.previewButton.hidden = true
    ui.status.textContent = ''
  } catch (error) {
    ui.status.textContent = ''
    ui.alert.textContent =
      error instanceof DecryptError
        ? 'The file is damaged: a part of it does not match its key.'
        : `No preview: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    ui.previewButton.disabled = false
  }
}

async function main(): Promise<void> {
  const id = ui.root.dataset.link ?? ''
  const secret = takeKey()
  if (secret === 'missing') {
    return refuse(
      'This link is missing its key: the part after # that opens the file. Ask the sender for the whole link, or open it again exactly as it was sent.',
    )
  }
  if (secret === 'bad') {
    return refuse('This link’s key (after #) is cut short or changed: copy the whole link again.')
  }
  let facts: Facts
  try {
    facts = await factsOf(secret)
  } catch {
    return refuse('This key does not open this file: the link is not the one that was sent.')
  }
  ui.name.textContent = facts.name
  document.title = facts.name
  ui.size.textContent = facts.size === null ? 'Unknown' : formatSize(facts.size)
  ui.type.textContent = facts.type
  if (!('serviceWorker' in navigator)) {
    return refuse(
      'This browser cannot decrypt files here: open the link with the Signet CLI below.',
    )
  }
  ui.download.hidden = false
  ui.download.addEventListener('click', () =>
    held === undefined ? void download(id, secret, facts) : saveHeld(held, facts),
  )
  if (PREVIEWABLE.test(facts.type) && facts.size !== null && facts.size <= PREVIEW_MAX) {
    ui.previewButton.hidden = false
    ui.previewButton.addEventListener('click', () => void preview(id, secret, facts))
  }
}

void main()
