// The stable identity of a caller: what owns its shares and what its rate limit counts.
import type { Caller } from '../env'

/** `key:<id>`, `jwt:<sub>` or `binding:<name>`. */
export function callerId(caller: Caller): string {
  switch (caller.kind) {
    case 'key':
      return `key:${caller.id}`
    case 'jwt':
      return `jwt:${caller.subject}`
    case 'binding':
      return `binding:${caller.name}`
  }
}
