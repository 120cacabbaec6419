/** Secret versions and their staging labels: AWSCURRENT moves, the version it leaves becomes AWSPREVIOUS. */
import { randomUUID } from 'node:crypto';
import {
  InvalidParameterException,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
} from './errors.ts';
import type { SecretRecord, SecretVersionRecord } from './state.ts';

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
/** Secrets Manager removes deprecated (unlabelled) versions beyond this many. */
const MAX_DEPRECATED_VERSIONS = 100;

export interface NewSecretValue {
  clientRequestToken?: string | undefined;
  secretString?: string | undefined;
  secretBinary?: Uint8Array | undefined;
  versionStages?: string[] | undefined;
}

/** Whether the request carries a value at all (CreateSecret and UpdateSecret may carry none). */
export function hasValue(value: NewSecretValue): boolean {
  return value.secretString !== undefined || value.secretBinary !== undefined;
}

export function checkValue(value: NewSecretValue): void {
  if (value.secretString !== undefined && value.secretBinary !== undefined) {
    throw new InvalidParameterException(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  const token = value.clientRequestToken;
  if (token !== undefined && (token.length < 32 || token.length > 64)) {
    throw new InvalidParameterException('ClientRequestToken must be 32-64 characters long.');
  }
}

function binaryOf(value: NewSecretValue): string | undefined {
  return value.secretBinary && Buffer.from(value.secretBinary).toString('base64');
}

/** Whether `version` holds exactly `value` (a retried request with the same ClientRequestToken). */
export function holdsValue(version: SecretVersionRecord, value: NewSecretValue): boolean {
  return version.secretString === value.secretString && version.secretBinary === binaryOf(value);
}

function removeStage(secret: SecretRecord, stage: string): SecretVersionRecord | undefined {
  const holder = secret.versions.find((v) => v.stages.includes(stage));
  if (holder) holder.stages = holder.stages.filter((s) => s !== stage);
  return holder;
}

/**
 * Moves a staging label to `target` (or just removes it): moving AWSCURRENT makes the version it
 * leaves AWSPREVIOUS, as every way of moving it does.
 */
export function moveStage(
  secret: SecretRecord,
  stage: string,
  target: SecretVersionRecord | undefined,
): void {
  if (target?.stages.includes(stage)) return;
  const left = removeStage(secret, stage);
  if (!target) return;
  if (stage === CURRENT && left) {
    removeStage(secret, PREVIOUS);
    left.stages.push(PREVIOUS);
  }
  target.stages.push(stage);
}

/**
 * Adds a version holding `value` (its id is the ClientRequestToken when given, as AWS makes it) and
 * moves its staging labels to it. Repeating a request with the same token and value changes
 * nothing, as AWS's idempotency promises; the same token with another value is refused.
 */
export function addVersion(secret: SecretRecord, value: NewSecretValue, now: number): SecretVersionRecord {
  checkValue(value);
  const secretBinary = binaryOf(value);
  const existing = value.clientRequestToken
    ? secret.versions.find((v) => v.versionId === value.clientRequestToken)
    : undefined;
  if (existing) {
    if (holdsValue(existing, value)) return existing;
    throw new ResourceExistsException(
      "You can't modify an existing version, you can only create a new version.",
    );
  }
  // A secret's first version is AWSCURRENT whatever else it is labelled (PutSecretValue's documentation).
  const first = secret.versions.length === 0 ? [CURRENT] : [];
  const stages = [...new Set([...first, ...(value.versionStages ?? [CURRENT])])];
  const version: SecretVersionRecord = {
    versionId: value.clientRequestToken ?? randomUUID(),
    stages: [],
    createdMs: now,
    ...(value.secretString !== undefined ? { secretString: value.secretString } : {}),
    ...(secretBinary !== undefined ? { secretBinary } : {}),
  };
  for (const stage of stages) moveStage(secret, stage, version);
  secret.versions.push(version);
  const deprecated = secret.versions.filter((v) => v.stages.length === 0);
  const excess = new Set(deprecated.slice(0, Math.max(0, deprecated.length - MAX_DEPRECATED_VERSIONS)));
  if (excess.size > 0) secret.versions = secret.versions.filter((v) => !excess.has(v));
  secret.lastChangedMs = now;
  return version;
}

/** The version GetSecretValue reads: by id, by staging label (AWSCURRENT by default), or both when they agree. */
export function selectVersion(
  secret: SecretRecord,
  versionId: string | undefined,
  versionStage: string | undefined,
): SecretVersionRecord {
  if (versionId !== undefined) {
    const version = secret.versions.find((v) => v.versionId === versionId);
    if (!version) {
      throw new ResourceNotFoundException(
        `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
      );
    }
    if (versionStage !== undefined && !version.stages.includes(versionStage)) {
      throw new InvalidRequestException(
        'You provided a VersionStage that is not associated to the provided VersionId.',
      );
    }
    return version;
  }
  const stage = versionStage ?? CURRENT;
  const version = secret.versions.find((v) => v.stages.includes(stage));
  if (!version) {
    throw new ResourceNotFoundException(
      `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
    );
  }
  return version;
}

/** Versions that carry a label (deprecated ones are not listed), as DescribeSecret and ListSecrets show them. */
export function versionsToStages(secret: SecretRecord): Record<string, string[]> {
  return Object.fromEntries(
    secret.versions.filter((v) => v.stages.length > 0).map((v) => [v.versionId, [...v.stages]]),
  );
}
