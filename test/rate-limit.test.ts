import { describe, expect, it } from 'vitest'
import { call, createKey, expectError, FULL_SCOPE } from './helpers'

describe('rate limits', () => {
  it('answers 429 with Retry-After past the key rate, leaving other keys alone', {
    timeout: 30_000,
  }, async () => {
    // The local limiter counts in wall-clock minutes: start well inside one.
    const intoMinute = Date.now() % 60_000
    if (intoMinute > 50_000)
      await new Promise((resolve) => setTimeout(resolve, 60_100 - intoMinute))
    const { key: limited } = await createKey({ ...FULL_SCOPE, rateLimitPerMinute: 10 })
    const { key: other } = await createKey({ ...FULL_SCOPE, rateLimitPerMinute: 10 })
    const statuses: number[] = []
    for (let i = 0; i < 10; i++) {
      statuses.push(
        (await call('/v1/presign', { token: limited, json: { bucket: 'local', key: `r/${i}` } }))
          .status,
      )
    }
    expect(statuses).toEqual(Array(10).fill(200))
    const over = await call('/v1/presign', {
      token: limited,
      json: { bucket: 'local', key: 'r/over' },
    })
    const error = await expectError(over, 429, 'rate_limited')
    expect(over.headers.get('Retry-After')).toBe('60')
    expect(error.message).toContain('10 requests a minute')
    expect(
      (await call('/v1/presign', { token: other, json: { bucket: 'local', key: 'r/x' } })).status,
    ).toBe(200)
    const { key: unlimited } = await createKey()
    for (let i = 0; i < 15; i++) {
      expect(
        (await call('/v1/presign', { token: unlimited, json: { bucket: 'local', key: `u/${i}` } }))
          .status,
      ).toBe(200)
    }
  })

  it('accepts only the configured tiers', async () => {
    const response = await call('/v1/keys', {
      token: 'test-admin-token-0123456789',
      json: { name: 'x', scope: { ...FULL_SCOPE, rateLimitPerMinute: 42 } },
    })
    const error = await expectError(response, 400, 'invalid_request')
    expect(error.issues?.[0]?.message).toContain('10, 60, 300, 1000, 3000, 10000')
  })
})
