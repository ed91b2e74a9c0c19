import path from 'node:path'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// Two projects: `workers` runs inside workerd with local D1/R2 (everything that touches the
// Worker); `node` runs the checks that need Node-only oracles (OpenAPI schema validation,
// botocore, the real S3 server through Debian's tools).
export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'))
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                r2Buckets: ['BUCKET_LOCAL', 'BUCKET_ARCHIVE'],
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  SIGNET_BUCKETS: JSON.stringify({
                    local: { binding: 'BUCKET_LOCAL' },
                    archive: { binding: 'BUCKET_ARCHIVE' },
                    'r2-remote': { endpoint: 'https://0123456789abcdef.r2.cloudflarestorage.com' },
                  }),
                  SIGNET_ADMIN_TOKEN: 'test-admin-token-0123456789',
                  SIGNET_CREDENTIALS: JSON.stringify({
                    local: {
                      accessKeyId: 'SIGNETTESTKEY',
                      secretAccessKey: 'signet-test-secret-0123456789',
                    },
                    archive: {
                      accessKeyId: 'SIGNETARCHIVEKEY',
                      secretAccessKey: 'signet-archive-secret-0123456789',
                    },
                    'r2-remote': {
                      accessKeyId: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
                      secretAccessKey: 'r2-remote-test-secret-0123456789',
                    },
                  }),
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
            environment: 'node',
            testTimeout: 60_000,
          },
        },
      ],
    },
  }
})
