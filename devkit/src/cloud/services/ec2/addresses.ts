/** Elastic IP addresses (VPC domain): allocated from a documentation range, associated with an interface's private address. */
import type {
  Address,
  AllocateAddressRequest,
  AllocateAddressResult,
  AssociateAddressRequest,
  AssociateAddressResult,
  DescribeAddressesRequest,
  DescribeAddressesResult,
  DisassociateAddressRequest,
  ReleaseAddressRequest,
} from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { resourceId } from '../common.ts';
import { formatAddress, parseCidr } from '../../../net/cidr.ts';
import { applyFilters } from './filters.ts';
import type { AddressRecord, Ec2State, NetworkInterfaceRecord } from './state.ts';
import { ec2Error, find, records, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

/** AWS's default quota of Elastic IPs per region. */
export const ADDRESS_LIMIT = 5;
/** TEST-NET-3 (RFC 5737): addresses that look public and can never reach anyone's real host. */
const PUBLIC_POOL = parseCidr('203.0.113.0/24')!;

function nextPublicIp(state: Ec2State): string {
  const taken = new Set(Object.values(records(state, 'eipalloc')).map((a) => a.publicIp));
  for (let n = PUBLIC_POOL.base + 1; n < PUBLIC_POOL.base + 255; n++) {
    if (!taken.has(formatAddress(n))) return formatAddress(n);
  }
  throw ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
}

export function allocate(state: Ec2State): AddressRecord {
  if (Object.keys(records(state, 'eipalloc')).length >= ADDRESS_LIMIT) {
    throw ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
  }
  const address: AddressRecord = { id: resourceId('eipalloc'), publicIp: nextPublicIp(state) };
  records(state, 'eipalloc')[address.id] = address;
  return address;
}

/** The Elastic IP associated with an interface's address, if any. */
export function addressOf(state: Ec2State, eniId: string, privateIp?: string): AddressRecord | undefined {
  return Object.values(records(state, 'eipalloc')).find(
    (a) =>
      a.association?.networkInterfaceId === eniId &&
      (privateIp === undefined || a.association.privateIp === privateIp),
  );
}

/**
 * Associates an address with one of an interface's private addresses. The interface's VPC must have
 * an internet gateway, as EC2 requires; an address already in use moves only when reassociation is allowed.
 */
export function associate(
  state: Ec2State,
  address: AddressRecord,
  eni: NetworkInterfaceRecord,
  privateIp: string | undefined,
  allowReassociation: boolean,
): string {
  const target = privateIp ?? eni.privateIps[0]!;
  if (!eni.privateIps.includes(target)) {
    throw ec2Error(
      'InvalidParameterValue',
      `The specified private IP address ${target} is not assigned to network interface ${eni.id}`,
    );
  }
  if (!Object.values(state.internetGateways).some((g) => g.attachedVpcId === eni.vpcId)) {
    throw ec2Error('Gateway.NotAttached', `Network ${eni.vpcId} is not attached to any internet gateway`);
  }
  const current = addressOf(state, eni.id, target);
  if ((address.association || (current && current !== address)) && !allowReassociation) {
    throw ec2Error(
      'Resource.AlreadyAssociated',
      `resource ${address.id} is already associated with associate-id ${address.association?.id ?? current!.association!.id}`,
    );
  }
  if (current && current !== address) delete current.association;
  address.association = { id: resourceId('eipassoc'), networkInterfaceId: eni.id, privateIp: target };
  return address.association.id;
}

function addressShape(state: Ec2State, address: AddressRecord, accountId: string): Address {
  return {
    AllocationId: address.id,
    PublicIp: address.publicIp,
    Domain: 'vpc',
    PublicIpv4Pool: 'amazon',
    NetworkBorderGroup: state.region,
    ...(address.association
      ? {
          AssociationId: address.association.id,
          NetworkInterfaceId: address.association.networkInterfaceId,
          NetworkInterfaceOwnerId: accountId,
          PrivateIpAddress: address.association.privateIp,
        }
      : {}),
    Tags: tagsOf(state, address.id),
  };
}

export const allocateAddress: Handler<AllocateAddressRequest, AllocateAddressResult, Ec2State> = (
  input,
  ctx,
) => {
  if (input.Domain === 'standard') {
    throw ec2Error('InvalidParameterValue', 'EC2-Classic is retired: the domain must be vpc');
  }
  if (input.Address !== undefined || input.PublicIpv4Pool !== undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      'The local cloud has no BYOIP address pools: omit Address and PublicIpv4Pool',
    );
  }
  if (input.NetworkBorderGroup !== undefined && input.NetworkBorderGroup !== ctx.state.region) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${input.NetworkBorderGroup}) for parameter NetworkBorderGroup is invalid.`,
    );
  }
  const address = allocate(ctx.state);
  applyTagSpecifications(ctx.state, address.id, 'elastic-ip', input.TagSpecifications);
  return {
    AllocationId: address.id,
    PublicIp: address.publicIp,
    Domain: 'vpc',
    PublicIpv4Pool: 'amazon',
    NetworkBorderGroup: ctx.state.region,
  };
};

export const describeAddresses: Handler<DescribeAddressesRequest, DescribeAddressesResult, Ec2State> = (
  input,
  ctx,
) => {
  let selected = selectByIds(ctx.state, 'eipalloc', input.AllocationIds);
  if (input.PublicIps?.length) {
    for (const ip of input.PublicIps) {
      if (!selected.some((a) => a.publicIp === ip)) {
        throw ec2Error('InvalidAddress.NotFound', `Address '${ip}' not found.`);
      }
    }
    selected = selected.filter((a) => input.PublicIps!.includes(a.publicIp));
  }
  const matching = applyFilters(ctx.state, selected, input.Filters, {
    'allocation-id': (a) => a.id,
    'association-id': (a) => a.association?.id,
    domain: () => 'vpc',
    'network-border-group': () => ctx.state.region,
    'network-interface-id': (a) => a.association?.networkInterfaceId,
    'network-interface-owner-id': (a) => (a.association ? ctx.accountId : undefined),
    'private-ip-address': (a) => a.association?.privateIp,
    'public-ip': (a) => a.publicIp,
  });
  return { Addresses: matching.map((a) => addressShape(ctx.state, a, ctx.accountId)) };
};

export const associateAddress: Handler<AssociateAddressRequest, AssociateAddressResult, Ec2State> = (
  input,
  ctx,
) => {
  if (input.InstanceId !== undefined) {
    throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${input.InstanceId}' does not exist`);
  }
  const address = addressByIdOrIp(ctx.state, input.AllocationId, input.PublicIp);
  if (input.NetworkInterfaceId === undefined) {
    throw ec2Error('MissingParameter', 'Either an instance ID or a network interface ID must be specified');
  }
  const eni = find(ctx.state, 'eni', input.NetworkInterfaceId);
  return {
    AssociationId: associate(
      ctx.state,
      address,
      eni,
      input.PrivateIpAddress,
      input.AllowReassociation ?? false,
    ),
  };
};

function addressByIdOrIp(state: Ec2State, allocationId?: string, publicIp?: string): AddressRecord {
  if (allocationId !== undefined) return find(state, 'eipalloc', allocationId);
  if (publicIp === undefined) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter AllocationId');
  }
  const address = Object.values(records(state, 'eipalloc')).find((a) => a.publicIp === publicIp);
  if (!address) throw ec2Error('InvalidAddress.NotFound', `Address '${publicIp}' not found.`);
  return address;
}

export const disassociateAddress: Handler<DisassociateAddressRequest, void, Ec2State> = (input, ctx) => {
  const address =
    input.AssociationId !== undefined
      ? Object.values(records(ctx.state, 'eipalloc')).find((a) => a.association?.id === input.AssociationId)
      : addressByIdOrIp(ctx.state, undefined, input.PublicIp);
  if (!address?.association) {
    throw ec2Error(
      'InvalidAssociationID.NotFound',
      `The association ID '${input.AssociationId ?? input.PublicIp ?? ''}' does not exist`,
    );
  }
  if (natGatewayUsing(ctx.state, address.id)) {
    throw ec2Error('AuthFailure', 'You do not have permission to access the specified resource.');
  }
  delete address.association;
};

/** The NAT gateway holding an address (which only deleting the gateway frees). */
function natGatewayUsing(state: Ec2State, allocationId: string): boolean {
  return Object.values(records(state, 'nat')).some(
    (n) => n.allocationId === allocationId && n.deletedMs === undefined && n.failure === undefined,
  );
}

export const releaseAddress: Handler<ReleaseAddressRequest, void, Ec2State> = (input, ctx) => {
  const address = addressByIdOrIp(ctx.state, input.AllocationId, input.PublicIp);
  if (address.association) {
    throw ec2Error('InvalidIPAddress.InUse', `Address ${address.publicIp} is in use.`);
  }
  delete records(ctx.state, 'eipalloc')[address.id];
  dropTags(ctx.state, address.id);
};
