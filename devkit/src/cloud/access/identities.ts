/**
 * The account's identities as IAM and STS record them, for the parts that read another's records:
 * STS reads IAM's roles, users and OIDC providers (to assume a role, to issue a user's session), the
 * gateway reads STS's sessions and IAM users' access keys (to know who calls). Services never import each other; the records' shapes live here, once, and
 * each service's state type extends them, so a reader and the writer cannot drift apart.
 */
import type { Tag } from '@aws-sdk/client-iam';
import type { StateStore } from '../state/store.ts';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies.ts';

/** What a role is to those who assume it. */
export interface RoleFacts {
  name: string;
  /** `AROA...`: the start of an assumed-role session's id. */
  id: string;
  arn: string;
  /** The trust policy as the caller sent it (decoded JSON text). */
  assumeRolePolicyDocument: string;
  maxSessionDuration: number;
  tags: Tag[];
  /** Attached managed policies' ARNs (customer managed or AWS managed). */
  attachedPolicyArns: string[];
  /** Inline policies: name → document text. */
  inlinePolicies: Record<string, string>;
  /** The managed policy that bounds what the role's policies can grant (its ARN), if any. */
  permissionsBoundary?: string;
}

export interface PolicyVersionRecord {
  versionId: string;
  document: string;
  createdMs: number;
}

/** A managed policy: its versions, one of them the default (the one IAM evaluates). */
export interface ManagedPolicyRecord {
  name: string;
  id: string;
  path: string;
  arn: string;
  description?: string;
  createdMs: number;
  updatedMs: number;
  defaultVersionId: string;
  versions: PolicyVersionRecord[];
  /** The highest version number given so far (IAM never reuses one); absent means the highest kept. */
  lastVersionNumber?: number;
  tags: Tag[];
}

/** An OpenID Connect identity provider registered in IAM. */
export interface OidcProviderRecord {
  arn: string;
  /** The issuer without its `https://` (`token.actions.githubusercontent.com`), as IAM returns it. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  createdMs: number;
  tags: Tag[];
}

/** An IAM user's long-term access key (`AKIA...`): its secret is shown once, when it is created. */
export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  /** Only an Active key signs calls. */
  status: 'Active' | 'Inactive' | 'Expired';
  createdMs: number;
  /**
   * The key's last signed call. Noted as calls come (no journal write of its own, as AWS too
   * records it only approximately); written to disk with IAM's next change.
   */
  lastUsed?: { timeMs: number; service: string; region: string };
}

/** What policies an IAM user or group carries. */
export interface PolicyHolder {
  /** Attached managed policies' ARNs (customer managed or AWS managed). */
  attachedPolicyArns: string[];
  /** Inline policies: name → document text. */
  inlinePolicies: Record<string, string>;
}

/** An IAM user: who signs with its access keys, and what its policies allow. */
export interface UserFacts extends PolicyHolder {
  name: string;
  /** `AIDA...`: GetCallerIdentity's UserId for the user. */
  id: string;
  path: string;
  arn: string;
  createdMs: number;
  tags: Tag[];
  permissionsBoundary?: string;
  /** At most two, as IAM allows. */
  accessKeys: AccessKeyRecord[];
  /** Lower-cased names of the groups the user is in. */
  groupKeys: string[];
}

/** An IAM group: its policies apply to each of its users. */
export interface GroupFacts extends PolicyHolder {
  name: string;
  /** `AGPA...`. */
  id: string;
  path: string;
  arn: string;
  createdMs: number;
}

export interface IamRecords {
  /** Keyed by lower-cased name: IAM names are unique regardless of case. */
  roles: Record<string, RoleFacts>;
  /** Customer managed policies, keyed by ARN. */
  policies: Record<string, ManagedPolicyRecord>;
  /** Keyed by ARN. Absent in state saved before providers existed. */
  openIdConnectProviders?: Record<string, OidcProviderRecord>;
  /** Keyed by lower-cased name. Absent in state saved before users existed. */
  users?: Record<string, UserFacts>;
  /** Keyed by lower-cased name. Absent in state saved before groups existed. */
  groups?: Record<string, GroupFacts>;
  /** Access key id → its user's lower-cased name: who signs with a key, found in one step. */
  accessKeys?: Record<string, string>;
  /** Deleted access keys' ids (→ when): a deleted key is refused, not taken for the root's. */
  retiredAccessKeys?: Record<string, number>;
}

export function defaultVersion(policy: ManagedPolicyRecord): PolicyVersionRecord {
  return policy.versions.find((v) => v.versionId === policy.defaultVersionId)!;
}

/** A managed policy's default version's document (the one IAM evaluates), customer or AWS managed. */
export function managedPolicyDocument(store: StateStore, arn: string): string | undefined {
  const policies = globalRecords<IamRecords>(store, 'iam')?.policies;
  const policy =
    (policies && Object.hasOwn(policies, arn) ? policies[arn] : undefined) ?? AWS_MANAGED_POLICIES.get(arn);
  return policy ? defaultVersion(policy).document : undefined;
}

/** Temporary credentials STS issued for a role session. */
export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresMs: number;
  roleArn: string;
  roleName: string;
  /** `AROA...:session-name`. */
  assumedRoleId: string;
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  assumedRoleArn: string;
  /** For web identity sessions: the provider's ARN and the token's subject. */
  webIdentity?: { providerArn: string; subject: string };
  /** Session policies (AssumeRole's `Policy` and `PolicyArns`): they cap what the role's policies allow. */
  sessionPolicy?: string;
  sessionPolicyArns?: string[];
}

/**
 * Temporary credentials STS issued to an IAM user or the account root: GetSessionToken's (they act
 * as the user) and GetFederationToken's (a federated user: the user's policies ∩ the session policy).
 */
export interface UserSessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresMs: number;
  /** The IAM user whose credentials asked for the session; absent for the account root's. */
  userName?: string;
  /** GetFederationToken's: `arn:aws:sts::<account>:federated-user/<name>` and `<account>:<name>`. */
  federatedUser?: { arn: string; id: string };
  sessionPolicy?: string;
  sessionPolicyArns?: string[];
}

export interface StsRecords {
  /** Keyed by access key id. */
  sessions: Record<string, SessionRecord>;
  /** Users' and the root's sessions, keyed by access key id. Absent in state saved before they existed. */
  userSessions?: Record<string, UserSessionRecord>;
}

/** IAM and STS are global: one state each, recorded under this region name. */
const GLOBAL = 'global';

function globalRecords<T>(store: StateStore, service: string): T | undefined {
  return store.regions<T>(service).find(([region]) => region === GLOBAL)?.[1];
}

/** The role an ARN names (`arn:aws:iam::<account>:role/<path>/<name>`), if IAM has it. */
export function roleByArn(store: StateStore, arn: string): RoleFacts | undefined {
  const name = arn.slice(arn.lastIndexOf('/') + 1).toLowerCase();
  const roles = globalRecords<IamRecords>(store, 'iam')?.roles;
  const role = roles && Object.hasOwn(roles, name) ? roles[name] : undefined;
  return role?.arn === arn ? role : undefined;
}

/** The OIDC provider registered for an issuer (`https://host/path`, as a token's `iss` names it). */
export function oidcProviderForIssuer(
  store: StateStore,
  accountId: string,
  issuer: string,
): OidcProviderRecord | undefined {
  const providers = globalRecords<IamRecords>(store, 'iam')?.openIdConnectProviders;
  const arn = oidcProviderArn(accountId, issuer);
  return providers && Object.hasOwn(providers, arn) ? providers[arn] : undefined;
}

/** `arn:aws:iam::<account>:oidc-provider/<host/path>`: the issuer without scheme or trailing slash. */
export function oidcProviderArn(accountId: string, issuerUrl: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${issuerHostPath(issuerUrl)}`;
}

export function issuerHostPath(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//i, '').replace(/\/+$/, '');
}

/** The session STS issued under an access key id, if any. */
export function sessionByAccessKey(store: StateStore, accessKeyId: string): SessionRecord | undefined {
  const sessions = globalRecords<StsRecords>(store, 'sts')?.sessions;
  return sessions && Object.hasOwn(sessions, accessKeyId) ? sessions[accessKeyId] : undefined;
}

/** The session STS issued to a user or the root under an access key id, if any. */
export function userSessionByAccessKey(
  store: StateStore,
  accessKeyId: string,
): UserSessionRecord | undefined {
  const sessions = globalRecords<StsRecords>(store, 'sts')?.userSessions;
  return sessions && Object.hasOwn(sessions, accessKeyId) ? sessions[accessKeyId] : undefined;
}

/** The IAM user by name (IAM names are unique regardless of case). */
export function userByName(store: StateStore, name: string): UserFacts | undefined {
  const users = globalRecords<IamRecords>(store, 'iam')?.users;
  const key = name.toLowerCase();
  return users && Object.hasOwn(users, key) ? users[key] : undefined;
}

/** The IAM user that owns a long-term access key, with the key. */
export function userAccessKey(
  store: StateStore,
  accessKeyId: string,
): { user: UserFacts; key: AccessKeyRecord } | undefined {
  const records = globalRecords<IamRecords>(store, 'iam');
  const owner =
    records?.accessKeys && Object.hasOwn(records.accessKeys, accessKeyId)
      ? records.accessKeys[accessKeyId]
      : undefined;
  const user = owner === undefined ? undefined : userByName(store, owner);
  const key = user?.accessKeys.find((k) => k.accessKeyId === accessKeyId);
  return user && key ? { user, key } : undefined;
}

/** Whether an access key id was an IAM user's, since deleted. */
export function isRetiredAccessKey(store: StateStore, accessKeyId: string): boolean {
  const retired = globalRecords<IamRecords>(store, 'iam')?.retiredAccessKeys;
  return retired !== undefined && Object.hasOwn(retired, accessKeyId);
}

/** The groups a user is in. */
export function groupsOfUser(store: StateStore, user: UserFacts): GroupFacts[] {
  const groups = globalRecords<IamRecords>(store, 'iam')?.groups;
  return user.groupKeys.flatMap((key) => (groups && Object.hasOwn(groups, key) ? [groups[key]!] : []));
}
