// `notify` on links: validated (at most 5 addresses, each an address), refused without mail set
// up, kept and shown, edited; the mail's words (composeMail): the stop link as List-Unsubscribe
// with RFC 8058's one-click, every value escaped in the HTML, never the client's address. The
// mail itself, through the simulated binding, is test/node/notify-mail.test.ts's.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { app } from '../src/app'
import { composeMail, type MailLink } from '../src/notify/mail'
import { call, createKey, expectError, FULL_SCOPE } from './helpers'

const MAIL = { SIGNET_EMAIL_FROM: 'signet@example.com' }

/** A request to Signet with mail set up (the test Worker's own vars have no sender). */
async function withMail(path: string, token: string, method = 'GET', json?: unknown) {
  return app.fetch(
    new Request(`http://signet.test${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: json === undefined ? null : JSON.stringify(json),
    }),
    { ...env, ...MAIL },
    { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
  )
}

describe('notify on shares and upload links', () => {
  it('takes at most 5 addresses, each an address, and shows and edits them', async () => {
    const { key } = await createKey(FULL_SCOPE, 'notify')
    await env.BUCKET_LOCAL.put('notify/a.txt', 'a')
    const share = { bucket: 'local', key: 'notify/a.txt' }
    const bad = await expectError(
      await withMail('/v1/shares', key, 'POST', { ...share, notify: ['not an address'] }),
      400,
      'invalid_request',
    )
    expect(JSON.stringify(bad)).toContain('notify')
    const many = Array.from({ length: 6 }, (_, i) => `p${i}@example.com`)
    await expectError(
      await withMail('/v1/shares', key, 'POST', { ...share, notify: many }),
      400,
      'invalid_request',
    )
    const made = await withMail('/v1/shares', key, 'POST', {
      ...share,
      notify: ['robin@example.com', 'robin@example.com', 'sam@example.com'],
    })
    expect(made.status, await made.clone().text()).toBe(201)
    const created = (await made.json()) as { id: string; notify: string[] }
    expect(created.notify).toEqual(['robin@example.com', 'sam@example.com'])
    const read = (await (await call(`/v1/shares/${created.id}`, { token: key })).json()) as {
      notify: string[]
    }
    expect(read.notify).toEqual(['robin@example.com', 'sam@example.com'])
    const edited = await withMail(`/v1/shares/${created.id}`, key, 'PATCH', { notify: [] })
    expect(edited.status).toBe(200)
    expect(((await edited.json()) as { notify: string[] }).notify).toEqual([])
    // The audit names the field, never an address.
    const uses = await (await call(`/v1/shares/${created.id}/uses`, { token: key })).text()
    expect(uses).toContain('"notify"')
    expect(uses).not.toContain('robin@example.com')

    const link = await withMail('/v1/upload-links', key, 'POST', {
      bucket: 'local',
      prefix: 'notify/in/',
      notify: ['robin@example.com'],
    })
    expect(link.status, await link.clone().text()).toBe(201)
    const { id } = (await link.json()) as { id: string }
    const changed = await withMail(`/v1/upload-links/${id}`, key, 'PATCH', {
      notify: ['sam@example.com'],
    })
    expect(changed.status).toBe(200)
    expect(((await changed.json()) as { notify: string[] }).notify).toEqual(['sam@example.com'])
    const listed = (await (await call('/v1/upload-links', { token: key })).json()) as {
      uploadLinks?: { id: string; notify: string[] }[]
      links?: { id: string; notify: string[] }[]
    }
    const rows = listed.uploadLinks ?? listed.links ?? []
    expect(rows.find((row) => row.id === id)?.notify).toEqual(['sam@example.com'])
  })

  it('is refused, naming SIGNET_EMAIL_FROM and EMAIL, where mail is not set up; none asked is fine', async () => {
    const { key } = await createKey(FULL_SCOPE, 'no-mail')
    const refused = await expectError(
      await call('/v1/upload-links', {
        token: key,
        json: { bucket: 'local', prefix: 'notify/x/', notify: ['a@example.com'] },
      }),
      400,
      'invalid_request',
    )
    expect(refused.message).toContain('SIGNET_EMAIL_FROM')
    expect(refused.message).toContain('EMAIL')
    const none = await call('/v1/upload-links', {
      token: key,
      json: { bucket: 'local', prefix: 'notify/x/', notify: [] },
    })
    expect(none.status).toBe(201)
  })

  it('answers a stop link for no mail with 404 and a malformed one with 4xx', async () => {
    const unknown = await call('/n/AAAAAAAAAAAAAAAAAAAAAA/stop?to=a%40example.com&t=abc')
    expect(unknown.status).toBe(404)
    expect(await unknown.text()).toContain('Link not found')
    const noToken = await call('/n/AAAAAAAAAAAAAAAAAAAAAA/stop?to=a%40example.com')
    expect(noToken.status).toBeGreaterThanOrEqual(400)
    expect(noToken.status).toBeLessThan(500)
    const posted = await call('/n/not-an-id/stop?to=a%40example.com&t=abc', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    })
    expect(posted.status).toBe(404)
  })
})

describe('composeMail', () => {
  const link: MailLink = {
    kind: 'upload_link',
    id: 'link1',
    path: 'inbox/',
    message: 'Send <img src=x onerror=alert(1)> here',
  }
  const stopUrl = 'https://signet.example/n/link1/stop?to=a%40example.com&t=token'

  it('carries the one-click stop link, escapes every value and names no client address', () => {
    const mail = composeMail({
      link,
      events: [
        {
          id: 'e1',
          type: 'object.created',
          at: Date.parse('2026-12-07T10:00:00Z'),
          data: {
            key: 'inbox/sub/<b>x</b>.pdf',
            size: 1536,
            sender: 'Robin <robin@example.com>',
            note: 'see "page 2" & <3',
            clientIp: '198.51.100.7',
          },
        },
        {
          id: 'e2',
          type: 'upload_link.exhausted',
          at: Date.parse('2026-12-07T10:00:01Z'),
          data: { key: 'inbox/', files: 1 },
        },
      ],
      to: 'a@example.com',
      brand: { name: 'Acme Files', color: '#0b6b3a', logoUrl: null },
      consoleUrl: 'https://signet.example/console#activity',
      stopUrl,
    })
    expect(mail).not.toBeNull()
    if (!mail) return
    expect(mail.headers['List-Unsubscribe']).toBe(`<${stopUrl}>`)
    expect(mail.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click')
    expect(mail.subject).toBe('Acme Files: New file: sub/<b>x</b>.pdf (the link is full)')
    expect(mail.text).toContain(
      'Received sub/<b>x</b>.pdf: 1.5 KiB, from Robin <robin@example.com>',
    )
    expect(mail.text).toContain('  "see "page 2" & <3"')
    expect(mail.text).toContain('The upload link is full')
    expect(mail.html).not.toContain('<img')
    expect(mail.html).not.toContain('<b>x</b>')
    expect(mail.html).toContain('sub/&lt;b&gt;x&lt;/b&gt;.pdf')
    expect(mail.html).toContain('#0b6b3a')
    expect(mail.html).toContain(stopUrl.replaceAll('&', '&amp;'))
    for (const body of [mail.text, mail.html]) expect(body).not.toContain('198.51.100.7')
  })

  it('makes no mail of events it has nothing to say about', () => {
    const mail = composeMail({
      link,
      events: [{ id: 'e', type: 'share.revoked', at: 0, data: { key: 'x' } }],
      to: 'a@example.com',
      brand: null,
      consoleUrl: 'https://signet.example/console#activity',
      stopUrl,
    })
    expect(mail).toBeNull()
  })
})
