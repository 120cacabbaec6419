/** EC2 networking's recorded state (one per region) and the lookups the handlers share. */
import { ServiceError } from '../../protocol/errors.ts';

export interface VpcRecord {
  id: string;
  cidr: string;
  cidrAssociationId: string;
  isDefault: boolean;
  enableDnsSupport: boolean;
  enableDnsHostnames: boolean;
  instanceTenancy: string;
}

export interface SubnetRecord {
  id: string;
  vpcId: string;
  cidr: string;
  zone: string;
  zoneId: string;
  defaultForAz: boolean;
  mapPublicIpOnLaunch: boolean;
}

export interface InternetGatewayRecord {
  id: string;
  attachedVpcId?: string;
}

export interface RouteRecord {
  destinationCidrBlock: string;
  /** `local` for the VPC's own route, else an internet gateway id. */
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
  description?: string;
}

export interface SecurityGroupRecord {
  id: string;
  name: string;
  description: string;
  vpcId: string;
  rules: SecurityGroupRuleRecord[];
}

export interface NetworkAclRecord {
  id: string;
  vpcId: string;
  isDefault: boolean;
}

export interface Ec2State {
  region: string;
  /** The region's default DHCP options set, which every VPC uses. */
  dhcpOptionsId: string;
  vpcs: Record<string, VpcRecord>;
  subnets: Record<string, SubnetRecord>;
  internetGateways: Record<string, InternetGatewayRecord>;
  routeTables: Record<string, RouteTableRecord>;
  securityGroups: Record<string, SecurityGroupRecord>;
  networkAcls: Record<string, NetworkAclRecord>;
  /** Tags of any resource, by resource id (EC2 tags every resource type the same way). */
  tags: Record<string, Record<string, string>>;
}

export function ec2Error(code: string, message: string): ServiceError {
  return new ServiceError(message, { code });
}

/** How each resource kind reports a missing or malformed id. */
const KINDS = {
  vpc: { code: 'InvalidVpcID', noun: 'vpc ID', collection: 'vpcs' },
  subnet: { code: 'InvalidSubnetID', noun: 'subnet ID', collection: 'subnets' },
  igw: { code: 'InvalidInternetGatewayID', noun: 'internetGateway ID', collection: 'internetGateways' },
  rtb: { code: 'InvalidRouteTableID', noun: 'routeTable ID', collection: 'routeTables' },
  sg: { code: 'InvalidGroup', noun: 'security group', collection: 'securityGroups' },
  acl: { code: 'InvalidNetworkAclID', noun: 'networkAcl ID', collection: 'networkAcls' },
} as const;

type Kind = keyof typeof KINDS;
type RecordOf<K extends Kind> = Ec2State[(typeof KINDS)[K]['collection']][string];

/** The resource with this id, or AWS's `<Kind>.Malformed` / `<Kind>.NotFound` error. */
export function find<K extends Kind>(state: Ec2State, kind: K, id: string): RecordOf<K> {
  const { code, noun, collection } = KINDS[kind];
  // AWS's ids have 8 hex digits (before 2018) or 17; any other length is malformed, as AWS says.
  if (!new RegExp(`^${kind}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`).test(id)) {
    throw ec2Error(`${code === 'InvalidGroup' ? 'InvalidGroupId' : code}.Malformed`, `Invalid id: "${id}"`);
  }
  const record = (state[collection] as Record<string, RecordOf<K>>)[id];
  if (!record) throw ec2Error(`${code}.NotFound`, `The ${noun} '${id}' does not exist`);
  return record;
}

/** The records with the given ids (all of them when none are given), failing on any unknown id. */
export function selectByIds<K extends Kind>(
  state: Ec2State,
  kind: K,
  ids: string[] | undefined,
): RecordOf<K>[] {
  if (ids?.length) return ids.map((id) => find(state, kind, id));
  return Object.values(state[KINDS[kind].collection]) as RecordOf<K>[];
}

export function dependencyViolation(noun: string, id: string): ServiceError {
  return ec2Error('DependencyViolation', `The ${noun} '${id}' has dependencies and cannot be deleted.`);
}
