// URLs presigned the way the AWS SDK v3 does it (its signer, X-Amz-Content-Sha256 hoisted into
// the query, x-id on the operation) work against the gateway, and fail when tampered.
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorker, type WorkerServer } from './worker-server'

describe('AWS SDK v3 presigned URLs against the gateway', () => {
  let server: WorkerServer
  beforeAll(async () => {
    server = await startWorker()
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  async function sdkUrl(
    method: string,
    key: string,
    operation: string,
    headers: Record<string, string> = {},
  ) {
    const origin = new URL(server.origin)
    const signer = new SignatureV4({
      credentials: server.credential,
      region: 'us-east-1',
      service: 's3',
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: false,
    })
    const signed = await signer.presign(
      {
        method,
        protocol: origin.protocol,
        hostname: origin.hostname,
        port: Number(origin.port),
        path: `/s3/local/${key.split('/').map(encodeURIComponent).join('/')}`,
        query: { 'x-id': operation },
        headers: { host: origin.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...headers },
      },
      { expiresIn: 300, unsignableHeaders: new Set(['content-type']) },
    )
    const query = Object.entries(signed.query as Record<string, string>)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&')
    return `${server.origin}${signed.path}?${query}`
  }

  it('puts and gets with SDK-style URLs, and refuses them tampered', async () => {
    const put = await sdkUrl('PUT', 'sdk/v3 object.txt', 'PutObject')
    expect(new URL(put).searchParams.get('X-Amz-Content-Sha256')).toBe('UNSIGNED-PAYLOAD')
    const uploaded = await fetch(put, { method: 'PUT', body: 'from an SDK-style URL' })
    expect(uploaded.status, await uploaded.clone().text()).toBe(200)
    const get = await sdkUrl('GET', 'sdk/v3 object.txt', 'GetObject')
    const got = await fetch(get)
    expect(got.status).toBe(200)
    expect(await got.text()).toBe('from an SDK-style URL')
    const tampered = await fetch(get.replace('x-id=GetObject', 'x-id=HeadObject'))
    expect(tampered.status).toBe(403)
  })
})
