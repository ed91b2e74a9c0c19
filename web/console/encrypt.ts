// "Encrypt end to end" on Send: a file encrypted in this browser as it is read (RFC 8188
// aes128gcm, src/lib/ece.ts), part by part as the upload asks for each (the ciphertext's length is
// known before a byte is read, so the multipart upload has equal parts), under a name that says
// nothing; its name, type and size encrypted beside it; the key only in the link's fragment.
import { encrypt, encryptedSlices, newSecret } from '../../src/lib/ece'
import { toBase64url } from '../base64url'

/** The file's ciphertext as an upload body, its encrypted facts and the key for the fragment. */
export async function encryptedFile(file: File) {
  const secret = newSecret()
  const read = async (start: number, end: number) =>
    new Uint8Array(await file.slice(start, end).arrayBuffer())
  const slices = encryptedSlices(secret, file.size, read)
  const facts = {
    name: file.name,
    type: file.type || 'application/octet-stream',
    size: file.size,
  }
  const meta = await encrypt(secret, new TextEncoder().encode(JSON.stringify(facts)))
  return {
    body: {
      size: slices.length,
      type: 'application/octet-stream',
      slice: async (start: number, end: number) =>
        new Blob([(await slices.slice(start, end)) as Uint8Array<ArrayBuffer>]),
    },
    encryptedMeta: toBase64url(meta),
    key: toBase64url(secret),
  }
}
