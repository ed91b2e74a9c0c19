// Builds public/, the static assets the Worker serves from its own origin (wrangler.toml
// [assets]): the API reference's Scalar bundle, copied from node_modules, and the console's
// script, the upload-link page's script and /docs' accessibility repairs, bundled from web/ with esbuild. Run by `npm start`, `npm test`, `npm run deploy`
// and the benchmarks before wrangler reads the assets directory. Idempotent.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const ROOT = join(import.meta.dirname, '..')
export const PUBLIC_DIR = join(ROOT, 'public')

/** Response headers for the assets (Workers static assets `_headers`). */
const HEADERS = `/*
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
  Cache-Control: public, max-age=300
`

export async function buildAssets() {
  const scalar = join(
    ROOT,
    'node_modules',
    '@scalar',
    'api-reference',
    'dist',
    'browser',
    'standalone.js',
  )
  mkdirSync(join(PUBLIC_DIR, 'docs'), { recursive: true })
  mkdirSync(join(PUBLIC_DIR, 'console'), { recursive: true })
  copyFileSync(scalar, join(PUBLIC_DIR, 'docs', 'scalar.js'))
  await build({
    entryPoints: {
      'console/app': join(ROOT, 'web', 'console', 'main.ts'),
      'upload/app': join(ROOT, 'web', 'upload.ts'),
      'docs/a11y': join(ROOT, 'web', 'docs-a11y.ts'),
      'share/app': join(ROOT, 'web', 'share.ts'),
    },
    outdir: PUBLIC_DIR,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  })
  // The decrypting service worker, a classic script (every browser runs those) at /s/, the
  // scope it controls: share links only.
  await build({
    entryPoints: { 's/decrypt': join(ROOT, 'web', 'sw', 'decrypt.ts') },
    outdir: PUBLIC_DIR,
    bundle: true,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  })
  copyFileSync(join(ROOT, 'web', 'console.css'), join(PUBLIC_DIR, 'console', 'app.css'))
  writeFileSync(join(PUBLIC_DIR, '_headers'), HEADERS)
  return PUBLIC_DIR
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildAssets()
  console.log(`Built ${PUBLIC_DIR}`)
}
