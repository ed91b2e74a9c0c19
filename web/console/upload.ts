// Uploading from the console: a file's SHA-256 read in slices, and one upload (a presigned PUT, or
// a multipart upload of parallel parts) with a progress bar, Cancel, and nothing replaced unless
// the person confirms. Also what Send uses to put a file under a free name.
import { sha256 } from '@noble/hashes/sha2.js'
import type { SignetClient } from '../../src/client'
import { numberedName } from '../../src/lib/file-name'
import { SINGLE_PUT_MAX } from '../../src/lib/limits'
import { formatSize } from '../../src/lib/sizes'
import {
  DEFAULT_PARALLEL_PARTS,
  DEFAULT_RETRY,
  ObjectExists,
  StepError,
  upload as uploadWith,
} from '../../src/uploader'
import { element } from '../dom'
import { type UploadBody, xhrTransport } from '../xhr-transport'
import { encryptedFile } from './encrypt'
import { guarded, MiB, signedIn } from './shared'

/** Target part size for multipart uploads. */
const PART_SIZE = 8 * MiB

const ui = {
  form: element<HTMLFormElement>('upload-form'),
  bucket: element<HTMLSelectElement>('bucket'),
  file: element<HTMLInputElement>('file'),
  keyPreview: element<HTMLElement>('key-preview'),
  upload: element<HTMLButtonElement>('upload'),
  cancel: element<HTMLButtonElement>('cancel'),
  progressBox: element<HTMLDivElement>('progress-box'),
  progress: element<HTMLProgressElement>('progress'),
  progressText: element<HTMLParagraphElement>('progress-text'),
  object: element<HTMLInputElement>('object'),
}

/**
 * The file's SHA-256 (base64), read in slices so a large file is never whole in memory (Web
 * Crypto has no incremental digest, hence @noble/hashes). Kept with the object at upload, so any
 * later download can check its bytes.
 */
export async function fileSha256(file: UploadBody, cancelled: () => boolean): Promise<string> {
  const hash = sha256.create()
  for (let at = 0; at < file.size; at += PART_SIZE) {
    if (cancelled()) throw new DOMException('Cancelled', 'AbortError')
    const slice = await file.slice(at, Math.min(at + PART_SIZE, file.size))
    hash.update(new Uint8Array(await slice.arrayBuffer()))
  }
  let text = ''
  for (const byte of hash.digest()) text += String.fromCharCode(byte)
  return btoa(text)
}

/** One upload of `file` to `key`, never replacing an object unless `overwrite`. */
export function sendFile(
  client: SignetClient,
  file: UploadBody & { readonly type: string },
  target: { bucket: string; key: string },
  options: {
    checksumSha256: string
    overwrite: boolean
    signal: AbortSignal
    progress: (delta: number) => void
  },
) {
  return uploadWith({
    client,
    target,
    size: file.size,
    contentType: file.type || 'application/octet-stream',
    checksumSha256: options.checksumSha256,
    transport: xhrTransport(file),
    overwrite: options.overwrite,
    threshold: SINGLE_PUT_MAX,
    partSize: PART_SIZE,
    parallel: DEFAULT_PARALLEL_PARTS,
    retry: DEFAULT_RETRY,
    signal: options.signal,
    progress: options.progress,
  })
}

/** Puts a file under the scope's first prefix at the first free name (`name (2).ext`, …). */
export async function sendUnderFreeName(
  file: File,
  progress: (delta: number) => void,
): Promise<{ bucket: string; key: string }> {
  const { client, me } = signedIn()
  const bucket = ui.bucket.value || me.scope.buckets[0] || ''
  const prefix = me.scope.prefixes?.[0] ?? ''
  const checksumSha256 = await fileSha256(file, () => false)
  const signal = new AbortController().signal
  for (let n = 1; n <= 20; n++) {
    const key = `${prefix}${numberedName(file.name, n)}`
    try {
      await sendFile(
        client,
        file,
        { bucket, key },
        { checksumSha256, overwrite: false, signal, progress },
      )
      return { bucket, key }
    } catch (error) {
      if (!(error instanceof ObjectExists)) throw error
    }
  }
  throw new Error(`${file.name}: no free name for it.`)
}

/**
 * Puts a file encrypted end to end under the scope's first prefix, named by a random UUID (the
 * name says nothing of the file); its SHA-256 is the ciphertext's, so downloads check the
 * stored bytes. The link to it carries `key` in its fragment.
 */
export async function sendEncrypted(
  file: File,
  progress: (delta: number) => void,
): Promise<{ bucket: string; key: string; encryptedMeta: string; secret: string }> {
  const { client, me } = signedIn()
  const bucket = ui.bucket.value || me.scope.buckets[0] || ''
  const key = `${me.scope.prefixes?.[0] ?? ''}${crypto.randomUUID()}.ece`
  const sealed = await encryptedFile(file)
  const checksumSha256 = await fileSha256(sealed.body, () => false)
  const signal = new AbortController().signal
  await sendFile(
    client,
    sealed.body,
    { bucket, key },
    { checksumSha256, overwrite: false, signal, progress },
  )
  return { bucket, key, encryptedMeta: sealed.encryptedMeta, secret: sealed.key }
}

function keyFor(file: File | undefined): string {
  const prefix = signedIn().me.scope.prefixes?.[0] ?? ''
  return `${prefix}${file?.name ?? ''}`
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…'
  if (seconds < 60) return `${Math.ceil(seconds)} s`
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`
}

/** Bytes sent so far, rate and time left, shown as the upload goes. */
function progressOf(total: number): (delta: number) => void {
  const started = performance.now()
  let sent = 0
  ui.progress.value = 0
  ui.progress.max = Math.max(total, 1)
  ui.progressBox.hidden = false
  return (delta) => {
    sent += delta
    const seconds = (performance.now() - started) / 1000
    const rate = seconds > 0 ? sent / seconds : 0
    const left = rate > 0 ? (total - sent) / rate : Number.POSITIVE_INFINITY
    ui.progress.value = sent
    ui.progressText.textContent = `${formatSize(sent)} of ${formatSize(total)} · ${formatSize(rate)}/s · ${formatSeconds(left)} left`
  }
}

let cancelUpload: (() => void) | undefined

async function upload(): Promise<void> {
  const { client } = signedIn()
  const file = ui.file.files?.[0]
  if (!file) throw new Error('Choose a file first.')
  const target = { bucket: ui.bucket.value, key: keyFor(file) }
  const progress = progressOf(file.size)
  const cancel = new AbortController()
  cancelUpload = () => cancel.abort(new DOMException('Cancelled', 'AbortError'))
  ui.upload.disabled = true
  ui.cancel.hidden = false
  try {
    ui.progressText.textContent = 'Reading the file…'
    const checksumSha256 = await fileSha256(file, () => cancel.signal.aborted)
    const send = (overwrite: boolean) =>
      sendFile(client, file, target, { checksumSha256, overwrite, signal: cancel.signal, progress })
    // Nothing is replaced without a person saying so: someone may hold a link to that file. The
    // uploader looks before it sends a byte; only then is the person asked.
    try {
      await send(false)
    } catch (error) {
      if (!(error instanceof ObjectExists)) throw error
      if (!window.confirm(`${target.key} already exists. Replace it with ${file.name}?`)) {
        ui.progressText.textContent = `Not uploaded: ${target.key} already exists.`
        return
      }
      await send(true)
    }
    ui.progressText.textContent = `Uploaded ${target.key} (${formatSize(file.size)}).`
    ui.object.value = target.key
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

/** Fills the bucket list for the signed-in caller. */
export function showUploadTargets(): void {
  const { me } = signedIn()
  ui.bucket.replaceChildren(...me.scope.buckets.map((bucket) => new Option(bucket, bucket)))
  ui.keyPreview.textContent = '…'
}

ui.file.addEventListener('change', () => {
  const file = ui.file.files?.[0]
  ui.keyPreview.textContent = file ? keyFor(file) : '…'
})
ui.form.addEventListener('submit', (event) => {
  event.preventDefault()
  guarded(upload)()
})
ui.cancel.addEventListener('click', () => cancelUpload?.())
