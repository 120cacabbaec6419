/**
 * A VPC's CIDR blocks beyond its primary one: secondary IPv4 blocks and Amazon-provided IPv6 /56
 * blocks (AssociateVpcCidrBlock / DisassociateVpcCidrBlock, CreateVpc's AmazonProvidedIpv6CidrBlock).
 * Each block gets a `local` route in every route table of the VPC, as in EC2.
 *
 * Where AWS is silent (it hands out /56s from its own 2600:1f00::/24 space): the local cloud's
 * Amazon-provided blocks are `2600:1fXX:NNNN:NN00::/56`, XX the first byte of the SHA-256 of the
 * region's name and NNNNNN the lowest block number no VPC of the region holds, so the same calls
 * give the same blocks on every machine. The region is the one network border group.
 */
import { createHash } from 'node:crypto';
import type {
  AssociateVpcCidrBlockRequest,
  AssociateVpcCidrBlockResult,
  DisassociateVpcCidrBlockRequest,
  DisassociateVpcCidrBlockResult,
  VpcCidrBlockAssociation,
  VpcCidrBlockStateCode,
  VpcIpv6CidrBlockAssociation,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { resourceId } from '../common.ts';
import { cidrContains, cidrsOverlap, parseCidr, type Cidr } from '../../../net/cidr.ts';
import { formatIpv6Cidr, ipv6CidrContains, parseIpv6Cidr } from '../../../net/ipv6-cidr.ts';
import type { CidrAssociationRecord, Ec2State, VpcRecord } from './state.ts';
import { ec2Error, find } from './state.ts';

/** AWS's default quota: IPv4 CIDR blocks per VPC, the primary one included. */
const MAX_IPV4_BLOCKS = 5;
/** One Amazon-provided IPv6 block per network border group, and the region is the only group here. */
const MAX_AMAZON_IPV6_BLOCKS = 1;

/** The VPC's IPv4 blocks, the primary one first. */
export function ipv4BlocksOf(vpc: VpcRecord): CidrAssociationRecord[] {
  return [{ associationId: vpc.cidrAssociationId, cidr: vpc.cidr }, ...(vpc.secondaryCidrs ?? [])];
}

/** Every block of the VPC, each of which its route tables route `local`. */
export function localBlocksOf(vpc: VpcRecord): string[] {
  return [...ipv4BlocksOf(vpc), ...(vpc.ipv6Cidrs ?? [])].map((b) => b.cidr);
}

export function cidrBlockAssociationSet(vpc: VpcRecord): VpcCidrBlockAssociation[] {
  return ipv4BlocksOf(vpc).map((b) => ({
    AssociationId: b.associationId,
    CidrBlock: b.cidr,
    CidrBlockState: { State: 'associated' },
  }));
}

export function ipv6AssociationShape(
  region: string,
  block: CidrAssociationRecord,
  state: VpcCidrBlockStateCode,
): VpcIpv6CidrBlockAssociation {
  return {
    AssociationId: block.associationId,
    Ipv6CidrBlock: block.cidr,
    Ipv6CidrBlockState: { State: state },
    NetworkBorderGroup: region,
    Ipv6Pool: 'Amazon',
    Ipv6AddressAttribute: 'public',
    IpSource: 'amazon',
  };
}

/** The next Amazon-provided /56 of the region (see the module's comment). */
function allocateIpv6Block(state: Ec2State): string {
  const regionByte = createHash('sha256').update(state.region).digest()[0]!;
  const held = new Set(
    Object.values(state.vpcs).flatMap((v) => (v.ipv6Cidrs ?? []).map((b) => parseIpv6Cidr(b.cidr)!.base)),
  );
  const blockOf = (n: number) => ((0x26001f00n + BigInt(regionByte)) << 96n) + (BigInt(n) << 72n);
  let n = 0;
  while (held.has(blockOf(n))) n++;
  return formatIpv6Cidr({ base: blockOf(n), prefix: 56 });
}

/** The network border group a request names: the region's own, or none. */
export function checkBorderGroup(region: string, group: string | undefined, amazonProvided: boolean): void {
  if (group === undefined) return;
  if (!amazonProvided) {
    throw ec2Error(
      'InvalidParameterCombination',
      'The parameter Ipv6CidrBlockNetworkBorderGroup requires AmazonProvidedIpv6CidrBlock',
    );
  }
  if (group !== region) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${group}) for parameter Ipv6CidrBlockNetworkBorderGroup is invalid. The local cloud's only network border group is the region, ${region}.`,
    );
  }
}

/** Refuses the IPv6 and IPv4 sources the local cloud has no pools for (BYOIP, IPAM). */
export function refusePools(input: {
  Ipv6Pool?: string;
  Ipv6CidrBlock?: string;
  Ipv6IpamPoolId?: string;
  Ipv4IpamPoolId?: string;
}): void {
  const named = (['Ipv6Pool', 'Ipv6CidrBlock', 'Ipv6IpamPoolId', 'Ipv4IpamPoolId'] as const).find(
    (key) => input[key] !== undefined,
  );
  if (named) {
    throw ec2Error(
      'InvalidParameterValue',
      `The local cloud has no BYOIP or IPAM address pools (parameter ${named}): use CidrBlock or AmazonProvidedIpv6CidrBlock`,
    );
  }
}

/** Gives the VPC an Amazon-provided IPv6 block (and its tables their local route to it). */
export function addIpv6Block(state: Ec2State, vpc: VpcRecord): CidrAssociationRecord {
  if ((vpc.ipv6Cidrs ?? []).length >= MAX_AMAZON_IPV6_BLOCKS) {
    throw ec2Error(
      'CidrLimitExceeded',
      `This network '${vpc.id}' has met its maximum number of allowed CIDRs: ${MAX_AMAZON_IPV6_BLOCKS}`,
    );
  }
  const block = { associationId: resourceId('vpc-cidr-assoc'), cidr: allocateIpv6Block(state) };
  (vpc.ipv6Cidrs ??= []).push(block);
  addLocalRoutes(state, vpc.id, block.cidr);
  return block;
}

const RFC1918 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);
const BENCHMARK = parseCidr('198.19.0.0/16')!;

/**
 * The ranges a secondary block may not come from, by the primary block's range (the VPC User
 * Guide's "IPv4 CIDR block association restrictions"): another RFC 1918 range, 198.19.0.0/16 (unless
 * the primary is in it), 10.0.0.0/16 for a primary in 10.0.0.0/15 and 172.31.0.0/16 for one in
 * 172.16.0.0/12; a primary that is not RFC 1918 rules out all of them.
 */
function restrictedFor(primary: Cidr): Cidr[] {
  const home = [...RFC1918, BENCHMARK].find((range) => cidrContains(range, primary));
  const restricted = [...RFC1918, BENCHMARK].filter((range) => range !== home);
  if (home === RFC1918[0] && cidrContains(parseCidr('10.0.0.0/15')!, primary))
    restricted.push(parseCidr('10.0.0.0/16')!);
  if (home === RFC1918[1]) restricted.push(parseCidr('172.31.0.0/16')!);
  return restricted;
}

function addSecondaryBlock(state: Ec2State, vpc: VpcRecord, cidr: string): CidrAssociationRecord {
  const parsed = parseCidr(cidr);
  if (!parsed) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  if (parsed.prefix < 16 || parsed.prefix > 28)
    throw ec2Error('InvalidVpc.Range', `The CIDR '${cidr}' is invalid.`);
  if (restrictedFor(parseCidr(vpc.cidr)!).some((range) => cidrsOverlap(range, parsed))) {
    throw ec2Error(
      'InvalidVpc.Range',
      `The CIDR '${cidr}' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR.`,
    );
  }
  const blocks = ipv4BlocksOf(vpc);
  const clash = blocks.find((b) => cidrsOverlap(parseCidr(b.cidr)!, parsed));
  if (clash) {
    throw ec2Error(
      'InvalidVpc.Range',
      `The CIDR '${cidr}' conflicts with the VPC's CIDR block '${clash.cidr}'.`,
    );
  }
  if (blocks.length >= MAX_IPV4_BLOCKS) {
    throw ec2Error(
      'CidrLimitExceeded',
      `This network '${vpc.id}' has met its maximum number of allowed CIDRs: ${MAX_IPV4_BLOCKS}`,
    );
  }
  const block = { associationId: resourceId('vpc-cidr-assoc'), cidr };
  (vpc.secondaryCidrs ??= []).push(block);
  addLocalRoutes(state, vpc.id, cidr);
  return block;
}

function addLocalRoutes(state: Ec2State, vpcId: string, cidr: string): void {
  for (const table of Object.values(state.routeTables)) {
    if (table.vpcId === vpcId)
      table.routes.push({ destinationCidrBlock: cidr, gatewayId: 'local', origin: 'CreateRouteTable' });
  }
}

export const associateVpcCidrBlock: Handler<
  Checked<AssociateVpcCidrBlockRequest, 'VpcId'>,
  AssociateVpcCidrBlockResult,
  Ec2State
> = (input, ctx) => {
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  refusePools(input);
  const amazon = input.AmazonProvidedIpv6CidrBlock === true;
  if (amazon === (input.CidrBlock !== undefined)) {
    throw ec2Error(
      'InvalidParameterCombination',
      'The request must contain exactly one of the parameters cidrBlock, amazonProvidedIpv6CidrBlock',
    );
  }
  checkBorderGroup(ctx.region, input.Ipv6CidrBlockNetworkBorderGroup, amazon);
  // A new association is reported `associating` here and `associated` from then on.
  if (amazon) {
    const block = addIpv6Block(ctx.state, vpc);
    return {
      VpcId: vpc.id,
      Ipv6CidrBlockAssociation: ipv6AssociationShape(ctx.region, block, 'associating'),
    };
  }
  const block = addSecondaryBlock(ctx.state, vpc, input.CidrBlock!);
  return {
    VpcId: vpc.id,
    CidrBlockAssociation: {
      AssociationId: block.associationId,
      CidrBlock: block.cidr,
      CidrBlockState: { State: 'associating' },
    },
  };
};

/** The VPC holding an association, and the block. */
function findAssociation(
  state: Ec2State,
  associationId: string,
): { vpc: VpcRecord; block: CidrAssociationRecord; ipv6: boolean } {
  for (const vpc of Object.values(state.vpcs)) {
    if (vpc.cidrAssociationId === associationId) {
      throw ec2Error(
        'OperationNotPermitted',
        `The vpc CIDR block with association ID ${associationId} may not be disassociated. It is the primary IPv4 CIDR block of the VPC`,
      );
    }
    const secondary = vpc.secondaryCidrs?.find((b) => b.associationId === associationId);
    if (secondary) return { vpc, block: secondary, ipv6: false };
    const ipv6 = vpc.ipv6Cidrs?.find((b) => b.associationId === associationId);
    if (ipv6) return { vpc, block: ipv6, ipv6: true };
  }
  throw ec2Error(
    'InvalidVpcCidrBlockAssociationID.NotFound',
    `The vpc CIDR block association ID '${associationId}' does not exist`,
  );
}

/** Whether a subnet of the VPC uses the block (its IPv4 range, or its IPv6 /64 inside the /56). */
function blockInUse(state: Ec2State, vpc: VpcRecord, block: CidrAssociationRecord, ipv6: boolean): boolean {
  return Object.values(state.subnets).some((s) => {
    if (s.vpcId !== vpc.id) return false;
    if (ipv6)
      return (
        s.ipv6Cidr !== undefined &&
        ipv6CidrContains(parseIpv6Cidr(block.cidr)!, parseIpv6Cidr(s.ipv6Cidr.cidr)!)
      );
    return cidrContains(parseCidr(block.cidr)!, parseCidr(s.cidr)!);
  });
}

export const disassociateVpcCidrBlock: Handler<
  Checked<DisassociateVpcCidrBlockRequest, 'AssociationId'>,
  DisassociateVpcCidrBlockResult,
  Ec2State
> = (input, ctx) => {
  const { vpc, block, ipv6 } = findAssociation(ctx.state, input.AssociationId);
  if (blockInUse(ctx.state, vpc, block, ipv6)) {
    throw ec2Error(
      'DependencyViolation',
      `The vpc CIDR block with association ID ${block.associationId} has dependencies (subnets in it) and cannot be disassociated.`,
    );
  }
  if (ipv6) vpc.ipv6Cidrs = vpc.ipv6Cidrs!.filter((b) => b !== block);
  else vpc.secondaryCidrs = vpc.secondaryCidrs!.filter((b) => b !== block);
  // The block's local routes go with it; routes the user made to it stay (they are the user's).
  for (const table of Object.values(ctx.state.routeTables)) {
    if (table.vpcId === vpc.id) {
      table.routes = table.routes.filter(
        (r) => !(r.gatewayId === 'local' && r.destinationCidrBlock === block.cidr),
      );
    }
  }
  // Reported `disassociating`; the association is gone from DescribeVpcs at once.
  return ipv6
    ? { VpcId: vpc.id, Ipv6CidrBlockAssociation: ipv6AssociationShape(ctx.region, block, 'disassociating') }
    : {
        VpcId: vpc.id,
        CidrBlockAssociation: {
          AssociationId: block.associationId,
          CidrBlock: block.cidr,
          CidrBlockState: { State: 'disassociating' },
        },
      };
};
