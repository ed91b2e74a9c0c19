// s3cmd, as the presigned-URL guides use it: `s3cmd signurl` makes SigV2 URLs for a path-style
// endpoint without a path. They must work on the gateway at the root and under /s3, and be
// refused tampered, expired or expiring more than 7 days ahead, in S3's XML.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'
import { callApi, createApiKey } from './worker-server'

const haveS3cmd = spawnSync('s3cmd', ['--version']).status === 0
if (!haveS3cmd) {
  if (process.env.CI) throw new Error('s3cmd must be installed in CI (.ci/run installs it)')
  console.warn('SKIPPED s3cmd: install Debian s3cmd (apt-get install s3cmd) to run it.')
}

let server: SignetServer
let dir: string

function signurl(key: string, expiry: string): string {
  const run = spawnSync(
    's3cmd',
    ['-c', join(dir, 's3cfg'), 'signurl', `s3://local/${key}`, expiry],
    {
      encoding: 'utf8',
    },
  )
  expect(run.status, run.stderr).toBe(0)
  return run.stdout.trim()
}

async function expectS3Error(url: string, status: number, code: string): Promise<string> {
  const response = await fetch(url)
  expect(response.status).toBe(status)
  expect(response.headers.get('Content-Type')).toBe('application/xml')
  const text = await response.text()
  expect(text).toContain(`<Code>${code}</Code>`)
  return text
}

describe.skipIf(!haveS3cmd)('s3cmd signurl against the gateway', () => {
  beforeAll(async () => {
    server = await startSignet()
    dir = mkdtempSync(join(tmpdir(), 'signet-s3cmd-'))
    const host = new URL(server.origin).host
    writeFileSync(
      join(dir, 's3cfg'),
      [
        '[default]',
        `access_key = ${server.credential.accessKeyId}`,
        `secret_key = ${server.credential.secretAccessKey}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'use_https = False',
        'signature_v2 = True',
        '',
      ].join('\n'),
    )
    const key = await createApiKey(server, 's3cmd', { buckets: ['local'], operations: ['put'] })
    for (const objectKey of ['guide/image.jpg', 'guide/a dir/ü+%.txt']) {
      const put = await callApi<{ url: string }>(server, key, 'POST', '/v1/presign', {
        bucket: 'local',
        key: objectKey,
        method: 'PUT',
      })
      expect(
        (await fetch(put.body.url, { method: 'PUT', body: `bytes of ${objectKey}` })).status,
      ).toBe(200)
    }
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('works at the root and under /s3, for any key', async () => {
    for (const objectKey of ['guide/image.jpg', 'guide/a dir/ü+%.txt']) {
      const url = signurl(objectKey, '+3600')
      expect(url).toMatch(/[?&]AWSAccessKeyId=[^&]+&Expires=\d+&Signature=/)
      const root = await fetch(url)
      expect(root.status, url).toBe(200)
      expect(await root.text()).toBe(`bytes of ${objectKey}`)
      const prefixed = new URL(url)
      prefixed.pathname = `/s3${prefixed.pathname}`
      const under = await fetch(prefixed)
      expect(under.status).toBe(200)
      await under.body?.cancel()
    }
  })

  it('refuses a tampered URL, an expired one and one that expires more than 7 days ahead', async () => {
    const url = new URL(signurl('guide/image.jpg', '+3600'))
    const otherKey = new URL(url)
    otherKey.pathname = '/local/guide/a%20dir/x.txt'
    await expectS3Error(otherKey.toString(), 403, 'SignatureDoesNotMatch')
    const later = new URL(url)
    later.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 60))
    await expectS3Error(later.toString(), 403, 'SignatureDoesNotMatch')

    const past = String(Math.floor(Date.now() / 1000) - 60)
    const expired = await expectS3Error(signurl('guide/image.jpg', past), 403, 'AccessDenied')
    expect(expired).toContain('expired')

    const tooFar = await expectS3Error(signurl('guide/image.jpg', '+864000'), 403, 'AccessDenied')
    expect(tooFar).toContain('7 days')
    expect(tooFar).not.toContain(url.searchParams.get('Signature') as string)
  })
})
