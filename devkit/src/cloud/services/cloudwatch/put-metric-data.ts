import type { MetricDatum, PutMetricDataInput } from '@aws-sdk/client-cloudwatch';
import type { Checked, Handler } from '../../service-definition.ts';
import { InvalidParameterCombination, InvalidParameterValue, MissingParameter } from './errors.ts';
import { type MetricEntry, storeEntries } from './metric-store.ts';
import type { CloudWatchState, MetricPoint } from './state.ts';
import { sortedDimensions } from './state.ts';

const MAX_DATUMS = 1000;
const MAX_VALUES = 150;
/** AWS: values between -2^360 and 2^360; no NaN or infinities. */
const VALUE_LIMIT = 2 ** 360;
const PAST_MS = 14 * 24 * 3600 * 1000;
const FUTURE_MS = 2 * 3600 * 1000;

/** What each call stored and when, for its journal record (the input object is the call's identity). */
const stored = new WeakMap<object, { points: MetricEntry[]; at: number }>();

export function entriesStoredBy(input: unknown): { points: MetricEntry[]; at: number } | undefined {
  return typeof input === 'object' && input !== null ? stored.get(input) : undefined;
}

export const putMetricData: Handler<Checked<PutMetricDataInput, 'Namespace'>, object, CloudWatchState> = (
  input,
  ctx,
) => {
  if (input.Namespace.startsWith('AWS/')) {
    throw new InvalidParameterValue(`The value ${input.Namespace} for parameter Namespace is invalid.`);
  }
  // AWS's current model makes MetricData optional (EntityMetricData, not modelled here, may replace it).
  if (input.MetricData === undefined) throw new MissingParameter('The parameter MetricData is required.');
  const data = input.MetricData;
  if (data.length > MAX_DATUMS) {
    throw new InvalidParameterValue(
      `The collection MetricData must not have a size greater than ${MAX_DATUMS}.`,
    );
  }
  const now = Date.now();
  const entries = data.map((datum, i) => ({
    namespace: input.Namespace,
    name: datum.MetricName!,
    dimensions: sortedDimensions(datum.Dimensions),
    point: pointOf(datum, `MetricData.member.${i + 1}`, now),
  }));
  storeEntries(ctx.state, entries, now);
  stored.set(input, { points: entries, at: now });
  return {};
};

function checkValue(value: number, parameter: string): number {
  if (!Number.isFinite(value) || Math.abs(value) > VALUE_LIMIT) {
    throw new InvalidParameterValue(`The value ${value} for parameter ${parameter} is invalid.`);
  }
  return value;
}

/** A datum as a stored point: exactly one of Value, StatisticValues or Values (with Counts). */
function pointOf(datum: MetricDatum, at: string, now: number): MetricPoint {
  const given = (['Value', 'StatisticValues', 'Values'] as const).filter((k) => datum[k] !== undefined);
  if (given.length > 1) {
    throw new InvalidParameterCombination(
      `The parameters ${at}.${given[0]} and ${at}.${given[1]} are mutually exclusive and you have specified both.`,
    );
  }
  const t = datum.Timestamp?.getTime() ?? now;
  if (Number.isNaN(t) || t < now - PAST_MS) {
    throw new InvalidParameterValue(
      `The parameter ${at}.Timestamp must specify a time no more than two weeks in the past.`,
    );
  }
  if (t > now + FUTURE_MS) {
    throw new InvalidParameterValue(
      `The parameter ${at}.Timestamp must specify a time no more than two hours in the future.`,
    );
  }
  const resolution = datum.StorageResolution ?? 60;
  if (resolution !== 1 && resolution !== 60) {
    throw new InvalidParameterValue(
      `The value ${resolution} for parameter ${at}.StorageResolution is invalid. Valid values are 1 and 60.`,
    );
  }
  const base = { t, unit: datum.Unit ?? 'None', resolution };
  if (datum.StatisticValues) {
    const { SampleCount, Sum, Minimum, Maximum } = datum.StatisticValues;
    const n = checkValue(SampleCount!, `${at}.StatisticValues.SampleCount`);
    if (n <= 0) {
      throw new InvalidParameterValue(
        `The parameter ${at}.StatisticValues.SampleCount must be greater than 0.`,
      );
    }
    const min = checkValue(Minimum!, `${at}.StatisticValues.Minimum`);
    const max = checkValue(Maximum!, `${at}.StatisticValues.Maximum`);
    if (min > max) {
      throw new InvalidParameterValue(
        `The parameter ${at}.StatisticValues.Maximum must be greater than ${at}.StatisticValues.Minimum.`,
      );
    }
    return { ...base, n, sum: checkValue(Sum!, `${at}.StatisticValues.Sum`), min, max };
  }
  if (datum.Values !== undefined) {
    const values = datum.Values.map((v, j) => checkValue(v, `${at}.Values.member.${j + 1}`));
    if (values.length > MAX_VALUES) {
      throw new InvalidParameterValue(
        `The collection ${at}.Values must not have a size greater than ${MAX_VALUES}.`,
      );
    }
    const counts = datum.Counts ?? values.map(() => 1);
    if (counts.length !== values.length) {
      throw new InvalidParameterValue(
        `The parameters ${at}.Values and ${at}.Counts must be of the same size.`,
      );
    }
    counts.forEach((c, j) => {
      if (!Number.isFinite(c) || c < 0) {
        throw new InvalidParameterValue(
          `The value ${c} for parameter ${at}.Counts.member.${j + 1} is invalid.`,
        );
      }
    });
    const n = counts.reduce((a, c) => a + c, 0);
    if (values.length === 0 || n === 0) {
      throw new InvalidParameterValue(
        `The parameter ${at}.Values must contain at least one value with a count above 0.`,
      );
    }
    return {
      ...base,
      n,
      sum: values.reduce((a, v, j) => a + v * counts[j]!, 0),
      min: Math.min(...values),
      max: Math.max(...values),
      values,
      counts,
    };
  }
  if (datum.Counts !== undefined) {
    throw new InvalidParameterCombination(`The parameter ${at}.Counts requires ${at}.Values.`);
  }
  if (datum.Value === undefined) {
    throw new InvalidParameterCombination(
      `At least one of the parameters ${at}.Value, ${at}.StatisticValues or ${at}.Values must be specified.`,
    );
  }
  const v = checkValue(datum.Value, `${at}.Value`);
  return { ...base, n: 1, sum: v, min: v, max: v, values: [v], counts: [1] };
}
