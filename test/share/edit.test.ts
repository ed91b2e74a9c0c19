// Editing links after they were made: PATCH /v1/shares/:id and PATCH /v1/upload-links/:id change
// expiry, cap, password, CIDRs and message within the caller's scope; a cap never below what was
// counted; a revoked link is 410; another key's link is 404; the audit names the fields edited
// (never a password), and every change takes effect on the link's next use.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, call, createKey, expectError, FULL_SCOPE } from '../helpers'
import { createShare, readShare, type ShareAnswer, usesOf } from './helpers'

const PASSWORD = 'correct horse battery staple'
const BROWSER = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/142.0.0.0 Safari/537.36',
}

function basic(password: string): Record<string, string> {
  return { Authorization: `Basic ${btoa(`:${password}`)}` }
}

async function setup(body: Record<string, unknown> = {}) {
  const key = `edits/${crypto.randomUUID()}/notes.txt`
  await env.BUCKET_LOCAL.put(key, 'the notes', { httpMetadata: { contentType: 'text/plain' } })
  const { key: token } = await createKey(FULL_SCOPE)
  const share = await createShare(token, { key, mode: 'proxy', ...body })
  return { token, share, key }
}

function edit(token: string, share: { id: string }, json: Record<string, unknown>) {
  return call(`/v1/shares/${share.id}`, { token, method: 'PATCH', json })
}

async function edited(token: string, share: { id: string }, json: Record<string, unknown>) {
  const response = await edit(token, share, json)
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as ShareAnswer & {
    message: string | null
    passwordProtected: boolean
  }
}

describe('PATCH /v1/shares/:id', () => {
  it('changes expiry, cap, CIDRs and message, answers the share as GET shows it, and leaves the rest', async () => {
    const { token, share } = await setup({ maxDownloads: 2, message: 'first words' })
    expect(share).toMatchObject({ maxDownloads: 2, message: 'first words' })
    const later = new Date(Date.now() + 3 * 86_400_000)
    later.setMilliseconds(0)
    const answer = await edited(token, share, {
      expiresAt: later.toISOString(),
      maxDownloads: 5,
      allowIps: ['198.51.100.0/24'],
      message: 'Here is <b>the</b> file',
    })
    expect(answer).toMatchObject({
      id: share.id,
      expiresAt: later.toISOString().replace('.000Z', 'Z'),
      maxDownloads: 5,
      allowIps: ['198.51.100.0/24'],
      message: 'Here is <b>the</b> file',
      mode: 'proxy',
      key: share.key,
    })
    expect(await readShare(token, share)).toEqual(answer)
    // A field left out stays; null removes it.
    const lifted = await edited(token, share, { maxDownloads: null, allowIps: null, message: null })
    expect(lifted).toMatchObject({ maxDownloads: null, allowIps: null, message: null })
    expect(lifted.expiresAt).toBe(answer.expiresAt)
    // The listing (the D1 index) shows the edit too.
    const listed = await call('/v1/shares?limit=100', { token })
    const row = ((await listed.json()) as { shares: ShareAnswer[] }).shares.find(
      (s) => s.id === share.id,
    )
    expect(row).toMatchObject({ maxDownloads: null, allowIps: null, expiresAt: answer.expiresAt })
  })

  it('takes effect on the next use: CIDRs, a cap lowered to the count, an expiry shortened', async () => {
    const { token, share } = await setup({ maxDownloads: 10 })
    expect((await call(`/s/${share.id}`, { ip: '203.0.113.9' })).status).toBe(200)
    await edited(token, share, { allowIps: ['198.51.100.0/24'] })
    await expectError(await call(`/s/${share.id}`, { ip: '203.0.113.9' }), 403, 'ip_not_allowed')
    expect((await call(`/s/${share.id}`, { ip: '198.51.100.4' })).status).toBe(200)
    // Two downloads counted: the cap may come down to 2, not to 1.
    const below = await expectError(
      await edit(token, share, { maxDownloads: 1 }),
      400,
      'invalid_request',
    )
    expect(below.message).toMatch(/below the 2 downloads/)
    expect(below.issues?.[0]?.path).toBe('maxDownloads')
    await edited(token, share, { maxDownloads: 2 })
    await expectError(await call(`/s/${share.id}`, { ip: '198.51.100.4' }), 410, 'share_exhausted')
    await edited(token, share, { maxDownloads: 3 })
    expect((await call(`/s/${share.id}`, { ip: '198.51.100.4' })).status).toBe(200)
    await edited(token, share, { expiresIn: 1 })
    await new Promise((resolve) => setTimeout(resolve, 2100))
    await expectError(await call(`/s/${share.id}`, { ip: '198.51.100.4' }), 410, 'share_expired')
    expect((await readShare(token, share)).downloads).toBe(3)
  })

  it('adds, changes and removes a password; a ticket for the old one stops at once', async () => {
    const { token, share } = await setup({ page: true })
    expect((await call(`/s/${share.id}`)).status).toBe(200)
    expect((await edited(token, share, { password: PASSWORD })).passwordProtected).toBe(true)
    await expectError(await call(`/s/${share.id}`), 401, 'share_password_required')
    expect((await call(`/s/${share.id}`, { headers: basic(PASSWORD) })).status).toBe(200)
    // A browser unlocks the page and gets a ticket.
    const unlocked = await call(`/s/${share.id}`, {
      method: 'POST',
      headers: { ...BROWSER, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: PASSWORD }).toString(),
    })
    expect(unlocked.status).toBe(303)
    const ticket = (unlocked.headers.get('Set-Cookie') ?? '').split(';')[0] ?? ''
    const download = () =>
      call(`/s/${share.id}`, { method: 'POST', headers: { ...BROWSER, Cookie: ticket } })
    expect((await download()).status).toBe(200)
    await edited(token, share, { password: 'a different passphrase' })
    expect((await download()).status).toBe(401)
    await expectError(
      await call(`/s/${share.id}`, { headers: basic(PASSWORD) }),
      401,
      'share_password_invalid',
    )
    expect(
      (await call(`/s/${share.id}`, { headers: basic('a different passphrase') })).status,
    ).toBe(200)
    expect((await edited(token, share, { password: null })).passwordProtected).toBe(false)
    expect((await call(`/s/${share.id}`)).status).toBe(200)
  })

  it('records an edited entry naming the fields, never a password', async () => {
    const { token, share } = await setup()
    await edited(token, share, { password: PASSWORD, message: 'hello' })
    await edited(token, share, { maxDownloads: 4 })
    const { uses } = await usesOf(token, share)
    const edits = uses.filter((use) => use.outcome === 'edited') as { fields?: string[] }[]
    expect(edits.map((use) => use.fields)).toEqual([['message', 'password'], ['maxDownloads']])
    const text = JSON.stringify(await usesOf(token, share))
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain('hello')
  })

  it("refuses what the scope does not allow, bad values, another key's link and a revoked one", async () => {
    const { key: shortLived } = await createKey({ ...FULL_SCOPE, maxExpiresIn: 3600 })
    const key = `edits/${crypto.randomUUID()}/a.txt`
    await env.BUCKET_LOCAL.put(key, 'a')
    const share = await createShare(shortLived, { key })
    const tooLong = await expectError(
      await edit(shortLived, share, { expiresIn: '2h' }),
      400,
      'invalid_request',
    )
    expect(tooLong.message).toMatch(/3600/)
    expect((await edited(shortLived, share, { expiresIn: '30m' })).expiresAt).toBeTruthy()
    await expectError(await edit(shortLived, share, { maxDownloads: 0 }), 400, 'invalid_request')
    await expectError(await edit(shortLived, share, { password: 'short' }), 400, 'invalid_request')
    await expectError(
      await edit(shortLived, share, { message: 'x'.repeat(1001) }),
      400,
      'invalid_request',
    )
    await expectError(
      await edit(shortLived, share, { allowIps: ['not an ip'] }),
      400,
      'invalid_request',
    )
    const extra = await edit(shortLived, share, { bucket: 'other' })
    expect(extra.status, 'an unknown field').toBe(400)
    await expectError(
      await edit(shortLived, share, { expiresIn: 60, expiresAt: 9e9 }),
      400,
      'invalid_request',
    )
    const notify = await expectError(
      await edit(shortLived, share, { notify: ['someone@example.com'] }),
      400,
      'invalid_request',
    )
    expect(notify.message).toContain('SIGNET_EMAIL_FROM')
    expect(notify.message).toContain('EMAIL')
    const { key: other } = await createKey(FULL_SCOPE)
    await expectError(await edit(other, share, { message: 'mine now' }), 404, 'not_found')
    await expectError(
      await edit(other, { id: 'AAAAAAAAAAAAAAAAAAAAAA' }, { message: 'x' }),
      404,
      'not_found',
    )
    // The admin edits any share.
    expect((await edited(ADMIN_TOKEN, share, { message: 'from the admin' })).message).toBe(
      'from the admin',
    )
    expect(
      (await call(`/v1/shares/${share.id}`, { token: shortLived, method: 'DELETE' })).status,
    ).toBe(204)
    await expectError(await edit(shortLived, share, { message: 'too late' }), 410, 'share_revoked')
  })
})

type LinkAnswer = {
  id: string
  expiresAt: string
  maxFiles: number | null
  maxFileSize: number | null
  message: string | null
  fileCount: number
}

async function makeLink(token: string, body: Record<string, unknown> = {}) {
  const made = await call('/v1/upload-links', {
    token,
    json: { bucket: 'local', prefix: `edits/${crypto.randomUUID()}/`, ...body },
  })
  expect(made.status, await made.clone().text()).toBe(201)
  return (await made.json()) as LinkAnswer
}

function send(link: { id: string }, name: string, text: string) {
  const body = new TextEncoder().encode(text)
  return call(`/u/${link.id}/${name}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Length': String(body.length) },
  })
}

function editLink(token: string, link: { id: string }, json: Record<string, unknown>) {
  return call(`/v1/upload-links/${link.id}`, { token, method: 'PATCH', json })
}

describe('PATCH /v1/upload-links/:id', () => {
  it('changes expiry, file cap, size per file and message; the next file meets them', async () => {
    const { key: token } = await createKey(FULL_SCOPE)
    const link = await makeLink(token, { maxFiles: 1, message: 'Send the scans' })
    expect((await send(link, 'a.txt', 'aaa')).status).toBe(201)
    await expectError(await send(link, 'b.txt', 'bbb'), 410, 'upload_link_exhausted')
    // Never below the files received.
    await expectError(await editLink(token, link, { maxFiles: 0 }), 400, 'invalid_request')
    const response = await editLink(token, link, {
      maxFiles: 3,
      maxFileSize: 4,
      message: 'More, please',
    })
    expect(response.status, await response.clone().text()).toBe(200)
    expect(await response.json()).toMatchObject({
      id: link.id,
      maxFiles: 3,
      maxFileSize: 4,
      message: 'More, please',
      fileCount: 1,
    })
    await expectError(await send(link, 'big.txt', 'too big'), 413, 'payload_too_large')
    expect((await send(link, 'b.txt', 'bbb')).status).toBe(201)
    const lifted = await editLink(token, link, { maxFiles: null, maxFileSize: null, message: null })
    expect(await lifted.json()).toMatchObject({ maxFiles: null, maxFileSize: null, message: null })
    const page = await call(`/u/${link.id}`, { headers: BROWSER })
    expect(await page.text()).not.toContain('More, please')
    const listed = await call('/v1/upload-links?limit=100', { token })
    const row = ((await listed.json()) as { uploadLinks: LinkAnswer[] }).uploadLinks.find(
      (l) => l.id === link.id,
    )
    expect(row).toMatchObject({ maxFiles: null, maxFileSize: null, message: null })
    const shorter = await editLink(token, link, { expiresIn: 1 })
    expect(shorter.status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 2100))
    await expectError(await send(link, 'c.txt', 'ccc'), 410, 'upload_link_expired')
  })

  it("refuses beyond the scope, another key's link (404) and a revoked link (410)", async () => {
    const { key: token } = await createKey({
      ...FULL_SCOPE,
      maxExpiresIn: 3600,
      maxContentLength: 100,
    })
    const link = await makeLink(token)
    await expectError(await editLink(token, link, { expiresIn: '2h' }), 400, 'invalid_request')
    await expectError(await editLink(token, link, { maxFileSize: 101 }), 403, 'forbidden')
    expect((await editLink(token, link, { maxFileSize: 50 })).status).toBe(200)
    // A scope's size cap is the link's ceiling: it cannot be lifted.
    const lifted = await expectError(
      await editLink(token, link, { maxFileSize: null }),
      400,
      'invalid_request',
    )
    expect(lifted.message).toContain('100 bytes')
    await expectError(
      await editLink(token, link, { notify: ['x@example.com'] }),
      400,
      'invalid_request',
    )
    const { key: other } = await createKey(FULL_SCOPE)
    await expectError(await editLink(other, link, { message: 'mine' }), 404, 'not_found')
    expect((await editLink(ADMIN_TOKEN, link, { message: 'admin' })).status).toBe(200)
    expect((await call(`/v1/upload-links/${link.id}`, { token, method: 'DELETE' })).status).toBe(
      204,
    )
    await expectError(await editLink(token, link, { message: 'late' }), 410, 'upload_link_revoked')
  })
})
