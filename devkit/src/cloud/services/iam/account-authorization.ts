/**
 * GetAccountAuthorizationDetails: every role and managed policy of the account with their documents,
 * in one paged listing (what auditors and IaC importers read). The local IAM has no users or groups,
 * so their lists are empty. AWS managed policies are listed when something in the account uses them.
 */
import type {
  GetAccountAuthorizationDetailsRequest,
  GetAccountAuthorizationDetailsResponse,
  ManagedPolicyDetail,
  RoleDetail,
} from '@aws-sdk/client-iam';
import type { Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { encodePolicyDocument } from '../../access/policy-document.ts';
import { AWS_MANAGED_POLICIES } from '../../access/aws-managed-policies.ts';
import { profileShape, profilesOfRole } from './instance-profiles.ts';
import { policyShape } from './managed-policies.ts';
import { versionSummary } from './policy-versions.ts';
import { roleShape } from './roles.ts';
import type { IamState, ManagedPolicyRecord, RoleRecord } from './state.ts';
import { attachmentCount } from './state.ts';

type Entry = { kind: 'role'; role: RoleRecord } | { kind: 'policy'; policy: ManagedPolicyRecord };

function roleDetail(state: IamState, role: RoleRecord): RoleDetail {
  const { Description: _d, MaxSessionDuration: _m, ...shape } = roleShape(role, true);
  return {
    ...shape,
    InstanceProfileList: profilesOfRole(state, role.name.toLowerCase()).map((p) =>
      profileShape(state, p, false),
    ),
    RolePolicyList: Object.entries(role.inlinePolicies).map(([PolicyName, text]) => ({
      PolicyName,
      PolicyDocument: encodePolicyDocument(text),
    })),
    AttachedManagedPolicies: role.attachedPolicyArns.map((arn) => ({
      PolicyArn: arn,
      PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
    })),
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
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: page.flatMap((e) => (e.kind === 'role' ? [roleDetail(state, e.role)] : [])),
    Policies: page.flatMap((e) => (e.kind === 'policy' ? [policyDetail(state, e.policy)] : [])),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};
