/** PutLogEvents and GetLogEvents: one stream's events, written and paged with AWS's f/ and b/ tokens. */
import type {
  GetLogEventsRequest,
  GetLogEventsResponse,
  OutputLogEvent,
  PutLogEventsRequest,
  PutLogEventsResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler } from '../../service-definition.ts';
import { checkRange, constraintViolation, InvalidParameterException } from './errors.ts';
import type { NewLogEvent } from './events.ts';
import {
  appendEvents,
  readMessage,
  DEFAULT_EVENTS_LIMIT,
  EVENT_OVERHEAD_BYTES,
  lowerBound,
  MAX_PAYLOAD_BYTES,
  retentionCutoff,
} from './events.ts';
import type { LogsChange } from './journal.ts';
import type { LogEventRecord, LogsState } from './state.ts';
import { findGroup, findStream, groupFromInput } from './state.ts';

const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_SPAN_MS = 24 * 3_600_000;
/** A position before every event: where tokens point when nothing has been returned yet. */
const ORIGIN = '0'.repeat(56);

/** The batch rules AWS enforces before it looks at any single event. */
function checkBatch(events: readonly NewLogEvent[]): void {
  if (events.length < 1)
    throw constraintViolation('[]', 'logEvents', 'Member must have length greater than or equal to 1');
  if (events.length > MAX_BATCH_EVENTS) {
    throw constraintViolation(
      events.length,
      'logEvents',
      `Member must have length less than or equal to ${MAX_BATCH_EVENTS}`,
    );
  }
  let bytes = 0;
  events.forEach((event, i) => {
    if (event.message.length < 1) {
      throw constraintViolation(
        '',
        `logEvents.${i + 1}.member.message`,
        'Member must have length greater than or equal to 1',
      );
    }
    bytes += Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES;
    if (i > 0 && event.timestamp < events[i - 1]!.timestamp) {
      throw new InvalidParameterException(
        'Log events in a single PutLogEvents request must be in chronological order.',
      );
    }
  });
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new InvalidParameterException(
      `Upload too large: ${bytes} bytes exceeds limit of ${MAX_PAYLOAD_BYTES}`,
    );
  }
  if (events.at(-1)!.timestamp - events[0]!.timestamp > MAX_BATCH_SPAN_MS) {
    throw new InvalidParameterException(
      'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
    );
  }
}

/** Sequence tokens are accepted and ignored, as AWS has done since January 2023. */
export const putLogEvents: Handler<
  Checked<PutLogEventsRequest, 'logGroupName' | 'logStreamName' | 'logEvents'>,
  PutLogEventsResponse,
  LogsState
> = (input, ctx) => {
  findStream(findGroup(ctx.state, input.logGroupName), input.logStreamName);
  // The protocol layer has checked each event's required timestamp and message.
  const events = input.logEvents as NewLogEvent[];
  checkBatch(events);
  const result = appendEvents(ctx.state, input.logGroupName, input.logStreamName, events);
  // The uploaded stream is journaled as the call's change; findings reports went elsewhere.
  for (const change of result.findingsStreams)
    ctx.store.markDirty('logs', ctx.region, change satisfies LogsChange);
  ctx.publishMetrics(result.metrics);
  return { nextSequenceToken: result.sequenceToken, rejectedLogEventsInfo: result.rejected };
};

function parseToken(token: string): { forward: boolean; position: string } {
  const match = /^([fb])\/(\d{56})(?:\/s)?$/.exec(token);
  if (!match) throw new InvalidParameterException('The specified nextToken is invalid.');
  return { forward: match[1] === 'f', position: match[2]! };
}

function outputEvent(event: LogEventRecord, unmask: boolean): OutputLogEvent {
  return {
    timestamp: event.timestamp,
    message: unmask ? readMessage(event, true) : event.message,
    ingestionTime: event.ingestionTime,
  };
}

/**
 * Events in [startTime, endTime), `limit` at a time (up to 1 MB), from the head or the tail. A
 * forward token points after the page's last event, a backward token before its first; at either
 * end of the stream the token passed in comes back unchanged, so pollers can keep using it.
 */
export const getLogEvents: Handler<
  Checked<GetLogEventsRequest, 'logStreamName'>,
  GetLogEventsResponse,
  LogsState
> = (input, ctx) => {
  checkRange(input.limit, 'limit', 1, DEFAULT_EVENTS_LIMIT);
  const group = groupFromInput(ctx.state, input);
  const { events } = findStream(group, input.logStreamName);
  const token = input.nextToken === undefined ? undefined : parseToken(input.nextToken);
  const from = Math.max(input.startTime ?? -Infinity, retentionCutoff(group, Date.now()));
  let lo = lowerBound(events, (e) => e.timestamp >= from);
  let hi =
    input.endTime === undefined ? events.length : lowerBound(events, (e) => e.timestamp >= input.endTime!);
  if (token?.forward)
    lo = Math.max(
      lo,
      lowerBound(events, (e) => e.eventId > token.position),
    );
  if (token && !token.forward)
    hi = Math.min(
      hi,
      lowerBound(events, (e) => e.eventId >= token.position),
    );
  const forward = token ? token.forward : (input.startFromHead ?? false);
  const limit = input.limit ?? DEFAULT_EVENTS_LIMIT;
  const page: LogEventRecord[] = [];
  let bytes = 0;
  for (let i = forward ? lo : hi - 1; forward ? i < hi : i >= lo; i += forward ? 1 : -1) {
    const event = events[i]!;
    bytes += Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES;
    if (page.length === limit || (page.length > 0 && bytes > MAX_PAYLOAD_BYTES)) break;
    page.push(event);
  }
  if (!forward) page.reverse();
  if (page.length === 0) {
    const position = token?.position ?? ORIGIN;
    return { events: [], nextForwardToken: `f/${position}/s`, nextBackwardToken: `b/${position}/s` };
  }
  return {
    events: page.map((event) => outputEvent(event, input.unmask ?? false)),
    nextForwardToken: `f/${page.at(-1)!.eventId}/s`,
    nextBackwardToken: `b/${page[0]!.eventId}/s`,
  };
};
