// The gateway bounds what it reads of a request before its signature is verified.
import { describe, expect, it } from 'vitest'
import { call, createKey, expectS3Error, pathOf, presignOk } from './helpers'

describe('what the gateway reads before it knows who sent a request', () => {
  it('refuses a query with more parameters than any presigned URL needs, before parsing it', async () => {
    const params = Array.from({ length: 5200 }, (_, i) => `X-Amz-P${i}=v`).join('&')
    const response = await call(`/s3/local/review/x.txt?${params}`)
    await expectS3Error(response, 400, 'InvalidArgument')
    expect(await call(`/s3/local/review/x.txt?${params}`).then((r) => r.text())).toContain(
      'query parameters',
    )
  })

  it('refuses a request with more headers than any presigned request needs', async () => {
    const { key } = await createKey()
    const { url } = await presignOk(key, { key: 'review/x.txt' })
    const headers: Record<string, string> = {}
    for (let i = 0; i < 200; i++) headers[`x-filler-${i}`] = 'v'
    const response = await call(pathOf(url), { headers })
    expect(response.status).toBe(400)
    expect(await response.text()).toContain('headers')
  })
})
