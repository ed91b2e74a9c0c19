// Webhook signatures checked by the independent verifier receivers use: the `standardwebhooks`
// package (the Standard Webhooks reference library for JavaScript).
import { Webhook } from 'standardwebhooks'
import { describe, expect, it } from 'vitest'
import { isWebhookSecret, newWebhookSecret, webhookHeaders } from '../../src/lib/webhook-signature'

describe('webhook signatures', () => {
  it('verify with the standardwebhooks library, and fail for any other body, id or time', async () => {
    const secret = newWebhookSecret()
    expect(isWebhookSecret(secret)).toBe(true)
    const body = JSON.stringify({
      type: 'object.created',
      timestamp: new Date().toISOString(),
      data: { bucket: 'local', key: 'reports/ünïcode q3.pdf', size: 1234 },
    })
    const now = Math.floor(Date.now() / 1000)
    const headers = await webhookHeaders(secret, 'evt_0123456789abcdef', now, body)
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/)
    const receiver = new Webhook(secret)
    expect(receiver.verify(body, headers)).toEqual(JSON.parse(body))
    expect(() => receiver.verify(`${body} `, headers)).toThrow()
    expect(() => receiver.verify(body, { ...headers, 'webhook-id': 'evt_other' })).toThrow()
    expect(() =>
      receiver.verify(body, { ...headers, 'webhook-timestamp': String(now - 1) }),
    ).toThrow()
    // Signed long ago: the library refuses replays older than its tolerance (5 minutes).
    const stale = await webhookHeaders(secret, 'evt_0123456789abcdef', now - 3600, body)
    expect(() => receiver.verify(body, stale)).toThrow()
    // Another secret does not verify it.
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow()
  })

  it('makes secrets of 24 random bytes, never twice the same', () => {
    const secrets = new Set(Array.from({ length: 100 }, () => newWebhookSecret()))
    expect(secrets.size).toBe(100)
    for (const secret of secrets) expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(isWebhookSecret('whsec_short')).toBe(false)
    expect(isWebhookSecret('sk_live_nothing')).toBe(false)
  })
})
