// The layering of src/ (docs/ARCHITECTURE.md), checked on the source: no import cycle (type-only
// imports included), no floor importing a higher one, RPC calling services and never routes, and
// no feature outside the store modules branching on a target's kind, testing a host name or
// reading a store's credentials.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '..', '..', 'src')

/** Floors, lowest first. A module may import its own floor and lower ones. */
const FLOORS: [RegExp, number][] = [
  [/^lib\//, 0],
  [/^errors\.ts$/, 0],
  [/^app-version\.ts$/, 0],
  [/^s3\//, 1],
  [/^schemas\//, 2],
  [/^stores\//, 3],
  [/^config\//, 4],
  [/^api\.ts$/, 4],
  [/^env\.ts$/, 5],
  [/^auth\//, 6],
  [/^webhooks\//, 6],
  [/^notify\//, 6],
  [/^share\//, 7],
  [/^upload-link\//, 7],
  [/^services\//, 8],
  [/^gateway\//, 8],
  [/^http\//, 9],
  [/^pages\//, 9],
  [/^routes\//, 10],
  [/^rpc\.ts$/, 10],
  [/^client\.ts$/, 10],
  [/^binding\.ts$/, 10],
  [/^uploader\.ts$/, 10],
  [/^app\.ts$/, 11],
  [/^index\.ts$/, 12],
]

/** A route file past this has grown a feature of its own: it goes into a service or a new file. */
const MAX_ROUTE_LINES = 250

/** Any file past this holds two things; any function past that, several steps to name. */
const MAX_FILE_LINES = 400
const MAX_FUNCTION_LINES = 120

/**
 * The justified exceptions (docs/ARCHITECTURE.md says why): a function that is one declarative
 * whole, read top to bottom, where a split would only scatter it.
 */
const LONG_FUNCTIONS = new Set<string>([])

/** Every function-like body in a source file longer than MAX_FUNCTION_LINES: "file name lines". */
function longFunctions(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8')
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind)
  const found: string[] = []
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line
      const last = source.getLineAndCharacterOfPosition(node.end).line
      const parent = node.parent
      const name =
        node.name?.getText(source) ??
        (parent && ts.isVariableDeclaration(parent) ? parent.name.getText(source) : '(anonymous)')
      if (last - first + 1 > MAX_FUNCTION_LINES) found.push(`${file} ${name} ${last - first + 1}`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

function floorOf(file: string): number {
  const floor = FLOORS.find(([pattern]) => pattern.test(file))
  if (!floor) throw new Error(`${file} is on no floor: add it to FLOORS and ARCHITECTURE.md`)
  return floor[1]
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.tsx?$/.test(name) ? [path] : []
  })
}

/** Every relative import and re-export of a file, type-only ones included, resolved. */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map(
    (m) => m[1] as string,
  )
  return specifiers.map((specifier) => {
    const base = resolve(dirname(path), specifier)
    for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
      try {
        if (statSync(candidate).isFile()) return relative(SRC, candidate)
      } catch {
        // try the next form
      }
    }
    throw new Error(`${relative(SRC, path)} imports ${specifier}, which does not resolve`)
  })
}

const graph = new Map(sources(SRC).map((path) => [relative(SRC, path), importsOf(path)]))

describe('the layering of src/', () => {
  it('has no import cycle, type-only imports included', () => {
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (file: string, stack: string[]) => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(file)), file].join(' → '))
        return
      }
      state.set(file, 'open')
      for (const next of graph.get(file) ?? []) visit(next, [...stack, file])
      state.set(file, 'done')
    }
    for (const file of graph.keys()) visit(file, [])
    expect(graph.size).toBeGreaterThan(40)
    expect(cycles).toEqual([])
  })

  it('never imports a higher floor from a lower one', () => {
    const upward = [...graph].flatMap(([file, imports]) =>
      imports
        .filter((target) => floorOf(target) > floorOf(file))
        .map((target) => `${file} (floor ${floorOf(file)}) → ${target} (floor ${floorOf(target)})`),
    )
    expect(upward).toEqual([])
  })

  it('keeps each route file to at most 250 lines (a route reads as validate, authorise, call, shape)', () => {
    const long = [...graph.keys()]
      .filter((file) => file.startsWith('routes/'))
      .map((file) => `${file}: ${readFileSync(join(SRC, file), 'utf8').split('\n').length - 1}`)
      .filter((entry) => Number(entry.split(': ')[1]) > MAX_ROUTE_LINES)
    expect(long).toEqual([])
  })

  it(`keeps every file to at most ${MAX_FILE_LINES} lines and every function to ${MAX_FUNCTION_LINES}`, () => {
    const files = [...graph.keys()]
    const longFiles = files
      .map((file) => `${file}: ${readFileSync(join(SRC, file), 'utf8').split('\n').length - 1}`)
      .filter((entry) => Number(entry.split(': ')[1]) > MAX_FILE_LINES)
    expect(longFiles).toEqual([])
    const long = files
      .flatMap(longFunctions)
      .filter((entry) => !LONG_FUNCTIONS.has(entry.split(' ').slice(0, 2).join(' ')))
    expect(long).toEqual([])
  })

  it('writes the multipart envelope once on each side: the uploader and services/multipart', () => {
    const web = join(SRC, '..', 'web')
    const clientSide = [
      ...[...graph.keys()].map((file) => ({ file, path: join(SRC, file) })),
      ...readdirSync(web)
        .filter((name) => name.endsWith('.ts'))
        .map((name) => ({ file: `web/${name}`, path: join(web, name) })),
    ]
      .filter(({ file }) => file !== 'uploader.ts')
      .filter(({ path }) =>
        /\bsendParts\(|multipart\.(start|complete|abort)\(/.test(readFileSync(path, 'utf8')),
      )
      .map(({ file }) => file)
    expect(clientSide).toEqual([])
    const serverSide = [...graph.keys()].filter(
      (file) =>
        file !== 'services/multipart.ts' &&
        !file.startsWith('stores/') &&
        !file.startsWith('gateway/') &&
        /\.(createMultipartUpload|completeMultipartUpload)\(/.test(
          readFileSync(join(SRC, file), 'utf8'),
        ),
    )
    expect(serverSide).toEqual([])
  })

  it('builds object.created in one place', () => {
    const builders = [...graph.keys()].filter(
      (file) =>
        file !== 'webhooks/events.ts' &&
        /newEvent\(\s*'object\.created'/.test(readFileSync(join(SRC, file), 'utf8')),
    )
    expect(builders).toEqual([])
  })

  it('lets RPC call services, never routes', () => {
    expect((graph.get('rpc.ts') ?? []).filter((target) => target.startsWith('routes/'))).toEqual([])
    expect(graph.get('rpc.ts')?.some((target) => target.startsWith('services/'))).toBe(true)
  })

  it('branches on a target kind only inside the store modules and config', () => {
    const branching = [...graph.keys()].filter(
      (file) =>
        !file.startsWith('stores/') &&
        !file.startsWith('config/') &&
        /kind\s*[!=]==?\s*'(gateway|remote)'|'(gateway|remote)'\s*[!=]==?\s*\S*kind/.test(
          readFileSync(join(SRC, file), 'utf8'),
        ),
    )
    expect(branching).toEqual([])
  })

  it('keeps host names and credentials inside the stores', () => {
    // Where a store's endpoint or keys may be read: the stores themselves, config (which builds
    // them), the pure signers (credentials are their parameters) and the gateway (the server half
    // of the R2 binding store, which verifies with its key pair).
    const allowed = (file: string) =>
      /^(stores|s3|gateway)\//.test(file) || file.startsWith('config/')
    const hostTest = /(amazonaws|googleapis|cloudflarestorage)\.com(?!\/doc\/)/
    const storeSecrets =
      /\.(credential|account|secretAccessKey|accessKeyId|sessionToken|privateKey|clientEmail|endpoint|binding)\b/
    const leaks = [...graph.keys()].flatMap((file) => {
      if (allowed(file)) return []
      const text = readFileSync(join(SRC, file), 'utf8')
      return [hostTest, storeSecrets].flatMap((pattern) => {
        const found = pattern.exec(text)
        return found ? [`${file}: ${found[0]}`] : []
      })
    })
    expect(leaks).toEqual([])
  })

  it('lets features authorise without the HTTP middleware', () => {
    const middleware = [...graph]
      .filter(([file]) => /^(services|share)\//.test(file) || file === 'rpc.ts')
      .filter(([, imports]) => imports.includes('auth/authenticate.ts'))
      .map(([file]) => file)
    expect(middleware).toEqual([])
  })
})
