import type { FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { DeployError } from './progress.ts';

/** `90s`, `10m`, `2h`, `1d` → milliseconds. */
export function parseSince(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new DeployError(`--since must look like 30s, 10m, 2h or 1d (got '${text}')`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export interface LogOptions {
  /** How far back to start; undefined: the log group's first event. */
  sinceMs: number | undefined;
  /** Only the last `tail` events of those (following goes on from there). */
  tail?: number;
  /** Which events to yield (and count in `tail`); all by default. */
  keep?: (event: FilteredLogEvent) => boolean;
  follow: boolean;
  /** Poll interval when following. */
  pollMs?: number;
  filterPattern?: string;
  signal?: AbortSignal;
}

/** `--tail N`: a whole number of events. */
export function parseTail(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new DeployError(`--tail must be a number of events (got '${text}')`);
  return Number(text);
}

/**
 * The stage's log events, oldest first, from `sinceMs` ago (only the last `tail` of them, if set);
 * with `follow`, keeps polling for new ones (as `aws logs tail --follow` does) until the signal aborts.
 */
export async function* readLogs(
  clients: AwsClients,
  stack: Stack,
  options: LogOptions,
): AsyncGenerator<FilteredLogEvent> {
  const logGroupName = stack.config.logs.group;
  let startTime = options.sinceMs === undefined ? undefined : Date.now() - options.sinceMs;
  let tail = options.tail;
  // Events at the last timestamp seen may be returned again by the next poll; skip those by id.
  let seenAtStart = new Set<string>();
  while (!options.signal?.aborted) {
    let nextToken: string | undefined;
    const batch: FilteredLogEvent[] = [];
    do {
      const page = await clients.logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime,
          nextToken,
          filterPattern: options.filterPattern,
        }),
        { abortSignal: options.signal },
      );
      batch.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    batch.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    // The tail applies to what was there at the start; following prints every new event.
    const kept = options.keep ? batch.filter(options.keep) : batch;
    const shown = tail === undefined ? kept : kept.slice(Math.max(0, kept.length - tail));
    tail = undefined;
    for (const event of shown) {
      if (event.eventId && seenAtStart.has(event.eventId)) continue;
      yield event;
    }
    const last = batch.at(-1)?.timestamp;
    if (last !== undefined) {
      startTime = last;
      seenAtStart = new Set(
        batch.filter((e) => e.timestamp === last).flatMap((e) => (e.eventId ? [e.eventId] : [])),
      );
    }
    if (!options.follow) return;
    await sleep(options.pollMs ?? 2_000, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
