/** Secrets Manager's recorded state (per region) and how a SecretId finds its secret. */
import { randomInt } from 'node:crypto';
import type { RotationRulesType } from '@aws-sdk/client-secrets-manager';
import { arn, nameMap } from '../common.ts';
import { InvalidRequestException, markedForDeletion, secretNotFound } from './errors.ts';

export interface SecretVersionRecord {
  versionId: string;
  /** Staging labels (AWSCURRENT, AWSPREVIOUS, custom); a version without any is deprecated. */
  stages: string[];
  createdMs: number;
  secretString?: string;
  /** Base64, as the wire carries it. */
  secretBinary?: string;
}

export interface SecretRecord {
  name: string;
  /** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf` */
  arn: string;
  description?: string;
  kmsKeyId?: string;
  /** In the order they were added, as AWS lists them. */
  tags: Array<{ Key: string; Value: string }>;
  createdMs: number;
  lastChangedMs: number;
  /** AWS records access by day only. */
  lastAccessedMs?: number;
  /** When DeleteSecret was called; present while the secret is scheduled for deletion. */
  deletedMs?: number;
  /** When the recovery window ends and the secret is gone for good. */
  deletionMs?: number;
  /** In creation order. */
  versions: SecretVersionRecord[];
  /** PutResourcePolicy's text, as given. */
  resourcePolicy?: string;
  /** RotateSecret's configuration; CancelRotateSecret keeps it, disabled, as AWS does. */
  rotation?: { enabled: boolean; lambdaArn: string; rules?: RotationRulesType };
  /** Regions it is replicated to (ReplicateSecretToRegions); a `Failed` one has no replica there. */
  replicas?: Array<{ region: string; kmsKeyId?: string; failure?: string }>;
  /** On a replica: its primary's region (replication.ts). */
  primaryRegion?: string;
}

export interface SecretsState {
  /** Keyed by name: names are unique in a region, including secrets scheduled for deletion. */
  secrets: Record<string, SecretRecord>;
}

export const initialSecretsState = (): SecretsState => ({ secrets: nameMap() });

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new secret's ARN: AWS appends a hyphen and 6 random characters, so a re-created name gets a new ARN. */
export function newSecretArn(region: string, accountId: string, name: string): string {
  const suffix = Array.from({ length: 6 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
  return arn('secretsmanager', region, accountId, `secret:${name}-${suffix}`);
}

/** Forgets secrets whose recovery window has ended (AWS deletes them some time after). */
export function purgeExpired(state: SecretsState, now = Date.now()): void {
  for (const [name, secret] of Object.entries(state.secrets)) {
    if (secret.deletionMs !== undefined && secret.deletionMs <= now) delete state.secrets[name];
  }
}

/**
 * The secret a SecretId names: its name, its full ARN, or its partial ARN (the ARN without the
 * random suffix). Secrets scheduled for deletion are found too; see `liveSecret`.
 */
export function findSecret(state: SecretsState, secretId: string): SecretRecord {
  purgeExpired(state);
  if (!secretId.startsWith('arn:')) {
    const byName = Object.hasOwn(state.secrets, secretId) ? state.secrets[secretId] : undefined;
    if (byName) return byName;
    throw secretNotFound();
  }
  for (const secret of Object.values(state.secrets)) {
    if (secret.arn === secretId || secret.arn.slice(0, -'-AbCdEf'.length) === secretId) return secret;
  }
  throw secretNotFound();
}

/** The secret, refused as AWS refuses it when it is scheduled for deletion. */
export function liveSecret(state: SecretsState, secretId: string): SecretRecord {
  const secret = findSecret(state, secretId);
  if (secret.deletedMs !== undefined) throw markedForDeletion();
  return secret;
}

/**
 * The secret, for a change: a replica changes only with its primary (its KMS key aside), as AWS
 * documents; where the reference is silent, the refusal is InvalidRequestException.
 */
export function writableSecret(state: SecretsState, secretId: string): SecretRecord {
  const secret = liveSecret(state, secretId);
  if (secret.primaryRegion !== undefined) throw notOnReplica(secret);
  return secret;
}

export function notOnReplica(secret: SecretRecord): InvalidRequestException {
  return new InvalidRequestException(
    `Operation is not permitted on a replica secret. Call it in the primary secret's Region ${secret.primaryRegion}.`,
  );
}

/** The region a secret lives in, from its ARN. */
export function regionOf(secret: SecretRecord): string {
  return secret.arn.split(':')[3] ?? '';
}

/** The day an access falls on: Secrets Manager keeps LastAccessedDate to the day. */
export function accessDay(now: number): number {
  return now - (now % 86_400_000);
}
