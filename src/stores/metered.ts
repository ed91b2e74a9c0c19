// A bucket's store as one request uses it, counting each round trip to the store (an R2 binding
// call or a request to a remote store) into the request's Server-Timing (`store;desc="<n>"`).
// Signing a URL is no round trip and is not counted.
import type { Timing } from '../lib/timing'
import type { Store } from './store'

/** The store methods that reach the store. */
const ROUND_TRIPS: ReadonlySet<PropertyKey> = new Set([
  'readObject',
  'headObject',
  'listObjects',
  'putObject',
  'createMultipartUpload',
  'completeMultipartUpload',
  'abortMultipartUpload',
])

export function meteredStore(store: Store, timing: Timing): Store {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (property === 'knownVersion') {
        // A store that can tell only by a round trip to elsewhere answers undefined at once.
        return async (...args: unknown[]) => {
          const started = Date.now()
          const version = await Reflect.apply(value, target, args)
          if (version !== undefined) timing.add('store', Date.now() - started)
          return version
        }
      }
      if (!ROUND_TRIPS.has(property)) return value.bind(target)
      // Called on the store itself, so a method that calls another is counted once.
      return (...args: unknown[]) =>
        timing.measure('store', () => Promise.resolve(Reflect.apply(value, target, args)))
    },
  })
}
