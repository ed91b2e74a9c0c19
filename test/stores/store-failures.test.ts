// A bucket's store failing is not Signet failing: its 5xx answers 502 store_unavailable with the
// store's status and nothing else of its answer. (The remote S3 bucket's failing/ prefix answers
// 503 ServiceUnavailable: test/fixtures/workers/issuer.js.)
import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, FULL_SCOPE } from '../helpers'
import { createShare, use } from '../share/helpers'

const SCOPE = { ...FULL_SCOPE, buckets: ['s3-remote'] }

describe("a store's own failure", () => {
  it('answers a proxied share use with 502 store_unavailable naming only its status', async () => {
    const { key } = await createKey(SCOPE)
    const share = await createShare(key, {
      bucket: 's3-remote',
      key: 'failing/report.pdf',
      mode: 'proxy',
      pin: false,
    })
    const error = await expectError(await use(share), 502, 'store_unavailable')
    expect(error.message).toBe("The bucket's store answered 503.")
    expect(JSON.stringify(error)).not.toMatch(/rgw-7|ServiceUnavailable/)
  })

  it('answers starting a multipart upload with 502 store_unavailable', async () => {
    const { key } = await createKey(SCOPE)
    const error = await expectError(
      await call('/v1/multipart', {
        token: key,
        json: { bucket: 's3-remote', key: 'failing/big.bin', parts: 2 },
      }),
      502,
      'store_unavailable',
    )
    expect(error.message).toBe("The bucket's store answered 503.")
  })
})
