// GET /v1/events: what the events queue carried, kept once per event, as the activity of the
// links it is about: each key sees its own links' events (another key none), the admin every
// event; newest last, the newest page without a cursor, only what came after with one.

import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../src/index'
import { type EventMessage, newEvent, type SignetEvent } from '../src/webhooks/events'
import { ADMIN_TOKEN, call, createKey, expectError, FULL_SCOPE } from './helpers'

let batches = 0

/** Carries events through the events queue's consumer, as the queue would. */
async function carry(events: SignetEvent[]): Promise<void> {
  batches += 1
  const batch = createMessageBatch('signet-events', [
    {
      id: `batch-${batches}`,
      timestamp: Date.now(),
      attempts: 1,
      body: { kind: 'events', events },
    },
  ])
  const ctx = createExecutionContext()
  await worker.queue(batch as MessageBatch<EventMessage>, env as Env)
  const result = await getQueueResult(batch, ctx)
  expect(result.explicitAcks).toEqual([`batch-${batches}`])
}

type Feed = {
  events: { id: string; type: string; at: string; data: Record<string, unknown> }[]
  cursor: string
}

async function feed(token: string, query = ''): Promise<Feed> {
  const answer = await call(`/v1/events${query}`, { token })
  expect(answer.status, await answer.clone().text()).toBe(200)
  return (await answer.json()) as Feed
}

async function shareOf(token: string) {
  const key = `events/${crypto.randomUUID()}.txt`
  await env.BUCKET_LOCAL.put(key, 'x')
  const made = await call('/v1/shares', { token, json: { bucket: 'local', key } })
  expect(made.status).toBe(201)
  return (await made.json()) as { id: string; key: string }
}

describe('GET /v1/events', () => {
  it("shows each key its own links' events, newest last, and the admin every event", async () => {
    const alice = (await createKey(FULL_SCOPE, 'alice')).key
    const bob = (await createKey(FULL_SCOPE, 'bob')).key
    const share = await shareOf(alice)
    const made = await call('/v1/upload-links', {
      token: bob,
      json: { bucket: 'local', prefix: 'events/inbox/' },
    })
    const link = (await made.json()) as { id: string }
    const downloaded = newEvent('share.downloaded', {
      bucket: 'local',
      key: share.key,
      shareId: share.id,
    })
    const received = newEvent('object.created', {
      bucket: 'local',
      key: 'events/inbox/scan.pdf',
      source: 'upload_link',
      uploadLinkId: link.id,
      sender: 'Zoë',
    })
    const gateway = newEvent('object.created', {
      bucket: 'local',
      key: 'events/g.txt',
      source: 'gateway',
    })
    await carry([downloaded, received, gateway])
    // Delivered again (its acknowledgement was lost): nothing is added.
    await carry([downloaded])

    const mine = await feed(alice)
    expect(mine.events.map((event) => [event.id, event.type])).toEqual([
      [downloaded.id, 'share.downloaded'],
    ])
    expect(mine.events[0]?.data).toEqual(downloaded.data)
    expect(mine.events[0]?.at).toBe(downloaded.timestamp)
    expect((await feed(bob)).events.map((event) => event.data)).toEqual([received.data])
    const all = await feed(ADMIN_TOKEN, '?limit=200')
    const ids = all.events.map((event) => event.id)
    expect(ids).toEqual(expect.arrayContaining([downloaded.id, received.id, gateway.id]))
    expect(ids.indexOf(downloaded.id)).toBeLessThan(ids.indexOf(gateway.id))
    // A key that made no link sees nothing.
    const carol = (await createKey(FULL_SCOPE, 'carol')).key
    expect((await feed(carol)).events).toEqual([])
  })

  it('gives the newest page without a cursor, and only what came after with one', async () => {
    const dana = (await createKey(FULL_SCOPE, 'dana')).key
    const share = await shareOf(dana)
    const event = (n: number) =>
      newEvent('share.downloaded', { bucket: 'local', key: share.key, shareId: share.id, n })
    const first = [event(1), event(2), event(3)]
    await carry(first)
    const newest = await feed(dana, '?limit=2')
    expect(newest.events.map((e) => e.data.n)).toEqual([2, 3])
    const later = [event(4), event(5)]
    await carry(later)
    const after = await feed(dana, `?after=${newest.cursor}`)
    expect(after.events.map((e) => e.data.n)).toEqual([4, 5])
    const nothing = await feed(dana, `?after=${after.cursor}`)
    expect(nothing).toEqual({ events: [], cursor: after.cursor })
    await expectError(await call('/v1/events?after=abc', { token: dana }), 400, 'invalid_request')
    await expectError(await call('/v1/events?limit=201', { token: dana }), 400, 'invalid_request')
    await expectError(await call('/v1/events'), 401, 'unauthorized')
  })

  it("finds the owners of a batch's links however many it names (D1 binds 100 parameters)", async () => {
    const erin = (await createKey(FULL_SCOPE, 'erin')).key
    const ids: string[] = []
    for (let n = 0; n < 120; n++) {
      const made = await call('/v1/shares', {
        token: erin,
        json: { bucket: 'local', key: `events/many/${n}.txt`, pin: false },
      })
      ids.push(((await made.json()) as { id: string }).id)
    }
    await carry(
      ids.map((shareId, n) =>
        newEvent('share.revoked', { bucket: 'local', key: `events/many/${n}.txt`, shareId }),
      ),
    )
    const mine = await feed(erin, '?limit=200')
    expect(mine.events.map((event) => event.data.shareId)).toEqual(ids)
  })
})
