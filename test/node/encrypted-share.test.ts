// End-to-end encrypted shares with the built CLI against the bundled Worker (Miniflare): share
// --encrypt uploads only ciphertext (http_ece decrypts what it stored), under a name that says
// nothing; the share and its page name neither the file nor its size; cp '<link>#<key>' decrypts
// byte-identical (counted as any download, capped as any share); a flipped byte is refused and
// nothing is kept; bad encrypted requests are 400.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ece from 'http_ece'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'
import { createApiKey } from './worker-server'

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js')

describe('end-to-end encrypted shares', () => {
  let server: SignetServer
  let key: string
  let work: string

  function signet(args: string[]) {
    return spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      cwd: work,
      env: {
        ...process.env,
        SIGNET_URL: server.origin,
        SIGNET_TOKEN: key,
        SIGNET_PROFILE: '',
        XDG_CONFIG_HOME: join(work, 'config'),
      },
    })
  }

  async function api(path: string, body?: unknown) {
    return fetch(`${server.origin}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  }

  /** An object the test put there: it must be there. */
  async function objectAt(key: string) {
    const object = await (await server.mf.getR2Bucket('BUCKET_LOCAL')).get(key)
    if (!object) throw new Error(`${key} is not in the bucket`)
    return object
  }

  beforeAll(async () => {
    server = await startSignet()
    work = mkdtempSync(join(tmpdir(), 'signet-e2e-share-'))
    key = await createApiKey(server, 'e2e', {
      buckets: ['local'],
      operations: ['get', 'head', 'put', 'list', 'share', 'multipart'],
    })
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('uploads only ciphertext, names nothing, and decrypts byte-identical with the link’s key', async () => {
    const plain = randomBytes(200 * 1024 + 1)
    writeFileSync(join(work, 'Quarterly secrets.pdf'), plain)
    const made = signet([
      'share',
      '--encrypt',
      './Quarterly secrets.pdf',
      '--to',
      's3://local/sealed/',
      '--max-downloads',
      '2',
    ])
    expect(made.status, made.stderr).toBe(0)
    const link = made.stdout.trim()
    const [url, fragment] = link.split('#') as [string, string]
    expect(fragment).toMatch(/^[A-Za-z0-9_-]{22}$/)
    const id = url.split('/').pop() as string
    const share = (await (await api(`/v1/shares/${id}`)).json()) as Record<string, unknown>
    expect(share).toMatchObject({ encrypted: true, filename: null, page: true })
    expect(String(share.key)).toMatch(/^sealed\/[0-9a-f-]{36}\.ece$/)
    expect(JSON.stringify(share)).not.toContain('Quarterly')
    // What the bucket holds is ciphertext, which an independent implementation decrypts.
    const stored = Buffer.from(await (await objectAt(String(share.key))).arrayBuffer())
    expect(stored.includes(plain.subarray(0, 64))).toBe(false)
    expect(ece.decrypt(stored, { version: 'aes128gcm', key: fragment }).equals(plain)).toBe(true)
    // Its page names neither the file nor its size.
    const page = await (await fetch(url, { headers: { Accept: 'text/html' } })).text()
    expect(page).toContain('An encrypted file')
    expect(page).not.toContain('Quarterly')
    expect(page).not.toContain('200.0 KiB')

    const out = signet(['cp', link, './out.pdf'])
    expect(out.status, out.stderr).toBe(0)
    expect(readFileSync(join(work, 'out.pdf')).equals(plain)).toBe(true)
    mkdirSync(join(work, 'into'))
    const named = signet(['cp', link, './into/'])
    expect(named.status, named.stderr).toBe(0)
    expect(readFileSync(join(work, 'into', 'Quarterly secrets.pdf')).equals(plain)).toBe(true)
    // Counted and capped as any share: two downloads, then gone (exit 4).
    expect(
      ((await (await api(`/v1/shares/${id}`)).json()) as { downloads: number }).downloads,
    ).toBe(2)
    expect(signet(['cp', link, './third.pdf']).status).toBe(4)
  })

  it('refuses a flipped byte and keeps nothing', async () => {
    writeFileSync(join(work, 'notes.txt'), randomBytes(150_000))
    const link = signet([
      'share',
      '--encrypt',
      './notes.txt',
      '--to',
      's3://local/flip/',
    ]).stdout.trim()
    const id = link.split('#')[0]?.split('/').pop() as string
    const share = (await (await api(`/v1/shares/${id}`)).json()) as {
      key: string
      encryptedMeta: string
    }
    const bucket = await server.mf.getR2Bucket('BUCKET_LOCAL')
    const body = new Uint8Array(await (await objectAt(share.key)).arrayBuffer())
    body[100_000] = (body[100_000] as number) ^ 1
    await bucket.put(share.key, body)
    // The link pinned the object it was made for: a changed one is refused before any byte.
    expect(signet(['cp', link, './changed.txt']).status).toBe(4)
    // An unpinned link to it hands out the changed bytes: decryption refuses them.
    const unpinned = await api('/v1/shares', {
      bucket: 'local',
      key: share.key,
      pin: false,
      encrypted: true,
      encryptedMeta: share.encryptedMeta,
    })
    const loose = (await unpinned.json()) as { url: string }
    const damaged = signet(['cp', `${loose.url}#${link.split('#')[1]}`, './damaged.txt'])
    expect(damaged.status).toBe(1)
    expect(damaged.stderr).toContain('damaged')
    expect(existsSync(join(work, 'damaged.txt'))).toBe(false)
    expect(readdirSync(work).some((name) => name.includes('signet-partial'))).toBe(false)
    // A key cut short is a usage error of its own.
    expect(signet(['cp', link.slice(0, -3), './x.txt']).status).toBe(1)
  })

  it('refuses encrypted requests that would name the file or hold no encrypted body', async () => {
    writeFileSync(join(work, 'x.bin'), 'x')
    await fetch(`${server.origin}/v1/presign`, { method: 'POST' })
    const bad = [
      { key: 'sealed/x', encryptedMeta: 'AAAA' },
      { key: 'sealed/x', encrypted: true, encryptedMeta: 'not base64url!' },
      { key: 'sealed/x', encrypted: true, encryptedMeta: 'AAAA' },
      { prefix: 'sealed/', encrypted: true },
      { key: 'sealed/x', encrypted: true, filename: 'secret.pdf' },
    ]
    for (const body of bad) {
      const answer = await api('/v1/shares', { bucket: 'local', pin: false, ...body })
      expect(answer.status, JSON.stringify(body)).toBe(400)
    }
  })
})
