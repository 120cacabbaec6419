/**
 * The fields Logs Insights sees in an event: the system fields (@timestamp, @message,
 * @logStream, @log, @ingestionTime) and, for a JSON message, its members flattened with dots
 * (`req.headers.host`, arrays by index: `tags.0`), at most 200 of them as AWS extracts.
 */
import type { LogEventRecord } from '../state.ts';
import { Instant, type Row, type Value } from './values.ts';

export const MAX_DISCOVERED_FIELDS = 200;
const MAX_DEPTH = 32;

export interface EventSource {
  /** `@log`: `<account>:<group>`, as AWS names the event's log group. */
  log: string;
  logStream: string;
}

/** The event's fields: as readers see it, or with `unmask` as it was ingested (before masking). */
export function eventRow(event: LogEventRecord, source: EventSource, unmask = false): Row {
  const fieldsOf = (message: string) => {
    const fields = new Map<string, Value>([
      ['@timestamp', new Instant(event.timestamp)],
      ['@message', message],
      ['@logStream', source.logStream],
      ['@log', source.log],
      ['@ingestionTime', new Instant(event.ingestionTime)],
    ]);
    for (const [name, value] of discoveredFields(message)) if (!fields.has(name)) fields.set(name, value);
    return fields;
  };
  const original = event.unmasked ?? event.message;
  const row: Row = {
    fields: fieldsOf(unmask ? original : event.message),
    timestamp: event.timestamp,
    eventId: event.eventId,
  };
  if (!unmask && event.unmasked !== undefined) row.unmasked = fieldsOf(event.unmasked);
  return row;
}

/** The JSON message's members, flattened; none when the message is not a JSON object. */
export function discoveredFields(message: string): Array<[string, Value]> {
  if (!/^\s*\{/.test(message)) return [];
  let document: unknown;
  try {
    document = JSON.parse(message);
  } catch {
    return [];
  }
  const found: Array<[string, Value]> = [];
  flatten(document, '', found, 0);
  return found;
}

function flatten(value: unknown, prefix: string, found: Array<[string, Value]>, depth: number): void {
  if (found.length >= MAX_DISCOVERED_FIELDS) return;
  if (value !== null && typeof value === 'object') {
    if (depth >= MAX_DEPTH) return;
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    for (const [key, member] of entries) {
      flatten(member, prefix === '' ? key : `${prefix}.${key}`, found, depth + 1);
      if (found.length >= MAX_DISCOVERED_FIELDS) return;
    }
    return;
  }
  if (prefix === '') return;
  found.push([prefix, value as Value]);
}
