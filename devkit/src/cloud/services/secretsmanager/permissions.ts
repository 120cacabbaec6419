/**
 * What each Secrets Manager operation asks of IAM (Service Authorization Reference, AWS Secrets
 * Manager): the secret's full ARN, its tags as aws:ResourceTag/*, and its resource policy; a
 * secret created with tags needs secretsmanager:TagResource too.
 */
import {
  anyResource,
  requestTags,
  resourceTags,
  taggedOnCreate,
  type AuthorizationCatalogue,
  type AuthorizationScope,
  type OperationAuthorization,
  type RequiredAction,
} from '../../access/authorization.ts';
import type { SecretRecord, SecretsState } from './state.ts';

type Scope = AuthorizationScope<SecretsState>;

/** The secret a SecretId names (name, ARN or partial ARN), read without changing state. */
function lookup(state: SecretsState, secretId: string): SecretRecord | undefined {
  if (!secretId.startsWith('arn:'))
    return Object.hasOwn(state.secrets, secretId) ? state.secrets[secretId] : undefined;
  return Object.values(state.secrets).find((s) => s.arn === secretId || s.arn.slice(0, -7) === secretId);
}

/**
 * What `action` on the secret a SecretId names asks: its ARN, tags and resource policy. A secret
 * that does not exist (yet) is evaluated by the ARN it would have: its name and a suffix.
 */
export function secretRequirement(
  state: SecretsState,
  secretId: string,
  action: string,
  arnOf: (resource: string) => string,
  context: RequiredAction['context'] = {},
): RequiredAction {
  const record = lookup(state, secretId);
  const resource =
    record?.arn ?? (secretId.startsWith('arn:') ? secretId : arnOf(`secret:${secretId}-??????`));
  return {
    action,
    resource,
    context: { ...resourceTags(record?.tags), ...context },
    ...(record?.resourcePolicy
      ? { resourcePolicy: { source: `resource policy of ${record.arn}`, text: record.resourcePolicy } }
      : {}),
  };
}

function secret(secretId: string, at: Scope, context: RequiredAction['context'] = {}): RequiredAction {
  return secretRequirement(at.state, secretId, at.action, at.arn, context);
}

const onSecret: OperationAuthorization<SecretsState> = (i, at) => [secret(i.SecretId, at)];

export const secretsManagerAuthorization: AuthorizationCatalogue<SecretsState> = {
  prefix: 'secretsmanager',
  operations: {
    CreateSecret: (i, at) =>
      taggedOnCreate(secret(i.Name, at, requestTags(i.Tags)), i.Tags?.length > 0, {
        action: 'secretsmanager:TagResource',
      }),
    DescribeSecret: onSecret,
    UpdateSecret: onSecret,
    DeleteSecret: onSecret,
    RestoreSecret: onSecret,
    ListSecrets: anyResource,
    GetSecretValue: onSecret,
    PutSecretValue: onSecret,
    TagResource: (i, at) => [secret(i.SecretId, at, requestTags(i.Tags))],
    UntagResource: (i, at) => [secret(i.SecretId, at, { 'aws:TagKeys': i.TagKeys })],
    GetRandomPassword: anyResource,
    PutResourcePolicy: onSecret,
    GetResourcePolicy: onSecret,
    DeleteResourcePolicy: onSecret,
    RotateSecret: onSecret,
    CancelRotateSecret: onSecret,
    ListSecretVersionIds: onSecret,
    UpdateSecretVersionStage: onSecret,
    // The call itself on `*`, and ListSecrets with filters; GetSecretValue on each secret is
    // decided per secret by the handler (values.ts), as a denied one is an entry in Errors.
    BatchGetSecretValue: (i, at) => [
      { action: at.action, resource: '*' },
      ...(i.Filters === undefined ? [] : [{ action: 'secretsmanager:ListSecrets', resource: '*' }]),
    ],
    // AWS asks for PutResourcePolicy too, as the policy is validated for putting.
    ValidateResourcePolicy: (i, at) =>
      i.SecretId === undefined
        ? [{ action: at.action, resource: '*' }]
        : [secret(i.SecretId, at), { ...secret(i.SecretId, at), action: 'secretsmanager:PutResourcePolicy' }],
    ReplicateSecretToRegions: onSecret,
    RemoveRegionsFromReplication: onSecret,
    StopReplicationToReplica: onSecret,
  },
};
