/**
 * Secrets as the ECS agent injects them at task start: each `valueFrom` read from the local
 * Secrets Manager of the region its ARN names (the task's own region for a bare name); with IAM
 * enforced, as the task's execution role (its GetSecretValue and the secret's resource policy).
 */
import { initialSecretsState, resolveSecretValue } from '../services/secretsmanager/index.ts';
import type { StateStore } from '../state/store.ts';
import type { RoleSession } from './execution-role.ts';
import type { SecretResolver } from './task-spec.ts';

export function secretsManagerResolver(store: StateStore, executionRole?: RoleSession): SecretResolver {
  return (taskRegion, valueFrom) => {
    const region = valueFrom.startsWith('arn:') ? (valueFrom.split(':')[3] ?? taskRegion) : taskRegion;
    const account = executionRole?.principalArn.split(':')[4] ?? '';
    return resolveSecretValue(
      store.slice('secretsmanager', region, initialSecretsState),
      valueFrom,
      executionRole &&
        ((secret) =>
          executionRole.authorize(
            'secretsmanager:GetSecretValue',
            secret.arn ??
              (secret.secretId.startsWith('arn:')
                ? secret.secretId
                : `arn:aws:secretsmanager:${region}:${account}:secret:${secret.secretId}`),
            secret.resourcePolicy,
          )),
    );
  };
}
