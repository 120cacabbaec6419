/** Log groups: create, delete, describe, retention. */
import type {
  CreateLogGroupRequest,
  DeleteLogGroupRequest,
  DeleteRetentionPolicyRequest,
  DescribeLogGroupsRequest,
  DescribeLogGroupsResponse,
  LogGroup,
  PutRetentionPolicyRequest,
} from '@aws-sdk/client-cloudwatch-logs';
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
import { findGroup, logGroupArn } from './state.ts';

const NAME_PATTERN = '[\\.\\-_/#A-Za-z0-9]+';
const NAME = new RegExp(`^${NAME_PATTERN}$`);
/** The only retention periods AWS accepts, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function groupShape(group: LogGroupRecord): LogGroup {
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
  findGroup(ctx.state, input.logGroupName);
  delete ctx.state.groups[input.logGroupName];
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
  return { logGroups: page.map(groupShape), nextToken };
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
