/**
 * A region's default VPC, as a new AWS account finds it and as CreateDefaultVpc makes it again
 * after it was deleted: 172.31.0.0/16 with a public /20 subnet in every zone, an internet gateway
 * and a route to it. CreateDefaultSubnet adds the default subnet of a zone that has none, in the
 * lowest /20 of the default VPC that no subnet holds.
 */
import type {
  CreateDefaultSubnetRequest,
  CreateDefaultSubnetResult,
  CreateDefaultVpcRequest,
  CreateDefaultVpcResult,
} from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { nameMap, resourceId } from '../common.ts';
import { cidrsOverlap, nthBlock, parseCidr } from '../../../net/cidr.ts';
import { addInternetGateway, attachGateway } from './internet-gateways.ts';
import { addRoute, mainRouteTable } from './route-tables.ts';
import type { Ec2State, SubnetRecord, VpcRecord } from './state.ts';
import { ec2Error } from './state.ts';
import { addSubnet, chooseZone, subnetShape } from './subnets.ts';
import { addVpc, vpcShape } from './vpcs.ts';
import { zonesOf, type Zone } from './zones.ts';

const DEFAULT_VPC_CIDR = '172.31.0.0/16';
const DEFAULT_SUBNET_PREFIX = 20;
const DEFAULTS = { defaultForAz: true, mapPublicIpOnLaunch: true };

function addDefaultVpc(state: Ec2State): VpcRecord {
  const vpc = addVpc(state, DEFAULT_VPC_CIDR, true);
  zonesOf(state.region).forEach((zone, i) => {
    addSubnet(state, vpc, nthBlock(parseCidr(DEFAULT_VPC_CIDR)!, DEFAULT_SUBNET_PREFIX, i), zone, DEFAULTS);
  });
  const gateway = addInternetGateway(state);
  attachGateway(state, gateway, vpc.id);
  addRoute(state, mainRouteTable(state, vpc.id)!, '0.0.0.0/0', gateway.id);
  return vpc;
}

export function initialEc2State(region: string): Ec2State {
  const state: Ec2State = {
    region,
    dhcpOptionsId: resourceId('dopt'),
    vpcs: nameMap(),
    subnets: nameMap(),
    internetGateways: nameMap(),
    routeTables: nameMap(),
    securityGroups: nameMap(),
    networkAcls: nameMap(),
    tags: nameMap(),
  };
  addDefaultVpc(state);
  return state;
}

function defaultVpc(state: Ec2State): VpcRecord | undefined {
  return Object.values(state.vpcs).find((v) => v.isDefault);
}

export const createDefaultVpc: Handler<CreateDefaultVpcRequest, CreateDefaultVpcResult, Ec2State> = (
  _input,
  ctx,
) => {
  if (defaultVpc(ctx.state)) {
    throw ec2Error(
      'DefaultVpcAlreadyExists',
      'A Default VPC already exists for this account in this region.',
    );
  }
  const vpc = addDefaultVpc(ctx.state);
  // Reported `pending` here, as CreateVpc reports a new VPC.
  return { Vpc: { ...vpcShape(ctx.state, vpc, ctx.accountId), State: 'pending' } };
};

/** The lowest /20 of the default VPC that no subnet overlaps. */
function freeDefaultBlock(state: Ec2State, vpc: VpcRecord): string | undefined {
  const vpcBlock = parseCidr(vpc.cidr)!;
  const taken = Object.values(state.subnets)
    .filter((s) => s.vpcId === vpc.id)
    .map((s) => parseCidr(s.cidr)!);
  const count = 2 ** (DEFAULT_SUBNET_PREFIX - vpcBlock.prefix);
  for (let i = 0; i < count; i++) {
    const block = nthBlock(vpcBlock, DEFAULT_SUBNET_PREFIX, i);
    if (!taken.some((t) => cidrsOverlap(t, parseCidr(block)!))) return block;
  }
  return undefined;
}

export const createDefaultSubnet: Handler<CreateDefaultSubnetRequest, CreateDefaultSubnetResult, Ec2State> = (
  input,
  ctx,
) => {
  if (input.AvailabilityZone === undefined && input.AvailabilityZoneId === undefined) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter availabilityZone');
  }
  if (input.Ipv6Native) {
    throw ec2Error('InvalidParameterValue', 'The local cloud has no IPv6-only subnets');
  }
  const vpc = defaultVpc(ctx.state);
  if (!vpc) throw ec2Error('DefaultVpcDoesNotExist', 'No default VPC for this user');
  const zone: Zone = chooseZone(ctx.state, vpc.id, input.AvailabilityZone, input.AvailabilityZoneId);
  if (Object.values(ctx.state.subnets).some((s: SubnetRecord) => s.defaultForAz && s.zone === zone.name)) {
    throw ec2Error(
      'DefaultSubnetAlreadyExistsInAvailabilityZone',
      `A Default Subnet already exists in availability zone ${zone.name}`,
    );
  }
  const block = freeDefaultBlock(ctx.state, vpc);
  if (!block) {
    throw ec2Error(
      'InvalidSubnet.Conflict',
      `The default VPC ${vpc.id} has no free /${DEFAULT_SUBNET_PREFIX} block for a default subnet`,
    );
  }
  const subnet = addSubnet(ctx.state, vpc, block, zone, DEFAULTS);
  return { Subnet: subnetShape(ctx.state, subnet, ctx.accountId) };
};
