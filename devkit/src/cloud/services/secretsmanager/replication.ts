/**
 * Replication as stored state: ReplicateSecretToRegions and RemoveRegionsFromReplication keep the
 * replica regions, which DescribeSecret and ListSecrets report (PrimaryRegion, ReplicationStatus
 * `InSync`) and which keep the primary from being deleted, as on AWS. The local cloud makes no
 * replica secret in the other region (each region's state is its own), so StopReplicationToReplica,
 * called in a replica's region, is not served. Where the reference is silent: replicating to the
 * secret's own region or to one twice is InvalidParameterException; removing a region that holds no
 * replica is InvalidParameterException.
 */
import type {
  RemoveRegionsFromReplicationRequest,
  RemoveRegionsFromReplicationResponse,
  ReplicateSecretToRegionsRequest,
  ReplicateSecretToRegionsResponse,
  ReplicationStatusType,
} from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterException } from './errors.ts';
import type { SecretRecord, SecretsState } from './state.ts';
import { liveSecret, regionOf } from './state.ts';

export function replicationStatus(secret: SecretRecord): ReplicationStatusType[] {
  return (secret.replicas ?? []).map((r) => ({
    Region: r.region,
    KmsKeyId: r.kmsKeyId ?? 'alias/aws/secretsmanager',
    Status: 'InSync',
    StatusMessage: 'Replication succeeded',
  }));
}

export const replicateSecretToRegions: Handler<
  Checked<ReplicateSecretToRegionsRequest, 'SecretId' | 'AddReplicaRegions'>,
  ReplicateSecretToRegionsResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  const replicas = secret.replicas ?? [];
  const added: NonNullable<SecretRecord['replicas']> = [];
  for (const { Region: region, KmsKeyId: kmsKeyId } of input.AddReplicaRegions) {
    if (!region) throw new InvalidParameterException('A replica region must name its Region.');
    if (region === regionOf(secret)) {
      throw new InvalidParameterException(`You can't replicate a secret to its own region ${region}.`);
    }
    if ([...replicas, ...added].some((r) => r.region === region)) {
      throw new InvalidParameterException(`The secret ${secret.name} is already replicated to ${region}.`);
    }
    added.push({ region, ...(kmsKeyId === undefined ? {} : { kmsKeyId }) });
  }
  secret.replicas = [...replicas, ...added];
  secret.lastChangedMs = Date.now();
  return { ARN: secret.arn, ReplicationStatus: replicationStatus(secret) };
};

export const removeRegionsFromReplication: Handler<
  Checked<RemoveRegionsFromReplicationRequest, 'SecretId' | 'RemoveReplicaRegions'>,
  RemoveRegionsFromReplicationResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  const replicas = secret.replicas ?? [];
  for (const region of input.RemoveReplicaRegions) {
    if (!replicas.some((r) => r.region === region)) {
      throw new InvalidParameterException(`The secret ${secret.name} has no replica in ${region}.`);
    }
  }
  const removed = new Set(input.RemoveReplicaRegions);
  secret.replicas = replicas.filter((r) => !removed.has(r.region));
  if (secret.replicas.length === 0) delete secret.replicas;
  secret.lastChangedMs = Date.now();
  return { ARN: secret.arn, ReplicationStatus: replicationStatus(secret) };
};
