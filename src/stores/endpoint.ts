// What an endpoint is, decided once from its host and nowhere else: R2's S3 API (any
// jurisdiction), AWS S3, Google Cloud Storage's XML API, or another S3-compatible store (MinIO,
// Ceph). Config reads its defaults from here and the stores their abilities; features only ever
// ask a store what it can do.

export type Provider = 'r2' | 'aws' | 'gcs' | 'other'

/** GCS's XML API host. */
export const GCS_HOST = 'storage.googleapis.com'

export function providerOf(endpoint: URL): Provider {
  const host = endpoint.hostname
  if (host.endsWith('.r2.cloudflarestorage.com')) return 'r2'
  if (/(^|\.)amazonaws\.com$/.test(host)) return 'aws'
  // The XML API's own host only: a bucket's host (`<bucket>.storage.googleapis.com`) is where
  // virtual-hosted URLs go, never an endpoint to configure.
  if (host === GCS_HOST) return 'gcs'
  return 'other'
}

/** The region a provider signs with when the configuration names none: R2 and GCS take `auto`. */
export function defaultRegion(provider: Provider): string | undefined {
  return provider === 'r2' || provider === 'gcs' ? 'auto' : undefined
}

/**
 * Virtual-hosted style where AWS serves it for the bucket (a DNS-compatible name without dots,
 * whose TLS certificate the wildcard covers); path style everywhere else.
 */
export function defaultStyle(provider: Provider, dnsSafe: boolean): 'path' | 'virtual' {
  return provider === 'aws' && dnsSafe ? 'virtual' : 'path'
}
