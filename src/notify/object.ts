// One Durable Object per link with someone to mail (`notify`), named by the link's id. The events
// queue's consumer hands it the link's events (each kept once, by its id: a batch the queue
// delivers again mails nothing twice); an alarm turns what waits into one mail per address:
// within GATHER_SECONDS for the first event after a quiet minute, else one mail per
// SIGNET_NOTIFY_SECONDS. A mail that fails stays in the outbox and is sent again with backoff,
// the same mail to the addresses not yet served; its owner sees the failure in the activity feed.
// It also keeps the link's stop secret: a stop token is an HMAC of the address under it, so a
// token works for this link and address only, and the addresses that stopped its mail.
import { DurableObject } from 'cloudflare:workers'
import { getConfig } from '../config'
import { logFailure } from '../errors'
import { base64url, randomBytes } from '../lib/bytes'
import { recordActivity } from '../webhooks/activity'
import { composeMail, type Mail, type MailEvent, type MailLink } from './mail'
import type { Recipients } from './recipients'

/** The first event after QUIET_SECONDS without one goes out GATHER_SECONDS later (a burst's). */
export const QUIET_SECONDS = 60
export const GATHER_SECONDS = 5
/** A failed mail is tried again after 2^attempts × RETRY_SECONDS (at most an hour), this often. */
export const RETRY_SECONDS = 2
export const MAX_ATTEMPTS = 10
/** Event ids kept against a second delivery of the same batch: longer than any queue retries. */
const SEEN_DAYS = 7

export type LinkMail = MailLink & { recipients: Recipients }

export type StopAnswer = 'stopped' | 'forged' | 'unknown'

type OutboxRow = { address: string; mail: string; attempts: number }

export class NotifyObject extends DurableObject<Env> {
  readonly #sql: SqlStorage

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    this.#sql = ctx.storage.sql
    this.#sql.exec('CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL)')
    this.#sql.exec('CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY, at INTEGER NOT NULL)')
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS pending (
      id TEXT PRIMARY KEY, type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL)`)
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
      address TEXT PRIMARY KEY, mail TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)`)
    this.#sql.exec('CREATE TABLE IF NOT EXISTS stopped (address TEXT PRIMARY KEY, at INTEGER)')
  }

  #get(name: string): string | null {
    const row = this.#sql
      .exec<{ value: string }>('SELECT value FROM state WHERE name = ?', name)
      .toArray()[0]
    return row?.value ?? null
  }

  #set(name: string, value: string): void {
    this.#sql.exec('INSERT OR REPLACE INTO state (name, value) VALUES (?, ?)', name, value)
  }

  async #key(): Promise<CryptoKey> {
    let secret = this.#get('secret')
    if (secret === null) {
      secret = base64url(randomBytes(32))
      this.#set('secret', secret)
    }
    const raw = new TextEncoder().encode(secret)
    return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ])
  }

  /** The stop token for an address of this link. */
  async #token(linkId: string, address: string): Promise<string> {
    const data = new TextEncoder().encode(`${linkId}\n${address.toLowerCase()}`)
    return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', await this.#key(), data)))
  }

  /** Takes the link's events (those it had are ignored) and sets the alarm that mails them. */
  async add(link: LinkMail, events: readonly MailEvent[], now = Date.now()): Promise<void> {
    this.#set('link', JSON.stringify(link))
    let added = 0
    for (const event of events) {
      const fresh = this.#sql.exec(
        'INSERT OR IGNORE INTO seen (id, at) VALUES (?, ?)',
        event.id,
        now,
      ).rowsWritten
      if (fresh === 0) continue
      this.#sql.exec(
        'INSERT INTO pending (id, type, at, data) VALUES (?, ?, ?, ?)',
        event.id,
        event.type,
        event.at,
        JSON.stringify(event.data),
      )
      added++
    }
    if (added === 0) return
    const lastEvent = Number(this.#get('lastEventAt') ?? 0)
    this.#set('lastEventAt', String(now))
    // A mail being retried keeps its backoff; what came meanwhile goes out after it.
    const retrying = this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n > 0
    if (retrying) return
    const due =
      now - lastEvent >= QUIET_SECONDS * 1000 ? now + GATHER_SECONDS * 1000 : this.#nextMailAt(now)
    const alarm = await this.ctx.storage.getAlarm()
    if (alarm === null || alarm > due) await this.ctx.storage.setAlarm(due)
  }

  /** When the next mail may go: a gather's wait, and a window after the last mail. */
  #nextMailAt(now: number): number {
    const window = getConfig(this.env).notifySeconds * 1000
    const lastMail = Number(this.#get('lastMailAt') ?? 0)
    return Math.max(now + GATHER_SECONDS * 1000, lastMail + window)
  }

  /** Whether `token` is this link's for `address`, and that address's mail stopped or not. */
  async check(linkId: string, address: string, token: string): Promise<StopAnswer | 'live'> {
    if (this.#get('link') === null) return 'unknown'
    if (!(await this.#verify(linkId, address, token))) return 'forged'
    const stopped = this.#sql
      .exec('SELECT 1 FROM stopped WHERE address = ?', address.toLowerCase())
      .toArray()
    return stopped.length > 0 ? 'stopped' : 'live'
  }

  /** Stops this link's mail to `address` (a mail in the outbox for it too), given its token. */
  async stop(linkId: string, address: string, token: string, now = Date.now()) {
    const answer = await this.check(linkId, address, token)
    if (answer === 'unknown' || answer === 'forged') return answer
    const lower = address.toLowerCase()
    this.#sql.exec('INSERT OR IGNORE INTO stopped (address, at) VALUES (?, ?)', lower, now)
    this.#sql.exec('DELETE FROM outbox WHERE lower(address) = ?', lower)
    return 'stopped' satisfies StopAnswer
  }

  async #verify(linkId: string, address: string, token: string): Promise<boolean> {
    const expected = await this.#token(linkId, address)
    const a = new TextEncoder().encode(expected)
    const b = new TextEncoder().encode(token)
    return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b)
  }

  /** What waits becomes one mail per address still listening (kept until each is sent). */
  async #compose(link: LinkMail, now: number): Promise<void> {
    const rows = this.#sql
      .exec<{ id: string; type: string; at: number; data: string }>(
        'SELECT id, type, at, data FROM pending ORDER BY at, id',
      )
      .toArray()
    if (rows.length === 0) return
    const events = rows.map((row) => ({ ...row, data: JSON.parse(row.data) }))
    const config = getConfig(this.env)
    const origin = config.publicOrigin?.origin ?? link.recipients.origin
    const stopped = new Set(
      this.#sql
        .exec<{ address: string }>('SELECT address FROM stopped')
        .toArray()
        .map((row) => row.address),
    )
    const mails: Mail[] = []
    for (const to of link.recipients.to) {
      if (stopped.has(to.toLowerCase())) continue
      const token = await this.#token(link.id, to)
      const mail = composeMail({
        link,
        events,
        to,
        brand: config.brand,
        consoleUrl: `${origin}/console#activity`,
        stopUrl: `${origin}/n/${link.id}/stop?to=${encodeURIComponent(to)}&t=${token}`,
      })
      if (mail) mails.push(mail)
    }
    this.ctx.storage.transactionSync(() => {
      for (const mail of mails) {
        this.#sql.exec(
          'INSERT OR REPLACE INTO outbox (address, mail, attempts) VALUES (?, ?, 0)',
          mail.to,
          JSON.stringify(mail),
        )
      }
      this.#sql.exec('DELETE FROM pending')
      this.#set('lastMailAt', String(now))
    })
  }

  override async alarm(): Promise<void> {
    const now = Date.now()
    const linkText = this.#get('link')
    if (linkText === null) return
    const link = JSON.parse(linkText) as LinkMail
    const from = getConfig(this.env).mail?.from
    if (this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n === 0) {
      await this.#compose(link, now)
    }
    const outbox = this.#sql.exec<OutboxRow>('SELECT address, mail, attempts FROM outbox').toArray()
    let wait = 0
    for (const row of outbox) {
      const mail = JSON.parse(row.mail) as Mail
      try {
        if (from === undefined) throw new Error('mail is not set up (SIGNET_EMAIL_FROM, EMAIL)')
        await this.env.EMAIL.send({ ...mail, from })
        this.#sql.exec('DELETE FROM outbox WHERE address = ?', row.address)
      } catch (error) {
        const attempts = row.attempts + 1
        const retrying = attempts < MAX_ATTEMPTS
        if (retrying) {
          this.#sql.exec('UPDATE outbox SET attempts = ? WHERE address = ?', attempts, row.address)
          wait = Math.max(wait, Math.min(3600, RETRY_SECONDS * 2 ** attempts))
        } else {
          this.#sql.exec('DELETE FROM outbox WHERE address = ?', row.address)
        }
        // The first failure and the last, for its owner: the rest is the same story.
        if (attempts === 1 || !retrying) {
          await this.#reportFailure(link, row.address, attempts, retrying, error, now)
        }
      }
    }
    this.#sql.exec('DELETE FROM seen WHERE at < ?', now - SEEN_DAYS * 86_400_000)
    if (wait > 0) {
      await this.ctx.storage.setAlarm(now + wait * 1000)
      return
    }
    const waiting = this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM pending').one().n
    if (waiting > 0) await this.ctx.storage.setAlarm(this.#nextMailAt(now))
  }

  /** A mail that failed, in the link owner's activity feed (the error's words, never a secret). */
  async #reportFailure(
    link: LinkMail,
    to: string,
    attempts: number,
    retrying: boolean,
    error: unknown,
    now: number,
  ): Promise<void> {
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 200)
    logFailure(undefined, 'link mail', error)
    const about = link.kind === 'share' ? { shareId: link.id } : { uploadLinkId: link.id }
    const id = `evt_mail_${link.id}_${base64url(randomBytes(9))}`
    await recordActivity(this.env.DB, [
      {
        id,
        type: 'notification.failed',
        timestamp: new Date(now).toISOString(),
        data: { ...about, key: link.path, to, attempts, retrying, error: reason },
      },
    ]).catch((failure: unknown) => logFailure(undefined, 'link mail report', failure))
  }
}
