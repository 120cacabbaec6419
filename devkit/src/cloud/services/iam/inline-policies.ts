/** Inline role policies: documents that live inside one role. */
import type {
  DeleteRolePolicyRequest,
  GetRolePolicyRequest,
  GetRolePolicyResponse,
  ListRolePoliciesRequest,
  ListRolePoliciesResponse,
  PutRolePolicyRequest,
} from '@aws-sdk/client-iam';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { encodePolicyDocument, parsePolicyDocument } from '../../access/policy-document.ts';
import type { IamState, RoleRecord } from './state.ts';
import { findRole, noSuchEntity } from './state.ts';

function inlinePolicy(role: RoleRecord, name: string): string {
  const document = Object.hasOwn(role.inlinePolicies, name) ? role.inlinePolicies[name] : undefined;
  if (document === undefined) throw noSuchEntity(`The role policy with name ${name} cannot be found.`);
  return document;
}

export const putRolePolicy: Handler<
  Checked<PutRolePolicyRequest, 'PolicyDocument' | 'PolicyName' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  parsePolicyDocument(input.PolicyDocument, 'permissions');
  role.inlinePolicies[input.PolicyName] = input.PolicyDocument;
};

export const getRolePolicy: Handler<
  Checked<GetRolePolicyRequest, 'PolicyName' | 'RoleName'>,
  GetRolePolicyResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  return {
    RoleName: role.name,
    PolicyName: input.PolicyName,
    PolicyDocument: encodePolicyDocument(inlinePolicy(role, input.PolicyName)),
  };
};

export const deleteRolePolicy: Handler<
  Checked<DeleteRolePolicyRequest, 'PolicyName' | 'RoleName'>,
  void,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  inlinePolicy(role, input.PolicyName);
  delete role.inlinePolicies[input.PolicyName];
};

export const listRolePolicies: Handler<
  Checked<ListRolePoliciesRequest, 'RoleName'>,
  ListRolePoliciesResponse,
  IamState
> = (input, ctx) => {
  const role = findRole(ctx.state, input.RoleName);
  const names = Object.keys(role.inlinePolicies).sort();
  const { page, nextToken } = paginate(names, input.MaxItems, input.Marker);
  return {
    PolicyNames: page,
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};
