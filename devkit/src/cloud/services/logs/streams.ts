/** Log streams: create, delete, describe. */
import type {
  CreateLogStreamRequest,
  DeleteLogStreamRequest,
  DescribeLogStreamsRequest,
  DescribeLogStreamsResponse,
  LogStream,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import {
  checkRange,
  constraintViolation,
  InvalidParameterException,
  ResourceAlreadyExistsException,
} from './errors.ts';
import { sequenceToken } from './events.ts';
import type { LogGroupRecord, LogStreamRecord, LogsState } from './state.ts';
import { findGroup, findStream, groupFromInput, logStreamArn, newStream } from './state.ts';

function streamShape(group: LogGroupRecord, stream: LogStreamRecord): LogStream {
  const first = stream.events[0];
  const last = stream.events.at(-1);
  return {
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    firstEventTimestamp: first?.timestamp,
    lastEventTimestamp: last?.timestamp,
    lastIngestionTime: stream.lastIngestionTime,
    uploadSequenceToken: sequenceToken(stream),
    arn: logStreamArn(group, stream.name),
    // AWS has reported 0 for streams since June 2019 (groups still count their bytes).
    storedBytes: 0,
  };
}

export const createLogStream: Handler<
  Checked<CreateLogStreamRequest, 'logGroupName' | 'logStreamName'>,
  void,
  LogsState
> = (input, ctx) => {
  const name = input.logStreamName;
  if (name.length > 512 || /[:*]/.test(name)) {
    throw constraintViolation(
      name,
      'logStreamName',
      'Member must satisfy regular expression pattern: [^:*]*',
    );
  }
  const group = findGroup(ctx.state, input.logGroupName);
  if (Object.hasOwn(group.streams, name)) {
    throw new ResourceAlreadyExistsException('The specified log stream already exists');
  }
  group.streams[name] = newStream(name, Date.now());
};

export const deleteLogStream: Handler<
  Checked<DeleteLogStreamRequest, 'logGroupName' | 'logStreamName'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = findGroup(ctx.state, input.logGroupName);
  findStream(group, input.logStreamName);
  delete group.streams[input.logStreamName];
};

export const describeLogStreams: Handler<DescribeLogStreamsRequest, DescribeLogStreamsResponse, LogsState> = (
  input,
  ctx,
) => {
  checkRange(input.limit, 'limit', 1, 50);
  const group = groupFromInput(ctx.state, input);
  const byEventTime = input.orderBy === 'LastEventTime';
  if (byEventTime && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const prefix = input.logStreamNamePrefix ?? '';
  const key = (s: LogStreamRecord): string | number =>
    byEventTime ? (s.events.at(-1)?.timestamp ?? 0) : s.name;
  const streams = Object.values(group.streams)
    .filter((s) => s.name.startsWith(prefix))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  if (input.descending) streams.reverse();
  const { page, nextToken } = paginate(streams, input.limit, input.nextToken, 50);
  return { logStreams: page.map((s) => streamShape(group, s)), nextToken };
};
