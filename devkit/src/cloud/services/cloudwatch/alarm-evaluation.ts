/**
 * Alarm evaluation, as CloudWatch does it on its own clock: the last EvaluationPeriods periods
 * (ending now) are each reduced to one datapoint; the alarm is ALARM when at least
 * DatapointsToAlarm of them breach, OK otherwise, and missing periods count as TreatMissingData
 * says (missing: left out, and no datapoint at all is INSUFFICIENT_DATA; ignore: state kept).
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { changeState } from './alarms.ts';
import { runQueries } from './get-metric-data.ts';
import type { AlarmRecord, CloudWatchState } from './state.ts';

/** The queries an alarm evaluates: its metric math, or its one metric as a query. */
function queriesOf(alarm: AlarmRecord): { queries: MetricDataQuery[]; period: number } {
  if (alarm.metrics) {
    const queries = alarm.metrics as MetricDataQuery[];
    const period = queries.find((q) => q.MetricStat)?.MetricStat?.Period ?? queries[0]?.Period ?? 60;
    return { queries, period };
  }
  return {
    period: alarm.period!,
    queries: [
      {
        Id: 'm1',
        MetricStat: {
          Metric: {
            Namespace: alarm.namespace!,
            MetricName: alarm.metricName!,
            Dimensions: alarm.dimensions,
          },
          Period: alarm.period!,
          Stat: alarm.statistic ?? alarm.extendedStatistic!,
          ...(alarm.unit !== undefined && { Unit: alarm.unit as 'None' }),
        },
      },
    ],
  };
}

function breaches(alarm: AlarmRecord, value: number): boolean {
  switch (alarm.comparisonOperator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.threshold;
    case 'GreaterThanThreshold':
      return value > alarm.threshold;
    case 'LessThanThreshold':
      return value < alarm.threshold;
    default:
      return value <= alarm.threshold;
  }
}

const RELATION: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** AWS's datapoint stamp in state reasons: `95.0 (04/12/26 21:30:00)`. */
function shown(value: number, t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${Number.isInteger(value) ? value.toFixed(1) : value} (${stamp})`;
}

/** Evaluates every alarm of a region at `now`; returns the names whose state changed. */
export function evaluateAlarms(state: CloudWatchState, now: number): string[] {
  const changed: string[] = [];
  for (const alarm of Object.values(state.alarms)) {
    const { queries, period } = queriesOf(alarm);
    const n = alarm.evaluationPeriods;
    const m = alarm.datapointsToAlarm ?? n;
    const start = now - n * period * 1000;
    let series: Map<number, number>;
    try {
      series = runQueries(state, queries, start, now, false).find((r) => r.returnData)?.series ?? new Map();
    } catch {
      continue; // an expression that cannot be evaluated leaves the alarm as it is
    }
    const datapoints = [...series].sort(([a], [b]) => b - a);
    const missing = n - datapoints.length;
    let bad = datapoints.filter(([, v]) => breaches(alarm, v)).length;
    if (alarm.treatMissingData === 'breaching') bad += missing;
    let next: string;
    if (datapoints.length === 0 && alarm.treatMissingData === 'ignore') continue;
    if (datapoints.length === 0 && alarm.treatMissingData === 'missing') next = 'INSUFFICIENT_DATA';
    else next = bad >= m ? 'ALARM' : 'OK';
    if (next === alarm.state) continue;
    const shownPoints = datapoints.map(([t, v]) => shown(v, t)).join(', ');
    const reason =
      next === 'INSUFFICIENT_DATA'
        ? `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`
        : `Threshold Crossed: ${next === 'ALARM' ? bad : datapoints.length - bad} out of the last ${n} datapoints [${shownPoints}] ${next === 'ALARM' ? 'was' : 'was not'} ${RELATION[alarm.comparisonOperator]} the threshold (${alarm.threshold.toFixed(1)}) (minimum ${m} datapoint${m === 1 ? '' : 's'} for ${alarm.state} -> ${next} transition).`;
    const reasonData = JSON.stringify({
      version: '1.0',
      queryDate: new Date(now).toISOString(),
      startDate: new Date(start).toISOString(),
      period,
      recentDatapoints: datapoints.map(([, v]) => v),
      threshold: alarm.threshold,
      evaluatedDatapoints: datapoints.map(([t, v]) => ({ timestamp: new Date(t).toISOString(), value: v })),
    });
    changeState(state, alarm, next, reason, reasonData, now);
    changed.push(alarm.name);
  }
  return changed;
}
