/** Elastic network interfaces: a private address (or more) in a subnet, with the security groups that guard it. */
import { randomBytes } from 'node:crypto';
import type {
  CreateNetworkInterfaceRequest,
  CreateNetworkInterfaceResult,
  DeleteNetworkInterfaceRequest,
  DescribeNetworkInterfaceAttributeRequest,
  DescribeNetworkInterfaceAttributeResult,
  DescribeNetworkInterfacesRequest,
  DescribeNetworkInterfacesResult,
  ModifyNetworkInterfaceAttributeRequest,
  NetworkInterface,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { formatAddress, hostAddressRange, parseAddress, parseCidr } from '../../../net/cidr.ts';
import { addressOf } from './addresses.ts';
import { applyFilters } from './filters.ts';
import { formatIpv6Cidr, ipv6CidrContains, parseIpv6Cidr } from '../../../net/ipv6-cidr.ts';
import type { Ec2State, NetworkInterfaceRecord, SubnetRecord } from './state.ts';
import { ec2Error, find, records, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';
import { dropFlowLogsOf } from './flow-logs.ts';
import { zonesOf } from './zones.ts';

/** Every private address in use in a VPC (addresses are unique per VPC). */
function addressesInUse(state: Ec2State, vpcId: string): Set<string> {
  return new Set(
    Object.values(records(state, 'eni'))
      .filter((eni) => eni.vpcId === vpcId)
      .flatMap((eni) => eni.privateIps),
  );
}

/** The requested address (inside the subnet's host range and free), else the subnet's lowest free one. */
function allocateAddresses(
  state: Ec2State,
  subnet: SubnetRecord,
  requested: string[],
  extra: number,
): string[] {
  const cidr = parseCidr(subnet.cidr)!;
  const { first, last } = hostAddressRange(cidr);
  const used = addressesInUse(state, subnet.vpcId);
  for (const address of requested) {
    const n = parseAddress(address);
    if (n === undefined || n < first || n > last) {
      throw ec2Error(
        'InvalidParameterValue',
        `Address ${address} does not fall within the subnet's address range`,
      );
    }
    if (used.has(address)) throw ec2Error('InvalidIPAddress.InUse', `Address ${address} is in use.`);
    used.add(address);
  }
  const chosen = [...requested];
  for (let n = first; n <= last && chosen.length < requested.length + extra; n++) {
    const address = formatAddress(n);
    if (!used.has(address)) {
      used.add(address);
      chosen.push(address);
    }
  }
  if (chosen.length < requested.length + extra) {
    throw ec2Error(
      'InsufficientFreeAddressesInSubnet',
      `There are not enough free addresses in subnet '${subnet.id}' to satisfy the requested number of instances.`,
    );
  }
  return chosen;
}

function assignedAddressFree(state: Ec2State, vpcId: string, address: string): string {
  if (addressesInUse(state, vpcId).has(address)) {
    throw ec2Error('InvalidIPAddress.InUse', `Address ${address} is in use.`);
  }
  return address;
}

/** The most IPv6 addresses any instance type allows on one interface. */
const MAX_IPV6_ADDRESSES = 50;

/**
 * The IPv6 addresses asked for (each in the subnet's /64 and free in the VPC), then `extra` more:
 * the lowest free ones past the four EC2 reserves at the start of a subnet's block.
 */
function allocateIpv6Addresses(
  state: Ec2State,
  subnet: SubnetRecord,
  requested: string[],
  extra: number,
): string[] {
  if (requested.length + extra <= 0) return [];
  if (requested.length + extra > MAX_IPV6_ADDRESSES) {
    throw ec2Error(
      'InvalidParameterValue',
      `An interface has at most ${MAX_IPV6_ADDRESSES} IPv6 addresses (${requested.length + extra} asked for)`,
    );
  }
  const block = subnet.ipv6Cidr && parseIpv6Cidr(subnet.ipv6Cidr.cidr);
  if (!block) {
    throw ec2Error(
      'InvalidParameterValue',
      `Subnet ${subnet.id} has no IPv6 CIDR block to assign IPv6 addresses from (AssociateSubnetCidrBlock first)`,
    );
  }
  const used = new Set(
    Object.values(records(state, 'eni'))
      .filter((eni) => eni.vpcId === subnet.vpcId)
      .flatMap((eni) => eni.ipv6Addresses ?? []),
  );
  const text = (base: bigint) => formatIpv6Cidr({ base, prefix: 128 }).slice(0, -'/128'.length);
  const chosen = requested.map((address) => {
    const parsed = parseIpv6Cidr(`${address}/128`);
    if (!parsed || !ipv6CidrContains(block, parsed)) {
      throw ec2Error(
        'InvalidParameterValue',
        `Address ${address} does not fall within the subnet's IPv6 range`,
      );
    }
    const canonical = text(parsed.base);
    if (used.has(canonical)) throw ec2Error('InvalidIPAddress.InUse', `Address ${address} is in use.`);
    used.add(canonical);
    return canonical;
  });
  for (let n = block.base + 4n; chosen.length < requested.length + extra; n++) {
    if (!used.has(text(n))) chosen.push(text(n));
  }
  return chosen;
}

/** AWS's default quota of security groups on one network interface. */
export const SECURITY_GROUPS_PER_INTERFACE = 5;

/** Security groups must exist and belong to the subnet's VPC; none means the VPC's default group. */
export function groupsFor(state: Ec2State, subnet: SubnetRecord, groupIds: string[] | undefined): string[] {
  if (!groupIds?.length) {
    const fallback = Object.values(state.securityGroups).find(
      (g) => g.vpcId === subnet.vpcId && g.name === 'default',
    );
    return fallback ? [fallback.id] : [];
  }
  for (const id of groupIds) {
    if (find(state, 'sg', id).vpcId !== subnet.vpcId) {
      throw ec2Error(
        'InvalidParameter',
        `Security group ${id} and subnet ${subnet.id} belong to different networks.`,
      );
    }
  }
  const unique = [...new Set(groupIds)];
  if (unique.length > SECURITY_GROUPS_PER_INTERFACE) {
    throw ec2Error(
      'SecurityGroupsPerInterfaceLimitExceeded',
      'You have exceeded the maximum number of security groups allowed per network interface.',
    );
  }
  return unique;
}

/** A locally administered unicast MAC, as EC2's start with an even first octet. */
function macAddress(): string {
  const bytes = randomBytes(5);
  return ['0e', ...[...bytes].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

export interface NewInterface {
  subnet: SubnetRecord;
  description?: string;
  groupIds?: string[];
  /** The primary address then secondary ones asked for; the rest are allocated. */
  privateIps?: string[];
  secondaryCount?: number;
  /** IPv6 addresses asked for, and how many more to allocate. */
  ipv6Addresses?: string[];
  ipv6Count?: number;
  interfaceType?: string;
  requesterId?: string;
  /**
   * An address an AWS service already gave its resource (a task's, on its Docker network): taken as
   * it is, outside the subnet's range checks, and refused only when the VPC already uses it.
   */
  assignedAddress?: string;
}

/** Adds an interface after checking its groups and addresses (the one path for users and AWS's own services). */
export function addNetworkInterface(state: Ec2State, request: NewInterface): NetworkInterfaceRecord {
  const { subnet } = request;
  const groupIds = groupsFor(state, subnet, request.groupIds);
  const requested = request.privateIps ?? [];
  const ipv6Addresses = allocateIpv6Addresses(
    state,
    subnet,
    request.ipv6Addresses ?? [],
    request.ipv6Count ?? 0,
  );
  const eni: NetworkInterfaceRecord = {
    id: resourceId('eni'),
    subnetId: subnet.id,
    vpcId: subnet.vpcId,
    description: request.description ?? '',
    groupIds,
    privateIps:
      request.assignedAddress === undefined
        ? allocateAddresses(
            state,
            subnet,
            requested,
            (requested.length === 0 ? 1 : 0) + (request.secondaryCount ?? 0),
          )
        : [assignedAddressFree(state, subnet.vpcId, request.assignedAddress)],
    ...(ipv6Addresses.length ? { ipv6Addresses } : {}),
    macAddress: macAddress(),
    interfaceType: request.interfaceType ?? 'interface',
    sourceDestCheck: true,
    createdMs: Date.now(),
    ...(request.requesterId === undefined ? {} : { requesterId: request.requesterId }),
  };
  records(state, 'eni')[eni.id] = eni;
  return eni;
}

/** Removes an interface and its tags; the caller has checked that it may go. */
export function removeNetworkInterface(state: Ec2State, id: string): void {
  delete records(state, 'eni')[id];
  dropTags(state, id);
  dropFlowLogsOf(state, id);
}

/** The interfaces in a subnet (which cannot be deleted while it has any). */
export function interfacesInSubnet(state: Ec2State, subnetId: string): NetworkInterfaceRecord[] {
  return Object.values(records(state, 'eni')).filter((eni) => eni.subnetId === subnetId);
}

/** `ip-10-0-1-5.ec2.internal` in us-east-1, `ip-10-0-1-5.<region>.compute.internal` elsewhere. */
export function privateDnsName(region: string, address: string): string {
  const host = `ip-${address.replaceAll('.', '-')}`;
  return region === 'us-east-1' ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

function publicDnsName(region: string, address: string): string {
  const host = `ec2-${address.replaceAll('.', '-')}`;
  return region === 'us-east-1'
    ? `${host}.compute-1.amazonaws.com`
    : `${host}.${region}.compute.amazonaws.com`;
}

function status(eni: NetworkInterfaceRecord): 'in-use' | 'available' {
  return eni.attachment ? 'in-use' : 'available';
}

function interfaceShape(state: Ec2State, eni: NetworkInterfaceRecord, accountId: string): NetworkInterface {
  const subnet = state.subnets[eni.subnetId];
  const zone = zonesOf(state.region).find((z) => z.name === subnet?.zone);
  const association = (address: string) => {
    const eip = addressOf(state, eni.id, address);
    return eip
      ? {
          Association: {
            AllocationId: eip.id,
            AssociationId: eip.association!.id,
            IpOwnerId: accountId,
            PublicIp: eip.publicIp,
            PublicDnsName: publicDnsName(state.region, eip.publicIp),
          },
        }
      : {};
  };
  return {
    ...association(eni.privateIps[0]!),
    NetworkInterfaceId: eni.id,
    SubnetId: eni.subnetId,
    VpcId: eni.vpcId,
    AvailabilityZone: subnet?.zone,
    AvailabilityZoneId: zone?.id,
    Description: eni.description,
    Groups: eni.groupIds.map((id) => ({ GroupId: id, GroupName: state.securityGroups[id]?.name })),
    InterfaceType: eni.interfaceType as NetworkInterface['InterfaceType'],
    Ipv6Addresses: (eni.ipv6Addresses ?? []).map((address) => ({ Ipv6Address: address })),
    ...(eni.ipv6Addresses?.length ? { Ipv6Address: eni.ipv6Addresses[0] } : {}),
    MacAddress: eni.macAddress,
    OwnerId: accountId,
    PrivateDnsName: privateDnsName(state.region, eni.privateIps[0]!),
    PrivateIpAddress: eni.privateIps[0],
    PrivateIpAddresses: eni.privateIps.map((address, i) => ({
      Primary: i === 0,
      PrivateIpAddress: address,
      PrivateDnsName: privateDnsName(state.region, address),
      ...association(address),
    })),
    RequesterManaged: eni.requesterId !== undefined,
    ...(eni.requesterId === undefined ? {} : { RequesterId: eni.requesterId }),
    SourceDestCheck: eni.sourceDestCheck,
    Status: status(eni),
    ...(eni.attachment
      ? {
          Attachment: {
            AttachmentId: eni.attachment.id,
            AttachTime: new Date(eni.attachment.attachedMs),
            DeleteOnTermination: false,
            DeviceIndex: eni.attachment.deviceIndex,
            InstanceOwnerId: eni.attachment.instanceOwnerId,
            Status: 'attached',
          },
        }
      : {}),
    TagSet: tagsOf(state, eni.id),
  };
}

export const createNetworkInterface: Handler<
  Checked<CreateNetworkInterfaceRequest, 'SubnetId'>,
  CreateNetworkInterfaceResult,
  Ec2State
> = (input, ctx) => {
  const subnet = find(ctx.state, 'subnet', input.SubnetId);
  const listed = input.PrivateIpAddresses ?? [];
  const primary = input.PrivateIpAddress ?? listed.find((a) => a.Primary)?.PrivateIpAddress;
  const secondary = listed.filter((a) => a.PrivateIpAddress !== primary).map((a) => a.PrivateIpAddress!);
  if (listed.filter((a) => a.Primary).length > 1) {
    throw ec2Error('InvalidParameterValue', 'Only one primary private IP address may be specified');
  }
  // EFA and trunk interfaces serve instances, which the local cloud does not run.
  if (input.InterfaceType !== undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${input.InterfaceType}) for parameter interfaceType is invalid. The local cloud creates only standard interfaces (no InterfaceType).`,
    );
  }
  const eni = addNetworkInterface(ctx.state, {
    subnet,
    description: input.Description,
    groupIds: input.Groups,
    privateIps: primary === undefined ? secondary : [primary, ...secondary],
    secondaryCount: input.SecondaryPrivateIpAddressCount ?? 0,
    ipv6Addresses: (input.Ipv6Addresses ?? []).map((a) => a.Ipv6Address ?? ''),
    // Without a count or addresses, the subnet's AssignIpv6AddressOnCreation gives one address.
    ipv6Count:
      input.Ipv6AddressCount ??
      (input.Ipv6Addresses === undefined && subnet.assignIpv6AddressOnCreation ? 1 : 0),
  });
  applyTagSpecifications(ctx.state, eni.id, 'network-interface', input.TagSpecifications);
  return {
    NetworkInterface: { ...interfaceShape(ctx.state, eni, ctx.accountId), Status: 'pending' as never },
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
};

export const describeNetworkInterfaces: Handler<
  DescribeNetworkInterfacesRequest,
  DescribeNetworkInterfacesResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const selected = selectByIds(state, 'eni', input.NetworkInterfaceIds);
  const matching = applyFilters(state, selected, input.Filters, {
    'network-interface-id': (e) => e.id,
    'subnet-id': (e) => e.subnetId,
    'vpc-id': (e) => e.vpcId,
    'availability-zone': (e) => state.subnets[e.subnetId]?.zone,
    description: (e) => e.description,
    'group-id': (e) => e.groupIds,
    'group-name': (e) => e.groupIds.map((id) => state.securityGroups[id]?.name),
    'interface-type': (e) => e.interfaceType,
    'mac-address': (e) => e.macAddress,
    'owner-id': () => ctx.accountId,
    'private-ip-address': (e) => e.privateIps,
    'ipv6-addresses.ipv6-address': (e) => e.ipv6Addresses ?? [],
    'addresses.private-ip-address': (e) => e.privateIps,
    'addresses.primary': (e) => e.privateIps.map((_, i) => i === 0),
    'private-dns-name': (e) => privateDnsName(state.region, e.privateIps[0]!),
    'requester-id': (e) => e.requesterId,
    'requester-managed': (e) => e.requesterId !== undefined,
    'source-dest-check': (e) => e.sourceDestCheck,
    status: (e) => status(e),
    'association.public-ip': (e) => addressOf(state, e.id)?.publicIp,
    'association.allocation-id': (e) => addressOf(state, e.id)?.id,
    'attachment.attachment-id': (e) => e.attachment?.id,
    'attachment.attach-time': (e) =>
      e.attachment ? new Date(e.attachment.attachedMs).toISOString() : undefined,
    'attachment.delete-on-termination': (e) => (e.attachment ? false : undefined),
    'attachment.device-index': (e) => e.attachment?.deviceIndex,
    'attachment.instance-owner-id': (e) => e.attachment?.instanceOwnerId,
    'attachment.status': (e) => (e.attachment ? 'attached' : undefined),
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    NetworkInterfaces: page.map((e) => interfaceShape(state, e, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const deleteNetworkInterface: Handler<
  Checked<DeleteNetworkInterfaceRequest, 'NetworkInterfaceId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const eni = find(ctx.state, 'eni', input.NetworkInterfaceId);
  if (eni.attachment) throw ec2Error('InvalidNetworkInterface.InUse', `Interface: [${eni.id}] in use.`);
  if (eni.requesterId !== undefined) {
    throw ec2Error(
      'OperationNotPermitted',
      `You are not allowed to manage '${eni.interfaceType}' attachments.`,
    );
  }
  removeNetworkInterface(ctx.state, eni.id);
};

export const modifyNetworkInterfaceAttribute: Handler<
  Checked<ModifyNetworkInterfaceAttributeRequest, 'NetworkInterfaceId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const eni = find(ctx.state, 'eni', input.NetworkInterfaceId);
  const given = [
    input.Description !== undefined,
    input.SourceDestCheck !== undefined,
    input.Groups !== undefined,
    input.Attachment !== undefined,
  ].filter(Boolean).length;
  // EC2 changes one attribute per call.
  if (given !== 1) {
    throw ec2Error(
      given === 0 ? 'MissingParameter' : 'InvalidParameterCombination',
      given === 0
        ? 'The request must contain exactly one of: description, sourceDestCheck, groupSet, attachment'
        : 'Fields description, sourceDestCheck, groupSet and attachment are mutually exclusive and exactly one must be specified',
    );
  }
  if (input.Groups !== undefined) {
    if (input.Groups.length === 0) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter groupSet');
    }
    eni.groupIds = groupsFor(ctx.state, ctx.state.subnets[eni.subnetId]!, input.Groups);
  }
  if (input.Description !== undefined) eni.description = input.Description.Value ?? '';
  if (input.SourceDestCheck !== undefined) {
    if (input.SourceDestCheck.Value === undefined) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter sourceDestCheck.value');
    }
    eni.sourceDestCheck = input.SourceDestCheck.Value;
  }
  if (input.Attachment !== undefined) {
    if (!eni.attachment || input.Attachment.AttachmentId !== eni.attachment.id) {
      throw ec2Error(
        'InvalidAttachmentID.NotFound',
        `The attachment ID '${input.Attachment.AttachmentId ?? ''}' does not exist`,
      );
    }
    // DeleteOnTermination concerns instances, which the local cloud does not run.
  }
};

export const describeNetworkInterfaceAttribute: Handler<
  Checked<DescribeNetworkInterfaceAttributeRequest, 'NetworkInterfaceId'>,
  DescribeNetworkInterfaceAttributeResult,
  Ec2State
> = (input, ctx) => {
  const eni = find(ctx.state, 'eni', input.NetworkInterfaceId);
  const shape = interfaceShape(ctx.state, eni, ctx.accountId);
  switch (input.Attribute) {
    case 'description':
      return { NetworkInterfaceId: eni.id, Description: { Value: eni.description } };
    case 'sourceDestCheck':
      return { NetworkInterfaceId: eni.id, SourceDestCheck: { Value: eni.sourceDestCheck } };
    case 'groupSet':
      return { NetworkInterfaceId: eni.id, Groups: shape.Groups };
    case 'attachment':
      return { NetworkInterfaceId: eni.id, ...(shape.Attachment ? { Attachment: shape.Attachment } : {}) };
    default:
      throw ec2Error(
        'InvalidParameterValue',
        `Value (${input.Attribute ?? ''}) for parameter attribute is invalid. Unknown attribute.`,
      );
  }
};
