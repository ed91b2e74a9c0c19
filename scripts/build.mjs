// `npm run build`: the package as it would be published, in dist/: the `signet` CLI (cli/, one
// bundled file for Node 20+), `signet/client` (src/client.ts as ESM) and the client's type
// declarations (tsc). `npm pack` runs it first (prepack).
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const ROOT = join(import.meta.dirname, '..')
const DIST = join(ROOT, 'dist')

export async function buildPackage() {
  rmSync(DIST, { recursive: true, force: true })
  await build({
    entryPoints: { cli: join(ROOT, 'cli', 'bin.ts') },
    outdir: DIST,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // cli-progress is CommonJS: give its require() a home in an ES module.
    banner: {
      js: "import { createRequire as __signetRequire } from 'node:module'; const require = __signetRequire(import.meta.url);",
    },
    legalComments: 'none',
    logLevel: 'warning',
  })
  await build({
    entryPoints: { client: join(ROOT, 'src', 'client.ts') },
    outdir: DIST,
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    logLevel: 'warning',
  })
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.client.json'),
    ],
    { cwd: ROOT, encoding: 'utf8' },
  )
  if (tsc.status !== 0)
    throw new Error(`tsc (client declarations) failed:\n${tsc.stdout}${tsc.stderr}`)
  // Node's ESM resolution wants file extensions in relative imports, declarations included.
  for (const file of declarations(join(DIST, 'types'))) {
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, text.replace(/(from\s+['"])(\.{1,2}\/[^'"]+?)(['"])/g, '$1$2.js$3'))
  }
  return DIST
}

function declarations(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return declarations(path)
    return name.endsWith('.d.ts') ? [path] : []
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildPackage()
  console.error(`Built ${DIST}`)
}
