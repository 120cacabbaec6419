/**
 * IPv4 CIDR blocks as EC2 checks them: the one parser for the stack file's check and the local
 * cloud's EC2, so a stack that passes validation cannot fail at provisioning (a block with host bits
 * set, like 10.0.1.5/24, is refused by both, as EC2 refuses it).
 */

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

/** `10.0.0.0/16` → its base and prefix; undefined when it is not a CIDR block or has host bits set. */
export function parseCidr(text: string): Cidr | undefined {
  const block = parseAddressAndPrefix(text);
  return block && block.base % 2 ** (32 - block.prefix) === 0 ? block : undefined;
}

/** Why `text` is not a CIDR block EC2 accepts (undefined when it is one), for a user-facing message. */
export function cidrProblem(text: string): string | undefined {
  const block = parseAddressAndPrefix(text);
  if (!block) return 'must be an IPv4 CIDR block like 10.0.0.0/16';
  const hostBits = block.base % 2 ** (32 - block.prefix);
  if (hostBits === 0) return undefined;
  const network = formatCidr({ base: block.base - hostBits, prefix: block.prefix });
  return `has host bits set: EC2 refuses it (the network is ${network})`;
}

function parseAddressAndPrefix(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  return { base: octets.reduce((n, o) => n * 256 + o, 0), prefix };
}

function formatCidr(cidr: Cidr): string {
  return `${formatAddress(cidr.base)}/${cidr.prefix}`;
}

/** `10.0.1.5` → its unsigned 32-bit number; undefined when it is not an IPv4 address. */
export function parseAddress(text: string): number | undefined {
  return parseAddressAndPrefix(`${text}/32`)?.base;
}

/** An unsigned 32-bit number → `10.0.1.5`. */
export function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** The addresses of a subnet a host may get: AWS reserves the first four and the last one. */
export function hostAddressRange(cidr: Cidr): { first: number; last: number } {
  return { first: cidr.base + 4, last: cidr.base + size(cidr) - 2 };
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
  return formatCidr({ base: cidr.base + i * 2 ** (32 - prefix), prefix });
}

/**
 * Whether an IPv4 `address` is inside `block` (`203.0.113.0/24`, or one address as `203.0.113.7`),
 * as IAM's IpAddress condition reads blocks: host bits in the block are ignored.
 */
export function addressInBlock(address: string, block: string): boolean {
  const ip = parseAddressAndPrefix(`${address}/32`);
  const range = parseAddressAndPrefix(block.includes('/') ? block : `${block}/32`);
  if (!ip || !range) return false;
  const hostBits = 2 ** (32 - range.prefix);
  return Math.floor(ip.base / hostBits) === Math.floor(range.base / hostBits);
}
