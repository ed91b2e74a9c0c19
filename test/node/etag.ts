// S3's multipart ETag, computed the way S3 does, for tests that check a store or a client by it.
import { createHash } from 'node:crypto'

/** The MD5 of the parts' MD5s and the part count, quoted: `"<hex>-<parts>"`. */
export function multipartEtag(bytes: Uint8Array, partSize: number): string {
  const digests: Buffer[] = []
  for (let at = 0; at < bytes.length; at += partSize) {
    digests.push(
      createHash('md5')
        .update(bytes.subarray(at, at + partSize))
        .digest(),
    )
  }
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`
}
