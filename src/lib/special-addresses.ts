// Which hosts of a URL are addresses no outside receiver may have: IP literals in loopback,
// private, link-local, CGNAT, multicast, documentation and reserved ranges (IANA's special-purpose
// registries, RFC 6890), IPv4-mapped and IPv4-compatible IPv6 included. Pure; it reads the host as
// the WHATWG URL parser left it (which already turned `2130706433` and `0x7f.1` into dotted decimal).
import { type Cidr, cidrContains, parseCidr, parseIp } from './cidr'

const LOOPBACK = ['127.0.0.0/8', '::1/128']

const SPECIAL = [
  // IPv4 (an IPv4-mapped IPv6 address parses to the same number, so these cover ::ffff:a.b.c.d)
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  // IPv6: unspecified and IPv4-compatible, NAT64, discard, IETF protocol assignments (Teredo),
  // documentation, 6to4 (either can carry a private IPv4 address), unique local, link-local,
  // site-local, multicast
  '::/96',
  '64:ff9b::/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  'fc00::/7',
  'fe80::/10',
  'fec0::/10',
  'ff00::/8',
]

function cidrs(texts: readonly string[]): Cidr[] {
  return texts.map((text) => {
    const cidr = parseCidr(text)
    if (!cidr) throw new Error(`not a CIDR: ${text}`)
    return cidr
  })
}

const loopbackRanges = cidrs(LOOPBACK)
const specialRanges = cidrs(SPECIAL)

/**
 * What a URL's host is: a loopback address or name (`localhost`, `*.localhost`: RFC 6761 §6.3), an
 * address in a special-purpose range, or anything else (a public address, or a DNS name, which
 * only the network resolving it can judge).
 */
export function hostKind(hostname: string): 'loopback' | 'special' | 'public' {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback'
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  const address = parseIp(bare)
  if (address === undefined) return 'public'
  if (loopbackRanges.some((range) => cidrContains(range, address))) return 'loopback'
  if (specialRanges.some((range) => cidrContains(range, address))) return 'special'
  return 'public'
}
