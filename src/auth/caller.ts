// The stable identity of a caller: what owns its links and what its rate limit counts; and who
// a principal acts for over links (its own, or every owner's for the admin).
import type { Caller, Principal } from '../env'
import { AppError } from '../errors'

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

/** The owner a principal acts for: its own id, or null for the admin (every owner). */
export function actingOwner(principal: Principal): string | null {
  return principal.kind === 'admin' ? null : callerId(principal)
}

/** The caller that makes a link; the admin makes none (`what`: "share links", "upload links"). */
export function linkMaker(principal: Principal, what: string): Caller {
  if (principal.kind === 'admin') {
    throw new AppError('forbidden', `The admin token creates no ${what}; use an API key.`)
  }
  return principal
}
