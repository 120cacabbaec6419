/**
 * IPv6 CIDR blocks as EC2 reads and writes them: `2600:1f18:6f2:a800::/56` in, the same block back
 * in RFC 5952's form (lower case, the longest run of zero groups as `::`). A block with host bits
 * set is refused, as EC2 refuses it.
 */

export interface Ipv6Cidr {
  /** The network address as an unsigned 128-bit number. */
  base: bigint;
  prefix: number;
}

const BITS = 128n;

/** `2001:db8::/32` → its base and prefix; undefined when it is not an IPv6 block or has host bits set. */
export function parseIpv6Cidr(text: string): Ipv6Cidr | undefined {
  const match = /^([0-9A-Fa-f:]+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const prefix = Number(match[2]);
  const base = parseIpv6Address(match[1]!);
  if (base === undefined || prefix > 128) return undefined;
  return base % (1n << (BITS - BigInt(prefix))) === 0n ? { base, prefix } : undefined;
}

function parseIpv6Address(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const count = groups.reduce((n, g) => n + g.length, 0);
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const all =
    halves.length === 1 ? groups[0]! : [...groups[0]!, ...Array<string>(8 - count).fill('0'), ...groups[1]!];
  if (!all.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  return all.reduce((n, g) => (n << 16n) + BigInt(parseInt(g, 16)), 0n);
}

/** A block in RFC 5952's canonical text form. */
export function formatIpv6Cidr(cidr: Ipv6Cidr): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((cidr.base >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups (the first, on a tie) becomes `::`.
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  const text =
    best.at < 0
      ? hex.join(':')
      : `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
  return `${text}/${cidr.prefix}`;
}

function size(cidr: Ipv6Cidr): bigint {
  return 1n << (BITS - BigInt(cidr.prefix));
}

export function ipv6CidrContains(outer: Ipv6Cidr, inner: Ipv6Cidr): boolean {
  return inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function ipv6CidrsOverlap(a: Ipv6Cidr, b: Ipv6Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}
