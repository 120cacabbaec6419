/**
 * `devkit logs --query`: the query's progress on stderr (one line redrawn in place on a terminal,
 * a line per status otherwise), then its results on stdout: a table, or one JSON object per row.
 */
import type { AwsClients } from '../deploy/clients.ts';
import { type QueryProgress, queryTable, runLogsQuery } from '../deploy/logs-query.ts';
import type { Stack } from '../stack/load.ts';
import { table } from './table.ts';

export interface PrintQueryOptions {
  queryString: string;
  sinceMs: number;
  json: boolean;
  signal?: AbortSignal;
}

function progressText({ status, statistics }: QueryProgress, startedAt: number): string {
  const elapsed = ((performance.now() - startedAt) / 1000).toFixed(1);
  const scanned = statistics?.recordsScanned ?? 0;
  const matched = statistics?.recordsMatched ?? 0;
  return `query ${status}: ${matched.toLocaleString('en')} of ${scanned.toLocaleString('en')} records matched (${elapsed} s)`;
}

export async function printQuery(
  clients: AwsClients,
  stack: Stack,
  options: PrintQueryOptions,
): Promise<void> {
  const live = process.stderr.isTTY === true;
  const startedAt = performance.now();
  let lastStatus: string | undefined;
  let drawn = false;
  const onProgress = (progress: QueryProgress) => {
    const text = progressText(progress, startedAt);
    if (live) {
      process.stderr.write(`\r\x1b[K${text}`);
      drawn = true;
    } else if (progress.status !== lastStatus) {
      console.error(text);
    }
    lastStatus = progress.status;
  };
  try {
    const { rows } = await runLogsQuery(clients, stack, {
      queryString: options.queryString,
      sinceMs: options.sinceMs,
      onProgress,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (drawn) process.stderr.write('\n');
    if (options.json) {
      for (const row of rows) console.log(JSON.stringify(Object.fromEntries(row)));
      return;
    }
    if (rows.length === 0) {
      console.error(`no results in ${stack.config.logs.group}`);
      return;
    }
    const { headers, cells } = queryTable(rows);
    for (const line of table(headers, cells)) console.log(line);
  } catch (error) {
    if (drawn) process.stderr.write('\n');
    throw error;
  }
}
