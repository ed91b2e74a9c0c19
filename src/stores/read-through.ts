// Reading an object of a remote store for proxying: one request to a seconds-lived presigned URL,
// the client's preconditions and range passed on (normalised), the store's answer reduced to the
// object headers a proxied read passes on. Store errors are never echoed.
import { readConditions } from '../lib/http-conditions'
import type { ObjectRead, ReadRequest } from './store'

/** Headers of a store's answer that a proxied read passes on. */
const RETURNED = [
  'content-type',
  'content-length',
  'content-range',
  'content-disposition',
  'content-encoding',
  'content-language',
  'etag',
  'last-modified',
  'accept-ranges',
]

const REFUSED: Partial<Record<number, 'not_found' | 'precondition_failed' | 'invalid_range'>> = {
  404: 'not_found',
  412: 'precondition_failed',
  416: 'invalid_range',
}

/** Reads through the URL `sign` makes; anything but 200/206/304/404/412/416 is a 500. */
export async function readThroughUrl(
  request: ReadRequest,
  sign: () => Promise<string>,
): Promise<ObjectRead> {
  const conditions = readConditions(request.headers)
  if (!conditions) return { ok: false, reason: 'bad_condition' }
  const range = request.headers.get('range')
  if (range !== null) conditions.set('range', range)
  const upstream = await fetch(await sign(), {
    method: request.method,
    headers: conditions,
    redirect: 'manual',
  })
  const reason = REFUSED[upstream.status]
  if (reason || ![200, 206, 304].includes(upstream.status)) {
    await upstream.body?.cancel()
    if (reason) return { ok: false, reason }
    throw new Error(`store answered ${upstream.status} to a proxied read`)
  }
  const headers = new Headers()
  for (const name of RETURNED) {
    const value = upstream.headers.get(name)
    if (value !== null) headers.set(name, value)
  }
  const head = request.method === 'HEAD'
  if (head) await upstream.body?.cancel()
  return {
    ok: true,
    status: upstream.status as 200 | 206 | 304,
    headers,
    body: head ? null : upstream.body,
  }
}
