/**
 * Rotation configuration as stored state: RotateSecret records the Lambda and the schedule and
 * DescribeSecret shows them; CancelRotateSecret turns rotation off. The local cloud runs no Lambda,
 * so no rotation happens and no version is added (the answer carries no VersionId).
 */
import type {
  CancelRotateSecretRequest,
  CancelRotateSecretResponse,
  RotateSecretRequest,
  RotateSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidRequestException } from './errors.ts';
import type { SecretsState } from './state.ts';
import { writableSecret } from './state.ts';

export const rotateSecret: Handler<
  Checked<RotateSecretRequest, 'SecretId'>,
  RotateSecretResponse,
  SecretsState
> = (input, ctx) => {
  const secret = writableSecret(ctx.state, input.SecretId);
  const lambdaArn = input.RotationLambdaARN ?? secret.rotation?.lambdaArn;
  if (lambdaArn === undefined) {
    throw new InvalidRequestException('No Lambda rotation function ARN is associated with this secret.');
  }
  secret.rotation = {
    enabled: true,
    lambdaArn,
    ...(input.RotationRules
      ? { rules: input.RotationRules }
      : secret.rotation?.rules
        ? { rules: secret.rotation.rules }
        : {}),
  };
  secret.lastChangedMs = Date.now();
  return { ARN: secret.arn, Name: secret.name };
};

export const cancelRotateSecret: Handler<
  Checked<CancelRotateSecretRequest, 'SecretId'>,
  CancelRotateSecretResponse,
  SecretsState
> = (input, ctx) => {
  const secret = writableSecret(ctx.state, input.SecretId);
  if (secret.rotation) secret.rotation.enabled = false;
  secret.lastChangedMs = Date.now();
  return { ARN: secret.arn, Name: secret.name };
};
