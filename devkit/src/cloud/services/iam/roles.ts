/**
 * Roles: create, read, list, update, delete, trust policy, permissions boundary, tags. A
 * service-linked role (path /aws-service-role/) is AWS's: only its description may change, and it
 * is deleted through DeleteServiceLinkedRole (UnmodifiableEntity otherwise, in IAM's words).
 */
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
  UpdateRoleDescriptionRequest,
  UpdateRoleDescriptionResponse,
  UpdateRoleRequest,
  UpdateRoleResponse,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
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

/** The path IAM gives service-linked roles: `/aws-service-role/<service>/`. */
export const SERVICE_LINKED_PATH = '/aws-service-role/';

export function isServiceLinked(role: RoleRecord): boolean {
  return role.path.startsWith(SERVICE_LINKED_PATH);
}

/** A role the caller may change: not one of AWS's service-linked roles. */
function modifiableRole(state: IamState, name: string): RoleRecord {
  const role = findRole(state, name);
  if (isServiceLinked(role)) {
    throw new ServiceError(
      `Cannot perform the operation on the protected role '${role.name}' - this role is only modifiable by AWS`,
      { code: 'UnmodifiableEntity', status: 400 },
    );
  }
  return role;
}

/** Removes a role that nothing holds any more (policies, instance profiles). */
export function removeRole(state: IamState, role: RoleRecord): void {
  if (role.attachedPolicyArns.length) {
    throw deleteConflict('Cannot delete entity, must detach all policies first.');
  }
  if (Object.keys(role.inlinePolicies).length) {
    throw deleteConflict('Cannot delete entity, must delete policies first.');
  }
  const key = role.name.toLowerCase();
  if (Object.values(instanceProfiles(state)).some((p) => p.roleKeys.includes(key))) {
    throw deleteConflict('Cannot delete entity, must remove roles from instance profile first.');
  }
  delete state.roles[key];
}

export const deleteRole: Handler<Checked<DeleteRoleRequest, 'RoleName'>, void, IamState> = (input, ctx) => {
  removeRole(ctx.state, modifiableRole(ctx.state, input.RoleName));
};

/**
 * UpdateRole: the description and the maximum session duration (which AssumeRole then enforces on
 * DurationSeconds). A service-linked role's description may change, nothing else of it.
 */
export const updateRole: Handler<Checked<UpdateRoleRequest, 'RoleName'>, UpdateRoleResponse, IamState> = (
  input,
  ctx,
) => {
  const role =
    input.MaxSessionDuration === undefined
      ? findRole(ctx.state, input.RoleName)
      : modifiableRole(ctx.state, input.RoleName);
  if (input.Description !== undefined) role.description = input.Description;
  if (input.MaxSessionDuration !== undefined) role.maxSessionDuration = input.MaxSessionDuration;
  return {};
};

export const updateRoleDescription: Handler<
  Checked<UpdateRoleDescriptionRequest, 'RoleName' | 'Description'>,
  UpdateRoleDescriptionResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  role.description = input.Description;
  return { Role: roleShape(role, true) };
};

export const updateAssumeRolePolicy: Handler<
  Checked<UpdateAssumeRolePolicyRequest, 'PolicyDocument' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = modifiableRole(ctx.state, input.RoleName);
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
