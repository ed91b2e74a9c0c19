import { describe, expect, it } from 'vitest'
import { inspectUrl } from '../../src/s3/inspect'
import { isV2Query, stringToSignV2, verifyPresignedV2 } from '../../src/s3/verify-v2'

// The query-string authentication example of S3's REST authentication (SigV2) documentation.
const credential = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}
const query =
  'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620'
const input = {
  method: 'GET',
  resource: '/johnsmith/photos/puppy.jpg',
  rawQuery: query,
  headers: new Headers(),
  now: new Date(1175139620_000 - 60_000),
  lookup: (id: string) => (id === credential.accessKeyId ? credential : undefined),
}

describe('SigV2 query authentication', () => {
  it('verifies the published example and builds its string to sign', async () => {
    expect(isV2Query(query)).toBe(true)
    expect(stringToSignV2('GET', new Headers(), '1175139620', input.resource, new Map())).toBe(
      'GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg',
    )
    const verified = await verifyPresignedV2(input)
    expect(verified.ok).toBe(true)
  })

  it.each([
    ['another key', { resource: '/johnsmith/photos/kitten.jpg' }, 'signature_mismatch'],
    ['another method', { method: 'HEAD' }, 'signature_mismatch'],
    ['PUT', { method: 'PUT' }, 'method'],
    ['after Expires', { now: new Date(1175139621_000) }, 'expired'],
    ['more than 7 days ahead', { now: new Date(1175139620_000 - 8 * 86400_000) }, 'too_far'],
    ['an unknown key id', { lookup: () => undefined }, 'unknown_access_key'],
    [
      'no Signature',
      { rawQuery: 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1' },
      'missing_parameter',
    ],
    ['two Expires', { rawQuery: `${query}&Expires=1175139620` }, 'duplicate_parameter'],
  ])('refuses %s', async (_, change, reason) => {
    const verified = await verifyPresignedV2({ ...input, ...change })
    expect(verified).toMatchObject({ ok: false, reason })
  })

  it('signs the sub-resources S3 signs, and no other parameter', () => {
    const params = new Map([
      ['response-content-type', 'text/plain'],
      ['x-other', 'ignored'],
      ['acl', ''],
    ])
    expect(stringToSignV2('GET', new Headers(), '1', '/b/k', params)).toBe(
      'GET\n\n\n1\n/b/k?acl&response-content-type=text/plain',
    )
  })
})

describe('the URL doctor on SigV2 URLs', () => {
  const url = `https://s3.amazonaws.com/johnsmith/photos/puppy.jpg?${query}`

  it('explains one, with its expiry and whether the held credential signed it', async () => {
    const inspection = await inspectUrl(url, { now: input.now, lookup: input.lookup })
    expect(inspection).toMatchObject({
      algorithm: 'AWS-HMAC-SHA1 (SigV2)',
      bucket: 'johnsmith',
      key: 'photos/puppy.jpg',
      expiresAt: '2007-03-29T03:40:20Z',
      expired: false,
      signatureValid: true,
      method: 'GET',
    })
    expect(inspection.problems.join(' ')).toContain('SigV2')
    expect(JSON.stringify(inspection)).not.toContain('NpgCjnDzrM')
  })

  it('says when the signature does not match and when it expires too far ahead', async () => {
    const tampered = await inspectUrl(url.replace('puppy', 'kitten'), {
      now: input.now,
      lookup: input.lookup,
    })
    expect(tampered.signatureValid).toBe(false)
    const early = await inspectUrl(url, {
      now: new Date(1175139620_000 - 8 * 86400_000),
      lookup: () => undefined,
    })
    expect(early.signatureValid).toBeUndefined()
    expect(early.problems.join(' ')).toContain('more than 7 days')
  })
})
