/** Security groups: create, describe, delete, and their ingress and egress rules. */
import type {
  AuthorizeSecurityGroupEgressRequest,
  AuthorizeSecurityGroupEgressResult,
  AuthorizeSecurityGroupIngressRequest,
  AuthorizeSecurityGroupIngressResult,
  CreateSecurityGroupRequest,
  CreateSecurityGroupResult,
  DeleteSecurityGroupRequest,
  DeleteSecurityGroupResult,
  DescribeSecurityGroupReferencesRequest,
  DescribeSecurityGroupReferencesResult,
  DescribeSecurityGroupRulesRequest,
  DescribeStaleSecurityGroupsRequest,
  DescribeStaleSecurityGroupsResult,
  ModifySecurityGroupRulesRequest,
  ModifySecurityGroupRulesResult,
  UpdateSecurityGroupRuleDescriptionsEgressRequest,
  UpdateSecurityGroupRuleDescriptionsEgressResult,
  UpdateSecurityGroupRuleDescriptionsIngressRequest,
  UpdateSecurityGroupRuleDescriptionsIngressResult,
  DescribeSecurityGroupRulesResult,
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  IpPermission,
  RevokeSecurityGroupEgressRequest,
  RevokeSecurityGroupEgressResult,
  RevokeSecurityGroupIngressRequest,
  RevokeSecurityGroupIngressResult,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { applyFilters } from './filters.ts';
import {
  addRules,
  describeRules,
  modifyRules,
  permissionsOf,
  ruleById,
  removeRules,
  ruleShape,
  rulesFromPermissions,
} from './security-group-rules.ts';
import type { Ec2State, SecurityGroupRecord } from './state.ts';
import { ec2Error, find, records, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

/** A new group; every group starts allowing all outbound traffic, the default group also all traffic from itself. */
export function addSecurityGroup(
  state: Ec2State,
  vpcId: string,
  name: string,
  description: string,
): SecurityGroupRecord {
  const group: SecurityGroupRecord = { id: resourceId('sg'), name, description, vpcId, rules: [] };
  state.securityGroups[group.id] = group;
  const all = { ipProtocol: '-1', fromPort: -1, toPort: -1 };
  addRules(group, [
    ...(name === 'default' ? [{ ...all, isEgress: false, referencedGroupId: group.id }] : []),
    { ...all, isEgress: true, cidrIpv4: '0.0.0.0/0' },
  ]);
  return group;
}

function defaultVpcId(state: Ec2State): string | undefined {
  return Object.values(state.vpcs).find((v) => v.isDefault)?.id;
}

/** A group by id, or by name in the default VPC (the only place EC2 looks names up). */
function groupByIdOrName(
  state: Ec2State,
  id: string | undefined,
  name: string | undefined,
): SecurityGroupRecord {
  if (id) return find(state, 'sg', id);
  const vpcId = defaultVpcId(state);
  const group = Object.values(state.securityGroups).find((g) => g.vpcId === vpcId && g.name === name);
  if (!group) {
    throw ec2Error(
      'InvalidGroup.NotFound',
      `The security group '${name}' does not exist in default VPC '${vpcId ?? 'none'}'`,
    );
  }
  return group;
}

function groupShape(state: Ec2State, group: SecurityGroupRecord, accountId: string): SecurityGroup {
  return {
    GroupId: group.id,
    GroupName: group.name,
    Description: group.description,
    VpcId: group.vpcId,
    OwnerId: accountId,
    SecurityGroupArn: `arn:aws:ec2:${state.region}:${accountId}:security-group/${group.id}`,
    IpPermissions: permissionsOf(group, false, accountId),
    IpPermissionsEgress: permissionsOf(group, true, accountId),
    Tags: tagsOf(state, group.id),
  };
}

export const createSecurityGroup: Handler<
  Checked<CreateSecurityGroupRequest, 'Description' | 'GroupName'>,
  CreateSecurityGroupResult,
  Ec2State
> = (input, ctx) => {
  const vpcId = input.VpcId ?? defaultVpcId(ctx.state);
  if (!vpcId) throw ec2Error('VPCIdNotSpecified', 'No default VPC for this user');
  find(ctx.state, 'vpc', vpcId);
  const name = input.GroupName;
  if (name === 'default') throw ec2Error('InvalidGroup.Reserved', "The security group 'default' is reserved");
  if (name.startsWith('sg-')) {
    throw ec2Error('InvalidParameterValue', 'Group names may not be in the format sg-*');
  }
  if (Object.values(ctx.state.securityGroups).some((g) => g.vpcId === vpcId && g.name === name)) {
    throw ec2Error(
      'InvalidGroup.Duplicate',
      `The security group '${name}' already exists for VPC '${vpcId}'`,
    );
  }
  const group = addSecurityGroup(ctx.state, vpcId, name, input.Description);
  applyTagSpecifications(ctx.state, group.id, 'security-group', input.TagSpecifications);
  return {
    GroupId: group.id,
    SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${group.id}`,
    Tags: tagsOf(ctx.state, group.id),
  };
};

export const describeSecurityGroups: Handler<
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  Ec2State
> = (input, ctx) => {
  let groups = selectByIds(ctx.state, 'sg', input.GroupIds);
  if (input.GroupNames?.length) {
    groups = input.GroupNames.map((name) => groupByIdOrName(ctx.state, undefined, name)).filter((g) =>
      groups.includes(g),
    );
  }
  const matching = applyFilters(ctx.state, groups, input.Filters, {
    'group-id': (g) => g.id,
    'group-name': (g) => g.name,
    description: (g) => g.description,
    'vpc-id': (g) => g.vpcId,
    'owner-id': () => ctx.accountId,
    'ip-permission.from-port': (g) => g.rules.filter((r) => !r.isEgress).map((r) => r.fromPort),
    'ip-permission.to-port': (g) => g.rules.filter((r) => !r.isEgress).map((r) => r.toPort),
    'ip-permission.protocol': (g) => g.rules.filter((r) => !r.isEgress).map((r) => r.ipProtocol),
    'ip-permission.cidr': (g) => g.rules.filter((r) => !r.isEgress).map((r) => r.cidrIpv4),
    'ip-permission.prefix-list-id': (g) => g.rules.filter((r) => !r.isEgress).map((r) => r.prefixListId),
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    SecurityGroups: page.map((g) => groupShape(ctx.state, g, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const deleteSecurityGroup: Handler<DeleteSecurityGroupRequest, DeleteSecurityGroupResult, Ec2State> = (
  input,
  ctx,
) => {
  const group = groupByIdOrName(ctx.state, input.GroupId, input.GroupName);
  if (group.name === 'default') {
    throw ec2Error(
      'CannotDelete',
      `the specified group: "${group.id}" name: "default" cannot be deleted by a user`,
    );
  }
  // Another group's rule, or a network interface, still uses it.
  const referenced =
    Object.values(ctx.state.securityGroups).some(
      (other) => other.id !== group.id && other.rules.some((r) => r.referencedGroupId === group.id),
    ) || Object.values(records(ctx.state, 'eni')).some((eni) => eni.groupIds.includes(group.id));
  if (referenced) throw ec2Error('DependencyViolation', `resource ${group.id} has a dependent object`);
  delete ctx.state.securityGroups[group.id];
  dropTags(ctx.state, group.id);
  return { Return: true, GroupId: group.id };
};

/** The permissions of a call, from IpPermissions or the older top-level members (the AWS CLI's --port/--cidr). */
function requestedPermissions(input: {
  IpPermissions?: IpPermission[];
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
}): IpPermission[] {
  if (input.IpPermissions?.length) return input.IpPermissions;
  if (input.IpProtocol === undefined && input.CidrIp === undefined) return [];
  return [
    {
      IpProtocol: input.IpProtocol ?? '-1',
      ...(input.FromPort === undefined ? {} : { FromPort: input.FromPort }),
      ...(input.ToPort === undefined ? {} : { ToPort: input.ToPort }),
      ...(input.CidrIp === undefined ? {} : { IpRanges: [{ CidrIp: input.CidrIp }] }),
    },
  ];
}

function authorize(
  ctx: RequestContext<Ec2State>,
  group: SecurityGroupRecord,
  permissions: IpPermission[],
  isEgress: boolean,
): AuthorizeSecurityGroupIngressResult {
  const added = addRules(group, rulesFromPermissions(ctx.state, permissions, isEgress));
  return {
    Return: true,
    SecurityGroupRules: added.map((r) => ruleShape(ctx.state, group, r, ctx.accountId)),
  };
}

export const authorizeSecurityGroupIngress: Handler<
  AuthorizeSecurityGroupIngressRequest,
  AuthorizeSecurityGroupIngressResult,
  Ec2State
> = (input, ctx) =>
  authorize(
    ctx,
    groupByIdOrName(ctx.state, input.GroupId, input.GroupName),
    requestedPermissions(input),
    false,
  );

export const authorizeSecurityGroupEgress: Handler<
  Checked<AuthorizeSecurityGroupEgressRequest, 'GroupId'>,
  AuthorizeSecurityGroupEgressResult,
  Ec2State
> = (input, ctx) => authorize(ctx, find(ctx.state, 'sg', input.GroupId), requestedPermissions(input), true);

function revoke(
  ctx: RequestContext<Ec2State>,
  group: SecurityGroupRecord,
  permissions: IpPermission[],
  ruleIds: string[] | undefined,
  isEgress: boolean,
): RevokeSecurityGroupIngressResult {
  const byId = (ruleIds ?? []).map((id) => ruleById(group, id, isEgress));
  removeRules(group, [...rulesFromPermissions(ctx.state, permissions, isEgress), ...byId]);
  return { Return: true };
}

export const revokeSecurityGroupIngress: Handler<
  RevokeSecurityGroupIngressRequest,
  RevokeSecurityGroupIngressResult,
  Ec2State
> = (input, ctx) =>
  revoke(
    ctx,
    groupByIdOrName(ctx.state, input.GroupId, input.GroupName),
    requestedPermissions(input),
    input.SecurityGroupRuleIds,
    false,
  );

export const revokeSecurityGroupEgress: Handler<
  Checked<RevokeSecurityGroupEgressRequest, 'GroupId'>,
  RevokeSecurityGroupEgressResult,
  Ec2State
> = (input, ctx) =>
  revoke(
    ctx,
    find(ctx.state, 'sg', input.GroupId),
    requestedPermissions(input),
    input.SecurityGroupRuleIds,
    true,
  );

export const modifySecurityGroupRules: Handler<
  Checked<ModifySecurityGroupRulesRequest, 'GroupId' | 'SecurityGroupRules'>,
  ModifySecurityGroupRulesResult,
  Ec2State
> = (input, ctx) => {
  const group = find(ctx.state, 'sg', input.GroupId);
  const changes = input.SecurityGroupRules.map((r) => {
    if (!r.SecurityGroupRuleId || !r.SecurityGroupRule) {
      throw ec2Error(
        'MissingParameter',
        'The request must contain the parameters SecurityGroupRuleId and SecurityGroupRule',
      );
    }
    return { id: r.SecurityGroupRuleId, rule: r.SecurityGroupRule };
  });
  modifyRules(ctx.state, group, changes);
  return { Return: true };
};

export const updateSecurityGroupRuleDescriptionsIngress: Handler<
  UpdateSecurityGroupRuleDescriptionsIngressRequest,
  UpdateSecurityGroupRuleDescriptionsIngressResult,
  Ec2State
> = (input, ctx) => {
  const group = groupByIdOrName(ctx.state, input.GroupId, input.GroupName);
  describeRules(ctx.state, group, false, input.IpPermissions, input.SecurityGroupRuleDescriptions);
  return { Return: true };
};

export const updateSecurityGroupRuleDescriptionsEgress: Handler<
  UpdateSecurityGroupRuleDescriptionsEgressRequest,
  UpdateSecurityGroupRuleDescriptionsEgressResult,
  Ec2State
> = (input, ctx) => {
  const group = groupByIdOrName(ctx.state, input.GroupId, input.GroupName);
  describeRules(ctx.state, group, true, input.IpPermissions, input.SecurityGroupRuleDescriptions);
  return { Return: true };
};

export const describeSecurityGroupRules: Handler<
  DescribeSecurityGroupRulesRequest,
  DescribeSecurityGroupRulesResult,
  Ec2State
> = (input, ctx) => {
  const all = Object.values(ctx.state.securityGroups).flatMap((group) =>
    group.rules.map((rule) => ({ id: rule.id, group, rule })),
  );
  const wanted = input.SecurityGroupRuleIds;
  const selected = wanted?.length ? all.filter((r) => wanted.includes(r.id)) : all;
  const matching = applyFilters(ctx.state, selected, input.Filters, {
    'group-id': (r) => r.group.id,
    'security-group-rule-id': (r) => r.id,
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    SecurityGroupRules: page.map((r) => ruleShape(ctx.state, r.group, r.rule, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

/**
 * The VPCs across a peering or transit gateway connection whose rules name these groups: none, as
 * the local cloud has neither; each group must exist.
 */
export const describeSecurityGroupReferences: Handler<
  Checked<DescribeSecurityGroupReferencesRequest, 'GroupId'>,
  DescribeSecurityGroupReferencesResult,
  Ec2State
> = (input, ctx) => {
  for (const id of input.GroupId) find(ctx.state, 'sg', id);
  return { SecurityGroupReferenceSet: [] };
};

/**
 * A VPC's stale rules — rules naming a deleted group, or one across a connection that is gone: none
 * can arise here (DeleteSecurityGroup refuses a group another rule names, and there is no peering).
 */
export const describeStaleSecurityGroups: Handler<
  Checked<DescribeStaleSecurityGroupsRequest, 'VpcId'>,
  DescribeStaleSecurityGroupsResult,
  Ec2State
> = (input, ctx) => {
  find(ctx.state, 'vpc', input.VpcId);
  return { StaleSecurityGroupSet: [] };
};
