/** Managed policies (customer and AWS), their tags and their attachment to roles, users and groups. */
import type {
  AttachGroupPolicyRequest,
  AttachRolePolicyRequest,
  AttachUserPolicyRequest,
  CreatePolicyRequest,
  CreatePolicyResponse,
  DeletePolicyRequest,
  DetachGroupPolicyRequest,
  DetachRolePolicyRequest,
  DetachUserPolicyRequest,
  GetPolicyRequest,
  GetPolicyResponse,
  ListAttachedGroupPoliciesRequest,
  ListAttachedGroupPoliciesResponse,
  ListAttachedRolePoliciesRequest,
  ListAttachedRolePoliciesResponse,
  ListAttachedUserPoliciesRequest,
  ListAttachedUserPoliciesResponse,
  ListEntitiesForPolicyRequest,
  ListEntitiesForPolicyResponse,
  ListPoliciesRequest,
  ListPoliciesResponse,
  ListPolicyTagsRequest,
  ListPolicyTagsResponse,
  Policy,
  TagPolicyRequest,
  UntagPolicyRequest,
} from '@aws-sdk/client-iam';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import { AWS_MANAGED_POLICIES } from '../../access/aws-managed-policies.ts';
import type { PolicyHolder } from '../../access/identities.ts';
import { parsePolicyDocument } from '../../access/policy-document.ts';
import type { IamState, ManagedPolicyRecord } from './state.ts';
import {
  attachmentCount,
  boundaryUsageCount,
  checkPath,
  customerPolicy,
  deleteConflict,
  entityAlreadyExists,
  findGroup,
  findRole,
  findUser,
  groups,
  mergeTags,
  noSuchEntity,
  policyOrNoSuchEntity,
  uniqueId,
  users,
} from './state.ts';

export function policyShape(state: IamState, policy: ManagedPolicyRecord): Policy {
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: attachmentCount(state, policy.arn),
    PermissionsBoundaryUsageCount: boundaryUsageCount(state, policy.arn),
    IsAttachable: true,
    CreateDate: toDate(policy.createdMs)!,
    UpdateDate: toDate(policy.updatedMs)!,
    ...(policy.description === undefined ? {} : { Description: policy.description }),
    ...(policy.tags.length ? { Tags: policy.tags } : {}),
  };
}

export const createPolicy: Handler<
  Checked<CreatePolicyRequest, 'PolicyDocument' | 'PolicyName'>,
  CreatePolicyResponse,
  IamState
> = (input, ctx) => {
  const path = input.Path ?? '/';
  checkPath(path);
  parsePolicyDocument(input.PolicyDocument, 'permissions');
  const arn = `arn:aws:iam::${ctx.accountId}:policy${path}${input.PolicyName}`;
  const sameName = Object.values(ctx.state.policies).some(
    (p) => p.name.toLowerCase() === input.PolicyName.toLowerCase(),
  );
  if (sameName) {
    throw entityAlreadyExists(
      `A policy called ${input.PolicyName} already exists. Duplicate names are not allowed.`,
    );
  }
  const now = Date.now();
  const policy: ManagedPolicyRecord = {
    name: input.PolicyName,
    id: uniqueId('ANPA'),
    path,
    arn,
    createdMs: now,
    updatedMs: now,
    defaultVersionId: 'v1',
    versions: [{ versionId: 'v1', document: input.PolicyDocument, createdMs: now }],
    tags: mergeTags([], input.Tags ?? [], 'TagsPerPolicy'),
    ...(input.Description === undefined ? {} : { description: input.Description }),
  };
  ctx.state.policies[arn] = policy;
  // CreatePolicy's answer leaves the description out, as IAM's does.
  const { Description: _omitted, ...shape } = policyShape(ctx.state, policy);
  return { Policy: shape };
};

export const getPolicy: Handler<Checked<GetPolicyRequest, 'PolicyArn'>, GetPolicyResponse, IamState> = (
  input,
  ctx,
) => ({
  Policy: policyShape(ctx.state, policyOrNoSuchEntity(ctx.state, input.PolicyArn)),
});

export const deletePolicy: Handler<Checked<DeletePolicyRequest, 'PolicyArn'>, void, IamState> = (
  input,
  ctx,
) => {
  const arn = input.PolicyArn;
  if (!ctx.state.policies[arn]) {
    // AWS's own policies exist but are not the caller's to delete.
    if (AWS_MANAGED_POLICIES.has(arn)) throw noSuchEntity(`Policy ${arn} is not deletable.`);
    throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  }
  if (attachmentCount(ctx.state, arn) > 0)
    throw deleteConflict('Cannot delete a policy attached to entities.');
  delete ctx.state.policies[arn];
};

export const listPolicies: Handler<ListPoliciesRequest, ListPoliciesResponse, IamState> = (input, ctx) => {
  const scope = input.Scope ?? 'All';
  const prefix = input.PathPrefix ?? '/';
  const candidates = [
    ...(scope === 'Local' ? [] : AWS_MANAGED_POLICIES.values()),
    ...(scope === 'AWS' ? [] : Object.values(ctx.state.policies)),
  ];
  const policies = candidates
    .filter((p) => p.path.startsWith(prefix))
    .filter((p) => !input.OnlyAttached || attachmentCount(ctx.state, p.arn) > 0)
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, nextToken } = paginate(policies, input.MaxItems, input.Marker);
  return {
    // ListPolicies leaves descriptions and tags out, as IAM's does.
    Policies: page.map((p) => {
      const { Description: _d, Tags: _t, ...shape } = policyShape(ctx.state, p);
      return shape;
    }),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

function attach(state: IamState, holder: PolicyHolder, policyArn: string): void {
  const policy = policyOrNoSuchEntity(state, policyArn);
  // Attaching twice is not an error in IAM; the policy stays attached once.
  if (!holder.attachedPolicyArns.includes(policy.arn)) holder.attachedPolicyArns.push(policy.arn);
}

function detach(holder: PolicyHolder, policyArn: string): void {
  if (!holder.attachedPolicyArns.includes(policyArn))
    throw noSuchEntity(`Policy ${policyArn} was not found.`);
  holder.attachedPolicyArns = holder.attachedPolicyArns.filter((a) => a !== policyArn);
}

function listAttached(
  state: IamState,
  holder: PolicyHolder,
  input: { PathPrefix?: string | undefined; MaxItems?: number | undefined; Marker?: string | undefined },
) {
  const prefix = input.PathPrefix ?? '/';
  const attached = holder.attachedPolicyArns
    .map((arn) => policyOrNoSuchEntity(state, arn))
    .filter((p) => p.path.startsWith(prefix));
  const { page, nextToken } = paginate(attached, input.MaxItems, input.Marker);
  return {
    AttachedPolicies: page.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
}

export const attachRolePolicy: Handler<
  Checked<AttachRolePolicyRequest, 'PolicyArn' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => attach(ctx.state, findRole(ctx.state, input.RoleName), input.PolicyArn);

export const detachRolePolicy: Handler<
  Checked<DetachRolePolicyRequest, 'PolicyArn' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => detach(findRole(ctx.state, input.RoleName), input.PolicyArn);

export const listAttachedRolePolicies: Handler<
  Checked<ListAttachedRolePoliciesRequest, 'RoleName'>,
  ListAttachedRolePoliciesResponse,
  IamState
> = (input, ctx) => listAttached(ctx.state, findRole(ctx.state, input.RoleName), input);

export const attachUserPolicy: Handler<
  Checked<AttachUserPolicyRequest, 'PolicyArn' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => attach(ctx.state, findUser(ctx.state, input.UserName), input.PolicyArn);

export const detachUserPolicy: Handler<
  Checked<DetachUserPolicyRequest, 'PolicyArn' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => detach(findUser(ctx.state, input.UserName), input.PolicyArn);

export const listAttachedUserPolicies: Handler<
  Checked<ListAttachedUserPoliciesRequest, 'UserName'>,
  ListAttachedUserPoliciesResponse,
  IamState
> = (input, ctx) => listAttached(ctx.state, findUser(ctx.state, input.UserName), input);

export const attachGroupPolicy: Handler<
  Checked<AttachGroupPolicyRequest, 'GroupName' | 'PolicyArn'>,
  void,
  IamState
> = (input, ctx) => attach(ctx.state, findGroup(ctx.state, input.GroupName), input.PolicyArn);

export const detachGroupPolicy: Handler<
  Checked<DetachGroupPolicyRequest, 'GroupName' | 'PolicyArn'>,
  void,
  IamState
> = (input, ctx) => detach(findGroup(ctx.state, input.GroupName), input.PolicyArn);

export const listAttachedGroupPolicies: Handler<
  Checked<ListAttachedGroupPoliciesRequest, 'GroupName'>,
  ListAttachedGroupPoliciesResponse,
  IamState
> = (input, ctx) => listAttached(ctx.state, findGroup(ctx.state, input.GroupName), input);

export const tagPolicy: Handler<Checked<TagPolicyRequest, 'PolicyArn' | 'Tags'>, void, IamState> = (
  input,
  ctx,
) => {
  const policy = customerPolicy(ctx.state, input.PolicyArn);
  policy.tags = mergeTags(policy.tags, input.Tags, 'TagsPerPolicy');
};

export const untagPolicy: Handler<Checked<UntagPolicyRequest, 'PolicyArn' | 'TagKeys'>, void, IamState> = (
  input,
  ctx,
) => {
  const policy = customerPolicy(ctx.state, input.PolicyArn);
  policy.tags = policy.tags.filter((t) => !input.TagKeys.includes(t.Key!));
};

export const listPolicyTags: Handler<
  Checked<ListPolicyTagsRequest, 'PolicyArn'>,
  ListPolicyTagsResponse,
  IamState
> = (input, ctx) => {
  const policy = policyOrNoSuchEntity(ctx.state, input.PolicyArn);
  const { page, nextToken } = paginate(policy.tags, input.MaxItems, input.Marker);
  return { Tags: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
};

/**
 * The users, groups and roles a managed policy is attached to (PermissionsPolicy) or bounds
 * (PermissionsBoundary; groups have no boundary), both when no usage filter is given; one page
 * over all three lists, users first, then groups, then roles, each by name.
 */
export const listEntitiesForPolicy: Handler<
  Checked<ListEntitiesForPolicyRequest, 'PolicyArn'>,
  ListEntitiesForPolicyResponse,
  IamState
> = (input, ctx) => {
  const policy = policyOrNoSuchEntity(ctx.state, input.PolicyArn);
  const usage = input.PolicyUsageFilter;
  const uses = (holder: { attachedPolicyArns: string[]; permissionsBoundary?: string | undefined }) =>
    (usage !== 'PermissionsBoundary' && holder.attachedPolicyArns.includes(policy.arn)) ||
    (usage !== 'PermissionsPolicy' && holder.permissionsBoundary === policy.arn);
  const wanted = (kind: 'User' | 'Group' | 'Role') => !input.EntityFilter || input.EntityFilter === kind;
  const prefix = input.PathPrefix ?? '/';
  const byName = <T extends { name: string; path: string }>(list: T[]) =>
    list.filter((e) => e.path.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
  type Entity = { kind: 'user' | 'group' | 'role'; name: string; id: string };
  const entities: Entity[] = [
    ...(wanted('User') ? byName(Object.values(users(ctx.state)).filter(uses)) : []).map((u) => ({
      kind: 'user' as const,
      name: u.name,
      id: u.id,
    })),
    ...(wanted('Group') && usage !== 'PermissionsBoundary'
      ? byName(Object.values(groups(ctx.state)).filter(uses))
      : []
    ).map((g) => ({ kind: 'group' as const, name: g.name, id: g.id })),
    ...(wanted('Role') ? byName(Object.values(ctx.state.roles).filter(uses)) : []).map((r) => ({
      kind: 'role' as const,
      name: r.name,
      id: r.id,
    })),
  ];
  const { page, nextToken } = paginate(entities, input.MaxItems, input.Marker);
  return {
    PolicyUsers: page.filter((e) => e.kind === 'user').map((e) => ({ UserName: e.name, UserId: e.id })),
    PolicyGroups: page.filter((e) => e.kind === 'group').map((e) => ({ GroupName: e.name, GroupId: e.id })),
    PolicyRoles: page.filter((e) => e.kind === 'role').map((e) => ({ RoleName: e.name, RoleId: e.id })),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};
