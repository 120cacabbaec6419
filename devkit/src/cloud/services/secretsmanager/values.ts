/** Secret values: GetSecretValue and PutSecretValue. */
import type {
  GetSecretValueRequest,
  GetSecretValueResponse,
  PutSecretValueRequest,
  PutSecretValueResponse,
} from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterException } from './errors.ts';
import type { SecretsState } from './state.ts';
import { accessDay, liveSecret } from './state.ts';
import { addVersion, hasValue, selectVersion } from './versions.ts';

export const getSecretValue: Handler<
  Checked<GetSecretValueRequest, 'SecretId'>,
  GetSecretValueResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  const version = selectVersion(secret, input.VersionId, input.VersionStage);
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
};

/** A new version, AWSCURRENT unless VersionStages says otherwise; the version it replaces becomes AWSPREVIOUS. */
export const putSecretValue: Handler<
  Checked<PutSecretValueRequest, 'SecretId'>,
  PutSecretValueResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  const value = {
    clientRequestToken: input.ClientRequestToken,
    secretString: input.SecretString,
    secretBinary: input.SecretBinary,
    versionStages: input.VersionStages,
  };
  if (!hasValue(value))
    throw new InvalidParameterException('You must provide either SecretString or SecretBinary.');
  const version = addVersion(secret, value, Date.now());
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    VersionStages: [...version.stages],
  };
};
