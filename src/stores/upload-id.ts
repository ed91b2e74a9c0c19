// Upload ids the gateway hands out for R2 multipart uploads carry a tag that binds them to their
// bucket and key (HMAC-SHA256 under a key derived from the bucket's gateway secret), and the
// parts and length the upload declared, if any. A forged id, or a real one used with another key
// or another declaration, is refused here: R2 is never asked about it.
import { base64url, textEqual } from '../lib/bytes'
import { type Credential, verifyingPairs } from './store'

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

/** What a multipart upload said it would be: so many parts, so many bytes in all. */
export type Declared = { parts: number; length: number }

/** The declaration's segment of a sealed id: `p<parts>l<length>`. */
const DECLARED = /^p(\d{1,5})l(\d{1,16})$/

async function tag(credential: Credential, bucket: string, key: string, body: string) {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await tagKey(credential),
    encoder.encode(`${bucket}\n${key}\n${body}`),
  )
  return base64url(new Uint8Array(mac)).slice(0, TAG_LENGTH)
}

/** The id to give out for R2's upload `id` of `key` in `bucket`, with its declaration if any. */
export async function sealUploadId(
  credential: Credential,
  bucket: string,
  key: string,
  id: string,
  declared?: Declared,
): Promise<string> {
  const body = declared ? `${id}.p${declared.parts}l${declared.length}` : id
  return `${body}.${await tag(credential, bucket, key, body)}`
}

/**
 * R2's upload id inside a sealed one, and the declaration sealed with it; undefined when it was
 * not made for this bucket and key. An id sealed with the previous key pair still opens while that
 * pair is kept (an upload in flight survives a rotation).
 */
export async function openUploadId(
  credential: Credential,
  bucket: string,
  key: string,
  sealed: string,
): Promise<{ id: string; declared: Declared | undefined } | undefined> {
  const dot = sealed.lastIndexOf('.')
  if (dot < 1 || sealed.length - dot - 1 !== TAG_LENGTH) return undefined
  const body = sealed.slice(0, dot)
  let sealedBy: Credential | undefined
  for (const pair of verifyingPairs(credential)) {
    if (textEqual(await tag(pair, bucket, key, body), sealed.slice(dot + 1))) sealedBy = pair
  }
  if (sealedBy === undefined) return undefined
  // Covered by the tag, so trusted. Ids sealed without a declaration end in R2's own id.
  const inner = body.lastIndexOf('.')
  const match = inner > 0 ? DECLARED.exec(body.slice(inner + 1)) : null
  if (!match) return { id: body, declared: undefined }
  return {
    id: body.slice(0, inner),
    declared: { parts: Number(match[1]), length: Number(match[2]) },
  }
}
