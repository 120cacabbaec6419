/** Secrets: create, describe, update, delete (with a recovery window), restore, list. */
import type {
  CreateSecretRequest,
  CreateSecretResponse,
  DeleteSecretRequest,
  DeleteSecretResponse,
  DescribeSecretRequest,
  DescribeSecretResponse,
  Filter,
  ListSecretsRequest,
  ListSecretsResponse,
  RestoreSecretRequest,
  RestoreSecretResponse,
  SecretListEntry,
  UpdateSecretRequest,
  UpdateSecretResponse,
} from '@aws-sdk/client-secrets-manager';
import { ValidationException } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, toDate } from '../common.ts';
import {
  InvalidNextTokenException,
  InvalidParameterException,
  InvalidRequestException,
  markedForDeletion,
  ResourceExistsException,
} from './errors.ts';
import type { SecretRecord, SecretsState } from './state.ts';
import { findSecret, liveSecret, newSecretArn, notOnReplica, purgeExpired, regionOf } from './state.ts';
import { primaryRegionOf, replicationStatus, syncReplicas } from './replication.ts';
import { checkTagCount } from './tags.ts';
import { addVersion, checkValue, hasValue, holdsValue, versionsToStages } from './versions.ts';

const DAY_MS = 86_400_000;
const NAME = /^[a-zA-Z0-9/_+=.@-]{1,512}$/;
const FILTER_KEYS = [
  'description',
  'name',
  'tag-key',
  'tag-value',
  'primary-region',
  'owning-service',
  'all',
];

/** What DescribeSecret and ListSecrets share. */
function metadata(secret: SecretRecord) {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    RotationEnabled: secret.rotation?.enabled ?? false,
    RotationLambdaARN: secret.rotation?.lambdaArn,
    RotationRules: secret.rotation?.rules,
    LastChangedDate: toDate(secret.lastChangedMs),
    LastAccessedDate: toDate(secret.lastAccessedMs),
    DeletedDate: toDate(secret.deletedMs),
    Tags: secret.tags.length > 0 ? secret.tags.map((t) => ({ ...t })) : undefined,
    CreatedDate: toDate(secret.createdMs),
    ...(secret.replicas?.length
      ? { PrimaryRegion: regionOf(secret), ReplicationStatus: replicationStatus(secret) }
      : {}),
    ...(secret.primaryRegion === undefined ? {} : { PrimaryRegion: secret.primaryRegion }),
  };
}

export const createSecret: Handler<
  Checked<CreateSecretRequest, 'Name'>,
  CreateSecretResponse,
  SecretsState
> = (input, ctx) => {
  const name = input.Name;
  if (!NAME.test(name)) {
    throw new InvalidParameterException(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
  const value = {
    clientRequestToken: input.ClientRequestToken,
    secretString: input.SecretString,
    secretBinary: input.SecretBinary,
  };
  checkValue(value);
  checkTagCount(
    [],
    (input.Tags ?? []).map((t) => t.Key ?? ''),
  );
  purgeExpired(ctx.state);
  const existing = Object.hasOwn(ctx.state.secrets, name) ? ctx.state.secrets[name] : undefined;
  if (existing?.deletedMs !== undefined) {
    throw new InvalidRequestException(
      "You can't create this secret because a secret with this name is already scheduled for deletion.",
    );
  }
  if (existing) {
    // A retried CreateSecret (same token, same value) succeeds again, as AWS's idempotency promises.
    const retried = existing.versions.find((v) => v.versionId === input.ClientRequestToken);
    if (retried && holdsValue(retried, value)) {
      return { ARN: existing.arn, Name: name, VersionId: retried.versionId };
    }
    throw new ResourceExistsException(`The operation failed because the secret ${name} already exists.`);
  }
  const now = Date.now();
  const secret: SecretRecord = {
    name,
    arn: newSecretArn(ctx.region, ctx.accountId, name),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
    tags: (input.Tags ?? []).map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' })),
    createdMs: now,
    lastChangedMs: now,
    versions: [],
  };
  const version = hasValue(value) ? addVersion(secret, value, now) : undefined;
  ctx.state.secrets[name] = secret;
  return { ARN: secret.arn, Name: name, VersionId: version?.versionId };
};

export const describeSecret: Handler<
  Checked<DescribeSecretRequest, 'SecretId'>,
  DescribeSecretResponse,
  SecretsState
> = (input, ctx) => {
  const secret = findSecret(ctx.state, input.SecretId);
  return { ...metadata(secret), VersionIdsToStages: versionsToStages(secret) };
};

/** Changes the description or KMS key and, when a value is given, adds it as the AWSCURRENT version. */
export const updateSecret: Handler<
  Checked<UpdateSecretRequest, 'SecretId'>,
  UpdateSecretResponse,
  SecretsState
> = (input, ctx) => {
  const secret = liveSecret(ctx.state, input.SecretId);
  const value = {
    clientRequestToken: input.ClientRequestToken,
    secretString: input.SecretString,
    secretBinary: input.SecretBinary,
  };
  // A replica's KMS key is its own; everything else changes with its primary.
  if (secret.primaryRegion !== undefined && (input.Description !== undefined || hasValue(value))) {
    throw notOnReplica(secret);
  }
  checkValue(value);
  const now = Date.now();
  if (input.Description !== undefined) secret.description = input.Description;
  if (input.KmsKeyId !== undefined) secret.kmsKeyId = input.KmsKeyId;
  secret.lastChangedMs = now;
  const version = hasValue(value) ? addVersion(secret, value, now) : undefined;
  syncReplicas(ctx, secret);
  return { ARN: secret.arn, Name: secret.name, VersionId: version?.versionId };
};

/**
 * Schedules the secret's deletion after its recovery window (7–30 days, 30 by default), or deletes
 * it at once with ForceDeleteWithoutRecovery — also when it is already scheduled.
 */
export const deleteSecret: Handler<
  Checked<DeleteSecretRequest, 'SecretId'>,
  DeleteSecretResponse,
  SecretsState
> = (input, ctx) => {
  const force = input.ForceDeleteWithoutRecovery ?? false;
  if (force && input.RecoveryWindowInDays !== undefined) {
    throw new InvalidParameterException(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  const days = input.RecoveryWindowInDays ?? 30;
  if (!Number.isInteger(days) || days < 7 || days > 30) {
    throw new InvalidParameterException(
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    );
  }
  const secret = findSecret(ctx.state, input.SecretId);
  if (secret.primaryRegion !== undefined) throw notOnReplica(secret);
  if (secret.replicas?.length) {
    throw new InvalidRequestException(
      `You can't delete secret ${secret.name} that still has replica regions [${secret.replicas.map((r) => r.region).join(', ')}]`,
    );
  }
  const now = Date.now();
  if (force) {
    delete ctx.state.secrets[secret.name];
    return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(now) };
  }
  if (secret.deletedMs !== undefined) throw markedForDeletion();
  secret.deletedMs = now;
  secret.deletionMs = now + days * DAY_MS;
  return { ARN: secret.arn, Name: secret.name, DeletionDate: new Date(secret.deletionMs) };
};

export const restoreSecret: Handler<
  Checked<RestoreSecretRequest, 'SecretId'>,
  RestoreSecretResponse,
  SecretsState
> = (input, ctx) => {
  const secret = findSecret(ctx.state, input.SecretId);
  delete secret.deletedMs;
  delete secret.deletionMs;
  return { ARN: secret.arn, Name: secret.name };
};

/** One filter value: a prefix (or, with `!`, its negation); `all` looks for the words anywhere. */
function matchesFilter(secret: SecretRecord, filter: Filter): boolean {
  const key = filter.Key ?? '';
  return (filter.Values ?? []).some((raw) => {
    const negated = raw.startsWith('!');
    const value = negated ? raw.slice(1) : raw;
    let hit: boolean;
    switch (key) {
      case 'name':
        hit = secret.name.startsWith(value);
        break;
      case 'description':
        hit = (secret.description ?? '').toLowerCase().startsWith(value.toLowerCase());
        break;
      case 'tag-key':
        hit = secret.tags.some((t) => t.Key.startsWith(value));
        break;
      case 'tag-value':
        hit = secret.tags.some((t) => t.Value.startsWith(value));
        break;
      case 'all': {
        const haystack = [
          secret.name,
          secret.description ?? '',
          ...secret.tags.flatMap((t) => [t.Key, t.Value]),
        ]
          .join(' ')
          .toLowerCase();
        hit = value
          .toLowerCase()
          .split(/\s+/)
          .every((word) => haystack.includes(word));
        break;
      }
      case 'primary-region':
        hit = primaryRegionOf(secret)?.startsWith(value) ?? false;
        break;
      default:
        hit = false; // owning-service: no secret here is owned by another service
    }
    return hit !== negated;
  });
}

/** A page, with Secrets Manager's own error for a bad NextToken (the shared pager words it as most services do). */
export function pageOf<T>(
  items: T[],
  max: number | undefined,
  token: string | undefined,
  pageSize = 100,
): { page: T[]; nextToken: string | undefined } {
  try {
    return paginate(items, max, token, pageSize);
  } catch (error) {
    const invalid = new InvalidNextTokenException('You provided an invalid NextToken value.');
    invalid.cause = error;
    throw invalid;
  }
}

/**
 * Secrets not scheduled for deletion that match every filter (ListSecrets' and BatchGetSecretValue's);
 * read-only, so the permission check can ask it too. The handler checks the filter keys first.
 */
export function secretsMatching(state: SecretsState, filters: Filter[] | undefined): SecretRecord[] {
  return Object.values(state.secrets).filter(
    (s) => s.deletedMs === undefined && (filters ?? []).every((f) => matchesFilter(s, f)),
  );
}

export function checkFilterKeys(filters: Filter[] | undefined): void {
  (filters ?? []).forEach((filter, i) => {
    if (!FILTER_KEYS.includes(filter.Key ?? '')) {
      throw new ValidationException(
        `1 validation error detected: Value '${filter.Key}' at 'filters.${i + 1}.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${FILTER_KEYS.join(', ')}]`,
      );
    }
  });
}

function sortKey(secret: SecretRecord, by: string): string | number {
  switch (by) {
    case 'name':
      return secret.name;
    case 'last-accessed-date':
      return secret.lastAccessedMs ?? 0;
    case 'last-changed-date':
      return secret.lastChangedMs;
    default:
      return secret.createdMs;
  }
}

export const listSecrets: Handler<ListSecretsRequest, ListSecretsResponse, SecretsState> = (input, ctx) => {
  const max = input.MaxResults;
  if (max !== undefined && (max < 1 || max > 100)) {
    throw new ValidationException(
      `1 validation error detected: Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value ${max < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`,
    );
  }
  checkFilterKeys(input.Filters);
  purgeExpired(ctx.state);
  const by = input.SortBy ?? 'created-date';
  const direction = input.SortOrder === 'desc' ? -1 : 1;
  const secrets = Object.values(ctx.state.secrets)
    .filter((s) => input.IncludePlannedDeletion || s.deletedMs === undefined)
    .filter((s) => (input.Filters ?? []).every((f) => matchesFilter(s, f)))
    .sort((a, b) => {
      const [x, y] = [sortKey(a, by), sortKey(b, by)];
      return (x < y ? -1 : x > y ? 1 : 0) * direction;
    });
  const { page, nextToken } = pageOf(secrets, max, input.NextToken);
  return {
    SecretList: page.map((s): SecretListEntry => ({
      ...metadata(s),
      SecretVersionsToStages: versionsToStages(s),
    })),
    NextToken: nextToken,
  };
};
