import * as sdk from '@aws-sdk/client-iam';
import { iamAuthorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import { getAccountAuthorizationDetails } from './account-authorization.ts';
import { deleteRolePolicy, getRolePolicy, listRolePolicies, putRolePolicy } from './inline-policies.ts';
import {
  attachRolePolicy,
  createPolicy,
  deletePolicy,
  detachRolePolicy,
  getPolicy,
  listAttachedRolePolicies,
  listPolicies,
  listPolicyTags,
  tagPolicy,
  untagPolicy,
} from './managed-policies.ts';
import {
  addRoleToInstanceProfile,
  createInstanceProfile,
  deleteInstanceProfile,
  getInstanceProfile,
  listInstanceProfiles,
  listInstanceProfilesForRole,
  listInstanceProfileTags,
  removeRoleFromInstanceProfile,
  tagInstanceProfile,
  untagInstanceProfile,
} from './instance-profiles.ts';
import {
  createPolicyVersion,
  deletePolicyVersion,
  getPolicyVersion,
  listPolicyVersions,
  setDefaultPolicyVersion,
} from './policy-versions.ts';
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

/** IAM: roles with trust policies, managed (AWS and customer, versioned) and inline policies, instance profiles, OIDC providers. Global. */
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
    DeletePolicy: deletePolicy,
    ListPolicies: listPolicies,
    TagPolicy: tagPolicy,
    UntagPolicy: untagPolicy,
    ListPolicyTags: listPolicyTags,
    CreatePolicyVersion: createPolicyVersion,
    GetPolicyVersion: getPolicyVersion,
    ListPolicyVersions: listPolicyVersions,
    DeletePolicyVersion: deletePolicyVersion,
    SetDefaultPolicyVersion: setDefaultPolicyVersion,
    CreateInstanceProfile: createInstanceProfile,
    GetInstanceProfile: getInstanceProfile,
    ListInstanceProfiles: listInstanceProfiles,
    DeleteInstanceProfile: deleteInstanceProfile,
    AddRoleToInstanceProfile: addRoleToInstanceProfile,
    RemoveRoleFromInstanceProfile: removeRoleFromInstanceProfile,
    ListInstanceProfilesForRole: listInstanceProfilesForRole,
    TagInstanceProfile: tagInstanceProfile,
    UntagInstanceProfile: untagInstanceProfile,
    ListInstanceProfileTags: listInstanceProfileTags,
    GetAccountAuthorizationDetails: getAccountAuthorizationDetails,
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
