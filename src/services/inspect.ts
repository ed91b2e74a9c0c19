// The inspect service (the URL doctor). Signatures are checked only with the credentials of
// buckets in the caller's scope, so a key cannot probe buckets it has no access to; with an
// origin, the CORS doctor sends the browser's preflight only to such a bucket's endpoint.
import type { Config } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import type { Timing } from '../lib/timing'
import { inspectUrl } from '../s3/inspect'
import type { InspectAnswer, InspectRequest } from '../schemas'
import type { Store } from '../stores/store'
import { checkCors, storeAddressed } from './cors'

export async function inspectFor(
  caller: Caller,
  config: Config,
  body: InspectRequest,
  signetOrigin: URL | undefined,
  timing?: Timing,
): Promise<InspectAnswer> {
  let url: URL
  try {
    url = new URL(body.url)
  } catch {
    throw new AppError('invalid_request', 'url is not an absolute URL.', {
      issues: [{ path: 'url', message: 'is not an absolute URL' }],
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError('invalid_request', 'url must be http or https.')
  }
  // Before anything else: the doctor never sends a preflight to a host outside the scope.
  const corsStore =
    body.origin === undefined
      ? undefined
      : storeAddressed(config, caller.scope.buckets, url, signetOrigin?.origin ?? '')
  if (body.origin !== undefined && corsStore === undefined) {
    throw new AppError(
      'forbidden',
      'Signet sends a CORS preflight only to the URL of a bucket in your scope, at its configured endpoint; this URL is not one.',
    )
  }
  // Only the caller's own buckets' keys check signatures: each store answers for its own.
  const stores = caller.scope.buckets.flatMap((bucket) => config.stores.get(bucket) ?? [])
  const first = <T>(find: (store: Store) => T | undefined) => {
    for (const store of stores) {
      const found = find(store)
      if (found !== undefined) return found
    }
    return undefined
  }
  const inspection: InspectAnswer = await inspectUrl(body.url, {
    now: new Date(),
    lookup: (id) => first((store) => store.keyFor(id)),
    accounts: (email) => first((store) => store.accountFor(email)),
    method: body.method,
    headers: body.headers,
    gatewayHost: signetOrigin?.host,
  })
  if (body.origin === undefined || corsStore === undefined) return inspection
  // The page sends every signed header (Host aside) and any header the caller names.
  const headers: Record<string, string | undefined> = {}
  for (const name of inspection.signedHeaders) {
    if (name !== 'host') headers[name] = undefined
  }
  for (const [name, value] of Object.entries(body.headers ?? {})) {
    headers[name.toLowerCase()] = value
  }
  const method = body.method ?? inspection.method ?? 'GET'
  inspection.cors = await checkCors(
    corsStore,
    config,
    { url, origin: body.origin, method, headers },
    timing,
  )
  return inspection
}
