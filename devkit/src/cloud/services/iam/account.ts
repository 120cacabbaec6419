/**
 * The account's own IAM settings: its alias, its password policy, and GetAccountSummary's counts
 * and quotas.
 *
 * Chosen where the reference is silent: an account holds one alias, so CreateAccountAlias with
 * another name replaces it (as the console's "edit" does) and with the same name changes nothing;
 * GetAccountSummary reports IAM's default quotas, and no root MFA device, signing certificates or
 * keys (the local root has none).
 */
import type {
  CreateAccountAliasRequest,
  DeleteAccountAliasRequest,
  GetAccountPasswordPolicyResponse,
  GetAccountSummaryResponse,
  ListAccountAliasesRequest,
  ListAccountAliasesResponse,
  PasswordPolicy,
  SummaryKeyType,
  UpdateAccountPasswordPolicyRequest,
} from '@aws-sdk/client-iam';
import type { Checked, Handler } from '../../service-definition.ts';
import { AWS_MANAGED_POLICIES } from '../../access/aws-managed-policies.ts';
import { paginate } from '../common.ts';
import type { IamState } from './state.ts';
import {
  attachmentCount,
  groups,
  instanceProfiles,
  mfaDevices,
  noSuchEntity,
  oidcProviders,
  serverCertificates,
  users,
} from './state.ts';

export const createAccountAlias: Handler<
  Checked<CreateAccountAliasRequest, 'AccountAlias'>,
  void,
  IamState
> = (input, ctx) => {
  ctx.state.accountAliases = [input.AccountAlias];
};

export const deleteAccountAlias: Handler<
  Checked<DeleteAccountAliasRequest, 'AccountAlias'>,
  void,
  IamState
> = (input, ctx) => {
  if (!ctx.state.accountAliases?.includes(input.AccountAlias)) {
    throw noSuchEntity(`The account alias ${input.AccountAlias} cannot be found.`);
  }
  ctx.state.accountAliases = ctx.state.accountAliases.filter((a) => a !== input.AccountAlias);
};

export const listAccountAliases: Handler<ListAccountAliasesRequest, ListAccountAliasesResponse, IamState> = (
  input,
  ctx,
) => {
  const { page, nextToken } = paginate(ctx.state.accountAliases ?? [], input.MaxItems, input.Marker);
  return {
    AccountAliases: page,
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

/** IAM's default quotas, as GetAccountSummary reports them (and the operations that enforce them). */
export const QUOTAS = {
  UsersQuota: 5000,
  GroupsQuota: 300,
  RolesQuota: 1000,
  PoliciesQuota: 1500,
  InstanceProfilesQuota: 1000,
  ServerCertificatesQuota: 20,
  UserPolicySizeQuota: 2048,
  GroupPolicySizeQuota: 5120,
  RolePolicySizeQuota: 10240,
  PolicySizeQuota: 6144,
  AssumeRolePolicySizeQuota: 2048,
  AttachedPoliciesPerUserQuota: 10,
  AttachedPoliciesPerGroupQuota: 10,
  AttachedPoliciesPerRoleQuota: 10,
  VersionsPerPolicyQuota: 5,
  PolicyVersionsInUseQuota: 10000,
  GroupsPerUserQuota: 10,
  SigningCertificatesPerUserQuota: 2,
  AccessKeysPerUserQuota: 2,
  GlobalEndpointTokenVersion: 1,
} satisfies Partial<Record<SummaryKeyType, number>>;

export const getAccountSummary: Handler<unknown, GetAccountSummaryResponse, IamState> = (_input, ctx) => {
  const { state } = ctx;
  const policies = Object.values(state.policies);
  const inUse = [...policies, ...AWS_MANAGED_POLICIES.values()].filter(
    (p) => attachmentCount(state, p.arn) > 0,
  );
  const usage: Partial<Record<SummaryKeyType, number>> = {
    Users: Object.keys(users(state)).length,
    Groups: Object.keys(groups(state)).length,
    Roles: Object.keys(state.roles).length,
    Policies: policies.length,
    PolicyVersionsInUse: inUse.length,
    InstanceProfiles: Object.keys(instanceProfiles(state)).length,
    Providers: Object.keys(oidcProviders(state)).length,
    ServerCertificates: Object.keys(serverCertificates(state)).length,
    MFADevices: Object.keys(mfaDevices(state)).length,
    MFADevicesInUse: Object.values(mfaDevices(state)).filter((d) => d.userId !== undefined).length,
    AccountMFAEnabled: 0,
    AccountAccessKeysPresent: 0,
    AccountPasswordPresent: 0,
    AccountSigningCertificatesPresent: 0,
  };
  return { SummaryMap: { ...usage, ...QUOTAS } };
};

/**
 * Every setting the request leaves out takes its default (the reference: length 6, nothing
 * required, users may not change their passwords, no expiry, no reuse prevention).
 */
export const updateAccountPasswordPolicy: Handler<UpdateAccountPasswordPolicyRequest, void, IamState> = (
  input,
  ctx,
) => {
  const policy: PasswordPolicy = {
    MinimumPasswordLength: input.MinimumPasswordLength ?? 6,
    RequireSymbols: input.RequireSymbols ?? false,
    RequireNumbers: input.RequireNumbers ?? false,
    RequireUppercaseCharacters: input.RequireUppercaseCharacters ?? false,
    RequireLowercaseCharacters: input.RequireLowercaseCharacters ?? false,
    AllowUsersToChangePassword: input.AllowUsersToChangePassword ?? false,
    ExpirePasswords: (input.MaxPasswordAge ?? 0) > 0,
    ...(input.MaxPasswordAge ? { MaxPasswordAge: input.MaxPasswordAge } : {}),
    ...(input.PasswordReusePrevention ? { PasswordReusePrevention: input.PasswordReusePrevention } : {}),
    ...(input.MaxPasswordAge ? { HardExpiry: input.HardExpiry ?? false } : {}),
  };
  ctx.state.passwordPolicy = policy;
};

function noPasswordPolicy(accountId: string): Error {
  return noSuchEntity(`The Password Policy with domain name ${accountId} cannot be found.`);
}

export const getAccountPasswordPolicy: Handler<unknown, GetAccountPasswordPolicyResponse, IamState> = (
  _input,
  ctx,
) => {
  if (!ctx.state.passwordPolicy) throw noPasswordPolicy(ctx.accountId);
  return { PasswordPolicy: ctx.state.passwordPolicy };
};

export const deleteAccountPasswordPolicy: Handler<unknown, void, IamState> = (_input, ctx) => {
  if (!ctx.state.passwordPolicy) throw noPasswordPolicy(ctx.accountId);
  delete ctx.state.passwordPolicy;
};
