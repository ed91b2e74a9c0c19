// Signing throughput inside workerd: Signet's signer, aws4fetch (AwsClient with its key cache,
// its recommended use) and a bare floor: a pre-derived CryptoKey and, per URL, one SHA-256 over a
// canonical request of the real size and one HMAC, hex-encoded. That is the work no SigV4 signer
// can skip; everything Signet adds on top of it is what the floor ratio measures.
// The driver (bench/run.mjs) times each batch from outside, since time inside a Worker only
// advances across I/O.
import { AwsClient } from 'aws4fetch'
import { makeZip } from 'client-zip'
import { hex } from '../src/lib/bytes'
import { encodeKeyPath } from '../src/s3/encoding'
import { deriveSigningKey, presignQuery } from '../src/s3/sigv4'

const credential = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}
const HOST = 'examplebucket.s3.eu-west-1.amazonaws.com'
const DATETIME = '20261123T120000Z'
const encoder = new TextEncoder()
const SCOPE = `${DATETIME.slice(0, 8)}/eu-west-1/s3/aws4_request`
// The same bytes a real canonical query has, fixed, so the floor hashes as much as a signer must.
const FIXED_QUERY = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${credential.accessKeyId}%2F${SCOPE.replaceAll('/', '%2F')}&X-Amz-Date=${DATETIME}&X-Amz-Expires=3600&X-Amz-SignedHeaders=host`

const aws = new AwsClient({ ...credential, service: 's3', region: 'eu-west-1' })
let floorKey: CryptoKey | undefined

function keyFor(i: number): string {
  return `reports/2026/user ${i}/file+${i}.pdf`
}

async function signet(n: number): Promise<number> {
  let total = 0
  for (let i = 0; i < n; i++) {
    const signed = await presignQuery({
      method: 'GET',
      host: HOST,
      path: `/${encodeKeyPath(keyFor(i))}`,
      region: 'eu-west-1',
      service: 's3',
      datetime: DATETIME,
      expiresIn: 3600,
      credential,
    })
    total += signed.query.length
  }
  return total
}

async function aws4fetch(n: number): Promise<number> {
  let total = 0
  for (let i = 0; i < n; i++) {
    const url = `https://${HOST}/${encodeKeyPath(keyFor(i))}?X-Amz-Expires=3600`
    const signed = await aws.sign(url, {
      method: 'GET',
      aws: { signQuery: true, datetime: DATETIME },
    })
    total += signed.url.length
  }
  return total
}

async function floor(n: number): Promise<number> {
  floorKey ??= await deriveSigningKey(
    credential.secretAccessKey,
    DATETIME.slice(0, 8),
    'eu-west-1',
    's3',
  )
  let total = 0
  for (let i = 0; i < n; i++) {
    const canonical = `GET\n/${keyFor(i)}\n${FIXED_QUERY}\nhost:${HOST}\n\nhost\nUNSIGNED-PAYLOAD`
    const hash = hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)))
    const stringToSign = `AWS4-HMAC-SHA256\n${DATETIME}\n${SCOPE}\n${hash}`
    const signature = hex(await crypto.subtle.sign('HMAC', floorKey, encoder.encode(stringToSign)))
    total += signature.length
  }
  return total
}

const VARIANTS: Record<string, (n: number) => Promise<number>> = { signet, aws4fetch, floor }

/** `mib` MiB of 64 KiB chunks (the same bytes each time: making them costs next to nothing). */
function bytes(mib: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 0xff)
  let left = mib * 16
  return new ReadableStream({
    pull(controller) {
      if (left-- > 0) controller.enqueue(chunk)
      else controller.close()
    },
  })
}

/** Reads a stream to its end; answers how many bytes it held. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let total = 0
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) total += chunk.length
  return total
}

/**
 * What a folder share's zip costs in CPU beyond passing bytes on: `copy` streams `mib` MiB through
 * (the baseline a proxied download costs), `zip` streams the same bytes as `files` files of one
 * zip through client-zip (a CRC-32 over every byte, headers, the central directory).
 */
async function zipBench(how: string, mib: number, files: number): Promise<number> {
  if (how === 'copy') return drain(bytes(mib).pipeThrough(new TransformStream()))
  const each = Math.max(1, Math.floor(mib / files))
  const entries = Array.from({ length: files }, (_, i) => ({
    name: `folder/file ${i}.bin`,
    size: each * 1024 * 1024,
    lastModified: new Date(0),
    input: bytes(each),
  }))
  return drain(makeZip(entries))
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const zip = url.searchParams.get('zip')
    if (zip) {
      const mib = Number(url.searchParams.get('mib') ?? '64')
      const total = await zipBench(zip, mib, Number(url.searchParams.get('files') ?? '16'))
      return Response.json({ total })
    }
    const variant = VARIANTS[url.searchParams.get('variant') ?? '']
    const n = Number(url.searchParams.get('n') ?? '1000')
    if (!variant || !Number.isSafeInteger(n) || n < 1)
      return new Response('bad request', { status: 400 })
    const total = await variant(n)
    return Response.json({ n, total })
  },
}
