// The body of a header-signed request, checked as it streams: an `aws-chunked` body is decoded
// (each chunk's signature verified against the chain that starts at the request's signature, or
// unsigned chunks with trailing checksums, the AWS SDKs' default since 2025), a hex payload hash is
// compared with the bytes' SHA-256, and a checksum (x-amz-checksum-crc32, -crc32c, -sha1, -sha256,
// in a header or a trailer) with the bytes'. Any mismatch errors the stream before it ends, so the
// store never commits the object (R2 stores only a body that ends cleanly at its length), and the
// failure is kept for the gateway to answer in S3's words.
import { base64, hex, textEqual } from '../lib/bytes'
import { Crc } from '../lib/crc'
import type { HeaderVerified } from '../s3/verify-header'
import { S3Error } from './errors'

const CHECKSUMS = ['crc32', 'crc32c', 'sha1', 'sha256'] as const
type ChecksumKind = (typeof CHECKSUMS)[number]

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
/** A chunk header line (`<hex size>;chunk-signature=<64 hex>`) or a trailer line is short. */
const MAX_LINE = 4096
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A running checksum of one kind. */
function checksummer(kind: ChecksumKind) {
  if (kind === 'crc32' || kind === 'crc32c') {
    const crc = new Crc(kind)
    return {
      update: async (bytes: Uint8Array) => crc.update(bytes),
      digest: async () => crc.digest(),
    }
  }
  return digester(kind === 'sha1' ? 'SHA-1' : 'SHA-256')
}

/** A SHA digest fed in pieces (workerd's DigestStream). */
function digester(algorithm: 'SHA-1' | 'SHA-256') {
  const stream = new crypto.DigestStream(algorithm)
  const writer = stream.getWriter()
  return {
    update: (bytes: Uint8Array) => writer.write(bytes),
    digest: async () => {
      await writer.close()
      return new Uint8Array(await stream.digest)
    },
  }
}

/** What the request says its body must be checked against. */
function expectedChecksum(headers: Headers): { kind: ChecksumKind; value?: string } | undefined {
  const trailer = (headers.get('x-amz-trailer') ?? '').trim().toLowerCase()
  const named = [...headers.keys()].find((name) => name.startsWith('x-amz-checksum-'))
  const name = trailer || named
  if (!name) return undefined
  const kind = name.slice('x-amz-checksum-'.length)
  if (!(CHECKSUMS as readonly string[]).includes(kind)) {
    throw new S3Error(
      'InvalidRequest',
      `The gateway checks crc32, crc32c, sha1 and sha256 checksums, not ${kind}.`,
    )
  }
  const value = trailer ? undefined : (headers.get(name) ?? undefined)
  return { kind: kind as ChecksumKind, ...(value === undefined ? {} : { value }) }
}

export type CheckedBody = {
  /** The request as the store is to see it: the decoded body and its length. */
  request: Request
  /** Why the body was refused, once it was (the stream then errored). */
  failure: () => S3Error | undefined
}

/**
 * The request with its body decoded and checked as it streams. Throws at once for what the
 * headers alone show to be wrong (a missing decoded length, an unknown checksum).
 */
export function checkedBody(request: Request, auth: HeaderVerified): CheckedBody {
  const headers = new Headers(request.headers)
  const chunked = auth.payloadHash.startsWith('STREAMING-')
  const length = chunked
    ? headers.get('x-amz-decoded-content-length')
    : headers.get('content-length')
  if (length === null || !/^\d{1,16}$/.test(length)) {
    throw new S3Error(
      'MissingContentLength',
      chunked
        ? 'An aws-chunked body needs x-amz-decoded-content-length.'
        : 'You must provide the Content-Length HTTP header.',
    )
  }
  const expected = expectedChecksum(headers)
  if (auth.payloadHash.endsWith('-TRAILER') && !expected) {
    throw new S3Error('InvalidRequest', 'A trailing checksum is announced by x-amz-trailer.')
  }
  let failure: S3Error | undefined
  const source = request.body?.getReader()
  const sum = expected ? checksummer(expected.kind) : undefined
  const payload = /^[0-9a-f]{64}$/.test(auth.payloadHash) ? digester('SHA-256') : undefined
  const reader = source ? new ChunkReader(source) : undefined
  let previous = auth.chain.seed
  const signed = auth.payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD')
  let remaining = 0
  let chunk: ReturnType<typeof digester> | undefined
  let chunkSignature = ''
  let done = !chunked && Number(length) === 0

  const refuse = (error: S3Error): never => {
    failure = error
    throw error
  }

  /** Checks a chunk's signature against the chain (each signs the one before it). */
  const verifyChunk = async (dataHash: string) => {
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${auth.chain.dateText}\n${auth.chain.credentialScope}\n${previous}\n${EMPTY_SHA256}\n${dataHash}`
    const mac = hex(await crypto.subtle.sign('HMAC', auth.chain.key, encoder.encode(toSign)))
    if (!textEqual(mac, chunkSignature)) {
      refuse(new S3Error('SignatureDoesNotMatch', 'A chunk signature does not match.'))
    }
    previous = chunkSignature
  }

  /** The end: trailers (signed or not), then the checksum, then nothing more. */
  const finish = async () => {
    let trailerValue: string | undefined
    if (chunked && auth.payloadHash.endsWith('-TRAILER')) {
      const lines: string[] = []
      for (;;) {
        const line = await reader?.line()
        if (line === undefined) refuse(incomplete())
        if (line === '') break
        lines.push(line as string)
      }
      const trailers = new Map(
        lines.map((line) => {
          const colon = line.indexOf(':')
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]
        }),
      )
      const name = `x-amz-checksum-${expected?.kind}`
      trailerValue = trailers.get(name)
      if (trailerValue === undefined)
        refuse(new S3Error('InvalidRequest', `The trailer ${name} is missing.`))
      if (signed) {
        const canonical = `${name}:${trailerValue}\n`
        const hash = hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)))
        const toSign = `AWS4-HMAC-SHA256-TRAILER\n${auth.chain.dateText}\n${auth.chain.credentialScope}\n${previous}\n${hash}`
        const mac = hex(await crypto.subtle.sign('HMAC', auth.chain.key, encoder.encode(toSign)))
        if (!textEqual(mac, trailers.get('x-amz-trailer-signature') ?? '')) {
          refuse(new S3Error('SignatureDoesNotMatch', 'The trailer signature does not match.'))
        }
      }
    }
    // Without trailers the last chunk ends with an empty line.
    if (chunked && !auth.payloadHash.endsWith('-TRAILER')) {
      const tail = await reader?.line()
      if (tail !== undefined && tail !== '') {
        refuse(new S3Error('IncompleteBody', 'The body goes on after its last chunk.'))
      }
    }
    if (chunked && !(await reader?.atEnd())) {
      refuse(new S3Error('IncompleteBody', 'The body goes on after its last chunk.'))
    }
    if (payload && hex(await payload.digest()) !== auth.payloadHash) {
      refuse(
        new S3Error(
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ),
      )
    }
    if (expected && sum) {
      const given = trailerValue ?? expected.value ?? ''
      if (!textEqual(base64(await sum.digest()), given)) {
        refuse(
          new S3Error(
            'BadDigest',
            `The ${expected.kind.toUpperCase()} you specified did not match the calculated checksum.`,
          ),
        )
      }
    }
  }

  // The last piece waits until the end is verified: a store that takes the object once its
  // length has arrived never gets the whole of a body that turns out wrong.
  let held: Uint8Array | undefined
  let closed = false
  /** One step of decoding; true once it gave the stream something (a piece, or its end). */
  const step = async (controller: ReadableStreamDefaultController<Uint8Array>) => {
    const emit = (bytes: Uint8Array) => {
      const previous = held
      held = bytes
      if (previous) controller.enqueue(previous)
      return previous !== undefined
    }
    const end = async () => {
      await finish()
      if (held) controller.enqueue(held)
      held = undefined
      closed = true
      controller.close()
      return true
    }
    if (!reader || done) return end()
    if (!chunked) {
      const piece = await reader.next()
      if (piece === undefined) {
        done = true
        return end()
      }
      await sum?.update(piece)
      await payload?.update(piece)
      return emit(piece)
    }
    if (remaining === 0) {
      // A chunk header: `<hex size>` and, when signed, `;chunk-signature=<64 hex>`.
      const line = await reader.line()
      const match =
        line === undefined
          ? null
          : /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line)
      if (!match || (signed && !match[2])) {
        refuse(new S3Error('IncompleteBody', 'A chunk header is malformed.'))
      }
      const size = Number.parseInt((match as RegExpExecArray)[1] as string, 16)
      chunkSignature = (match as RegExpExecArray)[2] ?? ''
      if (size === 0) {
        if (signed) await verifyChunk(EMPTY_SHA256)
        done = true
        return end()
      }
      remaining = size
      chunk = signed ? digester('SHA-256') : undefined
      return false
    }
    const piece = await reader.take(remaining)
    if (piece === undefined) refuse(incomplete())
    const bytes = piece as Uint8Array
    remaining -= bytes.length
    await sum?.update(bytes)
    await chunk?.update(bytes)
    const gave = emit(bytes)
    if (remaining === 0) {
      if ((await reader.line()) !== '') {
        refuse(new S3Error('IncompleteBody', 'A chunk does not end where its size says.'))
      }
      if (chunk) await verifyChunk(hex(await chunk.digest()))
    }
    return gave
  }
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Until the stream has something: a pull that gives nothing may not be pulled again.
        while (!closed && !(await step(controller))) {}
      } catch (error) {
        failure ??= error instanceof S3Error ? error : incomplete()
        await source?.cancel().catch(() => undefined)
        controller.error(failure)
      }
    },
    async cancel(reason) {
      await source?.cancel(reason).catch(() => undefined)
    },
  })
  headers.set('content-length', length)
  headers.delete('x-amz-decoded-content-length')
  const encoding = (headers.get('content-encoding') ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '' && token.toLowerCase() !== 'aws-chunked')
  if (encoding.length > 0) headers.set('content-encoding', encoding.join(', '))
  else headers.delete('content-encoding')
  return {
    request: new Request(request.url, {
      method: request.method,
      headers,
      body,
      duplex: 'half',
    } as RequestInit),
    failure: () => failure,
  }
}

function incomplete(): S3Error {
  return new S3Error('IncompleteBody', 'The request body ended before its declared length.')
}

/** Reads a body by lines and by counted bytes, keeping what it read ahead. */
class ChunkReader {
  private buffer = new Uint8Array(0)
  constructor(private readonly source: ReadableStreamDefaultReader<Uint8Array>) {}

  private async more(): Promise<boolean> {
    const { done, value } = await this.source.read()
    if (done) return false
    const joined = new Uint8Array(this.buffer.length + value.length)
    joined.set(this.buffer)
    joined.set(value, this.buffer.length)
    this.buffer = joined
    return true
  }

  /** The next piece as it came (plain bodies). */
  async next(): Promise<Uint8Array | undefined> {
    if (this.buffer.length > 0) {
      const piece = this.buffer
      this.buffer = new Uint8Array(0)
      return piece
    }
    const { done, value } = await this.source.read()
    return done ? undefined : value
  }

  /** Up to `most` bytes (at least one), or undefined at the end. */
  async take(most: number): Promise<Uint8Array | undefined> {
    if (this.buffer.length === 0 && !(await this.more())) return undefined
    const piece = this.buffer.subarray(0, Math.min(most, this.buffer.length))
    this.buffer = this.buffer.subarray(piece.length)
    return piece
  }

  /** A line without its CRLF, or undefined at the end (or past MAX_LINE). */
  async line(): Promise<string | undefined> {
    for (;;) {
      const end = this.buffer.findIndex((byte, i) => byte === 13 && this.buffer[i + 1] === 10)
      if (end !== -1) {
        const text = decoder.decode(this.buffer.subarray(0, end))
        this.buffer = this.buffer.subarray(end + 2)
        return text
      }
      if (this.buffer.length > MAX_LINE || !(await this.more())) return undefined
    }
  }

  /** Whether nothing is left. */
  async atEnd(): Promise<boolean> {
    return this.buffer.length === 0 && !(await this.more())
  }
}
