import type {
  Datapoint,
  GetMetricStatisticsInput,
  GetMetricStatisticsOutput,
} from '@aws-sdk/client-cloudwatch';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterCombination, InvalidParameterValue } from './errors.ts';
import { findMetric } from './metric-store.ts';
import type { CloudWatchState } from './state.ts';
import { aggregate, checkStatistic, isPercentile, statistic } from './statistics.ts';

const MAX_DATAPOINTS = 1440;

/** AWS: 1, 5, 10, 30 (high resolution), or a multiple of 60 seconds. */
export function checkPeriod(period: number, parameter: string): void {
  if (!Number.isInteger(period) || (period % 60 !== 0 && ![1, 5, 10, 30].includes(period))) {
    throw new InvalidParameterValue(`The parameter ${parameter} must be 1, 5, 10, 30, or a multiple of 60.`);
  }
}

/** The time range as AWS reads it: the start rounded down to a whole period, the end after it. */
export function timeRange(start: Date, end: Date, period: number): { start: number; end: number } {
  const from = start.getTime();
  const to = end.getTime();
  if (!(to > from)) {
    throw new InvalidParameterValue('The parameter EndTime must be greater than StartTime.');
  }
  return { start: Math.floor(from / (period * 1000)) * period * 1000, end: to };
}

export const getMetricStatistics: Handler<
  Checked<GetMetricStatisticsInput, 'Namespace' | 'MetricName' | 'StartTime' | 'EndTime' | 'Period'>,
  GetMetricStatisticsOutput,
  CloudWatchState
> = (input, ctx) => {
  const stats = input.Statistics ?? [];
  const extended = input.ExtendedStatistics ?? [];
  if (stats.length > 0 === extended.length > 0) {
    throw new InvalidParameterCombination(
      'Must specify either Statistics or ExtendedStatistics, but not both.',
    );
  }
  extended.forEach((s, i) => {
    checkStatistic(s, `ExtendedStatistics.member.${i + 1}`);
    if (!isPercentile(s)) {
      throw new InvalidParameterValue(
        `The value ${s} for parameter ExtendedStatistics.member.${i + 1} is not a percentile.`,
      );
    }
  });
  checkPeriod(input.Period, 'Period');
  const { start, end } = timeRange(input.StartTime, input.EndTime, input.Period);
  const requested = Math.ceil((end - start) / (input.Period * 1000));
  if (requested > MAX_DATAPOINTS) {
    throw new InvalidParameterCombination(
      `You have requested up to ${requested.toLocaleString('en-US')} datapoints, which exceeds the limit of ${MAX_DATAPOINTS.toLocaleString('en-US')}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const metric = findMetric(ctx.state, input.Namespace, input.MetricName, input.Dimensions);
  const buckets = metric ? aggregate(metric, start, end, input.Period, input.Unit, extended.length > 0) : [];
  const datapoints = buckets.map((b): Datapoint => {
    const point: Datapoint = { Timestamp: new Date(b.start), Unit: b.unit as Datapoint['Unit'] };
    for (const s of stats) (point as Record<string, unknown>)[s] = statistic(b, s);
    if (extended.length > 0) {
      const values: Record<string, number> = {};
      for (const s of extended) {
        const v = statistic(b, s);
        if (v !== undefined) values[s] = v;
      }
      point.ExtendedStatistics = values;
    }
    return point;
  });
  return { Label: input.MetricName, Datapoints: datapoints };
};
