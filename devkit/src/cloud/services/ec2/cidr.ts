/** IPv4 CIDR blocks as EC2 checks them. */

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** `10.0.0.0/16` → its base and prefix; undefined when it is not a CIDR block or has host bits set. */
export function parseCidr(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((n, o) => n * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) return undefined;
  return { base, prefix };
}

function size(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + size(b) && b.base < a.base + size(a);
}

/** Addresses a subnet offers: AWS reserves the first four and the last one. */
export function usableAddresses(cidr: Cidr): number {
  return size(cidr) - 5;
}

/** The i-th block of `prefix` inside `cidr` (for carving the default VPC's subnets). */
export function nthBlock(cidr: Cidr, prefix: number, i: number): string {
  const base = cidr.base + i * 2 ** (32 - prefix);
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}
