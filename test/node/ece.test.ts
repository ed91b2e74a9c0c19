// The project's RFC 8188 aes128gcm codec (src/lib/ece.ts: end-to-end encrypted shares) against
// http_ece, an independent implementation, both ways: bytes it encrypts are decrypted here, bytes
// encrypted here are decrypted by it; at the record boundaries, an empty body, one byte, exactly
// one record, and records of 64 KiB and of a small size; the encoded length is known in advance;
// a flipped byte, a cut body and bytes after the last record are refused. The console's encoder
// (encryptedSlices: any range sealed on demand, as parts are sent) equals the streaming one and
// http_ece decrypts what it makes, whatever the parts.
import { randomBytes } from 'node:crypto'
import ece from 'http_ece'
import { describe, expect, it } from 'vitest'
import {
  DecryptError,
  decrypt,
  encodedLength,
  encrypt,
  encryptedSlices,
  encryptStream,
} from '../../src/lib/ece'

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

function sizesFor(rs: number): number[] {
  const chunk = rs - 17
  return [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 3 * chunk + 5]
}

describe('aes128gcm against http_ece', () => {
  for (const rs of [65_536, 100]) {
    it(`decrypts what http_ece encrypts and the other way, records of ${rs}`, async () => {
      for (const size of [...sizesFor(rs), 200 * 1024 + 7]) {
        const secret = new Uint8Array(randomBytes(16))
        const plain = new Uint8Array(randomBytes(size))
        const theirs = ece.encrypt(Buffer.from(plain), {
          version: 'aes128gcm',
          key: b64url(secret),
          rs,
        })
        expect(
          Buffer.from(await decrypt(secret, new Uint8Array(theirs))).equals(Buffer.from(plain)),
          `${size}`,
        ).toBe(true)
        const ours = await encrypt(secret, plain, rs)
        expect(ours.byteLength, `${size}`).toBe(encodedLength(size, rs))
        const back = ece.decrypt(Buffer.from(ours), { version: 'aes128gcm', key: b64url(secret) })
        expect(Buffer.from(back).equals(Buffer.from(plain)), `${size}`).toBe(true)
      }
    })
  }

  it('refuses a flipped byte, a cut body, a missing last record and bytes after it', async () => {
    const secret = new Uint8Array(randomBytes(16))
    const rs = 100
    const body = await encrypt(secret, new Uint8Array(randomBytes(500)), rs)
    const flipped = body.slice()
    flipped[200] = (flipped[200] as number) ^ 1
    await expect(decrypt(secret, flipped)).rejects.toBeInstanceOf(DecryptError)
    await expect(decrypt(secret, body.slice(0, body.byteLength - 3))).rejects.toBeInstanceOf(
      DecryptError,
    )
    // Cut at a record boundary: what is left ends with a middle record, not a last one.
    await expect(decrypt(secret, body.slice(0, 21 + 2 * rs))).rejects.toBeInstanceOf(DecryptError)
    const longer = new Uint8Array(body.byteLength + rs)
    longer.set(body)
    longer.set(body.subarray(21, 21 + rs), body.byteLength)
    await expect(decrypt(secret, longer)).rejects.toBeInstanceOf(DecryptError)
    await expect(decrypt(new Uint8Array(16), body)).rejects.toBeInstanceOf(DecryptError)
    expect(Buffer.from(await decrypt(secret, body)).byteLength).toBe(500)
  })

  it("seals any range as the stream would: the console's parts, decrypted by http_ece", async () => {
    for (const rs of [65_536, 100]) {
      for (const size of [...sizesFor(rs), 300 * 1024 + 3]) {
        const secret = new Uint8Array(randomBytes(16))
        const salt = new Uint8Array(randomBytes(16))
        const plain = new Uint8Array(randomBytes(size))
        const streamed = Buffer.concat(
          await Array.fromAsync(
            new Blob([plain]).stream().pipeThrough(encryptStream(secret, rs, salt)),
          ),
        )
        const reads: [number, number][] = []
        const slices = encryptedSlices(
          secret,
          size,
          async (start, end) => {
            reads.push([start, end])
            return plain.subarray(start, end)
          },
          { rs, salt },
        )
        expect(slices.length, `${rs}/${size}`).toBe(streamed.byteLength)
        // Equal parts (the last shorter), as a multipart upload sends them, in any order.
        // At most 64 parts each way (each part seals every record it touches afresh).
        const partSizes = [7, 64, rs, 5 * rs + 3, slices.length]
        for (const part of partSizes.filter((each) => slices.length / each <= 64)) {
          const starts = Array.from({ length: Math.ceil(slices.length / part) }, (_, i) => i * part)
          const pieces = await Promise.all(
            starts
              .reverse()
              .map((start) => slices.slice(start, Math.min(start + part, slices.length))),
          )
          const joined = Buffer.concat(pieces.reverse())
          expect(joined.equals(streamed), `${rs}/${size}/${part}`).toBe(true)
        }
        // Only the plaintext a slice's records need is read.
        reads.length = 0
        await slices.slice(21 + rs, 21 + rs + 1)
        if (size > rs) expect(reads).toEqual([[rs - 17, Math.min(2 * (rs - 17), size)]])
        const whole = await slices.slice(0, slices.length)
        const back = ece.decrypt(Buffer.from(whole), { version: 'aes128gcm', key: b64url(secret) })
        expect(Buffer.from(back).equals(Buffer.from(plain)), `${rs}/${size}`).toBe(true)
      }
    }
  })
})
