// `npm run build`: the package as it would be published, in dist/: the `signet` CLI (cli/, one
// bundled file for Node 20+), `<package>/client` (src/client.ts as ESM, and CommonJS for
// require()), `<package>/rpc` (the RPC entrypoint's types and the `signet()` wrapper), and their
// type declarations: the public types expanded into plain TypeScript (api-types.mjs), so nothing
// the package installs or imports is more than these files. Every bundle is self-contained: the
// package has no runtime dependencies. `npm pack` and git installs run it (prepack, prepare).
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { build } from 'esbuild'
import { apiDeclarations } from './api-types.mjs'

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
  const library = {
    bundle: true,
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'warning',
  }
  await build({
    ...library,
    entryPoints: { client: join(ROOT, 'src', 'client.ts'), rpc: join(ROOT, 'src', 'binding.ts') },
    outdir: DIST,
    format: 'esm',
    splitting: true,
    chunkNames: 'shared-[hash]',
  })
  await build({
    ...library,
    entryPoints: { client: join(ROOT, 'src', 'client.ts') },
    outdir: DIST,
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
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
  // Only the surfaces' declarations stay, on the expanded public types; nothing else of src/.
  const types = join(DIST, 'types')
  for (const file of declarations(types)) {
    if (!['client.d.ts', 'binding.d.ts'].includes(relative(types, file))) rmSync(file)
  }
  for (const dir of readdirSync(types)) {
    if (statSync(join(types, dir)).isDirectory()) rmSync(join(types, dir), { recursive: true })
  }
  writeFileSync(join(types, 'api.d.ts'), apiDeclarations(ROOT))
  writeFileSync(
    join(types, 'rpc.d.ts'),
    `// The types of Signet's RPC entrypoint, for a Worker bound to it: \`SIGNET: Service<SignetRpc>\`
// in its Env (Service and Rpc come from @cloudflare/workers-types), and \`signet(env.SIGNET)\` for
// exceptions instead of results.
import type { SignetRpcMethods } from './api.js'
export type * from './api.js'
export interface SignetRpc extends Rpc.WorkerEntrypointBranded, SignetRpcMethods {}
export { signet, type SignetBinding, type SignetService } from './binding.js'
`,
  )
  // Node's ESM resolution wants file extensions in relative imports, declarations included.
  for (const file of declarations(types)) {
    const text = readFileSync(file, 'utf8')
    writeFileSync(
      file,
      text.replace(/(from\s+['"])(\.{1,2}\/[^'"]+?)(?<!\.js)(['"])/g, '$1$2.js$3'),
    )
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
