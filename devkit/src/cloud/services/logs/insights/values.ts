/**
 * Values in a query: what JSON discovery and functions produce (strings, numbers, booleans,
 * null), instants for @timestamp-like fields, undefined for an absent field. Results are strings,
 * as GetQueryResults returns them.
 */

/** A point in time (epoch milliseconds): compares as a number, prints as AWS prints @timestamp. */
export class Instant {
  readonly ms: number;

  constructor(ms: number) {
    this.ms = ms;
  }
}

export type Value = string | number | boolean | null | Instant | undefined;

/** One record flowing through the pipeline: an event's fields, or a row of stats. */
export interface Row {
  fields: Map<string, Value>;
  /** The event's fields as ingested, where data protection masked its message (`unmask()` reads them). */
  unmasked?: Map<string, Value>;
  /** The event's time and id (stats rows: their first event's), for the default newest-first order. */
  timestamp: number;
  eventId: string;
}

const NUMERIC = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/** The value as a number, when it is one or reads as one. */
export function toNumber(value: Value): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Instant) return value.ms;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

/** `2024-05-01 12:34:56.789`: how Logs Insights prints times (UTC). */
export function formatInstant(ms: number): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(ms);
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** The value as GetQueryResults returns it; undefined when absent. */
export function toText(value: Value): string | undefined {
  if (value === undefined) return undefined;
  if (value === null) return 'null';
  if (value instanceof Instant) return formatInstant(value.ms);
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(15)));
  return String(value);
}

/** Numbers (and values that read as numbers) by value, anything else by its text; absent sorts last. */
export function compareValues(a: Value, b: Value): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x !== undefined && y !== undefined) return x - y;
  const s = toText(a)!;
  const t = toText(b)!;
  return s < t ? -1 : s > t ? 1 : 0;
}

export function truthy(value: Value): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return value.length > 0;
  return value instanceof Instant;
}
