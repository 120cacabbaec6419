/** Roles: create, read, list, delete, trust policy, permissions boundary, tags. */
import type {
  CreateRoleRequest,
  CreateRoleResponse,
  DeleteRoleRequest,
  GetRoleRequest,
  GetRoleResponse,
  ListRolesRequest,
  ListRolesResponse,
  ListRoleTagsRequest,
  ListRoleTagsResponse,
  DeleteRolePermissionsBoundaryRequest,
  PutRolePermissionsBoundaryRequest,
  Role,
  TagRoleRequest,
  UntagRoleRequest,
  UpdateAssumeRolePolicyRequest,
} from '@aws-sdk/client-iam';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate, toDate } from '../common.ts';
import { encodePolicyDocument, parsePolicyDocument } from '../../access/policy-document.ts';
import type { IamState, RoleRecord } from './state.ts';
import {
  checkPath,
  deleteConflict,
  entityAlreadyExists,
  findRole,
  instanceProfiles,
  mergeTags,
  boundaryArn,
  uniqueId,
} from './state.ts';

export function roleShape(role: RoleRecord, withDetails: boolean): Role {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: role.arn,
    CreateDate: toDate(role.createdMs)!,
    AssumeRolePolicyDocument: encodePolicyDocument(role.assumeRolePolicyDocument),
    MaxSessionDuration: role.maxSessionDuration,
    ...(role.description === undefined ? {} : { Description: role.description }),
    ...(role.permissionsBoundary === undefined
      ? {}
      : {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
            PermissionsBoundaryArn: role.permissionsBoundary,
          },
        }),
    // ListRoles leaves tags and last use out; GetRole and CreateRole include them.
    ...(withDetails ? { RoleLastUsed: {}, ...(role.tags.length ? { Tags: role.tags } : {}) } : {}),
  };
}

export const createRole: Handler<
  Checked<CreateRoleRequest, 'AssumeRolePolicyDocument' | 'RoleName'>,
  CreateRoleResponse,
  IamState
> = (input, ctx) => {
  const path = input.Path ?? '/';
  checkPath(path);
  parsePolicyDocument(input.AssumeRolePolicyDocument, 'trust');
  const key = input.RoleName.toLowerCase();
  if (ctx.state.roles[key]) throw entityAlreadyExists(`Role with name ${input.RoleName} already exists.`);
  const role: RoleRecord = {
    name: input.RoleName,
    id: uniqueId('AROA'),
    path,
    arn: `arn:aws:iam::${ctx.accountId}:role${path}${input.RoleName}`,
    createdMs: Date.now(),
    assumeRolePolicyDocument: input.AssumeRolePolicyDocument,
    maxSessionDuration: input.MaxSessionDuration ?? 3600,
    tags: mergeTags([], input.Tags ?? [], 'TagsPerRole'),
    attachedPolicyArns: [],
    inlinePolicies: nameMap(),
    ...(input.Description === undefined ? {} : { description: input.Description }),
  };
  ctx.state.roles[key] = role;
  return { Role: roleShape(role, true) };
};

export const getRole: Handler<Checked<GetRoleRequest, 'RoleName'>, GetRoleResponse, IamState> = (
  input,
  ctx,
) => ({
  Role: roleShape(findRole(ctx.state, input.RoleName), true),
});

export const listRoles: Handler<ListRolesRequest, ListRolesResponse, IamState> = (input, ctx) => {
  const prefix = input.PathPrefix ?? '/';
  const roles = Object.values(ctx.state.roles)
    .filter((r) => r.path.startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
  const { page, nextToken } = paginate(roles, input.MaxItems, input.Marker);
  return {
    Roles: page.map((r) => roleShape(r, false)),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const deleteRole: Handler<Checked<DeleteRoleRequest, 'RoleName'>, void, IamState> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  if (role.attachedPolicyArns.length) {
    throw deleteConflict('Cannot delete entity, must detach all policies first.');
  }
  if (Object.keys(role.inlinePolicies).length) {
    throw deleteConflict('Cannot delete entity, must delete policies first.');
  }
  const key = role.name.toLowerCase();
  if (Object.values(instanceProfiles(ctx.state)).some((p) => p.roleKeys.includes(key))) {
    throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
  }
  delete ctx.state.roles[role.name.toLowerCase()];
};

export const updateAssumeRolePolicy: Handler<
  Checked<UpdateAssumeRolePolicyRequest, 'PolicyDocument' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  parsePolicyDocument(input.PolicyDocument, 'trust');
  role.assumeRolePolicyDocument = input.PolicyDocument;
};

export const putRolePermissionsBoundary: Handler<
  Checked<PutRolePermissionsBoundaryRequest, 'PermissionsBoundary' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  role.permissionsBoundary = boundaryArn(ctx.state, input.PermissionsBoundary);
};

export const deleteRolePermissionsBoundary: Handler<
  Checked<DeleteRolePermissionsBoundaryRequest, 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  delete role.permissionsBoundary;
};

export const tagRole: Handler<Checked<TagRoleRequest, 'RoleName' | 'Tags'>, void, IamState> = (
  input,
  ctx,
) => {
  const role = findRole(ctx.state, input.RoleName);
  role.tags = mergeTags(role.tags, input.Tags, 'TagsPerRole');
};

export const untagRole: Handler<Checked<UntagRoleRequest, 'RoleName' | 'TagKeys'>, void, IamState> = (
  input,
  ctx,
) => {
  const role = findRole(ctx.state, input.RoleName);
  role.tags = role.tags.filter((t) => !input.TagKeys.includes(t.Key!));
};

export const listRoleTags: Handler<
  Checked<ListRoleTagsRequest, 'RoleName'>,
  ListRoleTagsResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  const { page, nextToken } = paginate(role.tags, input.MaxItems, input.Marker);
  return { Tags: page, IsTruncated: nextToken !== undefined, ...(nextToken ? { Marker: nextToken } : {}) };
};
