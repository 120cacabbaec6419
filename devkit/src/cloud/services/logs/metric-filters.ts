/**
 * Metric filters: Put/Describe/Delete/TestMetricFilter, and what they make of ingested events.
 * A matching event publishes its transformation's metricValue (a number, a JSON field `$.x`, or a
 * field `$name` of a space-delimited pattern) with its dimensions (fields too) at the event's time; an event that does not match publishes
 * the defaultValue when there is one — as CloudWatch Logs does. The values reach CloudWatch
 * metrics through the caller (RequestContext.publishMetrics, or the runtime's log shipping).
 */
import type {
  DeleteMetricFilterRequest,
  DescribeMetricFiltersRequest,
  DescribeMetricFiltersResponse,
  MetricFilter,
  MetricFilterMatchRecord,
  MetricTransformation,
  PutMetricFilterRequest,
  TestMetricFilterRequest,
  TestMetricFilterResponse,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Checked, Handler, MetricDatum } from '../../service-definition.ts';
import { nameMap, paginate } from '../common.ts';
import { InvalidParameterException, LimitExceededException, ResourceNotFoundException } from './errors.ts';
import {
  checkSelector,
  type FilterPattern,
  parseFilterPattern,
  selectFromMessage,
} from './filter-pattern.ts';
import type { LogEventRecord, LogGroupRecord, LogsState, MetricFilterRecord } from './state.ts';
import { findGroup } from './state.ts';

/** AWS's limits: metric filters per log group, dimensions per transformation. */
const MAX_METRIC_FILTERS = 100;
const MAX_DIMENSIONS = 3;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function metricFiltersOf(group: LogGroupRecord): Record<string, MetricFilterRecord> {
  return (group.metricFilters ??= nameMap());
}

/** A metricValue or dimension value that names a field: `$.a.b` (JSON) or `$name` (a field the space-delimited pattern names). */
function checkFieldReference(text: string, what: string, pattern: FilterPattern): void {
  if (text.startsWith('$.')) {
    checkSelector(text);
    return;
  }
  if (text.startsWith('$') && pattern.fieldNames?.has(text.slice(1))) return;
  throw new InvalidParameterException(
    text.startsWith('$')
      ? `Invalid ${what} '${text}': the filter pattern names no field '${text.slice(1)}'`
      : `Invalid ${what} '${text}': it must be a number or a field like $.field`,
  );
}

function checkTransformation(t: MetricTransformation, pattern: FilterPattern): void {
  if (!NUMBER.test(t.metricValue!)) checkFieldReference(t.metricValue!, 'metricValue', pattern);
  const dimensions = Object.entries(t.dimensions ?? {});
  if (dimensions.length > MAX_DIMENSIONS) {
    throw new InvalidParameterException(
      `A metric transformation can have at most ${MAX_DIMENSIONS} dimensions.`,
    );
  }
  if (dimensions.length > 0 && t.defaultValue !== undefined) {
    throw new InvalidParameterException(
      'A metric transformation with dimensions cannot have a default value.',
    );
  }
  for (const [, value] of dimensions) checkFieldReference(value, 'dimension value', pattern);
}

export const putMetricFilter: Handler<
  Checked<PutMetricFilterRequest, 'logGroupName' | 'filterName' | 'filterPattern' | 'metricTransformations'>,
  void,
  LogsState
> = (input, ctx) => {
  const group = findGroup(ctx.state, input.logGroupName);
  const pattern = parseFilterPattern(input.filterPattern);
  for (const t of input.metricTransformations) checkTransformation(t, pattern);
  const filters = metricFiltersOf(group);
  if (!Object.hasOwn(filters, input.filterName) && Object.keys(filters).length >= MAX_METRIC_FILTERS) {
    throw new LimitExceededException('Resource limit exceeded.');
  }
  filters[input.filterName] = {
    filterName: input.filterName,
    filterPattern: input.filterPattern,
    metricTransformations: input.metricTransformations.map((t) => ({
      metricName: t.metricName,
      metricNamespace: t.metricNamespace,
      metricValue: t.metricValue,
      ...(t.defaultValue !== undefined ? { defaultValue: t.defaultValue } : {}),
      ...(t.dimensions && Object.keys(t.dimensions).length > 0 ? { dimensions: { ...t.dimensions } } : {}),
      ...(t.unit ? { unit: t.unit } : {}),
    })),
    creationTime: Object.hasOwn(filters, input.filterName)
      ? filters[input.filterName]!.creationTime
      : Date.now(),
  };
};

export const deleteMetricFilter: Handler<
  Checked<DeleteMetricFilterRequest, 'logGroupName' | 'filterName'>,
  void,
  LogsState
> = (input, ctx) => {
  const filters = metricFiltersOf(findGroup(ctx.state, input.logGroupName));
  if (!Object.hasOwn(filters, input.filterName)) {
    throw new ResourceNotFoundException('The specified metric filter does not exist.');
  }
  delete filters[input.filterName];
};

function byName<T>(a: [string, T], b: [string, T]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** By log group, then by filter name; optionally only those publishing one metric. */
export const describeMetricFilters: Handler<
  DescribeMetricFiltersRequest,
  DescribeMetricFiltersResponse,
  LogsState
> = (input, ctx) => {
  if (input.filterNamePrefix !== undefined && input.logGroupName === undefined) {
    throw new InvalidParameterException('filterNamePrefix requires logGroupName.');
  }
  if ((input.metricName === undefined) !== (input.metricNamespace === undefined)) {
    throw new InvalidParameterException('metricName and metricNamespace must be specified together.');
  }
  const groups =
    input.logGroupName !== undefined
      ? [findGroup(ctx.state, input.logGroupName)]
      : Object.entries(ctx.state.groups)
          .sort(byName)
          .map(([, g]) => g);
  const filters: MetricFilter[] = groups.flatMap((group) =>
    Object.entries(group.metricFilters ?? {})
      .sort(byName)
      .map(([, f]) => f)
      .filter((f) => f.filterName.startsWith(input.filterNamePrefix ?? ''))
      .filter(
        (f) =>
          input.metricName === undefined ||
          f.metricTransformations.some(
            (t) => t.metricName === input.metricName && t.metricNamespace === input.metricNamespace,
          ),
      )
      .map((f) => ({ ...f, logGroupName: group.name })),
  );
  const { page, nextToken } = paginate(filters, input.limit, input.nextToken, 50);
  return { metricFilters: page, nextToken };
};

export const testMetricFilter: Handler<
  Checked<TestMetricFilterRequest, 'filterPattern' | 'logEventMessages'>,
  TestMetricFilterResponse,
  LogsState
> = (input) => {
  const pattern = parseFilterPattern(input.filterPattern);
  const found: MetricFilterMatchRecord[] = [];
  input.logEventMessages.forEach((message, i) => {
    if (!pattern.matches(message)) return;
    // A space-delimited pattern's named fields, as `$name` (what a metricValue may name).
    const extractedValues: Record<string, string> = nameMap();
    for (const [name, value] of pattern.fieldsOf?.(message) ?? []) extractedValues[`$${name}`] = value;
    found.push({ eventNumber: i + 1, eventMessage: message, extractedValues });
  });
  return { matches: found };
};

/** Compiled patterns, per stored filter (a filter replaced by PutMetricFilter is a new record). */
const compiled = new WeakMap<MetricFilterRecord, FilterPattern>();

function patternOf(filter: MetricFilterRecord): FilterPattern {
  let pattern = compiled.get(filter);
  if (!pattern) compiled.set(filter, (pattern = parseFilterPattern(filter.filterPattern)));
  return pattern;
}

/** The metric values the group's filters make of events just stored. */
export function metricFilterData(group: LogGroupRecord, events: readonly LogEventRecord[]): MetricDatum[] {
  const data: MetricDatum[] = [];
  for (const filter of Object.values(group.metricFilters ?? {})) {
    const pattern = patternOf(filter);
    for (const event of events) {
      const matched = pattern.matches(event.message);
      for (const t of filter.metricTransformations) {
        const datum = matched ? matchedDatum(t, event, pattern) : defaultDatum(t, event);
        if (datum) data.push(datum);
      }
    }
  }
  return data;
}

/** The value a `$.a.b` (JSON) or `$name` (space-delimited) reference names in a matching message. */
function fieldOf(message: string, reference: string, pattern: FilterPattern): unknown {
  return reference.startsWith('$.')
    ? selectFromMessage(message, reference)
    : pattern.fieldsOf?.(message)?.get(reference.slice(1));
}

function matchedDatum(
  t: MetricTransformation,
  event: LogEventRecord,
  pattern: FilterPattern,
): MetricDatum | undefined {
  const value = NUMBER.test(t.metricValue!)
    ? Number(t.metricValue)
    : fieldNumber(fieldOf(event.message, t.metricValue!, pattern));
  if (value === undefined) return undefined;
  const dimensions: MetricDatum['dimensions'] = [];
  for (const [name, reference] of Object.entries(t.dimensions ?? {})) {
    const dimension = fieldOf(event.message, reference, pattern);
    // An event without a dimension's field publishes nothing for the filter.
    if (dimension === undefined || dimension === null || typeof dimension === 'object') return undefined;
    dimensions.push({ Name: name, Value: String(dimension) });
  }
  return datum(t, event, value, dimensions);
}

function defaultDatum(t: MetricTransformation, event: LogEventRecord): MetricDatum | undefined {
  return t.defaultValue === undefined ? undefined : datum(t, event, t.defaultValue, []);
}

function datum(
  t: MetricTransformation,
  event: LogEventRecord,
  value: number,
  dimensions: MetricDatum['dimensions'],
): MetricDatum {
  return {
    namespace: t.metricNamespace!,
    name: t.metricName!,
    dimensions,
    timestamp: event.timestamp,
    value,
    unit: t.unit ?? 'None',
  };
}

function fieldNumber(value: unknown): number | undefined {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && NUMBER.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}
