/** CloudWatch's recorded state (per region): metrics with their points, alarms, alarm history. */
import type { Dimension } from '@aws-sdk/client-cloudwatch';
import { arn, nameMap } from '../common.ts';

/**
 * One stored datum: its time, unit, and statistic set (count, sum, min, max); raw `values` with
 * their `counts` when the client sent them (Value, or Values/Counts), which percentiles need.
 */
export interface MetricPoint {
  t: number;
  unit: string;
  n: number;
  sum: number;
  min: number;
  max: number;
  values?: number[];
  counts?: number[];
  /** 1 for high-resolution data; 60 (standard) otherwise. */
  resolution: number;
}

export interface MetricRecord {
  namespace: string;
  name: string;
  /** Sorted by name: a metric is its namespace, name and dimension set, in any order sent. */
  dimensions: Dimension[];
  /** Sorted by time. */
  points: MetricPoint[];
  /** When data last arrived (ListMetrics' RecentlyActive). */
  lastPut: number;
}

/** An alarm as PutMetricAlarm defined it, with its evaluated state. */
export interface AlarmRecord {
  name: string;
  arn: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  namespace?: string;
  metricName?: string;
  dimensions: Dimension[];
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  unit?: string;
  /** Metric math alarms: the queries as sent (`Metrics`). */
  metrics?: unknown[];
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold: number;
  comparisonOperator: string;
  treatMissingData: string;
  evaluateLowSampleCountPercentile?: string;
  tags: Array<{ Key: string; Value: string }>;
  configurationUpdated: number;
  state: string;
  stateReason: string;
  stateReasonData?: string;
  stateUpdated: number;
  stateTransitioned: number;
}

export interface HistoryRecord {
  /** Orders history and tells the journal which items it has not written yet. */
  seq: number;
  alarmName: string;
  t: number;
  type: 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
  summary: string;
  data: string;
}

export interface CloudWatchState {
  /** Keyed by `metricKey`. */
  metrics: Record<string, MetricRecord>;
  alarms: Record<string, AlarmRecord>;
  history: HistoryRecord[];
  nextHistorySeq: number;
}

/**
 * Retention, bounded for a laptop (AWS keeps 15 months, irrelevant locally): points for 14 days
 * (PutMetricData accepts timestamps up to two weeks old), at most 20,000 per metric (two weeks of
 * one-minute data) and 5,000 metrics per region (the least recently written go first); the last
 * 5,000 alarm history items.
 */
export const RETENTION_MS = 14 * 24 * 3600 * 1000;
export const MAX_POINTS_PER_METRIC = 20_000;
export const MAX_METRICS = 5_000;
export const MAX_HISTORY = 5_000;

export const initialCloudWatchState = (): CloudWatchState => ({
  metrics: nameMap(),
  alarms: nameMap(),
  history: [],
  nextHistorySeq: 1,
});

export function sortedDimensions(dimensions: readonly Dimension[] | undefined): Dimension[] {
  return [...(dimensions ?? [])]
    .map((d) => ({ Name: d.Name!, Value: d.Value! }))
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

export function metricKey(namespace: string, name: string, dimensions: readonly Dimension[]): string {
  return JSON.stringify([namespace, name, ...dimensions.flatMap((d) => [d.Name, d.Value])]);
}

export function own<T>(map: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

export function alarmArn(region: string, accountId: string, name: string): string {
  return arn('cloudwatch', region, accountId, `alarm:${name}`);
}

export function addHistory(state: CloudWatchState, item: Omit<HistoryRecord, 'seq'>): void {
  state.history.push({ seq: state.nextHistorySeq++, ...item });
  if (state.history.length > MAX_HISTORY) state.history.splice(0, state.history.length - MAX_HISTORY);
}
