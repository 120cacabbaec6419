import * as sdk from '@aws-sdk/client-iam';
import { iamAuthorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import { deleteRolePolicy, getRolePolicy, listRolePolicies, putRolePolicy } from './inline-policies.ts';
import {
  attachRolePolicy,
  createPolicy,
  deletePolicy,
  detachRolePolicy,
  getPolicy,
  getPolicyVersion,
  listAttachedRolePolicies,
  listPolicies,
} from './managed-policies.ts';
import {
  addClientIDToOpenIDConnectProvider,
  createOpenIDConnectProvider,
  deleteOpenIDConnectProvider,
  getOpenIDConnectProvider,
  listOpenIDConnectProviders,
  listOpenIDConnectProviderTags,
  removeClientIDFromOpenIDConnectProvider,
  tagOpenIDConnectProvider,
  untagOpenIDConnectProvider,
  updateOpenIDConnectProviderThumbprint,
} from './oidc-providers.ts';
import {
  createRole,
  deleteRole,
  getRole,
  listRoles,
  listRoleTags,
  tagRole,
  untagRole,
  updateAssumeRolePolicy,
} from './roles.ts';
import { initialIamState, type IamState } from './state.ts';

export { effectivePolicies, type EffectivePolicy } from './effective-policies.ts';
export type { IamState } from './state.ts';

/** IAM: roles with trust policies, managed (AWS and customer) and inline policies, OIDC providers. Global. */
export const iam: ServiceDefinition<IamState> = {
  signingName: 'iam',
  protocol: 'awsQuery',
  constraintError: 'ValidationError',
  xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  schemas: sdk,
  global: true,
  initialState: initialIamState,
  authorization: iamAuthorization,
  operations: {
    CreateRole: createRole,
    GetRole: getRole,
    ListRoles: listRoles,
    DeleteRole: deleteRole,
    UpdateAssumeRolePolicy: updateAssumeRolePolicy,
    TagRole: tagRole,
    UntagRole: untagRole,
    ListRoleTags: listRoleTags,
    CreatePolicy: createPolicy,
    GetPolicy: getPolicy,
    GetPolicyVersion: getPolicyVersion,
    DeletePolicy: deletePolicy,
    ListPolicies: listPolicies,
    AttachRolePolicy: attachRolePolicy,
    DetachRolePolicy: detachRolePolicy,
    ListAttachedRolePolicies: listAttachedRolePolicies,
    PutRolePolicy: putRolePolicy,
    GetRolePolicy: getRolePolicy,
    DeleteRolePolicy: deleteRolePolicy,
    ListRolePolicies: listRolePolicies,
    CreateOpenIDConnectProvider: createOpenIDConnectProvider,
    GetOpenIDConnectProvider: getOpenIDConnectProvider,
    ListOpenIDConnectProviders: listOpenIDConnectProviders,
    DeleteOpenIDConnectProvider: deleteOpenIDConnectProvider,
    AddClientIDToOpenIDConnectProvider: addClientIDToOpenIDConnectProvider,
    RemoveClientIDFromOpenIDConnectProvider: removeClientIDFromOpenIDConnectProvider,
    UpdateOpenIDConnectProviderThumbprint: updateOpenIDConnectProviderThumbprint,
    TagOpenIDConnectProvider: tagOpenIDConnectProvider,
    UntagOpenIDConnectProvider: untagOpenIDConnectProvider,
    ListOpenIDConnectProviderTags: listOpenIDConnectProviderTags,
  },
};
