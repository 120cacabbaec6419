/**
 * The metrics CloudWatch extracts from an event in the embedded metric format: for each directive,
 * each metric under each dimension set, the event's value at the event's time. A dimension set
 * naming a field the event lacks yields nothing, as CloudWatch skips it.
 */
import { type MetricEntry, sortedDimensions } from '../services/cloudwatch/index.ts';
import type { PerformanceEvent } from './performance-events.ts';

/** `resolution`: 1 (high resolution) when samples come more often than once a minute. */
export function extractMetrics(event: PerformanceEvent, resolution: number): MetricEntry[] {
  const entries: MetricEntry[] = [];
  for (const directive of event.CloudWatchMetrics ?? []) {
    for (const set of directive.Dimensions) {
      const values = set.map((name) => event[name]);
      if (!values.every((v): v is string => typeof v === 'string')) continue;
      const dimensions = sortedDimensions(set.map((Name, i) => ({ Name, Value: values[i]! })));
      for (const { Name, Unit } of directive.Metrics) {
        const value = event[Name];
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        entries.push({
          namespace: directive.Namespace,
          name: Name,
          dimensions,
          point: pointOf(event.Timestamp, Unit, value, resolution),
        });
      }
    }
  }
  return entries;
}

/** One datum as PutMetricData stores a single Value. */
export function pointOf(t: number, unit: string, value: number, resolution: number): MetricEntry['point'] {
  return { t, unit, n: 1, sum: value, min: value, max: value, values: [value], counts: [1], resolution };
}
