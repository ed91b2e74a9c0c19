// Share links on a remote bucket, against a real S3 implementation (Ceph RGW): the redirect
// target is accepted and dies with its seconds, and the s3BucketPolicy Signet hands out is
// enforced by the store itself.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aws, createBucket, haveS3, S3 } from './helpers'
import { createApiKey, startWorker, type WorkerServer } from './worker-server'

const BUCKET = 'signet-shares'

describe.skipIf(!haveS3('rgw-shares'))('share links on a remote bucket (Ceph RGW)', () => {
  let server: WorkerServer
  let key: string

  const scratch = mkdtempSync(join(tmpdir(), 'signet-rgw-'))

  /** Puts an object into the RGW bucket with the AWS CLI, as its owner would. */
  function putObject(objectKey: string, body: string) {
    writeFileSync(join(scratch, 'body'), body)
    const put = aws([
      's3api',
      'put-object',
      '--bucket',
      BUCKET,
      '--key',
      objectKey,
      '--body',
      join(scratch, 'body'),
      '--content-type',
      'text/plain',
    ])
    expect(put.status, put.stderr).toBe(0)
  }

  beforeAll(async () => {
    createBucket(BUCKET)
    putObject('docs/report.txt', 'report bytes')
    server = await startWorker({
      buckets: { rgw: { endpoint: S3.endpoint, region: 'us-east-1', bucket: BUCKET } },
      credentials: { rgw: { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey } },
      // A location trusts a cached object's version this long: a change behind Signet's back
      // is seen within it.
      vars: { SIGNET_OBJECT_CACHE_SECONDS: '1' },
    })
    key = await createApiKey(server, 'rgw', { buckets: ['rgw'], operations: ['get', 'share'] })
  }, 120_000)
  afterAll(async () => {
    aws(['s3api', 'delete-bucket-policy', '--bucket', BUCKET])
    await server?.stop()
  })

  async function api(path: string, body: unknown) {
    const response = await fetch(`${server.origin}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(response.status, await response.clone().text()).toBeLessThan(300)
    return response.json() as Promise<Record<string, unknown>>
  }

  it('redirects to a URL RGW accepts, which stops working after its seconds', async () => {
    const share = (await api('/v1/shares', {
      bucket: 'rgw',
      key: 'docs/report.txt',
      expiresIn: 4,
    })) as { url: string }
    const redirect = await fetch(share.url, { redirect: 'manual' })
    expect(redirect.status).toBe(302)
    const location = redirect.headers.get('Location') as string
    expect(location.startsWith(`${S3.endpoint}/${BUCKET}/docs/report.txt?`)).toBe(true)
    const expires = Number(new URL(location).searchParams.get('X-Amz-Expires'))
    expect(expires).toBeGreaterThanOrEqual(1)
    expect(expires).toBeLessThanOrEqual(4)
    const got = await fetch(location)
    expect(got.status).toBe(200)
    expect(await got.text()).toBe('report bytes')
    await new Promise((resolve) => setTimeout(resolve, (expires + 1.5) * 1000))
    const late = await fetch(location)
    expect(late.status).toBe(403)
    expect(await late.text()).toContain('AccessDenied')
    const after = await fetch(share.url, { redirect: 'manual' })
    expect(after.status).toBe(410)
  }, 30_000)

  it('serves a pinned link only while the object is the version shared, in both modes', async () => {
    putObject('docs/pinned.txt', "alice's contract")
    const proxy = (await api('/v1/shares', {
      bucket: 'rgw',
      key: 'docs/pinned.txt',
      mode: 'proxy',
    })) as { url: string; etag: string }
    const redirect = (await api('/v1/shares', { bucket: 'rgw', key: 'docs/pinned.txt' })) as {
      url: string
    }
    expect(proxy.etag).toMatch(/^"[0-9a-f]{32}"$/)
    expect(await (await fetch(proxy.url)).text()).toBe("alice's contract")
    putObject('docs/pinned.txt', "bob's medical results")
    // Within SIGNET_OBJECT_CACHE_SECONDS the cache may still serve the pinned bytes, never the new.
    const meanwhile = await fetch(proxy.url)
    if (meanwhile.status === 200) expect(await meanwhile.text()).toBe("alice's contract")
    else expect(meanwhile.status).toBe(410)
    await new Promise((resolve) => setTimeout(resolve, 1200))
    const changed = await fetch(proxy.url)
    expect(changed.status).toBe(410)
    expect(await changed.text()).toContain('share_changed')
    // The redirect share was not used before the change: its first HEAD sees the new version.
    const refused = await fetch(redirect.url, { redirect: 'manual' })
    expect(refused.status).toBe(410)
  })

  it('streams a remote object in proxy mode, with Range and HEAD', async () => {
    const share = (await api('/v1/shares', {
      bucket: 'rgw',
      key: 'docs/report.txt',
      mode: 'proxy',
      filename: 'r.txt',
    })) as { url: string }
    const whole = await fetch(share.url)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-disposition')).toBe('attachment; filename="r.txt"')
    expect(await whole.text()).toBe('report bytes')
    const part = await fetch(share.url, { headers: { Range: 'bytes=7-11' } })
    expect(part.status).toBe(206)
    expect(await part.text()).toBe('bytes')
    const head = await fetch(share.url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('etag')).toMatch(/^"/)
    expect(
      (await fetch(share.url, { headers: { 'If-None-Match': head.headers.get('etag') as string } }))
        .status,
    ).toBe(304)
  })

  it('hands out a bucket policy that RGW enforces: loopback denied outside allowIps, allowed inside', async () => {
    const outside = (await api('/v1/shares', {
      bucket: 'rgw',
      key: 'docs/report.txt',
      allowIps: ['10.0.0.0/8'],
    })) as {
      policyHints: { s3BucketPolicy: unknown; enforcedBy: string }
    }
    expect(outside.policyHints.enforcedBy).toBe('signet')
    const presigned = (await api('/v1/presign', {
      bucket: 'rgw',
      key: 'docs/report.txt',
      expiresIn: 300,
    })) as { url: string }
    expect((await fetch(presigned.url)).status).toBe(200)

    const applied = aws([
      's3api',
      'put-bucket-policy',
      '--bucket',
      BUCKET,
      '--policy',
      JSON.stringify(outside.policyHints.s3BucketPolicy),
    ])
    expect(applied.status, applied.stderr).toBe(0)
    const denied = await fetch(presigned.url)
    expect(denied.status).toBe(403)
    expect(await denied.text()).toContain('AccessDenied')

    // Not pinned: the policy above denies Signet's own address too, so it cannot read the
    // object's version (a pinned share is refused, which the next request shows).
    const refused = await fetch(`${server.origin}/v1/shares`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ bucket: 'rgw', key: 'docs/report.txt', allowIps: ['10.0.0.0/8'] }),
    })
    expect(refused.status).toBe(400)
    const inside = (await api('/v1/shares', {
      bucket: 'rgw',
      key: 'docs/report.txt',
      pin: false,
      allowIps: ['127.0.0.0/8', '10.0.0.0/8'],
    })) as {
      policyHints: { s3BucketPolicy: unknown }
    }
    const reapplied = aws([
      's3api',
      'put-bucket-policy',
      '--bucket',
      BUCKET,
      '--policy',
      JSON.stringify(inside.policyHints.s3BucketPolicy),
    ])
    expect(reapplied.status, reapplied.stderr).toBe(0)
    const allowed = await fetch(presigned.url)
    expect(allowed.status).toBe(200)
    expect(await allowed.text()).toBe('report bytes')
  }, 30_000)

  it('shares a folder of the remote bucket: lists it, serves each file and streams its zip', async () => {
    const folder: Record<string, string> = {
      'album/a b.txt': 'a name with a space',
      'album/ünï/ファイル.txt': 'non-ASCII',
      'album/nested/deep/x.txt': 'two levels down',
    }
    for (const [objectKey, body] of Object.entries(folder)) putObject(objectKey, body)
    putObject('albumx/secret.txt', 'next door')
    const share = (await api('/v1/shares', { bucket: 'rgw', prefix: 'album/' })) as {
      id: string
      url: string
    }
    const listing = (await (
      await fetch(share.url, { headers: { accept: 'application/json' } })
    ).json()) as { files: { name: string; url: string }[]; nextCursor: string | null }
    expect(listing.files.map((file) => file.name)).toEqual([
      'a b.txt',
      'nested/deep/x.txt',
      'ünï/ファイル.txt',
    ])
    expect(listing.nextCursor).toBeNull()
    for (const file of listing.files) {
      const redirect = await fetch(file.url, { redirect: 'manual' })
      expect(redirect.status).toBe(302)
      expect(redirect.headers.get('Location')?.startsWith(`${S3.endpoint}/${BUCKET}/album/`)).toBe(
        true,
      )
      expect(await (await fetch(file.url)).text()).toBe(folder[`album/${file.name}`])
    }
    const outside = await fetch(`${share.url}/..%2Falbumx%2Fsecret.txt`)
    expect(outside.status).toBe(404)
    const zip = await fetch(`${share.url}?download=zip`)
    expect(zip.status).toBe(200)
    const path = join(scratch, 'album.zip')
    writeFileSync(path, Buffer.from(await zip.arrayBuffer()))
    const tested = spawnSync('unzip', ['-t', path], { encoding: 'utf8' })
    expect(tested.stdout).toContain('No errors detected')
    const printed = spawnSync('unzip', ['-p', path, 'ünï/ファイル.txt'], { encoding: 'utf8' })
    expect(printed.stdout).toBe('non-ASCII')
  }, 30_000)
})
