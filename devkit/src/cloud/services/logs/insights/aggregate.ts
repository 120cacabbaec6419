/**
 * `stats`: rows grouped by the `by` expressions, each group folding its rows into the
 * aggregates. Groups and the values kept for pct and count_distinct are bounded; past the bounds
 * the query fails rather than take the cloud's memory.
 */
import type { Aggregate, Command } from './ast.ts';
import { evaluate } from './evaluate.ts';
import { compareValues, Instant, type Row, toNumber, toText, type Value } from './values.ts';

/** Most groups one stats command may build. */
export const MAX_GROUPS = 100_000;
/** Most values one query may keep for pct and count_distinct, over all its groups. */
export const MAX_KEPT_VALUES = 1_000_000;

export class QueryTooLarge extends Error {}

interface Accumulator {
  count: number;
  sum: number;
  sumOfSquares: number;
  min: Value;
  max: Value;
  values: number[];
  distinct: Set<string>;
  earliest: { t: number; value: Value } | undefined;
  latest: { t: number; value: Value } | undefined;
}

interface Group {
  keys: Value[];
  accumulators: Accumulator[];
  first: Row;
}

type StatsCommand = Extract<Command, { kind: 'stats' }>;

export class StatsAggregator {
  private readonly command: StatsCommand;
  private readonly groups = new Map<string, Group>();
  private kept = 0;

  constructor(command: StatsCommand) {
    this.command = command;
  }

  add(row: Row): void {
    const keys = this.command.groups.map((g) => evaluate(g.expr, row));
    const id = JSON.stringify(keys.map((k) => (k instanceof Instant ? { t: k.ms } : (k ?? null))));
    let group = this.groups.get(id);
    if (!group) {
      if (this.groups.size >= MAX_GROUPS)
        throw new QueryTooLarge(`stats made more than ${MAX_GROUPS} groups`);
      group = { keys, accumulators: this.command.aggregates.map(newAccumulator), first: row };
      this.groups.set(id, group);
    }
    this.command.aggregates.forEach((aggregate, i) => this.fold(aggregate, group.accumulators[i]!, row));
  }

  private fold(aggregate: Aggregate, acc: Accumulator, row: Row): void {
    if (!aggregate.arg) {
      acc.count++;
      return;
    }
    const value = evaluate(aggregate.arg, row);
    if (value === undefined || value === null) return;
    acc.count++;
    switch (aggregate.fn) {
      case 'count':
        return;
      case 'count_distinct': {
        const key = toText(value)!;
        if (!acc.distinct.has(key)) {
          this.keep();
          acc.distinct.add(key);
        }
        return;
      }
      case 'min':
        if (acc.min === undefined || compareValues(value, acc.min) < 0) acc.min = value;
        return;
      case 'max':
        if (acc.max === undefined || compareValues(value, acc.max) > 0) acc.max = value;
        return;
      case 'earliest':
        if (!acc.earliest || row.timestamp < acc.earliest.t) acc.earliest = { t: row.timestamp, value };
        return;
      case 'latest':
        if (!acc.latest || row.timestamp >= acc.latest.t) acc.latest = { t: row.timestamp, value };
        return;
      default: {
        const n = toNumber(value);
        if (n === undefined) {
          acc.count--;
          return;
        }
        acc.sum += n;
        acc.sumOfSquares += n * n;
        if (aggregate.fn === 'pct') {
          this.keep();
          acc.values.push(n);
        }
      }
    }
  }

  private keep(): void {
    if (++this.kept > MAX_KEPT_VALUES) {
      throw new QueryTooLarge(`pct and count_distinct kept more than ${MAX_KEPT_VALUES} values`);
    }
  }

  /** One row per group: its `by` values, then its aggregates, named as the query names them. */
  rows(): Row[] {
    return [...this.groups.values()].map((group) => {
      const fields = new Map<string, Value>();
      this.command.groups.forEach((g, i) => fields.set(g.name, group.keys[i]));
      this.command.aggregates.forEach((aggregate, i) =>
        fields.set(aggregate.name, result(aggregate, group.accumulators[i]!)),
      );
      return { fields, timestamp: group.first.timestamp, eventId: group.first.eventId };
    });
  }
}

function newAccumulator(): Accumulator {
  return {
    count: 0,
    sum: 0,
    sumOfSquares: 0,
    min: undefined,
    max: undefined,
    values: [],
    distinct: new Set(),
    earliest: undefined,
    latest: undefined,
  };
}

function result(aggregate: Aggregate, acc: Accumulator): Value {
  switch (aggregate.fn) {
    case 'count':
      return acc.count;
    case 'count_distinct':
      return acc.distinct.size;
    case 'sum':
      return acc.count === 0 ? undefined : acc.sum;
    case 'avg':
      return acc.count === 0 ? undefined : acc.sum / acc.count;
    case 'min':
      return acc.min;
    case 'max':
      return acc.max;
    case 'stddev': {
      if (acc.count < 2) return acc.count === 0 ? undefined : 0;
      const mean = acc.sum / acc.count;
      return Math.sqrt(Math.max(0, (acc.sumOfSquares - acc.count * mean * mean) / (acc.count - 1)));
    }
    case 'pct': {
      if (acc.values.length === 0) return undefined;
      const sorted = acc.values.sort((a, b) => a - b);
      // Nearest rank: the smallest value with at least p% of the values at or below it.
      const rank = Math.max(1, Math.ceil((aggregate.percentile! / 100) * sorted.length));
      return sorted[rank - 1];
    }
    case 'earliest':
      return acc.earliest?.value;
    case 'latest':
      return acc.latest?.value;
  }
}
