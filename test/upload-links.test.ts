// Upload links in workerd: making them within a scope, sending files through them (curl -T's
// PUT, the page's multipart upload), names that never replace anything, limits that hold under
// concurrency and refuse before storing, revocation, expiry, passwords, the page, and listing.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  type CallInit,
  call,
  createKey,
  expectError,
  FULL_SCOPE,
  sendParts,
} from './helpers'

type LinkAnswer = {
  id: string
  url: string
  bucket: string
  prefix: string
  expiresAt: string
  maxFiles: number | null
  maxFileSize: number | null
  fileCount: number
  passwordProtected: boolean
  files?: { key: string; size: number; etag: string; uploadedAt: string; clientIp: string | null }[]
}

let prefixes = 0
/** A prefix no other test writes under. */
function freshPrefix(): string {
  prefixes += 1
  return `inbox/${Date.now()}-${prefixes}/`
}

async function makeLink(body: Record<string, unknown> = {}, token?: string) {
  const key = token ?? (await createKey(FULL_SCOPE)).key
  const made = await call('/v1/upload-links', {
    token: key,
    json: { bucket: 'local', prefix: freshPrefix(), ...body },
  })
  expect(made.status, await made.clone().text()).toBe(201)
  return { key, link: (await made.json()) as LinkAnswer }
}

/** A PUT as `curl -T` sends it: the bytes with their Content-Length. */
function send(link: { id: string }, name: string, text: string, init: CallInit = {}) {
  // Bytes, not text: a Request given text adds a Content-Type of its own, which curl does not.
  const body = new TextEncoder().encode(text)
  const headers = new Headers(init.headers)
  headers.set('Content-Length', String(body.length))
  return call(`/u/${link.id}/${name}`, { ...init, method: 'PUT', body, headers, ip: '203.0.113.7' })
}

/** A big file as the link's page sends it: started, its parts PUT to the store, completed. */
async function sendBig(link: { id: string }, name: string, size: number, contentType: string) {
  const started = await call(`/u/${link.id}/uploads`, { json: { name, size, contentType } })
  expect(started.status, await started.clone().text()).toBe(200)
  const upload = (await started.json()) as {
    slot: string
    key: string
    uploadId: string
    parts: { partNumber: number; url: string; headers: Record<string, string> }[]
  }
  const parts = await sendParts(upload.parts, new Uint8Array(size).fill(7))
  const done = await call(`/u/${link.id}/uploads/complete`, {
    json: { slot: upload.slot, uploadId: upload.uploadId, parts },
  })
  return { key: upload.key, done }
}

async function keysUnder(prefix: string): Promise<string[]> {
  return (await env.BUCKET_LOCAL.list({ prefix })).objects.map((object) => object.key).sort()
}

async function readLink(token: string, id: string): Promise<LinkAnswer> {
  const response = await call(`/v1/upload-links/${id}`, { token })
  expect(response.status).toBe(200)
  return (await response.json()) as LinkAnswer
}

describe('making upload links', () => {
  it('makes a link whose url is /u/<id>, with no files yet', async () => {
    const { link } = await makeLink({ maxFiles: 3, maxFileSize: 1000, message: 'For the Q3 files' })
    expect(link.url).toBe(`http://signet.test/u/${link.id}`)
    expect(link.id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(link).toMatchObject({ bucket: 'local', maxFiles: 3, maxFileSize: 1000, fileCount: 0 })
    expect(link.files).toEqual([])
    expect(link.passwordProtected).toBe(false)
  })

  it('refuses a key limited to a prefix a link elsewhere (403 forbidden)', async () => {
    const { key } = await createKey({ ...FULL_SCOPE, prefixes: ['users/alice/'] })
    await expectError(
      await call('/v1/upload-links', { token: key, json: { bucket: 'local', prefix: 'users/' } }),
      403,
      'forbidden',
    )
    await expectError(
      await call('/v1/upload-links', {
        token: key,
        json: { bucket: 'local', prefix: 'users/bob/' },
      }),
      403,
      'forbidden',
    )
    const inside = await call('/v1/upload-links', {
      token: key,
      json: { bucket: 'local', prefix: 'users/alice/inbox/' },
    })
    expect(inside.status).toBe(201)
  })

  it('refuses a key that may not put, a prefix not ending in /, and the admin token', async () => {
    const { key } = await createKey({ buckets: ['local'], operations: ['get', 'share'] })
    await expectError(
      await call('/v1/upload-links', { token: key, json: { bucket: 'local', prefix: 'in/' } }),
      403,
      'forbidden',
    )
    const { key: full } = await createKey(FULL_SCOPE)
    await expectError(
      await call('/v1/upload-links', { token: full, json: { bucket: 'local', prefix: 'in' } }),
      400,
      'invalid_request',
    )
    await expectError(
      await call('/v1/upload-links', {
        token: ADMIN_TOKEN,
        json: { bucket: 'local', prefix: 'in/' },
      }),
      403,
      'forbidden',
    )
  })

  it("takes a scope's size cap as the link's, and refuses a larger one", async () => {
    const { key } = await createKey({ ...FULL_SCOPE, maxContentLength: 500 })
    const { link } = await makeLink({}, key)
    expect(link.maxFileSize).toBe(500)
    await expectError(
      await call('/v1/upload-links', {
        token: key,
        json: { bucket: 'local', prefix: 'in/', maxFileSize: 501 },
      }),
      403,
      'forbidden',
    )
  })

  it("lists a caller's own links; the admin lists every one", async () => {
    const { key, link } = await makeLink()
    const own = (await (await call('/v1/upload-links', { token: key })).json()) as {
      uploadLinks: LinkAnswer[]
    }
    expect(own.uploadLinks.map((l) => l.id)).toEqual([link.id])
    const { key: other } = await createKey(FULL_SCOPE)
    const theirs = (await (await call('/v1/upload-links', { token: other })).json()) as {
      uploadLinks: LinkAnswer[]
    }
    expect(theirs.uploadLinks).toEqual([])
    await expectError(await call(`/v1/upload-links/${link.id}`, { token: other }), 404, 'not_found')
    const all = await call('/v1/upload-links?limit=1000', { token: ADMIN_TOKEN })
    expect(await all.text()).toContain(link.id)
  })
})

describe('sending files through an upload link', () => {
  it('stores a PUT under the prefix and records it with the address it came from', async () => {
    const { key, link } = await makeLink()
    const sent = await send(link, 'hello.txt', 'hello, world')
    expect(sent.status).toBe(201)
    const answer = (await sent.json()) as { key: string; size: number; etag: string }
    expect(answer).toMatchObject({ key: `${link.prefix}hello.txt`, size: 12 })
    expect(sent.headers.get('ETag')).toBe(answer.etag)
    const stored = await env.BUCKET_LOCAL.get(answer.key)
    expect(await stored?.text()).toBe('hello, world')
    expect(stored?.httpMetadata?.contentType).toBe('text/plain')
    const read = await readLink(key, link.id)
    expect(read.fileCount).toBe(1)
    expect(read.files).toEqual([
      {
        key: answer.key,
        size: 12,
        etag: answer.etag,
        contentType: 'text/plain',
        uploadedAt: expect.stringMatching(/^\d{4}-/),
        clientIp: '203.0.113.7',
        sender: null,
        note: null,
      },
    ])
  })

  it('keeps both files when the same name comes twice, and never replaces an object already there', async () => {
    const { link } = await makeLink()
    await env.BUCKET_LOCAL.put(`${link.prefix}report.pdf`, 'already here')
    const first = (await (await send(link, 'report.pdf', 'first')).json()) as { key: string }
    const second = (await (await send(link, 'report.pdf', 'second')).json()) as { key: string }
    expect(first.key).toBe(`${link.prefix}report (2).pdf`)
    expect(second.key).toBe(`${link.prefix}report (3).pdf`)
    expect(await (await env.BUCKET_LOCAL.get(`${link.prefix}report.pdf`))?.text()).toBe(
      'already here',
    )
    expect(await (await env.BUCKET_LOCAL.get(first.key))?.text()).toBe('first')
    expect(await (await env.BUCKET_LOCAL.get(second.key))?.text()).toBe('second')
  })

  it.each([
    ['a path', '..%2F..%2Fetc%2Fpasswd', 'passwd'],
    ['a hidden name', '.env', 'env'],
    ['control characters', 'a%00b%0Ac.txt', 'a_b_c.txt'],
    ['reserved characters', 'what%3F%2A%3C%3E.txt', 'what____.txt'],
    ['decomposed Unicode', 'Cafe%CC%81.txt', 'Café.txt'],
  ])('makes %s a safe name inside the prefix', async (_what, sent, kept) => {
    const { link } = await makeLink()
    const response = await send(link, sent, 'bytes')
    expect(response.status).toBe(201)
    expect(((await response.json()) as { key: string }).key).toBe(`${link.prefix}${kept}`)
    expect(await keysUnder(link.prefix)).toEqual([`${link.prefix}${kept}`])
  })

  it('takes exactly maxFiles files from 10 parallel uploads', async () => {
    const { key, link } = await makeLink({ maxFiles: 3 })
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send(link, `photo-${i}.jpg`, `photo ${i}`)),
    )
    const statuses = answers.map((answer) => answer.status).sort()
    expect(statuses).toEqual([201, 201, 201, 410, 410, 410, 410, 410, 410, 410])
    for (const answer of answers.filter((a) => a.status === 410)) {
      await expectError(answer, 410, 'upload_link_exhausted')
    }
    expect(await keysUnder(link.prefix)).toHaveLength(3)
    expect((await readLink(key, link.id)).files).toHaveLength(3)
    await expectError(await send(link, 'late.jpg', 'late'), 410, 'upload_link_exhausted')
  })

  it('refuses a file over maxFileSize with 413 before storing a byte, and takes the next one', async () => {
    const { link } = await makeLink({ maxFiles: 1, maxFileSize: 10 })
    await expectError(await send(link, 'big.bin', 'x'.repeat(11)), 413, 'payload_too_large')
    expect(await keysUnder(link.prefix)).toEqual([])
    // The refused file took no place: the link's one file is still to come.
    expect((await send(link, 'small.bin', 'x'.repeat(10))).status).toBe(201)
  })

  it('refuses a type the link does not take, and a PUT without Content-Length', async () => {
    const { link } = await makeLink({ contentTypes: ['image/*'] })
    await expectError(
      await send(link, 'notes.txt', 'text', { headers: { 'Content-Type': 'text/plain' } }),
      400,
      'invalid_request',
    )
    expect(
      (await send(link, 'cat.png', 'png bytes', { headers: { 'Content-Type': 'image/png' } }))
        .status,
    ).toBe(201)
    // No type given: the name's.
    expect((await send(link, 'dog.jpg', 'jpeg bytes')).status).toBe(201)
    await expectError(
      await call(`/u/${link.id}/chunked.png`, {
        method: 'PUT',
        // A stream of unknown length: sent chunked, with no Content-Length.
        body: new ReadableStream({
          start(controller) {
            controller.enqueue(new Uint8Array([1, 2, 3]))
            controller.close()
          },
        }),
      }),
      400,
      'invalid_request',
    )
  })

  it.each([
    ['a contradicting type: the name wins', 'x.txt', 'text/html', 'text/plain'],
    [
      'a type the name agrees with, kept with its parameters',
      'x.txt',
      'text/plain; charset=utf-8',
      'text/plain; charset=utf-8',
    ],
    [
      'application/octet-stream: the name says more',
      'photo.png',
      'application/octet-stream',
      'image/png',
    ],
    ['a name that says nothing: the declared type', 'blob.bin', 'image/webp', 'image/webp'],
    ['a name without an extension: the declared type', 'README', 'text/markdown', 'text/markdown'],
    ['nothing declared: the name', 'notes.csv', undefined, 'text/csv'],
    ['neither: application/octet-stream', 'data', undefined, 'application/octet-stream'],
  ])('stores %s', async (_name, file, declared, stored) => {
    const { key, link } = await makeLink()
    const sent = await send(
      link,
      file,
      'bytes',
      declared ? { headers: { 'Content-Type': declared } } : {},
    )
    expect(sent.status).toBe(201)
    const head = await env.BUCKET_LOCAL.head(`${link.prefix}${file}`)
    expect(head?.httpMetadata?.contentType).toBe(stored)
    const listed = await readLink(key, link.id)
    expect(listed.files?.[0]).toMatchObject({ key: `${link.prefix}${file}` })
  })

  it("gives a page's big file the type its name says over a contradicting one", async () => {
    const { link } = await makeLink()
    const { done, key } = await sendBig(link, 'clip.mp4', 6 * 1024 * 1024 + 1, 'text/html')
    expect(done.status, await done.clone().text()).toBe(201)
    expect((await env.BUCKET_LOCAL.head(key))?.httpMetadata?.contentType).toBe('video/mp4')
  })

  it('tells a PUT to the link itself (no file name) where files go', async () => {
    const { link } = await makeLink()
    const body = new TextEncoder().encode('bytes')
    const error = await expectError(
      await call(`/u/${link.id}`, {
        method: 'PUT',
        body,
        headers: { 'Content-Length': String(body.length) },
      }),
      400,
      'invalid_request',
    )
    expect(error.message).toContain('/u/<id>/<file name>')
    expect(await keysUnder(link.prefix)).toEqual([])
  })

  it('refuses files after the link is revoked (410 upload_link_revoked)', async () => {
    const { key, link } = await makeLink()
    expect((await send(link, 'one.txt', 'one')).status).toBe(201)
    expect(
      (await call(`/v1/upload-links/${link.id}`, { token: key, method: 'DELETE' })).status,
    ).toBe(204)
    await expectError(await send(link, 'two.txt', 'two'), 410, 'upload_link_revoked')
    expect(await keysUnder(link.prefix)).toEqual([`${link.prefix}one.txt`])
    const read = await readLink(key, link.id)
    expect(read.files).toHaveLength(1)
  })

  it('refuses files after the link expires (410 upload_link_expired)', async () => {
    const { link } = await makeLink({ expiresIn: 1 })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    await expectError(await send(link, 'late.txt', 'late'), 410, 'upload_link_expired')
    expect(await keysUnder(link.prefix)).toEqual([])
  })

  it("revokes a key's upload links with the key", async () => {
    const made = await createKey(FULL_SCOPE)
    const { link } = await makeLink({}, made.key)
    expect(
      (await call(`/v1/keys/${made.id}`, { token: ADMIN_TOKEN, method: 'DELETE' })).status,
    ).toBe(204)
    await expectError(await send(link, 'after.txt', 'after'), 410, 'upload_link_revoked')
  })

  it('answers 404 for an unknown link', async () => {
    await expectError(await send({ id: 'A'.repeat(22) }, 'x.txt', 'x'), 404, 'not_found')
    await expectError(await send({ id: 'nope' }, 'x.txt', 'x'), 404, 'not_found')
  })
})

describe("an upload link's page and big files", () => {
  it('shows a browser the message and limits, never the bucket or prefix', async () => {
    const { link } = await makeLink({
      message: 'Drop the signed contracts here',
      maxFiles: 5,
      maxFileSize: 2_000_000,
    })
    const page = await call(`/u/${link.id}`, { headers: { Accept: 'text/html' } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Drop the signed contracts here')
    expect(html).toContain('up to 5 more')
    expect(html).toContain('1.9 MiB')
    expect(html).toContain('/upload/app.js')
    expect(html).not.toContain(link.prefix)
    // Its script by nonce only: never 'self', which a same-origin file shared by proxy would pass.
    const csp = page.headers.get('Content-Security-Policy') ?? ''
    const nonce = /script-src 'nonce-([A-Za-z0-9_-]{22})'[ ;]/.exec(csp)?.[1]
    expect(nonce).toBeDefined()
    expect(html).toContain(`nonce="${nonce}"`)
    expect(page.headers.get('Cache-Control')).toBe('no-store')
  })

  it('shows a browser the error page for a revoked link', async () => {
    const { key, link } = await makeLink()
    await call(`/v1/upload-links/${link.id}`, { token: key, method: 'DELETE' })
    const page = await call(`/u/${link.id}`, { headers: { Accept: 'text/html' } })
    expect(page.status).toBe(410)
    expect(await page.text()).toContain('turned off')
  })

  it('sends a big file in parts straight to the store, then completes it through the link', async () => {
    const { key, link } = await makeLink()
    const size = 6 * 1024 * 1024 + 1
    const upload = await sendBig(link, 'video.mp4', size, 'video/mp4')
    expect(upload.key).toBe(`${link.prefix}video.mp4`)
    expect(upload.done.status, await upload.done.clone().text()).toBe(201)
    expect(await upload.done.json()).toMatchObject({ key: upload.key, size })
    const head = await env.BUCKET_LOCAL.head(upload.key)
    expect(head?.size).toBe(size)
    expect(head?.httpMetadata?.contentType).toBe('video/mp4')
    const read = await readLink(key, link.id)
    expect(read.files?.map((file) => file.key)).toEqual([upload.key])
  })

  it('frees the place of a big file given up, and refuses one declared too large', async () => {
    const { link } = await makeLink({ maxFiles: 1, maxFileSize: 1000 })
    await expectError(
      await call(`/u/${link.id}/uploads`, { json: { name: 'big.bin', size: 1001 } }),
      413,
      'payload_too_large',
    )
    const started = (await (
      await call(`/u/${link.id}/uploads`, { json: { name: 'a.bin', size: 1000 } })
    ).json()) as { slot: string; uploadId: string }
    await expectError(await send(link, 'b.bin', 'b'), 410, 'upload_link_exhausted')
    expect(
      (
        await call(`/u/${link.id}/uploads/abort`, {
          json: { slot: started.slot, uploadId: started.uploadId },
        })
      ).status,
    ).toBe(204)
    expect((await send(link, 'b.bin', 'b')).status).toBe(201)
  })
})

describe('a password-protected upload link', () => {
  const password = 'correct horse battery'
  const basic = (text: string) => `Basic ${btoa(`:${text}`)}`

  it('takes files only with the password (Basic), and never returns it', async () => {
    const { key, link } = await makeLink({ password })
    expect(link.passwordProtected).toBe(true)
    expect(JSON.stringify(await readLink(key, link.id))).not.toContain(password)
    const none = await send(link, 'a.txt', 'a')
    await expectError(none, 401, 'share_password_required')
    expect(none.headers.get('WWW-Authenticate')).toBe('Basic realm="share"')
    await expectError(
      await send(link, 'a.txt', 'a', { headers: { Authorization: basic('wrong password') } }),
      401,
      'share_password_invalid',
    )
    expect(
      (await send(link, 'a.txt', 'a', { headers: { Authorization: basic(password) } })).status,
    ).toBe(201)
  })

  it('asks a browser on a form, then opens the page by its cookie', async () => {
    const { link } = await makeLink({ password })
    const form = await call(`/u/${link.id}`, { headers: { Accept: 'text/html' } })
    expect(form.status).toBe(401)
    expect(await form.text()).toContain('protected by a password')
    const unlocked = await call(`/u/${link.id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html' },
      body: new URLSearchParams({ password }).toString(),
    })
    expect(unlocked.status).toBe(303)
    const cookie = unlocked.headers.get('Set-Cookie') ?? ''
    expect(cookie).toContain(`Path=/u/${link.id}`)
    expect(cookie).toContain('HttpOnly')
    const ticket = cookie.split(';')[0] ?? ''
    const page = await call(`/u/${link.id}`, { headers: { Accept: 'text/html', Cookie: ticket } })
    expect(page.status).toBe(200)
    expect((await send(link, 'b.txt', 'b', { headers: { Cookie: ticket } })).status).toBe(201)
  })
})
