/** Managed policies (customer and AWS), their tags and their attachment to roles. */
import type {
  AttachRolePolicyRequest,
  CreatePolicyRequest,
  CreatePolicyResponse,
  DeletePolicyRequest,
  DetachRolePolicyRequest,
  GetPolicyRequest,
  GetPolicyResponse,
  ListAttachedRolePoliciesRequest,
  ListAttachedRolePoliciesResponse,
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
import { parsePolicyDocument } from '../../access/policy-document.ts';
import type { IamState, ManagedPolicyRecord } from './state.ts';
import {
  attachmentCount,
  checkPath,
  customerPolicy,
  deleteConflict,
  entityAlreadyExists,
  findRole,
  mergeTags,
  noSuchEntity,
  policyOrNoSuchEntity,
  uniqueId,
} from './state.ts';

export function policyShape(state: IamState, policy: ManagedPolicyRecord): Policy {
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: attachmentCount(state, policy.arn),
    PermissionsBoundaryUsageCount: Object.values(state.roles).filter(
      (r) => r.permissionsBoundary === policy.arn,
    ).length,
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

export const attachRolePolicy: Handler<
  Checked<AttachRolePolicyRequest, 'PolicyArn' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  const policy = policyOrNoSuchEntity(ctx.state, input.PolicyArn);
  // Attaching twice is not an error in IAM; the policy stays attached once.
  if (!role.attachedPolicyArns.includes(policy.arn)) role.attachedPolicyArns.push(policy.arn);
};

export const detachRolePolicy: Handler<
  Checked<DetachRolePolicyRequest, 'PolicyArn' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  if (!role.attachedPolicyArns.includes(input.PolicyArn)) {
    throw noSuchEntity(`Policy ${input.PolicyArn} was not found.`);
  }
  role.attachedPolicyArns = role.attachedPolicyArns.filter((a) => a !== input.PolicyArn);
};

export const listAttachedRolePolicies: Handler<
  Checked<ListAttachedRolePoliciesRequest, 'RoleName'>,
  ListAttachedRolePoliciesResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  const prefix = input.PathPrefix ?? '/';
  const attached = role.attachedPolicyArns
    .map((arn) => policyOrNoSuchEntity(ctx.state, arn))
    .filter((p) => p.path.startsWith(prefix));
  const { page, nextToken } = paginate(attached, input.MaxItems, input.Marker);
  return {
    AttachedPolicies: page.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

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
