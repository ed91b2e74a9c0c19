// The console's script: sign-in (an API key, or the admin token), the views as tabs (Send,
// Receive, Links, Activity; Keys for the admin), and the brand's colour. Each view is its own
// module; everything goes through the typed client (src/client.ts). The key lives in this tab's
// sessionStorage only and is sent only to this origin.
import { element } from '../dom'
import { clearActivity, loadActivity } from './activity'
import { loadKeys, showKeys } from './keys'
import { clearLinks, reloadLinks } from './links'
import { showReceive } from './receive'
import { clearSend } from './send'
import { clearError, guarded, isAdmin, newClient, setSession, showError } from './shared'
import { showUploadTargets } from './upload'

const KEY_STORAGE = 'signet.apiKey'
/** How often the Activity tab's unread count is read again while the console is open. */
const ACTIVITY_POLL_MS = 30_000
let polling: ReturnType<typeof setInterval> | undefined
const VIEW_STORAGE = 'signet.view'

const ui = {
  who: element<HTMLParagraphElement>('who'),
  whoName: element<HTMLElement>('who-name'),
  signIn: element<HTMLElement>('sign-in'),
  signInForm: element<HTMLFormElement>('sign-in-form'),
  apiKey: element<HTMLInputElement>('api-key'),
  signOut: element<HTMLButtonElement>('sign-out'),
  app: element<HTMLDivElement>('app'),
}
const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')]

const accent = document.querySelector<HTMLMetaElement>('meta[name="signet-accent"]')?.content
if (accent) document.documentElement.style.setProperty('--accent', accent)

/** Shows one view and marks its tab; Links and Activity read their data as they open. */
function show(view: string, focus = false): void {
  for (const tab of tabs) {
    const selected = tab.dataset.view === view
    tab.setAttribute('aria-selected', String(selected))
    tab.tabIndex = selected ? 0 : -1
    const panel = document.getElementById(`view-${tab.dataset.view}`)
    if (panel) panel.hidden = !selected
    if (selected && focus) tab.focus()
  }
  sessionStorage.setItem(VIEW_STORAGE, view)
  if (view === 'activity') guarded(() => loadActivity(true))()
  if (view === 'keys') guarded(loadKeys)()
}

async function signIn(token: string): Promise<void> {
  const client = newClient(token)
  const me = await client.me()
  sessionStorage.setItem(KEY_STORAGE, token)
  setSession({ client, me })
  const admin = isAdmin()
  ui.whoName.textContent = admin ? 'the admin' : me.name
  ui.who.hidden = false
  ui.signIn.hidden = true
  ui.app.hidden = false
  for (const tab of tabs) if (tab.dataset.view === 'keys') tab.hidden = !admin
  // The admin sends and receives nothing itself: those views say how to, and hide their forms.
  for (const note of document.querySelectorAll<HTMLElement>('.needs-key')) note.hidden = !admin
  for (const id of ['quick-drop', 'link-form', 'upload-more', 'request-form']) {
    const part = document.getElementById(id)
    if (part) part.hidden = admin
  }
  // Mail fields only where this installation mails.
  for (const part of document.querySelectorAll<HTMLElement>('[data-mail]')) part.hidden = !me.mail
  showUploadTargets()
  showReceive()
  if (admin) showKeys(async (key) => switchTo(key))
  const saved = sessionStorage.getItem(VIEW_STORAGE)
  const first = admin ? 'keys' : 'send'
  show(saved && tabs.some((tab) => tab.dataset.view === saved && !tab.hidden) ? saved : first)
  await Promise.all([reloadLinks(), loadActivity(false)])
  clearInterval(polling)
  polling = setInterval(() => {
    const open = document.getElementById('view-activity')?.hidden === false
    loadActivity(open).catch(() => undefined)
  }, ACTIVITY_POLL_MS)
}

/** "Use this key here": the admin goes on as the key it just made. */
async function switchTo(key: string): Promise<void> {
  sessionStorage.removeItem(VIEW_STORAGE)
  await signIn(key)
}

function signOut(): void {
  clearInterval(polling)
  sessionStorage.removeItem(KEY_STORAGE)
  sessionStorage.removeItem(VIEW_STORAGE)
  setSession(undefined)
  ui.apiKey.value = ''
  ui.who.hidden = true
  ui.app.hidden = true
  ui.signIn.hidden = false
  clearLinks()
  clearSend()
  clearActivity()
  clearError()
  ui.apiKey.focus()
}

ui.signInForm.addEventListener('submit', (event) => {
  event.preventDefault()
  clearError()
  signIn(ui.apiKey.value.trim()).catch((error) => {
    sessionStorage.removeItem(KEY_STORAGE)
    showError(error)
  })
})
ui.signOut.addEventListener('click', signOut)
for (const tab of tabs) {
  tab.addEventListener('click', () => show(tab.dataset.view ?? 'send'))
  // Arrow keys move along the tabs, as in every tab list.
  tab.addEventListener('keydown', (event) => {
    const shown = tabs.filter((t) => !t.hidden)
    const at = shown.indexOf(tab)
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    if (step === 0) return
    event.preventDefault()
    const next = shown[(at + step + shown.length) % shown.length]
    if (next) show(next.dataset.view ?? 'send', true)
  })
}
element<HTMLButtonElement>('refresh').addEventListener('click', guarded(reloadLinks))

const saved = sessionStorage.getItem(KEY_STORAGE)
if (saved) {
  signIn(saved).catch((error) => {
    sessionStorage.removeItem(KEY_STORAGE)
    showError(error)
  })
} else if (document.querySelector('meta[name="signet-access"]')) {
  // Behind Cloudflare Access the person is known already (Access adds its assertion to every
  // request, and Signet takes it): the console signs in without a key.
  signIn('').catch(showError)
}
