import { AddressRanges, normaliseIp, truncateIp } from '../tracker/classify/ip';

describe('truncateIp', () => {
  test.each([
    ['81.2.69.142', '81.2.69.0'],
    ['10.20.30.40', '10.20.30.0'],
    ['::ffff:81.2.69.142', '81.2.69.0'],
    ['::FFFF:81.2.69.142', '81.2.69.0'],
    ['2001:db8:1234:5678:9abc:def0:1234:5678', '2001:db8:1234::'],
    ['2001:db8::1', '2001:db8::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::1', '::'],
    ['2001:db8:1:2::ffff:1.2.3.4', '2001:db8:1::'],
  ])('default truncation of %s', (ip, expected) => {
    expect(truncateIp(ip, { v4Bits: 24, v6Bits: 48 })).toBe(expected);
  });

  test('bits that are not multiples of eight', () => {
    expect(truncateIp('81.2.69.142', { v4Bits: 20, v6Bits: 48 })).toBe('81.2.64.0');
    expect(truncateIp('2001:db8:abcd:ef01::1', { v4Bits: 24, v6Bits: 36 })).toBe('2001:db8:a000::');
  });

  test('full and zero prefix lengths', () => {
    expect(truncateIp('81.2.69.142', { v4Bits: 32, v6Bits: 128 })).toBe('81.2.69.142');
    expect(truncateIp('2001:db8::1', { v4Bits: 32, v6Bits: 128 })).toBe('2001:db8::1');
    expect(truncateIp('81.2.69.142', { v4Bits: 0, v6Bits: 0 })).toBe('0.0.0.0');
    expect(truncateIp('2001:db8::1', { v4Bits: 0, v6Bits: 0 })).toBe('::');
  });

  test('invalid addresses give null', () => {
    for (const bad of [null, undefined, '', 'unknown', '999.1.1.1', '1.2.3', '2001:db8:::1', '81.2.69.142, 10.0.0.1']) {
      expect(truncateIp(bad as string | null)).toBeNull();
    }
  });

  test('invalid bit counts are rejected with the value', () => {
    expect(() => truncateIp('1.2.3.4', { v4Bits: 33, v6Bits: 48 })).toThrow('Invalid v4Bits 33');
    expect(() => truncateIp('1.2.3.4', { v4Bits: 24, v6Bits: -1 })).toThrow('Invalid v6Bits -1');
  });
});

describe('normaliseIp', () => {
  test('unmaps IPv4-mapped IPv6 and lower-cases IPv6', () => {
    expect(normaliseIp('::ffff:17.1.2.3')).toBe('17.1.2.3');
    expect(normaliseIp('2001:DB8::A')).toBe('2001:db8::a');
    expect(normaliseIp(' 8.8.8.8 ')).toBe('8.8.8.8');
  });
});

describe('AddressRanges', () => {
  const ranges = new AddressRanges(['17.0.0.0/8', '2606:54c0::/30']);

  test('matches IPv4, mapped IPv4 and IPv6 members', () => {
    expect(ranges.has('17.253.1.1')).toBe(true);
    expect(ranges.has('::ffff:17.253.1.1')).toBe(true);
    expect(ranges.has('2606:54c3:0:1::5')).toBe(true);
  });

  test('rejects outsiders and garbage', () => {
    expect(ranges.has('18.0.0.1')).toBe(false);
    expect(ranges.has('2606:54c4::1')).toBe(false);
    expect(ranges.has('not an address')).toBe(false);
    expect(ranges.has(null)).toBe(false);
  });

  test('invalid range names the value', () => {
    expect(() => new AddressRanges(['17.0.0.0'])).toThrow('Invalid CIDR range "17.0.0.0"');
  });
});
