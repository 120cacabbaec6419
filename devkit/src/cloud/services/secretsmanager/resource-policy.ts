/**
 * A secret's resource policy, as stored state: kept as given and handed back; with IAM enforced,
 * evaluated with the caller's policies (the task runtime's execution role reads it).
 */
import type {
  DeleteResourcePolicyRequest,
  DeleteResourcePolicyResponse,
  GetResourcePolicyRequest,
  GetResourcePolicyResponse,
  PutResourcePolicyRequest,
  PutResourcePolicyResponse,
} from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler } from '../../service-definition.ts';
import { MalformedPolicyDocumentException } from './errors.ts';
import type { SecretsState } from './state.ts';
import { liveSecret } from './state.ts';

function checkPolicy(text: string): string {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    policy = undefined;
  }
  if (!policy || typeof policy !== 'object' || Array.isArray(policy)) {
    throw new MalformedPolicyDocumentException('This resource policy contains a syntax error.');
  }
  return text;
}

export const putResourcePolicy: Handler<
  Checked<PutResourcePolicyRequest, 'SecretId' | 'ResourcePolicy'>,
  PutResourcePolicyResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  secret.resourcePolicy = checkPolicy(input.ResourcePolicy);
  return { ARN: secret.arn, Name: secret.name };
};

export const getResourcePolicy: Handler<
  Checked<GetResourcePolicyRequest, 'SecretId'>,
  GetResourcePolicyResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  return { ARN: secret.arn, Name: secret.name, ResourcePolicy: secret.resourcePolicy };
};

export const deleteResourcePolicy: Handler<
  Checked<DeleteResourcePolicyRequest, 'SecretId'>,
  DeleteResourcePolicyResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  delete secret.resourcePolicy;
  return { ARN: secret.arn, Name: secret.name };
};
