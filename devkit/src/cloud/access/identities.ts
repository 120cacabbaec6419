/**
 * The account's identities as IAM and STS record them, for the parts that read another's records:
 * STS reads IAM's roles and OIDC providers (to assume a role), the gateway reads STS's sessions (to
 * know who calls). Services never import each other; the records' shapes live here, once, and
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

export interface IamRecords {
  /** Keyed by lower-cased name: IAM names are unique regardless of case. */
  roles: Record<string, RoleFacts>;
  /** Customer managed policies, keyed by ARN. */
  policies: Record<string, ManagedPolicyRecord>;
  /** Keyed by ARN. Absent in state saved before providers existed. */
  openIdConnectProviders?: Record<string, OidcProviderRecord>;
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

export interface StsRecords {
  /** Keyed by access key id. */
  sessions: Record<string, SessionRecord>;
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
