// Password-protected share links: the password is kept only as a PBKDF2 hash and never shown;
// programs send it as Basic, browsers on the link's form (which gives them a cookie for that
// link); wrong guesses are audited and lock the link for everyone after ten in fifteen minutes.
import { env, exports } from 'cloudflare:workers'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { shareObject } from '../../src/share/use'
import { call, createKey, expectError, FULL_SCOPE, ORIGIN } from '../helpers'
import { createShare, readShare, usesOf } from './helpers'

const PASSWORD = 'correct horse battery staple'
const BROWSER = {
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/142.0.0.0 Safari/537.36',
}

function basic(password: string, user = ''): Record<string, string> {
  const bytes = new TextEncoder().encode(`${user}:${password}`)
  return { Authorization: `Basic ${btoa(String.fromCharCode(...bytes))}` }
}

function form(password: string): RequestInit {
  const body = new URLSearchParams({ password }).toString()
  return {
    method: 'POST',
    headers: { ...BROWSER, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  }
}

/** Every console line written while a test runs, to prove no password reaches a log. */
let logged: string[] = []
beforeEach(() => {
  logged = []
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(
        args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '),
      )
    })
  }
})
afterEach(() => {
  vi.restoreAllMocks()
  for (const line of logged) expect(line).not.toContain(PASSWORD)
})

async function setup(body: Record<string, unknown> = {}, content = 'the signed contract') {
  const key = `passwords/${crypto.randomUUID()}/contract.pdf`
  await env.BUCKET_LOCAL.put(key, content, { httpMetadata: { contentType: 'application/pdf' } })
  const { key: token } = await createKey(FULL_SCOPE)
  const share = await createShare(token, { key, password: PASSWORD, mode: 'proxy', ...body })
  return { token, share, key }
}

describe('creating a password-protected share', () => {
  it('keeps only a hash: the answers say passwordProtected and never the password or its hash', async () => {
    const { token, share } = await setup()
    expect(share).toMatchObject({ passwordProtected: true })
    const listed = await call('/v1/shares?limit=100', { token })
    const texts = [
      JSON.stringify(share),
      JSON.stringify(await readShare(token, share)),
      await listed.text(),
    ]
    for (const text of texts) {
      expect(text).not.toContain(PASSWORD)
      expect(text).not.toMatch(/salt|pbkdf2|"hash"/i)
    }
    expect(JSON.parse(texts[2] ?? '{}').shares[0]).toMatchObject({ passwordProtected: true })
    // The index row and the share's object hold the PBKDF2 hash, not the password.
    const row = await env.DB.prepare('SELECT password FROM shares WHERE id = ?')
      .bind(share.id)
      .first<{ password: string }>()
    const kept = JSON.parse(row?.password ?? 'null')
    expect(kept).toMatchObject({ algorithm: 'PBKDF2-SHA256', iterations: 100_000 })
    expect(kept.salt).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(kept.hash).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(JSON.stringify(kept)).not.toContain(PASSWORD)
    // Two shares with one password get different salts, so different hashes.
    const other = await setup()
    const otherRow = await env.DB.prepare('SELECT password FROM shares WHERE id = ?')
      .bind(other.share.id)
      .first<{ password: string }>()
    expect(JSON.parse(otherRow?.password ?? 'null').hash).not.toBe(kept.hash)
    const plain = await createShare(token, { key: 'shared/report.pdf', pin: false })
    expect(plain).toMatchObject({ passwordProtected: false })
  })

  it.each([
    ['seven characters', 'short12'],
    ['257 characters', 'x'.repeat(257)],
    ['not a string', 12345678],
  ])('refuses a password of %s without repeating it', async (_name, password) => {
    const { key: token } = await createKey(FULL_SCOPE)
    const response = await call('/v1/shares', {
      token,
      json: { bucket: 'local', key: 'shared/report.pdf', pin: false, password },
    })
    const error = await expectError(response, 400, 'invalid_request')
    expect(error.issues?.[0]?.path).toBe('password')
    expect(JSON.stringify(error)).not.toContain(String(password))
  })
})

describe('programs', () => {
  it('answer 401 share_password_required without the password, asking for Basic', async () => {
    const { share } = await setup()
    const response = await call(`/s/${share.id}`)
    expect(response.headers.get('WWW-Authenticate')).toBe('Basic realm="share"')
    await expectError(response, 401, 'share_password_required')
  })

  it('answer 401 share_password_invalid for a wrong one, audited as password_failed', async () => {
    const { token, share } = await setup()
    const response = await call(`/s/${share.id}`, {
      headers: basic('not the password'),
      ip: '203.0.113.9',
    })
    expect(response.headers.get('WWW-Authenticate')).toBe('Basic realm="share"')
    await expectError(response, 401, 'share_password_invalid')
    const { uses, refusals } = await usesOf(token, share)
    expect(uses.map((use) => use.outcome)).toEqual(['password_failed'])
    expect(refusals).toMatchObject([
      { outcome: 'password_failed', clientIp: '203.0.113.9', count: 1 },
    ])
    expect((await readShare(token, share)).downloads).toBe(0)
  })

  it('serve GET, HEAD, ranges and POST with the right password (curl -u :password), counting downloads', async () => {
    const { token, share } = await setup()
    const get = await call(`/s/${share.id}`, { headers: basic(PASSWORD) })
    expect(get.status).toBe(200)
    expect(await get.text()).toBe('the signed contract')
    const head = await call(`/s/${share.id}`, { method: 'HEAD', headers: basic(PASSWORD) })
    expect(head.status).toBe(200)
    const range = await call(`/s/${share.id}`, {
      headers: { ...basic(PASSWORD), Range: 'bytes=4-9' },
    })
    expect(range.status).toBe(206)
    expect(await range.text()).toBe('signed')
    const post = await call(`/s/${share.id}`, { method: 'POST', headers: basic(PASSWORD) })
    expect(post.status).toBe(200)
    expect(await post.text()).toBe('the signed contract')
    // Any user name: the password is what counts.
    const named = await call(`/s/${share.id}`, { headers: basic(PASSWORD, 'alice') })
    expect(named.status).toBe(200)
    await named.body?.cancel()
    // And without it, no way in: not HEAD, not a range, not POST.
    for (const init of [
      { method: 'HEAD' },
      { headers: { Range: 'bytes=0-3' } },
      { method: 'POST' },
      { headers: basic(`${PASSWORD} `) },
    ]) {
      const refused = await call(`/s/${share.id}`, init)
      expect(refused.status).toBe(401)
      await refused.body?.cancel()
    }
    const read = await readShare(token, share)
    expect(read.downloads).toBe(4)
  })

  it('still asks the share’s object after a right password (revocation holds at once)', async () => {
    const { token, share } = await setup()
    const first = await call(`/s/${share.id}`, { headers: basic(PASSWORD) })
    expect(first.status).toBe(200)
    await first.body?.cancel()
    await call(`/v1/shares/${share.id}`, { token, method: 'DELETE' })
    await expectError(
      await call(`/s/${share.id}`, { headers: basic(PASSWORD) }),
      410,
      'share_revoked',
    )
  })

  it('redirect mode hands out the store URL only after the password', async () => {
    const { share } = await setup({ mode: 'redirect' })
    const refused = await call(`/s/${share.id}`)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('Location')).toBeNull()
    await refused.body?.cancel()
    const allowed = await call(`/s/${share.id}`, { headers: basic(PASSWORD) })
    expect(allowed.status).toBe(302)
    expect(allowed.headers.get('Location')).toContain('X-Amz-Signature=')
  })
})

describe('browsers', () => {
  it('get a form naming only the file, then a cookie for this link that opens it', async () => {
    const { token, share } = await setup({ maxDownloads: 3 })
    const first = await call(`/s/${share.id}`, { headers: BROWSER })
    expect(first.status).toBe(401)
    // Challenged as a form: a Basic challenge would open the browser's own dialog over it.
    expect(first.headers.get('WWW-Authenticate')).toBe('Form realm="share"')
    expect(first.headers.get('Cache-Control')).toBe('no-store')
    const page = await first.text()
    expect(page).toContain('contract.pdf')
    expect(page).toMatch(/<input[^>]*type="password"/)
    expect(page).toContain(`action="/s/${share.id}"`)
    expect(page).not.toMatch(/bytes|Expires|download/i)
    expect(first.headers.get('Content-Security-Policy')).toContain("form-action 'self'")

    const wrong = await call(`/s/${share.id}`, form('guess guess'))
    expect(wrong.status).toBe(401)
    const again = await wrong.text()
    expect(again).toContain('role="alert"')
    expect(again).toContain('aria-invalid="true"')
    expect(again).not.toContain('guess guess')

    const right = await call(`/s/${share.id}`, form(PASSWORD))
    expect(right.status).toBe(303)
    expect(right.headers.get('Location')).toBe(`/s/${share.id}`)
    const cookie = right.headers.get('Set-Cookie') ?? ''
    expect(cookie).toMatch(/^signet_share_pass=\d+\.[A-Za-z0-9_-]{43}; /)
    expect(cookie).toContain(`Path=/s/${share.id}`)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Lax')
    expect(cookie).toMatch(/Max-Age=(1[0-7]\d\d|1800)\b/)
    expect(cookie).not.toContain('Secure')
    expect(cookie).not.toContain(PASSWORD)
    const ticket = cookie.split(';')[0] ?? ''

    // With the cookie: the share's page, and its Download button downloads (and counts).
    const landing = await call(`/s/${share.id}`, { headers: { ...BROWSER, Cookie: ticket } })
    expect(landing.status).toBe(200)
    expect(await landing.text()).toContain('Download')
    const download = await call(`/s/${share.id}`, {
      method: 'POST',
      headers: { ...BROWSER, Cookie: `other=1; ${ticket}` },
    })
    expect(download.status).toBe(200)
    expect(await download.text()).toBe('the signed contract')
    expect((await readShare(token, share)).downloads).toBe(1)
    const outcomes = (await usesOf(token, share)).uses.map((use) => use.outcome)
    expect(outcomes).toEqual([
      'password_required',
      'password_failed',
      'unlocked',
      'viewed',
      'downloaded',
    ])
  })

  it('refuse a ticket that is forged, expired, or made for another link', async () => {
    const { share } = await setup()
    const other = await setup()
    const right = await call(`/s/${other.share.id}`, form(PASSWORD))
    const otherTicket = (right.headers.get('Set-Cookie') ?? '').split(';')[0] ?? ''
    const value = otherTicket.split('=')[1] ?? ''
    const [until, mac] = value.split('.')
    const flipped = `${mac?.[0] === 'A' ? 'B' : 'A'}${mac?.slice(1)}`
    for (const cookie of [
      otherTicket,
      `signet_share_pass=${until}.${flipped}`,
      `signet_share_pass=${Date.now() - 1000}.${mac}`,
      `signet_share_pass=${Number(until) + 1}.${mac}`,
      'signet_share_pass=garbage',
    ]) {
      const response = await call(`/s/${share.id}`, { headers: { Cookie: cookie } })
      expect(response.status, cookie).toBe(401)
      await response.body?.cancel()
    }
  })

  it('get a Secure cookie on https', async () => {
    const { share } = await setup()
    const response = await exports.default.fetch(
      new Request(`https://signet.test/s/${share.id}`, { ...form(PASSWORD), redirect: 'manual' }),
    )
    expect(response.status).toBe(303)
    expect(response.headers.get('Set-Cookie')).toContain('; Secure')
  })
})

describe('guessing', () => {
  it('locks the link for everyone after 10 wrong passwords in 15 minutes, the right one included', async () => {
    const { token, share } = await setup()
    for (let i = 0; i < 10; i++) {
      const response = await call(`/s/${share.id}`, {
        headers: basic(`wrong password ${i}`),
        ip: `198.51.100.${i + 1}`,
      })
      expect(response.status).toBe(401)
      await response.body?.cancel()
    }
    const locked = await call(`/s/${share.id}`, { headers: basic(PASSWORD), ip: '192.0.2.50' })
    const retryAfter = Number(locked.headers.get('Retry-After'))
    expect(retryAfter).toBeGreaterThan(890)
    expect(retryAfter).toBeLessThanOrEqual(900)
    await expectError(locked, 429, 'rate_limited')
    const page = await call(`/s/${share.id}`, { ...form(PASSWORD), ip: '192.0.2.51' })
    expect(page.status).toBe(429)
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/)
    await page.body?.cancel()
    const { uses, refusals } = await usesOf(token, share)
    expect(uses.filter((use) => use.outcome === 'password_failed')).toHaveLength(10)
    expect(uses.at(-1)?.outcome).toBe('rate_limited')
    expect(refusals.filter((row) => row.outcome === 'password_failed')).toHaveLength(10)
    // The share's object takes the right password again once the oldest failure is 15 minutes old.
    const object = shareObject(env.SHARES, share.id)
    const use = {
      id: share.id,
      clientIp: '192.0.2.52',
      outcome: 'head' as const,
      minSecondsLeft: 0,
      password: 'accepted' as const,
    }
    expect(await object.use({ ...use, now: Date.now() + 14 * 60_000 })).toMatchObject({
      ok: false,
      code: 'rate_limited',
    })
    expect(await object.use({ ...use, now: Date.now() + 15 * 60_000 + 1000 })).toMatchObject({
      ok: true,
    })
  })

  it('counts no failure for a missing password, and nothing for a share without one', async () => {
    const { share } = await setup()
    for (let i = 0; i < 12; i++) {
      const response = await call(`/s/${share.id}`)
      expect(response.status).toBe(401)
      await response.body?.cancel()
    }
    const allowed = await call(`/s/${share.id}`, { headers: basic(PASSWORD) })
    expect(allowed.status).toBe(200)
    await allowed.body?.cancel()
  })
})

describe('audit and logs', () => {
  it('never hold the password text', async () => {
    const { token, share } = await setup()
    await (await call(`/s/${share.id}`, { headers: basic(PASSWORD) })).body?.cancel()
    await (await call(`/s/${share.id}`, form(PASSWORD))).body?.cancel()
    await (await call(`/s/${share.id}`, { headers: basic(`${PASSWORD}!`) })).body?.cancel()
    const trail = JSON.stringify(await usesOf(token, share))
    expect(trail).not.toContain(PASSWORD)
    const stats = await call(`/v1/shares/${share.id}/stats`, { token })
    expect(await stats.text()).not.toContain(PASSWORD)
    expect(ORIGIN).toBe('http://signet.test')
  })
})
