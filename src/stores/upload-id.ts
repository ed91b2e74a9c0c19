// Upload ids the gateway hands out for R2 multipart uploads carry a tag that binds them to their
// bucket and key (HMAC-SHA256 under a key derived from the bucket's gateway secret). A forged id,
// or a real one used with another key, is refused here: R2 is never asked about it.
import { base64url, textEqual } from '../lib/bytes'
import type { Credential } from './store'

const encoder = new TextEncoder()
const keys = new WeakMap<Credential, Promise<CryptoKey>>()
const TAG_LENGTH = 22 // 128 bits in base64url

function tagKey(credential: Credential): Promise<CryptoKey> {
  let key = keys.get(credential)
  if (!key) {
    // A key of its own, so no signature elsewhere can be replayed as a tag.
    key = crypto.subtle
      .importKey(
        'raw',
        encoder.encode(`signet-upload-id:${credential.secretAccessKey}`),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['sign'],
      )
      .catch((error: unknown) => {
        keys.delete(credential)
        throw error
      })
    keys.set(credential, key)
  }
  return key
}

async function tag(credential: Credential, bucket: string, key: string, id: string) {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await tagKey(credential),
    encoder.encode(`${bucket}\n${key}\n${id}`),
  )
  return base64url(new Uint8Array(mac)).slice(0, TAG_LENGTH)
}

/** The id to give out for R2's upload `id` of `key` in `bucket`. */
export async function sealUploadId(
  credential: Credential,
  bucket: string,
  key: string,
  id: string,
): Promise<string> {
  return `${id}.${await tag(credential, bucket, key, id)}`
}

/** R2's upload id inside a sealed one, or undefined when it was not made for this bucket and key. */
export async function openUploadId(
  credential: Credential,
  bucket: string,
  key: string,
  sealed: string,
): Promise<string | undefined> {
  const dot = sealed.lastIndexOf('.')
  if (dot < 1 || sealed.length - dot - 1 !== TAG_LENGTH) return undefined
  const id = sealed.slice(0, dot)
  return textEqual(await tag(credential, bucket, key, id), sealed.slice(dot + 1)) ? id : undefined
}
