// Links' mail (`notify`) as the bundled Worker sends it under Miniflare, whose simulated EMAIL
// binding writes each mail to files (text and HTML) and logs their paths: the tests read those
// files. One upload → one mail within 30 s; three more in a burst → exactly one more naming all
// three; a download → a mail naming the country, never the client's address; the stop link stops
// one link's mail to one address and no other's, and cannot be forged. A binding that throws is
// tried again (the upload never waits), and the mail goes out once.
import { readFileSync } from 'node:fs'
import { Log, LogLevel } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'
import { createApiKey } from './worker-server'

/** Miniflare's log, kept: the simulated binding says where each mail went. */
class MailLog extends Log {
  readonly lines: string[] = []
  constructor() {
    super(LogLevel.INFO)
  }
  override logWithLevel(level: LogLevel, message: string): void {
    this.lines.push(message)
    if (level <= LogLevel.WARN) super.logWithLevel(level, message)
  }
  protected override log(): void {}
}

type SentMail = { to: string; subject: string; text: string; html: string }

/** Every mail the simulated binding wrote, in order. */
function mailsIn(log: MailLog): SentMail[] {
  const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '')
  return log.lines
    .map(plain)
    .filter((line) => line.includes('send_email binding called with MessageBuilder'))
    .map((line) => {
      const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(line)?.[1] ?? ''
      return {
        to: field('To'),
        subject: field('Subject'),
        text: readFileSync(field('Text'), 'utf8'),
        html: readFileSync(field('HTML'), 'utf8'),
      }
    })
}

async function waitFor<T>(
  what: () => T | undefined | Promise<T | undefined>,
  seconds: number,
  label: string,
): Promise<T> {
  const until = Date.now() + seconds * 1000
  for (;;) {
    const found = await what()
    if (found !== undefined) return found
    if (Date.now() > until) throw new Error(`no ${label} within ${seconds} s`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function api(server: SignetServer, token: string, path: string, body?: unknown) {
  return fetch(`${server.origin}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
}

function keyFor(server: SignetServer, name: string): Promise<string> {
  return createApiKey(server, name, {
    buckets: ['local'],
    operations: ['get', 'head', 'put', 'share'],
  })
}

async function uploadLink(server: SignetServer, token: string, body: Record<string, unknown>) {
  const made = await api(server, token, '/v1/upload-links', { bucket: 'local', ...body })
  expect(made.status, await made.clone().text()).toBe(201)
  return (await made.json()) as { id: string; url: string; notify: string[] }
}

async function send(link: { url: string }, name: string, bytes: number) {
  const sent = await fetch(`${link.url}/${encodeURIComponent(name)}`, {
    method: 'PUT',
    body: new Uint8Array(bytes).fill(65),
  })
  expect(sent.status, await sent.clone().text()).toBe(201)
}

describe('mail about links, through the simulated EMAIL binding', () => {
  let server: SignetServer
  const log = new MailLog()
  let token: string

  beforeAll(async () => {
    server = await startSignet(
      { SIGNET_EMAIL_FROM: 'signet@example.com', SIGNET_NOTIFY_SECONDS: '4' },
      { log },
    )
    token = await keyFor(server, 'mail')
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  const to = (address: string) => () => mailsIn(log).filter((mail) => mail.to === address)

  it('mails the first file within 30 s, then a burst of three as one mail naming all three', async () => {
    const link = await uploadLink(server, token, {
      prefix: 'mail/inbox/',
      message: 'Scans for the <b>audit</b>, please',
      notify: ['owner@example.com'],
    })
    expect(link.notify).toEqual(['owner@example.com'])
    const started = Date.now()
    await send(link, 'first scan.pdf', 3 * 1024 * 1024 + 512 * 1024)
    const first = await waitFor(() => to('owner@example.com')()[0], 30, 'first mail')
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(first.subject).toBe('Signet: New file: first scan.pdf')
    expect(first.text).toContain('Received first scan.pdf: 3.5 MiB')
    expect(first.text).toContain("The link's message: Scans for the <b>audit</b>, please")
    expect(first.text).toContain(`${server.origin}/console#activity`)
    expect(first.text).toMatch(/Stop it: http:\/\/127\.0\.0\.1:\d+\/n\/[\w-]+\/stop\?to=owner%40/)
    // The console, never the file: no URL of the object or the link's own page.
    expect(first.text).not.toContain('/s3/')
    expect(first.text).not.toContain(`/u/${link.id}`)
    expect(first.html).toContain('Scans for the &lt;b&gt;audit&lt;/b&gt;, please')
    expect(first.html).toContain('first scan.pdf')

    await send(link, 'second.pdf', 100)
    await send(link, 'third.pdf', 200)
    await send(link, 'fourth.pdf', 300)
    const second = await waitFor(() => to('owner@example.com')()[1], 30, 'second mail')
    expect(second.subject).toBe('Signet: 3 new files')
    for (const name of ['second.pdf: 100 B', 'third.pdf: 200 B', 'fourth.pdf: 300 B']) {
      expect(second.text).toContain(name)
    }
    expect(second.text).not.toContain('first scan.pdf')
    // Nothing more: each file was in exactly one mail.
    await new Promise((resolve) => setTimeout(resolve, 8000))
    expect(to('owner@example.com')()).toHaveLength(2)
  })

  it("mails a download with its country and never the client's address", async () => {
    const key = 'mail/report.pdf'
    const put = await api(server, token, '/v1/presign', {
      bucket: 'local',
      key,
      method: 'PUT',
    })
    const { url } = (await put.json()) as { url: string }
    expect((await fetch(url, { method: 'PUT', body: 'report' })).status).toBe(200)
    const made = await api(server, token, '/v1/shares', {
      bucket: 'local',
      key,
      maxDownloads: 1,
      page: false,
      notify: ['reader@example.com'],
    })
    expect(made.status, await made.clone().text()).toBe(201)
    const share = (await made.json()) as { id: string; url: string }
    const got = await fetch(share.url, { headers: { 'CF-Connecting-IP': '203.0.113.9' } })
    expect(got.status).toBe(200)
    const mail = await waitFor(() => to('reader@example.com')()[0], 30, 'download mail')
    expect(mail.subject).toBe('Signet: Downloaded: report.pdf (the link is used up)')
    expect(mail.text).toContain('Downloaded report.pdf: download 1 of 1')
    expect(mail.text).toContain('The link is used up')
    expect(mail.text).toMatch(/from [A-Z][\w ]+ \([A-Z]{2}\)/)
    // The address the audit recorded for the download appears nowhere but in Signet's own URLs.
    const uses = await api(server, token, `/v1/shares/${share.id}/uses`)
    const { uses: audit } = (await uses.json()) as { uses: { clientIp: string | null }[] }
    const clientIp = audit[0]?.clientIp
    expect(clientIp).toBeTruthy()
    for (const body of [mail.text, mail.html]) {
      const words = body.replace(/https?:\/\/[^\s"<]+/g, '')
      expect(words).not.toContain(String(clientIp))
      expect(words).not.toContain('203.0.113.9')
    }
  })

  it("stops one link's mail to one address by its stop link, and no other's; a forged token is refused", async () => {
    const [a, b] = [
      await uploadLink(server, token, { prefix: 'mail/a/', notify: ['stop@example.com'] }),
      await uploadLink(server, token, { prefix: 'mail/b/', notify: ['stop@example.com'] }),
    ]
    await send(a, 'one.txt', 10)
    const mail = await waitFor(
      () => to('stop@example.com')().find((found) => found.text.includes('mail/a/')),
      30,
      'mail about link a',
    )
    const stop = /Stop it: (\S+)/.exec(mail.text)?.[1] ?? ''
    expect(stop).toContain(`/n/${a.id}/stop?`)
    const page = await fetch(stop)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Stop mail about this link')
    expect(html).toContain('stop@example.com')

    // A token for link a names neither link b nor another address.
    const forgedLink = stop.replace(`/n/${a.id}/`, `/n/${b.id}/`)
    const forgedAddress = stop.replace('to=stop%40example.com', 'to=other%40example.com')
    const forgedToken = stop.replace(/t=([\w-]+)/, (_, t: string) => `t=${t.slice(0, -2)}AA`)
    const oneClick = (url: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      })
    // Link b has had no mail yet: it is as unknown as a link that never had any.
    expect((await oneClick(forgedLink)).status).toBe(404)
    expect((await oneClick(forgedAddress)).status).toBe(403)
    expect((await oneClick(forgedToken)).status).toBe(403)

    const stopped = await oneClick(stop)
    expect(stopped.status).toBe(200)
    expect(await stopped.text()).toContain('No more mail about this link goes to')
    const before = to('stop@example.com')().length
    await send(a, 'two.txt', 10)
    await send(b, 'other.txt', 10)
    const forB = await waitFor(
      () => to('stop@example.com')().find((found) => found.text.includes('mail/b/')),
      30,
      'mail about link b',
    )
    expect(forB.text).toContain('other.txt')
    // Link a's next mail was due with b's (same quiet minute): it never came.
    await new Promise((resolve) => setTimeout(resolve, 6000))
    const after = to('stop@example.com')()
    expect(after).toHaveLength(before + 1)
    expect(after.some((found) => found.text.includes('two.txt'))).toBe(false)
  })
})

describe('mail through a binding that fails', () => {
  let server: SignetServer

  beforeAll(async () => {
    server = await startSignet(
      { SIGNET_EMAIL_FROM: 'signet@example.com', SIGNET_NOTIFY_SECONDS: '4' },
      {
        workers: [
          {
            name: 'flaky-mail',
            modules: true,
            scriptPath: new URL('../fixtures/workers/flaky-mail.js', import.meta.url).pathname,
            compatibilityDate: '2026-11-01',
          },
        ],
        worker: ({ email: _simulated, ...options }) => ({
          ...options,
          serviceBindings: {
            ...(options.serviceBindings as object),
            EMAIL: { name: 'flaky-mail', entrypoint: 'FlakyMail' },
          },
        }),
      },
    )
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  const binding = async () =>
    (await (
      await server.mf.getWorker('flaky-mail')
    )
      .fetch('http://mail/')
      .then((r) => r.json())) as {
      calls: number
      sent: { to: string; subject: string; text: string }[]
    }

  it('answers the upload at once, tries the mail again with backoff, sends it once, and tells the owner', async () => {
    const token = await keyFor(server, 'flaky')
    const link = await uploadLink(server, token, {
      prefix: 'flaky/',
      notify: ['owner@example.com'],
    })
    await send(link, 'scan.pdf', 1024)
    // The upload was answered before any mail was even tried.
    expect((await binding()).calls).toBe(0)
    const sent = await waitFor(
      async () => ((await binding()).sent.length > 0 ? true : undefined),
      60,
      'the mail after two failures',
    )
    expect(sent).toBe(true)
    const { calls, sent: mails } = await binding()
    expect(calls).toBe(3)
    expect(mails).toHaveLength(1)
    expect(mails[0]?.to).toBe('owner@example.com')
    expect(mails[0]?.text).toContain('Received scan.pdf: 1.0 KiB')
    // Nothing goes out again.
    await new Promise((resolve) => setTimeout(resolve, 6000))
    expect((await binding()).sent).toHaveLength(1)
    // Its owner sees that the mail failed (and was to be tried again) in the activity feed.
    const feed = (await (await api(server, token, '/v1/events')).json()) as {
      events: { type: string; data: Record<string, unknown> }[]
    }
    const failed = feed.events.filter((event) => event.type === 'notification.failed')
    expect(failed).toHaveLength(1)
    expect(failed[0]?.data).toMatchObject({
      uploadLinkId: link.id,
      to: 'owner@example.com',
      attempts: 1,
      retrying: true,
      error: 'mail service unavailable (attempt 1)',
    })
    expect(feed.events.filter((event) => event.type === 'object.created')).toHaveLength(1)
  })
})
