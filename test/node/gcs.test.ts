// Google Cloud Storage V4 signing (GOOG4-RSA-SHA256) with a service-account key, proven against
// Google's own signer: `@google-cloud/storage`'s getSignedUrl, offline, with a key made here and
// its accessibleAt set to Signet's signing time. Same host, path, query and signature.
import { Storage } from '@google-cloud/storage'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../src/config'
import type { Caller } from '../../src/env'
import { AppError } from '../../src/errors'
import { inspectUrl } from '../../src/s3/inspect'
import type { PresignRequest } from '../../src/schemas'
import { presign } from '../../src/services/presign'
import { newServiceAccount } from './service-account'

const account = newServiceAccount()
const privateKey = account.private_key
const BUCKET = 'signet-gcs-test'
const config = parseConfig({
  SIGNET_ADMIN_TOKEN: 'node-tests-admin-token',
  SIGNET_BUCKETS: JSON.stringify({
    gcs: { endpoint: 'https://storage.googleapis.com', bucket: BUCKET },
    gcsv: { endpoint: 'https://storage.googleapis.com', bucket: BUCKET, style: 'virtual' },
  }),
  SIGNET_CREDENTIALS: JSON.stringify({ gcs: account, gcsv: account }),
})
const caller: Caller = {
  kind: 'key',
  id: 'key_gcs',
  name: 'gcs',
  scope: { buckets: ['gcs', 'gcsv'], operations: ['get', 'head', 'put', 'delete', 'share'] },
}
const storage = new Storage({
  projectId: 'signet-test',
  credentials: { client_email: account.client_email, private_key: privateKey },
})

function parts(url: string) {
  const u = new URL(url)
  const pairs = u.search
    .slice(1)
    .split('&')
    .filter((pair) => !pair.startsWith('X-Goog-Signature='))
    .sort()
  return {
    host: u.host,
    path: u.pathname,
    pairs,
    signature: u.searchParams.get('X-Goog-Signature'),
  }
}

const keyChar = fc.constantFrom(..."abcXYZ019 -_.~!*'()+=&?#%@:,;é漢😀/")
const objectKey = fc
  .string({ unit: keyChar, minLength: 1, maxLength: 60 })
  .filter((key) => !key.startsWith('/') && !key.endsWith('/') && !key.includes('//'))
  .filter((key) => key.split('/').every((segment) => segment !== '.' && segment !== '..'))
const generated = fc.record({
  bucket: fc.constantFrom('gcs', 'gcsv'),
  key: objectKey,
  method: fc.constantFrom('GET', 'PUT', 'DELETE') as fc.Arbitrary<'GET' | 'PUT' | 'DELETE'>,
  expiresIn: fc.integer({ min: 1, max: 604800 }),
  contentType: fc.constantFrom(undefined, 'image/png', 'text/plain; charset=utf-8'),
  metadata: fc.option(
    fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
      fc.stringMatching(/^[\x20-\x7e]{0,20}$/),
      { maxKeys: 3 },
    ),
    { nil: undefined },
  ),
  filename: fc.option(fc.string({ unit: keyChar, minLength: 1, maxLength: 20 }), {
    nil: undefined,
  }),
  // Google's signer refuses an expiry in the past by the real clock: sign from now on.
  at: fc.date({
    min: new Date(Date.now() + 3600_000),
    max: new Date(Date.now() + 365 * 86400_000),
    noInvalidDate: true,
  }),
})

describe('GCS V4 signing with a service-account key', () => {
  it('equals @google-cloud/storage getSignedUrl for 300 generated requests', async () => {
    const cases = fc.sample(generated, { numRuns: 300, seed: 20261123 })
    let compared = 0
    for (const c of cases) {
      const now = new Date(Math.floor(c.at.getTime() / 1000) * 1000)
      const request: PresignRequest = {
        bucket: c.bucket,
        key: c.key,
        method: c.method,
        expiresIn: c.expiresIn,
      }
      if (c.method === 'PUT') {
        if (c.contentType) request.contentType = c.contentType
        if (c.metadata && Object.keys(c.metadata).length > 0) request.metadata = c.metadata
      }
      if (c.method === 'GET' && c.filename) request.filename = c.filename
      const ours = await presign(request, {
        caller,
        config,
        origin: new URL('https://signet.test'),
        now,
      })
      const extensionHeaders = Object.fromEntries(
        Object.entries(ours.headers).filter(([name]) =>
          name.toLowerCase().startsWith('x-goog-meta-'),
        ),
      )
      const disposition = new URL(ours.url).searchParams.get('response-content-disposition')
      const [theirs] = await storage
        .bucket(BUCKET)
        .file(c.key)
        .getSignedUrl({
          version: 'v4',
          action: c.method === 'GET' ? 'read' : c.method === 'PUT' ? 'write' : 'delete',
          accessibleAt: now,
          expires: now.getTime() + c.expiresIn * 1000,
          virtualHostedStyle: c.bucket === 'gcsv',
          ...(request.contentType ? { contentType: request.contentType } : {}),
          ...(Object.keys(extensionHeaders).length > 0 ? { extensionHeaders } : {}),
          ...(disposition ? { responseDisposition: disposition } : {}),
        })
      expect(parts(ours.url), `${c.method} ${c.key}`).toEqual(parts(theirs))
      compared++
    }
    expect(compared).toBe(300)
  })

  it('names the fields GCS cannot honour, and never shows the key', async () => {
    const now = new Date()
    for (const [field, extra] of [
      ['checksumSha256', { method: 'PUT', checksumSha256: `${'A'.repeat(43)}=` }],
      ['ifNoneMatch', { method: 'PUT', ifNoneMatch: '*' }],
      ['versionId', { versionId: '1' }],
    ] as const) {
      const refused = await presign({ bucket: 'gcs', key: 'a.txt', ...extra } as PresignRequest, {
        caller,
        config,
        origin: new URL('https://signet.test'),
        now,
      }).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(AppError)
      expect((refused as AppError).code).toBe('unsupported_by_target')
      expect((refused as AppError).message).toContain(field)
    }
    const answer = await presign(
      { bucket: 'gcs', key: 'a.txt' },
      { caller, config, origin: new URL('https://signet.test'), now },
    )
    expect(JSON.stringify(answer)).not.toContain('PRIVATE KEY')
    expect(answer.url).toMatch(
      /^https:\/\/storage\.googleapis\.com\/signet-gcs-test\/a\.txt\?X-Goog-Algorithm=GOOG4-RSA-SHA256&/,
    )
  })

  it('refuses a malformed key file naming the bucket, never the key', () => {
    const bad = {
      ...account,
      private_key: `-----BEGIN RSA PRIVATE KEY-----\n${'x'.repeat(200)}\n-----END RSA PRIVATE KEY-----`,
    }
    // The bucket is disabled alone, with a problem that names the field and never the key.
    const config = parseConfig({
      SIGNET_ADMIN_TOKEN: 'node-tests-admin-token',
      SIGNET_BUCKETS: JSON.stringify({ gcs: { endpoint: 'https://storage.googleapis.com' } }),
      SIGNET_CREDENTIALS: JSON.stringify({ gcs: bad }),
    })
    expect(config.stores.has('gcs')).toBe(false)
    expect(config.broken.get('gcs')?.message).toContain('gcs.private_key')
    expect(config.problems).toEqual([
      {
        variable: 'SIGNET_CREDENTIALS',
        bucket: 'gcs',
        message: expect.stringContaining('gcs.private_key'),
      },
    ])
    expect(JSON.stringify(config.problems)).not.toContain('xxxx')
  })

  it('explains a GOOG4 URL and checks its signature with the held service account', async () => {
    const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000)
    const [url] = await storage
      .bucket(BUCKET)
      .file('docs/report 1.pdf')
      .getSignedUrl({
        version: 'v4',
        action: 'read',
        accessibleAt: signedAt,
        expires: signedAt.getTime() + 900_000,
      })
    const held = { clientEmail: account.client_email, privateKey }
    const inspection = await inspectUrl(url, {
      now: new Date(signedAt.getTime() + 60_000),
      lookup: () => undefined,
      accounts: (email) => (email === account.client_email ? held : undefined),
    })
    expect(inspection).toMatchObject({
      algorithm: 'GOOG4-RSA-SHA256',
      host: 'storage.googleapis.com',
      bucket: BUCKET,
      key: 'docs/report 1.pdf',
      expiresIn: 900,
      expired: false,
      signatureValid: true,
      method: 'GET',
    })
    expect(inspection.credential?.service).toBe('storage')
    expect(JSON.stringify(inspection)).not.toContain(account.client_email)
    const tampered = await inspectUrl(url.replace('report', 'rep0rt'), {
      now: new Date(signedAt.getTime() + 60_000),
      lookup: () => undefined,
      accounts: () => held,
    })
    expect(tampered.signatureValid).toBe(false)
  })

  it('signs SigV4 through the XML API for a GCS bucket with HMAC keys', async () => {
    const hmac = parseConfig({
      SIGNET_ADMIN_TOKEN: 'node-tests-admin-token',
      SIGNET_BUCKETS: JSON.stringify({ gcs: { endpoint: 'https://storage.googleapis.com' } }),
      SIGNET_CREDENTIALS: JSON.stringify({
        gcs: {
          accessKeyId: 'GOOGTS7C7FUP3AIRVJTE2BCD',
          secretAccessKey: 'bGoa+V7g/yqDXvKRqq+JTFn4uQZbPiQJo4pf9RzJ',
        },
      }),
    })
    const answer = await presign(
      { bucket: 'gcs', key: 'a b.txt' },
      { caller, config: hmac, origin: new URL('https://signet.test'), now: new Date() },
    )
    const url = new URL(answer.url)
    expect(url.host).toBe('storage.googleapis.com')
    expect(url.pathname).toBe('/gcs/a%20b.txt')
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256')
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^GOOGTS7C7FUP3AIRVJTE2BCD\/\d{8}\/auto\/s3\/aws4_request$/,
    )
  })
})
