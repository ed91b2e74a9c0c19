import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ipAllowed, parseCidr, parseIp } from '../../src/lib/cidr'

const allow = (cidrs: string[], ip: string | undefined) =>
  ipAllowed(
    cidrs.map((text) => {
      const cidr = parseCidr(text)
      if (!cidr) throw new Error(`bad test CIDR ${text}`)
      return cidr
    }),
    ip,
  )

describe('CIDR matching', () => {
  it('matches IPv4 ranges at their edges', () => {
    expect(allow(['198.51.100.0/24'], '198.51.100.0')).toBe(true)
    expect(allow(['198.51.100.0/24'], '198.51.100.255')).toBe(true)
    expect(allow(['198.51.100.0/24'], '198.51.101.0')).toBe(false)
    expect(allow(['198.51.100.0/24'], '198.51.99.255')).toBe(false)
    expect(allow(['203.0.113.7/32'], '203.0.113.7')).toBe(true)
    expect(allow(['203.0.113.7/32'], '203.0.113.8')).toBe(false)
    expect(allow(['203.0.113.7'], '203.0.113.7')).toBe(true)
  })

  it('treats 0.0.0.0/0 as every IPv4 address and ::/0 as every address', () => {
    expect(allow(['0.0.0.0/0'], '1.2.3.4')).toBe(true)
    expect(allow(['0.0.0.0/0'], '255.255.255.255')).toBe(true)
    expect(allow(['0.0.0.0/0'], '2001:db8::1')).toBe(false)
    expect(allow(['::/0'], '2001:db8::1')).toBe(true)
    expect(allow(['::/0'], '1.2.3.4')).toBe(true)
  })

  it('matches IPv6 ranges at their edges, in any spelling', () => {
    expect(allow(['2001:db8::/32'], '2001:db8::1')).toBe(true)
    expect(allow(['2001:db8::/32'], '2001:0DB8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true)
    expect(allow(['2001:db8::/32'], '2001:db9::')).toBe(false)
    expect(allow(['2001:db8::1/128'], '2001:db8:0:0:0:0:0:1')).toBe(true)
    expect(allow(['2001:db8::1/128'], '2001:db8::2')).toBe(false)
    expect(allow(['::1/128'], '::1')).toBe(true)
  })

  it('treats an IPv4-mapped IPv6 client as the IPv4 address it maps', () => {
    expect(allow(['192.0.2.0/24'], '::ffff:192.0.2.33')).toBe(true)
    expect(allow(['192.0.2.0/24'], '::ffff:c000:0221')).toBe(true)
    expect(allow(['192.0.2.0/24'], '::ffff:192.0.3.1')).toBe(false)
    expect(allow(['::ffff:192.0.2.0/120'], '192.0.2.200')).toBe(true)
    // An IPv4-compatible (not mapped) address is a different address.
    expect(allow(['192.0.2.0/24'], '::192.0.2.33')).toBe(false)
  })

  it('refuses malformed ranges, host bits set and unparsable clients', () => {
    for (const text of [
      '10.0.0.1/8',
      '10.0.0.0/33',
      '::1/129',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '256.0.0.0',
      'a::b::c',
      '10.0.0.0/',
      '10.0.0.0/08',
      'fe80::1%eth0',
      '',
      ' 1.2.3.4',
    ]) {
      expect(parseCidr(text), text).toBeUndefined()
    }
    expect(allow(['0.0.0.0/0'], undefined)).toBe(false)
    expect(allow(['0.0.0.0/0'], 'not-an-ip')).toBe(false)
    expect(allow(['::/0'], '1.2.3.4, 5.6.7.8')).toBe(false)
  })

  it('agrees with a bitwise model for random IPv4 prefixes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.integer({ min: 0, max: 32 }),
        (net, client, bits) => {
          const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
          const base = (net & mask) >>> 0
          const dotted = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')
          const expected = (client & mask) >>> 0 === base
          expect(allow([`${dotted(base)}/${bits}`], dotted(client))).toBe(expected)
        },
      ),
      { numRuns: 1000 },
    )
  })

  it('parses every IPv6 spelling of the same address to the same value', () => {
    expect(parseIp('2001:db8:0:0:1:0:0:1')).toBe(parseIp('2001:db8::1:0:0:1'))
    expect(parseIp('::')).toBe(0n)
    expect(parseIp('::ffff:1.2.3.4')).toBe(parseIp('1.2.3.4'))
  })
})
