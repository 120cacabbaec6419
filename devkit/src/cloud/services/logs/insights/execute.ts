/**
 * Runs a parsed query over a snapshot of events, a slice at a time so a long query never holds
 * the event loop: per event, the commands before the first sort, limit, dedup or stats
 * (fields, parse, filter, display) run as it is read; stats folds rows as they come; the rest runs
 * over the rows kept once every event is read. Without a sort, rows come newest first (AWS's
 * default order); results are capped at the query's limit (AWS's default: 10,000).
 */
import type { ResultField } from '@aws-sdk/client-cloudwatch-logs';
import type { LogEventRecord } from '../state.ts';
import { QueryTooLarge, StatsAggregator } from './aggregate.ts';
import type { Command, Query } from './ast.ts';
import { evaluate } from './evaluate.ts';
import { type EventSource, eventRow } from './fields.ts';
import { MAX_LIMIT } from './parser.ts';
import { RegexDeadlineError } from './regex.ts';
import { compareValues, type Row, toText, truthy, type Value } from './values.ts';

/** Most rows kept between reading events and the commands that need them all (sort, dedup, a later filter). */
export const MAX_HELD_ROWS = 200_000;

export interface EventRange {
  /** The events to read (a copy: events that arrive meanwhile are not seen, as on AWS). */
  events: readonly LogEventRecord[];
  source: EventSource & { group: string };
}

export interface QueryStatistics {
  recordsMatched: number;
  recordsScanned: number;
  bytesScanned: number;
}

const isBlocking = (c: Command) =>
  c.kind === 'stats' || c.kind === 'sort' || c.kind === 'limit' || c.kind === 'dedup';

export class QueryExecution {
  readonly statistics: QueryStatistics = { recordsMatched: 0, recordsScanned: 0, bytesScanned: 0 };
  private readonly ranges: readonly EventRange[];
  private readonly streaming: Command[];
  private readonly rest: Command[];
  private readonly aggregator: StatsAggregator | undefined;
  private readonly held: Row[] = [];
  private readonly limit: number;
  private readonly projection: { names: string[] | 'all'; pointer: boolean };
  /** How the held rows may be cut down while reading (undefined: they may not). */
  private readonly pruning: { keep: number; order: SortKeys | undefined } | undefined;
  private readonly maxHeldRows: number;
  private range = 0;
  private position = 0;

  constructor(
    query: Query,
    ranges: readonly EventRange[],
    limit: number | undefined,
    maxHeldRows = MAX_HELD_ROWS,
  ) {
    this.ranges = ranges;
    this.maxHeldRows = maxHeldRows;
    const first = query.commands.findIndex(isBlocking);
    this.streaming = first < 0 ? query.commands : query.commands.slice(0, first);
    const rest = first < 0 ? [] : query.commands.slice(first);
    const head = rest[0];
    this.aggregator = head?.kind === 'stats' ? new StatsAggregator(head) : undefined;
    this.rest = this.aggregator ? rest.slice(1) : rest;
    this.limit = Math.min(limit ?? MAX_LIMIT, MAX_LIMIT);
    this.projection = projectionOf(query.commands);
    this.pruning = this.aggregator ? undefined : pruningOf(this.rest, this.limit);
  }

  /** Reads events until `sliceEnds` says stop; true once every event has been read. */
  advance(sliceEnds: () => boolean): boolean {
    while (this.range < this.ranges.length) {
      const { events, source } = this.ranges[this.range]!;
      while (this.position < events.length) {
        this.read(eventRow(events[this.position++]!, source), events[this.position - 1]!.message);
        if ((this.position & 63) === 0 && sliceEnds()) return false;
      }
      this.range++;
      this.position = 0;
    }
    return true;
  }

  private read(row: Row, message: string): void {
    this.statistics.recordsScanned++;
    this.statistics.bytesScanned += Buffer.byteLength(message);
    for (const command of this.streaming) if (!applyStreaming(command, row)) return;
    this.statistics.recordsMatched++;
    if (this.aggregator) {
      this.aggregator.add(row);
      return;
    }
    this.held.push(row);
    if (this.held.length >= 2 * Math.max(this.pruning?.keep ?? 0, 10_000)) this.prune();
  }

  private prune(): void {
    if (!this.pruning) {
      if (this.held.length > this.maxHeldRows) {
        throw new QueryTooLarge(
          `more than ${this.maxHeldRows} rows had to be kept for sort, dedup or a later filter`,
        );
      }
      return;
    }
    sortRows(this.held, this.pruning.order);
    this.held.length = Math.min(this.held.length, this.pruning.keep);
  }

  /** Runs the commands that needed every row, then shapes the results as GetQueryResults returns them. */
  finish(): ResultField[][] {
    let rows = this.aggregator ? this.aggregator.rows() : this.held;
    sortRows(rows, undefined);
    for (const command of this.rest) rows = applyToRows(command, rows);
    return rows.slice(0, this.limit).map((row) => this.resultRow(row));
  }

  private resultRow(row: Row): ResultField[] {
    const names = this.projection.names === 'all' ? [...row.fields.keys()] : this.projection.names;
    const result: ResultField[] = [];
    for (const field of names) {
      const value = toText(row.fields.get(field));
      if (value !== undefined) result.push({ field, value });
    }
    if (this.projection.pointer) result.push({ field: '@ptr', value: pointerOf(row) });
    return result;
  }
}

/** A query's end other than completion: its time limit, its bounds, or (logged) a fault of ours. */
export function failure(error: unknown): { status: 'Failed' | 'Timeout'; reason: string } {
  if (error instanceof RegexDeadlineError)
    return { status: 'Timeout', reason: 'the query ran past its time limit' };
  if (error instanceof QueryTooLarge) return { status: 'Failed', reason: error.message };
  console.error('[cloud] a Logs Insights query failed:', error);
  return { status: 'Failed', reason: 'internal error' };
}

/** @ptr: where the event is, for GetLogRecord. */
export function pointerOf(row: Row): string {
  const log = toText(row.fields.get('@log')) ?? '';
  const stream = toText(row.fields.get('@logStream')) ?? '';
  return Buffer.from(JSON.stringify([log.slice(log.indexOf(':') + 1), stream, row.eventId])).toString(
    'base64url',
  );
}

/** A per-row command; false when the row is filtered out. */
function applyStreaming(command: Command, row: Row): boolean {
  switch (command.kind) {
    case 'filter':
      return truthy(evaluate(command.expr, row));
    case 'fields':
      // Later items see earlier ones: `fields a * 2 as b, b + 1 as c`.
      for (const item of command.items) row.fields.set(item.name, evaluate(item.expr, row));
      return true;
    case 'parse':
      applyParse(command, row);
      return true;
    default:
      return true;
  }
}

function applyParse(command: Extract<Command, { kind: 'parse' }>, row: Row): void {
  const text = toText(evaluate(command.source, row));
  if (text === undefined) return;
  if (command.pattern.kind === 'regex') {
    const groups = command.pattern.regex.exec(text);
    for (const [name, value] of groups ?? []) row.fields.set(name, value);
    return;
  }
  const captures = globCaptures(command.pattern.literals, text);
  captures?.forEach((value, i) => row.fields.set(command.names[i]!, value));
}

/**
 * The text between the glob's literal parts, each found at its first place after the previous
 * one (a `*` takes as little as it can; a trailing `*` takes the rest). Undefined when a literal
 * is missing: the event keeps no parsed fields.
 */
export function globCaptures(literals: readonly string[], text: string): string[] | undefined {
  let cursor = text.indexOf(literals[0]!);
  if (cursor < 0) return undefined;
  cursor += literals[0]!.length;
  const captures: string[] = [];
  for (let i = 1; i < literals.length; i++) {
    const literal = literals[i]!;
    const last = i === literals.length - 1;
    const at = last && literal === '' ? text.length : text.indexOf(literal, cursor);
    if (at < 0) return undefined;
    captures.push(text.slice(cursor, at));
    cursor = at + literal.length;
  }
  return captures;
}

function applyToRows(command: Command, rows: Row[]): Row[] {
  switch (command.kind) {
    case 'stats': {
      const aggregator = new StatsAggregator(command);
      for (const row of rows) aggregator.add(row);
      const grouped = aggregator.rows();
      sortRows(grouped, undefined);
      return grouped;
    }
    case 'sort':
      return sortRows(rows, command.keys);
    case 'limit':
      return rows.slice(0, command.count);
    case 'dedup': {
      const seen = new Set<string>();
      return rows.filter((row) => {
        const values = command.names.map((name) => row.fields.get(name));
        // Rows missing one of the fields are never duplicates.
        if (values.some((v) => v === undefined || v === null)) return true;
        const key = JSON.stringify(values.map((v) => toText(v)));
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    default:
      return rows.filter((row) => applyStreaming(command, row));
  }
}

type SortKeys = Extract<Command, { kind: 'sort' }>['keys'];

/** Sorts in place by the keys (absent values last), then newest first; without keys, newest first. */
function sortRows(rows: Row[], keys: SortKeys | undefined): Row[] {
  const decorated = rows.map((row) => ({ row, values: (keys ?? []).map((k) => evaluate(k.expr, row)) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < (keys?.length ?? 0); i++) {
      const x: Value = a.values[i];
      const y: Value = b.values[i];
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1;
        continue;
      }
      const order = compareValues(x, y);
      if (order !== 0) return keys![i]!.descending ? -order : order;
    }
    if (a.row.timestamp !== b.row.timestamp) return b.row.timestamp - a.row.timestamp;
    return a.row.eventId < b.row.eventId ? 1 : a.row.eventId > b.row.eventId ? -1 : 0;
  });
  decorated.forEach((d, i) => (rows[i] = d.row));
  return rows;
}

/**
 * What the results show: `display`'s fields when there is one; after stats, its groups and
 * aggregates and what later commands add; otherwise the fields the query names (`fields`,
 * `parse`), or every field of the event when it names none. Event rows carry `@ptr`.
 */
function projectionOf(commands: readonly Command[]): { names: string[] | 'all'; pointer: boolean } {
  const lastStats = commands.findLastIndex((c) => c.kind === 'stats');
  const pointer = lastStats < 0;
  const display = commands.findLast((c) => c.kind === 'display');
  if (display?.kind === 'display') return { names: display.names, pointer };
  const names: string[] = [];
  const add = (name: string) => {
    if (!names.includes(name)) names.push(name);
  };
  const stats = commands[lastStats];
  if (stats?.kind === 'stats') {
    stats.groups.forEach((g) => add(g.name));
    stats.aggregates.forEach((a) => add(a.name));
  }
  for (const command of commands.slice(lastStats + 1)) {
    if (command.kind === 'fields') command.items.forEach((item) => add(item.name));
    if (command.kind === 'parse') command.names.forEach(add);
  }
  return { names: names.length === 0 && lastStats < 0 ? 'all' : names, pointer };
}

/**
 * Held rows may be cut to the best `keep` while reading when nothing after could bring back a row
 * cut: no filter, dedup or stats, and at most one sort, first.
 */
function pruningOf(
  rest: readonly Command[],
  limit: number,
): { keep: number; order: SortKeys | undefined } | undefined {
  if (rest.some((c) => c.kind === 'filter' || c.kind === 'dedup' || c.kind === 'stats')) return undefined;
  const sorts = rest.filter((c) => c.kind === 'sort');
  if (sorts.length > 1 || (sorts.length === 1 && rest[0]!.kind !== 'sort')) return undefined;
  const limits = rest.flatMap((c) => (c.kind === 'limit' ? [c.count] : []));
  const order = rest[0]?.kind === 'sort' ? rest[0].keys : undefined;
  return { keep: Math.min(limit, ...limits), order };
}
