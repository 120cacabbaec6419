/**
 * StartLiveTail: a session that streams the events its log groups ingest from now on, as AWS
 * documents it: one `sessionStart`, then a `sessionUpdate` every second holding what arrived in
 * that second (an empty list when nothing did), at most 500 events (a uniform sample past that,
 * with `sampled: true`), filtered by `logEventFilterPattern` with the same matcher as
 * FilterLogEvents and metric filters. A session ends with SessionTimeoutException after three
 * hours, and at once when the client disconnects (nothing listens after that); an unexpected
 * failure inside the session is sent as SessionStreamingException. At most 15 sessions run at once
 * per region (AWS's concurrent Live Tail quota). Sessions live beside the state, never in it.
 *
 * The SDK sends StartLiveTail to the `stream-` host prefix of the endpoint (`stream-localhost:4566`):
 * the gateway routes by X-Amz-Target, whatever the host, so such a name (where it resolves, as
 * `*.localhost` does with systemd-resolved and macOS) works, as does the SDK's `disableHostPrefix`.
 *
 * Where the reference is silent: groups may be named by name or ARN (an ARN ending in `*` is
 * refused); each event's `logGroupIdentifier` is the identifier the request gave; the timeout's
 * message is "Live Tail session timed out after 3 hours.".
 */
import { randomInt, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  LiveTailSessionLogEvent,
  StartLiveTailRequest,
  StartLiveTailResponse,
  StartLiveTailResponseStream,
} from '@aws-sdk/client-cloudwatch-logs';
import { eventSource } from '../../protocol/event-stream.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterException, LimitExceededException } from './errors.ts';
import { onIngestion } from './events.ts';
import { compileFilterPattern, type MessageMatcher } from './filter-pattern.ts';
import type { LogsState } from './state.ts';
import { groupByIdentifier } from './state.ts';

/** AWS ends a session after three hours. */
export const LIVE_TAIL_SESSION_MS = 3 * 3_600_000;
const UPDATE_INTERVAL_MS = 1_000;
const MAX_RESULTS_PER_UPDATE = 500;
const MAX_SESSIONS = 15;

/** Running sessions per region. */
const running = new WeakMap<LogsState, Set<string>>();

function sessionsOf(state: LogsState): Set<string> {
  let sessions = running.get(state);
  if (!sessions) running.set(state, (sessions = new Set()));
  return sessions;
}

export interface LiveTailSession {
  requestId: string;
  /** Group name → the identifier the request named it by. */
  groups: Map<string, string>;
  logStreamNames?: string[] | undefined;
  logStreamNamePrefixes?: string[] | undefined;
  logEventFilterPattern?: string | undefined;
  matches: MessageMatcher;
}

/** A uniform sample of at most `size` of the items offered (reservoir sampling), and how many were offered. */
class Sample<T> {
  items: T[] = [];
  offered = 0;
  private readonly size: number;
  constructor(size: number) {
    this.size = size;
  }

  offer(item: T): void {
    this.offered++;
    if (this.items.length < this.size) this.items.push(item);
    else {
      const slot = randomInt(this.offered);
      if (slot < this.size) this.items[slot] = item;
    }
  }
}

/**
 * The session's events, until `durationMs` has passed or `signal` aborts. Exported for tests of
 * the timeout, which cannot wait three hours.
 */
export async function* liveTailEvents(
  state: LogsState,
  session: LiveTailSession,
  signal: AbortSignal,
  durationMs = LIVE_TAIL_SESSION_MS,
): AsyncGenerator<StartLiveTailResponseStream, void> {
  const sessionId = randomUUID();
  const { logStreamNames, logStreamNamePrefixes } = session;
  const streamWanted = (name: string) =>
    logStreamNames
      ? logStreamNames.includes(name)
      : !logStreamNamePrefixes || logStreamNamePrefixes.some((prefix) => name.startsWith(prefix));
  let sample = new Sample<LiveTailSessionLogEvent>(MAX_RESULTS_PER_UPDATE);
  const stopListening = onIngestion(state, (group, stream, events) => {
    const identifier = session.groups.get(group);
    if (identifier === undefined || !streamWanted(stream)) return;
    for (const event of events) {
      if (!session.matches(event.message)) continue;
      sample.offer({
        logStreamName: stream,
        logGroupIdentifier: identifier,
        message: event.message,
        timestamp: event.timestamp,
        ingestionTime: event.ingestionTime,
      });
    }
  });
  const sessions = sessionsOf(state);
  sessions.add(sessionId);
  const ends = Date.now() + durationMs;
  try {
    yield {
      sessionStart: {
        requestId: session.requestId,
        sessionId,
        logGroupIdentifiers: [...session.groups.values()],
        ...(logStreamNames ? { logStreamNames } : {}),
        ...(logStreamNamePrefixes ? { logStreamNamePrefixes } : {}),
        ...(session.logEventFilterPattern === undefined
          ? {}
          : { logEventFilterPattern: session.logEventFilterPattern }),
      },
    } as StartLiveTailResponseStream;
    for (;;) {
      const left = ends - Date.now();
      if (left <= 0) {
        yield {
          SessionTimeoutException: { message: 'Live Tail session timed out after 3 hours.' },
        } as unknown as StartLiveTailResponseStream;
        return;
      }
      await sleep(Math.min(UPDATE_INTERVAL_MS, left), undefined, { signal });
      if (Date.now() >= ends) continue;
      const update = sample;
      sample = new Sample(MAX_RESULTS_PER_UPDATE);
      update.items.sort((a, b) => a.timestamp! - b.timestamp!);
      yield {
        sessionUpdate: {
          sessionMetadata: { sampled: update.offered > MAX_RESULTS_PER_UPDATE },
          sessionResults: update.items,
        },
      } as StartLiveTailResponseStream;
    }
  } catch (error) {
    if (signal.aborted) return;
    yield {
      SessionStreamingException: { message: `Live Tail session failed: ${(error as Error).message}` },
    } as unknown as StartLiveTailResponseStream;
  } finally {
    stopListening();
    sessions.delete(sessionId);
  }
}

export const startLiveTail: Handler<
  Checked<StartLiveTailRequest, 'logGroupIdentifiers'>,
  StartLiveTailResponse,
  LogsState
> = (input, ctx) => {
  const { logStreamNames, logStreamNamePrefixes, logEventFilterPattern } = input;
  const groups = new Map<string, string>();
  for (const identifier of input.logGroupIdentifiers) {
    if (identifier.startsWith('arn:') && identifier.endsWith('*')) {
      throw new InvalidParameterException(`A log group ARN can't end with an asterisk (*): ${identifier}`);
    }
    groups.set(groupByIdentifier(ctx.state, identifier).name, identifier);
  }
  if (logStreamNames !== undefined && logStreamNamePrefixes !== undefined) {
    throw new InvalidParameterException(
      'logStreamNames and logStreamNamePrefixes are mutually exclusive parameters.',
    );
  }
  if ((logStreamNames ?? logStreamNamePrefixes) !== undefined && input.logGroupIdentifiers.length !== 1) {
    throw new InvalidParameterException(
      'logStreamNames and logStreamNamePrefixes can be specified only with exactly one log group.',
    );
  }
  const matches = compileFilterPattern(logEventFilterPattern);
  if (sessionsOf(ctx.state).size >= MAX_SESSIONS) {
    throw new LimitExceededException(
      `The account has reached its limit of ${MAX_SESSIONS} concurrent Live Tail sessions.`,
    );
  }
  const session: LiveTailSession = {
    requestId: ctx.requestId,
    groups,
    logStreamNames,
    logStreamNamePrefixes,
    logEventFilterPattern,
    matches,
  };
  return {
    // A minute past the timeout, a session whose client stopped reading is dropped.
    responseStream: eventSource(
      (signal) => liveTailEvents(ctx.state, session, signal),
      LIVE_TAIL_SESSION_MS + 60_000,
    ),
  } as StartLiveTailResponse;
};
