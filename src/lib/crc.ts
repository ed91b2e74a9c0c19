// CRC-32 (IEEE 802.3, the one zip and S3's x-amz-checksum-crc32 use) and CRC-32C (Castagnoli,
// x-amz-checksum-crc32c), reflected, table-driven, fed in pieces. Pure.

function table(polynomial: number): Uint32Array {
  const entries = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? polynomial ^ (c >>> 1) : c >>> 1
    entries[n] = c >>> 0
  }
  return entries
}

const TABLES = { crc32: table(0xedb88320), crc32c: table(0x82f63b78) }

export type CrcKind = keyof typeof TABLES

/** A running CRC: `update` with each piece, `digest` the 4 bytes, big-endian (as S3 sends them). */
export class Crc {
  private value = 0xffffffff
  private readonly entries: Uint32Array
  constructor(kind: CrcKind) {
    this.entries = TABLES[kind]
  }

  update(bytes: Uint8Array): void {
    let c = this.value
    const entries = this.entries
    for (let i = 0; i < bytes.length; i++) {
      c = (entries[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
    }
    this.value = c
  }

  digest(): Uint8Array {
    const c = (this.value ^ 0xffffffff) >>> 0
    return new Uint8Array([c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff])
  }
}
