// Receive: an upload link for people without a key (a message for them, the options folded), and
// the upload links with what each received (the table the Links view shares).
import { asFolder } from '../../src/lib/object-key'
import { element } from '../dom'
import { reloadLinks } from './links'
import { guarded, listOf, MiB, optional, signedIn } from './shared'

const ui = {
  form: element<HTMLFormElement>('request-form'),
  prefix: element<HTMLInputElement>('request-prefix'),
  maxFiles: element<HTMLInputElement>('request-max-files'),
  maxSize: element<HTMLInputElement>('request-max-size'),
  expires: element<HTMLInputElement>('request-expires'),
  message: element<HTMLTextAreaElement>('request-message'),
  notify: element<HTMLInputElement>('request-notify'),
  newRequest: element<HTMLParagraphElement>('new-request'),
  url: element<HTMLAnchorElement>('request-url'),
  bucket: element<HTMLSelectElement>('bucket'),
}

async function createRequest(): Promise<void> {
  const { client, me } = signedIn()
  const maxFiles = ui.maxFiles.value.trim()
  const maxSize = ui.maxSize.value.trim()
  const message = optional(ui.message.value)
  const notify = listOf(ui.notify.value)
  const link = await client.uploadLinks.create({
    ...(notify.length > 0 ? { notify } : {}),
    bucket: ui.bucket.value || me.scope.buckets[0] || '',
    prefix: asFolder(ui.prefix.value.trim()),
    expiresIn: optional(ui.expires.value) ?? '7d',
    ...(maxFiles === '' ? {} : { maxFiles: Number(maxFiles) }),
    ...(maxSize === '' ? {} : { maxFileSize: Math.round(Number(maxSize) * MiB) }),
    ...(message ? { message } : {}),
  })
  ui.url.href = link.url
  ui.url.textContent = link.url
  ui.newRequest.hidden = false
  await reloadLinks()
}

/** The form's defaults for the signed-in caller: its first prefix. */
export function showReceive(): void {
  ui.prefix.value = signedIn().me.scope.prefixes?.[0] ?? 'incoming/'
  ui.newRequest.hidden = true
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault()
  guarded(createRequest)()
})
