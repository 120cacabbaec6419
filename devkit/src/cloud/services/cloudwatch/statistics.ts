/** Statistics over a metric's points: buckets of one period, the five statistics and percentiles. */
import { InvalidParameterValue } from './errors.ts';
import type { MetricPoint, MetricRecord } from './state.ts';

/** What a bucket of points adds up to. */
export interface Aggregate {
  start: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  unit: string;
  /** Raw values with their counts, from points that kept them (percentiles read these). */
  values: Array<[value: number, count: number]>;
}

const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$/;
export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

/** Whether `stat` is one of the five statistics or a percentile `pNN[.N]` (what the local cloud computes). */
export function checkStatistic(stat: string, parameter: string): void {
  if (!STATISTICS.includes(stat) && !PERCENTILE.test(stat)) {
    throw new InvalidParameterValue(
      `The value ${stat} for parameter ${parameter} is not supported. Use SampleCount, Average, Sum, Minimum, Maximum or a percentile such as p99.`,
    );
  }
}

/**
 * The points of `metric` in [start, end) with `unit` (any unit when undefined), summed per bucket
 * of `period` seconds counted from `start`. Buckets without points are absent; raw values are
 * gathered only for percentiles (`withValues`).
 */
export function aggregate(
  metric: MetricRecord,
  start: number,
  end: number,
  period: number,
  unit: string | undefined,
  withValues: boolean,
): Aggregate[] {
  const buckets = new Map<number, Aggregate>();
  const periodMs = period * 1000;
  for (let i = firstAtOrAfter(metric.points, start); i < metric.points.length; i++) {
    const p = metric.points[i]!;
    if (p.t >= end) break;
    if (unit !== undefined && p.unit !== unit) continue;
    const bucketStart = start + Math.floor((p.t - start) / periodMs) * periodMs;
    let b = buckets.get(bucketStart);
    if (!b) {
      buckets.set(
        bucketStart,
        (b = { start: bucketStart, n: 0, sum: 0, min: Infinity, max: -Infinity, unit: p.unit, values: [] }),
      );
    }
    b.n += p.n;
    b.sum += p.sum;
    b.min = Math.min(b.min, p.min);
    b.max = Math.max(b.max, p.max);
    if (withValues) addValues(b, p);
  }
  return [...buckets.values()];
}

/** AWS: a statistic set yields percentiles only when all its samples are one value. */
function addValues(b: Aggregate, p: MetricPoint): void {
  if (p.values) p.values.forEach((v, j) => b.values.push([v, p.counts?.[j] ?? 1]));
  else if (p.min === p.max) b.values.push([p.min, p.n]);
}

function firstAtOrAfter(points: readonly MetricPoint[], t: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A statistic of a bucket; undefined when it cannot be computed (a percentile without raw values). */
export function isPercentile(stat: string): boolean {
  return stat.startsWith('p');
}

export function statistic(b: Aggregate, stat: string): number | undefined {
  switch (stat) {
    case 'SampleCount':
      return b.n;
    case 'Sum':
      return b.sum;
    case 'Average':
      return b.sum / b.n;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
    default:
      return percentile(b.values, Number(stat.slice(1)));
  }
}

/** Nearest-rank percentile over weighted values. */
function percentile(values: Array<[number, number]>, p: number): number | undefined {
  const total = values.reduce((a, [, c]) => a + c, 0);
  if (total === 0) return undefined;
  const sorted = [...values].sort((a, b) => a[0] - b[0]);
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [v, c] of sorted) {
    seen += c;
    if (seen >= rank) return v;
  }
  return sorted.at(-1)![0];
}
