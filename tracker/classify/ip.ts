import { isIP } from 'node:net';

/** Truncates an address to its network prefix (IPv4 /24, IPv6 /48 by default). */
export function truncateIp(ip: string, bits: { v4Bits: number; v6Bits: number } = { v4Bits: 24, v6Bits: 48 }): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const address = mapped ? mapped[1] : ip;
  if (isIP(address) === 4) {
    const parts = address.split('.').map(Number);
    const value = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
    const masked = bits.v4Bits === 0 ? 0 : (value & (~0 << (32 - bits.v4Bits))) >>> 0;
    return [masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255].join('.');
  }
  if (isIP(address) === 6) {
    const groups = expandIpv6(address);
    const kept = groups.map((group, index) => {
      const start = index * 16;
      if (start + 16 <= bits.v6Bits) return group;
      if (start >= bits.v6Bits) return 0;
      return group & (0xffff << (16 - (bits.v6Bits - start)));
    });
    return kept.map((group) => group.toString(16)).join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return null;
}

function expandIpv6(ip: string): number[] {
  const [head, tail] = ip.split('::');
  const parse = (part: string | undefined) => (part ? part.split(':').filter(Boolean).map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = new Array(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}
