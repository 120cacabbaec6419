/**
 * Secret values: GetSecretValue, PutSecretValue and BatchGetSecretValue. BatchGetSecretValue takes
 * SecretIdList or Filters (not both; MaxResults and NextToken with Filters only: the local cloud's
 * choice of error is InvalidParameterException); a secret it cannot read is listed in Errors with the
 * error GetSecretValue would give. Under --enforce-iam the call needs secretsmanager:BatchGetSecretValue
 * (and ListSecrets with Filters); GetSecretValue is decided for each secret, and a secret it is
 * denied on is listed in Errors as AccessDeniedException while the others are returned, as the API
 * reference documents.
 */
import type {
  APIErrorType,
  BatchGetSecretValueRequest,
  BatchGetSecretValueResponse,
  SecretValueEntry,
  GetSecretValueRequest,
  GetSecretValueResponse,
  PutSecretValueRequest,
  PutSecretValueResponse,
} from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { arn } from '../common.ts';
import { ServiceError } from '../../protocol/errors.ts';
import { InvalidParameterException } from './errors.ts';
import { secretRequirement } from './permissions.ts';
import { checkFilterKeys, pageOf, secretsMatching } from './secrets.ts';
import type { SecretRecord, SecretsState } from './state.ts';
import { syncReplicas } from './replication.ts';
import { accessDay, liveSecret, writableSecret } from './state.ts';
import { addVersion, hasValue, selectVersion } from './versions.ts';

function readValue(
  secret: SecretRecord,
  versionId: string | undefined,
  versionStage: string | undefined,
): SecretValueEntry {
  const version = selectVersion(secret, versionId, versionStage);
  secret.lastAccessedMs = accessDay(Date.now());
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    SecretString: version.secretString,
    SecretBinary:
      version.secretBinary === undefined ? undefined : Buffer.from(version.secretBinary, 'base64'),
    VersionStages: [...version.stages],
    CreatedDate: new Date(version.createdMs),
  };
}

export const getSecretValue: Handler<
  Checked<GetSecretValueRequest, 'SecretId'>,
  GetSecretValueResponse,
  SecretsState
> = (input, ctx) => readValue(liveSecret(ctx.state, input.SecretId), input.VersionId, input.VersionStage);

/** One secret of a batch: its value, or the entry for Errors (AccessDeniedException first, as IAM decides before the secret is read). */
function batchEntry(
  ctx: RequestContext<SecretsState>,
  secretId: string,
): { value: SecretValueEntry } | { error: APIErrorType } {
  const refusal = ctx.itemRefusal(
    secretRequirement(ctx.state, secretId, 'secretsmanager:GetSecretValue', (resource) =>
      arn('secretsmanager', ctx.region, ctx.accountId, resource),
    ),
  );
  if (refusal !== undefined) {
    return { error: { SecretId: secretId, ErrorCode: 'AccessDeniedException', Message: refusal } };
  }
  try {
    return { value: readValue(liveSecret(ctx.state, secretId), undefined, undefined) };
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { error: { SecretId: secretId, ErrorCode: error.code, Message: error.message } };
  }
}

export const batchGetSecretValue: Handler<
  BatchGetSecretValueRequest,
  BatchGetSecretValueResponse,
  SecretsState
> = (input, ctx) => {
  const ids = input.SecretIdList;
  if ((ids === undefined) === (input.Filters === undefined)) {
    throw new InvalidParameterException('Either SecretIdList or Filters must be specified, but not both.');
  }
  if (ids !== undefined && (input.MaxResults !== undefined || input.NextToken !== undefined)) {
    throw new InvalidParameterException('MaxResults and NextToken can be used only with Filters.');
  }
  const SecretValues: SecretValueEntry[] = [];
  const Errors: APIErrorType[] = [];
  const add = (entry: ReturnType<typeof batchEntry>) =>
    'value' in entry ? SecretValues.push(entry.value) : Errors.push(entry.error);
  if (ids !== undefined) {
    for (const id of ids) add(batchEntry(ctx, id));
    return { SecretValues, Errors };
  }
  checkFilterKeys(input.Filters);
  const { page, nextToken } = pageOf(
    secretsMatching(ctx.state, input.Filters),
    input.MaxResults,
    input.NextToken,
    20,
  );
  for (const secret of page) add(batchEntry(ctx, secret.arn));
  return { SecretValues, Errors, ...(nextToken ? { NextToken: nextToken } : {}) };
};

/** A new version, AWSCURRENT unless VersionStages says otherwise; the version it replaces becomes AWSPREVIOUS. */
export const putSecretValue: Handler<
  Checked<PutSecretValueRequest, 'SecretId'>,
  PutSecretValueResponse,
  SecretsState
> = (input, ctx) => {
  const secret = writableSecret(ctx.state, input.SecretId);
  const value = {
    clientRequestToken: input.ClientRequestToken,
    secretString: input.SecretString,
    secretBinary: input.SecretBinary,
    versionStages: input.VersionStages,
  };
  if (!hasValue(value))
    throw new InvalidParameterException('You must provide either SecretString or SecretBinary.');
  const version = addVersion(secret, value, Date.now());
  syncReplicas(ctx, secret);
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    VersionStages: [...version.stages],
  };
};
