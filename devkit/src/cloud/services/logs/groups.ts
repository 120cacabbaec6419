/**
 * Log groups: create, delete, describe and list, retention, deletion protection. A group with
 * deletion protection on refuses DeleteLogGroup; the local cloud's wording (the reference names no
 * sentence) is ValidationException `Log group <name> has deletion protection enabled. Disable
 * deletion protection before deleting it.`.
 */
import type {
  CreateLogGroupRequest,
  DeleteLogGroupRequest,
  DeleteRetentionPolicyRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  ListLogGroupsRequest,
  ListLogGroupsResponse,
  LogGroup,
  PutLogGroupDeletionProtectionRequest,
  PutRetentionPolicyRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import { ValidationException } from '../../protocol/errors.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import {
  checkRange,
  constraintViolation,
  InvalidParameterException,
  ResourceAlreadyExistsException,
} from './errors.ts';
import { pruneExpired } from './events.ts';
import type { LogGroupRecord, LogsState } from './state.ts';
import { findGroup, groupByIdentifier, logGroupArn } from './state.ts';

const NAME_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
const NAME = new RegExp(`^${NAME_PATTERN}$`);
/** The only retention periods AWS accepts, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** `inherited`: the region has an account data protection policy (PutAccountPolicy), which every group takes. */
function groupShape(group: LogGroupRecord, inherited: boolean): LogGroup {
  return {
    logGroupName: group.name,
    creationTime: group.creationTime,
    retentionInDays: group.retentionInDays,
    metricFilterCount: Object.keys(group.metricFilters ?? {}).length,
    arn: `${group.arn}:*`,
    logGroupArn: group.arn,
    storedBytes: Object.values(group.streams).reduce((sum, s) => sum + s.storedBytes, 0),
    kmsKeyId: group.kmsKeyId,
    logGroupClass: group.logGroupClass,
    ...(group.dataProtectionPolicy ? { dataProtectionStatus: 'ACTIVATED' as const } : {}),
    deletionProtectionEnabled: group.deletionProtection ?? false,
    ...(inherited ? { inheritedProperties: ['ACCOUNT_DATA_PROTECTION' as const] } : {}),
  };
}

export const createLogGroup: Handler<Checked<CreateLogGroupRequest, 'logGroupName'>, void, LogsState> = (
  input,
  ctx,
) => {
  const name = input.logGroupName;
  if (name.length > 512 || !NAME.test(name)) {
    throw constraintViolation(
      name,
      'logGroupName',
      `Member must satisfy regular expression pattern: ${NAME_PATTERN}`,
    );
  }
  if (Object.hasOwn(ctx.state.groups, name)) {
    throw new ResourceAlreadyExistsException('The specified log group already exists');
  }
  ctx.state.groups[name] = {
    ...newGroup(name, ctx.region, ctx.accountId),
    ...(input.kmsKeyId ? { kmsKeyId: input.kmsKeyId } : {}),
    logGroupClass: input.logGroupClass ?? 'STANDARD',
    tags: nameMap(Object.entries(input.tags ?? {})),
  };
};

function newGroup(name: string, region: string, accountId: string): LogGroupRecord {
  return {
    name,
    arn: logGroupArn(region, accountId, name),
    creationTime: Date.now(),
    logGroupClass: 'STANDARD',
    tags: nameMap(),
    streams: nameMap(),
  };
}

/**
 * The group, created when missing, as AWS services that log on their own create theirs (Container
 * Insights' performance group); true when it was created.
 */
export function ensureLogGroup(state: LogsState, name: string, region: string, accountId: string): boolean {
  if (Object.hasOwn(state.groups, name)) return false;
  state.groups[name] = newGroup(name, region, accountId);
  return true;
}

export const deleteLogGroup: Handler<Checked<DeleteLogGroupRequest, 'logGroupName'>, void, LogsState> = (
  input,
  ctx,
) => {
  if (findGroup(ctx.state, input.logGroupName).deletionProtection) {
    throw new ValidationException(
      `Log group ${input.logGroupName} has deletion protection enabled. Disable deletion protection before deleting it.`,
    );
  }
  delete ctx.state.groups[input.logGroupName];
};

export const putLogGroupDeletionProtection: Handler<
  Checked<PutLogGroupDeletionProtectionRequest, 'logGroupIdentifier' | 'deletionProtectionEnabled'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = groupByIdentifier(ctx.state, input.logGroupIdentifier);
  if (input.deletionProtectionEnabled) group.deletionProtection = true;
  else delete group.deletionProtection;
};

/**
 * ListLogGroups' name pattern: up to five alternatives joined by `|`, each a substring, or with a
 * leading `^` a prefix (the model's regular expression has already checked its shape).
 */
function namePatternMatcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  const parts = pattern.split('|');
  return (name) => parts.some((p) => (p.startsWith('^') ? name.startsWith(p.slice(1)) : name.includes(p)));
}

export const listLogGroups: Handler<ListLogGroupsRequest, ListLogGroupsResponse, LogsState> = (
  input,
  ctx,
) => {
  checkRange(input.limit, 'limit', 1, 1000);
  const matches = namePatternMatcher(input.logGroupNamePattern);
  const groups = Object.values(ctx.state.groups)
    .filter((g) => matches(g.name) && (!input.logGroupClass || g.logGroupClass === input.logGroupClass))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, nextToken } = paginate(groups, input.limit, input.nextToken, 50);
  return {
    logGroups: page.map((g) => ({
      logGroupName: g.name,
      logGroupArn: g.arn,
      logGroupClass: g.logGroupClass,
    })),
    ...(nextToken ? { nextToken } : {}),
  };
};

export const describeLogGroups: Handler<DescribeLogGroupsRequest, DescribeLogGroupsResponse, LogsState> = (
  input,
  ctx,
) => {
  checkRange(input.limit, 'limit', 1, 50);
  if (input.logGroupNamePrefix !== undefined && input.logGroupNamePattern !== undefined) {
    throw new InvalidParameterException(
      'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.',
    );
  }
  const prefix = input.logGroupNamePrefix ?? '';
  const pattern = input.logGroupNamePattern ?? '';
  const identifiers = input.logGroupIdentifiers?.map((id) => id.replace(/:\*$/, ''));
  const groups = Object.values(ctx.state.groups)
    .filter((g) => g.name.startsWith(prefix) && g.name.includes(pattern))
    .filter((g) => !identifiers || identifiers.includes(g.name) || identifiers.includes(g.arn))
    .filter((g) => !input.logGroupClass || g.logGroupClass === input.logGroupClass)
    // AWS lists log groups ASCII-sorted by name.
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const { page, nextToken } = paginate(groups, input.limit, input.nextToken, 50);
  const inherited = Object.keys(ctx.state.accountPolicies?.DATA_PROTECTION_POLICY ?? {}).length > 0;
  return { logGroups: page.map((group) => groupShape(group, inherited)), nextToken };
};

export const putRetentionPolicy: Handler<
  Checked<PutRetentionPolicyRequest, 'logGroupName' | 'retentionInDays'>,
  void,
  LogsState
> = (input, ctx) => {
  if (!RETENTION_DAYS.includes(input.retentionInDays)) {
    throw constraintViolation(
      input.retentionInDays,
      'retentionInDays',
      `Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
    );
  }
  const group = findGroup(ctx.state, input.logGroupName);
  group.retentionInDays = input.retentionInDays;
  const now = Date.now();
  for (const stream of Object.values(group.streams)) pruneExpired(group, stream, now);
};

export const deleteRetentionPolicy: Handler<
  Checked<DeleteRetentionPolicyRequest, 'logGroupName'>,
  void,
  LogsState
> = (input, ctx) => {
  delete findGroup(ctx.state, input.logGroupName).retentionInDays;
};
