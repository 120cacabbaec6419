/**
 * Writing points into the metric store, and retention. The same function stores a PutMetricData
 * call and replays its journal record, so a restart rebuilds exactly what was acknowledged.
 */
import type { Dimension } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchState, MetricPoint, MetricRecord } from './state.ts';
import { MAX_METRICS, MAX_POINTS_PER_METRIC, metricKey, own, RETENTION_MS } from './state.ts';

/** One point for one metric (dimensions sorted): what a PutMetricData call stores, and its journal record. */
export interface MetricEntry {
  namespace: string;
  name: string;
  dimensions: Dimension[];
  point: MetricPoint;
}

/** Stores `entries` received at `now`, then drops what retention no longer keeps. */
export function storeEntries(state: CloudWatchState, entries: readonly MetricEntry[], now: number): void {
  for (const { namespace, name, dimensions, point } of entries) {
    const key = metricKey(namespace, name, dimensions);
    let metric = own(state.metrics, key);
    if (!metric) state.metrics[key] = metric = { namespace, name, dimensions, points: [], lastPut: now };
    metric.lastPut = Math.max(metric.lastPut, now);
    insertSorted(metric.points, point);
    if (metric.points.length > MAX_POINTS_PER_METRIC) {
      metric.points.splice(0, metric.points.length - MAX_POINTS_PER_METRIC);
    }
  }
  applyRetention(state, now);
}

/** Points usually arrive in time order: appending is the common case, a binary search the rest. */
function insertSorted(points: MetricPoint[], point: MetricPoint): void {
  if (points.length === 0 || points.at(-1)!.t <= point.t) {
    points.push(point);
    return;
  }
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (points[mid]!.t <= point.t) lo = mid + 1;
    else hi = mid;
  }
  points.splice(lo, 0, point);
}

/** Points older than the retention go; a metric left without points goes; past MAX_METRICS, the least recently written go. */
function applyRetention(state: CloudWatchState, now: number): void {
  const oldest = now - RETENTION_MS;
  const keys = Object.keys(state.metrics);
  for (const key of keys) {
    const metric = state.metrics[key]!;
    if (metric.points.length > 0 && metric.points[0]!.t >= oldest) continue;
    const keep = metric.points.findIndex((p) => p.t >= oldest);
    if (keep < 0) delete state.metrics[key];
    else metric.points.splice(0, keep);
  }
  const excess = Object.keys(state.metrics).length - MAX_METRICS;
  if (excess > 0) {
    const byAge = Object.entries(state.metrics).sort(([, a], [, b]) => a.lastPut - b.lastPut);
    for (const [key] of byAge.slice(0, excess)) delete state.metrics[key];
  }
}

/** The metric a query names, if it has data. */
export function findMetric(
  state: CloudWatchState,
  namespace: string,
  name: string,
  dimensions: readonly Dimension[] | undefined,
): MetricRecord | undefined {
  const sorted = [...(dimensions ?? [])].sort((a, b) => (a.Name! < b.Name! ? -1 : a.Name! > b.Name! ? 1 : 0));
  return own(state.metrics, metricKey(namespace, name, sorted));
}
