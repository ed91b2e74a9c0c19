// What every view of the console shares: the signed-in client and who it is, errors shown in
// words, buttons that run an action, times and sizes as people read them.
import { type Me, SignetClient, SignetError } from '../../src/client'
import { formatInstant, formatRelative } from '../../src/lib/sizes'
import { element } from '../dom'

export type Session = { client: SignetClient; me: Me }

let session: Session | undefined

export function setSession(next: Session | undefined): void {
  session = next
}

/** The signed-in client and caller; throws (shown in words) when nobody is signed in. */
export function signedIn(): Session {
  if (!session) throw new Error('Sign in first.')
  return session
}

export function isAdmin(): boolean {
  return session?.me.kind === 'admin'
}

export function newClient(token: string): SignetClient {
  return new SignetClient({ url: location.origin, token })
}

const alertBox = element<HTMLDivElement>('alert')

export function showError(error: unknown): void {
  const message =
    error instanceof SignetError || error instanceof Error ? error.message : 'Something went wrong.'
  alertBox.textContent = message
  alertBox.hidden = false
}

export function clearError(): void {
  alertBox.hidden = true
  alertBox.textContent = ''
}

/** Runs an action, showing any failure in words. */
export function guarded(action: () => Promise<void>): () => void {
  return () => {
    clearError()
    action().catch(showError)
  }
}

/** A button: its text, its name for screen readers, what it does, and how it looks. */
export function button(
  text: string,
  label: string,
  action: () => Promise<void>,
  look: 'quiet' | 'danger' | 'primary' | '' = 'quiet',
): HTMLButtonElement {
  const node = document.createElement('button')
  node.type = 'button'
  if (look) node.className = look
  node.textContent = text
  if (label !== text) node.setAttribute('aria-label', label)
  node.addEventListener('click', guarded(action))
  return node
}

const local = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * An instant as people read it: "in 3 days" with the local date and time beside it (and the exact
 * instant in a <time>); "—" for none.
 */
export function when(iso: string | null): HTMLElement {
  const span = document.createElement('span')
  span.className = 'when'
  if (iso === null) {
    span.textContent = '—'
    return span
  }
  const at = Date.parse(iso)
  const time = document.createElement('time')
  time.dateTime = iso
  time.textContent = formatRelative(at, Date.now(), navigator.language)
  time.title = formatInstant(at)
  const zoned = document.createElement('span')
  zoned.className = 'zoned'
  zoned.textContent = ` (${local.format(at)})`
  span.append(time, zoned)
  return span
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** "7d", "15m" → seconds is the server's to parse; "" → undefined. */
export function optional(text: string): string | undefined {
  const trimmed = text.trim()
  return trimmed === '' ? undefined : trimmed
}

/** Comma-separated entries, blank ones dropped. */
export function listOf(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
}

export const MiB = 1024 * 1024
