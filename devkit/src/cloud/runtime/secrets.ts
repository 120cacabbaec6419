/**
 * Secrets as the ECS agent injects them at task start: each `valueFrom` read from the local
 * Secrets Manager of the region its ARN names (the task's own region for a bare name).
 */
import { initialSecretsState, resolveSecretValue } from '../services/secretsmanager/index.ts';
import type { StateStore } from '../state/store.ts';
import type { SecretResolver } from './task-spec.ts';

export function secretsManagerResolver(store: StateStore): SecretResolver {
  return (taskRegion, valueFrom) => {
    const region = valueFrom.startsWith('arn:') ? (valueFrom.split(':')[3] ?? taskRegion) : taskRegion;
    return resolveSecretValue(store.slice('secretsmanager', region, initialSecretsState), valueFrom);
  };
}
