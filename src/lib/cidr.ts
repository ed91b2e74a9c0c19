// IPv4/IPv6 addresses and CIDR ranges as 128-bit integers. Pure; trusts nothing it parses.
// IPv4 lives in the IPv4-mapped range ::ffff:0:0/96 (RFC 4291 §2.5.5.2), so 192.0.2.1 and
// ::ffff:192.0.2.1 are the same client, and an IPv4 CIDR never matches a native IPv6 address.

export type Cidr = { readonly base: bigint; readonly mask: bigint; readonly text: string }

const V4_MAPPED = 0xffffn << 32n
const ALL_ONES = (1n << 128n) - 1n

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  let value = 0n
  for (const part of parts) {
    // Decimal only, no leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined
    const n = Number(part)
    if (n > 255) return undefined
    value = (value << 8n) | BigInt(n)
  }
  return value
}

function parseIpv6(text: string): bigint | undefined {
  if (text.includes('%')) return undefined // zone ids never arrive from the edge
  let head = text
  let tail32: bigint | undefined
  const lastColon = text.lastIndexOf(':')
  if (text.slice(lastColon + 1).includes('.')) {
    tail32 = parseIpv4(text.slice(lastColon + 1))
    if (tail32 === undefined) return undefined
    head = `${text.slice(0, lastColon + 1)}0:0`
  }
  const halves = head.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string) => (s === '' ? [] : s.split(':'))
  const left = groups(halves[0] ?? '')
  const right = halves.length === 2 ? groups(halves[1] ?? '') : []
  const missing = 8 - left.length - right.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right]
  let value = 0n
  for (const group of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined
    value = (value << 16n) | BigInt(Number.parseInt(group, 16))
  }
  if (tail32 !== undefined) value = (value & ~0xffffffffn) | tail32
  return value
}

/** Parses an IPv4 or IPv6 address into its 128-bit form (IPv4 as IPv4-mapped IPv6). */
export function parseIp(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 64) return undefined
  if (text.includes(':')) return parseIpv6(text)
  const v4 = parseIpv4(text)
  return v4 === undefined ? undefined : V4_MAPPED | v4
}

/** Parses `a.b.c.d/n`, `x::y/n`, or a bare address (a /32 or /128). Host bits must be zero. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/')
  const addressText = slash === -1 ? text : text.slice(0, slash)
  const isV4 = !addressText.includes(':')
  const width = isV4 ? 32 : 128
  let prefix = width
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined
    prefix = Number(prefixText)
    if (prefix > width) return undefined
  }
  const address = parseIp(addressText)
  if (address === undefined) return undefined
  const bits = isV4 ? prefix + 96 : prefix
  const mask = bits === 0 ? 0n : (ALL_ONES << BigInt(128 - bits)) & ALL_ONES
  if ((address & ~mask & ALL_ONES) !== 0n) return undefined
  return { base: address, mask, text }
}

export function cidrContains(cidr: Cidr, address: bigint): boolean {
  return (address & cidr.mask) === cidr.base
}

/** True when `ip` parses and lies inside one of `cidrs`. An unparsable client address is refused. */
export function ipAllowed(cidrs: readonly Cidr[], ip: string | undefined): boolean {
  if (ip === undefined) return false
  const address = parseIp(ip)
  if (address === undefined) return false
  return cidrs.some((cidr) => cidrContains(cidr, address))
}

/**
 * The one rule for a stored or signed list of CIDRs: every entry must parse, or the list allows
 * nobody (lists are validated when they are made; a bad entry means tampering or a hand edit).
 */
export function parseCidrList(texts: readonly string[]): Cidr[] | undefined {
  const cidrs: Cidr[] = []
  for (const text of texts) {
    const cidr = parseCidr(text)
    if (!cidr) return undefined
    cidrs.push(cidr)
  }
  return cidrs
}

/** True when `ip` lies inside the list (parsed by parseCidrList's rule). */
export function ipInCidrList(texts: readonly string[], ip: string | undefined): boolean {
  const cidrs = parseCidrList(texts)
  return cidrs !== undefined && ipAllowed(cidrs, ip)
}
