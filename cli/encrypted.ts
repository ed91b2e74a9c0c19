// End-to-end encrypted shares from the command line: a file encrypted here (RFC 8188 aes128gcm,
// src/lib/ece.ts) before it is uploaded, its name, type and size encrypted beside it, and the key
// only in the link's fragment, which never leaves this machine; and such a link downloaded and
// decrypted as it streams, every record checked, kept only when whole.
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rename, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import mime from 'mime/lite'
import {
  DecryptError,
  decrypt,
  decryptStream,
  encrypt,
  encryptStream,
  newSecret,
} from '../src/lib/ece'
import { StepError } from '../src/uploader'

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url')

/** A link's fragment key: 16 bytes, base64url. */
export function keyOf(fragment: string): Uint8Array {
  const bytes = Buffer.from(fragment, 'base64url')
  if (bytes.byteLength !== 16 || base64url(new Uint8Array(bytes)) !== fragment) {
    throw new Error('the link’s key (after #) is not 16 bytes of base64url: copy the whole link')
  }
  return new Uint8Array(bytes)
}

/** `https://…/s/<id>#<key>`: the link and its key; undefined for anything else. */
export function encryptedLink(text: string): { url: string; secret: Uint8Array } | undefined {
  const match = /^(https?:\/\/[^#\s]+\/s\/[A-Za-z0-9_-]+)#([A-Za-z0-9_-]+)$/.exec(text)
  return match ? { url: match[1] as string, secret: keyOf(match[2] as string) } : undefined
}

/** The file encrypted into a scratch folder (removed by `done`), with its encrypted facts. */
export async function encryptFile(file: string) {
  const secret = newSecret()
  const info = await stat(file)
  const scratch = await mkdtemp(join(tmpdir(), 'signet-encrypt-'))
  const path = join(scratch, 'body.ece')
  await pipeline(
    Readable.fromWeb(
      (Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>).pipeThrough(
        encryptStream(secret),
      ) as import('node:stream/web').ReadableStream,
    ),
    createWriteStream(path, { mode: 0o600 }),
  )
  const facts = {
    name: basename(file),
    type: mime.getType(file) ?? 'application/octet-stream',
    size: info.size,
  }
  const meta = await encrypt(secret, new TextEncoder().encode(JSON.stringify(facts)))
  return {
    path,
    secret: base64url(secret),
    encryptedMeta: base64url(meta),
    done: () => rm(scratch, { recursive: true, force: true }),
  }
}

/** The name an encrypted link's page carries, decrypted (null when it carries none). */
async function nameOf(url: string, secret: Uint8Array): Promise<string | null> {
  const page = await fetch(url, { headers: { Accept: 'text/html' } })
  const meta = /data-meta="([A-Za-z0-9_-]*)"/.exec(await page.text())?.[1]
  if (!meta) return null
  const facts = JSON.parse(
    new TextDecoder().decode(await decrypt(secret, new Uint8Array(Buffer.from(meta, 'base64url')))),
  ) as { name?: unknown }
  return typeof facts.name === 'string' ? basename(facts.name) : null
}

/**
 * Downloads an encrypted link (a counted use, as any download) into `dest` (a folder: the name its
 * encrypted facts say), decrypting as it streams into `<dest>.signet-partial`, renamed only when
 * every record verified and the last one came.
 */
export async function downloadEncrypted(
  link: { url: string; secret: Uint8Array },
  dest: string,
  intoFolder: boolean,
): Promise<string> {
  const path = intoFolder ? join(dest, (await nameOf(link.url, link.secret)) ?? 'decrypted') : dest
  const answer = await fetch(link.url, { headers: { Accept: '*/*' } }).catch((error: unknown) => {
    throw new StepError('download', error)
  })
  if (answer.status === 404 || answer.status === 410) {
    throw new StepError('download', `no such object: the link answered ${answer.status}`)
  }
  if (!answer.ok || !answer.body) {
    throw new StepError('download', `the link answered ${answer.status}`)
  }
  const partial = `${path}.signet-partial`
  try {
    await answer.body
      .pipeThrough(decryptStream(link.secret))
      .pipeTo(Writable.toWeb(createWriteStream(partial, { mode: 0o600 })))
  } catch (error) {
    await rm(partial, { force: true })
    if (error instanceof DecryptError) {
      throw new StepError('decrypt', `${error.message}; nothing was kept`)
    }
    throw new StepError('download', error)
  }
  await rename(partial, path)
  return path
}
