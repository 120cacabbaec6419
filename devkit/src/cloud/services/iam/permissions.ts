/**
 * What each IAM operation asks of IAM (Service Authorization Reference, AWS IAM). Most name their
 * resource by one member (RoleName, PolicyArn, OpenIDConnectProviderArn): `onNamedResource` reads
 * whichever the request has, so a new operation's entry is usually that one word. Created with
 * tags, a role, policy, OIDC provider or instance profile needs its tagging action too (iam:TagRole, ...).
 */
import {
  anyResource,
  requestTags,
  resourceTags,
  taggedOnCreate,
  type AuthorizationCatalogue,
  type AuthorizationScope,
  type OperationAuthorization,
  type RequiredAction,
} from '../../access/authorization.ts';
import { issuerHostPath } from '../../access/identities.ts';
import { instanceProfiles, type IamState } from './state.ts';

type Scope = AuthorizationScope<IamState>;

const iamArn = (at: Scope, resource: string) => `arn:aws:iam::${at.accountId}:${resource}`;

function role(name: string, at: Scope, path = '/'): { resource: string; context: RequiredAction['context'] } {
  const record = Object.hasOwn(at.state.roles, name.toLowerCase())
    ? at.state.roles[name.toLowerCase()]
    : undefined;
  return { resource: record?.arn ?? iamArn(at, `role${path}${name}`), context: resourceTags(record?.tags) };
}

/** The instance profile the request names (its ARN carries the profile's path, which only IAM knows). */
const onInstanceProfile: OperationAuthorization<IamState> = (i, at) => {
  const name = String(i.InstanceProfileName);
  const record = instanceProfiles(at.state)[name.toLowerCase()];
  return [
    {
      action: at.action,
      resource: record?.arn ?? iamArn(at, `instance-profile${i.Path ?? '/'}${name}`),
      context: {
        ...resourceTags(record?.tags),
        ...requestTags(i.Tags),
        ...(i.TagKeys ? { 'aws:TagKeys': i.TagKeys } : {}),
      },
    },
  ];
};

/** The role, managed policy or OIDC provider the request names; `*` when it names none. */
const onNamedResource: OperationAuthorization<IamState> = (i, at) => {
  if (typeof i.RoleName === 'string') {
    const named = role(i.RoleName, at);
    return [
      {
        action: at.action,
        resource: named.resource,
        context: {
          ...named.context,
          ...(i.PolicyArn ? { 'iam:PolicyARN': i.PolicyArn } : {}),
          ...(i.PermissionsBoundary ? { 'iam:PermissionsBoundary': i.PermissionsBoundary } : {}),
          ...requestTags(i.Tags),
          ...(i.TagKeys ? { 'aws:TagKeys': i.TagKeys } : {}),
        },
      },
    ];
  }
  const arn = i.PolicyArn ?? i.OpenIDConnectProviderArn;
  if (typeof arn !== 'string') return '*';
  return [
    {
      action: at.action,
      resource: arn,
      context: { ...requestTags(i.Tags), ...(i.TagKeys ? { 'aws:TagKeys': i.TagKeys } : {}) },
    },
  ];
};

export const iamAuthorization: AuthorizationCatalogue<IamState> = {
  prefix: 'iam',
  operations: {
    CreateRole: (i, at) =>
      taggedOnCreate(
        {
          action: at.action,
          resource: role(i.RoleName, at, i.Path).resource,
          context: {
            ...requestTags(i.Tags),
            ...(i.PermissionsBoundary ? { 'iam:PermissionsBoundary': i.PermissionsBoundary } : {}),
          },
        },
        i.Tags?.length > 0,
        { action: 'iam:TagRole' },
      ),
    GetRole: onNamedResource,
    ListRoles: anyResource,
    DeleteRole: onNamedResource,
    UpdateAssumeRolePolicy: onNamedResource,
    PutRolePermissionsBoundary: (i, at) => [
      {
        action: at.action,
        resource: role(i.RoleName, at).resource,
        context: { 'iam:PermissionsBoundary': i.PermissionsBoundary },
      },
    ],
    DeleteRolePermissionsBoundary: onNamedResource,
    TagRole: onNamedResource,
    UntagRole: onNamedResource,
    ListRoleTags: onNamedResource,
    CreatePolicy: (i, at) =>
      taggedOnCreate(
        {
          action: at.action,
          resource: iamArn(at, `policy${i.Path ?? '/'}${i.PolicyName}`),
          context: requestTags(i.Tags),
        },
        i.Tags?.length > 0,
        { action: 'iam:TagPolicy' },
      ),
    GetPolicy: onNamedResource,
    DeletePolicy: onNamedResource,
    ListPolicies: anyResource,
    TagPolicy: onNamedResource,
    UntagPolicy: onNamedResource,
    ListPolicyTags: onNamedResource,
    CreatePolicyVersion: onNamedResource,
    GetPolicyVersion: onNamedResource,
    ListPolicyVersions: onNamedResource,
    DeletePolicyVersion: onNamedResource,
    SetDefaultPolicyVersion: onNamedResource,
    CreateInstanceProfile: (i, at) =>
      taggedOnCreate((onInstanceProfile(i, at) as RequiredAction[])[0]!, i.Tags?.length > 0, {
        action: 'iam:TagInstanceProfile',
      }),
    GetInstanceProfile: onInstanceProfile,
    ListInstanceProfiles: anyResource,
    DeleteInstanceProfile: onInstanceProfile,
    // Putting a role in a profile passes it to whoever uses the profile (the reference's iam:PassRole).
    AddRoleToInstanceProfile: (i, at) => [
      ...(onInstanceProfile(i, at) as RequiredAction[]),
      { action: 'iam:PassRole', resource: role(String(i.RoleName), at).resource, context: {} },
    ],
    RemoveRoleFromInstanceProfile: onInstanceProfile,
    ListInstanceProfilesForRole: onNamedResource,
    TagInstanceProfile: onInstanceProfile,
    UntagInstanceProfile: onInstanceProfile,
    ListInstanceProfileTags: onInstanceProfile,
    GetAccountAuthorizationDetails: anyResource,
    AttachRolePolicy: onNamedResource,
    DetachRolePolicy: onNamedResource,
    ListAttachedRolePolicies: onNamedResource,
    PutRolePolicy: onNamedResource,
    GetRolePolicy: onNamedResource,
    DeleteRolePolicy: onNamedResource,
    ListRolePolicies: onNamedResource,
    CreateOpenIDConnectProvider: (i, at) =>
      taggedOnCreate(
        {
          action: at.action,
          resource: iamArn(at, `oidc-provider/${issuerHostPath(String(i.Url ?? ''))}`),
          context: requestTags(i.Tags),
        },
        i.Tags?.length > 0,
        { action: 'iam:TagOpenIDConnectProvider' },
      ),
    GetOpenIDConnectProvider: onNamedResource,
    ListOpenIDConnectProviders: anyResource,
    DeleteOpenIDConnectProvider: onNamedResource,
    AddClientIDToOpenIDConnectProvider: onNamedResource,
    RemoveClientIDFromOpenIDConnectProvider: onNamedResource,
    UpdateOpenIDConnectProviderThumbprint: onNamedResource,
    TagOpenIDConnectProvider: onNamedResource,
    UntagOpenIDConnectProvider: onNamedResource,
    ListOpenIDConnectProviderTags: onNamedResource,
  },
};
