/**
 * VPC endpoints to AWS services. A Gateway endpoint (S3, DynamoDB) adds a route to the service's
 * prefix list in each of its route tables; an Interface endpoint puts a requester-managed interface
 * (`vpc_endpoint`) in each of its subnets, guarded by its security groups, and with private DNS the
 * service's public name answers inside the VPC. CreateVpcEndpoint answers an Interface endpoint
 * `pending` (a Gateway one `available`); the local cloud has no provisioning delay, so it is
 * `available` from then on. A deleted endpoint loses its interfaces, routes and tags at once, and
 * DescribeVpcEndpoints shows it in state `deleted` for a while, as AWS does (tools that delete one
 * wait for `deleted` or InvalidVpcEndpointId.NotFound); every other call finds it no more. Where the
 * reference is silent: it is shown for an hour (as EC2 shows terminated instances), with no
 * `deleting` step since nothing is torn down slowly here.
 */
import type {
  CreateVpcEndpointRequest,
  CreateVpcEndpointResult,
  DeleteVpcEndpointsRequest,
  DeleteVpcEndpointsResult,
  DescribeVpcEndpointServicesRequest,
  DescribeVpcEndpointServicesResult,
  DescribeVpcEndpointsRequest,
  DescribeVpcEndpointsResult,
  DnsEntry,
  ModifyVpcEndpointRequest,
  ModifyVpcEndpointResult,
  UnsuccessfulItem,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate, resourceId } from '../common.ts';
import {
  endpointServices,
  hostedZoneId,
  prefixListOf,
  serviceDetail,
  vpceDomain,
  type EndpointService,
} from './endpoint-services.ts';
import { applyFilters } from './filters.ts';
import { addNetworkInterface, groupsFor, removeNetworkInterface } from './network-interfaces.ts';
import type { Ec2State, SubnetRecord, VpcEndpointRecord, VpcRecord } from './state.ts';
import { ec2Error, find, records } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

/** The policy AWS attaches when none is given: full access to the service. */
const DEFAULT_POLICY =
  '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}';
/** AWS's limit on an endpoint policy's length. */
const MAX_POLICY_CHARS = 20_480;
/** How long a deleted endpoint is still described (state `deleted`). */
const DELETED_SHOWN_MS = 3_600_000;
/** Who creates an interface endpoint's interfaces (AWS's own account, as RequesterId shows it). */
const ENDPOINT_REQUESTER = '727180483921';

function invalid(message: string) {
  return ec2Error('InvalidParameter', message);
}

function serviceNamed(region: string, name: string, type: string): EndpointService {
  const offered = endpointServices(region).filter((s) => s.name === name);
  if (offered.length === 0) {
    throw ec2Error('InvalidServiceName', `The Vpc Endpoint Service '${name}' does not exist`);
  }
  const service = offered.find((s) => s.type === type);
  if (!service) {
    throw invalid(`The Vpc Endpoint Service '${name}' does not support the endpoint type '${type}'`);
  }
  return service;
}

function checkedPolicy(document: string): string {
  if (document.length > MAX_POLICY_CHARS) {
    throw ec2Error(
      'MalformedPolicyDocument',
      `The policy document is longer than the maximum of ${MAX_POLICY_CHARS} characters`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw ec2Error('MalformedPolicyDocument', 'The policy document must be a JSON object');
  }
  return document;
}

/** Route tables of the endpoint's VPC that have no route to the service's prefix list yet. */
function checkRouteTables(state: Ec2State, endpoint: VpcEndpointRecord, ids: string[]): void {
  const prefixList = prefixListOf(state.region, endpoint.serviceName)!;
  for (const id of ids) {
    const table = find(state, 'rtb', id);
    if (table.vpcId !== endpoint.vpcId) {
      throw invalid(`Route table ${id} and VPC ${endpoint.vpcId} belong to different networks`);
    }
    const taken = Object.values(records(state, 'vpce')).some(
      (other) =>
        other.id !== endpoint.id &&
        other.serviceName === endpoint.serviceName &&
        other.routeTableIds.includes(id),
    );
    if (taken) {
      throw ec2Error(
        'RouteAlreadyExists',
        `route table ${id} already has a route with destination-prefix-list-id ${prefixList.id}`,
      );
    }
  }
}

/** The endpoint's subnets after a change: in its VPC, at most one per zone. */
function checkSubnets(state: Ec2State, vpcId: string, ids: string[]): SubnetRecord[] {
  const subnets = [...new Set(ids)].map((id) => find(state, 'subnet', id));
  const zones = new Set<string>();
  for (const subnet of subnets) {
    if (subnet.vpcId !== vpcId) {
      throw invalid(`Subnet ${subnet.id} and VPC ${vpcId} belong to different networks`);
    }
    if (zones.has(subnet.zone)) {
      throw ec2Error(
        'DuplicateSubnetsInSameZone',
        `Found another VPC endpoint subnet in the availability zone of ${subnet.id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service.`,
      );
    }
    zones.add(subnet.zone);
  }
  if (subnets.length === 0) {
    throw ec2Error('MissingParameter', 'An Interface endpoint needs at least one subnet: SubnetIds');
  }
  return subnets;
}

/** Private DNS needs the VPC's DNS attributes, and one endpoint per service name in the VPC. */
function checkPrivateDns(state: Ec2State, vpc: VpcRecord, endpoint: VpcEndpointRecord): void {
  if (!vpc.enableDnsSupport || !vpc.enableDnsHostnames) {
    throw invalid(
      `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${vpc.id}`,
    );
  }
  const service = serviceNamed(state.region, endpoint.serviceName, 'Interface');
  const conflict = Object.values(records(state, 'vpce')).some(
    (other) =>
      other.id !== endpoint.id &&
      other.vpcId === vpc.id &&
      other.serviceName === endpoint.serviceName &&
      other.privateDnsEnabled,
  );
  if (conflict) {
    throw invalid(
      `private-dns-enabled cannot be set because there is already a conflicting DNS domain for ${service.privateDnsName} in the VPC ${vpc.id}`,
    );
  }
}

function addEndpointInterface(state: Ec2State, endpoint: VpcEndpointRecord, subnet: SubnetRecord): string {
  const eni = addNetworkInterface(state, {
    subnet,
    description: `VPC Endpoint Interface ${endpoint.id}`,
    groupIds: endpoint.groupIds,
    interfaceType: 'vpc_endpoint',
    requesterId: ENDPOINT_REQUESTER,
  });
  eni.attachment = {
    id: resourceId('ela-attach', 8),
    instanceOwnerId: 'amazon-aws',
    deviceIndex: 1,
    attachedMs: eni.createdMs,
  };
  return eni.id;
}

function dnsEntries(state: Ec2State, endpoint: VpcEndpointRecord): DnsEntry[] {
  if (endpoint.type === 'Gateway') return [];
  const service = serviceNamed(state.region, endpoint.serviceName, 'Interface');
  const domain = `${service.host}.${vpceDomain(state.region)}`;
  const zoneId = hostedZoneId(vpceDomain(state.region), 13);
  const zones = endpoint.subnetIds.map((id) => state.subnets[id]?.zone).filter((z) => z !== undefined);
  return [
    { DnsName: `${endpoint.id}-${endpoint.dnsLabel}.${domain}`, HostedZoneId: zoneId },
    ...zones.map((zone) => ({
      DnsName: `${endpoint.id}-${endpoint.dnsLabel}-${zone}.${domain}`,
      HostedZoneId: zoneId,
    })),
    // With private DNS, a private hosted zone of the endpoint's own answers the service's public name.
    ...(endpoint.privateDnsEnabled
      ? [{ DnsName: service.privateDnsName, HostedZoneId: hostedZoneId(endpoint.id, 20) }]
      : []),
  ];
}

function endpointShape(state: Ec2State, endpoint: VpcEndpointRecord, accountId: string): VpcEndpoint {
  const isInterface = endpoint.type === 'Interface';
  return {
    VpcEndpointId: endpoint.id,
    VpcEndpointType: endpoint.type,
    VpcId: endpoint.vpcId,
    ServiceName: endpoint.serviceName,
    State: (endpoint.deletedMs === undefined ? 'available' : 'deleted') as VpcEndpoint['State'],
    PolicyDocument: endpoint.policyDocument,
    RouteTableIds: [...endpoint.routeTableIds],
    SubnetIds: [...endpoint.subnetIds],
    Groups: endpoint.groupIds.map((id) => ({ GroupId: id, GroupName: state.securityGroups[id]?.name })),
    ...(isInterface ? { IpAddressType: 'ipv4', DnsOptions: { DnsRecordIpType: 'ipv4' } } : {}),
    PrivateDnsEnabled: endpoint.privateDnsEnabled,
    RequesterManaged: false,
    NetworkInterfaceIds: [...endpoint.networkInterfaceIds],
    DnsEntries: dnsEntries(state, endpoint),
    CreationTimestamp: new Date(endpoint.createdMs),
    Tags: tagsOf(state, endpoint.id),
    OwnerId: accountId,
  };
}

export const createVpcEndpoint: Handler<
  Checked<CreateVpcEndpointRequest, 'VpcId'>,
  CreateVpcEndpointResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const vpc = find(state, 'vpc', input.VpcId);
  const type = input.VpcEndpointType ?? 'Gateway';
  if (type !== 'Gateway' && type !== 'Interface') {
    throw invalid(
      `Value (${type}) for parameter VpcEndpointType is invalid. The local cloud creates Gateway and Interface endpoints to AWS services.`,
    );
  }
  if (!input.ServiceName)
    throw ec2Error('MissingParameter', 'The request must contain the parameter ServiceName');
  serviceNamed(state.region, input.ServiceName, type);
  if (input.IpAddressType !== undefined && input.IpAddressType !== 'ipv4') {
    throw invalid(`The local cloud's VPCs have no IPv6 addresses: IpAddressType must be ipv4`);
  }
  const gateway = type === 'Gateway';
  if (gateway && (input.SubnetIds?.length || input.SecurityGroupIds?.length)) {
    throw invalid('Subnets and security groups are supported only for Interface endpoints');
  }
  if (!gateway && input.RouteTableIds?.length) {
    throw invalid('Route table IDs are supported only for Gateway endpoints');
  }
  const endpoint: VpcEndpointRecord = {
    id: resourceId('vpce'),
    vpcId: vpc.id,
    serviceName: input.ServiceName,
    type,
    policyDocument: checkedPolicy(input.PolicyDocument ?? DEFAULT_POLICY),
    routeTableIds: [],
    subnetIds: [],
    networkInterfaceIds: [],
    groupIds: [],
    // Private DNS is on by default for an interface endpoint to an AWS service.
    privateDnsEnabled: !gateway && (input.PrivateDnsEnabled ?? true),
    dnsLabel: resourceId('x', 8).slice(2),
    createdMs: Date.now(),
  };
  if (gateway) {
    const tables = [...new Set(input.RouteTableIds ?? [])];
    checkRouteTables(state, endpoint, tables);
    endpoint.routeTableIds = tables;
  } else {
    const subnets = checkSubnets(state, vpc.id, input.SubnetIds ?? []);
    endpoint.groupIds = groupsFor(state, subnets[0]!, input.SecurityGroupIds);
    if (endpoint.privateDnsEnabled) checkPrivateDns(state, vpc, endpoint);
    endpoint.subnetIds = subnets.map((s) => s.id);
    endpoint.networkInterfaceIds = subnets.map((subnet) => addEndpointInterface(state, endpoint, subnet));
  }
  records(state, 'vpce')[endpoint.id] = endpoint;
  applyTagSpecifications(state, endpoint.id, 'vpc-endpoint', input.TagSpecifications);
  return {
    VpcEndpoint: {
      ...endpointShape(state, endpoint, ctx.accountId),
      State: (gateway ? 'available' : 'pending') as VpcEndpoint['State'],
    },
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
};

export const describeVpcEndpoints: Handler<
  DescribeVpcEndpointsRequest,
  DescribeVpcEndpointsResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const matching = applyFilters(state, describedEndpoints(state, input.VpcEndpointIds), input.Filters, {
    'vpc-endpoint-id': (e) => e.id,
    'vpc-id': (e) => e.vpcId,
    'service-name': (e) => e.serviceName,
    'service-region': () => state.region,
    'vpc-endpoint-state': (e) => (e.deletedMs === undefined ? 'available' : 'deleted'),
    'vpc-endpoint-type': (e) => e.type,
    'ip-address-type': (e) => (e.type === 'Interface' ? 'ipv4' : undefined),
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    VpcEndpoints: page.map((e) => endpointShape(state, e, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const modifyVpcEndpoint: Handler<
  Checked<ModifyVpcEndpointRequest, 'VpcEndpointId'>,
  ModifyVpcEndpointResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const endpoint = find(state, 'vpce', input.VpcEndpointId);
  const gateway = endpoint.type === 'Gateway';
  const given = (list: string[] | undefined) => (list?.length ? list : undefined);
  if (
    gateway &&
    (given(input.AddSubnetIds) ??
      given(input.RemoveSubnetIds) ??
      given(input.AddSecurityGroupIds) ??
      given(input.RemoveSecurityGroupIds))
  ) {
    throw invalid('Subnets and security groups are supported only for Interface endpoints');
  }
  if (gateway && input.PrivateDnsEnabled !== undefined) {
    throw invalid('Private DNS is supported only for Interface endpoints');
  }
  if (!gateway && (given(input.AddRouteTableIds) ?? given(input.RemoveRouteTableIds))) {
    throw invalid('Route table IDs are supported only for Gateway endpoints');
  }
  if (input.ResetPolicy === true && input.PolicyDocument !== undefined) {
    throw ec2Error(
      'InvalidParameterCombination',
      'PolicyDocument and ResetPolicy cannot be specified together',
    );
  }
  if (input.IpAddressType !== undefined && input.IpAddressType !== 'ipv4') {
    throw invalid(`The local cloud's VPCs have no IPv6 addresses: IpAddressType must be ipv4`);
  }
  // Everything is checked before anything changes, so a refused call changes nothing.
  const policy =
    input.PolicyDocument !== undefined
      ? checkedPolicy(input.PolicyDocument)
      : input.ResetPolicy === true
        ? DEFAULT_POLICY
        : endpoint.policyDocument;
  const addedTables = (input.AddRouteTableIds ?? []).filter((id) => !endpoint.routeTableIds.includes(id));
  checkRouteTables(state, endpoint, [...new Set(addedTables)]);
  const removedTables = new Set(input.RemoveRouteTableIds ?? []);
  let subnets: SubnetRecord[] = [];
  let groupIds = endpoint.groupIds;
  if (!gateway) {
    const removedSubnets = new Set(input.RemoveSubnetIds ?? []);
    subnets = checkSubnets(state, endpoint.vpcId, [
      ...endpoint.subnetIds.filter((id) => !removedSubnets.has(id)),
      ...(input.AddSubnetIds ?? []),
    ]);
    const removedGroups = new Set(input.RemoveSecurityGroupIds ?? []);
    const wanted = [
      ...endpoint.groupIds.filter((id) => !removedGroups.has(id)),
      ...(input.AddSecurityGroupIds ?? []),
    ];
    if (wanted.length === 0) throw invalid('An Interface endpoint needs at least one security group');
    groupIds = groupsFor(state, subnets[0]!, wanted);
  }
  const privateDns = input.PrivateDnsEnabled ?? endpoint.privateDnsEnabled;
  if (privateDns && !endpoint.privateDnsEnabled) {
    checkPrivateDns(state, state.vpcs[endpoint.vpcId]!, endpoint);
  }

  endpoint.policyDocument = policy;
  endpoint.routeTableIds = [
    ...endpoint.routeTableIds.filter((id) => !removedTables.has(id)),
    ...new Set(addedTables),
  ];
  endpoint.privateDnsEnabled = privateDns;
  if (!gateway) {
    endpoint.groupIds = groupIds;
    const kept = new Set(subnets.map((s) => s.id));
    for (const eniId of endpoint.networkInterfaceIds) {
      const eni = records(state, 'eni')[eniId];
      if (eni && !kept.has(eni.subnetId)) removeNetworkInterface(state, eniId);
      else if (eni) eni.groupIds = [...groupIds];
    }
    const present = new Set(endpoint.subnetIds.filter((id) => kept.has(id)));
    endpoint.networkInterfaceIds = endpoint.networkInterfaceIds.filter((id) => records(state, 'eni')[id]);
    for (const subnet of subnets.filter((s) => !present.has(s.id))) {
      endpoint.networkInterfaceIds.push(addEndpointInterface(state, endpoint, subnet));
    }
    endpoint.subnetIds = subnets.map((s) => s.id);
  }
  return { Return: true };
};

export const deleteVpcEndpoints: Handler<
  Checked<DeleteVpcEndpointsRequest, 'VpcEndpointIds'>,
  DeleteVpcEndpointsResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const Unsuccessful: UnsuccessfulItem[] = [];
  // Each id succeeds or fails on its own: the failures are listed, not thrown.
  for (const id of new Set(input.VpcEndpointIds)) {
    let endpoint: VpcEndpointRecord;
    try {
      endpoint = find(state, 'vpce', id);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      const code = error.code.endsWith('.NotFound') ? 'InvalidVpcEndpoint.NotFound' : error.code;
      Unsuccessful.push({ ResourceId: id, Error: { Code: code, Message: error.message } });
      continue;
    }
    for (const eniId of endpoint.networkInterfaceIds) removeNetworkInterface(state, eniId);
    delete records(state, 'vpce')[endpoint.id];
    dropTags(state, endpoint.id);
    (state.deletedVpcEndpoints ??= nameMap())[endpoint.id] = {
      ...endpoint,
      routeTableIds: [],
      subnetIds: [],
      networkInterfaceIds: [],
      groupIds: [],
      deletedMs: Date.now(),
    };
  }
  return { Unsuccessful };
};

/** Live endpoints and those deleted within the hour (forgotten after it): by id, or all of them. */
function describedEndpoints(state: Ec2State, ids: string[] | undefined): VpcEndpointRecord[] {
  const deleted = (state.deletedVpcEndpoints ??= nameMap());
  for (const [id, endpoint] of Object.entries(deleted)) {
    if (endpoint.deletedMs! + DELETED_SHOWN_MS <= Date.now()) delete deleted[id];
  }
  if (!ids?.length) return [...Object.values(records(state, 'vpce')), ...Object.values(deleted)];
  return ids.map((id) => (Object.hasOwn(deleted, id) ? deleted[id]! : find(state, 'vpce', id)));
}

export const describeVpcEndpointServices: Handler<
  DescribeVpcEndpointServicesRequest,
  DescribeVpcEndpointServicesResult,
  Ec2State
> = (input, ctx) => {
  const { state } = ctx;
  const all = endpointServices(state.region);
  for (const name of input.ServiceNames ?? []) {
    if (!all.some((s) => s.name === name)) {
      throw ec2Error('InvalidServiceName', `The Vpc Endpoint Service '${name}' does not exist`);
    }
  }
  const named = input.ServiceNames?.length ? all.filter((s) => input.ServiceNames!.includes(s.name)) : all;
  const regions = input.ServiceRegions ?? [];
  const matching = applyFilters(
    state,
    named.filter(() => regions.length === 0 || regions.includes(state.region)),
    input.Filters,
    {
      'service-name': (s) => s.name,
      'service-type': (s) => s.type,
      'service-region': () => state.region,
      owner: () => 'amazon',
      'supported-ip-address-types': () => 'ipv4',
    },
  );
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    ServiceNames: [...new Set(page.map((s) => s.name))],
    ServiceDetails: page.map((s) => serviceDetail(state.region, s)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

/** The routes gateway endpoints add to a route table: the service's prefix list to the endpoint. */
export function gatewayEndpointRoutes(
  state: Ec2State,
  tableId: string,
): Array<{ prefixListId: string; endpointId: string }> {
  return Object.values(records(state, 'vpce'))
    .filter((e) => e.routeTableIds.includes(tableId))
    .map((e) => ({ prefixListId: prefixListOf(state.region, e.serviceName)!.id, endpointId: e.id }));
}

/** A deleted route table leaves the gateway endpoints that routed through it. */
export function forgetRouteTable(state: Ec2State, tableId: string): void {
  for (const endpoint of Object.values(records(state, 'vpce'))) {
    endpoint.routeTableIds = endpoint.routeTableIds.filter((id) => id !== tableId);
  }
}

/** Whether a VPC has endpoints (it cannot be deleted until they are). */
export function vpcHasEndpoints(state: Ec2State, vpcId: string): boolean {
  return Object.values(records(state, 'vpce')).some((e) => e.vpcId === vpcId);
}
