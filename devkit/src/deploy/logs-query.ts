/**
 * A Logs Insights query over the stage's log group, as the console runs one: StartQuery, then
 * GetQueryResults until the query is no longer Scheduled or Running. The same SDK calls on every
 * target (local cloud, LocalStack, AWS).
 */
import {
  GetQueryResultsCommand,
  MalformedQueryException,
  type QueryStatistics,
  type QueryStatus,
  type ResultField,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { DeployError } from './progress.ts';

export interface QueryProgress {
  status: QueryStatus | string;
  statistics: QueryStatistics | undefined;
}

export interface QueryOptions {
  queryString: string;
  /** How far back the query reads, from now. */
  sinceMs: number;
  /** Called after each poll. */
  onProgress?: (progress: QueryProgress) => void;
  pollMs?: number;
  signal?: AbortSignal;
}

/** One result row: its fields in the order the query gives them (without `@ptr`). */
export type QueryRow = Array<[field: string, value: string]>;

export interface QueryResult {
  rows: QueryRow[];
  statistics: QueryStatistics | undefined;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export async function runLogsQuery(
  clients: AwsClients,
  stack: Stack,
  options: QueryOptions,
): Promise<QueryResult> {
  const now = Date.now();
  let queryId: string | undefined;
  try {
    ({ queryId } = await clients.logs.send(
      new StartQueryCommand({
        logGroupName: stack.config.logs.group,
        startTime: seconds(now - options.sinceMs),
        endTime: seconds(now),
        queryString: options.queryString,
      }),
      { abortSignal: options.signal },
    ));
  } catch (error) {
    if (error instanceof MalformedQueryException) throw new DeployError(`malformed query: ${error.message}`);
    throw error;
  }
  for (;;) {
    const output = await clients.logs.send(new GetQueryResultsCommand({ queryId }), {
      abortSignal: options.signal,
    });
    const status = output.status ?? 'Unknown';
    options.onProgress?.({ status, statistics: output.statistics });
    if (status === 'Complete') {
      return { rows: (output.results ?? []).map(rowOf), statistics: output.statistics };
    }
    if (status !== 'Scheduled' && status !== 'Running') {
      throw new DeployError(`the query ended ${status} (log group ${stack.config.logs.group})`);
    }
    await sleep(options.pollMs ?? 500, undefined, { signal: options.signal });
  }
}

function rowOf(fields: ResultField[]): QueryRow {
  return fields.flatMap((f) =>
    f.field && f.field !== '@ptr' ? [[f.field, f.value ?? ''] as [string, string]] : [],
  );
}

/** The rows as a table: a column per field, in the order fields first appear. */
export function queryTable(rows: readonly QueryRow[]): { headers: string[]; cells: string[][] } {
  const headers: string[] = [];
  for (const row of rows) for (const [field] of row) if (!headers.includes(field)) headers.push(field);
  const cells = rows.map((row) => {
    const values = new Map(row);
    // One line per cell: a multi-line message would break the table's rows.
    return headers.map((h) => (values.get(h) ?? '').replace(/\s*\n\s*/g, ' ⏎ '));
  });
  return { headers, cells };
}
