// Webhooks' API and rules in workerd: who may make one and where it may point, the secret shown
// once, owners apart; which events a webhook concerns (its scope); and POST /v1/uploads/confirm.
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { Principal } from '../src/env'
import { AppError } from '../src/errors'
import worker from '../src/index'
import { createWebhook } from '../src/services/webhooks'
import { concerns, fromR2Notification } from '../src/webhooks/deliver'
import { type EventMessage, emit, newEvent } from '../src/webhooks/events'
import type { WebhookRecord } from '../src/webhooks/registry'
import { ADMIN_TOKEN, call, createKey, expectError, FULL_SCOPE } from './helpers'

describe('/v1/webhooks', () => {
  it('makes a webhook with a secret shown once, lists it without, and keeps owners apart', async () => {
    const { key } = await createKey(FULL_SCOPE)
    const made = await call('/v1/webhooks', {
      token: key,
      json: { url: 'https://app.example.com/hooks', events: ['object.created'] },
    })
    expect(made.status).toBe(201)
    const hook = (await made.json()) as { id: string; secret: string; owner: string }
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(hook.owner).toMatch(/^key:/)
    const listed = await call('/v1/webhooks', { token: key })
    const text = await listed.text()
    expect(text).toContain(hook.id)
    expect(text).not.toContain(hook.secret)
    const { key: other } = await createKey(FULL_SCOPE)
    expect(await (await call('/v1/webhooks', { token: other })).json()).toEqual({ webhooks: [] })
    await expectError(
      await call(`/v1/webhooks/${hook.id}`, { token: other, method: 'DELETE' }),
      404,
      'not_found',
    )
    const all = await call('/v1/webhooks', { token: ADMIN_TOKEN })
    expect(await all.text()).toContain(hook.id)
    expect((await call(`/v1/webhooks/${hook.id}`, { token: key, method: 'DELETE' })).status).toBe(
      204,
    )
    await expectError(
      await call(`/v1/webhooks/${hook.id}/deliveries`, { token: key }),
      404,
      'not_found',
    )
  })

  it.each([
    ['http to a public host', 'http://app.example.com/hooks'],
    ['another scheme', 'ftp://app.example.com/hooks'],
    ['no URL at all', 'not a url'],
    ['credentials in the URL', 'https://user:hunter2secret@app.example.com/hooks'],
  ])('refuses %s', async (_name, url) => {
    const { key } = await createKey(FULL_SCOPE)
    const error = await expectError(
      await call('/v1/webhooks', { token: key, json: { url, events: ['object.created'] } }),
      400,
      'invalid_request',
    )
    expect(JSON.stringify(error)).not.toContain('hunter2secret')
  })

  it.each([
    ['the metadata address', 'https://169.254.169.254/latest/meta-data/'],
    ['a private address', 'https://10.0.0.1/hooks'],
    ['a 172.16/12 address', 'https://172.20.1.1/hooks'],
    ['a 192.168/16 address', 'https://192.168.1.10/hooks'],
    ['a CGNAT address', 'https://100.64.0.1/hooks'],
    ['the unspecified address', 'https://0.0.0.0/hooks'],
    ['a multicast address', 'https://224.0.0.1/hooks'],
    ['a reserved address', 'https://240.0.0.1/hooks'],
    ['the broadcast address', 'https://255.255.255.255/hooks'],
    ['a documentation address', 'https://198.51.100.7/hooks'],
    ['a benchmarking address', 'https://198.18.0.1/hooks'],
    ['a private address in decimal', 'https://167772161/hooks'],
    ['a private address in hex', 'https://0xa.0.0.1/hooks'],
    ['an IPv4-mapped private address', 'https://[::ffff:10.0.0.1]/hooks'],
    ['an IPv4-mapped metadata address in hex', 'https://[::ffff:a9fe:a9fe]/hooks'],
    ['an IPv6 unique local address', 'https://[fd00::1]/hooks'],
    ['an IPv6 link-local address', 'https://[fe80::1]/hooks'],
    ['an IPv6 multicast address', 'https://[ff02::1]/hooks'],
    ['the IPv6 unspecified address', 'https://[::]/hooks'],
    ['a NAT64 address', 'https://[64:ff9b::a00:1]/hooks'],
    ['a 6to4 address', 'https://[2002:a00:1::1]/hooks'],
    ['a Teredo address', 'https://[2001:0:4136:e378::1]/hooks'],
    ['an IPv6 documentation address', 'https://[2001:db8::1]/hooks'],
  ])('refuses a receiver at %s, naming the field', async (_name, url) => {
    const { key } = await createKey(FULL_SCOPE)
    const error = await expectError(
      await call('/v1/webhooks', { token: key, json: { url, events: ['object.created'] } }),
      400,
      'invalid_request',
    )
    expect(error.issues?.[0]?.path).toBe('url')
    expect(error.message).toMatch(/private|reserved/)
  })

  it.each([
    ['127.0.0.1', 'http://127.0.0.1:9999/hooks'],
    ['127.1.2.3 over https', 'https://127.1.2.3/hooks'],
    ['localhost', 'http://localhost:9999/hooks'],
    ['a name under localhost', 'http://hooks.localhost/'],
    ['[::1]', 'http://[::1]:9999/hooks'],
    ['loopback in decimal', 'http://2130706433/hooks'],
    ['loopback in hex', 'http://0x7f.0.0.1/hooks'],
    ['loopback, IPv4-mapped', 'http://[::ffff:127.0.0.1]/hooks'],
  ])('takes loopback (%s) only with SIGNET_DEVELOPMENT', async (_name, url) => {
    const { key, id } = await createKey(FULL_SCOPE)
    const local = await call('/v1/webhooks', {
      token: key,
      json: { url, events: ['share.downloaded'] },
    })
    expect(local.status).toBe(201)
    // Without the flag (production): the same URL is refused, naming the field and the flag.
    const principal: Principal = { kind: 'key', id, name: 'test', scope: FULL_SCOPE }
    const refused = await createWebhook(
      { principal, db: env.DB, development: false },
      { url, events: ['share.downloaded'] },
    ).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(AppError)
    expect(refused).toMatchObject({
      code: 'invalid_request',
      issues: [{ path: 'url', message: expect.stringContaining('loopback') }],
    })
    expect((refused as Error).message).toContain('SIGNET_DEVELOPMENT')
  })

  it('registers a public https: receiver, by name or by address', async () => {
    const { key } = await createKey(FULL_SCOPE)
    for (const url of [
      'https://hooks.example.com/in',
      'https://8.8.8.8/in',
      'https://[2606:4700::1111]/in',
    ]) {
      const made = await call('/v1/webhooks', {
        token: key,
        json: { url, events: ['object.created'] },
      })
      expect(made.status, url).toBe(201)
    }
  })

  it('takes http to a loopback host, for local development, and refuses unknown events', async () => {
    const { key } = await createKey(FULL_SCOPE)
    const local = await call('/v1/webhooks', {
      token: key,
      json: { url: 'http://127.0.0.1:9999/hooks', events: ['share.downloaded'] },
    })
    expect(local.status).toBe(201)
    await expectError(
      await call('/v1/webhooks', {
        token: key,
        json: { url: 'https://app.example.com', events: ['object.deleted'] },
      }),
      400,
      'invalid_request',
    )
  })
})

describe('which events a webhook concerns', () => {
  const hook = (scope: WebhookRecord['scope'], events: WebhookRecord['events']): WebhookRecord => ({
    id: 'wh_x',
    owner: 'key:k',
    scope,
    url: 'https://x',
    events,
    secret: 'whsec_x',
    createdAt: '',
  })
  const event = (bucket: string, key: string) =>
    newEvent('object.created', { bucket, key, source: 'gateway' })

  it('is the events it asked for, about objects inside its scope (the admin: all)', () => {
    const scoped = hook({ buckets: ['local'], prefixes: ['team/'], operations: ['get'] }, [
      'object.created',
    ])
    expect(concerns(scoped, event('local', 'team/a.txt'))).toBe(true)
    expect(concerns(scoped, event('local', 'teamx/a.txt'))).toBe(false)
    expect(concerns(scoped, event('archive', 'team/a.txt'))).toBe(false)
    expect(
      concerns(scoped, newEvent('share.revoked', { bucket: 'local', key: 'team/a.txt' })),
    ).toBe(false)
    expect(concerns(hook(null, ['object.created']), event('archive', 'anything'))).toBe(true)
  })
})

describe('POST /v1/uploads/confirm', () => {
  it('answers what the store holds, 404 for nothing, 403 outside the scope', async () => {
    await env.BUCKET_LOCAL.put('confirm/photo.jpg', 'jpeg bytes', {
      httpMetadata: { contentType: 'image/jpeg' },
    })
    const { key } = await createKey({
      buckets: ['local'],
      prefixes: ['confirm/'],
      operations: ['put'],
    })
    const confirmed = await call('/v1/uploads/confirm', {
      token: key,
      json: { bucket: 'local', key: 'confirm/photo.jpg' },
    })
    expect(confirmed.status).toBe(200)
    const head = await env.BUCKET_LOCAL.head('confirm/photo.jpg')
    expect(await confirmed.json()).toEqual({
      bucket: 'local',
      key: 'confirm/photo.jpg',
      size: 10,
      etag: head?.httpEtag,
      contentType: 'image/jpeg',
    })
    await expectError(
      await call('/v1/uploads/confirm', {
        token: key,
        json: { bucket: 'local', key: 'confirm/none.jpg' },
      }),
      404,
      'not_found',
    )
    await expectError(
      await call('/v1/uploads/confirm', {
        token: key,
        json: { bucket: 'local', key: 'other/x.jpg' },
      }),
      403,
      'forbidden',
    )
  })
})

describe('the events queue consumer', () => {
  it('records a delivery that ran out of attempts as dead, from the dead-letter queue', async () => {
    const { key } = await createKey(FULL_SCOPE)
    const made = await call('/v1/webhooks', {
      token: key,
      json: { url: 'https://receiver.invalid/hooks', events: ['object.created'] },
    })
    const hook = (await made.json()) as { id: string }
    const event = newEvent('object.created', {
      bucket: 'local',
      key: 'dead/a.txt',
      source: 'gateway',
    })
    const batch = createMessageBatch('signet-events-dlq', [
      {
        id: 'msg-1',
        timestamp: Date.now(),
        attempts: 1,
        body: { kind: 'delivery', event, webhookId: hook.id },
      },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as MessageBatch<EventMessage>, env as Env)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks).toEqual(['msg-1'])
    const listed = await call(`/v1/webhooks/${hook.id}/deliveries`, { token: key })
    expect(await listed.json()).toMatchObject({
      deliveries: [{ eventId: event.id, type: 'object.created', outcome: 'dead', status: null }],
    })
  })

  it('retries a delivery its receiver refuses, with the backoff, and acknowledges a fanned-out event', async () => {
    const { key } = await createKey({ buckets: ['local'], prefixes: ['q/'], operations: ['put'] })
    await call('/v1/webhooks', {
      token: key,
      json: { url: 'https://receiver.invalid/hooks', events: ['object.created'] },
    })
    const event = newEvent('object.created', { bucket: 'local', key: 'q/a.txt', source: 'gateway' })
    const batch = createMessageBatch('signet-events', [
      { id: 'event-1', timestamp: Date.now(), attempts: 1, body: { kind: 'event', event } },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as MessageBatch<EventMessage>, env as Env)
    const result = await getQueueResult(batch, ctx)
    // The event is acknowledged once its deliveries are queued (one per webhook it concerns).
    expect(result.explicitAcks).toEqual(['event-1'])
    expect(result.retryMessages).toEqual([])
  })
})

describe('the events queue', () => {
  it("takes a busy link's events within its limits (100 messages and 256 KB a send, 128 KB a message)", async () => {
    // The queue refuses a send past its limits: one second of a busy link's downloads was one.
    const events = Array.from({ length: 2_500 }, (_, i) =>
      newEvent('share.downloaded', {
        bucket: 'nowhere',
        key: `busy/${'é'.repeat(i % 7 === 0 ? 2_000 : 10)}-${i}.bin`,
        share: 'shr_busy',
      }),
    )
    await expect(emit(env.EVENTS, events)).resolves.toBeUndefined()
  })

  it('fans out a message of many events and acknowledges it once all are queued', async () => {
    const { key } = await createKey({ buckets: ['local'], prefixes: ['m/'], operations: ['put'] })
    await call('/v1/webhooks', {
      token: key,
      json: { url: 'https://receiver.invalid/hooks', events: ['object.created'] },
    })
    const events = ['a', 'b', 'c'].map((name) =>
      newEvent('object.created', { bucket: 'local', key: `m/${name}.txt`, source: 'gateway' }),
    )
    const batch = createMessageBatch('signet-events', [
      { id: 'events-1', timestamp: Date.now(), attempts: 1, body: { kind: 'events', events } },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as MessageBatch<EventMessage>, env as Env)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks).toEqual(['events-1'])
    expect(result.retryMessages).toEqual([])
  })
})

describe("R2's own event notifications routed to the events queue", () => {
  const notification = (action: string, bucket = 'r2-remote') => ({
    account: '3f4b7e3dcab231cbfdaa90a6a28bd548',
    action,
    bucket,
    object: { key: 'straight/photo.jpg', size: 65536, eTag: 'c846ff7a18f28c2e262116d6e8719ef0' },
    eventTime: '2026-12-01T07:00:00.000Z',
  })

  it('become object.created (source r2) for an upload, and nothing for a delete or another bucket', () => {
    const bucketFor = (name: string) => (name === 'r2-remote' ? 'media' : undefined)
    for (const action of ['PutObject', 'CopyObject', 'CompleteMultipartUpload']) {
      expect(fromR2Notification(notification(action), bucketFor)).toMatchObject({
        type: 'object.created',
        timestamp: '2026-12-01T07:00:00.000Z',
        data: {
          bucket: 'media',
          key: 'straight/photo.jpg',
          size: 65536,
          etag: '"c846ff7a18f28c2e262116d6e8719ef0"',
          source: 'r2',
        },
      })
    }
    expect(fromR2Notification(notification('DeleteObject'), bucketFor)).toBeNull()
    expect(fromR2Notification(notification('PutObject', 'someone-else'), bucketFor)).toBeNull()
  })

  it('are acknowledged by the consumer, fanned out like Signet’s own events', async () => {
    const batch = createMessageBatch('signet-events', [
      { id: 'r2-1', timestamp: Date.now(), attempts: 1, body: notification('PutObject') },
      { id: 'r2-2', timestamp: Date.now(), attempts: 1, body: notification('DeleteObject') },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch as unknown as MessageBatch<EventMessage>, env as Env)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks.sort()).toEqual(['r2-1', 'r2-2'])
    expect(result.retryMessages).toEqual([])
  })
})
