import * as sdk from '@aws-sdk/client-ec2';
import { ec2Authorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import {
  allocateAddress,
  associateAddress,
  describeAddresses,
  disassociateAddress,
  releaseAddress,
} from './addresses.ts';
import { describeAccountAttributes } from './account-attributes.ts';
import { describeAvailabilityZones } from './availability-zones.ts';
import { describeVpcClassicLink, describeVpcClassicLinkDnsSupport } from './classic-link.ts';
import { createDefaultSubnet, createDefaultVpc, initialEc2State } from './default-vpc.ts';
import {
  associateDhcpOptions,
  createDhcpOptions,
  deleteDhcpOptions,
  describeDhcpOptions,
} from './dhcp-options.ts';
import {
  createEgressOnlyInternetGateway,
  deleteEgressOnlyInternetGateway,
  describeEgressOnlyInternetGateways,
} from './egress-only-internet-gateways.ts';
import { createFlowLogs, deleteFlowLogs, describeFlowLogs } from './flow-logs.ts';
import { describeInstances } from './instances.ts';
import {
  createNetworkAcl,
  createNetworkAclEntry,
  deleteNetworkAcl,
  deleteNetworkAclEntry,
  describeNetworkAcls,
  replaceNetworkAclAssociation,
  replaceNetworkAclEntry,
} from './network-acls.ts';
import { withDryRun } from './dry-run.ts';
import {
  attachInternetGateway,
  createInternetGateway,
  deleteInternetGateway,
  describeInternetGateways,
  detachInternetGateway,
} from './internet-gateways.ts';
import {
  associateRouteTable,
  createRoute,
  createRouteTable,
  deleteRoute,
  deleteRouteTable,
  describeRouteTables,
  disassociateRouteTable,
  replaceRoute,
  replaceRouteTableAssociation,
} from './route-tables.ts';
import {
  authorizeSecurityGroupEgress,
  authorizeSecurityGroupIngress,
  createSecurityGroup,
  deleteSecurityGroup,
  describeSecurityGroupReferences,
  describeSecurityGroupRules,
  describeStaleSecurityGroups,
  describeSecurityGroups,
  modifySecurityGroupRules,
  revokeSecurityGroupEgress,
  revokeSecurityGroupIngress,
  updateSecurityGroupRuleDescriptionsEgress,
  updateSecurityGroupRuleDescriptionsIngress,
} from './security-groups.ts';
import { createNatGateway, deleteNatGateway, describeNatGateways } from './nat-gateways.ts';
import {
  createNetworkInterface,
  deleteNetworkInterface,
  describeNetworkInterfaceAttribute,
  describeNetworkInterfaces,
  modifyNetworkInterfaceAttribute,
} from './network-interfaces.ts';
import {
  createManagedPrefixList,
  deleteManagedPrefixList,
  describeManagedPrefixLists,
  describePrefixLists,
  getManagedPrefixListAssociations,
  getManagedPrefixListEntries,
  modifyManagedPrefixList,
} from './prefix-lists.ts';
import { describeRegions } from './regions.ts';
import type { Ec2State } from './state.ts';
import {
  associateSubnetCidrBlock,
  createSubnet,
  deleteSubnet,
  describeSubnets,
  disassociateSubnetCidrBlock,
  modifySubnetAttribute,
} from './subnets.ts';
import { associateVpcCidrBlock, disassociateVpcCidrBlock } from './vpc-cidr-blocks.ts';
import { createTags, deleteTags, describeTags } from './tags.ts';
import { createVpc, deleteVpc, describeVpcAttribute, describeVpcs, modifyVpcAttribute } from './vpcs.ts';
import {
  createVpcEndpoint,
  deleteVpcEndpoints,
  describeVpcEndpointServices,
  describeVpcEndpoints,
  modifyVpcEndpoint,
} from './vpc-endpoints.ts';
import { describeVpnGateways } from './vpn-gateways.ts';

export { ingressAllows } from './security-group-rules.ts';
// The seam for the ECS runtime's task interfaces (see managed-interfaces.ts).
export {
  createManagedInterface,
  deleteManagedInterface,
  type ManagedInterfaceRequest,
} from './managed-interfaces.ts';
export { privateDnsName } from './network-interfaces.ts';
export type { Ec2State, NetworkInterfaceRecord } from './state.ts';

const handlers = {
  CreateVpc: createVpc,
  CreateDefaultVpc: createDefaultVpc,
  CreateDefaultSubnet: createDefaultSubnet,
  DescribeVpcs: describeVpcs,
  DeleteVpc: deleteVpc,
  ModifyVpcAttribute: modifyVpcAttribute,
  DescribeVpcAttribute: describeVpcAttribute,
  AssociateVpcCidrBlock: associateVpcCidrBlock,
  DisassociateVpcCidrBlock: disassociateVpcCidrBlock,
  DescribeNetworkAcls: describeNetworkAcls,
  CreateNetworkAcl: createNetworkAcl,
  DeleteNetworkAcl: deleteNetworkAcl,
  CreateNetworkAclEntry: createNetworkAclEntry,
  ReplaceNetworkAclEntry: replaceNetworkAclEntry,
  DeleteNetworkAclEntry: deleteNetworkAclEntry,
  ReplaceNetworkAclAssociation: replaceNetworkAclAssociation,
  CreateSubnet: createSubnet,
  DescribeSubnets: describeSubnets,
  DeleteSubnet: deleteSubnet,
  ModifySubnetAttribute: modifySubnetAttribute,
  AssociateSubnetCidrBlock: associateSubnetCidrBlock,
  DisassociateSubnetCidrBlock: disassociateSubnetCidrBlock,
  CreateInternetGateway: createInternetGateway,
  AttachInternetGateway: attachInternetGateway,
  DetachInternetGateway: detachInternetGateway,
  DescribeInternetGateways: describeInternetGateways,
  DeleteInternetGateway: deleteInternetGateway,
  CreateEgressOnlyInternetGateway: createEgressOnlyInternetGateway,
  DescribeEgressOnlyInternetGateways: describeEgressOnlyInternetGateways,
  DeleteEgressOnlyInternetGateway: deleteEgressOnlyInternetGateway,
  CreateRouteTable: createRouteTable,
  DescribeRouteTables: describeRouteTables,
  CreateRoute: createRoute,
  DeleteRoute: deleteRoute,
  ReplaceRoute: replaceRoute,
  ReplaceRouteTableAssociation: replaceRouteTableAssociation,
  AssociateRouteTable: associateRouteTable,
  DisassociateRouteTable: disassociateRouteTable,
  DeleteRouteTable: deleteRouteTable,
  CreateSecurityGroup: createSecurityGroup,
  DescribeSecurityGroups: describeSecurityGroups,
  DeleteSecurityGroup: deleteSecurityGroup,
  AuthorizeSecurityGroupIngress: authorizeSecurityGroupIngress,
  RevokeSecurityGroupIngress: revokeSecurityGroupIngress,
  AuthorizeSecurityGroupEgress: authorizeSecurityGroupEgress,
  RevokeSecurityGroupEgress: revokeSecurityGroupEgress,
  DescribeSecurityGroupRules: describeSecurityGroupRules,
  DescribeSecurityGroupReferences: describeSecurityGroupReferences,
  DescribeStaleSecurityGroups: describeStaleSecurityGroups,
  ModifySecurityGroupRules: modifySecurityGroupRules,
  UpdateSecurityGroupRuleDescriptionsIngress: updateSecurityGroupRuleDescriptionsIngress,
  UpdateSecurityGroupRuleDescriptionsEgress: updateSecurityGroupRuleDescriptionsEgress,
  CreateNetworkInterface: createNetworkInterface,
  DescribeNetworkInterfaces: describeNetworkInterfaces,
  DeleteNetworkInterface: deleteNetworkInterface,
  ModifyNetworkInterfaceAttribute: modifyNetworkInterfaceAttribute,
  DescribeNetworkInterfaceAttribute: describeNetworkInterfaceAttribute,
  AllocateAddress: allocateAddress,
  DescribeAddresses: describeAddresses,
  AssociateAddress: associateAddress,
  DisassociateAddress: disassociateAddress,
  ReleaseAddress: releaseAddress,
  CreateNatGateway: createNatGateway,
  DescribeNatGateways: describeNatGateways,
  DeleteNatGateway: deleteNatGateway,
  CreateVpcEndpoint: createVpcEndpoint,
  DescribeVpcEndpoints: describeVpcEndpoints,
  ModifyVpcEndpoint: modifyVpcEndpoint,
  DeleteVpcEndpoints: deleteVpcEndpoints,
  DescribeVpcEndpointServices: describeVpcEndpointServices,
  DescribePrefixLists: describePrefixLists,
  DescribeManagedPrefixLists: describeManagedPrefixLists,
  GetManagedPrefixListEntries: getManagedPrefixListEntries,
  CreateManagedPrefixList: createManagedPrefixList,
  ModifyManagedPrefixList: modifyManagedPrefixList,
  DeleteManagedPrefixList: deleteManagedPrefixList,
  GetManagedPrefixListAssociations: getManagedPrefixListAssociations,
  DescribeAvailabilityZones: describeAvailabilityZones,
  DescribeRegions: describeRegions,
  DescribeAccountAttributes: describeAccountAttributes,
  DescribeVpcClassicLink: describeVpcClassicLink,
  DescribeVpcClassicLinkDnsSupport: describeVpcClassicLinkDnsSupport,
  DescribeDhcpOptions: describeDhcpOptions,
  CreateDhcpOptions: createDhcpOptions,
  AssociateDhcpOptions: associateDhcpOptions,
  DeleteDhcpOptions: deleteDhcpOptions,
  DescribeInstances: describeInstances,
  DescribeVpnGateways: describeVpnGateways,
  CreateFlowLogs: createFlowLogs,
  DescribeFlowLogs: describeFlowLogs,
  DeleteFlowLogs: deleteFlowLogs,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
};

/** EC2 networking: VPCs, subnets, internet gateways (and egress-only ones), route tables, network ACLs, security groups, interfaces, Elastic IPs, NAT gateways, VPC endpoints, prefix lists, zones, regions, account attributes, DHCP options, tags; DescribeInstances (none: Fargate only). */
export const ec2: ServiceDefinition<Ec2State> = {
  signingName: 'ec2',
  protocol: 'ec2Query',
  constraintError: 'InvalidParameterValue',
  xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  schemas: sdk,
  initialState: initialEc2State,
  authorization: ec2Authorization,
  // Every EC2 operation takes DryRun.
  operations: Object.fromEntries(
    Object.entries(handlers).map(([name, handler]) => [name, withDryRun(handler as never)]),
  ),
};
