/**
 * Replication across regions, as AWS documents it. ReplicateSecretToRegions makes a replica secret
 * in each region (the primary's name, its ARN with the region changed, its value, versions,
 * description and tags; its own KMS key), which DescribeSecret there shows with `PrimaryRegion`; the
 * primary's changes (values, staging labels, description, tags) reach its replicas, and a replica
 * changes only with its primary (its KMS key aside). RemoveRegionsFromReplication deletes the
 * replicas; StopReplicationToReplica, called in a replica's region, makes it a standalone secret and
 * drops it from the primary's replication. A replica region that already holds a secret of that
 * name is listed `Failed`, as AWS lists it, with no replica made. The primary keeps the replica
 * regions (DescribeSecret's ReplicationStatus), which keep it from being deleted.
 *
 * Each region's state is its own: a change reaching another region is journaled for that region
 * (before the call's own record, so the reply follows both). Where the reference is silent:
 * replicating to the secret's own region or to one twice, and removing a region that holds no
 * replica, are InvalidParameterException; StopReplicationToReplica on a secret that is not a replica
 * is InvalidRequestException.
 */
import type {
  RemoveRegionsFromReplicationRequest,
  RemoveRegionsFromReplicationResponse,
  ReplicateSecretToRegionsRequest,
  ReplicateSecretToRegionsResponse,
  ReplicationStatusType,
  StopReplicationToReplicaRequest,
  StopReplicationToReplicaResponse,
} from '@aws-sdk/client-secrets-manager';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { InvalidParameterException, InvalidRequestException } from './errors.ts';
import type { SecretRecord, SecretsState } from './state.ts';
import { initialSecretsState, liveSecret, regionOf, writableSecret } from './state.ts';

const SERVICE = 'secretsmanager';

export function replicationStatus(secret: SecretRecord): ReplicationStatusType[] {
  return (secret.replicas ?? []).map((r) => ({
    Region: r.region,
    KmsKeyId: r.kmsKeyId ?? 'alias/aws/secretsmanager',
    Status: r.failure === undefined ? 'InSync' : 'Failed',
    StatusMessage: r.failure ?? 'Replication succeeded',
  }));
}

/** The region a secret's replication is led from: its own for a primary with replicas, its primary's for a replica. */
export function primaryRegionOf(secret: SecretRecord): string | undefined {
  return secret.primaryRegion ?? (secret.replicas?.length ? regionOf(secret) : undefined);
}

/** Another region's state, changed by this call and journaled for that region. */
function otherRegion(
  ctx: RequestContext<SecretsState>,
  region: string,
  change: (state: SecretsState) => void,
) {
  const state = ctx.store.slice(SERVICE, region, initialSecretsState);
  change(state);
  ctx.store.markDirty(SERVICE, region);
}

/** The replica's own record in its region, as its primary now is. */
function replicaOf(
  primary: SecretRecord,
  region: string,
  kmsKeyId: string | undefined,
  was?: SecretRecord,
): SecretRecord {
  const replica = structuredClone(primary);
  // Replication is the primary's to manage; a replica has no rotation or resource policy of its own.
  delete replica.replicas;
  delete replica.resourcePolicy;
  delete replica.rotation;
  delete replica.kmsKeyId;
  const arn = primary.arn.split(':');
  arn[3] = region;
  replica.arn = arn.join(':');
  replica.primaryRegion = regionOf(primary);
  replica.createdMs = was?.createdMs ?? Date.now();
  const key = kmsKeyId ?? was?.kmsKeyId;
  if (key !== undefined) replica.kmsKeyId = key;
  if (was?.lastAccessedMs !== undefined) replica.lastAccessedMs = was.lastAccessedMs;
  else delete replica.lastAccessedMs;
  return replica;
}

/** Brings a primary's replicas up to date with it (called after each change to a primary). */
export function syncReplicas(ctx: RequestContext<SecretsState>, primary: SecretRecord): void {
  for (const { region, failure } of primary.replicas ?? []) {
    if (failure !== undefined) continue;
    otherRegion(ctx, region, (state) => {
      const was = Object.hasOwn(state.secrets, primary.name) ? state.secrets[primary.name] : undefined;
      if (was?.primaryRegion !== regionOf(primary)) return; // promoted meanwhile: its own now
      state.secrets[primary.name] = replicaOf(primary, region, undefined, was);
    });
  }
}

export const replicateSecretToRegions: Handler<
  Checked<ReplicateSecretToRegionsRequest, 'SecretId' | 'AddReplicaRegions'>,
  ReplicateSecretToRegionsResponse,
  SecretsState
> = (input, ctx) => {
  const secret = writableSecret(ctx.state, input.SecretId);
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
  for (const replica of added) {
    otherRegion(ctx, replica.region, (state) => {
      if (Object.hasOwn(state.secrets, secret.name)) {
        replica.failure = `Replication failed: Secret name already exists in Region ${replica.region}.`;
        return;
      }
      state.secrets[secret.name] = replicaOf(secret, replica.region, replica.kmsKeyId);
    });
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
  const secret = writableSecret(ctx.state, input.SecretId);
  const replicas = secret.replicas ?? [];
  for (const region of input.RemoveReplicaRegions) {
    if (!replicas.some((r) => r.region === region)) {
      throw new InvalidParameterException(`The secret ${secret.name} has no replica in ${region}.`);
    }
  }
  const removed = new Set(input.RemoveReplicaRegions);
  for (const replica of replicas.filter((r) => removed.has(r.region) && r.failure === undefined)) {
    otherRegion(ctx, replica.region, (state) => {
      const there = Object.hasOwn(state.secrets, secret.name) ? state.secrets[secret.name] : undefined;
      if (there?.primaryRegion === regionOf(secret)) delete state.secrets[secret.name];
    });
  }
  secret.replicas = replicas.filter((r) => !removed.has(r.region));
  if (secret.replicas.length === 0) delete secret.replicas;
  secret.lastChangedMs = Date.now();
  return { ARN: secret.arn, ReplicationStatus: replicationStatus(secret) };
};

/** Called in the replica's region: the replica becomes a standalone secret, and its primary stops replicating to it. */
export const stopReplicationToReplica: Handler<
  Checked<StopReplicationToReplicaRequest, 'SecretId'>,
  StopReplicationToReplicaResponse,
  SecretsState
> = (input, ctx) => {
  const replica = liveSecret(ctx.state, input.SecretId);
  const primaryRegion = replica.primaryRegion;
  if (primaryRegion === undefined) {
    throw new InvalidRequestException(
      `The secret ${replica.name} is not a replica: call StopReplicationToReplica in a replica's Region.`,
    );
  }
  delete replica.primaryRegion;
  replica.lastChangedMs = Date.now();
  otherRegion(ctx, primaryRegion, (state) => {
    const primary = Object.hasOwn(state.secrets, replica.name) ? state.secrets[replica.name] : undefined;
    if (!primary?.replicas) return;
    primary.replicas = primary.replicas.filter((r) => r.region !== ctx.region);
    if (primary.replicas.length === 0) delete primary.replicas;
    primary.lastChangedMs = Date.now();
  });
  return { ARN: replica.arn };
};
