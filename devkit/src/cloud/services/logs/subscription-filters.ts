/**
 * Subscription filters: Put/Describe/DeleteSubscriptionFilter, stored with AWS's validation
 * (at most two per log group; a Lambda function, Kinesis stream, Firehose delivery stream or
 * Logs destination ARN). The local cloud delivers nothing to the destination.
 */
import type {
  DeleteSubscriptionFilterRequest,
  DescribeSubscriptionFiltersRequest,
  DescribeSubscriptionFiltersResponse,
  PutSubscriptionFilterRequest,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException } from './errors.ts';
import { compileFilterPattern } from './filter-pattern.ts';
import type { LogGroupRecord, LogsState, SubscriptionFilterRecord } from './state.ts';
import { findGroup } from './state.ts';

/** AWS's limit of subscription filters per log group. */
const MAX_SUBSCRIPTION_FILTERS = 2;
const DESTINATIONS: ReadonlyArray<{ pattern: RegExp; needsRole: boolean }> = [
  { pattern: /^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]+(:[\w$-]+)?$/, needsRole: false },
  { pattern: /^arn:aws[\w-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/[\w.-]+$/, needsRole: true },
  { pattern: /^arn:aws[\w-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream\/[\w.-]+$/, needsRole: true },
  { pattern: /^arn:aws[\w-]*:logs:[a-z0-9-]+:\d{12}:destination:[^:*]+$/, needsRole: false },
];
const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

function subscriptionFiltersOf(group: LogGroupRecord): Record<string, SubscriptionFilterRecord> {
  return (group.subscriptionFilters ??= nameMap());
}

export const putSubscriptionFilter: Handler<
  Checked<PutSubscriptionFilterRequest, 'logGroupName' | 'filterName' | 'filterPattern' | 'destinationArn'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = findGroup(ctx.state, input.logGroupName);
  compileFilterPattern(input.filterPattern);
  const destination = DESTINATIONS.find((d) => d.pattern.test(input.destinationArn));
  if (!destination) {
    throw new InvalidParameterException(
      `Invalid destinationArn ${input.destinationArn}: a Lambda function, Kinesis stream, Firehose delivery stream or CloudWatch Logs destination ARN is required.`,
    );
  }
  if (input.roleArn !== undefined && !ROLE_ARN.test(input.roleArn)) {
    throw new InvalidParameterException(`Invalid roleArn ${input.roleArn}`);
  }
  if (destination.needsRole && input.roleArn === undefined) {
    throw new InvalidParameterException('A roleArn is required to deliver to a Kinesis or Firehose stream.');
  }
  const filters = subscriptionFiltersOf(group);
  if (!Object.hasOwn(filters, input.filterName) && Object.keys(filters).length >= MAX_SUBSCRIPTION_FILTERS) {
    throw new LimitExceededException('Resource limit exceeded.');
  }
  filters[input.filterName] = {
    filterName: input.filterName,
    filterPattern: input.filterPattern,
    destinationArn: input.destinationArn,
    ...(input.roleArn !== undefined ? { roleArn: input.roleArn } : {}),
    distribution: input.distribution ?? 'ByLogStream',
    creationTime: Object.hasOwn(filters, input.filterName)
      ? filters[input.filterName]!.creationTime
      : Date.now(),
  };
};

export const deleteSubscriptionFilter: Handler<
  Checked<DeleteSubscriptionFilterRequest, 'logGroupName' | 'filterName'>,
  void,
  LogsState
> = (input, ctx) => {
  const filters = subscriptionFiltersOf(findGroup(ctx.state, input.logGroupName));
  if (!Object.hasOwn(filters, input.filterName)) {
    throw new ResourceNotFoundException('The specified subscription filter does not exist.');
  }
  delete filters[input.filterName];
};

export const describeSubscriptionFilters: Handler<
  Checked<DescribeSubscriptionFiltersRequest, 'logGroupName'>,
  DescribeSubscriptionFiltersResponse,
  LogsState
> = (input, ctx) => {
  const group = findGroup(ctx.state, input.logGroupName);
  const filters = Object.values(group.subscriptionFilters ?? {})
    .filter((f) => f.filterName.startsWith(input.filterNamePrefix ?? ''))
    .sort((a, b) => (a.filterName < b.filterName ? -1 : a.filterName > b.filterName ? 1 : 0))
    .map((f) => ({ ...f, logGroupName: group.name }));
  const { page, nextToken } = paginate(filters, input.limit, input.nextToken, 50);
  return { subscriptionFilters: page, nextToken };
};
