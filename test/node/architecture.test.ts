// The layering of src/ (docs/ARCHITECTURE.md), checked on the source: no import cycle (type-only
// imports included), no floor importing a higher one, RPC calling services and never routes, and
// no feature outside the store modules branching on a target's kind, testing a host name or
// reading a store's credentials.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '..', '..', 'src')

/** Floors, lowest first. A module may import its own floor and lower ones. */
const FLOORS: [RegExp, number][] = [
  [/^lib\//, 0],
  [/^errors\.ts$/, 0],
  [/^s3\//, 1],
  [/^schemas\//, 2],
  [/^stores\//, 3],
  [/^config\.ts$/, 4],
  [/^api\.ts$/, 4],
  [/^env\.ts$/, 5],
  [/^auth\//, 6],
  [/^webhooks\//, 6],
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
        file !== 'config.ts' &&
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
    const allowed = (file: string) => /^(stores|s3|gateway)\//.test(file) || file === 'config.ts'
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
