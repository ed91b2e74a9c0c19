// End-to-end encrypted shares in workerd: encryptedMeta is checked (an aes128gcm body, base64url,
// only with encrypted: true) and no answer, listing, page or audit names the file; such a link
// counts and caps its ciphertext downloads as any share, its password is a gate of its own, and a
// revoked one is refused. The key is never sent, so nothing here can hold it.
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { encrypt } from '../../src/lib/ece'
import { call, createKey, expectError, FULL_SCOPE } from '../helpers'
import { createShare, readShare, use, usesOf } from './helpers'

const BROWSER = { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }
/** As the page's decrypting worker asks: bytes, and refusals as JSON. */
const BYTES = { Accept: 'application/octet-stream' }

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')

/** An encrypted object and its encrypted facts, as a browser or the CLI would make them. */
async function sealed(name: string, body: string) {
  const secret = crypto.getRandomValues(new Uint8Array(16))
  const plain = new TextEncoder().encode(body)
  const ciphertext = await encrypt(secret, plain)
  const key = `sealed/${crypto.randomUUID()}.ece`
  await env.BUCKET_LOCAL.put(key, ciphertext)
  const facts = JSON.stringify({ name, type: 'application/pdf', size: plain.byteLength })
  const meta = b64url(await encrypt(secret, new TextEncoder().encode(facts)))
  return { key, meta, ciphertext }
}

describe('encrypted shares', () => {
  it('checks encryptedMeta and refuses what would name the file', async () => {
    const { key: token } = await createKey(FULL_SCOPE)
    const { key, meta } = await sealed('Payroll 2026.pdf', 'salaries')
    const cases: [Record<string, unknown>, string][] = [
      [{ key, encryptedMeta: meta }, 'encryptedMeta'],
      [{ key, encrypted: true, encryptedMeta: 'has spaces' }, 'encryptedMeta'],
      [{ key, encrypted: true, encryptedMeta: 'AAAA' }, 'encryptedMeta'],
      [{ key, encrypted: true, encryptedMeta: 'A'.repeat(8193) }, 'encryptedMeta'],
      [{ key, encrypted: true, filename: 'Payroll 2026.pdf' }, 'filename'],
      [{ prefix: 'sealed/', encrypted: true }, 'encrypted'],
    ]
    for (const [body, path] of cases) {
      const answer = await call('/v1/shares', { token, json: { bucket: 'local', ...body } })
      const error = await expectError(answer, 400, 'invalid_request')
      expect(JSON.stringify(error.issues), JSON.stringify(body)).toContain(path)
    }
  })

  it('never names the file: not in the answer, the listing, the page or the audit', async () => {
    const { key: token } = await createKey(FULL_SCOPE)
    const { key, meta } = await sealed('Payroll 2026.pdf', 'salaries of everyone')
    const share = await createShare(token, { key, encrypted: true, encryptedMeta: meta })
    const answer = (await readShare(token, share)) as unknown as Record<string, unknown>
    expect(answer).toMatchObject({
      encrypted: true,
      encryptedMeta: meta,
      filename: null,
      page: true,
    })
    const listing = await (await call('/v1/shares?limit=100', { token })).text()
    expect(listing).toContain(`"encrypted":true`)
    const page = await call(`/s/${share.id}`, { headers: BROWSER })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`data-meta="${meta}"`)
    // The page's script and its decrypting worker, allowed by its policy and nothing else.
    const csp = page.headers.get('Content-Security-Policy') ?? ''
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]{22}'/)
    expect(csp).toContain("worker-src 'self'")
    expect(html).toContain('src="/share/app.js"')
    await (await use(share, { method: 'POST' })).body?.cancel()
    const uses = JSON.stringify(await usesOf(token, share))
    expect(uses).toContain('downloaded')
    for (const text of [JSON.stringify(answer), listing, html, uses]) {
      expect(text).not.toContain('Payroll')
      expect(text).not.toContain('salaries')
      // The plaintext's size (20 B) is not shown either: only the ciphertext's exists here.
      expect(text).not.toContain('20 B')
    }
  })

  it('counts and caps its ciphertext downloads as any share, after its password', async () => {
    const { key: token } = await createKey(FULL_SCOPE)
    const { key, meta, ciphertext } = await sealed('notes.txt', 'two downloads only')
    const share = await createShare(token, {
      key,
      encrypted: true,
      encryptedMeta: meta,
      maxDownloads: 2,
      mode: 'proxy',
      password: 'a long password',
    })
    await expectError(
      await use(share, { method: 'POST', headers: BYTES }),
      401,
      'share_password_required',
    )
    const basic = { ...BYTES, Authorization: `Basic ${btoa(':a long password')}` }
    for (let n = 0; n < 2; n++) {
      const got = await use(share, { method: 'POST', headers: basic })
      expect(got.status).toBe(200)
      expect(new Uint8Array(await got.arrayBuffer())).toEqual(ciphertext)
    }
    await expectError(await use(share, { method: 'POST', headers: basic }), 410, 'share_exhausted')
    expect((await readShare(token, share)).downloads).toBe(2)
  })

  it('is refused once revoked', async () => {
    const { key: token } = await createKey(FULL_SCOPE)
    const { key, meta } = await sealed('a.txt', 'gone')
    const share = await createShare(token, { key, encrypted: true, encryptedMeta: meta })
    expect((await call(`/v1/shares/${share.id}`, { token, method: 'DELETE' })).status).toBe(204)
    await expectError(await use(share, { method: 'POST', headers: BYTES }), 410, 'share_revoked')
    // A form's POST (no type asked for) still gets the page a person reads.
    const page = await use(share, { method: 'POST' })
    expect(page.status).toBe(410)
    expect(page.headers.get('Content-Type')).toMatch(/^text\/html/)
  })
})
