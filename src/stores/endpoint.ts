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

/**
 * The region an endpoint signs with when the configuration names none: R2 and GCS take `auto`;
 * AWS's is in its host (`s3.eu-west-1.amazonaws.com`, `s3-eu-west-1…`, `s3.dualstack.<region>…`;
 * the global `s3.amazonaws.com` is us-east-1). Other stores need it named.
 */
export function defaultRegion(endpoint: URL): string | undefined {
  const provider = providerOf(endpoint)
  if (provider === 'r2' || provider === 'gcs') return 'auto'
  if (provider !== 'aws') return undefined
  const host = endpoint.hostname
  if (host === 's3.amazonaws.com' || host === 's3-external-1.amazonaws.com') return 'us-east-1'
  return /^s3(?:[.-]dualstack)?[.-]([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com$/.exec(host)?.[1]
}

/**
 * Virtual-hosted style where AWS serves it for the bucket (a DNS-compatible name without dots,
 * whose TLS certificate the wildcard covers); path style everywhere else.
 */
export function defaultStyle(provider: Provider, dnsSafe: boolean): 'path' | 'virtual' {
  return provider === 'aws' && dnsSafe ? 'virtual' : 'path'
}
