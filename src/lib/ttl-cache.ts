// A bounded map whose entries live until a given instant: what an isolate may remember between
// requests. Oldest entries leave first when it is full (a Map iterates in insertion order).

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>()

  constructor(private readonly maxEntries: number) {}

  /** The value while `now` is before its end; an ended entry is dropped. */
  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (now >= entry.until) {
      this.entries.delete(key)
      return undefined
    }
    return entry.value
  }

  set(key: K, value: V, until: number): void {
    this.entries.delete(key)
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done) break
      this.entries.delete(oldest.value)
    }
    this.entries.set(key, { value, until })
  }

  delete(key: K): void {
    this.entries.delete(key)
  }

  /** Drops every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) {
      if (matches(entry.value)) this.entries.delete(key)
    }
  }
}
