import type {
  GetMetricDataInput,
  GetMetricDataOutput,
  MetricDataQuery,
  MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidNextToken, InvalidParameterCombination, InvalidParameterValue } from './errors.ts';
import { checkPeriod, timeRange } from './get-metric-statistics.ts';
import { evaluateExpression, type Series } from './metric-math.ts';
import { findMetric } from './metric-store.ts';
import type { CloudWatchState } from './state.ts';
import { aggregate, checkStatistic, isPercentile, statistic } from './statistics.ts';

const DEFAULT_MAX_DATAPOINTS = 100_800;
const MAX_QUERIES = 500;

export interface QueryResult {
  id: string;
  label: string;
  returnData: boolean;
  series: Series;
}

/** Checks a set of queries as AWS does: unique ids, one of MetricStat or Expression each, something returned. */
export function checkQueries(queries: readonly MetricDataQuery[], parameter: string): void {
  // AWS's documented limit (the model does not carry it); it also bounds one call's work.
  if (queries.length > MAX_QUERIES) {
    throw new InvalidParameterValue(
      `The collection ${parameter} must not have a size greater than ${MAX_QUERIES}.`,
    );
  }
  const ids = new Set<string>();
  queries.forEach((q, i) => {
    const at = `${parameter}.member.${i + 1}`;
    if (!/^[a-z]\w*$/.test(q.Id!)) {
      throw new InvalidParameterValue(
        `The value ${q.Id} for parameter ${at}.Id is invalid: it must start with a lowercase letter and contain only letters, numbers and underscores.`,
      );
    }
    if (ids.has(q.Id!))
      throw new InvalidParameterValue(`The value ${q.Id} for parameter ${at}.Id is not unique.`);
    ids.add(q.Id!);
    if ((q.MetricStat === undefined) === (q.Expression === undefined)) {
      throw new InvalidParameterCombination(
        `Exactly one of the parameters ${at}.MetricStat and ${at}.Expression must be specified.`,
      );
    }
    if (q.MetricStat) {
      checkPeriod(q.MetricStat.Period!, `${at}.MetricStat.Period`);
      checkStatistic(q.MetricStat.Stat!, `${at}.MetricStat.Stat`);
    }
  });
  if (queries.length > 0 && !queries.some((q) => q.ReturnData !== false)) {
    throw new InvalidParameterCombination(`At least one of the queries in ${parameter} must return data.`);
  }
}

/**
 * Every query's series over [start, end): metric statistics in buckets of their period counted
 * from `start` (rounded down to the period when `align`), then expressions over them in order.
 */
export function runQueries(
  state: CloudWatchState,
  queries: readonly MetricDataQuery[],
  start: number,
  end: number,
  align: boolean,
): QueryResult[] {
  const byId = new Map<string, Series>();
  const results: QueryResult[] = [];
  for (const q of queries) {
    if (!q.MetricStat) continue;
    const { Metric, Period, Stat, Unit } = q.MetricStat;
    const metric = findMetric(state, Metric!.Namespace!, Metric!.MetricName!, Metric!.Dimensions);
    const from = align ? timeRange(new Date(start), new Date(end), Period!).start : start;
    const series: Series = new Map();
    for (const b of metric ? aggregate(metric, from, end, Period!, Unit, isPercentile(Stat!)) : []) {
      const v = statistic(b, Stat!);
      if (v !== undefined) series.set(b.start, v);
    }
    byId.set(q.Id!, series);
  }
  queries.forEach((q, i) => {
    if (q.Expression !== undefined) {
      byId.set(
        q.Id!,
        evaluateExpression(q.Expression, (id) => byId.get(id), `MetricDataQueries.member.${i + 1}`),
      );
    }
    results.push({
      id: q.Id!,
      label: q.Label ?? q.MetricStat?.Metric?.MetricName ?? q.Id!,
      returnData: q.ReturnData !== false,
      series: byId.get(q.Id!)!,
    });
  });
  return results;
}

export const getMetricData: Handler<
  Checked<GetMetricDataInput, 'MetricDataQueries' | 'StartTime' | 'EndTime'>,
  GetMetricDataOutput,
  CloudWatchState
> = (input, ctx) => {
  checkQueries(input.MetricDataQueries, 'MetricDataQueries');
  const start = input.StartTime.getTime();
  const end = input.EndTime.getTime();
  if (!(end > start))
    throw new InvalidParameterValue('The parameter EndTime must be greater than StartTime.');
  const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
  const results = runQueries(ctx.state, input.MetricDataQueries, start, end, true).filter(
    (r) => r.returnData,
  );
  // A page holds up to MaxDatapoints datapoints, counted across the results in order.
  const pageSize = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  let skip = input.NextToken === undefined ? 0 : offsetOf(input.NextToken);
  let room = pageSize;
  let more = false;
  const page = results.map((r): MetricDataResult => {
    const points = [...r.series].sort(([a], [b]) => (descending ? b - a : a - b));
    const from = Math.min(skip, points.length);
    skip -= from;
    const taken = points.slice(from, from + room);
    room -= taken.length;
    const partial = from + taken.length < points.length;
    more ||= partial;
    return {
      Id: r.id,
      Label: r.label,
      Timestamps: taken.map(([t]) => new Date(t)),
      Values: taken.map(([, v]) => v),
      StatusCode: partial ? 'PartialData' : 'Complete',
    };
  });
  const consumed = (input.NextToken === undefined ? 0 : offsetOf(input.NextToken)) + pageSize - room;
  return {
    MetricDataResults: page,
    NextToken: more ? Buffer.from(`gmd:${consumed}`).toString('base64url') : undefined,
    Messages: [],
  };
};

function offsetOf(token: string): number {
  const match = /^gmd:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new InvalidNextToken('The service cannot process the NextToken.');
  return Number(match[1]);
}
