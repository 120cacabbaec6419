/**
 * A secret's resource policy, as stored state: kept as given and handed back; with IAM enforced,
 * evaluated with the caller's policies (the task runtime's execution role reads it).
 * ValidateResourcePolicy checks a policy with IAM's resource-policy grammar (cloud/access): a
 * grammar error is MalformedPolicyDocumentException with IAM's sentence; a policy that grants
 * access to any principal (`*`) without a condition fails with a `BROAD_ACCESS` validation error
 * (the check name is the local cloud's: the reference does not list AWS's). The lock-out check is not made.
 */
import type {
  DeleteResourcePolicyRequest,
  DeleteResourcePolicyResponse,
  GetResourcePolicyRequest,
  GetResourcePolicyResponse,
  PutResourcePolicyRequest,
  PutResourcePolicyResponse,
  ValidateResourcePolicyRequest,
  ValidateResourcePolicyResponse,
  ValidationErrorsEntry,
} from '@aws-sdk/client-secrets-manager';
import { asList, parsePolicyDocument, type PolicyStatement } from '../../access/policy-document.ts';
import { ServiceError } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { MalformedPolicyDocumentException } from './errors.ts';
import type { SecretsState } from './state.ts';
import { findSecret, liveSecret, writableSecret } from './state.ts';

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
  const secret = writableSecret(ctx.state, input.SecretId);
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
  const secret = writableSecret(ctx.state, input.SecretId);
  delete secret.resourcePolicy;
  return { ARN: secret.arn, Name: secret.name };
};

/** Whether a statement allows every principal, unconditionally. */
function grantsEveryone(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow' || statement.Condition !== undefined) return false;
  const principal = statement.Principal as unknown;
  if (principal === '*') return true;
  if (principal === null || typeof principal !== 'object') return false;
  return asList((principal as Record<string, unknown>).AWS as string | string[] | undefined).includes('*');
}

export const validateResourcePolicy: Handler<
  Checked<ValidateResourcePolicyRequest, 'ResourcePolicy'>,
  ValidateResourcePolicyResponse,
  SecretsState
> = (input, ctx) => {
  if (input.SecretId !== undefined) findSecret(ctx.state, input.SecretId);
  let statements: PolicyStatement[];
  try {
    statements = parsePolicyDocument(input.ResourcePolicy, 'resource').Statement;
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    throw new MalformedPolicyDocumentException(error.message);
  }
  const ValidationErrors: ValidationErrorsEntry[] = statements.filter(grantsEveryone).map((s) => ({
    CheckName: 'BROAD_ACCESS',
    ErrorMessage: `The statement${s.Sid ? ` ${s.Sid}` : ''} grants access to every principal (*) without a condition: Secrets Manager blocks resource policies that allow broad access.`,
  }));
  return { PolicyValidationPassed: ValidationErrors.length === 0, ValidationErrors };
};
