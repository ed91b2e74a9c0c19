// The real S3 server (Ceph RGW, started by .ci/run) as the tests see it: its endpoint and keys,
// whether it runs, and Debian's awscli pointed at it. Nothing of Signet: vitest.config.ts reads it.
import { spawnSync } from 'node:child_process'

export const S3 = {
  endpoint: process.env.SIGNET_S3_ENDPOINT,
  accessKeyId: process.env.SIGNET_S3_ACCESS_KEY_ID ?? 'TESTACCESSKEY',
  secretAccessKey: process.env.SIGNET_S3_SECRET_ACCESS_KEY ?? 'TESTSECRETKEY0123456789',
}

/** True when the real S3 server is there. Outside CI its absence skips with a visible message. */
export function haveS3(suite: string): boolean {
  if (S3.endpoint) return true
  if (process.env.CI)
    throw new Error(`${suite}: SIGNET_S3_ENDPOINT must be set in CI (.ci/run starts RGW)`)
  console.warn(
    `SKIPPED ${suite}: no real S3 server. Start one with ../shared/s3-server/start-rgw.sh /tmp/rgw and set SIGNET_S3_ENDPOINT (see .ci/run).`,
  )
  return false
}

/** Runs Debian's awscli against the real S3 server. */
export function aws(
  args: string[],
  input?: string,
): { status: number; stdout: string; stderr: string } {
  const run = spawnSync('aws', ['--endpoint-url', S3.endpoint as string, ...args], {
    encoding: 'utf8',
    input,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: S3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    },
  })
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr }
}

/** Creates a bucket on the real server (idempotent). */
export function createBucket(bucket: string): void {
  const made = aws(['s3api', 'create-bucket', '--bucket', bucket])
  if (made.status !== 0 && !/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(made.stderr)) {
    throw new Error(`create-bucket ${bucket} failed: ${made.stderr}`)
  }
}
