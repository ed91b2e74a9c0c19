import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { build } from 'esbuild'
import { defineConfig } from 'vitest/config'
import { bundleWorker } from './bench/serve.mjs'
import { buildAssets } from './scripts/assets.mjs'
import { buildPackage } from './scripts/build.mjs'
import { createBucket, haveS3, S3 } from './test/node/s3'
import { newServiceAccount } from './test/node/service-account'

// Two projects: `workers` runs inside workerd with local D1/R2 (everything that touches the
// Worker); `node` runs the checks that need Node-only oracles (OpenAPI schema validation,
// botocore, the real S3 server through Debian's tools).
/**
 * What workerd prints about failures the tests provoke on purpose (cut connections, cancelled
 * streams, non-ASCII header values from the fuzzers, a bad body read as text) and wrangler's note
 * of the .dev.vars it read: dropped from the run's output, so that a passing run reads as one. A
 * failing test still fails, with its own error and output.
 */
const RUNTIME_NOISE = [
  /^exception = (workerd|kj)\/[^\n]*(disconnected|canceled|aborted)/,
  /^stack: \S*workerd\b/,
  /^uncaught exception; /,
  /^A header value for "[^"]+" contains non-ASCII characters/,
  /^console warning; message = Called \.text\(\) on an HTTP body/,
  /^Using secrets defined in \.dev\.vars/,
]

function quiet(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text =
      typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString() : null
    if (text !== null) {
      const kept = text
        .split('\n')
        .filter(
          (line) => !RUNTIME_NOISE.some((noise) => noise.test(line.replace(/\x1b\[[0-9;]*m/g, ''))),
        )
      if (kept.every((line) => line === '') && text.trim() !== '') return true
      return write(kept.join('\n'), ...rest)
    }
    return write(chunk, ...rest)
  }) as typeof stream.write
}

/**
 * The long end-to-end runs (`npm run test:e2e`; CI runs them after `npm test`): the documented
 * tours and the CLI against servers of their own, the package installed from git, an upgrade
 * through every schema, the HTTP benchmark, load and fuzzing, browsers through whole journeys.
 */
const END_TO_END = [
  'test/node/bench.test.ts',
  'test/node/cli-download.test.ts',
  'test/node/cli-transfer.test.ts',
  'test/node/cli.test.ts',
  'test/node/console-browser.test.ts',
  'test/node/console-views-browser.test.ts',
  'test/node/deploy.test.ts',
  'test/node/doc-examples.test.ts',
  'test/node/folder-share.test.ts',
  'test/node/fuzz.test.ts',
  'test/node/gateway-clients.test.ts',
  'test/node/load.test.ts',
  'test/node/package.test.ts',
  'test/node/rgw-shares.test.ts',
  'test/node/rpc-local.test.ts',
  'test/node/screenshots.test.ts',
  'test/node/upgrade.test.ts',
  'test/node/webhooks.test.ts',
]

export default defineConfig(async () => {
  quiet(process.stdout)
  quiet(process.stderr)
  // The static assets wrangler.toml declares (Scalar's bundle, the console's script), and the
  // package's dist/ (the CLI, signet-edge/client and /rpc), built once before any test file runs.
  await Promise.all([buildAssets(), buildPackage()])
  // The Worker as it deploys, bundled once for every node test that serves it under Miniflare;
  // their servers keep the runtime's log of provoked failures to themselves (a failing test
  // still shows its own output).
  process.env.SIGNET_TEST_BUNDLE = await bundleWorker(
    mkdtempSync(path.join(tmpdir(), 'signet-bundle-')),
  )
  process.env.SIGNET_TEST_QUIET = '1'
  // The workers pool's wrangler says which .dev.vars it read, once per file: warnings and errors
  // only. The node tests get wrangler's whole output back (some read what it prints).
  process.env.WRANGLER_LOG ??= 'warn'
  // The real S3 server, when one runs (CI starts it): the Store contract runs in workerd against
  // it too, its requests passed on to loopback by the test's outbound worker.
  const testS3 = haveS3('the Store contract in workerd')
    ? { ...S3, bucket: 'signet-conformance' }
    : null
  if (testS3) createBucket(testS3.bucket)
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'))
  // Signet bundled as a Worker of its own, so a second Worker can call its RPC entrypoint through
  // a real service binding (the Worker under test cannot be a binding target of auxiliaries).
  const signetBundle = await build({
    entryPoints: [path.join(import.meta.dirname, 'src/index.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2024',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['cloudflare:*'],
    write: false,
    logLevel: 'warning',
  })
  const testBindings = {
    SIGNET_ADMIN_TOKEN: 'test-admin-token-0123456789',
    SIGNET_PUBLIC_ORIGIN: 'http://signet.test',
    // As under npm start: webhooks may point at loopback receivers.
    SIGNET_DEVELOPMENT: 'true',
    SIGNET_CORS_ORIGINS: JSON.stringify(['https://app.example']),
    // A short window, so tests of a changed object's cached bytes wait one second, not ten.
    SIGNET_OBJECT_CACHE_SECONDS: '1',
    SIGNET_BUCKETS: JSON.stringify({
      local: { binding: 'BUCKET_LOCAL' },
      archive: { binding: 'BUCKET_ARCHIVE' },
      'r2-remote': { endpoint: 'https://0123456789abcdef.r2.cloudflarestorage.com' },
      's3-remote': {
        endpoint: 'https://s3.eu-west-1.amazonaws.com',
        region: 'eu-west-1',
        bucket: 'signet-test-bucket',
      },
      'gcs-remote': { endpoint: 'https://storage.googleapis.com', bucket: 'signet-gcs-bucket' },
    }),
    SIGNET_CREDENTIALS: JSON.stringify({
      local: { accessKeyId: 'SIGNETTESTKEY', secretAccessKey: 'signet-test-secret-0123456789' },
      archive: {
        accessKeyId: 'SIGNETARCHIVEKEY',
        secretAccessKey: 'signet-archive-secret-0123456789',
      },
      'r2-remote': {
        accessKeyId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
        secretAccessKey: 'r2-remote-test-secret-0123456789',
      },
      's3-remote': {
        accessKeyId: 'AKIASIGNETTESTREMOTE',
        secretAccessKey: 's3-remote-test-secret-0123456789',
      },
      // A Google service account made for this run: GCS buckets sign GOOG4 with it, offline.
      'gcs-remote': newServiceAccount(),
    }),
    SIGNET_JWT: JSON.stringify({
      issuer: 'https://issuer.test',
      audience: 'signet',
      jwksUrl: 'https://issuer.test/.well-known/jwks.json',
      jwksCooldownSeconds: 0,
      cloudflareAccess: true,
      scope: {
        buckets: ['local'],
        prefixes: ['users/{sub}/'],
        operations: ['get', 'put', 'share'],
        maxExpiresIn: 3600,
      },
    }),
  }
  return {
    test: {
      // Two files at a time (this machine's cores). Output of passing tests is dropped; a failure
      // shows its own.
      maxWorkers: 2,
      silent: 'passed-only',
      reporters: ['dot'],
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                r2Buckets: ['BUCKET_LOCAL', 'BUCKET_ARCHIVE'],
                // A second Worker calling Signet over RPC, and a JWT issuer serving its JWKS.
                serviceBindings: { CALLER: 'caller' },
                outboundService: 'issuer',
                workers: [
                  {
                    name: 'caller',
                    modules: true,
                    scriptPath: './test/fixtures/workers/caller.js',
                    compatibilityDate: '2026-11-01',
                    serviceBindings: {
                      SIGNET: {
                        name: 'signet-rpc',
                        entrypoint: 'SignetRpc',
                        props: {
                          name: 'caller',
                          scope: {
                            buckets: ['local'],
                            operations: ['get', 'head', 'put', 'share'],
                          },
                        },
                      },
                      SIGNET_NARROW: {
                        name: 'signet-rpc',
                        entrypoint: 'SignetRpc',
                        props: {
                          name: 'narrow',
                          scope: { buckets: ['local'], prefixes: ['rpc/'], operations: ['get'] },
                        },
                      },
                      SIGNET_NO_PROPS: { name: 'signet-rpc', entrypoint: 'SignetRpc' },
                      SIGNET_HTTP: 'signet-rpc',
                    },
                  },
                  {
                    name: 'signet-rpc',
                    modules: true,
                    script: signetBundle.outputFiles[0]?.text ?? '',
                    compatibilityDate: '2026-11-01',
                    bindings: testBindings,
                    d1Databases: { DB: '00000000-0000-0000-0000-000000000000' },
                    durableObjects: {
                      SHARES: { className: 'ShareObject', useSQLite: true },
                      UPLOAD_LINKS: { className: 'UploadLinkObject', useSQLite: true },
                    },
                    r2Buckets: { BUCKET_LOCAL: 'BUCKET_LOCAL', BUCKET_ARCHIVE: 'BUCKET_ARCHIVE' },
                    // Its events go to a queue of its own, which nothing here consumes.
                    queueProducers: { EVENTS: { queueName: 'signet-rpc-events' } },
                    outboundService: 'issuer',
                  },
                  {
                    name: 'issuer',
                    modules: true,
                    scriptPath: './test/fixtures/workers/issuer.js',
                    compatibilityDate: '2026-11-01',
                  },
                ],
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  TEST_S3: testS3 ? JSON.stringify(testS3) : '',
                  ...testBindings,
                },
              },
            }),
          ],
          test: {
            name: 'workers',
            include: ['test/**/*.test.ts'],
            exclude: ['test/node/**'],
            setupFiles: ['./test/setup.ts'],
          },
        },
        {
          test: {
            name: 'node',
            include: ['test/node/**/*.test.ts'],
            exclude: END_TO_END,
            environment: 'node',
            env: { WRANGLER_LOG: 'log' },
            testTimeout: 60_000,
          },
        },
        {
          test: {
            name: 'e2e',
            include: END_TO_END,
            environment: 'node',
            env: { WRANGLER_LOG: 'log' },
            testTimeout: 60_000,
          },
        },
      ],
    },
  }
})
