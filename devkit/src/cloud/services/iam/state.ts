/** IAM's recorded state and the lookups every IAM handler shares. */
import type { DeletionTaskFailureReasonType, PasswordPolicy, StatusType, Tag } from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import { MAX_TAGS_PER_RESOURCE, nameMap } from '../common.ts';
import type {
  GroupFacts,
  IamRecords,
  ManagedPolicyRecord,
  OidcProviderRecord,
  RoleFacts,
  UserFacts,
} from '../../access/identities.ts';
import { AWS_MANAGED_POLICIES } from '../../access/aws-managed-policies.ts';

/** A role: what those who assume it and the gateway read (RoleFacts, shared), and what IAM alone keeps. */
export interface RoleRecord extends RoleFacts {
  path: string;
  createdMs: number;
  description?: string;
}

export type {
  AccessKeyRecord,
  ManagedPolicyRecord,
  PolicyVersionRecord,
  GroupFacts as GroupRecord,
} from '../../access/identities.ts';

/** A user: what signing and policy evaluation read (UserFacts, shared), and the credentials IAM alone keeps. */
export interface UserRecord extends UserFacts {
  /** Console password (a scrypt hash only). Absent: no console access. */
  loginProfile?: LoginProfileRecord;
  /** CodeCommit's SSH keys. Absent in state saved before they existed. */
  sshPublicKeys?: SshPublicKeyRecord[];
  /** X.509 certificates for SOAP-era signing (at most two). */
  signingCertificates?: SigningCertificateRecord[];
  /** CodeCommit Git credentials, Keyspaces passwords, Bedrock API keys. */
  serviceSpecificCredentials?: ServiceSpecificCredentialRecord[];
}

export interface LoginProfileRecord {
  createdMs: number;
  /** `scrypt$<salt>$<hash>`, base64: the password itself is never kept. */
  passwordHash: string;
  passwordChangedMs: number;
  passwordResetRequired: boolean;
  /** Earlier passwords' hashes, newest first, for the policy's PasswordReusePrevention. */
  previousHashes: string[];
}

export interface SshPublicKeyRecord {
  id: string;
  /** `ssh-rsa <base64>`: the key as GetSSHPublicKey's SSH encoding answers it. */
  body: string;
  /** The PEM block it was uploaded as, if it was: GetSSHPublicKey's PEM encoding answers that. */
  pem?: string;
  fingerprint: string;
  status: 'Active' | 'Inactive';
  uploadedMs: number;
}

export interface SigningCertificateRecord {
  id: string;
  body: string;
  /** SHA-256, for DuplicateCertificate: a certificate belongs to one user in the account. */
  fingerprint: string;
  status: 'Active' | 'Inactive';
  uploadedMs: number;
}

export interface ServiceSpecificCredentialRecord {
  id: string;
  serviceName: string;
  /** CodeCommit and Keyspaces: a user name and password; Bedrock: an alias and a secret. */
  serviceUserName?: string;
  serviceCredentialAlias?: string;
  status: 'Active' | 'Inactive';
  createdMs: number;
  expiresMs?: number;
}

/** A virtual MFA device: the account's, assigned to at most one user. */
export interface VirtualMfaDeviceRecord {
  serialNumber: string;
  /** The TOTP secret, base32 (RFC 4648), as CreateVirtualMFADevice hands it out. */
  seed: string;
  createdMs: number;
  tags: Tag[];
  /** The assigned user's id (stable across renames), and since when. */
  userId?: string;
  enabledMs?: number;
  /** The last time step a code was accepted at: a code is good once (RFC 6238, section 5.2). */
  lastStep?: number;
}

export interface InstanceProfileRecord {
  name: string;
  id: string;
  path: string;
  arn: string;
  createdMs: number;
  /** Lower-cased names of its roles (IAM allows one). */
  roleKeys: string[];
  tags: Tag[];
}

/**
 * A server certificate (UploadServerCertificate): its PEM texts as uploaded. The private key is kept
 * here as Secrets Manager keeps secret values, in the owner-only state files; no IAM answer returns
 * it, and only the load balancers' data plane reads it (to terminate TLS).
 */
export interface ServerCertificateRecord {
  name: string;
  /** `ASCA...`: stable across renames, so a listener that uses it keeps it (ELBv2 refers to it by id). */
  id: string;
  path: string;
  arn: string;
  uploadedMs: number;
  /** The certificate's notAfter. */
  expirationMs: number;
  body: string;
  chain?: string;
  privateKey: string;
  tags: Tag[];
}

export interface IamState extends IamRecords {
  /** Keyed by lower-cased name. Absent in state saved before users existed: see `users()`. */
  users?: Record<string, UserRecord>;
  /** Virtual MFA devices by serial number (their ARN). */
  mfaDevices?: Record<string, VirtualMfaDeviceRecord>;
  /** The last credential report GenerateCredentialReport made. */
  credentialReport?: { generatedMs: number; csv: string };
  /** Keyed by lower-cased name: IAM names are unique regardless of case. */
  roles: Record<string, RoleRecord>;
  /** Keyed by lower-cased name. Absent in state saved before profiles existed: see `instanceProfiles()`. */
  instanceProfiles?: Record<string, InstanceProfileRecord>;
  /** The account's alias (IAM allows one). */
  accountAliases?: string[];
  /** The account's password policy for IAM users, once set. */
  passwordPolicy?: PasswordPolicy;
  /** DeleteServiceLinkedRole's tasks by DeletionTaskId: how each ended. */
  serviceLinkedRoleDeletions?: Record<string, ServiceLinkedRoleDeletion>;
  /** Keyed by lower-cased name. Absent in state saved before server certificates existed. */
  serverCertificates?: Record<string, ServerCertificateRecord>;
}

export interface ServiceLinkedRoleDeletion {
  status: 'SUCCEEDED' | 'FAILED';
  reason?: DeletionTaskFailureReasonType;
}

export const initialIamState = (): IamState => ({
  roles: nameMap(),
  policies: nameMap(),
  openIdConnectProviders: nameMap(),
});

/** OIDC providers by ARN (created on first use in state saved before providers existed). */
export function oidcProviders(state: IamState): Record<string, OidcProviderRecord> {
  return (state.openIdConnectProviders ??= nameMap());
}

/** Users by lower-cased name (created on first use in state saved before users existed). */
export function users(state: IamState): Record<string, UserRecord> {
  return (state.users ??= nameMap());
}

/** Groups by lower-cased name (created on first use in state saved before groups existed). */
export function groups(state: IamState): Record<string, GroupFacts> {
  return (state.groups ??= nameMap());
}

/** Access key id → its user's lower-cased name. */
export function accessKeyOwners(state: IamState): Record<string, string> {
  return (state.accessKeys ??= nameMap());
}

/** Server certificates by lower-cased name (created on first use in state saved before them). */
export function serverCertificates(state: IamState): Record<string, ServerCertificateRecord> {
  return (state.serverCertificates ??= nameMap());
}

export function findUser(state: IamState, name: string): UserRecord {
  const user = users(state)[name.toLowerCase()];
  if (!user) throw noSuchEntity(`The user with name ${name} cannot be found.`);
  return user;
}

export function findGroup(state: IamState, name: string): GroupFacts {
  const group = groups(state)[name.toLowerCase()];
  if (!group) throw noSuchEntity(`The group with name ${name} cannot be found.`);
  return group;
}

/** Virtual MFA devices by serial number (created on first use in state saved before they existed). */
export function mfaDevices(state: IamState): Record<string, VirtualMfaDeviceRecord> {
  return (state.mfaDevices ??= nameMap());
}

/** The MFA devices enabled for a user, oldest first. */
export function userMfaDevices(state: IamState, user: UserRecord): VirtualMfaDeviceRecord[] {
  return Object.values(mfaDevices(state))
    .filter((d) => d.userId === user.id)
    .sort((a, b) => a.enabledMs! - b.enabledMs!);
}

/** Instance profiles by lower-cased name (created on first use in state saved before they existed). */
export function instanceProfiles(state: IamState): Record<string, InstanceProfileRecord> {
  return (state.instanceProfiles ??= nameMap());
}

export function noSuchEntity(message: string): ServiceError {
  return new ServiceError(message, { code: 'NoSuchEntity', status: 404 });
}

export function entityAlreadyExists(message: string): ServiceError {
  return new ServiceError(message, { code: 'EntityAlreadyExists', status: 409 });
}

export function invalidInput(message: string): ServiceError {
  return new ServiceError(message, { code: 'InvalidInput' });
}

/** The status a user's SSH key, certificate or service credential may be given (Expired is IAM's to set). */
export function settableStatus(status: StatusType): 'Active' | 'Inactive' {
  if (status !== 'Active' && status !== 'Inactive') {
    throw invalidInput(`Status must be Active or Inactive, not ${status}.`);
  }
  return status;
}

export function deleteConflict(message: string): ServiceError {
  return new ServiceError(message, { code: 'DeleteConflict', status: 409 });
}

/** `existing` with `added` set over it, within IAM's quota of 50 tags per resource. */
export function mergeTags(
  existing: Tag[],
  added: Tag[],
  quota:
    | 'TagsPerRole'
    | 'TagsPerUser'
    | 'TagsPerOpenIdConnectProvider'
    | 'TagsPerPolicy'
    | 'TagsPerInstanceProfile'
    | 'TagsPerMFADevice'
    | 'TagsPerServerCertificate',
): Tag[] {
  const merged = new Map(existing.map((t) => [t.Key, t.Value]));
  for (const tag of added) merged.set(tag.Key, tag.Value);
  if (merged.size > MAX_TAGS_PER_RESOURCE) {
    throw new ServiceError(`Cannot exceed quota for ${quota}: ${MAX_TAGS_PER_RESOURCE}.`, {
      code: 'LimitExceeded',
      status: 409,
    });
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

export function findRole(state: IamState, name: string): RoleRecord {
  const role = state.roles[name.toLowerCase()];
  if (!role) throw noSuchEntity(`The role with name ${name} cannot be found.`);
  return role;
}

/** A customer managed policy, or one of AWS's own (`arn:aws:iam::aws:policy/...`). */
export function findPolicy(state: IamState, arn: string): ManagedPolicyRecord | undefined {
  return state.policies[arn] ?? AWS_MANAGED_POLICIES.get(arn);
}

export function policyOrNoSuchEntity(state: IamState, arn: string): ManagedPolicyRecord {
  const policy = findPolicy(state, arn);
  if (!policy) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
  return policy;
}

/** A permissions boundary is a managed policy (customer or AWS managed) that exists. */
export function boundaryArn(state: IamState, arn: string): string {
  const policy = findPolicy(state, arn);
  if (!policy) throw noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);
  return policy.arn;
}

/** A customer managed policy, which the caller may change (AWS's own are not theirs to change). */
export function customerPolicy(state: IamState, arn: string): ManagedPolicyRecord {
  const policy = policyOrNoSuchEntity(state, arn);
  if (state.policies[arn] !== policy) {
    throw new ServiceError(`Policy ${arn} is an AWS managed policy and cannot be modified.`, {
      code: 'UnmodifiableEntity',
    });
  }
  return policy;
}

export { defaultVersion } from '../../access/identities.ts';

/** The roles, users and groups a managed policy is attached to. */
export function attachmentCount(state: IamState, policyArn: string): number {
  const holders = [
    ...Object.values(state.roles),
    ...Object.values(users(state)),
    ...Object.values(groups(state)),
  ];
  return holders.filter((h) => h.attachedPolicyArns.includes(policyArn)).length;
}

/** The roles and users a managed policy bounds. */
export function boundaryUsageCount(state: IamState, policyArn: string): number {
  const bounded = [...Object.values(state.roles), ...Object.values(users(state))];
  return bounded.filter((b) => b.permissionsBoundary === policyArn).length;
}

/**
 * `AROA` + 17 characters, as IAM's unique ids look (roles AROA, users AIDA, groups AGPA, policies
 * ANPA, instance profiles AIPA); SSH keys (APKA) and service-specific credentials (ACCA) have 16,
 * signing certificates no prefix and 28; server certificates ASCA.
 */
export function uniqueId(
  prefix: 'AROA' | 'AIDA' | 'AGPA' | 'ANPA' | 'AIPA' | 'APKA' | 'ACCA' | 'ASCA' | '',
  length = 17,
): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = prefix;
  for (let i = 0; i < length; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
  return id;
}

const PATH_PATTERN = '((/[A-Za-z0-9\\.,\\+@=_-]+)*)/';

/** IAM paths: `/` or `/a/b/`, as the model's pattern says. */
export function checkPath(path: string): void {
  if (!new RegExp(`^${PATH_PATTERN}$`).test(path)) {
    throw new ServiceError(
      `1 validation error detected: Value '${path}' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ${PATH_PATTERN}`,
      { code: 'ValidationError' },
    );
  }
}
