// Node-side helpers: the real S3 server (Ceph RGW) that .ci/run starts, and Debian's tools.
import { parseConfig } from '../../src/config'
import type { Caller } from '../../src/env'
import type { PresignAnswer, PresignRequest } from '../../src/schemas'
import { presign } from '../../src/services/presign'
import { S3 } from './s3'

export { aws, createBucket, haveS3, S3 } from './s3'

/** A Signet config whose bucket `rgw` is the real S3 server's bucket `bucket`. */
export function rgwConfig(bucket: string) {
  return parseConfig({
    SIGNET_ADMIN_TOKEN: 'node-tests-admin-token',
    SIGNET_BUCKETS: JSON.stringify({
      rgw: { endpoint: S3.endpoint, region: 'us-east-1', bucket },
    }),
    SIGNET_CREDENTIALS: JSON.stringify({
      rgw: { accessKeyId: S3.accessKeyId, secretAccessKey: S3.secretAccessKey },
    }),
  })
}

export const fullCaller: Caller = {
  kind: 'key',
  id: 'key_node',
  name: 'node',
  scope: {
    buckets: ['rgw'],
    operations: ['get', 'head', 'put', 'delete', 'share', 'multipart', 'post', 'list'],
  },
}

export function presignFor(
  config: ReturnType<typeof rgwConfig>,
  request: Omit<PresignRequest, 'bucket'>,
  now = new Date(),
): Promise<PresignAnswer> {
  return presign(
    { bucket: 'rgw', ...request },
    { caller: fullCaller, config, origin: new URL('http://signet.test'), now },
  )
}
