/**
 * The functions a query may call outside stats (string, numeric, datetime and general ones, as
 * Logs Insights names them), each with its arity. Arguments arrive evaluated; an absent argument
 * gives an absent result unless the function is about presence.
 */
import { Instant, type Row, toNumber, toText, type Value } from './values.ts';

interface FunctionSpec {
  min: number;
  max: number;
  apply: (args: Value[], row: Row) => Value;
}

function text(fn: (s: string, ...rest: Value[]) => Value): (args: Value[]) => Value {
  return ([first, ...rest]) => {
    const s = toText(first);
    return s === undefined ? undefined : fn(s, ...rest);
  };
}

function numeric(fn: (n: number) => number): (args: Value[]) => Value {
  return ([first]) => {
    const n = toNumber(first);
    return n === undefined ? undefined : fn(n);
  };
}

/** Floors (or ceils) a time to a multiple of `period` ms since the epoch. */
function roundTime(value: Value, period: Value, up: boolean): Value {
  const ms = toNumber(value);
  const step = toNumber(period);
  if (ms === undefined || step === undefined || step <= 0) return undefined;
  const floor = Math.floor(ms / step) * step;
  return new Instant(up && floor < ms ? floor + step : floor);
}

function timestampOf(row: Row): Value {
  return row.fields.get('@timestamp') ?? new Instant(row.timestamp);
}

const presentValues = (args: Value[]) => args.filter((v) => v !== undefined && v !== null);

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  // General
  ['ispresent', { min: 1, max: 1, apply: ([v]) => v !== undefined }],
  ['isempty', { min: 1, max: 1, apply: ([v]) => v === undefined || v === null || toText(v) === '' }],
  ['isblank', { min: 1, max: 1, apply: ([v]) => v === undefined || v === null || toText(v)!.trim() === '' }],
  ['coalesce', { min: 1, max: Infinity, apply: (args) => presentValues(args)[0] }],
  // Strings
  ['strlen', { min: 1, max: 1, apply: text((s) => s.length) }],
  ['toupper', { min: 1, max: 1, apply: text((s) => s.toUpperCase()) }],
  ['tolower', { min: 1, max: 1, apply: text((s) => s.toLowerCase()) }],
  ['trim', { min: 1, max: 1, apply: text((s) => s.trim()) }],
  ['ltrim', { min: 1, max: 1, apply: text((s) => s.trimStart()) }],
  ['rtrim', { min: 1, max: 1, apply: text((s) => s.trimEnd()) }],
  ['concat', { min: 1, max: Infinity, apply: (args) => args.map((v) => toText(v) ?? '').join('') }],
  [
    'substr',
    {
      min: 2,
      max: 3,
      apply: text((s, start, length) => {
        const from = Math.max(0, Math.trunc(toNumber(start) ?? 0));
        const count = length === undefined ? undefined : Math.max(0, Math.trunc(toNumber(length) ?? 0));
        return count === undefined ? s.slice(from) : s.slice(from, from + count);
      }),
    },
  ],
  [
    'replace',
    {
      min: 3,
      max: 3,
      apply: text((s, find, by) => {
        const what = toText(find) ?? '';
        return what === '' ? s : s.split(what).join(toText(by) ?? '');
      }),
    },
  ],
  ['strcontains', { min: 2, max: 2, apply: text((s, part) => (s.includes(toText(part) ?? '') ? 1 : 0)) }],
  // Numbers
  ['abs', { min: 1, max: 1, apply: numeric(Math.abs) }],
  ['ceil', { min: 1, max: 1, apply: numeric(Math.ceil) }],
  ['floor', { min: 1, max: 1, apply: numeric(Math.floor) }],
  ['sqrt', { min: 1, max: 1, apply: numeric(Math.sqrt) }],
  ['log', { min: 1, max: 1, apply: numeric(Math.log) }],
  [
    'greatest',
    {
      min: 1,
      max: Infinity,
      apply: (args) =>
        maxOf(
          args.map(toNumber).filter((n) => n !== undefined),
          1,
        ),
    },
  ],
  [
    'least',
    {
      min: 1,
      max: Infinity,
      apply: (args) =>
        maxOf(
          args.map(toNumber).filter((n) => n !== undefined),
          -1,
        ),
    },
  ],
  // Date and time
  ['bin', { min: 1, max: 1, apply: ([period], row) => roundTime(timestampOf(row), period, false) }],
  ['datefloor', { min: 2, max: 2, apply: ([time, period]) => roundTime(time, period, false) }],
  ['dateceil', { min: 2, max: 2, apply: ([time, period]) => roundTime(time, period, true) }],
  [
    'frommillis',
    { min: 1, max: 1, apply: ([v]) => (toNumber(v) === undefined ? undefined : new Instant(toNumber(v)!)) },
  ],
  ['tomillis', { min: 1, max: 1, apply: ([v]) => toNumber(v) }],
]);

function maxOf(numbers: number[], sign: 1 | -1): Value {
  if (numbers.length === 0) return undefined;
  return numbers.reduce((best, n) => (sign * n > sign * best ? n : best));
}
