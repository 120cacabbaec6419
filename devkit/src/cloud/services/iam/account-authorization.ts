/**
 * GetAccountAuthorizationDetails: every user, group, role and managed policy of the account with
 * their documents, in one paged listing (what auditors and IaC importers read). AWS managed
 * policies are listed when something in the account uses them.
 */
import type {
  GetAccountAuthorizationDetailsRequest,
  GetAccountAuthorizationDetailsResponse,
  GroupDetail,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from '@aws-sdk/client-iam';
import type { PolicyHolder } from '../../access/identities.ts';
import type { Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { encodePolicyDocument } from '../../access/policy-document.ts';
import { AWS_MANAGED_POLICIES } from '../../access/aws-managed-policies.ts';
import { profileShape, profilesOfRole } from './instance-profiles.ts';
import { policyShape } from './managed-policies.ts';
import { versionSummary } from './policy-versions.ts';
import { roleShape } from './roles.ts';
import { groupShape } from './groups.ts';
import type { GroupRecord, IamState, ManagedPolicyRecord, RoleRecord, UserRecord } from './state.ts';
import { attachmentCount, groups, users } from './state.ts';
import { userShape } from './users.ts';

type Entry =
  | { kind: 'user'; user: UserRecord }
  | { kind: 'group'; group: GroupRecord }
  | { kind: 'role'; role: RoleRecord }
  | { kind: 'policy'; policy: ManagedPolicyRecord };

function inlineList(holder: PolicyHolder) {
  return Object.entries(holder.inlinePolicies).map(([PolicyName, text]) => ({
    PolicyName,
    PolicyDocument: encodePolicyDocument(text),
  }));
}

function attachedList(holder: PolicyHolder) {
  return holder.attachedPolicyArns.map((arn) => ({
    PolicyArn: arn,
    PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
  }));
}

function userDetail(state: IamState, user: UserRecord): UserDetail {
  const all = groups(state);
  return {
    ...userShape(user, true),
    UserPolicyList: inlineList(user),
    GroupList: user.groupKeys.flatMap((k) => (all[k] ? [all[k].name] : [])),
    AttachedManagedPolicies: attachedList(user),
    Tags: user.tags,
  };
}

function groupDetail(group: GroupRecord): GroupDetail {
  return {
    ...groupShape(group),
    GroupPolicyList: inlineList(group),
    AttachedManagedPolicies: attachedList(group),
  };
}

function roleDetail(state: IamState, role: RoleRecord): RoleDetail {
  const { Description: _d, MaxSessionDuration: _m, ...shape } = roleShape(role, true);
  return {
    ...shape,
    InstanceProfileList: profilesOfRole(state, role.name.toLowerCase()).map((p) =>
      profileShape(state, p, false),
    ),
    RolePolicyList: inlineList(role),
    AttachedManagedPolicies: attachedList(role),
    Tags: role.tags,
  };
}

function policyDetail(state: IamState, policy: ManagedPolicyRecord): ManagedPolicyDetail {
  const { Tags: _t, ...shape } = policyShape(state, policy);
  return {
    ...shape,
    PolicyVersionList: policy.versions.map((v) => ({
      ...versionSummary(policy, v),
      Document: encodePolicyDocument(v.document),
    })),
  };
}

export const getAccountAuthorizationDetails: Handler<
  GetAccountAuthorizationDetailsRequest,
  GetAccountAuthorizationDetailsResponse,
  IamState
> = (input, ctx) => {
  const { state } = ctx;
  const wanted = new Set(
    input.Filter?.length ? input.Filter : ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'],
  );
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
  const entries: Entry[] = [
    ...(wanted.has('User')
      ? Object.values(users(state))
          .sort(byName)
          .map((user) => ({ kind: 'user' as const, user }))
      : []),
    ...(wanted.has('Group')
      ? Object.values(groups(state))
          .sort(byName)
          .map((group) => ({ kind: 'group' as const, group }))
      : []),
    ...(wanted.has('Role')
      ? Object.values(state.roles)
          .sort(byName)
          .map((role) => ({ kind: 'role' as const, role }))
      : []),
    ...(wanted.has('LocalManagedPolicy')
      ? Object.values(state.policies)
          .sort(byName)
          .map((policy) => ({ kind: 'policy' as const, policy }))
      : []),
    ...(wanted.has('AWSManagedPolicy')
      ? [...AWS_MANAGED_POLICIES.values()]
          .filter((p) => attachmentCount(state, p.arn) > 0)
          .sort(byName)
          .map((policy) => ({ kind: 'policy' as const, policy }))
      : []),
  ];
  const { page, nextToken } = paginate(entries, input.MaxItems, input.Marker);
  return {
    UserDetailList: page.flatMap((e) => (e.kind === 'user' ? [userDetail(state, e.user)] : [])),
    GroupDetailList: page.flatMap((e) => (e.kind === 'group' ? [groupDetail(e.group)] : [])),
    RoleDetailList: page.flatMap((e) => (e.kind === 'role' ? [roleDetail(state, e.role)] : [])),
    Policies: page.flatMap((e) => (e.kind === 'policy' ? [policyDetail(state, e.policy)] : [])),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};
