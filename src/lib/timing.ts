// Where a request's time goes, for its Server-Timing header: round trips to D1, to Durable Objects
// and subrequests (counted and timed) and signing. `countD1` wraps a D1 binding so that every
// query through it is counted, sessions included. Pure bookkeeping; no I/O of its own.

export type Phase = 'd1' | 'do' | 'fetch' | 'sign' | 'store'

export class Timing {
  private readonly started = Date.now()
  private readonly counts: Record<Phase, number> = { d1: 0, do: 0, fetch: 0, sign: 0, store: 0 }
  private readonly spent: Record<Phase, number> = { d1: 0, do: 0, fetch: 0, sign: 0, store: 0 }
  /** Whether the answer reports its round trips to the store and to objects (even none). */
  private useShown = false
  /** Whether the location's object cache answered (hit) or not (miss), where it was asked. */
  private cacheResult: 'hit' | 'miss' | undefined

  /**
   * The answer says `store;desc="<n>"` and `do;desc="<n>"`, also when n is 0 (share links,
   * upload links and the gateway: what a use cost, at a glance).
   */
  showUseCounts(): void {
    this.useShown = true
  }

  noteCache(result: 'hit' | 'miss'): void {
    // A miss anywhere in the request is what it cost.
    if (this.cacheResult !== 'miss') this.cacheResult = result
  }

  async measure<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const started = Date.now()
    try {
      return await work()
    } finally {
      this.counts[phase]++
      this.spent[phase] += Date.now() - started
    }
  }

  /** One round trip of `phase` that took `ms`, counted after the fact. */
  add(phase: Phase, ms: number): void {
    this.counts[phase]++
    this.spent[phase] += ms
  }

  count(phase: Phase): number {
    return this.counts[phase]
  }

  /** `total;dur=…, d1;desc="<round trips>";dur=…` and the Durable Object and signing entries. */
  header(): string {
    const entries = [
      `total;dur=${Date.now() - this.started}`,
      `d1;desc="${this.counts.d1}";dur=${this.spent.d1}`,
    ]
    if (this.useShown || this.counts.do > 0)
      entries.push(`do;desc="${this.counts.do}";dur=${this.spent.do}`)
    if (this.counts.fetch > 0) {
      entries.push(`fetch;desc="${this.counts.fetch}";dur=${this.spent.fetch}`)
    }
    if (this.useShown || this.counts.store > 0) {
      entries.push(`store;desc="${this.counts.store}";dur=${this.spent.store}`)
    }
    if (this.cacheResult) entries.push(`cache;desc="${this.cacheResult}"`)
    if (this.counts.sign > 0) entries.push(`sign;dur=${this.spent.sign}`)
    return entries.join(', ')
  }
}

/** A Durable Object namespace whose every stub call is one counted round trip. */
export function countDurableObjects<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  timing: Timing,
): DurableObjectNamespace<T> {
  return new Proxy(namespace, {
    get(target, property) {
      const value = Reflect.get(target, property)
      if (property !== 'get' || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value
      }
      return (...args: Parameters<DurableObjectNamespace<T>['get']>) => {
        const stub = target.get(...args)
        return new Proxy(stub, {
          get(inner, name) {
            const method = Reflect.get(inner, name)
            if (typeof method !== 'function') return method
            // An RPC stub's methods are called on the stub itself (`apply` would be a remote name).
            const call = (params: unknown[]) =>
              (inner as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>)[name]?.(
                ...params,
              )
            return (...params: unknown[]) =>
              timing.measure('do', () => Promise.resolve(call(params)))
          },
        })
      }
    },
  })
}

type Runner = Pick<D1PreparedStatement, 'first' | 'run' | 'all' | 'raw'>

/** The statement each counted wrapper stands for (a batch runs the real ones). */
const realStatements = new WeakMap<object, D1PreparedStatement>()

function unwrap(statements: D1PreparedStatement[]): D1PreparedStatement[] {
  return statements.map((statement) => realStatements.get(statement) ?? statement)
}

/** A prepared statement whose every run is one counted round trip. */
class CountedStatement {
  constructor(
    private readonly statement: D1PreparedStatement,
    private readonly timing: Timing,
  ) {
    realStatements.set(this, statement)
  }

  bind(...values: unknown[]): D1PreparedStatement {
    return counted(this.statement.bind(...values), this.timing)
  }

  first(...args: unknown[]) {
    return this.#run('first', args)
  }

  run(...args: unknown[]) {
    return this.#run('run', args)
  }

  all(...args: unknown[]) {
    return this.#run('all', args)
  }

  raw(...args: unknown[]) {
    return this.#run('raw', args)
  }

  #run(name: keyof Runner, args: unknown[]): Promise<unknown> {
    const method = this.statement[name] as (...a: unknown[]) => Promise<unknown>
    return this.timing.measure('d1', () => method.apply(this.statement, args))
  }
}

function counted(statement: D1PreparedStatement, timing: Timing): D1PreparedStatement {
  return new CountedStatement(statement, timing) as unknown as D1PreparedStatement
}

/** A D1 binding whose every query (statement, batch, session) is one counted round trip. */
class CountedD1 {
  constructor(
    private readonly db: D1Database,
    private readonly timing: Timing,
  ) {}

  prepare(sql: string): D1PreparedStatement {
    return counted(this.db.prepare(sql), this.timing)
  }

  batch(statements: D1PreparedStatement[]) {
    return this.timing.measure('d1', () => this.db.batch(unwrap(statements)))
  }

  exec(sql: string) {
    return this.timing.measure('d1', () => this.db.exec(sql))
  }

  withSession(constraint?: string): D1DatabaseSession {
    const inner = this.db.withSession(constraint)
    const timing = this.timing
    return {
      prepare: (sql: string) => counted(inner.prepare(sql), timing),
      batch: (statements: D1PreparedStatement[]) =>
        timing.measure('d1', () => inner.batch(unwrap(statements))),
      getBookmark: () => inner.getBookmark(),
    } as unknown as D1DatabaseSession
  }

  dump() {
    return (this.db as unknown as { dump: () => Promise<ArrayBuffer> }).dump()
  }
}

/** A D1 binding whose every query (statement, batch, session) is one counted round trip. */
export function countD1(db: D1Database, timing: Timing): D1Database {
  return new CountedD1(db, timing) as unknown as D1Database
}
