/**
 * What each EC2 operation asks of IAM (Service Authorization Reference, Amazon EC2): the ARN of
 * every resource the request names by id (`vpc/vpc-…`, `subnet/subnet-…`), `<type>/*` for the one
 * it creates, tags given at creation as aws:RequestTag/* with ec2:CreateAction (and then
 * ec2:CreateTags on the created resource too, as EC2's tag-on-create authorization asks); Describe* on `*`.
 */
import {
  anyResource,
  passRoles,
  requestTags,
  taggedOnCreate,
  type AuthorizationCatalogue,
  type AuthorizationScope,
  type OperationAuthorization,
  type RequiredAction,
} from '../../access/authorization.ts';
import { awsPrefixLists } from './endpoint-services.ts';

type Scope = AuthorizationScope;

/** Resource types by their ids' prefix. */
const TYPES: ReadonlyArray<[prefix: string, type: string]> = [
  ['vpc-', 'vpc'],
  ['subnet-', 'subnet'],
  ['sg-', 'security-group'],
  ['sgr-', 'security-group-rule'],
  ['igw-', 'internet-gateway'],
  ['rtb-', 'route-table'],
  ['acl-', 'network-acl'],
  ['eni-', 'network-interface'],
  ['eipalloc-', 'elastic-ip'],
  ['nat-', 'natgateway'],
  ['vpce-', 'vpc-endpoint'],
  ['eigw-', 'egress-only-internet-gateway'],
  ['dopt-', 'dhcp-options'],
  ['pl-', 'prefix-list'],
  ['fl-', 'vpc-flow-log'],
];

const resourceArn = (id: string, at: Scope): string | undefined => {
  const type = TYPES.find(([prefix]) => id.startsWith(prefix))?.[1];
  return type ? at.arn(`${type}/${id}`) : undefined;
};

/** The request members that name a resource by id. */
const ID_MEMBERS = [
  'VpcId',
  'SubnetId',
  'GroupId',
  'InternetGatewayId',
  'RouteTableId',
  'NetworkAclId',
  'NetworkInterfaceId',
  'AllocationId',
  'NatGatewayId',
  'VpcEndpointId',
  'GatewayId',
  'EgressOnlyInternetGatewayId',
  'DhcpOptionsId',
  'PrefixListId',
];

/** Members that name several (`Groups` of a network interface, a VPC endpoint's tables and subnets). */
const ID_LIST_MEMBERS = [
  'Groups',
  'SecurityGroupIds',
  'RouteTableIds',
  'SubnetIds',
  'VpcEndpointIds',
  'AddRouteTableIds',
  'RemoveRouteTableIds',
  'AddSubnetIds',
  'RemoveSubnetIds',
  'AddSecurityGroupIds',
  'RemoveSecurityGroupIds',
  'FlowLogIds',
  'ResourceIds',
];

function named(i: Record<string, unknown>, at: Scope): string[] {
  const ids = [
    ...ID_MEMBERS.map((member) => i[member]),
    ...ID_LIST_MEMBERS.flatMap((member) => (Array.isArray(i[member]) ? (i[member] as unknown[]) : [])),
  ].filter((v): v is string => typeof v === 'string');
  return ids.flatMap((id) => resourceArn(id, at) ?? []);
}

/** Tags given at creation, with the creating action (ec2:CreateAction), for the created type. */
function tagsOnCreate(
  i: { TagSpecifications?: Array<{ Tags?: Array<{ Key?: string; Value?: string }> }> },
  at: Scope,
) {
  const tags = (i.TagSpecifications ?? []).flatMap((spec) => spec.Tags ?? []);
  return tags.length > 0 ? { ...requestTags(tags), 'ec2:CreateAction': at.action.slice(4) } : {};
}

/** Every resource the request names by id (`*` when it names none). */
const onNamedResources: OperationAuthorization = (i, at) => {
  const arns = named(i, at);
  return arns.length > 0 ? arns : '*';
};

/**
 * The created resource (`<type>/*`, its id not known yet), ec2:CreateTags on it when the call tags
 * it, and the resources it is made in.
 */
const creates =
  (type: string): OperationAuthorization =>
  (i, at) => {
    const context = tagsOnCreate(i, at);
    const created: RequiredAction = { action: at.action, resource: at.arn(`${type}/*`), context };
    return [
      ...taggedOnCreate(created, Object.keys(context).length > 0, { action: 'ec2:CreateTags' }),
      ...named(i, at).map((resource) => ({ action: at.action, resource })),
    ];
  };

/** A prefix list read: AWS's own lists are in the `aws` account, the account's in its own. */
const onPrefixList: OperationAuthorization = (i: { PrefixListId?: string }, at) => {
  if (!i.PrefixListId) return '*';
  const aws = awsPrefixLists(at.region).some((list) => list.id === i.PrefixListId);
  return aws
    ? `arn:aws:ec2:${at.region}:aws:prefix-list/${i.PrefixListId}`
    : at.arn(`prefix-list/${i.PrefixListId}`);
};

/** CreateTags / DeleteTags: each resource by its id. */
const tagging: OperationAuthorization = (
  i: { Resources?: string[]; Tags?: Array<{ Key?: string; Value?: string }> },
  at,
) =>
  (i.Resources ?? []).map((id) => ({
    action: at.action,
    resource: resourceArn(id, at) ?? '*',
    context: {
      ...requestTags(i.Tags),
      ...(at.action === 'ec2:DeleteTags'
        ? { 'aws:TagKeys': (i.Tags ?? []).flatMap((t) => t.Key ?? []) }
        : {}),
    },
  }));

export const ec2Authorization: AuthorizationCatalogue = {
  prefix: 'ec2',
  operations: {
    CreateVpc: creates('vpc'),
    CreateDefaultVpc: creates('vpc'),
    CreateDefaultSubnet: creates('subnet'),
    DescribeVpcs: anyResource,
    DeleteVpc: onNamedResources,
    ModifyVpcAttribute: onNamedResources,
    DescribeVpcAttribute: onNamedResources,
    AssociateVpcCidrBlock: onNamedResources,
    // An association id names no VPC or subnet, as for DisassociateRouteTable.
    DisassociateVpcCidrBlock: anyResource,
    DescribeNetworkAcls: anyResource,
    CreateNetworkAcl: creates('network-acl'),
    DeleteNetworkAcl: onNamedResources,
    CreateNetworkAclEntry: onNamedResources,
    ReplaceNetworkAclEntry: onNamedResources,
    DeleteNetworkAclEntry: onNamedResources,
    // The association's subnet is not named by the request; the ACL is.
    ReplaceNetworkAclAssociation: onNamedResources,
    CreateSubnet: creates('subnet'),
    DescribeSubnets: anyResource,
    DeleteSubnet: onNamedResources,
    ModifySubnetAttribute: onNamedResources,
    AssociateSubnetCidrBlock: onNamedResources,
    DisassociateSubnetCidrBlock: anyResource,
    CreateInternetGateway: creates('internet-gateway'),
    AttachInternetGateway: onNamedResources,
    DetachInternetGateway: onNamedResources,
    DescribeInternetGateways: anyResource,
    DeleteInternetGateway: onNamedResources,
    CreateEgressOnlyInternetGateway: creates('egress-only-internet-gateway'),
    DescribeEgressOnlyInternetGateways: anyResource,
    DeleteEgressOnlyInternetGateway: onNamedResources,
    CreateRouteTable: creates('route-table'),
    DescribeRouteTables: anyResource,
    CreateRoute: onNamedResources,
    DeleteRoute: onNamedResources,
    ReplaceRoute: onNamedResources,
    ReplaceRouteTableAssociation: onNamedResources,
    AssociateRouteTable: onNamedResources,
    DisassociateRouteTable: anyResource,
    DeleteRouteTable: onNamedResources,
    CreateSecurityGroup: creates('security-group'),
    DescribeSecurityGroups: anyResource,
    DeleteSecurityGroup: onNamedResources,
    AuthorizeSecurityGroupIngress: onNamedResources,
    RevokeSecurityGroupIngress: onNamedResources,
    AuthorizeSecurityGroupEgress: onNamedResources,
    RevokeSecurityGroupEgress: onNamedResources,
    DescribeSecurityGroupRules: anyResource,
    DescribeSecurityGroupReferences: anyResource,
    DescribeStaleSecurityGroups: anyResource,
    ModifySecurityGroupRules: onNamedResources,
    UpdateSecurityGroupRuleDescriptionsIngress: onNamedResources,
    UpdateSecurityGroupRuleDescriptionsEgress: onNamedResources,
    CreateNetworkInterface: creates('network-interface'),
    DescribeNetworkInterfaces: anyResource,
    DeleteNetworkInterface: onNamedResources,
    ModifyNetworkInterfaceAttribute: onNamedResources,
    DescribeNetworkInterfaceAttribute: onNamedResources,
    AllocateAddress: creates('elastic-ip'),
    DescribeAddresses: anyResource,
    AssociateAddress: onNamedResources,
    DisassociateAddress: onNamedResources,
    ReleaseAddress: onNamedResources,
    CreateNatGateway: creates('natgateway'),
    DescribeNatGateways: anyResource,
    DeleteNatGateway: onNamedResources,
    CreateVpcEndpoint: creates('vpc-endpoint'),
    DescribeVpcEndpoints: anyResource,
    ModifyVpcEndpoint: onNamedResources,
    DeleteVpcEndpoints: onNamedResources,
    DescribeVpcEndpointServices: anyResource,
    DescribePrefixLists: anyResource,
    DescribeManagedPrefixLists: anyResource,
    GetManagedPrefixListEntries: onPrefixList,
    GetManagedPrefixListAssociations: onPrefixList,
    CreateManagedPrefixList: creates('prefix-list'),
    ModifyManagedPrefixList: onNamedResources,
    DeleteManagedPrefixList: onNamedResources,
    DescribeAvailabilityZones: anyResource,
    DescribeRegions: anyResource,
    DescribeAccountAttributes: anyResource,
    DescribeVpcClassicLink: anyResource,
    DescribeVpcClassicLinkDnsSupport: anyResource,
    DescribeDhcpOptions: anyResource,
    CreateDhcpOptions: creates('dhcp-options'),
    AssociateDhcpOptions: onNamedResources,
    DeleteDhcpOptions: onNamedResources,
    DescribeInstances: anyResource,
    DescribeVpnGateways: anyResource,
    // The role is passed to the flow logs service, which delivers with it.
    CreateFlowLogs: (i: { DeliverLogsPermissionArn?: string }, at) => [
      ...(creates('vpc-flow-log')(i, at) as RequiredAction[]),
      ...passRoles([i.DeliverLogsPermissionArn], 'vpc-flow-logs.amazonaws.com', at.accountId),
    ],
    DescribeFlowLogs: anyResource,
    DeleteFlowLogs: onNamedResources,
    CreateTags: tagging,
    DeleteTags: tagging,
    DescribeTags: anyResource,
  },
};
