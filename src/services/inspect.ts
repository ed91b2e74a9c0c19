// The inspect service (the URL doctor). Signatures are checked only with the credentials of
// buckets in the caller's scope, so a key cannot probe buckets it has no access to.
import type { Config } from '../config'
import type { Caller } from '../env'
import { AppError } from '../errors'
import type { ServiceAccount } from '../s3/goog4'
import { type Inspection, inspectUrl } from '../s3/inspect'
import type { SigningCredential } from '../s3/sigv4'
import type { InspectRequest } from '../schemas'

export async function inspectFor(
  caller: Caller,
  config: Config,
  body: InspectRequest,
  gatewayHost: string | undefined,
): Promise<Inspection> {
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
  const held = new Map<string, SigningCredential>()
  const accounts = new Map<string, ServiceAccount>()
  for (const bucket of caller.scope.buckets) {
    const store = config.stores.get(bucket)
    if (store?.credential) held.set(store.credential.accessKeyId, store.credential)
    if (store?.account) accounts.set(store.account.clientEmail, store.account)
  }
  return inspectUrl(body.url, {
    now: new Date(),
    lookup: (id) => held.get(id),
    accounts: (email) => accounts.get(email),
    method: body.method,
    headers: body.headers,
    gatewayHost,
  })
}
