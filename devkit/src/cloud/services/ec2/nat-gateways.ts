/**
 * NAT gateways: an interface of their own in a subnet, with an Elastic IP when public. As on AWS,
 * CreateNatGateway answers `pending` and a gateway that cannot come up is kept `failed` with the
 * reason (an address already in use, a VPC without an internet gateway); a deleted one is shown
 * `deleted` for an hour. The local cloud has no provisioning delay: `pending` lasts until the reply.
 */
import type {
  CreateNatGatewayRequest,
  CreateNatGatewayResult,
  DeleteNatGatewayRequest,
  DeleteNatGatewayResult,
  DescribeNatGatewaysRequest,
  DescribeNatGatewaysResult,
  NatGateway,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { associate } from './addresses.ts';
import { applyFilters } from './filters.ts';
import { addNetworkInterface, removeNetworkInterface } from './network-interfaces.ts';
import type { Ec2State, NatGatewayRecord } from './state.ts';
import { ec2Error, find, records } from './state.ts';
import { applyTagSpecifications, tagsOf } from './tags.ts';

/** How long AWS keeps showing a deleted gateway. */
const DELETED_VISIBLE_MS = 60 * 60 * 1000;
/** Who owns a NAT gateway's interface (AWS's own service account, as RequesterId shows it). */
const NAT_REQUESTER = 'amazon-aws';

function stateOf(nat: NatGatewayRecord): 'available' | 'failed' | 'deleted' {
  if (nat.deletedMs !== undefined) return 'deleted';
  return nat.failure ? 'failed' : 'available';
}

function visible(nat: NatGatewayRecord, now: number): boolean {
  return nat.deletedMs === undefined || now - nat.deletedMs < DELETED_VISIBLE_MS;
}

function natShape(state: Ec2State, nat: NatGatewayRecord): NatGateway {
  return {
    NatGatewayId: nat.id,
    SubnetId: nat.subnetId,
    VpcId: nat.vpcId,
    ConnectivityType: nat.connectivityType,
    CreateTime: new Date(nat.createdMs),
    State: stateOf(nat),
    ...(nat.deletedMs === undefined ? {} : { DeleteTime: new Date(nat.deletedMs) }),
    ...(nat.failure ? { FailureCode: nat.failure.code, FailureMessage: nat.failure.message } : {}),
    NatGatewayAddresses:
      nat.allocationId === undefined && nat.privateIp === undefined
        ? []
        : [
            {
              ...(nat.allocationId === undefined ? {} : { AllocationId: nat.allocationId }),
              ...(nat.publicIp === undefined ? {} : { PublicIp: nat.publicIp }),
              ...(nat.associationId === undefined ? {} : { AssociationId: nat.associationId }),
              ...(nat.networkInterfaceId === undefined ? {} : { NetworkInterfaceId: nat.networkInterfaceId }),
              ...(nat.privateIp === undefined ? {} : { PrivateIp: nat.privateIp }),
              IsPrimary: true,
              Status: nat.failure ? 'failed' : 'succeeded',
            },
          ],
    Tags: tagsOf(state, nat.id),
  };
}

export const createNatGateway: Handler<
  Checked<CreateNatGatewayRequest, 'SubnetId'>,
  CreateNatGatewayResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const subnet = find(state, 'subnet', input.SubnetId);
  const connectivityType = input.ConnectivityType ?? 'public';
  if (connectivityType === 'public' && input.AllocationId === undefined) {
    throw ec2Error(
      'MissingParameter',
      'A public NAT gateway needs an Elastic IP: the request must contain the parameter AllocationId',
    );
  }
  if (connectivityType === 'private' && input.AllocationId !== undefined) {
    throw ec2Error(
      'InvalidParameterCombination',
      'A private NAT gateway cannot have an Elastic IP (AllocationId)',
    );
  }
  const address = input.AllocationId === undefined ? undefined : find(state, 'eipalloc', input.AllocationId);
  const nat: NatGatewayRecord = {
    id: resourceId('nat'),
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    connectivityType,
    createdMs: Date.now(),
    ...(address ? { allocationId: address.id, publicIp: address.publicIp } : {}),
  };
  const hasGateway = Object.values(state.internetGateways).some((g) => g.attachedVpcId === subnet.vpcId);
  if (address?.association) {
    nat.failure = {
      code: 'Resource.AlreadyAssociated',
      message: `Elastic IP address [${address.id}] is already associated`,
    };
  } else if (connectivityType === 'public' && !hasGateway) {
    nat.failure = {
      code: 'Gateway.NotAttached',
      message: `Network ${subnet.vpcId} has no Internet gateway attached`,
    };
  } else {
    const eni = addNetworkInterface(state, {
      subnet,
      description: `Interface for NAT Gateway ${nat.id}`,
      groupIds: [],
      interfaceType: 'nat_gateway',
      requesterId: NAT_REQUESTER,
      ...(input.PrivateIpAddress === undefined ? {} : { privateIps: [input.PrivateIpAddress] }),
    });
    // A NAT gateway's interface has no security groups.
    eni.groupIds = [];
    eni.sourceDestCheck = false;
    eni.attachment = {
      id: resourceId('ela-attach', 8),
      instanceOwnerId: NAT_REQUESTER,
      deviceIndex: 1,
      attachedMs: nat.createdMs,
    };
    nat.networkInterfaceId = eni.id;
    nat.privateIp = eni.privateIps[0];
    if (address) nat.associationId = associate(state, address, eni, undefined, false);
  }
  records(state, 'nat')[nat.id] = nat;
  applyTagSpecifications(state, nat.id, 'natgateway', input.TagSpecifications);
  return {
    NatGateway: { ...natShape(state, nat), State: 'pending' },
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
};

export const describeNatGateways: Handler<DescribeNatGatewaysRequest, DescribeNatGatewaysResult, Ec2State> = (
  input,
  ctx,
) => {
  const now = Date.now();
  const all = Object.values(records(ctx.state, 'nat')).filter((n) => visible(n, now));
  const wanted = input.NatGatewayIds ?? [];
  for (const id of wanted) {
    const nat = find(ctx.state, 'nat', id);
    if (!visible(nat, now)) throw ec2Error('NatGatewayNotFound', `The natGateway ID '${id}' does not exist`);
  }
  const selected = wanted.length ? all.filter((n) => wanted.includes(n.id)) : all;
  // DescribeNatGateways names its filters `Filter`, unlike the other Describe calls.
  const matching = applyFilters(ctx.state, selected, input.Filter, {
    'nat-gateway-id': (n) => n.id,
    state: (n) => stateOf(n),
    'subnet-id': (n) => n.subnetId,
    'vpc-id': (n) => n.vpcId,
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    NatGateways: page.map((n) => natShape(ctx.state, n)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const deleteNatGateway: Handler<
  Checked<DeleteNatGatewayRequest, 'NatGatewayId'>,
  DeleteNatGatewayResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const nat = find(state, 'nat', input.NatGatewayId);
  if (nat.deletedMs !== undefined) {
    throw ec2Error('NatGatewayNotFound', `The natGateway ID '${nat.id}' does not exist`);
  }
  // Its interface goes, and with it the Elastic IP's association (the address stays allocated).
  if (nat.allocationId !== undefined) {
    const address = records(state, 'eipalloc')[nat.allocationId];
    if (address?.association?.id === nat.associationId) delete address.association;
  }
  if (nat.networkInterfaceId !== undefined) removeNetworkInterface(state, nat.networkInterfaceId);
  delete nat.networkInterfaceId;
  nat.deletedMs = Date.now();
  return { NatGatewayId: nat.id };
};
