/**
 * What each IAM operation asks of IAM (Service Authorization Reference, AWS IAM). Most name their
 * resource by one member (RoleName, UserName, GroupName, PolicyArn, OpenIDConnectProviderArn):
 * `onNamedResource` reads whichever the request has, so a new operation's entry is usually that one
 * word. Users' operations that leave UserName out act on the calling user: its ARN is the resource.
 * Created with tags, a role, user, policy, OIDC provider or instance profile needs its tagging action
 * too (iam:TagRole, iam:TagUser, ...).
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
import { groups, instanceProfiles, serverCertificates, users, type IamState } from './state.ts';

type Scope = AuthorizationScope<IamState>;

const iamArn = (at: Scope, resource: string) => `arn:aws:iam::${at.accountId}:${resource}`;

function role(name: string, at: Scope, path = '/'): { resource: string; context: RequiredAction['context'] } {
  const record = Object.hasOwn(at.state.roles, name.toLowerCase())
    ? at.state.roles[name.toLowerCase()]
    : undefined;
  return { resource: record?.arn ?? iamArn(at, `role${path}${name}`), context: resourceTags(record?.tags) };
}

/** A user or group by name: its ARN (with the path IAM knows), its tags. */
function userOrGroup(
  kind: 'user' | 'group',
  name: string,
  at: Scope,
): { resource: string; context: RequiredAction['context'] } {
  const key = name.toLowerCase();
  const user = kind === 'user' ? users(at.state)[key] : undefined;
  const record = kind === 'user' ? user : groups(at.state)[key];
  return { resource: record?.arn ?? iamArn(at, `${kind}/${name}`), context: resourceTags(user?.tags) };
}

/** The condition keys a request brings to an action on a named role, user or group. */
function requestContext(i: Record<string, unknown>): RequiredAction['context'] {
  return {
    ...(typeof i.PolicyArn === 'string' ? { 'iam:PolicyARN': i.PolicyArn } : {}),
    ...(typeof i.PermissionsBoundary === 'string'
      ? { 'iam:PermissionsBoundary': i.PermissionsBoundary }
      : {}),
    ...requestTags(i.Tags as Parameters<typeof requestTags>[0] | undefined),
    ...(Array.isArray(i.TagKeys) ? { 'aws:TagKeys': i.TagKeys as string[] } : {}),
  };
}

/** A user's operation: the user named, else the calling user (their own keys, their own details). */
const onUser: OperationAuthorization<IamState> = (i, at) => {
  const named =
    typeof i.UserName === 'string'
      ? userOrGroup('user', i.UserName, at)
      : { resource: at.caller.kind === 'user' ? at.caller.user.arn : '*', context: {} };
  return [
    { action: at.action, resource: named.resource, context: { ...named.context, ...requestContext(i) } },
  ];
};

/** A group's operation (membership changes are the group's, as the reference lists them). */
const onGroup: OperationAuthorization<IamState> = (i, at) => {
  const named = userOrGroup('group', String(i.GroupName), at);
  return [
    { action: at.action, resource: named.resource, context: { ...named.context, ...requestContext(i) } },
  ];
};

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

/** The server certificate the request names (its ARN carries the certificate's path). */
const onServerCertificate: OperationAuthorization<IamState> = (i, at) => {
  const name = String(i.ServerCertificateName);
  const record = serverCertificates(at.state)[name.toLowerCase()];
  return [
    {
      action: at.action,
      resource: record?.arn ?? iamArn(at, `server-certificate${i.Path ?? '/'}${name}`),
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
      { action: at.action, resource: named.resource, context: { ...named.context, ...requestContext(i) } },
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

/** A virtual MFA device: its serial number is its ARN. */
const onMfaDevice: OperationAuthorization<IamState> = (i, at) => [
  {
    action: at.action,
    resource: String(i.SerialNumber),
    context: { ...requestTags(i.Tags), ...(i.TagKeys ? { 'aws:TagKeys': i.TagKeys } : {}) },
  },
];

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
    UpdateRole: onNamedResource,
    UpdateRoleDescription: onNamedResource,
    CreateServiceLinkedRole: (i, at) => [
      {
        action: at.action,
        resource: iamArn(at, `role/aws-service-role/${i.AWSServiceName}/*`),
        context: { 'iam:AWSServiceName': i.AWSServiceName },
      },
    ],
    DeleteServiceLinkedRole: onNamedResource,
    // The task id names the role: task/aws-service-role/<service>/<role>/<uuid>.
    GetServiceLinkedRoleDeletionStatus: (i, at) => {
      const match = /^task\/(aws-service-role\/[^/]+\/[^/]+)\/[^/]+$/.exec(String(i.DeletionTaskId));
      return match ? [iamArn(at, `role/${match[1]}`)] : '*';
    },
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
    ListEntitiesForPolicy: onNamedResource,
    // The principal simulated is the resource; a custom policy's simulation has none.
    SimulatePrincipalPolicy: (i) => [String(i.PolicySourceArn)],
    GetContextKeysForPrincipalPolicy: (i) => [String(i.PolicySourceArn)],
    SimulateCustomPolicy: anyResource,
    GetContextKeysForCustomPolicy: anyResource,
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
    CreateUser: (i, at) =>
      taggedOnCreate(
        {
          action: at.action,
          resource: iamArn(at, `user${i.Path ?? '/'}${i.UserName}`),
          context: requestContext(i),
        },
        i.Tags?.length > 0,
        { action: 'iam:TagUser' },
      ),
    GetUser: onUser,
    ListUsers: anyResource,
    UpdateUser: onUser,
    DeleteUser: onUser,
    TagUser: onUser,
    UntagUser: onUser,
    ListUserTags: onUser,
    PutUserPermissionsBoundary: onUser,
    DeleteUserPermissionsBoundary: onUser,
    PutUserPolicy: onUser,
    GetUserPolicy: onUser,
    DeleteUserPolicy: onUser,
    ListUserPolicies: onUser,
    AttachUserPolicy: onUser,
    DetachUserPolicy: onUser,
    ListAttachedUserPolicies: onUser,
    CreateAccessKey: onUser,
    ListAccessKeys: onUser,
    UpdateAccessKey: onUser,
    DeleteAccessKey: onUser,
    // The key's user is the resource, which only the key's id names here.
    GetAccessKeyLastUsed: (i, at) => {
      const owners = at.state.accessKeys;
      const owner = owners && Object.hasOwn(owners, i.AccessKeyId) ? owners[i.AccessKeyId] : undefined;
      return owner === undefined ? '*' : [userOrGroup('user', owner, at).resource];
    },
    ListGroupsForUser: onUser,
    CreateLoginProfile: onUser,
    GetLoginProfile: onUser,
    UpdateLoginProfile: onUser,
    DeleteLoginProfile: onUser,
    // The calling user's own password: its ARN is the resource.
    ChangePassword: onUser,
    UploadSSHPublicKey: onUser,
    GetSSHPublicKey: onUser,
    ListSSHPublicKeys: onUser,
    UpdateSSHPublicKey: onUser,
    DeleteSSHPublicKey: onUser,
    UploadSigningCertificate: onUser,
    ListSigningCertificates: onUser,
    UpdateSigningCertificate: onUser,
    DeleteSigningCertificate: onUser,
    CreateServiceSpecificCredential: onUser,
    // AllUsers lists every user's: no one user is the resource.
    ListServiceSpecificCredentials: (i, at) => (i.AllUsers ? anyResource(i, at) : onUser(i, at)),
    ResetServiceSpecificCredential: onUser,
    UpdateServiceSpecificCredential: onUser,
    DeleteServiceSpecificCredential: onUser,
    CreateVirtualMFADevice: (i, at) =>
      taggedOnCreate(
        {
          action: at.action,
          resource: iamArn(at, `mfa${i.Path ?? '/'}${i.VirtualMFADeviceName}`),
          context: requestTags(i.Tags),
        },
        i.Tags?.length > 0,
        { action: 'iam:TagMFADevice' },
      ),
    // Enabling, resyncing and deactivating act on the user (the reference's resource for them).
    EnableMFADevice: onUser,
    ResyncMFADevice: onUser,
    DeactivateMFADevice: onUser,
    DeleteVirtualMFADevice: onMfaDevice,
    ListMFADevices: onUser,
    ListVirtualMFADevices: anyResource,
    GetMFADevice: onUser,
    TagMFADevice: onMfaDevice,
    UntagMFADevice: onMfaDevice,
    ListMFADeviceTags: onMfaDevice,
    GenerateCredentialReport: anyResource,
    GetCredentialReport: anyResource,
    CreateGroup: (i, at) => [
      { action: at.action, resource: iamArn(at, `group${i.Path ?? '/'}${i.GroupName}`), context: {} },
    ],
    GetGroup: onGroup,
    ListGroups: anyResource,
    UpdateGroup: onGroup,
    DeleteGroup: onGroup,
    AddUserToGroup: onGroup,
    RemoveUserFromGroup: onGroup,
    PutGroupPolicy: onGroup,
    GetGroupPolicy: onGroup,
    DeleteGroupPolicy: onGroup,
    ListGroupPolicies: onGroup,
    AttachGroupPolicy: onGroup,
    DetachGroupPolicy: onGroup,
    ListAttachedGroupPolicies: onGroup,
    CreateAccountAlias: anyResource,
    DeleteAccountAlias: anyResource,
    ListAccountAliases: anyResource,
    GetAccountSummary: anyResource,
    GetAccountPasswordPolicy: anyResource,
    UpdateAccountPasswordPolicy: anyResource,
    DeleteAccountPasswordPolicy: anyResource,
    UploadServerCertificate: (i, at) =>
      taggedOnCreate((onServerCertificate(i, at) as RequiredAction[])[0]!, i.Tags?.length > 0, {
        action: 'iam:TagServerCertificate',
      }),
    GetServerCertificate: onServerCertificate,
    ListServerCertificates: anyResource,
    // The reference: permission on the certificate under its old name and its new one.
    UpdateServerCertificate: (i, at) => [
      ...(onServerCertificate(i, at) as RequiredAction[]),
      {
        action: at.action,
        resource: iamArn(
          at,
          `server-certificate${i.NewPath ?? serverCertificates(at.state)[String(i.ServerCertificateName).toLowerCase()]?.path ?? '/'}${i.NewServerCertificateName ?? i.ServerCertificateName}`,
        ),
        context: {},
      },
    ],
    DeleteServerCertificate: onServerCertificate,
    TagServerCertificate: onServerCertificate,
    UntagServerCertificate: onServerCertificate,
    ListServerCertificateTags: onServerCertificate,
  },
};
