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
  const source = request.body?.getReader()
  const decoding = new BodyDecoder(auth, source, expected, chunked, Number(length) === 0)
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        // Until the stream has something: a pull that gives nothing may not be pulled again.
        while (!decoding.closed && !(await decoding.step(controller))) {}
      } catch (error) {
        decoding.failure ??= error instanceof S3Error ? error : incomplete()
        await source?.cancel().catch(() => undefined)
        controller.error(decoding.failure)
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
    failure: () => decoding.failure,
  }
}

/**
 * Decodes a body one step at a time: a plain body's pieces, or an aws-chunked body's chunk
 * headers and data, each chunk's signature checked against the chain; at the end the trailers,
 * the payload hash and the checksum. The last piece waits until the end is verified: a store that
 * takes the object once its length has arrived never gets the whole of a body that turns out
 * wrong.
 */
class BodyDecoder {
  /** Why the body was refused, once it was. */
  failure: S3Error | undefined
  closed = false
  readonly #auth: HeaderVerified
  readonly #reader: ChunkReader | undefined
  readonly #expected: { kind: ChecksumKind; value?: string } | undefined
  readonly #chunked: boolean
  readonly #signed: boolean
  readonly #trailer: boolean
  readonly #sum: ReturnType<typeof checksummer> | undefined
  readonly #payload: ReturnType<typeof digester> | undefined
  /** The chain's last signature: each chunk signs the one before it. */
  #previous: string
  #remaining = 0
  #chunk: ReturnType<typeof digester> | undefined
  #chunkSignature = ''
  #done: boolean
  #held: Uint8Array | undefined

  constructor(
    auth: HeaderVerified,
    source: ReadableStreamDefaultReader<Uint8Array> | undefined,
    expected: { kind: ChecksumKind; value?: string } | undefined,
    chunked: boolean,
    empty: boolean,
  ) {
    this.#auth = auth
    this.#reader = source ? new ChunkReader(source) : undefined
    this.#expected = expected
    this.#chunked = chunked
    this.#signed = auth.payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD')
    this.#trailer = auth.payloadHash.endsWith('-TRAILER')
    this.#sum = expected ? checksummer(expected.kind) : undefined
    this.#payload = /^[0-9a-f]{64}$/.test(auth.payloadHash) ? digester('SHA-256') : undefined
    this.#previous = auth.chain.seed
    this.#done = !chunked && empty
  }

  #refuse(error: S3Error): never {
    this.failure = error
    throw error
  }

  /** Checks a chunk's signature against the chain (each signs the one before it). */
  async #verifyChunk(dataHash: string) {
    const { chain } = this.#auth
    const toSign = `AWS4-HMAC-SHA256-PAYLOAD\n${chain.dateText}\n${chain.credentialScope}\n${this.#previous}\n${EMPTY_SHA256}\n${dataHash}`
    const mac = hex(await crypto.subtle.sign('HMAC', chain.key, encoder.encode(toSign)))
    if (!textEqual(mac, this.#chunkSignature)) {
      this.#refuse(new S3Error('SignatureDoesNotMatch', 'A chunk signature does not match.'))
    }
    this.#previous = this.#chunkSignature
  }

  /** The trailers after the last chunk (signed or not): the checksum's value. */
  async #trailers(): Promise<string> {
    const lines: string[] = []
    for (;;) {
      const line = await this.#reader?.line()
      if (line === undefined) this.#refuse(incomplete())
      if (line === '') break
      lines.push(line)
    }
    const trailers = new Map(
      lines.map((line) => {
        const colon = line.indexOf(':')
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]
      }),
    )
    const name = `x-amz-checksum-${this.#expected?.kind}`
    const value = trailers.get(name)
    if (value === undefined) {
      this.#refuse(new S3Error('InvalidRequest', `The trailer ${name} is missing.`))
    }
    if (this.#signed) {
      const { chain } = this.#auth
      const canonical = `${name}:${value}\n`
      const hash = hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)))
      const toSign = `AWS4-HMAC-SHA256-TRAILER\n${chain.dateText}\n${chain.credentialScope}\n${this.#previous}\n${hash}`
      const mac = hex(await crypto.subtle.sign('HMAC', chain.key, encoder.encode(toSign)))
      if (!textEqual(mac, trailers.get('x-amz-trailer-signature') ?? '')) {
        this.#refuse(new S3Error('SignatureDoesNotMatch', 'The trailer signature does not match.'))
      }
    }
    return value
  }

  /** The end: trailers (signed or not), then the checksum, then nothing more. */
  async #finish() {
    const trailerValue = this.#chunked && this.#trailer ? await this.#trailers() : undefined
    // Without trailers the last chunk ends with an empty line.
    if (this.#chunked && !this.#trailer) {
      const tail = await this.#reader?.line()
      if (tail !== undefined && tail !== '') {
        this.#refuse(new S3Error('IncompleteBody', 'The body goes on after its last chunk.'))
      }
    }
    if (this.#chunked && !(await this.#reader?.atEnd())) {
      this.#refuse(new S3Error('IncompleteBody', 'The body goes on after its last chunk.'))
    }
    if (this.#payload && hex(await this.#payload.digest()) !== this.#auth.payloadHash) {
      this.#refuse(
        new S3Error(
          'XAmzContentSHA256Mismatch',
          "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ),
      )
    }
    const expected = this.#expected
    if (expected && this.#sum) {
      const given = trailerValue ?? expected.value ?? ''
      if (!textEqual(base64(await this.#sum.digest()), given)) {
        this.#refuse(
          new S3Error(
            'BadDigest',
            `The ${expected.kind.toUpperCase()} you specified did not match the calculated checksum.`,
          ),
        )
      }
    }
  }

  /** Gives the piece held back so far, and holds this one; true when something was given. */
  #give(controller: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array): boolean {
    const previous = this.#held
    this.#held = bytes
    if (previous) controller.enqueue(previous)
    return previous !== undefined
  }

  async #end(controller: ReadableStreamDefaultController<Uint8Array>): Promise<true> {
    await this.#finish()
    if (this.#held) controller.enqueue(this.#held)
    this.#held = undefined
    this.closed = true
    controller.close()
    return true
  }

  /** One step of decoding; true once it gave the stream something (a piece, or its end). */
  async step(controller: ReadableStreamDefaultController<Uint8Array>): Promise<boolean> {
    const reader = this.#reader
    if (!reader || this.#done) return this.#end(controller)
    if (!this.#chunked) {
      const piece = await reader.next()
      if (piece === undefined) {
        this.#done = true
        return this.#end(controller)
      }
      await this.#sum?.update(piece)
      await this.#payload?.update(piece)
      return this.#give(controller, piece)
    }
    if (this.#remaining === 0) return this.#chunkHeader(controller, reader)
    const piece = await reader.take(this.#remaining)
    if (piece === undefined) this.#refuse(incomplete())
    this.#remaining -= piece.length
    await this.#sum?.update(piece)
    await this.#chunk?.update(piece)
    const gave = this.#give(controller, piece)
    if (this.#remaining === 0) {
      if ((await reader.line()) !== '') {
        this.#refuse(new S3Error('IncompleteBody', 'A chunk does not end where its size says.'))
      }
      if (this.#chunk) await this.#verifyChunk(hex(await this.#chunk.digest()))
    }
    return gave
  }

  /** A chunk header: `<hex size>` and, when signed, `;chunk-signature=<64 hex>`. */
  async #chunkHeader(
    controller: ReadableStreamDefaultController<Uint8Array>,
    reader: ChunkReader,
  ): Promise<boolean> {
    const line = await reader.line()
    const match =
      line === undefined
        ? null
        : /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line)
    if (!match || (this.#signed && !match[2])) {
      this.#refuse(new S3Error('IncompleteBody', 'A chunk header is malformed.'))
    }
    const size = Number.parseInt(match[1] as string, 16)
    this.#chunkSignature = match[2] ?? ''
    if (size === 0) {
      if (this.#signed) await this.#verifyChunk(EMPTY_SHA256)
      this.#done = true
      return this.#end(controller)
    }
    this.#remaining = size
    this.#chunk = this.#signed ? digester('SHA-256') : undefined
    return false
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
