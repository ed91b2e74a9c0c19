// What a download is checked against, from the object's own headers, strongest first: the
// SHA-256 the store keeps (x-amz-checksum-sha256, which the gateway returns from R2), the SHA-256
// Signet's uploads keep as metadata (x-amz-meta-sha256), then the ETag where it is an MD5 (one
// PUT) or an MD5 of the parts' MD5s (multipart: "<hex>-<parts>", part size found from the parts'
// count and the length). Checks run over a stream of bytes, so a file and stdout are checked the
// same way.
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { SHA256_METADATA } from '../src/schemas'

const MiB = 1024 * 1024
/** Part sizes tried for a multipart ETag, at most (each costs one MD5 pass over the bytes). */
const MAX_PART_SIZES = 24

export type Expected =
  | { kind: 'sha256'; base64: string; source: 'store' | 'metadata' }
  | { kind: 'md5'; hex: string }
  | { kind: 'multipart-md5'; hex: string; parts: number }

/** What the object's headers let a download be checked against, or undefined for nothing. */
export function expectedOf(headers: Headers): Expected | undefined {
  const sha256 = /^[A-Za-z0-9+/]{43}=$/
  const checksum = headers.get('x-amz-checksum-sha256')
  if (checksum && sha256.test(checksum))
    return { kind: 'sha256', base64: checksum, source: 'store' }
  const claimed =
    headers.get(`x-amz-meta-${SHA256_METADATA}`) ?? headers.get(`x-goog-meta-${SHA256_METADATA}`)
  if (claimed && sha256.test(claimed))
    return { kind: 'sha256', base64: claimed, source: 'metadata' }
  const etag = (headers.get('etag') ?? '').replace(/^W\//, '').replaceAll('"', '').toLowerCase()
  if (/^[0-9a-f]{32}$/.test(etag)) return { kind: 'md5', hex: etag }
  const multipart = /^([0-9a-f]{32})-(\d{1,5})$/.exec(etag)
  if (multipart)
    return { kind: 'multipart-md5', hex: multipart[1] as string, parts: Number(multipart[2]) }
  return undefined
}

/** In words, for messages: what the bytes were checked against. */
export function describeExpected(expected: Expected): string {
  switch (expected.kind) {
    case 'sha256':
      return expected.source === 'store' ? "the object's SHA-256" : 'the SHA-256 kept at upload'
    case 'md5':
      return "the object's ETag (MD5)"
    case 'multipart-md5':
      return `the object's multipart ETag (${expected.parts} parts)`
  }
}

/**
 * The part sizes a multipart object of `size` bytes in `parts` parts may have had: equal parts
 * (`ceil(size / parts)`, as Signet and many SDKs cut them) and whole MiB sizes that give that many
 * parts (8 MiB is the AWS CLI's default, 5 MiB the least S3 allows).
 */
export function partSizeCandidates(size: number, parts: number): number[] {
  if (parts <= 1) return [Math.max(size, 1)]
  const sizes = new Set<number>([Math.ceil(size / parts)])
  // ceil(size / p) === parts  ⟺  size / parts <= p < size / (parts - 1)
  const low = Math.max(5, Math.ceil(size / parts / MiB))
  for (let mib = low; mib * MiB < size / (parts - 1) && sizes.size < MAX_PART_SIZES; mib++) {
    sizes.add(mib * MiB)
  }
  return [...sizes].filter((p) => Math.ceil(size / p) === parts)
}

/** The MD5 of the parts' MD5s of a stream cut into parts of one size. */
class PartMd5 {
  private readonly digests: Buffer[] = []
  private part: Hash = createHash('md5')
  private inPart = 0

  constructor(private readonly partSize: number) {}

  update(chunk: Uint8Array): void {
    let at = 0
    while (at < chunk.length) {
      const take = Math.min(chunk.length - at, this.partSize - this.inPart)
      this.part.update(chunk.subarray(at, at + take))
      this.inPart += take
      at += take
      if (this.inPart === this.partSize) this.endPart()
    }
  }

  private endPart(): void {
    this.digests.push(this.part.digest())
    this.part = createHash('md5')
    this.inPart = 0
  }

  result(): string {
    if (this.inPart > 0 || this.digests.length === 0) this.endPart()
    return `${createHash('md5').update(Buffer.concat(this.digests)).digest('hex')}-${this.digests.length}`
  }
}

/**
 * Checks bytes as they pass. `matches()` is true when they are the object's, false when they are
 * not; for a multipart ETag whose part size is none of the candidates, undefined (not checkable).
 */
export class Check {
  private readonly hash: Hash | undefined
  private readonly parts: PartMd5[] = []

  constructor(
    readonly expected: Expected,
    size: number,
  ) {
    if (expected.kind === 'multipart-md5') {
      for (const partSize of partSizeCandidates(size, expected.parts)) {
        this.parts.push(new PartMd5(partSize))
      }
    } else {
      this.hash = createHash(expected.kind === 'sha256' ? 'sha256' : 'md5')
    }
  }

  update(chunk: Uint8Array): void {
    this.hash?.update(chunk)
    for (const part of this.parts) part.update(chunk)
  }

  matches(): boolean | undefined {
    const { expected } = this
    switch (expected.kind) {
      case 'sha256':
        return this.hash?.digest('base64') === expected.base64
      case 'md5':
        return this.hash?.digest('hex') === expected.hex
      case 'multipart-md5': {
        const want = `${expected.hex}-${expected.parts}`
        return this.parts.some((part) => part.result() === want) ? true : undefined
      }
    }
  }
}

/** Checks a whole file against what was expected of it. */
export async function checkFile(
  path: string,
  expected: Expected,
  size: number,
): Promise<boolean | undefined> {
  const check = new Check(expected, size)
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) {
    check.update(chunk as Buffer)
  }
  return check.matches()
}
