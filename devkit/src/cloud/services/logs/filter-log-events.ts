/** FilterLogEvents: a group's events across streams, matched by pattern and interleaved by time. */
import type {
  FilteredLogEvent,
  FilterLogEventsRequest,
  FilterLogEventsResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Handler } from '../../service-definition.ts';
import { checkRange, InvalidParameterException } from './errors.ts';
import {
  DEFAULT_EVENTS_LIMIT,
  EVENT_OVERHEAD_BYTES,
  lowerBound,
  MAX_PAYLOAD_BYTES,
  readMessage,
  retentionCutoff,
} from './events.ts';
import { compileFilterPattern } from './filter-pattern.ts';
import type { LogsState } from './state.ts';
import { groupFromInput } from './state.ts';

/** The token is the last returned eventId: events that arrive meanwhile neither shift nor repeat pages. */
function decodeToken(token: string): string {
  const position = Buffer.from(token, 'base64url').toString('utf8');
  if (!/^\d{56}$/.test(position)) throw new InvalidParameterException('The specified nextToken is invalid.');
  return position;
}

/**
 * Events with startTime ≤ timestamp ≤ endTime, ordered by timestamp then arrival (`interleaved`
 * has been AWS's only behaviour since 2019). `searchedLogStreams` is always empty, as AWS has
 * returned it since May 2020. A nextToken means more matching events remain.
 */
export const filterLogEvents: Handler<FilterLogEventsRequest, FilterLogEventsResponse, LogsState> = (
  input,
  ctx,
) => {
  checkRange(input.limit, 'limit', 1, DEFAULT_EVENTS_LIMIT);
  const group = groupFromInput(ctx.state, input);
  if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
    throw new InvalidParameterException(
      'logStreamNames and logStreamNamePrefix are mutually exclusive parameters.',
    );
  }
  const matches = compileFilterPattern(input.filterPattern);
  const after = input.nextToken === undefined ? '' : decodeToken(input.nextToken);
  const from = Math.max(input.startTime ?? -Infinity, retentionCutoff(group, Date.now()));
  const to = input.endTime ?? Infinity;
  const names = input.logStreamNames && new Set(input.logStreamNames);
  const limit = input.limit ?? DEFAULT_EVENTS_LIMIT;
  const found: FilteredLogEvent[] = [];
  for (const stream of Object.values(group.streams)) {
    if (names ? !names.has(stream.name) : !stream.name.startsWith(input.logStreamNamePrefix ?? '')) continue;
    const { events } = stream;
    const start = Math.max(
      lowerBound(events, (e) => e.timestamp >= from),
      lowerBound(events, (e) => e.eventId > after),
    );
    // Each stream contributes at most limit + 1 matches: enough to fill the page and know if more remain.
    let taken = 0;
    for (let i = start; i < events.length && events[i]!.timestamp <= to && taken <= limit; i++) {
      const event = events[i]!;
      const message = readMessage(event, input.unmask);
      if (!matches(message)) continue;
      taken++;
      found.push({
        logStreamName: stream.name,
        timestamp: event.timestamp,
        message,
        ingestionTime: event.ingestionTime,
        eventId: event.eventId,
      });
    }
  }
  found.sort((a, b) => (a.eventId! < b.eventId! ? -1 : a.eventId! > b.eventId! ? 1 : 0));
  const page: FilteredLogEvent[] = [];
  let bytes = 0;
  for (const event of found) {
    bytes += Buffer.byteLength(event.message!) + EVENT_OVERHEAD_BYTES;
    if (page.length === limit || (page.length > 0 && bytes > MAX_PAYLOAD_BYTES)) break;
    page.push(event);
  }
  const more = page.length < found.length;
  return {
    events: page,
    searchedLogStreams: [],
    nextToken: more ? Buffer.from(page.at(-1)!.eventId!).toString('base64url') : undefined,
  };
};
