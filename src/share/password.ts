// Share passwords: kept only as a PBKDF2-SHA256 hash (random salt) in the share's record, checked
// in constant time; how a request brings one (`Authorization: Basic` with any user, or the share
// page's form); and the ticket a browser keeps in a cookie after entering it, so the page's
// Download button and previews work without typing again. Nothing here logs or returns a password.
import { base64url, bytesEqual, fromBase64, hmacSha256, randomBytes, utf8 } from '../lib/bytes'
import { PASSWORD_ITERATIONS, PASSWORD_MEMO_SECONDS, PASSWORD_TICKET_SECONDS } from '../lib/limits'
import { TtlCache } from '../lib/ttl-cache'

/** What a share keeps of its password. */
export type PasswordHash = {
  algorithm: 'PBKDF2-SHA256'
  iterations: number
  /** base64url. */
  salt: string
  /** base64url, 32 bytes. */
  hash: string
}

/** The cookie that carries a ticket, scoped to its link's path. */
export const TICKET_COOKIE = 'signet_share_pass'

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  // One spelling per password: the same characters typed on any system give the same hash.
  const key = await crypto.subtle.importKey(
    'raw',
    utf8(password.normalize('NFC')),
    'PBKDF2',
    false,
    ['deriveBits'],
  )
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    256,
  )
  return new Uint8Array(bits)
}

export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(16)
  const hash = await derive(password, salt, PASSWORD_ITERATIONS)
  return {
    algorithm: 'PBKDF2-SHA256',
    iterations: PASSWORD_ITERATIONS,
    salt: base64url(salt),
    hash: base64url(hash),
  }
}

/** Whether `candidate` is the password (in constant time over the derived bytes). */
export async function passwordMatches(kept: PasswordHash, candidate: string): Promise<boolean> {
  const salt = fromBase64(kept.salt)
  const hash = fromBase64(kept.hash)
  if (!salt || !hash) return false
  return bytesEqual(await derive(candidate, salt, kept.iterations), hash)
}

/**
 * A cheap fingerprint of a candidate password for one share (an HMAC under the password's hash):
 * what an isolate may remember of a password it verified, so a program's next request (a range,
 * a HEAD) costs no second PBKDF2. Never stored or logged; useless without the hash.
 */
export async function passwordMemo(kept: PasswordHash, candidate: string): Promise<string> {
  return base64url(await hmacSha256(macKey(kept), utf8(`password:${candidate.normalize('NFC')}`)))
}

/**
 * The password an `Authorization: Basic` header carries (`curl -u :password`); the user name is
 * ignored. undefined when there is none.
 */
export function basicPassword(authorization: string | null | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '')
  if (!match?.[1]) return undefined
  const bytes = fromBase64(match[1])
  if (!bytes) return undefined
  const text = new TextDecoder('utf-8').decode(bytes)
  const colon = text.indexOf(':')
  return colon === -1 ? undefined : text.slice(colon + 1)
}

/**
 * A ticket: its end (epoch ms) and an HMAC of the share id and that end, keyed by the password's
 * hash, which never leaves Signet (nor does the salt, so a ticket gives no offline guess either).
 */
async function ticketMac(kept: PasswordHash, id: string, until: number): Promise<string> {
  return base64url(await hmacSha256(macKey(kept), `${id}.${until}`))
}

/** The key of the HMACs made under a password's hash (tickets, memos). */
function macKey(kept: PasswordHash): Uint8Array {
  return fromBase64(kept.hash) ?? new Uint8Array(32)
}

/** A ticket for this share, living PASSWORD_TICKET_SECONDS and never past the share. */
export async function issueTicket(
  kept: PasswordHash,
  id: string,
  nowMs: number,
  shareExpiresAt: number,
): Promise<{ value: string; maxAge: number }> {
  const until = Math.min(nowMs + PASSWORD_TICKET_SECONDS * 1000, shareExpiresAt)
  return {
    value: `${until}.${await ticketMac(kept, id, until)}`,
    maxAge: Math.max(1, Math.floor((until - nowMs) / 1000)),
  }
}

export async function ticketValid(
  kept: PasswordHash,
  id: string,
  ticket: string,
  nowMs: number,
): Promise<boolean> {
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(ticket)
  if (!match?.[1] || !match[2]) return false
  const until = Number(match[1])
  if (until <= nowMs || until > nowMs + PASSWORD_TICKET_SECONDS * 1000) return false
  return bytesEqual(utf8(await ticketMac(kept, id, until)), utf8(match[2]))
}

/** The ticket a Cookie header carries, if any. */
export function ticketOf(cookie: string | null | undefined): string | undefined {
  for (const part of (cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=')
    if (name === TICKET_COOKIE) return value.join('=')
  }
  return undefined
}

/**
 * The Set-Cookie of a ticket: only this link's path (`/s/<id>` or `/u/<id>`), HttpOnly,
 * SameSite=Lax, Secure on https.
 */
export function ticketCookie(
  ticket: { value: string; maxAge: number },
  path: string,
  secure: boolean,
): string {
  const attributes = [
    `${TICKET_COOKIE}=${ticket.value}`,
    `Path=${path}`,
    `Max-Age=${ticket.maxAge}`,
    'HttpOnly',
    'SameSite=Lax',
  ]
  if (secure) attributes.push('Secure')
  return attributes.join('; ')
}

/** What a request to a password-protected link brings: the password, or a page's ticket. */
export type PasswordBrought = { password: string | undefined; ticket: string | undefined }

/** What a link's object is told of a request's password: the right one, none, or a wrong one. */
export type PasswordVerdict = 'accepted' | 'missing' | 'wrong'

/**
 * Passwords this isolate verified lately (by their memo, never the text), for
 * PASSWORD_MEMO_SECONDS: a program's ranges and HEADs with Basic cost one PBKDF2, not one each.
 */
const verified = new TtlCache<string, true>(10_000)

/** What the request brings for link `id` (undefined: the link has no password). */
export async function passwordVerdict(
  kept: PasswordHash | null,
  id: string,
  brought: PasswordBrought,
  nowMs: number,
): Promise<PasswordVerdict | undefined> {
  if (kept === null) return undefined
  if (brought.ticket !== undefined && (await ticketValid(kept, id, brought.ticket, nowMs))) {
    return 'accepted'
  }
  if (brought.password === undefined) return 'missing'
  const memo = `${id}:${await passwordMemo(kept, brought.password)}`
  if (verified.get(memo, nowMs)) return 'accepted'
  if (!(await passwordMatches(kept, brought.password))) return 'wrong'
  verified.set(memo, true, nowMs + PASSWORD_MEMO_SECONDS * 1000)
  return 'accepted'
}
