/** VPCs, created as EC2 creates them: with a main route table, a default security group and a default network ACL. */
import type {
  CreateVpcRequest,
  CreateVpcResult,
  DeleteVpcRequest,
  DescribeVpcAttributeRequest,
  DescribeVpcAttributeResult,
  DescribeVpcsRequest,
  DescribeVpcsResult,
  ModifyVpcAttributeRequest,
  Vpc,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { parseCidr } from '../../../net/cidr.ts';
import { applyFilters } from './filters.ts';
import { addRouteTable } from './route-tables.ts';
import { addSecurityGroup } from './security-groups.ts';
import { addNetworkAcl, vpcHasCustomAcls } from './network-acls.ts';
import type { Ec2State, VpcRecord } from './state.ts';
import { dependencyViolation, ec2Error, find, records, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';
import { dropFlowLogsOf } from './flow-logs.ts';
import { vpcHasEndpoints } from './vpc-endpoints.ts';
import {
  addIpv6Block,
  checkBorderGroup,
  cidrBlockAssociationSet,
  ipv4BlocksOf,
  ipv6AssociationShape,
  refusePools,
} from './vpc-cidr-blocks.ts';

/** Checks a VPC CIDR block: well formed, and between /16 and /28 as EC2 allows. */
function checkVpcCidr(cidr: string): void {
  const parsed = parseCidr(cidr);
  if (!parsed) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${cidr}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`,
    );
  }
  if (parsed.prefix < 16 || parsed.prefix > 28)
    throw ec2Error('InvalidVpc.Range', `The CIDR '${cidr}' is invalid.`);
}

export function addVpc(state: Ec2State, cidr: string, isDefault: boolean): VpcRecord {
  checkVpcCidr(cidr);
  const vpc: VpcRecord = {
    id: resourceId('vpc'),
    cidr,
    cidrAssociationId: resourceId('vpc-cidr-assoc'),
    isDefault,
    enableDnsSupport: true,
    // Only the default VPC resolves public DNS hostnames until asked to.
    enableDnsHostnames: isDefault,
    enableNetworkAddressUsageMetrics: false,
    instanceTenancy: 'default',
    // A region whose default DHCP options set was deleted gives new VPCs none.
    dhcpOptionsId: state.dhcpOptionsId || 'default',
  };
  state.vpcs[vpc.id] = vpc;
  addRouteTable(state, vpc, true);
  addSecurityGroup(state, vpc.id, 'default', 'default VPC security group');
  addNetworkAcl(state, vpc, true);
  return vpc;
}

/** The VPC's DHCP options set (state saved before sets could change names the region's default one). */
export function dhcpOptionsOf(state: Ec2State, vpc: VpcRecord): string {
  return vpc.dhcpOptionsId ?? state.dhcpOptionsId;
}

export function vpcShape(state: Ec2State, vpc: VpcRecord, accountId: string): Vpc {
  const ipv6 = (vpc.ipv6Cidrs ?? []).map((b) => ipv6AssociationShape(state.region, b, 'associated'));
  return {
    VpcId: vpc.id,
    CidrBlock: vpc.cidr,
    CidrBlockAssociationSet: cidrBlockAssociationSet(vpc),
    ...(ipv6.length ? { Ipv6CidrBlockAssociationSet: ipv6 } : {}),
    DhcpOptionsId: dhcpOptionsOf(state, vpc),
    InstanceTenancy: vpc.instanceTenancy as Vpc['InstanceTenancy'],
    IsDefault: vpc.isDefault,
    OwnerId: accountId,
    State: 'available',
    Tags: tagsOf(state, vpc.id),
  };
}

export const createVpc: Handler<CreateVpcRequest, CreateVpcResult, Ec2State> = (input, ctx) => {
  if (!input.CidrBlock)
    throw ec2Error('MissingParameter', 'The request must contain the parameter cidrBlock');
  // Everything is checked before the VPC is made: a failed call changes nothing.
  refusePools(input);
  const ipv6 = input.AmazonProvidedIpv6CidrBlock === true;
  checkBorderGroup(ctx.region, input.Ipv6CidrBlockNetworkBorderGroup, ipv6);
  const vpc = addVpc(ctx.state, input.CidrBlock, false);
  if (input.InstanceTenancy) vpc.instanceTenancy = input.InstanceTenancy;
  if (ipv6) addIpv6Block(ctx.state, vpc);
  applyTagSpecifications(ctx.state, vpc.id, 'vpc', input.TagSpecifications);
  // A new VPC is reported `pending` by CreateVpc and `available` from then on, its IPv6 block
  // `associating` and then `associated`.
  const shape = vpcShape(ctx.state, vpc, ctx.accountId);
  return {
    Vpc: {
      ...shape,
      State: 'pending',
      ...(shape.Ipv6CidrBlockAssociationSet
        ? {
            Ipv6CidrBlockAssociationSet: shape.Ipv6CidrBlockAssociationSet.map((a) => ({
              ...a,
              Ipv6CidrBlockState: { State: 'associating' as const },
            })),
          }
        : {}),
    },
  };
};

export const describeVpcs: Handler<DescribeVpcsRequest, DescribeVpcsResult, Ec2State> = (input, ctx) => {
  const vpcs = applyFilters(ctx.state, selectByIds(ctx.state, 'vpc', input.VpcIds), input.Filters, {
    'vpc-id': (v) => v.id,
    cidr: (v) => v.cidr,
    'cidr-block-association.cidr-block': (v) => ipv4BlocksOf(v).map((b) => b.cidr),
    'cidr-block-association.association-id': (v) => ipv4BlocksOf(v).map((b) => b.associationId),
    'cidr-block-association.state': () => 'associated',
    'ipv6-cidr-block-association.ipv6-cidr-block': (v) => (v.ipv6Cidrs ?? []).map((b) => b.cidr),
    'ipv6-cidr-block-association.association-id': (v) => (v.ipv6Cidrs ?? []).map((b) => b.associationId),
    'ipv6-cidr-block-association.ipv6-pool': (v) => (v.ipv6Cidrs ?? []).map(() => 'Amazon'),
    'ipv6-cidr-block-association.state': (v) => (v.ipv6Cidrs ?? []).map(() => 'associated'),
    'dhcp-options-id': (v) => dhcpOptionsOf(ctx.state, v),
    'is-default': (v) => v.isDefault,
    // EC2 still answers to the older camel-case name.
    isDefault: (v) => v.isDefault,
    'owner-id': () => ctx.accountId,
    state: () => 'available',
  });
  const { page, nextToken } = paginate(vpcs, input.MaxResults, input.NextToken, 1000);
  return {
    Vpcs: page.map((v) => vpcShape(ctx.state, v, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const deleteVpc: Handler<Checked<DeleteVpcRequest, 'VpcId'>, void, Ec2State> = (input, ctx) => {
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  const { state } = ctx;
  // What EC2 created with the VPC goes with it; anything the user added must go first.
  const dependent =
    Object.values(state.subnets).some((s) => s.vpcId === vpc.id) ||
    Object.values(state.internetGateways).some((g) => g.attachedVpcId === vpc.id) ||
    vpcHasEndpoints(state, vpc.id) ||
    vpcHasCustomAcls(state, vpc.id) ||
    Object.values(records(state, 'eigw')).some((g) => g.vpcId === vpc.id) ||
    Object.values(state.securityGroups).some((g) => g.vpcId === vpc.id && g.name !== 'default') ||
    Object.values(state.routeTables).some(
      (t) => t.vpcId === vpc.id && !t.associations.some((a) => a.subnetId === undefined),
    );
  if (dependent) throw dependencyViolation('vpc', vpc.id);
  for (const collection of [state.routeTables, state.securityGroups, state.networkAcls]) {
    for (const [id, record] of Object.entries(collection)) {
      if (record.vpcId === vpc.id) {
        delete collection[id];
        dropTags(state, id);
      }
    }
  }
  delete state.vpcs[vpc.id];
  dropTags(state, vpc.id);
  dropFlowLogsOf(state, vpc.id);
};

export const modifyVpcAttribute: Handler<Checked<ModifyVpcAttributeRequest, 'VpcId'>, void, Ec2State> = (
  input,
  ctx,
) => {
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  const support = input.EnableDnsSupport?.Value;
  const hostnames = input.EnableDnsHostnames?.Value;
  const usageMetrics = input.EnableNetworkAddressUsageMetrics?.Value;
  // EC2 changes one attribute per call.
  if ([support, hostnames, usageMetrics].filter((v) => v !== undefined).length !== 1) {
    throw ec2Error(
      'InvalidParameterCombination',
      'Fields enableDnsHostnames, enableDnsSupport and enableNetworkAddressUsageMetrics are mutually exclusive and exactly one must be specified',
    );
  }
  if (support !== undefined) vpc.enableDnsSupport = support;
  if (hostnames !== undefined) vpc.enableDnsHostnames = hostnames;
  if (usageMetrics !== undefined) vpc.enableNetworkAddressUsageMetrics = usageMetrics;
};

export const describeVpcAttribute: Handler<
  Checked<DescribeVpcAttributeRequest, 'VpcId'>,
  DescribeVpcAttributeResult,
  Ec2State
> = (input, ctx) => {
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  switch (input.Attribute) {
    case 'enableDnsSupport':
      return { VpcId: vpc.id, EnableDnsSupport: { Value: vpc.enableDnsSupport } };
    case 'enableDnsHostnames':
      return { VpcId: vpc.id, EnableDnsHostnames: { Value: vpc.enableDnsHostnames } };
    case 'enableNetworkAddressUsageMetrics':
      return {
        VpcId: vpc.id,
        EnableNetworkAddressUsageMetrics: { Value: vpc.enableNetworkAddressUsageMetrics ?? false },
      };
    default:
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`,
      );
  }
};
