/**
 * Versions of customer managed policies: at most five, one of them the default (the one that
 * grants: access/identities.ts resolves a policy to it), version numbers never reused.
 */
import type {
  CreatePolicyVersionRequest,
  CreatePolicyVersionResponse,
  DeletePolicyVersionRequest,
  GetPolicyVersionRequest,
  GetPolicyVersionResponse,
  ListPolicyVersionsRequest,
  ListPolicyVersionsResponse,
  PolicyVersion,
  SetDefaultPolicyVersionRequest,
} from '@aws-sdk/client-iam';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import { encodePolicyDocument, parsePolicyDocument } from '../../access/policy-document.ts';
import type { IamState, ManagedPolicyRecord, PolicyVersionRecord } from './state.ts';
import { customerPolicy, deleteConflict, noSuchEntity, policyOrNoSuchEntity } from './state.ts';

const MAX_VERSIONS = 5;

function versionOf(policy: ManagedPolicyRecord, versionId: string): PolicyVersionRecord {
  const version = policy.versions.find((v) => v.versionId === versionId);
  if (!version) {
    throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
  }
  return version;
}

function versionNumber(versionId: string): number {
  return Number(versionId.slice(1));
}

/** A version as the list and create calls show it: without its document. */
export function versionSummary(policy: ManagedPolicyRecord, version: PolicyVersionRecord): PolicyVersion {
  return {
    VersionId: version.versionId,
    IsDefaultVersion: version.versionId === policy.defaultVersionId,
    CreateDate: toDate(version.createdMs)!,
  };
}

export const createPolicyVersion: Handler<
  Checked<CreatePolicyVersionRequest, 'PolicyArn' | 'PolicyDocument'>,
  CreatePolicyVersionResponse,
  IamState
> = (input, ctx) => {
  const policy = customerPolicy(ctx.state, input.PolicyArn);
  parsePolicyDocument(input.PolicyDocument, 'permissions');
  if (policy.versions.length >= MAX_VERSIONS) {
    throw new ServiceError(
      `A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      { code: 'LimitExceeded', status: 409 },
    );
  }
  const number =
    Math.max(policy.lastVersionNumber ?? 0, ...policy.versions.map((v) => versionNumber(v.versionId))) + 1;
  const now = Date.now();
  const version: PolicyVersionRecord = {
    versionId: `v${number}`,
    document: input.PolicyDocument,
    createdMs: now,
  };
  policy.versions.push(version);
  policy.lastVersionNumber = number;
  if (input.SetAsDefault) {
    policy.defaultVersionId = version.versionId;
    policy.updatedMs = now;
  }
  return { PolicyVersion: versionSummary(policy, version) };
};

export const getPolicyVersion: Handler<
  Checked<GetPolicyVersionRequest, 'PolicyArn' | 'VersionId'>,
  GetPolicyVersionResponse,
  IamState
> = (input, ctx) => {
  const policy = policyOrNoSuchEntity(ctx.state, input.PolicyArn);
  const version = versionOf(policy, input.VersionId);
  // The document URL-encoded, as IAM returns every policy document.
  return {
    PolicyVersion: { ...versionSummary(policy, version), Document: encodePolicyDocument(version.document) },
  };
};

export const listPolicyVersions: Handler<
  Checked<ListPolicyVersionsRequest, 'PolicyArn'>,
  ListPolicyVersionsResponse,
  IamState
> = (input, ctx) => {
  const policy = policyOrNoSuchEntity(ctx.state, input.PolicyArn);
  // Newest first, as IAM lists them.
  const versions = [...policy.versions].sort(
    (a, b) => versionNumber(b.versionId) - versionNumber(a.versionId),
  );
  const { page, nextToken } = paginate(versions, input.MaxItems, input.Marker);
  return {
    Versions: page.map((v) => versionSummary(policy, v)),
    IsTruncated: nextToken !== undefined,
    ...(nextToken ? { Marker: nextToken } : {}),
  };
};

export const deletePolicyVersion: Handler<
  Checked<DeletePolicyVersionRequest, 'PolicyArn' | 'VersionId'>,
  void,
  IamState
> = (input, ctx) => {
  const policy = customerPolicy(ctx.state, input.PolicyArn);
  const version = versionOf(policy, input.VersionId);
  if (version.versionId === policy.defaultVersionId) {
    throw deleteConflict('Cannot delete the default version of a policy.');
  }
  policy.lastVersionNumber = Math.max(
    policy.lastVersionNumber ?? 0,
    ...policy.versions.map((v) => versionNumber(v.versionId)),
  );
  policy.versions = policy.versions.filter((v) => v !== version);
};

export const setDefaultPolicyVersion: Handler<
  Checked<SetDefaultPolicyVersionRequest, 'PolicyArn' | 'VersionId'>,
  void,
  IamState
> = (input, ctx) => {
  const policy = customerPolicy(ctx.state, input.PolicyArn);
  policy.defaultVersionId = versionOf(policy, input.VersionId).versionId;
  policy.updatedMs = Date.now();
};
