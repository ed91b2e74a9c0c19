// The Store contract (conformance.ts) for every kind of store, in workerd: the R2 binding (the
// gateway's buckets, local R2), the remote S3 store against the real S3 server (CI's Ceph RGW,
// reached through the test's outbound worker), and the GCS store, which has no server here and
// runs the cases that need none.
import { env } from 'cloudflare:test'
import { getConfig, parseConfig } from '../../src/config'
import type { Store } from '../../src/stores/store'
import { storeConformance } from './conformance'

const ORIGIN = new URL('http://signet.test')

function only(config: ReturnType<typeof parseConfig>, bucket: string): Store {
  const store = config.stores.get(bucket)
  if (!store) throw new Error(`no ${bucket} bucket`)
  return store
}

storeConformance('R2 binding (gateway bucket)', {
  store: () => only(getConfig(env), 'local'),
  reachable: true,
  freeVersions: true,
  origin: ORIGIN,
})

const s3 = env.TEST_S3
  ? (JSON.parse(env.TEST_S3) as {
      endpoint: string
      accessKeyId: string
      secretAccessKey: string
      bucket: string
    })
  : null

storeConformance('remote S3 (Ceph RGW)', {
  store: () =>
    only(
      parseConfig({
        SIGNET_ADMIN_TOKEN: 'conformance-admin-token',
        SIGNET_BUCKETS: JSON.stringify({
          // Without the server, its offline cases still run against a closed loopback port.
          rgw: {
            endpoint: s3?.endpoint ?? 'http://127.0.0.1:9',
            region: 'us-east-1',
            bucket: s3?.bucket ?? 'signet-conformance',
          },
        }),
        SIGNET_CREDENTIALS: JSON.stringify({
          rgw: {
            accessKeyId: s3?.accessKeyId ?? 'OFFLINEKEY',
            secretAccessKey: s3?.secretAccessKey ?? 'offline-secret-0123456789',
          },
        }),
      }),
      'rgw',
    ),
  reachable: s3 !== null,
  freeVersions: false,
  origin: ORIGIN,
})

storeConformance('GCS (no server here)', {
  store: () => only(getConfig(env), 'gcs-remote'),
  reachable: false,
  freeVersions: false,
  origin: ORIGIN,
})
