/**
 * How events are stored: per stream, an array sorted by eventId. PutLogEvents and the ECS runtime's
 * awslogs shipping both append through `appendEvents`, so retention, ordering and ids have one
 * code path.
 */
import type { RejectedLogEventsInfo } from '@aws-sdk/client-cloudwatch-logs';
import type { MetricDatum } from '../../service-definition.ts';
import { dataProtectionOf, protect, type FindingsReport } from './data-protection.ts';
import { indexEvents } from './index-policies.ts';
import { metricFilterData } from './metric-filters.ts';
import { transformerOf } from './transformers.ts';
import type { LogEventRecord, LogGroupRecord, LogStreamRecord, LogsState } from './state.ts';
import { findGroup, findStream, newStream } from './state.ts';

export interface NewLogEvent {
  timestamp: number;
  message: string;
}

/** Told of each batch of events a region stores, as it is stored (Live Tail sessions listen). */
export type IngestionListener = (group: string, stream: string, events: readonly LogEventRecord[]) => void;

const listeners = new WeakMap<LogsState, Set<IngestionListener>>();

/** Listens to the events stored in `state`'s region from now on; the returned function stops it. */
export function onIngestion(state: LogsState, listener: IngestionListener): () => void {
  let set = listeners.get(state);
  if (!set) listeners.set(state, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

const DAY_MS = 86_400_000;
/** AWS refuses events more than 14 days old or more than 2 hours ahead of its clock. */
export const MAX_EVENT_AGE_MS = 14 * DAY_MS;
export const MAX_EVENT_LEAD_MS = 2 * 3_600_000;
/** 1 MB: the most one upload may carry and one page of events may return. */
export const MAX_PAYLOAD_BYTES = 1_048_576;
/** AWS counts 26 bytes per event on top of its message, in uploads and in pages. */
export const EVENT_OVERHEAD_BYTES = 26;
/** Events per page when the caller sets no limit (GetLogEvents, FilterLogEvents). */
export const DEFAULT_EVENTS_LIMIT = 10_000;

/**
 * AWS's event ids are 56 decimal digits. Ours are the timestamp (20 digits) then the region's
 * arrival sequence (36 digits): unique, stable across restarts, and ordered by timestamp then
 * arrival as plain strings — which is the order GetLogEvents and FilterLogEvents return.
 */
export function eventIdFor(timestamp: number, seq: number): string {
  return String(timestamp).padStart(20, '0') + String(seq).padStart(36, '0');
}

/** The earliest timestamp the group's retention still keeps (-Infinity without retention). */
export function retentionCutoff(group: LogGroupRecord, now: number): number {
  return group.retentionInDays === undefined ? -Infinity : now - group.retentionInDays * DAY_MS;
}

/** The first index whose event satisfies `pred` (which must be false then true along the array). */
export function lowerBound(
  events: readonly LogEventRecord[],
  pred: (event: LogEventRecord) => boolean,
): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(events[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** What a reader sees: the masked message, or with `unmask` (logs:Unmask allowed it) the one ingested. */
export function readMessage(event: LogEventRecord, unmask: boolean | undefined): string {
  return unmask ? (event.unmasked ?? event.message) : event.message;
}

/** The bytes an event stores: its message as ingested. */
export function storedBytesOf(event: LogEventRecord): number {
  return Buffer.byteLength(event.unmasked ?? event.message);
}

/** Drops events older than the group's retention (AWS deletes them; until then they are not returned). */
export function pruneExpired(group: LogGroupRecord, stream: LogStreamRecord, now: number): void {
  const cutoff = retentionCutoff(group, now);
  const expired = lowerBound(stream.events, (e) => e.timestamp >= cutoff);
  if (expired === 0) return;
  for (const event of stream.events.slice(0, expired)) stream.storedBytes -= storedBytesOf(event);
  stream.events.splice(0, expired);
}

/** The stream, created when missing, as the awslogs driver creates its stream at container start. */
export function ensureLogStream(
  state: LogsState,
  group: string,
  stream: string,
  now = Date.now(),
): LogStreamRecord {
  const record = findGroup(state, group);
  return (record.streams[stream] ??= newStream(stream, now));
}

export interface AppendResult {
  /** Which events were refused, as PutLogEvents reports it (indices into `events`); absent when none. */
  rejected: RejectedLogEventsInfo | undefined;
  /** The stream's (no longer required) sequence token after this upload. */
  sequenceToken: string;
  /** What the group's metric filters make of the stored events, for CloudWatch metrics. */
  metrics: MetricDatum[];
  /** Other streams this upload wrote to (data protection findings reports), for the journal. */
  findingsStreams: Array<{ group: string; stream: string }>;
}

/**
 * Appends events to an existing stream. Events too old, too new or beyond the group's retention
 * are refused as AWS refuses them; the rest are stored in order (any order is accepted here:
 * PutLogEvents checks its own batch's order before calling this), masked as the group's data
 * protection policies ask, their findings reports written to the policies' log groups.
 */
export function appendEvents(
  state: LogsState,
  groupName: string,
  streamName: string,
  events: readonly NewLogEvent[],
  now = Date.now(),
): AppendResult {
  const group = findGroup(state, groupName);
  const stream = findStream(group, streamName);
  const transform = transformerOf(state, group);
  const policies = dataProtectionOf(state, group);
  const findings = new Map<string, FindingsReport[]>();
  const oldest = now - MAX_EVENT_AGE_MS;
  const newest = now + MAX_EVENT_LEAD_MS;
  const cutoff = retentionCutoff(group, now);
  const rejected: RejectedLogEventsInfo = {};
  const accepted: LogEventRecord[] = [];
  let inOrder = true;
  let previous = stream.events.at(-1)?.eventId ?? '';
  events.forEach((event, index) => {
    if (event.timestamp < oldest) rejected.tooOldLogEventEndIndex = index + 1;
    if (event.timestamp < cutoff) rejected.expiredLogEventEndIndex = index + 1;
    if (event.timestamp > newest) rejected.tooNewLogEventStartIndex ??= index;
    if (event.timestamp < oldest || event.timestamp < cutoff || event.timestamp > newest) return;
    const eventId = eventIdFor(event.timestamp, state.nextEventSeq++);
    if (eventId < previous) inOrder = false;
    previous = eventId;
    // Transformed first, then masked: what readers see is the transformed event, protected.
    const message = transform ? transform(event.message) : event.message;
    const record: LogEventRecord = { timestamp: event.timestamp, message, ingestionTime: now, eventId };
    if (policies.length > 0) {
      const { masked, findings: reports } = protect(policies, message, `${group.arn}:*`, now);
      if (masked !== message) Object.assign(record, { message: masked, unmasked: message });
      for (const { logGroup, report } of reports)
        findings.set(logGroup, [...(findings.get(logGroup) ?? []), report]);
    }
    accepted.push(record);
    stream.storedBytes += storedBytesOf(record);
  });
  if (accepted.length > 0) {
    for (const event of accepted) stream.events.push(event);
    // The common case (newer than everything stored) stays a plain append.
    if (!inOrder) stream.events.sort(byEventId);
    stream.lastIngestionTime = now;
    indexEvents(state, group, stream, accepted, now);
    for (const listener of listeners.get(state) ?? []) listener(groupName, streamName, accepted);
  }
  pruneExpired(group, stream, now);
  stream.uploads++;
  const result: AppendResult = {
    rejected: Object.keys(rejected).length > 0 ? rejected : undefined,
    sequenceToken: sequenceToken(stream),
    metrics: metricFilterData(group, accepted),
    findingsStreams: [],
  };
  for (const [logGroup, reports] of findings) writeFindings(state, logGroup, groupName, reports, now, result);
  return result;
}

/**
 * Appends findings reports to the findings log group, in a stream named after the audited group;
 * a findings group deleted since the policy was put gets none. Reports are stored as written: no
 * data protection of their own (they hold offsets, not data), so no findings about findings.
 */
function writeFindings(
  state: LogsState,
  logGroup: string,
  audited: string,
  reports: readonly FindingsReport[],
  now: number,
  result: AppendResult,
): void {
  const group = Object.hasOwn(state.groups, logGroup) ? state.groups[logGroup]! : undefined;
  if (!group) return;
  const stream = (group.streams[audited] ??= newStream(audited, now));
  const records = reports.map((report) => ({
    timestamp: now,
    message: JSON.stringify(report),
    ingestionTime: now,
    eventId: eventIdFor(now, state.nextEventSeq++),
  }));
  const inOrder = (stream.events.at(-1)?.eventId ?? '') < records[0]!.eventId;
  for (const record of records) {
    stream.events.push(record);
    stream.storedBytes += storedBytesOf(record);
  }
  if (!inOrder) stream.events.sort(byEventId);
  stream.lastIngestionTime = now;
  for (const listener of listeners.get(state) ?? []) listener(logGroup, audited, records);
  result.metrics.push(...metricFilterData(group, records));
  result.findingsStreams.push({ group: logGroup, stream: audited });
}

function byEventId(a: LogEventRecord, b: LogEventRecord): number {
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

export function sequenceToken(stream: LogStreamRecord): string {
  return String(stream.uploads).padStart(56, '0');
}
