// Where a bucket's URLs point: host, canonical path and region for each kind of target. Pure.
import type { Target } from '../config'
import { encodeKeyPath } from './encoding'

export type Endpoint = {
  /** "https:" or "http:" */
  protocol: string
  /** The Host header value, with a port only when it is not the default. */
  host: string
  /** The encoded path: the canonical URI and the URL path at once. */
  path: string
  region: string
}

/** The gateway's region in signatures; the gateway accepts any region a client signs with. */
export const GATEWAY_REGION = 'auto'

/**
 * Resolves the URL parts for `key` in `target`. `origin` is this Worker's own origin, used for
 * gateway targets (their URLs point at /s3/<bucket>/<key> here).
 */
export function objectEndpoint(target: Target, key: string, origin: URL): Endpoint {
  const encodedKey = encodeKeyPath(key)
  if (target.kind === 'gateway') {
    return {
      protocol: origin.protocol,
      host: origin.host,
      path: `/s3/${target.name}/${encodedKey}`,
      region: GATEWAY_REGION,
    }
  }
  if (target.style === 'virtual') {
    return {
      protocol: target.endpoint.protocol,
      host: `${target.bucket}.${target.endpoint.host}`,
      path: `/${encodedKey}`,
      region: target.region,
    }
  }
  return {
    protocol: target.endpoint.protocol,
    host: target.endpoint.host,
    path: `/${encodeKeyPath(target.bucket)}/${encodedKey}`,
    region: target.region,
  }
}
