/**
 * Metric values CloudWatch Logs derives from events (metric filters), stored in CloudWatch's
 * metric store the way the embedded metric format's values are (emf.ts): one datum per value,
 * journaled as a change of the region's metrics.
 */
import type { MetricDatum } from '../service-definition.ts';
import {
  cloudwatch,
  type MetricEntry,
  sortedDimensions,
  storeEntries,
} from '../services/cloudwatch/index.ts';
import type { StateStore } from '../state/store.ts';
import { pointOf } from './emf.ts';

/** Metric filters publish at one-minute resolution, as on AWS. */
const RESOLUTION = 60;

export function publishLogMetrics(
  store: StateStore,
  region: string,
  data: readonly MetricDatum[],
  now = Date.now(),
): void {
  if (data.length === 0) return;
  const entries: MetricEntry[] = data.map((datum) => ({
    namespace: datum.namespace,
    name: datum.name,
    dimensions: sortedDimensions(datum.dimensions),
    point: pointOf(datum.timestamp, datum.unit, datum.value, RESOLUTION),
  }));
  storeMetricEntries(store, region, entries, now);
}

/** Stores points in a region's CloudWatch metrics and journals them (nobody waits for the write). */
export function storeMetricEntries(
  store: StateStore,
  region: string,
  entries: MetricEntry[],
  now: number,
): void {
  storeEntries(
    store.slice('monitoring', region, () => cloudwatch.initialState(region)),
    entries,
    now,
  );
  store.markDirty('monitoring', region, { points: entries, at: now });
}
