// The upload-link page's script: files chosen or dropped wait in a list (each can be removed
// before it goes) and are sent one after another, each with its own progress bar; the page counts
// down the files the link still takes and says "All sent" when the list is done. A file up to the
// page's single-PUT size goes in one PUT to the link; a larger one with tus (tus-js-client) in
// chunks under Cloudflare's 100 MB body limit, its upload URL remembered in localStorage: chosen
// again after a reload or a lost connection, it goes on from what the server holds.
import * as tus from 'tus-js-client'
import { formatSize } from '../src/lib/sizes'
import { putCounted, StepError } from '../src/uploader'
import { element } from './dom'
import { xhrTransport } from './xhr-transport'

const root = element<HTMLDivElement>('upload')
const link = root.dataset.link ?? ''
const singlePut = Number(root.dataset.singlePut ?? '0')
const maxSize = root.dataset.maxSize ? Number(root.dataset.maxSize) : undefined
const input = element<HTMLInputElement>('files')
const drop = element<HTMLDivElement>('drop')
const list = element<HTMLUListElement>('list')
const alertBox = element<HTMLParagraphElement>('alert')
const filesLeftText = element<HTMLElement>('files-left')
const allSent = element<HTMLParagraphElement>('all-sent')
const senderInput = element<HTMLInputElement>('sender')
const noteInput = element<HTMLInputElement>('note')

/** The sender's name and note, as typed (empty: not given). */
function senderWords(): { sender?: string; note?: string } {
  const sender = senderInput.value.trim()
  const note = noteInput.value.trim()
  return { ...(sender ? { sender } : {}), ...(note ? { note } : {}) }
}
let filesLeft = root.dataset.filesLeft ? Number(root.dataset.filesLeft) : undefined

/** The files the link still takes, as the page says it. */
function showFilesLeft(): void {
  if (filesLeft === undefined) return
  filesLeftText.textContent =
    filesLeft > 0 ? `up to ${filesLeft} more` : 'no more: this link has all it takes'
}

/** One file's line: its name, a progress bar, what happened, and Remove while it waits. */
function fileRow(file: File, onRemove: () => void) {
  const item = document.createElement('li')
  const name = document.createElement('span')
  name.className = 'name'
  name.textContent = `${file.name} (${formatSize(file.size)})`
  const bar = document.createElement('progress')
  bar.max = Math.max(file.size, 1)
  bar.value = 0
  bar.setAttribute('aria-label', `Sending ${file.name}`)
  const status = document.createElement('span')
  status.className = 'status'
  status.textContent = 'Waiting…'
  const remove = document.createElement('button')
  remove.type = 'button'
  remove.className = 'quiet'
  remove.textContent = 'Remove'
  remove.setAttribute('aria-label', `Remove ${file.name}`)
  remove.addEventListener('click', () => {
    item.remove()
    onRemove()
  })
  item.append(name, bar, status, remove)
  list.append(item)
  let sent = 0
  return {
    started() {
      remove.remove()
    },
    progress(delta: number) {
      sent += delta
      bar.value = sent
      status.textContent = `${formatSize(sent)} of ${formatSize(file.size)}`
    },
    /** Where a resumed upload goes on from: what the server holds. */
    resuming(offset: number) {
      sent = offset
      bar.value = offset
      status.textContent = `Resuming at ${Math.floor((offset / Math.max(file.size, 1)) * 100)} %`
    },
    done(text: string) {
      bar.value = bar.max
      status.textContent = text
      item.dataset.state = 'sent'
    },
    failed(text: string) {
      remove.remove()
      status.textContent = text
      item.dataset.state = 'failed'
    },
  }
}

type Sent = { key: string; size: number; etag: string }

/** The name a file got in the bucket: the last segment of its key. */
function shownKey(key: string): string {
  return key.split('/').pop() ?? key
}

/** Each tus PATCH at most this big: under the 100 MB a request body may be on Free and Pro. */
const TUS_CHUNK = 50 * 1024 * 1024

/** What the server holds of an upload this browser began before (null: nothing any more). */
async function heldOffset(url: string): Promise<number | null> {
  const head = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } })
  return head.ok ? Number(head.headers.get('Upload-Offset')) : null
}

/** A big file with tus, going on from an upload of the same file this browser began before. */
function sendTus(file: File, row: ReturnType<typeof fileRow>, contentType: string): Promise<Sent> {
  return new Promise((resolve, reject) => {
    let shown = 0
    const upload = new tus.Upload(file, {
      endpoint: `/u/${link}/tus/`,
      chunkSize: TUS_CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { filename: file.name, filetype: contentType, ...senderWords() },
      removeFingerprintOnSuccess: true,
      onProgress(sent) {
        row.progress(sent - shown)
        shown = sent
      },
      onSuccess({ lastResponse }) {
        const key = decodeURIComponent(lastResponse.getHeader('Signet-Key') ?? file.name)
        resolve({ key, size: file.size, etag: '' })
      },
      onError: reject,
    })
    void (async () => {
      for (const previous of await upload.findPreviousUploads()) {
        const offset = previous.uploadUrl ? await heldOffset(previous.uploadUrl) : null
        if (offset === null) continue
        upload.resumeFromPreviousUpload(previous)
        shown = offset
        row.resuming(offset)
        break
      }
      upload.start()
    })().catch(reject)
  })
}

async function sendOne(file: File, row: ReturnType<typeof fileRow>, signal: AbortSignal) {
  const contentType = file.type || 'application/octet-stream'
  const progress = (delta: number) => row.progress(delta)
  if (file.size > singlePut) return sendTus(file, row, contentType)
  let answer: Sent | undefined
  const transport = xhrTransport(file, (body) => {
    answer = JSON.parse(body) as Sent
  })
  await putCounted(
    { transport, progress },
    `/u/${link}/${encodeURIComponent(file.name)}`,
    {
      'Content-Type': contentType,
      ...Object.fromEntries(
        Object.entries(senderWords()).map(([field, text]) => [
          field === 'sender' ? 'Signet-Sender' : 'Signet-Note',
          encodeURIComponent(text),
        ]),
      ),
    },
    { start: 0, end: file.size },
    signal,
  )
  if (!answer) throw new Error('Signet gave no answer.')
  return answer
}

type Waiting = { file: File; row: ReturnType<typeof fileRow> }
/** Files chosen and not yet sent, in order: Remove takes one out before it goes. */
const waiting: Waiting[] = []
let sending = false
/** What this page sent: how many files, how many bytes. */
const total = { files: 0, bytes: 0 }

/** Sends the waiting files one at a time; says "All sent" when none is left. */
async function pump(): Promise<void> {
  if (sending) return
  sending = true
  allSent.hidden = true
  for (let next = waiting.shift(); next; next = waiting.shift()) {
    const { file, row } = next
    row.started()
    try {
      const sent = await sendOne(file, row, new AbortController().signal)
      row.done(`Sent as ${shownKey(sent.key)} (${formatSize(sent.size)}).`)
      total.files += 1
      total.bytes += sent.size
      if (filesLeft !== undefined) filesLeft = Math.max(0, filesLeft - 1)
      showFilesLeft()
    } catch (error) {
      const cause = error instanceof StepError ? error.cause : error
      row.failed(`Not sent: ${cause instanceof Error ? cause.message : String(cause)}`)
    }
  }
  sending = false
  if (total.files > 0) {
    const files = total.files === 1 ? '1 file' : `${total.files} files`
    allSent.textContent = `All sent: ${files}, ${formatSize(total.bytes)}.`
    allSent.hidden = false
  }
}

function send(files: readonly File[]): void {
  alertBox.textContent = ''
  for (const file of files) {
    const entry: Waiting = {
      file,
      row: fileRow(file, () => {
        const at = waiting.indexOf(entry)
        if (at !== -1) waiting.splice(at, 1)
      }),
    }
    if (maxSize !== undefined && file.size > maxSize) {
      entry.row.failed(`Not sent: larger than ${formatSize(maxSize)}.`)
      continue
    }
    waiting.push(entry)
  }
  // The next turn: a file removed right after it was chosen never starts.
  setTimeout(() => void pump(), 0)
}

input.addEventListener('change', () => {
  send([...(input.files ?? [])])
  input.value = ''
})
drop.addEventListener('dragover', (event) => {
  event.preventDefault()
  drop.classList.add('over')
})
drop.addEventListener('dragleave', () => drop.classList.remove('over'))
drop.addEventListener('drop', (event) => {
  event.preventDefault()
  drop.classList.remove('over')
  send([...(event.dataTransfer?.files ?? [])])
})
