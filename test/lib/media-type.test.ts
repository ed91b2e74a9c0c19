import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mediaRangeAllowed, mediaTypeAllowed, parseMediaType } from '../../src/lib/media-type'

const tchar = fc.constantFrom(..."!#$%&'*+.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIZ-")
const token = fc.string({ unit: tchar, minLength: 1, maxLength: 12 })
const parameter = fc.tuple(token, token).map(([name, value]) => `; ${name}=${value}`)
const mediaType = fc
  .tuple(token, token, fc.array(parameter, { maxLength: 3 }))
  .map(([type, subtype, params]) => `${type}/${subtype}${params.join('')}`)
  .filter((text) => text.length <= 255)

describe('media types', () => {
  it('parses every single RFC 9110 media type, its essence lower-cased', () => {
    fc.assert(
      fc.property(mediaType, (text) => {
        const parsed = parseMediaType(text)
        expect(parsed?.essence).toBe(text.split(';')[0]?.toLowerCase())
      }),
      { numRuns: 1000 },
    )
  })

  it('refuses every list of media types, however it is spelled', () => {
    const separator = fc.constantFrom(',', ', ', ' ,', ',\t', ' ')
    fc.assert(
      fc.property(mediaType, separator, mediaType, (a, sep, b) => {
        expect(parseMediaType(`${a}${sep}${b}`)).toBeUndefined()
        expect(mediaTypeAllowed(['*/*'], `${a}${sep}${b}`)).toBe(false)
      }),
      { numRuns: 1000 },
    )
  })

  it('lets nothing but one type of the range through a "type/*" pattern', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        if (mediaTypeAllowed(['image/*'], text)) {
          expect(text).not.toContain(',')
          expect(parseMediaType(text)?.type).toBe('image')
        }
      }),
      { numRuns: 2000 },
    )
  })

  it.each([
    ['image/png', true],
    ['IMAGE/PNG; q="a;b"', true],
    ['image/svg+xml;charset=utf-8', true],
    ['image/png, text/html', false],
    ['image/', false],
    ['image', false],
    ['/png', false],
    ['image/png text/html', false],
    ['image/png; x="a,text/html"', false],
    ['image/png;\r\nx=1', false],
    ['imagex/png', false],
  ])('%j against image/* → %s', (text, allowed) => {
    expect(mediaTypeAllowed(['image/*'], text)).toBe(allowed)
  })

  it('grants a range only when the scope grants all of it', () => {
    expect(mediaRangeAllowed(['image/*'], 'image/*')).toBe(true)
    expect(mediaRangeAllowed(['*/*'], 'text/*')).toBe(true)
    expect(mediaRangeAllowed(['image/png'], 'image/*')).toBe(false)
    expect(mediaRangeAllowed(['text/*'], 'image/*')).toBe(false)
  })
})
