// Folder shares: one link for every object under a prefix. It lists exactly what is under the
// prefix (spaces, non-ASCII, nested folders), serves each file through the same path as a file
// share, refuses every spelling of a way out of the folder before asking anything, counts each
// file and each zip once, and honours revocation, expiry, CIDRs and passwords.
import { env } from 'cloudflare:workers'
import { beforeAll, describe, expect, it } from 'vitest'
import { getConfig } from '../../src/config'
import { AppError } from '../../src/errors'
import { useShare } from '../../src/share/use'
import { call, createKey, expectError, pathOf } from '../helpers'
import { createShare, insertLegacyShare, programUse, readShare, use, usesOf } from './helpers'

/** The folder every test shares, and what lies next to it. */
const FILES: Record<string, string> = {
  'albums/wed/a.jpg': 'jpeg bytes',
  'albums/wed/with space.txt': 'a name with a space',
  'albums/wed/ünïcødé/ファイル.txt': 'non-ASCII names',
  'albums/wed/nested/deeper/x.bin': 'nested two levels',
  'albums/wed/100%.txt': 'a percent sign',
}
const OUTSIDE: Record<string, string> = {
  'albums/wedx/secret.txt': 'next door',
  'albums/wed': 'the prefix without its slash',
  'albums/secret.txt': 'one level up',
  'albums/wed/': '',
  // Under the prefix, but no link could name them and no zip may hold them.
  'albums/wed/x/../../../escape.txt': 'climbs out',
  'albums/wed/back\\slash.txt': 'a backslash',
  'albums/wed/control\u0001.txt': 'a control character',
}

type Listing = {
  prefix: string
  files: { name: string; size: number; lastModified: string; url: string }[]
  nextCursor: string | null
}

async function listing(share: { id: string }, init: RequestInit & { ip?: string } = {}) {
  const response = await use(share, { ...init, headers: { Accept: 'application/json' } })
  expect(response.status, await response.clone().text()).toBe(200)
  // A page of the folder is one store listing call, whatever the bucket holds.
  expect(response.headers.get('Server-Timing')).toContain('store;desc="1"')
  return (await response.json()) as Listing
}

/** A file's bytes through the link: proxied, or by following the redirect to the gateway. */
async function fetchFile(url: string, init: { ip?: string; headers?: HeadersInit } = {}) {
  const first = await call(pathOf(url), init)
  if (first.status !== 302) return first
  return call(pathOf(first.headers.get('Location') ?? ''), init)
}

describe('folder shares', () => {
  let token: string
  beforeAll(async () => {
    for (const [key, body] of Object.entries({ ...FILES, ...OUTSIDE })) {
      await env.BUCKET_LOCAL.put(key, body)
    }
    token = (await createKey()).key
  })

  it('are made with prefix instead of key, never pinned, within the caller scope', async () => {
    const share = await createShare(token, { key: undefined, prefix: 'albums/wed/' })
    expect(share).toMatchObject({ key: null, prefix: 'albums/wed/', pin: false, etag: null })
    expect((await readShare(token, share)).prefix).toBe('albums/wed/')
    for (const body of [
      { key: 'albums/wed/a.jpg', prefix: 'albums/wed/' },
      {},
      { prefix: 'albums/wed' },
      { prefix: 'albums/wed/', pin: true },
      { prefix: 'albums/wed/', filename: 'x.zip' },
      { prefix: '../etc/' },
      { prefix: '/albums/' },
    ]) {
      const answer = await call('/v1/shares', { token, json: { bucket: 'local', ...body } })
      await expectError(answer, 400, 'invalid_request')
    }
    const alice = await createKey({
      buckets: ['local'],
      operations: ['share'],
      prefixes: ['users/alice/'],
    })
    const wide = await call('/v1/shares', {
      token: alice.key,
      json: { bucket: 'local', prefix: 'users/' },
    })
    await expectError(wide, 403, 'forbidden')
    const own = await call('/v1/shares', {
      token: alice.key,
      json: { bucket: 'local', prefix: 'users/alice/' },
    })
    expect(own.status).toBe(201)
  })

  it.each(['redirect', 'proxy'] as const)(
    'list exactly the files under the prefix and serve each one (%s)',
    async (mode) => {
      const share = await createShare(token, { key: undefined, prefix: 'albums/wed/', mode })
      const listed = await listing(share)
      expect(JSON.stringify(listed)).not.toMatch(/escape|slash|control/)
      expect(listed.prefix).toBe('albums/wed/')
      expect(listed.nextCursor).toBeNull()
      const expected = Object.keys(FILES)
        .map((key) => key.slice('albums/wed/'.length))
        .sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : 1))
      expect(listed.files.map((file) => file.name)).toEqual(expected)
      for (const file of listed.files) {
        expect(file.url.startsWith(`${share.url}/`)).toBe(true)
        expect(file.size).toBe(new TextEncoder().encode(FILES[`albums/wed/${file.name}`]).length)
        const served = await fetchFile(file.url)
        expect(served.status, file.name).toBe(200)
        expect(await served.text()).toBe(FILES[`albums/wed/${file.name}`])
      }
      // A range, as from a file share.
      const ranged = await fetchFile(`${share.url}/a.jpg`, { headers: { Range: 'bytes=0-3' } })
      expect(ranged.status).toBe(206)
      expect(await ranged.text()).toBe('jpeg')
      // What is not there is 404, like a file share's missing object.
      await expectError(await call(`/s/${share.id}/missing.txt`), 404, 'not_found')
      // A one-object share has no files under it.
      const single = await createShare(token, { key: 'albums/wed/a.jpg' })
      await expectError(await call(`/s/${single.id}/a.jpg`), 404, 'not_found')
    },
  )

  it('refuse every spelling of a way out of the folder, asking neither the share nor the store', async () => {
    const share = await createShare(token, { key: undefined, prefix: 'albums/wed/', mode: 'proxy' })
    const spellings = [
      '..%2Fwedx%2Fsecret.txt',
      '%2e%2e/wedx/secret.txt',
      '%2E%2E%2Fsecret.txt',
      '.%2e/secret.txt',
      '%2e./secret.txt',
      'nested/%2e%2e/%2e%2e/secret.txt',
      'nested%2f..%2f..%2fsecret.txt',
      '%252e%252e/secret.txt',
      '..%5csecret.txt',
      '%5c..%5csecret.txt',
      'nested\\..\\..\\secret.txt',
      '%2Fetc%2Fpasswd',
      '/albums/secret.txt',
      '//albums/secret.txt',
      'a.jpg%00.txt',
      'a%0a.jpg',
      'a%7f.jpg',
      'nested//deeper/x.bin',
      'a.jpg%2F',
      '%C0%AE%C0%AE/secret.txt',
      'nested/deeper/',
      '%E0%A4%A',
    ]
    expect(spellings.length).toBeGreaterThanOrEqual(20)
    for (const spelling of spellings) {
      const response = await call(`/s/${share.id}/${spelling}`, {
        headers: { Accept: 'application/json' },
      })
      expect(response.status, spelling).toBe(404)
      await expectError(response, 404, 'not_found')
      const timing = response.headers.get('Server-Timing') ?? ''
      expect(timing, spelling).toContain('store;desc="0"')
      expect(timing, spelling).toContain('do;desc="0"')
    }
    // The URL parser resolves plain dot segments before Signet sees the path: they land on
    // other links or on the folder itself, never outside it.
    for (const spelling of [
      '../wedx/secret.txt',
      'nested/../../secret.txt',
      './a.jpg',
      'nested/%2e/deeper/x.bin',
    ]) {
      const response = await call(`/s/${share.id}/${spelling}`)
      const text = await response.text()
      expect(text).not.toContain('next door')
      expect(text).not.toContain('one level up')
    }
  })

  it('count each file download and each zip once, and record which in the audit', async () => {
    const share = await createShare(token, {
      key: undefined,
      prefix: 'albums/wed/',
      mode: 'proxy',
      maxDownloads: 3,
    })
    // The page and the listing count nothing.
    expect((await use(share, { headers: { Accept: 'text/html' } })).status).toBe(200)
    await listing(share)
    expect(await (await call(`/s/${share.id}/a.jpg`)).text()).toBe(FILES['albums/wed/a.jpg'])
    const zip = await call(`/s/${share.id}?download=zip`)
    expect(zip.status).toBe(200)
    const bytes = new Uint8Array(await zip.arrayBuffer())
    expect(bytes.length).toBe(Number(zip.headers.get('Content-Length')))
    expect(zip.headers.get('Content-Type')).toBe('application/zip')
    expect(zip.headers.get('Content-Disposition')).toContain('wed.zip')
    expect(String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0)).toBe('PK')
    // Stored, not recompressed: every file's bytes are in it as they are, and nothing else.
    const text = new TextDecoder().decode(bytes)
    for (const body of Object.values(FILES)) expect(text).toContain(body)
    for (const body of ['climbs out', 'a backslash', 'a control character', 'next door']) {
      expect(text).not.toContain(body)
    }
    const third = await call(`/s/${share.id}/with%20space.txt`)
    expect(await third.text()).toBe(FILES['albums/wed/with space.txt'])
    await expectError(await call(`/s/${share.id}/a.jpg`), 410, 'share_exhausted')
    await expectError(await call(`/s/${share.id}?download=zip`), 410, 'share_exhausted')
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await readShare(token, share)).downloads).toBe(3)
    const { uses } = await usesOf(token, share)
    const served = uses.filter((row) => row.outcome === 'downloaded')
    expect(served.map((row) => ('zip' in row ? 'zip' : (row as { path?: string }).path))).toEqual([
      'a.jpg',
      'zip',
      'with space.txt',
    ])
    expect(uses.filter((row) => row.outcome === 'viewed')).toHaveLength(2)
  })

  it('honour revocation, expiry, CIDRs and passwords for the listing, files and zip', async () => {
    const revoked = await createShare(token, { key: undefined, prefix: 'albums/wed/' })
    expect((await call(`/v1/shares/${revoked.id}`, { token, method: 'DELETE' })).status).toBe(204)
    for (const path of ['', '/a.jpg', '?download=zip']) {
      await expectError(await call(`/s/${revoked.id}${path}`), 410, 'share_revoked')
    }
    const expired = await insertLegacyShare({
      key: 'albums/wed/',
      folder: true,
      expiresAt: Date.now() - 1000,
    })
    for (const path of ['', '/a.jpg', '?download=zip']) {
      await expectError(await call(`/s/${expired.id}${path}`), 410, 'share_expired')
    }
    const bound = await createShare(token, {
      key: undefined,
      prefix: 'albums/wed/',
      mode: 'proxy',
      allowIps: ['10.0.0.0/8'],
    })
    for (const path of ['', '/a.jpg', '?download=zip']) {
      await expectError(
        await call(`/s/${bound.id}${path}`, { ip: '192.0.2.7' }),
        403,
        'ip_not_allowed',
      )
    }
    expect((await call(`/s/${bound.id}/a.jpg`, { ip: '10.1.2.3' })).status).toBe(200)
    expect((await listing(bound, { ip: '10.1.2.3' })).files).toHaveLength(5)

    const locked = await createShare(token, {
      key: undefined,
      prefix: 'albums/wed/',
      mode: 'proxy',
      password: 'correct horse battery',
    })
    await expectError(await call(`/s/${locked.id}/a.jpg`), 401, 'share_password_required')
    const form = await call(`/s/${locked.id}`, { headers: { Accept: 'text/html' } })
    expect(form.status).toBe(401)
    expect(await form.text()).toContain('This folder is protected by a password.')
    const basic = { Authorization: `Basic ${btoa(':correct horse battery')}` }
    expect(await (await call(`/s/${locked.id}/a.jpg`, { headers: basic })).text()).toBe(
      FILES['albums/wed/a.jpg'],
    )
    const page = await call(`/s/${locked.id}`, { headers: { ...basic, Accept: 'text/html' } })
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Download all (.zip)')
    expect(html).toContain(`/s/${locked.id}/with%20space.txt`)
    expect(html).not.toContain('albums/')
  })

  it('refuse a zip past its limits (413) before counting or sending anything', async () => {
    const share = await createShare(token, {
      key: undefined,
      prefix: 'albums/wed/',
      maxDownloads: 5,
    })
    const config = getConfig(env)
    for (const zipLimits of [
      { files: 4, bytes: 1_000_000 },
      { files: 100, bytes: 20 },
    ]) {
      const attempt = useShare(
        programUse(share.id, '198.51.100.1', {
          zip: true,
          config: () => ({ ...config, zipLimits }),
        }),
      )
      const error = await attempt.then(
        () => undefined,
        (thrown: unknown) => thrown,
      )
      expect(error instanceof AppError && error.code).toBe('payload_too_large')
    }
    const fits = await useShare(
      programUse(share.id, '198.51.100.1', {
        zip: true,
        config: () => ({ ...config, zipLimits: { files: 5, bytes: 1_000 } }),
      }),
    )
    expect(fits.type).toBe('zip')
    if (fits.type !== 'zip') throw new Error(`a zip within its limits answered ${fits.type}`)
    expect((await new Response(fits.body).arrayBuffer()).byteLength).toBe(fits.length)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect((await readShare(token, share)).downloads).toBe(1)
  })
})
