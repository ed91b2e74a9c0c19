// A SigV4 presigned URL for one object at a known place: the part every store that signs with a
// key pair (Signet's gateway, remote S3-compatible stores) shares.
import { amzDate, presignQuery } from '../s3/sigv4'
import type { Credential, UrlRequest } from './store'

/** Where an object lives: the URL's scheme, its Host, the encoded path and the signing region. */
export type ObjectPlace = { protocol: string; host: string; path: string; region: string }

export async function presignedV4Url(
  place: ObjectPlace,
  request: UrlRequest,
  query: readonly (readonly [string, string])[],
  credential: Credential,
): Promise<string> {
  const signed = await presignQuery({
    method: request.method,
    host: place.host,
    path: place.path,
    query,
    headers: request.headers ?? {},
    region: place.region,
    service: 's3',
    datetime: amzDate(new Date(request.nowMs)),
    expiresIn: request.expiresIn,
    credential,
  })
  return `${place.protocol}//${place.host}${place.path}?${signed.query}`
}
