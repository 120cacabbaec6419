/**
 * How CloudWatch Logs journals its changes: per log group and per stream, never the region's whole
 * state (it holds every event). A stream that only grew since it was last journaled (PutLogEvents'
 * and log shipping's common case) is recorded as the events appended since; one whose stored events
 * changed otherwise (an out-of-order arrival, retention) is recorded whole.
 */
import type { SliceJournal } from '../../state/store.ts';
import { nameMap } from '../common.ts';
import type { LogEventRecord, LogGroupRecord, LogStreamRecord, LogsState } from './state.ts';
import { findGroupByArn } from './state.ts';

/**
 * What a change touched: a group (its settings, and all its streams' events with `streams`), one
 * stream, or the region's own settings (query definitions, the query results' KMS key).
 */
export type LogsChange = { group: string; stream?: string; streams?: boolean } | 'region' | 'nothing';

type StreamHeader = Omit<LogStreamRecord, 'events'>;
type GroupHeader = Omit<LogGroupRecord, 'streams'>;

/** A stream as journaled: without a header it was deleted; with `at`, `e` follows its first `at` events. */
interface StreamChange {
  s: string;
  h?: StreamHeader;
  at?: number;
  e?: LogEventRecord[];
}

/** The state the region holds beside its groups: journaled together, whole, on any change of it. */
const REGION_FIELDS = [
  'queryDefinitions',
  'queryResultsKmsKeyId',
  'destinations',
  'resourcePolicies',
  'accountPolicies',
  'anomalyDetectors',
] as const satisfies ReadonlyArray<keyof LogsState>;

/** The region's settings as journaled: all of them (a few KB at most). */
interface RegionChange {
  region: Pick<LogsState, (typeof REGION_FIELDS)[number]>;
}

/** A group as journaled: neither header nor streams means it was deleted. */
interface GroupChange {
  g: string;
  h?: GroupHeader;
  streams?: StreamChange[];
  /** The region's next event sequence number, so ids stay unique after a replay. */
  seq: number;
}

/** A stream's events already journaled: the first `length`, from `firstId` to `lastId`. */
interface Journaled {
  length: number;
  firstId: string | undefined;
  lastId: string | undefined;
}

const journaled = new WeakMap<LogStreamRecord, Journaled>();

function own<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

function markJournaled(stream: LogStreamRecord): void {
  const { events } = stream;
  journaled.set(stream, {
    length: events.length,
    firstId: events[0]?.eventId,
    lastId: events.at(-1)?.eventId,
  });
}

/** Whether the stream's first journaled events are still there, unchanged (event ids are unique and sorted). */
function onlyGrew(stream: LogStreamRecord, before: Journaled | undefined): before is Journaled {
  const { events } = stream;
  if (!before || before.length > events.length) return false;
  return (
    before.length === 0 ||
    (events[0]!.eventId === before.firstId && events[before.length - 1]!.eventId === before.lastId)
  );
}

function streamChange(group: LogGroupRecord, name: string): StreamChange {
  const stream = own(group.streams, name);
  if (!stream) return { s: name };
  const { events, ...h } = stream;
  const before = journaled.get(stream);
  markJournaled(stream);
  return onlyGrew(stream, before)
    ? { s: name, h, at: before.length, e: events.slice(before.length) }
    : { s: name, h, e: events };
}

export const logsJournal: SliceJournal<LogsState, LogsChange> = {
  changeOf(state, operation, input) {
    const {
      logGroupName: group,
      logStreamName: stream,
      resourceArn,
      resourceIdentifier,
      logGroupIdentifier,
    } = input as {
      logGroupIdentifier?: unknown;
      logGroupName?: unknown;
      logStreamName?: unknown;
      resourceArn?: unknown;
      resourceIdentifier?: unknown;
    };
    const groupOfArn = (text: unknown): LogsChange => {
      try {
        return { group: findGroupByArn(state, String(text)).name };
      } catch {
        return 'nothing'; // no such group: the call failed before changing anything
      }
    };
    switch (operation) {
      case 'PutLogEvents':
      case 'CreateLogStream':
      case 'DeleteLogStream':
        return typeof group === 'string' && typeof stream === 'string' ? { group, stream } : 'nothing';
      case 'PutRetentionPolicy':
        // Retention drops the group's expired events at once.
        return typeof group === 'string' ? { group, streams: true } : 'nothing';
      case 'CreateLogGroup':
      case 'DeleteLogGroup':
      case 'DeleteRetentionPolicy':
      case 'TagLogGroup':
      case 'UntagLogGroup':
        return typeof group === 'string' ? { group } : 'nothing';
      case 'PutMetricFilter':
      case 'DeleteMetricFilter':
      case 'PutSubscriptionFilter':
      case 'DeleteSubscriptionFilter':
        return typeof group === 'string' ? { group } : 'nothing';
      case 'TestMetricFilter':
      case 'TestTransformer':
      case 'StartQuery':
      case 'StopQuery':
      case 'StartLiveTail':
        // Queries and Live Tail sessions live beside the state, not in it.
        return 'nothing';
      case 'TagResource':
      case 'UntagResource':
        return typeof resourceArn === 'string' && resourceArn.includes(':anomaly-detector:')
          ? 'region'
          : groupOfArn(resourceArn);
      case 'PutQueryDefinition':
      case 'DeleteQueryDefinition':
      case 'PutDestination':
      case 'PutDestinationPolicy':
      case 'DeleteDestination':
      case 'PutResourcePolicy':
      case 'DeleteResourcePolicy':
      case 'PutAccountPolicy':
      case 'DeleteAccountPolicy':
      case 'CreateLogAnomalyDetector':
      case 'UpdateLogAnomalyDetector':
      case 'DeleteLogAnomalyDetector':
        return 'region';
      case 'PutDataProtectionPolicy':
      case 'DeleteDataProtectionPolicy':
      case 'PutTransformer':
      case 'DeleteTransformer':
      case 'PutIndexPolicy':
      case 'DeleteIndexPolicy':
      case 'PutLogGroupDeletionProtection':
        if (typeof logGroupIdentifier !== 'string') return 'nothing';
        return logGroupIdentifier.startsWith('arn:')
          ? groupOfArn(logGroupIdentifier)
          : { group: logGroupIdentifier };
      case 'AssociateKmsKey':
      case 'DisassociateKmsKey':
        if (typeof group === 'string') return { group };
        return typeof resourceIdentifier === 'string' && resourceIdentifier.includes(':log-group:')
          ? groupOfArn(resourceIdentifier)
          : 'region';
      default:
        return undefined;
    }
  },

  record(state, change): GroupChange | RegionChange | undefined {
    if (change === 'nothing') return undefined;
    if (change === 'region') {
      const region = Object.fromEntries(REGION_FIELDS.map((field) => [field, state[field]]));
      return { region: region as RegionChange['region'] };
    }
    const group = own(state.groups, change.group);
    const record: GroupChange = { g: change.group, seq: state.nextEventSeq };
    if (!group) return record;
    if (change.stream !== undefined) {
      record.streams = [streamChange(group, change.stream)];
      return record;
    }
    const { streams, ...h } = group;
    record.h = h;
    if (change.streams) record.streams = Object.keys(streams).map((name) => streamChange(group, name));
    return record;
  },

  apply(state, raw) {
    if (typeof raw === 'object' && raw !== null && 'region' in raw) {
      const {
        queryDefinitions,
        queryResultsKmsKeyId,
        destinations,
        resourcePolicies,
        accountPolicies,
        anomalyDetectors,
      } = (raw as RegionChange).region;
      state.anomalyDetectors = nameMap(Object.entries(anomalyDetectors ?? {}));
      state.queryDefinitions = nameMap(Object.entries(queryDefinitions ?? {}));
      state.accountPolicies = nameMap(
        Object.entries(accountPolicies ?? {}).map(([type, byName]) => [
          type,
          nameMap(Object.entries(byName)),
        ]),
      );
      state.destinations = nameMap(Object.entries(destinations ?? {}));
      state.resourcePolicies = nameMap(Object.entries(resourcePolicies ?? {}));
      if (queryResultsKmsKeyId === undefined) delete state.queryResultsKmsKeyId;
      else state.queryResultsKmsKeyId = queryResultsKmsKeyId;
      return;
    }
    const record = raw as GroupChange;
    state.nextEventSeq = Math.max(state.nextEventSeq, record.seq);
    if (record.h === undefined && record.streams === undefined) {
      delete state.groups[record.g];
      return;
    }
    let group = own(state.groups, record.g);
    if (record.h) {
      group = state.groups[record.g] = {
        ...record.h,
        streams: group?.streams ?? nameMap(),
      };
    }
    if (!group) return;
    for (const change of record.streams ?? []) {
      const stream = own(group.streams, change.s);
      if (!change.h) delete group.streams[change.s];
      else if (change.at === undefined || !stream)
        group.streams[change.s] = { ...change.h, events: change.e ?? [] };
      else {
        Object.assign(stream, change.h);
        // Events never acknowledged (a failed write) may be missing: keep what is there, gap-free.
        stream.events.length = Math.min(change.at, stream.events.length);
        for (const event of change.e ?? []) stream.events.push(event);
      }
    }
  },

  settled(state) {
    for (const group of Object.values(state.groups)) {
      for (const stream of Object.values(group.streams)) markJournaled(stream);
    }
  },
};
