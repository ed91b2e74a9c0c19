import { describe, expect, it } from 'vitest'
import { callerIpAllowed, checkScope, type ScopeRequest } from '../../src/auth/scope'
import { mediaTypeAllowed } from '../../src/lib/media-type'
import type { Scope } from '../../src/schemas'

const base: Scope = { buckets: ['media'], operations: ['get', 'put'] }
const get: ScopeRequest = { bucket: 'media', key: 'a/b.txt', operation: 'get' }
const put: ScopeRequest = { bucket: 'media', key: 'a/b.txt', operation: 'put' }

function reason(scope: Scope, request: ScopeRequest) {
  const check = checkScope(scope, request)
  return check.ok ? 'ok' : check.reason
}

describe('scopes', () => {
  it('buckets: allows listed buckets only', () => {
    expect(reason(base, get)).toBe('ok')
    expect(reason(base, { ...get, bucket: 'other' })).toBe('bucket')
    expect(reason({ ...base, buckets: ['media', 'other'] }, { ...get, bucket: 'other' })).toBe('ok')
  })

  it('operations: allows listed operations only', () => {
    expect(reason(base, { ...get, operation: 'delete' })).toBe('operation')
    expect(reason(base, { ...get, operation: 'head' })).toBe('operation')
    expect(reason({ ...base, operations: ['delete'] }, { ...get, operation: 'delete' })).toBe('ok')
  })

  it('prefixes: compares the exact key, with no decoding or normalisation', () => {
    const scope = { ...base, prefixes: ['users/alice/'] }
    expect(reason(scope, { ...get, key: 'users/alice/photo.jpg' })).toBe('ok')
    expect(reason(scope, { ...get, key: 'users/bob/photo.jpg' })).toBe('prefix')
    expect(reason(scope, { ...get, key: 'users/alice' })).toBe('prefix')
    expect(reason(scope, { ...get, key: 'Users/alice/x' })).toBe('prefix')
    expect(reason(scope, { ...get, key: 'users%2Falice/x' })).toBe('prefix')
    // The key rules run first, so a traversal never reaches the prefix check.
    expect(reason(scope, { ...get, key: 'users/alice/../bob/x' })).toBe('invalid_key')
    expect(reason(scope, { ...get, key: 'users/alice/%2e%2e/bob/x' })).toBe('invalid_key')
    expect(reason({ ...base, prefixes: ['a/', 'b/'] }, { ...get, key: 'b/x' })).toBe('ok')
  })

  it('maxExpiresIn: allows up to the maximum and refuses one second more', () => {
    const scope = { ...base, maxExpiresIn: 600 }
    expect(reason(scope, { ...get, expiresIn: 600 })).toBe('ok')
    expect(reason(scope, { ...get, expiresIn: 601 })).toBe('expires_in')
    const check = checkScope(scope, { ...get, expiresIn: 601 })
    expect(check.ok ? '' : check.message).toContain('600')
  })

  it('maxContentLength: uploads must state a length within it; downloads are unaffected', () => {
    const scope = { ...base, maxContentLength: 1000 }
    expect(reason(scope, { ...put, contentLength: 1000 })).toBe('ok')
    expect(reason(scope, { ...put, contentLength: 1001 })).toBe('content_length')
    expect(reason(scope, put)).toBe('content_length_missing')
    expect(reason(scope, get)).toBe('ok')
  })

  it('contentTypes: uploads must state a matching type; wildcards match a whole type', () => {
    const scope = { ...base, contentTypes: ['image/*', 'application/pdf'] }
    expect(reason(scope, { ...put, contentType: 'image/png' })).toBe('ok')
    expect(reason(scope, { ...put, contentType: 'IMAGE/PNG; foo=bar' })).toBe('ok')
    expect(reason(scope, { ...put, contentType: 'application/pdf' })).toBe('ok')
    expect(reason(scope, { ...put, contentType: 'application/pdfx' })).toBe('content_type')
    expect(reason(scope, { ...put, contentType: 'text/html' })).toBe('content_type')
    expect(reason(scope, { ...put, contentType: 'imagex/png' })).toBe('content_type')
    expect(reason(scope, put)).toBe('content_type_missing')
    expect(reason(scope, get)).toBe('ok')
    expect(mediaTypeAllowed(['*/*'], 'anything/at-all')).toBe(true)
    expect(mediaTypeAllowed(['*/*'], 'no-slash')).toBe(false)
    expect(reason(scope, { ...put, contentType: 'image/png, text/html' })).toBe('content_type')
    expect(reason(scope, { ...put, contentType: 'image/' })).toBe('content_type')
  })

  it('a multipart complete or abort needs the operation, not the size and type of the start', () => {
    const scope: Scope = {
      ...base,
      operations: ['multipart'],
      maxContentLength: 100,
      contentTypes: ['video/*'],
    }
    const finish: ScopeRequest = { ...put, operation: 'multipart', finishesUpload: true }
    expect(reason(scope, finish)).toBe('ok')
    expect(reason(scope, { ...finish, finishesUpload: false })).toBe('content_length_missing')
    expect(reason({ ...scope, operations: ['put'] }, finish)).toBe('operation')
    expect(reason(scope, { ...finish, key: '../x' })).toBe('invalid_key')
  })

  it('allowIps: the caller address must be inside; no list means anywhere; none given is refused', () => {
    const scope = { ...base, allowIps: ['203.0.113.0/24', '2001:db8::/32'] }
    expect(callerIpAllowed(scope, '203.0.113.5')).toBe(true)
    expect(callerIpAllowed(scope, '2001:db8::5')).toBe(true)
    expect(callerIpAllowed(scope, '198.51.100.1')).toBe(false)
    expect(callerIpAllowed(scope, undefined)).toBe(false)
    expect(callerIpAllowed(base, undefined)).toBe(true)
    expect(callerIpAllowed(base, '198.51.100.1')).toBe(true)
  })
})
