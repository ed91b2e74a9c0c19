import type { D1Migration } from 'cloudflare:test'

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[]
      CALLER: Fetcher
      BUCKET_ARCHIVE: R2Bucket
      /** The real S3 server as JSON ({endpoint, accessKeyId, secretAccessKey, bucket}), or ''. */
      TEST_S3: string
    }
  }
}
