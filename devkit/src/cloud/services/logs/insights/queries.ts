/**
 * The Logs Insights queries of a region: started, run in the background a slice at a time
 * (Scheduled → Running → Complete, or Failed / Timeout / Cancelled), their results kept for
 * GetQueryResults. Queries live in memory beside the region's state, not in it: like AWS, which
 * keeps results for days, a restart of the local cloud forgets them (they are recomputable).
 * Every query is bounded: at most MAX_RUNNING at once (AWS's account limit), a wall-clock limit,
 * slices short enough to keep the cloud answering, and bounded memory (execute.ts, aggregate.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ResultField } from '@aws-sdk/client-cloudwatch-logs';
import type { LogsState } from '../state.ts';
import type { Query } from './ast.ts';
import { type EventRange, failure, QueryExecution, type QueryStatistics } from './execute.ts';
import { parseQuery } from './parser.ts';

export type QueryStatus = 'Scheduled' | 'Running' | 'Complete' | 'Failed' | 'Cancelled' | 'Timeout';

/** AWS's limit on queries running at once in an account. */
export const MAX_RUNNING = 30;
/** How long a query may run (AWS: 60 minutes; a local log group is small). */
export const QUERY_TIMEOUT_MS = 60_000;
/** Work per slice before the query yields to requests and other queries. */
const SLICE_MS = 20;
/** How long one event's evaluation (a pathological regex over a huge message) may hold the loop. */
const MAX_BLOCKING_MS = 1_000;
/** Queries remembered per region (DescribeQueries lists them); the oldest finished ones go first. */
const MAX_REMEMBERED = 1_000;

export interface QueryRecord {
  queryId: string;
  queryString: string;
  /** The first log group queried (DescribeQueries shows one). */
  logGroupName: string;
  createTime: number;
  status: QueryStatus;
  statistics: QueryStatistics;
  results: ResultField[][];
  /** Why it failed or timed out (logged, not part of AWS's response). */
  reason?: string;
  execution?: QueryExecution;
  deadline: number;
  sliceStarted: number;
}

const tables = new WeakMap<LogsState, Map<string, QueryRecord>>();

export function queriesOf(state: LogsState): Map<string, QueryRecord> {
  let table = tables.get(state);
  if (!table) tables.set(state, (table = new Map()));
  return table;
}

export function runningCount(state: LogsState): number {
  let running = 0;
  for (const query of queriesOf(state).values()) {
    if (query.status === 'Scheduled' || query.status === 'Running') running++;
  }
  return running;
}

/**
 * Parses `queryString` (throwing MalformedQueryException) and schedules it over `ranges` (read
 * lazily: `ranges` is called when the query starts running).
 */
export function startQuery(
  state: LogsState,
  options: {
    queryString: string;
    logGroupName: string;
    limit: number | undefined;
    ranges: () => EventRange[];
    now?: number;
  },
): QueryRecord {
  const now = options.now ?? Date.now();
  const record: QueryRecord = {
    queryId: randomUUID(),
    queryString: options.queryString,
    logGroupName: options.logGroupName,
    createTime: now,
    status: 'Scheduled',
    statistics: { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 },
    results: [],
    deadline: now + QUERY_TIMEOUT_MS,
    sliceStarted: now,
  };
  const overDeadline = () => {
    const clock = Date.now();
    return clock > record.deadline || clock > record.sliceStarted + MAX_BLOCKING_MS;
  };
  const query: Query = parseQuery(options.queryString, overDeadline);
  const table = queriesOf(state);
  table.set(record.queryId, record);
  forgetOldest(table);
  // The snapshot of events is taken now, so the query sees the log group as it was when it started.
  record.execution = new QueryExecution(query, options.ranges(), options.limit);
  setImmediate(() => runSlice(record));
  return record;
}

function runSlice(record: QueryRecord): void {
  const execution = record.execution;
  if (!execution || record.status === 'Cancelled') {
    delete record.execution;
    return;
  }
  record.status = 'Running';
  record.sliceStarted = Date.now();
  const sliceEnds = () => Date.now() - record.sliceStarted > SLICE_MS;
  try {
    const done = execution.advance(sliceEnds);
    if (!done) {
      if (Date.now() > record.deadline) {
        finish(record, 'Timeout', 'the query ran past its time limit');
        return;
      }
      setImmediate(() => runSlice(record));
      return;
    }
    record.results = execution.finish();
    finish(record, 'Complete');
  } catch (error) {
    const outcome = failure(error);
    finish(record, outcome.status, outcome.reason);
  }
}

function finish(record: QueryRecord, status: QueryStatus, reason?: string): void {
  if (record.execution) Object.assign(record.statistics, record.execution.statistics);
  record.status = status;
  if (reason) record.reason = reason;
  delete record.execution;
}

/** Stops a running query; false when it had already ended. */
export function stopQuery(record: QueryRecord): boolean {
  if (record.status !== 'Scheduled' && record.status !== 'Running') return false;
  finish(record, 'Cancelled');
  return true;
}

/** The statistics so far (a running query's grow as it reads). */
export function statisticsOf(record: QueryRecord): QueryStatistics {
  return record.execution ? { ...record.execution.statistics } : { ...record.statistics };
}

function forgetOldest(table: Map<string, QueryRecord>): void {
  if (table.size <= MAX_REMEMBERED) return;
  for (const [id, query] of table) {
    if (query.status !== 'Scheduled' && query.status !== 'Running') table.delete(id);
    if (table.size <= MAX_REMEMBERED) return;
  }
}
