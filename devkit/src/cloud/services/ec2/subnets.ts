/** Subnets: a slice of a VPC's CIDR block in one availability zone. */
import type {
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
import { applyFilters } from './filters.ts';
import { forgetSubnetAcl } from './network-acls.ts';
import type { Ec2State, SubnetRecord, VpcRecord } from './state.ts';
import { dependencyViolation, ec2Error, find, selectByIds } from './state.ts';
import { interfacesInSubnet } from './network-interfaces.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';
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
  if (parsed.prefix < 16 || parsed.prefix > 28 || !cidrContains(parseCidr(vpc.cidr)!, parsed)) {
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
function chooseZone(state: Ec2State, vpcId: string, name: string | undefined, id: string | undefined): Zone {
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

function subnetShape(state: Ec2State, subnet: SubnetRecord, accountId: string): Subnet {
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
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
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
  const zone = chooseZone(ctx.state, vpc.id, input.AvailabilityZone, input.AvailabilityZoneId);
  const subnet = addSubnet(ctx.state, vpc, input.CidrBlock, zone, {
    defaultForAz: false,
    mapPublicIpOnLaunch: false,
  });
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
};

export const modifySubnetAttribute: Handler<
  Checked<ModifySubnetAttributeRequest, 'SubnetId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const subnet = find(ctx.state, 'subnet', input.SubnetId);
  if (input.MapPublicIpOnLaunch?.Value === undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      'The local cloud supports only the MapPublicIpOnLaunch subnet attribute',
    );
  }
  subnet.mapPublicIpOnLaunch = input.MapPublicIpOnLaunch.Value;
};
