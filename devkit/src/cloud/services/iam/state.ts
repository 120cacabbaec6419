/** IAM's recorded state and the lookups every IAM handler shares. */
import type { Tag } from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import { nameMap } from '../common.ts';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies.ts';

export interface RoleRecord {
  name: string;
  id: string;
  path: string;
  arn: string;
  createdMs: number;
  /** The trust policy as the caller sent it (decoded JSON text). */
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  attachedPolicyArns: string[];
  /** Inline policies: name → document text. */
  inlinePolicies: Record<string, string>;
}

export interface PolicyVersionRecord {
  versionId: string;
  document: string;
  createdMs: number;
}

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
  tags: Tag[];
}

export interface IamState {
  /** Keyed by lower-cased name: IAM names are unique regardless of case. */
  roles: Record<string, RoleRecord>;
  /** Customer managed policies, keyed by ARN. */
  policies: Record<string, ManagedPolicyRecord>;
}

export const initialIamState = (): IamState => ({ roles: nameMap(), policies: nameMap() });

export function noSuchEntity(message: string): ServiceError {
  return new ServiceError(message, { code: 'NoSuchEntity', status: 404 });
}

export function entityAlreadyExists(message: string): ServiceError {
  return new ServiceError(message, { code: 'EntityAlreadyExists', status: 409 });
}

export function deleteConflict(message: string): ServiceError {
  return new ServiceError(message, { code: 'DeleteConflict', status: 409 });
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

export function defaultVersion(policy: ManagedPolicyRecord): PolicyVersionRecord {
  return policy.versions.find((v) => v.versionId === policy.defaultVersionId)!;
}

export function attachmentCount(state: IamState, policyArn: string): number {
  return Object.values(state.roles).filter((r) => r.attachedPolicyArns.includes(policyArn)).length;
}

/** `AROA` + 17 characters, as IAM's unique ids look (role ids start AROA, policy ids ANPA). */
export function uniqueId(prefix: 'AROA' | 'ANPA'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let id = prefix;
  for (let i = 0; i < 17; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
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
