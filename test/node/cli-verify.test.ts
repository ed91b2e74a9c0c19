// What a download is checked against (cli/verify.ts): the strongest the object's headers offer,
// and multipart ETags recomputed over the usual part sizes. Pure: no server.
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Check, expectedOf, partSizeCandidates } from '../../cli/verify'
import { multipartEtag } from './etag'

const MiB = 1024 * 1024

function check(headers: Record<string, string>, bytes: Buffer, chunk = 64 * 1024) {
  const expected = expectedOf(new Headers(headers))
  if (!expected) return 'nothing'
  const running = new Check(expected, bytes.length)
  for (let at = 0; at < bytes.length; at += chunk) running.update(bytes.subarray(at, at + chunk))
  return running.matches()
}

describe('download verification', () => {
  const bytes = randomBytes(21 * MiB + 5)
  const md5 = createHash('md5').update(bytes).digest('hex')
  const sha = createHash('sha256').update(bytes).digest('base64')
  const flipped = Buffer.from(bytes)
  flipped[12_345] = (flipped[12_345] as number) ^ 1

  it.each([
    ['the store SHA-256', { 'x-amz-checksum-sha256': sha, etag: '"whatever"' }],
    ['the SHA-256 kept as metadata', { 'x-amz-meta-sha256': sha, etag: '"whatever-3"' }],
    ['a single-part ETag', { etag: `"${md5}"` }],
    ['an 8 MiB multipart ETag', { etag: multipartEtag(bytes, 8 * MiB) }],
    ['a 5 MiB multipart ETag', { etag: multipartEtag(bytes, 5 * MiB) }],
    ['an equal-parts multipart ETag', { etag: multipartEtag(bytes, Math.ceil(bytes.length / 4)) }],
  ])('accepts the right bytes and refuses one flipped bit, by %s', (_, headers) => {
    expect(check(headers, bytes)).toBe(true)
    expect(check(headers, bytes, 1_000_003)).toBe(true)
    // A multipart ETag that matches no part size cannot tell: never "true".
    expect(check(headers, flipped)).not.toBe(true)
  })

  it('prefers the strongest check the headers offer', () => {
    expect(expectedOf(new Headers({ 'x-amz-checksum-sha256': sha, etag: `"${md5}"` }))).toEqual({
      kind: 'sha256',
      base64: sha,
      source: 'store',
    })
    expect(expectedOf(new Headers({ etag: 'W/"abc"' }))).toBeUndefined()
    expect(check({ etag: multipartEtag(bytes, 5 * MiB + 12_345) }, bytes)).toBeUndefined()
  })

  it('tries only part sizes that give the ETag its part count', () => {
    for (const [size, parts] of [
      [21 * MiB + 5, 3],
      [64 * MiB, 8],
      [64 * MiB, 2],
      [10 * MiB + 1, 2],
    ]) {
      const candidates = partSizeCandidates(size as number, parts as number)
      expect(candidates.length).toBeGreaterThan(0)
      expect(candidates.length).toBeLessThanOrEqual(24)
      for (const partSize of candidates) expect(Math.ceil((size as number) / partSize)).toBe(parts)
    }
    expect(partSizeCandidates(64 * MiB, 8)).toContain(8 * MiB)
  })
})
