// MinIO's JavaScript client (the `minio` package, which signs as `mc share` does) against the
// gateway at the root: its endpoint takes no path, so the gateway must answer /<bucket>/<key>.
import { Client } from 'minio'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SignetServer, startSignet } from './miniflare-server'

let server: SignetServer
let client: Client

beforeAll(async () => {
  server = await startSignet()
  const origin = new URL(server.origin)
  const options = {
    endPoint: origin.hostname,
    port: Number(origin.port),
    useSSL: false,
    pathStyle: true,
    region: 'us-east-1',
  }
  client = new Client({
    ...options,
    accessKey: server.credential.accessKeyId,
    secretKey: server.credential.secretAccessKey,
  })
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

describe('the minio client against the gateway at the root', () => {
  it('presigns a PUT and a GET that work, for any key', async () => {
    for (const key of ['minio/plain.txt', 'minio/a dir/ü+%&=.txt']) {
      const put = await client.presignedPutObject('local', key, 300)
      expect(new URL(put).pathname.startsWith('/local/')).toBe(true)
      const stored = await fetch(put, { method: 'PUT', body: `bytes of ${key}` })
      expect(stored.status, await stored.clone().text()).toBe(200)
      const get = await client.presignedGetObject('local', key, 300)
      const got = await fetch(get)
      expect(got.status).toBe(200)
      expect(await got.text()).toBe(`bytes of ${key}`)
    }
  })

  it('presigns a POST policy whose form upload the gateway stores, and refuses one too large', async () => {
    const policy = client.newPostPolicy()
    policy.setBucket('local')
    policy.setKey('minio/form.txt')
    policy.setExpires(new Date(Date.now() + 300_000))
    policy.setContentLengthRange(1, 64)
    const { postURL, formData } = await client.presignedPostPolicy(policy)
    const form = (body: string) => {
      const data = new FormData()
      for (const [name, value] of Object.entries(formData)) data.append(name, value as string)
      data.append('file', new File([body], 'form.txt'))
      return data
    }
    const stored = await fetch(postURL, { method: 'POST', body: form('posted by minio') })
    expect(stored.status, await stored.clone().text()).toBeLessThan(300)
    const get = await fetch(await client.presignedGetObject('local', 'minio/form.txt', 60))
    expect(await get.text()).toBe('posted by minio')
    const tooLarge = await fetch(postURL, { method: 'POST', body: form('x'.repeat(65)) })
    expect(tooLarge.status).toBe(400)
    expect(await tooLarge.text()).toContain('<Code>EntityTooLarge</Code>')
  })

  it('gets 403 for a URL signed with the wrong secret', async () => {
    const origin = new URL(server.origin)
    const wrong = new Client({
      endPoint: origin.hostname,
      port: Number(origin.port),
      useSSL: false,
      pathStyle: true,
      region: 'us-east-1',
      accessKey: server.credential.accessKeyId,
      secretKey: 'not-the-secret-0123456789',
    })
    const refused = await fetch(await wrong.presignedGetObject('local', 'minio/plain.txt', 60))
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
  })
})
