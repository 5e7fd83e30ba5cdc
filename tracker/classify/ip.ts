/**
 * IP address helpers: truncation before storage and membership in published
 * address ranges. Addresses come from the request (after the trusted proxy hops
 * are removed), so they may be IPv4, IPv6 or IPv4-mapped IPv6 ("::ffff:a.b.c.d").
 */
import { BlockList, isIP } from 'node:net';

export interface TruncateOptions {
  /** Leading bits of an IPv4 address that are kept (0 to 32). */
  v4Bits: number;
  /** Leading bits of an IPv6 address that are kept (0 to 128). */
  v6Bits: number;
}

/** Default truncation: the network part of the address is kept, the host part zeroed. */
export const DEFAULT_TRUNCATION: TruncateOptions = { v4Bits: 24, v6Bits: 48 };

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Returns the IPv4 form of an IPv4-mapped IPv6 address, the address without a
 * zone id ("fe80::1%eth0"), or null when `ip` is not an IP address.
 */
export function normaliseIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const trimmed = ip.trim();
  const mapped = MAPPED_V4.exec(trimmed);
  if (mapped && isIP(mapped[1]) === 4) return mapped[1];
  const withoutZone = trimmed.split('%')[0];
  return isIP(withoutZone) === 0 ? null : withoutZone.toLowerCase();
}

/**
 * Zeroes the host part of an address: keeps `v4Bits` of an IPv4 address and
 * `v6Bits` of an IPv6 one. An IPv4-mapped IPv6 address is truncated as IPv4.
 * Returns null when `ip` is missing or not an IP address, so a malformed
 * forwarded header is never stored verbatim.
 */
export function truncateIp(ip: string | null | undefined, options: TruncateOptions = DEFAULT_TRUNCATION): string | null {
  checkBits(options.v4Bits, 32, 'v4Bits');
  checkBits(options.v6Bits, 128, 'v6Bits');
  const address = normaliseIp(ip);
  if (address === null) return null;

  if (isIP(address) === 4) {
    const bytes = address.split('.').map(Number);
    return maskBytes(bytes, options.v4Bits).join('.');
  }
  return formatIpv6(maskBytes(ipv6Bytes(address), options.v6Bits));
}

function checkBits(bits: number, max: number, name: string): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > max) {
    throw new RangeError(`Invalid ${name} ${bits}: expected an integer from 0 to ${max}.`);
  }
}

function maskBytes(bytes: number[], keepBits: number): number[] {
  return bytes.map((byte, index) => {
    const bitsLeft = keepBits - index * 8;
    if (bitsLeft >= 8) return byte;
    if (bitsLeft <= 0) return 0;
    return byte & (0xff << (8 - bitsLeft)) & 0xff;
  });
}

/** Expands a valid IPv6 address (possibly with an embedded IPv4 tail) to 16 bytes. */
function ipv6Bytes(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const v4Tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4Tail) {
    tail.push(...v4Tail[1].split('.').map(Number));
    text = `${text.slice(0, v4Tail.index)}0:0`;
  }

  const [head, rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  let restGroups: string[] = [];
  let zeroGroups: string[] = [];
  if (rest !== undefined) {
    restGroups = rest ? rest.split(':') : [];
    zeroGroups = Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  }
  const groups = [...headGroups, ...zeroGroups, ...restGroups];

  const bytes: number[] = [];
  for (const group of groups) {
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** Formats 16 bytes in the RFC 5952 canonical form (longest zero run as "::"). */
function formatIpv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);

  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start += 1;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end += 1;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }

  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}

/**
 * A set of CIDR ranges that reports whether an address belongs to one of them.
 * IPv4-mapped IPv6 addresses match IPv4 ranges.
 */
export class AddressRanges {
  private readonly list = new BlockList();

  constructor(readonly cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [network, prefixText] = cidr.split('/');
      const version = isIP(network);
      const prefix = Number(prefixText);
      if (version === 0 || !Number.isInteger(prefix)) {
        throw new Error(`Invalid CIDR range "${cidr}": expected an address, "/" and a prefix length.`);
      }
      this.list.addSubnet(network, prefix, version === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** True when `ip` is a valid address inside one of the ranges. */
  has(ip: string | null | undefined): boolean {
    const address = normaliseIp(ip);
    if (address === null) return false;
    return this.list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }
}
