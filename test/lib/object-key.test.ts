import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { checkKeyPrefix, checkObjectKey, MAX_KEY_BYTES } from '../../src/lib/object-key'

const SAFE_CHAR = fc.constantFrom(...Array.from('abcXYZ019-_~ +!\'()*=&?#@$,;:[]{}<>"^`|é日😀'))
const safeSegment = fc
  .array(SAFE_CHAR, { minLength: 1, maxLength: 8 })
  .map((chars) => chars.join(''))
  .filter((s) => s !== '.' && s !== '..')

/** Every way a "." can be spelled to some decoder along the way. */
const DOT = fc.constantFrom('.', '%2e', '%2E', '%252e', '%252E', '%25252e', '\uff0e')
const dotSegment = fc.oneof(
  DOT,
  fc.tuple(DOT, DOT).map(([a, b]) => a + b),
)
const SEPARATOR = fc.constantFrom('/', '\\', '%2f', '%2F', '%5c', '%5C', '%252f')

describe('object keys', () => {
  it('accepts ordinary keys, including every special character S3 allows', () => {
    for (const key of [
      'a',
      'a/b/c.txt',
      'with space',
      'plus+sign',
      '100%',
      'a.b',
      '...',
      '.hidden',
      'x/..y',
      'x/y..',
      'é/日本/😀',
    ]) {
      expect(checkObjectKey(key), key).toEqual({ ok: true })
    }
    fc.assert(
      fc.property(fc.array(safeSegment, { minLength: 1, maxLength: 6 }), (segments) => {
        const key = segments.join('/')
        fc.pre(new TextEncoder().encode(key).length <= MAX_KEY_BYTES)
        expect(checkObjectKey(key)).toEqual({ ok: true })
      }),
      { numRuns: 500 },
    )
  })

  it('refuses a dot segment however it is encoded or wherever it stands', () => {
    fc.assert(
      fc.property(
        fc.array(safeSegment, { maxLength: 3 }),
        dotSegment,
        fc.array(safeSegment, { minLength: 1, maxLength: 3 }),
        SEPARATOR,
        (before, dots, after, separator) => {
          const key = [...before, dots, ...after].join(separator)
          fc.pre(!key.startsWith('/') && !key.startsWith('\\'))
          const check = checkObjectKey(key)
          expect(check.ok, key).toBe(false)
        },
      ),
      { numRuns: 2000 },
    )
    for (const key of [
      'a/../b',
      '..',
      'a/..',
      './a',
      'a/./b',
      '%2e%2e/x',
      'a/%2E%2e',
      '.%2e/x',
      'a\\..\\b',
      'a/%252e%252e/b',
      'a/%2e%2e%2fb',
      'a/\uff0e\uff0e/b',
    ]) {
      expect(checkObjectKey(key), key).toMatchObject({ ok: false, problem: 'dot_segment' })
    }
  })

  it('refuses control characters, raw or percent-encoded', () => {
    fc.assert(
      fc.property(
        safeSegment,
        fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f),
        fc.boolean(),
        (prefix, code, encode) => {
          const ch = String.fromCharCode(code)
          const key = `${prefix}${encode ? `%${code.toString(16).padStart(2, '0')}` : ch}x`
          const check = checkObjectKey(key)
          // %80..%9F decode to C1 code units in this check; all must be refused.
          expect(check, JSON.stringify(key)).toMatchObject({
            ok: false,
            problem: 'control_character',
          })
        },
      ),
      { numRuns: 500 },
    )
  })

  it('refuses leading slashes, empty segments, empty keys, lone surrogates and oversize keys', () => {
    expect(checkObjectKey('')).toMatchObject({ ok: false, problem: 'empty' })
    expect(checkObjectKey('/a')).toMatchObject({ ok: false, problem: 'leading_slash' })
    expect(checkObjectKey('%2fa')).toMatchObject({ ok: false, problem: 'leading_slash' })
    expect(checkObjectKey('a//b')).toMatchObject({ ok: false, problem: 'empty_segment' })
    expect(checkObjectKey('a/')).toMatchObject({ ok: false, problem: 'empty_segment' })
    expect(checkObjectKey('a\ud800b')).toMatchObject({ ok: false, problem: 'invalid_utf8' })
    expect(checkObjectKey('\udc00')).toMatchObject({ ok: false, problem: 'invalid_utf8' })
    expect(checkObjectKey('k'.repeat(1024))).toEqual({ ok: true })
    expect(checkObjectKey('k'.repeat(1025))).toMatchObject({ ok: false, problem: 'too_long' })
    // 256 four-byte characters are exactly 1024 bytes; one more byte is over.
    expect(checkObjectKey('😀'.repeat(256))).toEqual({ ok: true })
    expect(checkObjectKey(`${'😀'.repeat(256)}a`)).toMatchObject({ ok: false, problem: 'too_long' })
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 600 }), (key) => {
        const check = checkObjectKey(key)
        if (check.ok)
          expect(new TextEncoder().encode(key).length).toBeLessThanOrEqual(MAX_KEY_BYTES)
      }),
      { numRuns: 300 },
    )
  })

  it('checks prefixes like keys but allows a trailing slash', () => {
    expect(checkKeyPrefix('users/')).toEqual({ ok: true })
    expect(checkKeyPrefix('users/al')).toEqual({ ok: true })
    expect(checkKeyPrefix('')).toEqual({ ok: true })
    expect(checkKeyPrefix('/')).toMatchObject({ ok: false })
    expect(checkKeyPrefix('../')).toMatchObject({ ok: false })
    expect(checkKeyPrefix('a//')).toMatchObject({ ok: false })
  })
})
