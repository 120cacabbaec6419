/**
 * Subnets: a slice of one of a VPC's IPv4 blocks in one availability zone, and optionally a /64 of
 * its IPv6 block (CreateSubnet's Ipv6CidrBlock, AssociateSubnetCidrBlock).
 */
import type {
  AssociateSubnetCidrBlockRequest,
  AssociateSubnetCidrBlockResult,
  DisassociateSubnetCidrBlockRequest,
  DisassociateSubnetCidrBlockResult,
  SubnetCidrBlockStateCode,
  SubnetIpv6CidrBlockAssociation,
  CreateSubnetRequest,
  CreateSubnetResult,
  DeleteSubnetRequest,
  DescribeSubnetsRequest,
  DescribeSubnetsResult,
  ModifySubnetAttributeRequest,
  Subnet,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { cidrContains, cidrsOverlap, parseCidr, usableAddresses } from '../../../net/cidr.ts';
import { formatIpv6Cidr, ipv6CidrContains, ipv6CidrsOverlap, parseIpv6Cidr } from '../../../net/ipv6-cidr.ts';
import { applyFilters } from './filters.ts';
import { forgetSubnetAcl } from './network-acls.ts';
import type { CidrAssociationRecord, Ec2State, SubnetRecord, VpcRecord } from './state.ts';
import { dependencyViolation, ec2Error, find, selectByIds } from './state.ts';
import { interfacesInSubnet } from './network-interfaces.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';
import { dropFlowLogsOf } from './flow-logs.ts';
import { ipv4BlocksOf } from './vpc-cidr-blocks.ts';
import { zonesOf, type Zone } from './zones.ts';

export function addSubnet(
  state: Ec2State,
  vpc: VpcRecord,
  cidr: string,
  zone: Zone,
  defaults: { defaultForAz: boolean; mapPublicIpOnLaunch: boolean },
): SubnetRecord {
  const parsed = parseCidr(cidr);
  if (!parsed) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  const inVpc = ipv4BlocksOf(vpc).some((b) => cidrContains(parseCidr(b.cidr)!, parsed));
  if (parsed.prefix < 16 || parsed.prefix > 28 || !inVpc) {
    throw ec2Error('InvalidSubnet.Range', `The CIDR '${cidr}' is invalid.`);
  }
  const clash = Object.values(state.subnets).find(
    (s) => s.vpcId === vpc.id && cidrsOverlap(parseCidr(s.cidr)!, parsed),
  );
  if (clash) throw ec2Error('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`);
  const subnet: SubnetRecord = {
    id: resourceId('subnet'),
    vpcId: vpc.id,
    cidr,
    zone: zone.name,
    zoneId: zone.id,
    ...defaults,
  };
  state.subnets[subnet.id] = subnet;
  return subnet;
}

/** The zone asked for by name or id; without one, EC2 picks: here, the zone with fewest of the VPC's subnets. */
export function chooseZone(
  state: Ec2State,
  vpcId: string,
  name: string | undefined,
  id: string | undefined,
): Zone {
  const zones = zonesOf(state.region);
  if (name !== undefined || id !== undefined) {
    const zone = zones.find((z) => z.name === name || z.id === id);
    if (!zone) {
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${name ?? id}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.map((z) => z.name).join(', ')}.`,
      );
    }
    return zone;
  }
  const used = (zone: Zone) =>
    Object.values(state.subnets).filter((s) => s.vpcId === vpcId && s.zone === zone.name).length;
  return zones.reduce((best, zone) => (used(zone) < used(best) ? zone : best));
}

/** The subnet's host addresses that no network interface holds. */
function availableAddresses(state: Ec2State, subnet: SubnetRecord): number {
  const held = interfacesInSubnet(state, subnet.id).reduce((n, eni) => n + eni.privateIps.length, 0);
  return Math.max(0, usableAddresses(parseCidr(subnet.cidr)!) - held);
}

function subnetArn(state: Ec2State, subnet: SubnetRecord, accountId: string): string {
  return `arn:aws:ec2:${state.region}:${accountId}:subnet/${subnet.id}`;
}

/**
 * A subnet's IPv6 block, checked as EC2 checks it: a /64 inside one of its VPC's IPv6 blocks that
 * no other subnet of the VPC holds.
 */
function ipv6BlockFor(state: Ec2State, vpc: VpcRecord, raw: string): string {
  const parsed = parseIpv6Cidr(raw);
  if (!parsed) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${raw}) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`,
    );
  }
  const cidr = formatIpv6Cidr(parsed);
  const inVpc = (vpc.ipv6Cidrs ?? []).some((b) => ipv6CidrContains(parseIpv6Cidr(b.cidr)!, parsed));
  if (parsed.prefix !== 64 || !inVpc) {
    throw ec2Error(
      'InvalidSubnet.Range',
      `The IPv6 CIDR '${cidr}' is invalid: a subnet's IPv6 block is a /64 of its VPC's IPv6 blocks (${(vpc.ipv6Cidrs ?? []).map((b) => b.cidr).join(', ') || 'none'}).`,
    );
  }
  const clash = Object.values(state.subnets).find(
    (s) => s.vpcId === vpc.id && s.ipv6Cidr && ipv6CidrsOverlap(parseIpv6Cidr(s.ipv6Cidr.cidr)!, parsed),
  );
  if (clash) throw ec2Error('InvalidSubnet.Conflict', `The CIDR '${cidr}' conflicts with another subnet`);
  return cidr;
}

function ipv6AssociationShape(
  block: CidrAssociationRecord,
  state: SubnetCidrBlockStateCode,
): SubnetIpv6CidrBlockAssociation {
  return {
    AssociationId: block.associationId,
    Ipv6CidrBlock: block.cidr,
    Ipv6CidrBlockState: { State: state },
    Ipv6AddressAttribute: 'public',
    IpSource: 'amazon',
  };
}

export function subnetShape(state: Ec2State, subnet: SubnetRecord, accountId: string): Subnet {
  return {
    SubnetId: subnet.id,
    SubnetArn: subnetArn(state, subnet, accountId),
    VpcId: subnet.vpcId,
    CidrBlock: subnet.cidr,
    AvailabilityZone: subnet.zone,
    AvailabilityZoneId: subnet.zoneId,
    AvailableIpAddressCount: availableAddresses(state, subnet),
    DefaultForAz: subnet.defaultForAz,
    MapPublicIpOnLaunch: subnet.mapPublicIpOnLaunch,
    AssignIpv6AddressOnCreation: subnet.assignIpv6AddressOnCreation ?? false,
    EnableDns64: subnet.enableDns64 ?? false,
    Ipv6Native: false,
    Ipv6CidrBlockAssociationSet: subnet.ipv6Cidr ? [ipv6AssociationShape(subnet.ipv6Cidr, 'associated')] : [],
    OwnerId: accountId,
    State: 'available',
    Tags: tagsOf(state, subnet.id),
  };
}

export const createSubnet: Handler<Checked<CreateSubnetRequest, 'VpcId'>, CreateSubnetResult, Ec2State> = (
  input,
  ctx,
) => {
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  if (!input.CidrBlock)
    throw ec2Error('MissingParameter', 'The request must contain the parameter cidrBlock');
  if (input.Ipv6Native || input.Ipv4IpamPoolId !== undefined || input.Ipv6IpamPoolId !== undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      'The local cloud has no IPv6-only subnets and no IPAM pools: give the subnet a CidrBlock (and an Ipv6CidrBlock)',
    );
  }
  const zone = chooseZone(ctx.state, vpc.id, input.AvailabilityZone, input.AvailabilityZoneId);
  // The IPv6 block is checked before the subnet exists, so a refused one leaves no subnet behind.
  const ipv6 =
    input.Ipv6CidrBlock === undefined ? undefined : ipv6BlockFor(ctx.state, vpc, input.Ipv6CidrBlock);
  const subnet = addSubnet(ctx.state, vpc, input.CidrBlock, zone, {
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
  });
  if (ipv6) subnet.ipv6Cidr = { associationId: resourceId('subnet-cidr-assoc'), cidr: ipv6 };
  applyTagSpecifications(ctx.state, subnet.id, 'subnet', input.TagSpecifications);
  return { Subnet: subnetShape(ctx.state, subnet, ctx.accountId) };
};

export const describeSubnets: Handler<DescribeSubnetsRequest, DescribeSubnetsResult, Ec2State> = (
  input,
  ctx,
) => {
  const subnets = applyFilters(ctx.state, selectByIds(ctx.state, 'subnet', input.SubnetIds), input.Filters, {
    'subnet-id': (s) => s.id,
    'vpc-id': (s) => s.vpcId,
    'subnet-arn': (s) => subnetArn(ctx.state, s, ctx.accountId),
    'availability-zone': (s) => s.zone,
    availabilityZone: (s) => s.zone,
    'availability-zone-id': (s) => s.zoneId,
    availabilityZoneId: (s) => s.zoneId,
    'available-ip-address-count': (s) => availableAddresses(ctx.state, s),
    'cidr-block': (s) => s.cidr,
    cidr: (s) => s.cidr,
    cidrBlock: (s) => s.cidr,
    'default-for-az': (s) => s.defaultForAz,
    defaultForAz: (s) => s.defaultForAz,
    'map-public-ip-on-launch': (s) => s.mapPublicIpOnLaunch,
    'enable-dns64': (s) => s.enableDns64 ?? false,
    'ipv6-native': () => false,
    'ipv6-cidr-block-association.ipv6-cidr-block': (s) => s.ipv6Cidr?.cidr,
    'ipv6-cidr-block-association.association-id': (s) => s.ipv6Cidr?.associationId,
    'ipv6-cidr-block-association.state': (s) => (s.ipv6Cidr ? 'associated' : undefined),
    'owner-id': () => ctx.accountId,
    state: () => 'available',
  });
  const { page, nextToken } = paginate(subnets, input.MaxResults, input.NextToken, 1000);
  return {
    Subnets: page.map((s) => subnetShape(ctx.state, s, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const deleteSubnet: Handler<Checked<DeleteSubnetRequest, 'SubnetId'>, void, Ec2State> = (
  input,
  ctx,
) => {
  const subnet = find(ctx.state, 'subnet', input.SubnetId);
  if (interfacesInSubnet(ctx.state, subnet.id).length > 0) throw dependencyViolation('subnet', subnet.id);
  // An explicit route table association goes with the subnet, as in EC2.
  for (const table of Object.values(ctx.state.routeTables)) {
    table.associations = table.associations.filter((a) => a.subnetId !== subnet.id);
  }
  forgetSubnetAcl(ctx.state, subnet.id);
  delete ctx.state.subnets[subnet.id];
  dropTags(ctx.state, subnet.id);
  dropFlowLogsOf(ctx.state, subnet.id);
};

export const modifySubnetAttribute: Handler<
  Checked<ModifySubnetAttributeRequest, 'SubnetId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const subnet = find(ctx.state, 'subnet', input.SubnetId);
  const changes = {
    MapPublicIpOnLaunch: input.MapPublicIpOnLaunch?.Value,
    AssignIpv6AddressOnCreation: input.AssignIpv6AddressOnCreation?.Value,
    EnableDns64: input.EnableDns64?.Value,
  };
  const given = Object.entries(changes).filter(([, value]) => value !== undefined);
  if (given.length === 0) {
    throw ec2Error(
      'InvalidParameterValue',
      'The local cloud supports the MapPublicIpOnLaunch, AssignIpv6AddressOnCreation and EnableDns64 subnet attributes',
    );
  }
  // EC2 modifies one attribute per call.
  if (given.length > 1) {
    throw ec2Error(
      'InvalidParameterCombination',
      `Only one attribute can be modified at a time: ${given.map(([name]) => name).join(', ')}`,
    );
  }
  const [[name, value]] = given as [[keyof typeof changes, boolean]];
  // Both IPv6 attributes need the subnet's IPv6 block to act on.
  if (name !== 'MapPublicIpOnLaunch' && value && !subnet.ipv6Cidr) {
    throw ec2Error(
      'InvalidParameterValue',
      `Cannot enable ${name} for subnet ${subnet.id}: it has no IPv6 CIDR block (AssociateSubnetCidrBlock first)`,
    );
  }
  if (name === 'MapPublicIpOnLaunch') subnet.mapPublicIpOnLaunch = value;
  else if (name === 'AssignIpv6AddressOnCreation') subnet.assignIpv6AddressOnCreation = value;
  else subnet.enableDns64 = value;
};

export const associateSubnetCidrBlock: Handler<
  Checked<AssociateSubnetCidrBlockRequest, 'SubnetId'>,
  AssociateSubnetCidrBlockResult,
  Ec2State
> = (input, ctx) => {
  const subnet = find(ctx.state, 'subnet', input.SubnetId);
  if (input.Ipv6IpamPoolId !== undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      'The local cloud has no IPAM pools: give the subnet an Ipv6CidrBlock',
    );
  }
  if (input.Ipv6CidrBlock === undefined) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter ipv6CidrBlock');
  }
  if (subnet.ipv6Cidr) {
    throw ec2Error(
      'InvalidParameterValue',
      `The subnet '${subnet.id}' already has the IPv6 CIDR block '${subnet.ipv6Cidr.cidr}': a subnet has at most one`,
    );
  }
  const cidr = ipv6BlockFor(ctx.state, ctx.state.vpcs[subnet.vpcId]!, input.Ipv6CidrBlock);
  subnet.ipv6Cidr = { associationId: resourceId('subnet-cidr-assoc'), cidr };
  // Reported `associating` here, `associated` by DescribeSubnets from then on.
  return {
    SubnetId: subnet.id,
    Ipv6CidrBlockAssociation: ipv6AssociationShape(subnet.ipv6Cidr, 'associating'),
  };
};

export const disassociateSubnetCidrBlock: Handler<
  Checked<DisassociateSubnetCidrBlockRequest, 'AssociationId'>,
  DisassociateSubnetCidrBlockResult,
  Ec2State
> = (input, ctx) => {
  const subnet = Object.values(ctx.state.subnets).find(
    (s) => s.ipv6Cidr?.associationId === input.AssociationId,
  );
  if (!subnet) {
    throw ec2Error(
      'InvalidSubnetCidrBlockAssociationID.NotFound',
      `The subnet CIDR block with association ID '${input.AssociationId}' does not exist`,
    );
  }
  if (interfacesInSubnet(ctx.state, subnet.id).some((eni) => eni.ipv6Addresses?.length)) {
    throw ec2Error(
      'DependencyViolation',
      `The subnet CIDR block with association ID ${input.AssociationId} has network interfaces with IPv6 addresses from it and cannot be disassociated.`,
    );
  }
  const block = subnet.ipv6Cidr!;
  delete subnet.ipv6Cidr;
  // Without a block the IPv6 attributes have nothing to act on (CloudFormation removes a dual-stack
  // subnet's block before the subnet, with the attribute still on), so they go off with it.
  subnet.assignIpv6AddressOnCreation = false;
  subnet.enableDns64 = false;
  return { SubnetId: subnet.id, Ipv6CidrBlockAssociation: ipv6AssociationShape(block, 'disassociating') };
};
