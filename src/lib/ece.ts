// RFC 8188 "aes128gcm" content encoding with Web Crypto (browsers, Node, workerd): the format of
// end-to-end encrypted shares. A body is a header (a random 16-byte salt, the record size, no key
// id) and records of `rs` bytes: each the AES-128-GCM sealing of up to rs - 17 bytes of plaintext
// and a delimiter (1: more records follow; 2: the last), under a key and nonce derived from the
// 16-byte secret and the salt with HKDF-SHA-256. This encoder fills every record but the last and
// always ends with a last record (empty when the plaintext filled the others), so the encoded
// length is known before a byte is read. The decoder takes any conforming body (padding, an
// empty last record) and refuses anything else: a record whose tag does not verify, a delimiter
// out of place, a body that ends without its last record, bytes after it.

/** Records of 64 KiB, as Send uses and the contract says. */
export const DEFAULT_RECORD_SIZE = 65_536
const TAG = 16
const HEADER = 21

import { concatBytes } from './concat'

const utf8 = new TextEncoder()

export class DecryptError extends Error {}

/** Bytes as Web Crypto's and Blob's stricter typings want them (never a SharedArrayBuffer here). */
const own = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>

async function derive(secret: Uint8Array, salt: Uint8Array) {
  const ikm = await crypto.subtle.importKey('raw', own(secret), 'HKDF', false, ['deriveBits'])
  const bits = (info: string, length: number) =>
    crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: own(salt), info: utf8.encode(info) },
      ikm,
      length,
    )
  const key = await crypto.subtle.importKey(
    'raw',
    await bits('Content-Encoding: aes128gcm\0', 128),
    'AES-GCM',
    false,
    ['encrypt', 'decrypt'],
  )
  return { key, nonce: new Uint8Array(await bits('Content-Encoding: nonce\0', 96)) }
}

/** The nonce of record `seq`: the base nonce XOR the sequence number (96 bits, big-endian). */
function nonceOf(base: Uint8Array, seq: number): Uint8Array {
  const nonce = base.slice()
  const view = new DataView(nonce.buffer)
  view.setUint32(8, view.getUint32(8) ^ (seq % 2 ** 32))
  view.setUint32(4, view.getUint32(4) ^ Math.floor(seq / 2 ** 32))
  return nonce
}

/** The length of `length` plaintext bytes encoded in records of `rs`. */
export function encodedLength(length: number, rs = DEFAULT_RECORD_SIZE): number {
  const records = Math.floor(length / (rs - 17)) + 1
  return HEADER + length + (TAG + 1) * records
}

/** A fresh 16-byte secret, as the link's fragment carries it (base64url). */
export function newSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16))
}

type Keys = Awaited<ReturnType<typeof derive>>

/** Record `seq` sealed: the plaintext, its delimiter (2 for the last record, else 1), the tag. */
async function sealRecord(keys: Keys, seq: number, plain: Uint8Array, last: boolean) {
  const record = new Uint8Array(plain.byteLength + 1)
  record.set(plain)
  record[plain.byteLength] = last ? 2 : 1
  const iv = nonceOf(keys.nonce, seq)
  return new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: own(iv) }, keys.key, record),
  )
}

function headerOf(salt: Uint8Array, rs: number): Uint8Array {
  const header = new Uint8Array(HEADER)
  header.set(salt)
  new DataView(header.buffer).setUint32(16, rs)
  return header
}

/** Encodes a stream of plaintext; the output's length is encodedLength(input length). */
export function encryptStream(
  secret: Uint8Array,
  rs = DEFAULT_RECORD_SIZE,
  salt: Uint8Array = crypto.getRandomValues(new Uint8Array(16)),
): TransformStream<Uint8Array, Uint8Array> {
  const chunk = rs - 17
  let keys: Keys | undefined
  let pending = new Uint8Array(0)
  let seq = 0
  const seal = async (plain: Uint8Array, last: boolean) => {
    keys ??= await derive(secret, salt)
    return sealRecord(keys, seq++, plain, last)
  }
  return new TransformStream({
    start(controller) {
      controller.enqueue(headerOf(salt, rs))
    },
    async transform(input, controller) {
      const joined = concatBytes([pending, input])
      let at = 0
      // A full chunk is sealed as a middle record only once more bytes follow it.
      while (joined.byteLength - at > chunk) {
        controller.enqueue(await seal(joined.subarray(at, at + chunk), false))
        at += chunk
      }
      pending = joined.slice(at)
    },
    async flush(controller) {
      if (pending.byteLength === chunk) {
        controller.enqueue(await seal(pending, false))
        pending = new Uint8Array(0)
      }
      controller.enqueue(await seal(pending, true))
    },
  })
}

/**
 * The encoding of a plaintext of `size` bytes read at will (`read(start, end)`), as slices of
 * any range: the records a slice touches are read and sealed on demand, so a browser encrypts a
 * file part by part, in parallel and again on a retry, never holding it whole. With the same
 * secret and salt every slice equals the same range of encryptStream's output.
 */
export function encryptedSlices(
  secret: Uint8Array,
  size: number,
  read: (start: number, end: number) => Promise<Uint8Array>,
  options: { rs?: number; salt?: Uint8Array } = {},
) {
  const rs = options.rs ?? DEFAULT_RECORD_SIZE
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(16))
  const chunk = rs - 17
  const records = Math.floor(size / chunk) + 1
  const header = headerOf(salt, rs)
  const keys = derive(secret, salt)
  const record = async (seq: number) =>
    sealRecord(
      await keys,
      seq,
      await read(seq * chunk, Math.min((seq + 1) * chunk, size)),
      seq === records - 1,
    )
  return {
    length: encodedLength(size, rs),
    async slice(start: number, end: number): Promise<Uint8Array> {
      const out = new Uint8Array(Math.max(0, end - start))
      if (start < HEADER) out.set(header.subarray(start, Math.min(end, HEADER)))
      const first = Math.max(0, Math.floor((start - HEADER) / rs))
      const last = Math.min(records - 1, Math.floor((end - 1 - HEADER) / rs))
      for (let seq = first; seq <= last; seq++) {
        const at = HEADER + seq * rs
        const sealed = await record(seq)
        const from = Math.max(start, at)
        const to = Math.min(end, at + sealed.byteLength)
        out.set(sealed.subarray(from - at, to - at), from - start)
      }
      return out
    },
  }
}

/** Decodes a stream; errors (DecryptError) on anything but a whole, untouched body. */
export function decryptStream(secret: Uint8Array): TransformStream<Uint8Array, Uint8Array> {
  let buffer: Uint8Array = new Uint8Array(0)
  let rs = 0
  let keys: Keys | undefined
  let seq = 0
  const open = async (record: Uint8Array, last: boolean): Promise<Uint8Array> => {
    if (!keys) throw new DecryptError('no header')
    let plain: Uint8Array
    try {
      plain = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: own(nonceOf(keys.nonce, seq++)) },
          keys.key,
          own(record),
        ),
      )
    } catch {
      throw new DecryptError(`record ${seq} does not verify: the file is damaged or the key wrong`)
    }
    let end = plain.byteLength - 1
    while (end >= 0 && plain[end] === 0) end--
    const delimiter = plain[end]
    if (delimiter !== (last ? 2 : 1)) {
      throw new DecryptError(`record ${seq} has the wrong delimiter: the file is damaged`)
    }
    return plain.subarray(0, end)
  }
  return new TransformStream({
    async transform(input, controller) {
      buffer = concatBytes([buffer, input])
      if (!keys) {
        if (buffer.byteLength < HEADER) return
        rs = new DataView(buffer.buffer, buffer.byteOffset).getUint32(16)
        const idlen = buffer[20] as number
        if (rs < 18) throw new DecryptError('a record size under 18')
        if (buffer.byteLength < HEADER + idlen) return
        keys = await derive(secret, buffer.slice(0, 16))
        buffer = buffer.slice(HEADER + idlen)
      }
      // A full record is a middle one only once more bytes follow it.
      let at = 0
      while (buffer.byteLength - at > rs) {
        controller.enqueue(await open(buffer.subarray(at, at + rs), false))
        at += rs
      }
      buffer = buffer.slice(at)
    },
    async flush(controller) {
      if (!keys) throw new DecryptError('the body ends inside its header')
      if (buffer.byteLength <= TAG) throw new DecryptError('the body ends without its last record')
      controller.enqueue(await open(buffer, true))
    },
  })
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  const reader = stream.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read())
    chunks.push(read.value)
  return concatBytes(chunks)
}

/** A whole small body (encryptedMeta), encoded. */
export function encrypt(secret: Uint8Array, plain: Uint8Array, rs = DEFAULT_RECORD_SIZE) {
  return collect(new Blob([own(plain)]).stream().pipeThrough(encryptStream(secret, rs)))
}

/** A whole small body, decoded (DecryptError when it is not whole and untouched). */
export function decrypt(secret: Uint8Array, body: Uint8Array) {
  return collect(new Blob([own(body)]).stream().pipeThrough(decryptStream(secret)))
}
