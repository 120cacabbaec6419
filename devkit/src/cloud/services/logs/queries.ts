/** Logs Insights: StartQuery, GetQueryResults, StopQuery, DescribeQueries, GetLogRecord, GetLogGroupFields. */
import type {
  DescribeQueriesRequest,
  DescribeQueriesResponse,
  GetLogGroupFieldsRequest,
  GetLogGroupFieldsResponse,
  GetLogRecordRequest,
  GetLogRecordResponse,
  GetQueryResultsRequest,
  GetQueryResultsResponse,
  QueryInfo,
  StartQueryRequest,
  StartQueryResponse,
  StopQueryRequest,
  StopQueryResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException } from './errors.ts';
import { lowerBound, retentionCutoff } from './events.ts';
import type { EventRange } from './insights/execute.ts';
import { pointerOf } from './insights/execute.ts';
import { discoveredFields, eventRow } from './insights/fields.ts';
import {
  MAX_RUNNING,
  queriesOf,
  runningCount,
  startQuery as schedule,
  statisticsOf,
  stopQuery as stop,
} from './insights/queries.ts';
import { toText } from './insights/values.ts';
import type { LogGroupRecord, LogsState } from './state.ts';
import { findGroup, findGroupByArn } from './state.ts';

/** AWS's limit on the log groups one query names. */
const MAX_QUERY_GROUPS = 50;

function missingGroup(name: string, accountId: string): ResourceNotFoundException {
  return new ResourceNotFoundException(`Log group '${name}' does not exist for account ID '${accountId}'`);
}

/** The groups a query names, by exactly one of logGroupName, logGroupNames and logGroupIdentifiers. */
function queriedGroups(state: LogsState, input: StartQueryRequest, accountId: string): LogGroupRecord[] {
  const given = [input.logGroupName, input.logGroupNames, input.logGroupIdentifiers].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1) {
    throw new InvalidParameterException(
      'Exactly one of logGroupName, logGroupNames or logGroupIdentifiers must be specified.',
    );
  }
  const names =
    input.logGroupName !== undefined
      ? [input.logGroupName]
      : (input.logGroupNames ?? input.logGroupIdentifiers!);
  if (names.length < 1 || names.length > MAX_QUERY_GROUPS) {
    throw new InvalidParameterException(`A query must name from 1 to ${MAX_QUERY_GROUPS} log groups.`);
  }
  return [...new Set(names)].map((name) => {
    try {
      return name.startsWith('arn:') ? findGroupByArn(state, name) : findGroup(state, name);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) throw missingGroup(name, accountId);
      throw error;
    }
  });
}

/** Each stream's events from `from` to `to` (inclusive), copied: what the query reads. */
function rangesOf(
  groups: readonly LogGroupRecord[],
  from: number,
  to: number,
  accountId: string,
): EventRange[] {
  const ranges: EventRange[] = [];
  for (const group of groups) {
    const start = Math.max(from, retentionCutoff(group, Date.now()));
    for (const stream of Object.values(group.streams)) {
      const { events } = stream;
      const lo = lowerBound(events, (e) => e.timestamp >= start);
      const hi = lowerBound(events, (e) => e.timestamp > to);
      if (hi > lo) {
        ranges.push({
          events: events.slice(lo, hi),
          source: { group: group.name, log: `${accountId}:${group.name}`, logStream: stream.name },
        });
      }
    }
  }
  return ranges;
}

/** startTime and endTime are epoch seconds; the end second is included whole. */
export const startQuery: Handler<
  Checked<StartQueryRequest, 'startTime' | 'endTime' | 'queryString'>,
  StartQueryResponse,
  LogsState
> = (input, ctx) => {
  if (input.queryLanguage !== undefined && input.queryLanguage !== 'CWLI') {
    throw new InvalidParameterException(
      `Query language ${input.queryLanguage} is not supported by the local cloud; use CWLI (Logs Insights QL)`,
    );
  }
  const groups = queriedGroups(ctx.state, input, ctx.accountId);
  if (input.endTime < input.startTime) {
    throw new InvalidParameterException('End time should not be before the start time');
  }
  if (runningCount(ctx.state) >= MAX_RUNNING) {
    throw new LimitExceededException(`Account maximum query concurrency limit of [${MAX_RUNNING}] reached.`);
  }
  const from = input.startTime * 1000;
  const to = input.endTime * 1000 + 999;
  const record = schedule(ctx.state, {
    queryString: input.queryString,
    logGroupName: groups[0]!.name,
    limit: input.limit,
    ranges: () => rangesOf(groups, from, to, ctx.accountId),
  });
  return { queryId: record.queryId };
};

function findQuery(state: LogsState, queryId: string) {
  const record = queriesOf(state).get(queryId);
  if (!record) throw new ResourceNotFoundException('Query does not exist');
  return record;
}

export const getQueryResults: Handler<
  Checked<GetQueryResultsRequest, 'queryId'>,
  GetQueryResultsResponse,
  LogsState
> = (input, ctx) => {
  const record = findQuery(ctx.state, input.queryId);
  return {
    queryLanguage: 'CWLI',
    results: record.status === 'Complete' ? record.results : [],
    statistics: statisticsOf(record),
    status: record.status,
  };
};

export const stopQuery: Handler<Checked<StopQueryRequest, 'queryId'>, StopQueryResponse, LogsState> = (
  input,
  ctx,
) => {
  const record = findQuery(ctx.state, input.queryId);
  if (!stop(record)) throw new InvalidParameterException(`Query ${input.queryId} is not running`);
  return { success: true };
};

/** Newest first, as AWS lists them. */
export const describeQueries: Handler<DescribeQueriesRequest, DescribeQueriesResponse, LogsState> = (
  input,
  ctx,
) => {
  const queries = [...queriesOf(ctx.state).values()]
    .filter((q) => input.logGroupName === undefined || q.logGroupName === input.logGroupName)
    .filter((q) => input.status === undefined || q.status === input.status)
    .filter(() => input.queryLanguage === undefined || input.queryLanguage === 'CWLI')
    .sort((a, b) => b.createTime - a.createTime);
  const { page, nextToken } = paginate(queries, input.maxResults, input.nextToken, 1000);
  return {
    queries: page.map((q): QueryInfo => ({
      queryLanguage: 'CWLI',
      queryId: q.queryId,
      queryString: q.queryString,
      status: q.status,
      createTime: q.createTime,
      logGroupName: q.logGroupName,
    })),
    nextToken,
  };
};

/** One event by its @ptr: every field Logs Insights sees in it, as strings. */
export const getLogRecord: Handler<
  Checked<GetLogRecordRequest, 'logRecordPointer'>,
  GetLogRecordResponse,
  LogsState
> = (input, ctx) => {
  const invalid = () => new InvalidParameterException('The specified logRecordPointer is invalid.');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(input.logRecordPointer, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || !decoded.every((part) => typeof part === 'string')) {
    throw invalid();
  }
  const [groupName, streamName, eventId] = decoded as [string, string, string];
  const group = Object.hasOwn(ctx.state.groups, groupName) ? ctx.state.groups[groupName] : undefined;
  const stream = group && Object.hasOwn(group.streams, streamName) ? group.streams[streamName] : undefined;
  const events = stream?.events ?? [];
  const event = events[lowerBound(events, (e) => e.eventId >= eventId)];
  if (!group || !stream || event?.eventId !== eventId)
    throw new ResourceNotFoundException('Log record not found');
  const row = eventRow(
    event,
    { log: `${ctx.accountId}:${group.name}`, logStream: stream.name },
    input.unmask ?? false,
  );
  const logRecord: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [field, value] of row.fields) {
    const text = toText(value);
    if (text !== undefined) logRecord[field] = text;
  }
  logRecord['@ptr'] = pointerOf(row);
  return { logRecord };
};

/** The system fields every event has. */
const SYSTEM_FIELDS = ['@ingestionTime', '@log', '@logStream', '@message', '@timestamp'];
/** AWS samples the 15 minutes before `time`. */
const FIELDS_WINDOW_MS = 15 * 60_000;
/** Most events read to count fields (the newest). */
const FIELDS_SAMPLE = 10_000;

export const getLogGroupFields: Handler<GetLogGroupFieldsRequest, GetLogGroupFieldsResponse, LogsState> = (
  input,
  ctx,
) => {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw new InvalidParameterException('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  const name = input.logGroupName ?? input.logGroupIdentifier;
  if (name === undefined)
    throw new InvalidParameterException('Either LogGroup name or LogGroup ARN must be specified.');
  const group = name.startsWith('arn:') ? findGroupByArn(ctx.state, name) : findGroup(ctx.state, name);
  const to = input.time === undefined ? Date.now() : input.time * 1000;
  const sample = rangesOf([group], to - FIELDS_WINDOW_MS, to, ctx.accountId)
    .flatMap((range) => range.events)
    .sort((a, b) => b.timestamp - a.timestamp)
    .slice(0, FIELDS_SAMPLE);
  const counts = new Map<string, number>();
  for (const event of sample) {
    for (const [field] of discoveredFields(event.message)) counts.set(field, (counts.get(field) ?? 0) + 1);
  }
  if (sample.length === 0) return { logGroupFields: [] };
  const percent = (n: number) => Math.round((100 * n) / sample.length);
  return {
    logGroupFields: [
      ...SYSTEM_FIELDS.map((field) => ({ name: field, percent: 100 })),
      ...[...counts]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([field, n]) => ({ name: field, percent: percent(n) })),
    ],
  };
};
