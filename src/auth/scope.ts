// The one scope enforcement point. Every route that touches an object asks checkScope first.
// Pure: takes the caller's scope and what it wants, answers allowed or the first reason it is not.
import { ipInCidrList } from '../lib/cidr'
import { mediaRangeAllowed, mediaTypeAllowed } from '../lib/media-type'
import { checkObjectKey } from '../lib/object-key'
import type { Operation, Scope } from '../schemas'

export type ScopeRequest = {
  bucket: string
  key: string
  operation: Operation
  /** Seconds the granted access would live. */
  expiresIn?: number
  /** Upload size the grant allows; required by scopes with maxContentLength for uploads. */
  contentLength?: number
  /**
   * Media type the grant allows; required by scopes with contentTypes for uploads. A range
   * (`image/*`, post policies only) must lie wholly inside the scope's patterns.
   */
  contentType?: string
  /** True when the grant lets the holder choose the key (a post-policy prefix): key is a prefix. */
  keyIsPrefix?: boolean
  /**
   * True when the request only finishes an upload already granted (multipart complete or abort):
   * it sends no bytes, so the size and type limits that governed the start do not apply again.
   */
  finishesUpload?: boolean
}

export type ScopeDenial =
  | 'invalid_key'
  | 'bucket'
  | 'operation'
  | 'prefix'
  | 'expires_in'
  | 'content_length_missing'
  | 'content_length'
  | 'content_type_missing'
  | 'content_type'

export type ScopeCheck = { ok: true } | { ok: false; reason: ScopeDenial; message: string }

const UPLOADS: ReadonlySet<Operation> = new Set(['put', 'multipart', 'post'])

function deny(reason: ScopeDenial, message: string): ScopeCheck {
  return { ok: false, reason, message }
}

export function checkScope(scope: Scope, request: ScopeRequest): ScopeCheck {
  const keyCheck = request.keyIsPrefix
    ? request.key === ''
      ? ({ ok: true } as const)
      : checkObjectKey(request.key.endsWith('/') ? request.key.slice(0, -1) : request.key)
    : checkObjectKey(request.key)
  if (!keyCheck.ok) return deny('invalid_key', `key ${keyCheck.message}`)
  if (!scope.buckets.includes(request.bucket)) {
    return deny('bucket', 'This caller may not use this bucket.')
  }
  if (!scope.operations.includes(request.operation)) {
    return deny('operation', `This caller may not ${request.operation}.`)
  }
  // Prefixes are compared with the exact key string: no decoding, no normalisation.
  if (scope.prefixes && !scope.prefixes.some((prefix) => request.key.startsWith(prefix))) {
    return deny('prefix', 'This caller may not use keys outside its prefixes.')
  }
  if (
    request.expiresIn !== undefined &&
    scope.maxExpiresIn !== undefined &&
    request.expiresIn > scope.maxExpiresIn
  ) {
    return deny(
      'expires_in',
      `expiresIn must be at most ${scope.maxExpiresIn} seconds for this caller.`,
    )
  }
  if (UPLOADS.has(request.operation) && !request.finishesUpload) {
    if (scope.maxContentLength !== undefined) {
      if (request.contentLength === undefined) {
        return deny(
          'content_length_missing',
          `contentLength is required: this caller's uploads are capped at ${scope.maxContentLength} bytes.`,
        )
      }
      if (request.contentLength > scope.maxContentLength) {
        return deny(
          'content_length',
          `contentLength must be at most ${scope.maxContentLength} bytes for this caller.`,
        )
      }
    }
    if (scope.contentTypes !== undefined) {
      if (request.contentType === undefined) {
        return deny(
          'content_type_missing',
          `contentType is required: this caller may upload only ${scope.contentTypes.join(', ')}.`,
        )
      }
      const allowed = request.contentType.endsWith('/*')
        ? mediaRangeAllowed(scope.contentTypes, request.contentType)
        : mediaTypeAllowed(scope.contentTypes, request.contentType)
      if (!allowed) {
        return deny('content_type', `This caller may upload only ${scope.contentTypes.join(', ')}.`)
      }
    }
  }
  return { ok: true }
}

/** Whether a caller with this scope may call from `ip` (CF-Connecting-IP). No list: anywhere. */
export function callerIpAllowed(scope: Scope, ip: string | undefined): boolean {
  return !scope.allowIps || ipInCidrList(scope.allowIps, ip)
}
