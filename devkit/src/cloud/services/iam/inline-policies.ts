/** Inline policies: documents that live inside one role, user or group. */
import type {
  DeleteGroupPolicyRequest,
  DeleteRolePolicyRequest,
  DeleteUserPolicyRequest,
  GetGroupPolicyRequest,
  GetGroupPolicyResponse,
  GetRolePolicyRequest,
  GetRolePolicyResponse,
  GetUserPolicyRequest,
  GetUserPolicyResponse,
  ListGroupPoliciesRequest,
  ListGroupPoliciesResponse,
  ListRolePoliciesRequest,
  ListRolePoliciesResponse,
  ListUserPoliciesRequest,
  ListUserPoliciesResponse,
  PutGroupPolicyRequest,
  PutRolePolicyRequest,
  PutUserPolicyRequest,
} from '@aws-sdk/client-iam';
import type { PolicyHolder } from '../../access/identities.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { encodePolicyDocument, parsePolicyDocument } from '../../access/policy-document.ts';
import type { IamState } from './state.ts';
import { findGroup, findRole, findUser, noSuchEntity } from './state.ts';

type HolderKind = 'role' | 'user' | 'group';

function inlinePolicy(holder: PolicyHolder, kind: HolderKind, name: string): string {
  const document = Object.hasOwn(holder.inlinePolicies, name) ? holder.inlinePolicies[name] : undefined;
  if (document === undefined) throw noSuchEntity(`The ${kind} policy with name ${name} cannot be found.`);
  return document;
}

function put(holder: PolicyHolder, name: string, document: string): void {
  parsePolicyDocument(document, 'permissions');
  holder.inlinePolicies[name] = document;
}

function remove(holder: PolicyHolder, kind: HolderKind, name: string): void {
  inlinePolicy(holder, kind, name);
  delete holder.inlinePolicies[name];
}

function list(holder: PolicyHolder, maxItems: number | undefined, marker: string | undefined) {
  const { page, nextToken } = paginate(Object.keys(holder.inlinePolicies).sort(), maxItems, marker);
  return {
    PolicyNames: page,
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
}

export const putRolePolicy: Handler<
  Checked<PutRolePolicyRequest, 'PolicyDocument' | 'PolicyName' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => put(findRole(ctx.state, input.RoleName), input.PolicyName, input.PolicyDocument);

export const getRolePolicy: Handler<
  Checked<GetRolePolicyRequest, 'PolicyName' | 'RoleName'>,
  GetRolePolicyResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  return {
    RoleName: role.name,
    PolicyName: input.PolicyName,
    PolicyDocument: encodePolicyDocument(inlinePolicy(role, 'role', input.PolicyName)),
  };
};

export const deleteRolePolicy: Handler<
  Checked<DeleteRolePolicyRequest, 'PolicyName' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => remove(findRole(ctx.state, input.RoleName), 'role', input.PolicyName);

export const listRolePolicies: Handler<
  Checked<ListRolePoliciesRequest, 'RoleName'>,
  ListRolePoliciesResponse,
  IamState
> = (input, ctx) => list(findRole(ctx.state, input.RoleName), input.MaxItems, input.Marker);

export const putUserPolicy: Handler<
  Checked<PutUserPolicyRequest, 'PolicyDocument' | 'PolicyName' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => put(findUser(ctx.state, input.UserName), input.PolicyName, input.PolicyDocument);

export const getUserPolicy: Handler<
  Checked<GetUserPolicyRequest, 'PolicyName' | 'UserName'>,
  GetUserPolicyResponse,
  IamState
> = (input, ctx) => {
  const user = findUser(ctx.state, input.UserName);
  return {
    UserName: user.name,
    PolicyName: input.PolicyName,
    PolicyDocument: encodePolicyDocument(inlinePolicy(user, 'user', input.PolicyName)),
  };
};

export const deleteUserPolicy: Handler<
  Checked<DeleteUserPolicyRequest, 'PolicyName' | 'UserName'>,
  void,
  IamState
> = (input, ctx) => remove(findUser(ctx.state, input.UserName), 'user', input.PolicyName);

export const listUserPolicies: Handler<
  Checked<ListUserPoliciesRequest, 'UserName'>,
  ListUserPoliciesResponse,
  IamState
> = (input, ctx) => list(findUser(ctx.state, input.UserName), input.MaxItems, input.Marker);

export const putGroupPolicy: Handler<
  Checked<PutGroupPolicyRequest, 'GroupName' | 'PolicyDocument' | 'PolicyName'>,
  void,
  IamState
> = (input, ctx) => put(findGroup(ctx.state, input.GroupName), input.PolicyName, input.PolicyDocument);

export const getGroupPolicy: Handler<
  Checked<GetGroupPolicyRequest, 'GroupName' | 'PolicyName'>,
  GetGroupPolicyResponse,
  IamState
> = (input, ctx) => {
  const group = findGroup(ctx.state, input.GroupName);
  return {
    GroupName: group.name,
    PolicyName: input.PolicyName,
    PolicyDocument: encodePolicyDocument(inlinePolicy(group, 'group', input.PolicyName)),
  };
};

export const deleteGroupPolicy: Handler<
  Checked<DeleteGroupPolicyRequest, 'GroupName' | 'PolicyName'>,
  void,
  IamState
> = (input, ctx) => remove(findGroup(ctx.state, input.GroupName), 'group', input.PolicyName);

export const listGroupPolicies: Handler<
  Checked<ListGroupPoliciesRequest, 'GroupName'>,
  ListGroupPoliciesResponse,
  IamState
> = (input, ctx) => list(findGroup(ctx.state, input.GroupName), input.MaxItems, input.Marker);
