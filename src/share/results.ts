// What a share use answers (the route turns it into HTTP), and how a store's refusal of a
// proxied read is answered and audited.
import { AppError, type ErrorCode } from '../errors'
import { lastSegment } from '../lib/object-key'
import type { ObjectRead } from '../stores/store'
import type { ListingPage } from './folder'
import type { PreviewKind } from './preview'
import type { ShareRecord, UseKind } from './record'

export type Refusal = { type: 'refused'; code: ErrorCode; retryAfter?: number }

/** What a share's page shows: the share's own facts, and where its download may redirect. */
export type SharePageFacts = {
  share: ShareRecord
  size: number | null
  /** The origin the Download button's answer may redirect to. */
  downloadOrigin: string
  /** How the page previews the file (null: it does not), with a text file's start. */
  preview: { kind: PreviewKind; text?: string; truncated?: boolean } | null
}

export type ShareUseResult =
  | Refusal
  /** The share asks for its password: none came, or a wrong one (a browser gets the form). */
  | { type: 'password'; share: ShareRecord; wrong: boolean }
  /** The right password came through the page's form: a ticket for the browser's cookie. */
  | { type: 'unlocked'; share: ShareRecord; ticket: { value: string; maxAge: number } }
  | { type: 'page'; page: SharePageFacts }
  /** A page of a folder share's files. */
  | { type: 'folder'; share: ShareRecord; page: ListingPage }
  /** A folder share's zip, streamed (no body for HEAD). */
  | { type: 'zip'; name: string; length: number; body: ReadableStream | null }
  | { type: 'redirect'; location: string }
  | { type: 'object'; status: 200 | 206 | 304; headers: Headers; body: ReadableStream | null }
  /** The page's preview of the file, served inline as its one media type. */
  | {
      type: 'preview'
      kind: PreviewKind
      status: 200 | 206 | 304
      headers: Headers
      body: ReadableStream | null
    }
  /** The store's own answer to a precondition or a range: status only. */
  | { type: 'unsatisfied'; status: 412 | 416 }

/** The name a share's page shows: its filename, or the last segment of its key (or prefix). */
export function shownName(share: ShareRecord): string {
  return share.filename ?? lastSegment(share.key)
}

/** Every proxied read the store refuses is audited as what it was. */
export const READ_FAILURE_OUTCOME = {
  not_found: 'not_found_in_store',
  precondition_failed: 'precondition_failed',
  invalid_range: 'range_not_satisfiable',
  bad_condition: 'bad_request',
} as const satisfies Record<Extract<ObjectRead, { ok: false }>['reason'], UseKind>

/** A store's refusal of a proxied read, answered as the store answered it (or as a bad request). */
export function readFailure(
  reason: Extract<ObjectRead, { ok: false }>['reason'],
): Refusal | { type: 'unsatisfied'; status: 412 | 416 } {
  switch (reason) {
    case 'not_found':
      return { type: 'refused', code: 'not_found' }
    case 'precondition_failed':
      return { type: 'unsatisfied', status: 412 }
    case 'invalid_range':
      return { type: 'unsatisfied', status: 416 }
    case 'bad_condition':
      throw new AppError(
        'invalid_request',
        'If-Match and If-None-Match must be * or entity tags like "abc".',
      )
    default: {
      const unreachable: never = reason
      throw new Error(`unhandled read failure ${String(unreachable)}`)
    }
  }
}
