// The one scope enforcement point. Every route that touches an object asks checkScope first.
// Pure: takes the caller's scope and what it wants, answers allowed or the first reason it is not.
import { type Cidr, ipAllowed, parseCidr } from '../lib/cidr'
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
  /** Media type the grant allows; required by scopes with contentTypes for uploads. */
  contentType?: string
  /** True when the grant lets the holder choose the key (a post-policy prefix): key is a prefix. */
  keyIsPrefix?: boolean
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

/** The media type without parameters, lower-cased: `Text/HTML; charset=utf-8` → `text/html`. */
export function mediaTypeEssence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase()
}

export function mediaTypeAllowed(patterns: readonly string[], contentType: string): boolean {
  const essence = mediaTypeEssence(contentType)
  const slash = essence.indexOf('/')
  if (slash <= 0) return false
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase()
    if (pattern === '*/*') return true
    if (pattern.endsWith('/*')) return essence.startsWith(pattern.slice(0, -1))
    return essence === pattern
  })
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
  if (UPLOADS.has(request.operation)) {
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
      if (!mediaTypeAllowed(scope.contentTypes, request.contentType)) {
        return deny('content_type', `This caller may upload only ${scope.contentTypes.join(', ')}.`)
      }
    }
  }
  return { ok: true }
}

/** Whether a caller with this scope may call from `ip` (CF-Connecting-IP). No list: anywhere. */
export function callerIpAllowed(scope: Scope, ip: string | undefined): boolean {
  if (!scope.allowIps) return true
  const cidrs = scope.allowIps.map(parseCidr).filter((cidr): cidr is Cidr => cidr !== undefined)
  return ipAllowed(cidrs, ip)
}
