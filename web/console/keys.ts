// Keys (the admin): every API key with Revoke (asking first), and a new key made with a scope
// builder: what it can do (share only, receive only, full), its buckets and prefixes, and how
// long its links may live. The new key is shown once, with "Use this key here".
import type { ApiKey, Scope } from '../../src/client'
import { element } from '../dom'
import { button, guarded, listOf, optional, signedIn, when } from './shared'

const PRESETS: Record<string, Scope['operations']> = {
  share: ['get', 'head', 'put', 'share', 'multipart'],
  receive: ['put', 'multipart'],
  full: ['get', 'head', 'put', 'delete', 'share', 'multipart', 'post'],
}

const ui = {
  form: element<HTMLFormElement>('key-form'),
  name: element<HTMLInputElement>('key-name'),
  preset: element<HTMLSelectElement>('key-preset'),
  buckets: element<HTMLFieldSetElement>('key-buckets'),
  prefixes: element<HTMLInputElement>('key-prefixes'),
  expiry: element<HTMLInputElement>('key-expiry'),
  made: element<HTMLDivElement>('new-key'),
  madeText: element<HTMLElement>('new-key-text'),
  copy: element<HTMLButtonElement>('copy-key'),
  use: element<HTMLButtonElement>('use-key'),
  list: element<HTMLUListElement>('keys-list'),
}

/** What "Links live at most" says, in seconds ("7d", "12h", "90m", "3600"). */
function seconds(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim())
  if (!match) return undefined
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd']
  return Number(match[1]) * unit
}

let useKey: (key: string) => Promise<void> = async () => undefined

async function createKey(): Promise<void> {
  const { client } = signedIn()
  const buckets = [...ui.buckets.querySelectorAll<HTMLInputElement>('input:checked')].map(
    (box) => box.value,
  )
  if (buckets.length === 0) throw new Error('Choose at least one bucket.')
  const prefixes = listOf(ui.prefixes.value)
  const expiry = optional(ui.expiry.value)
  const maxExpiresIn = expiry === undefined ? undefined : seconds(expiry)
  if (expiry !== undefined && maxExpiresIn === undefined) {
    throw new Error('Links live at most: give a length like 7d, 12h or 90m.')
  }
  const scope: Scope = {
    buckets,
    operations: PRESETS[ui.preset.value] ?? PRESETS.share ?? [],
    ...(prefixes.length > 0 ? { prefixes } : {}),
    ...(maxExpiresIn !== undefined ? { maxExpiresIn } : {}),
  }
  const made = await client.keys.create(ui.name.value.trim(), scope)
  ui.madeText.textContent = made.key
  ui.made.hidden = false
  ui.copy.onclick = guarded(async () => {
    await navigator.clipboard.writeText(made.key)
    ui.copy.textContent = 'Copied'
  })
  ui.use.onclick = guarded(() => useKey(made.key))
  ui.form.reset()
  await loadKeys()
}

function keyCard(key: ApiKey): HTMLLIElement {
  const li = document.createElement('li')
  const title = document.createElement('strong')
  title.textContent = key.name
  const scope = document.createElement('p')
  scope.className = 'hint'
  scope.textContent = `${key.scope.buckets.join(', ')} · ${key.scope.operations.join(', ')}${key.scope.prefixes ? ` · under ${key.scope.prefixes.join(', ')}` : ''}`
  const made = document.createElement('p')
  made.append('Made ', when(key.createdAt))
  li.append(title, scope, made)
  li.append(
    button(
      'Revoke',
      `Revoke the key ${key.name}`,
      async () => {
        const sure = window.confirm(
          `Revoke the key ${key.name}? Programs using it stop at once, and the links it made are revoked too.`,
        )
        if (!sure) return
        await signedIn().client.keys.revoke(key.id)
        await loadKeys()
      },
      'danger',
    ),
  )
  return li
}

export async function loadKeys(): Promise<void> {
  const { keys } = await signedIn().client.keys.list({ limit: 100 })
  ui.list.replaceChildren(...keys.map(keyCard))
}

/** The bucket boxes for the admin (every configured bucket, the first ticked). */
export function showKeys(use: (key: string) => Promise<void>): void {
  useKey = use
  const { me } = signedIn()
  const legend = ui.buckets.querySelector('legend')
  ui.buckets.replaceChildren(
    ...(legend ? [legend] : []),
    ...me.scope.buckets.map((bucket, index) => {
      const label = document.createElement('label')
      label.className = 'check'
      const box = Object.assign(document.createElement('input'), {
        type: 'checkbox',
        value: bucket,
        checked: index === 0,
      })
      label.append(box, ` ${bucket}`)
      return label
    }),
  )
  ui.made.hidden = true
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault()
  guarded(createKey)()
})
