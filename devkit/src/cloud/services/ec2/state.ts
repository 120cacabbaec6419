/** EC2 networking's recorded state (one per region) and the lookups the handlers share. */
import { ServiceError } from '../../protocol/errors.ts';
import { nameMap } from '../common.ts';

/** A CIDR block associated with a VPC or a subnet after its creation (or an IPv6 block at creation). */
export interface CidrAssociationRecord {
  associationId: string;
  cidr: string;
}

export interface VpcRecord {
  id: string;
  /** The primary IPv4 block, which stays for the VPC's life. */
  cidr: string;
  cidrAssociationId: string;
  /** Secondary IPv4 blocks (AssociateVpcCidrBlock); absent in state saved before they were kept. */
  secondaryCidrs?: CidrAssociationRecord[];
  /** Amazon-provided IPv6 /56 blocks (vpc-cidr-blocks.ts); absent in older state. */
  ipv6Cidrs?: CidrAssociationRecord[];
  isDefault: boolean;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
  /** Absent in state saved before the attribute was kept (it is off unless turned on). */
  enableNetworkAddressUsageMetrics?: boolean;
  instanceTenancy: string;
  /** The DHCP options set in use, or `default` for none (absent in older state: the region's default set). */
  dhcpOptionsId?: string;
}

export interface SubnetRecord {
  id: string;
  vpcId: string;
  cidr: string;
  zone: string;
  zoneId: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
  /** The subnet's one IPv6 /64, from a block of its VPC. These three are absent in older state. */
  ipv6Cidr?: CidrAssociationRecord;
  assignIpv6AddressOnCreation?: boolean;
  enableDns64?: boolean;
}

export interface InternetGatewayRecord {
  id: string;
  attachedVpcId?: string;
}

export interface RouteRecord {
  /** An IPv4 block, or an IPv6 one (with a `:`), which the route's shape reports as DestinationIpv6CidrBlock. */
  destinationCidrBlock: string;
  /**
   * `local` for a route to one of the VPC's own blocks, else an internet gateway's, a NAT gateway's
   * or an egress-only internet gateway's id (`igw-`/`nat-`/`eigw-`).
   */
  gatewayId: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTableAssociationRecord {
  id: string;
  /** Absent for the main association, which covers the VPC's subnets that have no table of their own. */
  subnetId?: string;
}

export interface RouteTableRecord {
  id: string;
  vpcId: string;
  routes: RouteRecord[];
  associations: RouteTableAssociationRecord[];
}

export interface SecurityGroupRuleRecord {
  id: string;
  isEgress: boolean;
  /** `tcp`, `udp`, `icmp` or `-1` (all). */
  ipProtocol: string;
  /** -1 when the protocol has no ports. */
  fromPort: number;
  toPort: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  /** A managed prefix list, the account's own or AWS's (absent in state saved before they were kept). */
  prefixListId?: string;
  description?: string;
}

export interface SecurityGroupRecord {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  rules: SecurityGroupRuleRecord[];
}

export interface NetworkAclEntryRecord {
  ruleNumber: number;
  egress: boolean;
  /** An IP protocol number (`6`), or `-1` for all. */
  protocol: string;
  ruleAction: 'allow' | 'deny';
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  portRange?: { from: number; to: number };
  icmpTypeCode?: { type: number; code: number };
}

export interface NetworkAclRecord {
  id: string;
  vpcId: string;
  isDefault: boolean;
  /**
   * The numbered entries (the catch-all deny, rule 32767, is implicit). Absent in state saved before
   * entries were kept: a default ACL then has its two `allow all` rules 100, another none.
   */
  entries?: NetworkAclEntryRecord[];
}

/** A subnet's network ACL when it is not its VPC's default one, or its association id changed. */
export interface NetworkAclAssociationRecord {
  id: string;
  networkAclId: string;
}

export interface EgressOnlyInternetGatewayRecord {
  id: string;
  vpcId: string;
}

export interface DhcpOptionsRecord {
  id: string;
  configurations: Array<{ key: string; values: string[] }>;
}

export interface NetworkInterfaceAttachmentRecord {
  id: string;
  /** Who attached it: the account for an instance, AWS's own account id for a service's interface. */
  instanceOwnerId: string;
  deviceIndex: number;
  attachedMs: number;
}

export interface NetworkInterfaceRecord {
  id: string;
  subnetId: string;
  vpcId: string;
  description: string;
  groupIds: string[];
  /** The primary private address first, then the secondary ones. */
  privateIps: string[];
  /** IPv6 addresses from the subnet's /64 (absent in older state, and when it has none). */
  ipv6Addresses?: string[];
  macAddress: string;
  /** `interface`, or the kind of AWS resource that made it (`nat_gateway`, `vpc_endpoint`). */
  interfaceType: string;
  sourceDestCheck: boolean;
  createdMs: number;
  /** Set for interfaces an AWS service creates in the user's subnet (a Fargate task's, a NAT gateway's). */
  requesterId?: string;
  attachment?: NetworkInterfaceAttachmentRecord;
}

export interface AddressAssociationRecord {
  id: string;
  networkInterfaceId: string;
  privateIp: string;
}

/** An Elastic IP address (VPC domain). */
export interface AddressRecord {
  id: string;
  publicIp: string;
  association?: AddressAssociationRecord;
}

export interface NatGatewayRecord {
  id: string;
  subnetId: string;
  vpcId: string;
  connectivityType: 'public' | 'private';
  createdMs: number;
  /** The gateway's own interface (none once it failed or was deleted). */
  networkInterfaceId?: string;
  privateIp?: string;
  allocationId?: string;
  publicIp?: string;
  associationId?: string;
  /** Set when creation failed, as AWS reports it: the gateway stays, `failed`, with the reason. */
  failure?: { code: string; message: string };
  deletedMs?: number;
}

/** A VPC endpoint to an AWS service: route-table entries (Gateway) or an interface per subnet (Interface). */
export interface VpcEndpointRecord {
  id: string;
  vpcId: string;
  serviceName: string;
  type: 'Gateway' | 'Interface';
  policyDocument: string;
  /** Gateway: the tables that route the service's prefix list to the endpoint. */
  routeTableIds: string[];
  /** Interface: one subnet per zone, each with the endpoint's interface in it. */
  subnetIds: string[];
  networkInterfaceIds: string[];
  groupIds: string[];
  privateDnsEnabled: boolean;
  /** The random label in the endpoint's own DNS names (`vpce-…-<label>.logs.<region>.vpce.amazonaws.com`). */
  dnsLabel: string;
  createdMs: number;
  /** Set by DeleteVpcEndpoints: the endpoint is then only shown, `deleted`, until it is forgotten. */
  deletedMs?: number;
}

/** A VPC flow log to a CloudWatch Logs group (the only destination served). */
export interface FlowLogRecord {
  id: string;
  /** The VPC, subnet or network interface watched. */
  resourceId: string;
  trafficType: 'ACCEPT' | 'REJECT' | 'ALL';
  logGroupName: string;
  logDestination: string;
  deliverLogsPermissionArn: string;
  logFormat: string;
  maxAggregationInterval: number;
  createdMs: number;
}

export interface PrefixListEntryRecord {
  cidr: string;
  description?: string;
}

/** A customer-managed prefix list (AWS's own lists are fixed: endpoint-services.ts). */
export interface PrefixListRecord {
  id: string;
  name: string;
  addressFamily: 'IPv4' | 'IPv6';
  maxEntries: number;
  /** Every version's entries, version 1 first: GetManagedPrefixListEntries reads any of them. */
  versions: PrefixListEntryRecord[][];
  /** `create-complete` until a modification, `modify-complete` after one. */
  state: 'create-complete' | 'modify-complete';
}

export interface Ec2State {
  region: string;
  /** The region's default DHCP options set, which new VPCs use (empty once deleted). */
  dhcpOptionsId: string;
  vpcs: Record<string, VpcRecord>;
  subnets: Record<string, SubnetRecord>;
  internetGateways: Record<string, InternetGatewayRecord>;
  routeTables: Record<string, RouteTableRecord>;
  securityGroups: Record<string, SecurityGroupRecord>;
  networkAcls: Record<string, NetworkAclRecord>;
  /** These are absent in state saved before they existed: read them through `records()`. */
  networkInterfaces?: Record<string, NetworkInterfaceRecord>;
  addresses?: Record<string, AddressRecord>;
  natGateways?: Record<string, NatGatewayRecord>;
  vpcEndpoints?: Record<string, VpcEndpointRecord>;
  /** Deleted endpoints, kept a while for DescribeVpcEndpoints to show them `deleted` (vpc-endpoints.ts). */
  deletedVpcEndpoints?: Record<string, VpcEndpointRecord>;
  egressOnlyInternetGateways?: Record<string, EgressOnlyInternetGatewayRecord>;
  /** DHCP options sets made by CreateDhcpOptions (the region's default set is `dhcpOptionsId`). */
  dhcpOptions?: Record<string, DhcpOptionsRecord>;
  /** By subnet id; a subnet not listed uses its VPC's default ACL (association `aclassoc-<subnet digits>`). */
  networkAclAssociations?: Record<string, NetworkAclAssociationRecord>;
  /** Customer-managed prefix lists (prefix-lists.ts). */
  prefixLists?: Record<string, PrefixListRecord>;
  flowLogs?: Record<string, FlowLogRecord>;
  /** Tags of any resource, by resource id (EC2 tags every resource type the same way). */
  tags: Record<string, Record<string, string>>;
}

export function ec2Error(code: string, message: string): ServiceError {
  return new ServiceError(message, { code });
}

/** How each resource kind reports a missing or malformed id (`<code>.NotFound` unless it says otherwise). */
const KINDS = {
  vpc: { code: 'InvalidVpcID', noun: 'vpc ID', collection: 'vpcs' },
  subnet: { code: 'InvalidSubnetID', noun: 'subnet ID', collection: 'subnets' },
  igw: { code: 'InvalidInternetGatewayID', noun: 'internetGateway ID', collection: 'internetGateways' },
  rtb: { code: 'InvalidRouteTableID', noun: 'routeTable ID', collection: 'routeTables' },
  sg: { code: 'InvalidGroup', noun: 'security group', collection: 'securityGroups' },
  acl: { code: 'InvalidNetworkAclID', noun: 'networkAcl ID', collection: 'networkAcls' },
  eni: { code: 'InvalidNetworkInterfaceID', noun: 'networkInterface ID', collection: 'networkInterfaces' },
  eipalloc: { code: 'InvalidAllocationID', noun: 'allocation ID', collection: 'addresses' },
  vpce: { code: 'InvalidVpcEndpointId', noun: 'Vpc Endpoint Id', collection: 'vpcEndpoints' },
  eigw: {
    code: 'InvalidGatewayID',
    noun: 'egressOnlyInternetGateway ID',
    collection: 'egressOnlyInternetGateways',
  },
  aclassoc: { code: 'InvalidAssociationID', noun: 'association ID', collection: 'networkAclAssociations' },
  fl: { code: 'InvalidFlowLogId', noun: 'flow log ID', collection: 'flowLogs' },
  pl: {
    code: 'InvalidPrefixListID',
    noun: 'prefix list ID',
    collection: 'prefixLists',
    malformed: 'InvalidPrefixListId.Malformed',
  },
  dopt: {
    code: 'InvalidDhcpOptionID',
    noun: 'dhcpOption ID',
    collection: 'dhcpOptions',
    malformed: 'InvalidDhcpOptionsId.Malformed',
  },
  nat: {
    code: 'NatGateway',
    noun: 'natGateway ID',
    collection: 'natGateways',
    notFound: 'NatGatewayNotFound',
    malformed: 'NatGatewayMalformed',
  },
} as const;

type Kind = keyof typeof KINDS;
type RecordOf<K extends Kind> = NonNullable<Ec2State[(typeof KINDS)[K]['collection']]>[string];

/** Every record of a kind (a collection newer than the saved state is created on first use). */
export function records<K extends Kind>(state: Ec2State, kind: K): Record<string, RecordOf<K>> {
  const collection = KINDS[kind].collection;
  return (state[collection] ??= nameMap()) as Record<string, RecordOf<K>>;
}

/** The resource with this id, or AWS's `<Kind>.Malformed` / `<Kind>.NotFound` error. */
export function find<K extends Kind>(state: Ec2State, kind: K, id: string): RecordOf<K> {
  const entry: { code: string; noun: string; notFound?: string; malformed?: string } = KINDS[kind];
  const { code, noun } = entry;
  // AWS's ids have 8 hex digits (before 2018) or 17; any other length is malformed, as AWS says.
  if (!new RegExp(`^${kind}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`).test(id)) {
    throw ec2Error(
      entry.malformed ?? `${code === 'InvalidGroup' ? 'InvalidGroupId' : code}.Malformed`,
      `Invalid id: "${id}"`,
    );
  }
  const record = records(state, kind)[id];
  if (!record) throw ec2Error(entry.notFound ?? `${code}.NotFound`, `The ${noun} '${id}' does not exist`);
  return record;
}

/** The records with the given ids (all of them when none are given), failing on any unknown id. */
export function selectByIds<K extends Kind>(
  state: Ec2State,
  kind: K,
  ids: string[] | undefined,
): RecordOf<K>[] {
  if (ids?.length) return ids.map((id) => find(state, kind, id));
  return Object.values(records(state, kind));
}

export function dependencyViolation(noun: string, id: string): ServiceError {
  return ec2Error('DependencyViolation', `The ${noun} '${id}' has dependencies and cannot be deleted.`);
}
