/**
 * ListSecretVersionIds and UpdateSecretVersionStage: a secret's versions and moving its staging
 * labels by hand, with AWS's rules (a label held elsewhere moves only when RemoveFromVersionId names
 * its holder; AWSCURRENT can be moved, never removed; the version AWSCURRENT leaves becomes
 * AWSPREVIOUS). Where the reference is silent, the local cloud chose: a label not on
 * RemoveFromVersionId, or a call naming neither version, is InvalidParameterException; more than 20
 * labels on a version is LimitExceededException; ListSecretVersionIds lists versions oldest first and
 * answers for a secret scheduled for deletion (as DescribeSecret does).
 */
import type {
  ListSecretVersionIdsRequest,
  ListSecretVersionIdsResponse,
  UpdateSecretVersionStageRequest,
  UpdateSecretVersionStageResponse,
} from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterException, LimitExceededException } from './errors.ts';
import { pageOf } from './secrets.ts';
import type { SecretsState } from './state.ts';
import { syncReplicas } from './replication.ts';
import { findSecret, writableSecret } from './state.ts';
import { moveStage, selectVersion } from './versions.ts';

const MAX_LABELS_PER_VERSION = 20;

export const listSecretVersionIds: Handler<
  Checked<ListSecretVersionIdsRequest, 'SecretId'>,
  ListSecretVersionIdsResponse,
  SecretsState
> = (input, ctx) => {
  const secret = findSecret(ctx.state, input.SecretId);
  const versions = secret.versions.filter((v) => input.IncludeDeprecated === true || v.stages.length > 0);
  const { page, nextToken } = pageOf(versions, input.MaxResults, input.NextToken);
  return {
    ARN: secret.arn,
    Name: secret.name,
    Versions: page.map((v) => ({
      VersionId: v.versionId,
      VersionStages: [...v.stages],
      CreatedDate: new Date(v.createdMs),
      ...(secret.kmsKeyId === undefined ? {} : { KmsKeyIds: [secret.kmsKeyId] }),
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const updateSecretVersionStage: Handler<
  Checked<UpdateSecretVersionStageRequest, 'SecretId' | 'VersionStage'>,
  UpdateSecretVersionStageResponse,
  SecretsState
> = (input, ctx) => {
  const secret = writableSecret(ctx.state, input.SecretId);
  const label = input.VersionStage;
  if (input.MoveToVersionId === undefined && input.RemoveFromVersionId === undefined) {
    throw new InvalidParameterException('You must specify MoveToVersionId, RemoveFromVersionId or both.');
  }
  const removeFrom =
    input.RemoveFromVersionId === undefined
      ? undefined
      : selectVersion(secret, input.RemoveFromVersionId, undefined);
  const moveTo =
    input.MoveToVersionId === undefined ? undefined : selectVersion(secret, input.MoveToVersionId, undefined);
  const holder = secret.versions.find((v) => v.stages.includes(label));
  if (removeFrom && !removeFrom.stages.includes(label)) {
    throw new InvalidParameterException(
      `The staging label ${label} is not attached to version ${removeFrom.versionId}, so it can't be removed from it.`,
    );
  }
  if (moveTo && holder && holder !== moveTo && holder !== removeFrom) {
    throw new InvalidParameterException(
      `The parameter RemoveFromVersionId can't be empty. Staging label ${label} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
    );
  }
  if (!moveTo && label === 'AWSCURRENT') {
    throw new InvalidParameterException(
      "You can only move staging label AWSCURRENT to a different secret version. It can't be completely removed.",
    );
  }
  if (moveTo && !moveTo.stages.includes(label) && moveTo.stages.length >= MAX_LABELS_PER_VERSION) {
    throw new LimitExceededException(
      `A secret version can have at most ${MAX_LABELS_PER_VERSION} staging labels.`,
    );
  }
  moveStage(secret, label, moveTo);
  secret.lastChangedMs = Date.now();
  syncReplicas(ctx, secret);
  return { ARN: secret.arn, Name: secret.name };
};
