import type {
  DeleteAlarmsInput,
  DescribeAlarmHistoryInput,
  DescribeAlarmHistoryOutput,
  DescribeAlarmsInput,
  DescribeAlarmsOutput,
  MetricAlarm,
  PutMetricAlarmInput,
  SetAlarmStateInput,
} from '@aws-sdk/client-cloudwatch';
import type { Checked, Handler } from '../../service-definition.ts';
import {
  InvalidNextToken,
  InvalidParameterCombination,
  InvalidParameterValue,
  MissingParameter,
  ResourceNotFound,
} from './errors.ts';
import { checkQueries } from './get-metric-data.ts';
import { checkPeriod } from './get-metric-statistics.ts';
import type { AlarmRecord, CloudWatchState } from './state.ts';
import { addHistory, alarmArn, own, sortedDimensions } from './state.ts';
import { checkStatistic } from './statistics.ts';

const TREAT_MISSING = ['breaching', 'notBreaching', 'ignore', 'missing'];
/** Operators that compare with a static threshold (the band ones need anomaly detection). */
const OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];

type AlarmInput = Checked<PutMetricAlarmInput, 'AlarmName' | 'EvaluationPeriods' | 'ComparisonOperator'>;

/** AWS's current model requires only the alarm's name; the service still needs these. */
function withRequiredMembers(input: Checked<PutMetricAlarmInput, 'AlarmName'>): AlarmInput {
  for (const member of ['EvaluationPeriods', 'ComparisonOperator'] as const) {
    if (input[member] === undefined) throw new MissingParameter(`The parameter ${member} is required.`);
  }
  return input as AlarmInput;
}

export const putMetricAlarm: Handler<Checked<PutMetricAlarmInput, 'AlarmName'>, object, CloudWatchState> = (
  request,
  ctx,
) => {
  const input = withRequiredMembers(request);
  const single = input.MetricName !== undefined || input.Namespace !== undefined;
  if (single === (input.Metrics !== undefined)) {
    throw new InvalidParameterCombination(
      'Exactly one of the parameters MetricName (with Namespace) and Metrics must be specified.',
    );
  }
  if (single) {
    if (input.MetricName === undefined || input.Namespace === undefined || input.Period === undefined) {
      throw new InvalidParameterCombination(
        'The parameters MetricName, Namespace and Period must be specified together.',
      );
    }
    if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
      throw new InvalidParameterCombination(
        'Exactly one of the parameters Statistic and ExtendedStatistic must be specified.',
      );
    }
    if (input.ExtendedStatistic !== undefined) checkStatistic(input.ExtendedStatistic, 'ExtendedStatistic');
    if (input.Period % 60 !== 0 && ![10, 30].includes(input.Period)) {
      throw new InvalidParameterValue('The parameter Period must be 10, 30, or a multiple of 60.');
    }
  } else {
    checkQueries(input.Metrics!, 'Metrics');
    if (input.Metrics!.filter((q) => q.ReturnData !== false).length !== 1) {
      throw new InvalidParameterValue('Exactly one element of the metrics list should return data.');
    }
    for (const q of input.Metrics!)
      if (q.MetricStat) checkPeriod(q.MetricStat.Period!, 'Metrics.MetricStat.Period');
  }
  if (input.Threshold === undefined) {
    throw new InvalidParameterCombination('The parameter Threshold must be specified.');
  }
  if (!OPERATORS.includes(input.ComparisonOperator)) {
    throw new InvalidParameterCombination(
      `The comparison operator ${input.ComparisonOperator} needs an anomaly detection band, which the local cloud does not model.`,
    );
  }
  const treatMissing = input.TreatMissingData ?? 'missing';
  if (!TREAT_MISSING.includes(treatMissing)) {
    throw new InvalidParameterValue(
      `The value ${treatMissing} for parameter TreatMissingData is invalid. Valid values are: ${TREAT_MISSING.join(', ')}.`,
    );
  }
  const datapoints = input.DatapointsToAlarm ?? input.EvaluationPeriods;
  if (datapoints > input.EvaluationPeriods) {
    throw new InvalidParameterValue('DatapointsToAlarm must be less than or equal to EvaluationPeriods.');
  }
  const now = Date.now();
  const existing = own(ctx.state.alarms, input.AlarmName);
  const alarm: AlarmRecord = {
    name: input.AlarmName,
    arn: alarmArn(ctx.region, ctx.accountId, input.AlarmName),
    ...(input.AlarmDescription !== undefined && { description: input.AlarmDescription }),
    actionsEnabled: input.ActionsEnabled ?? true,
    okActions: input.OKActions ?? [],
    alarmActions: input.AlarmActions ?? [],
    insufficientDataActions: input.InsufficientDataActions ?? [],
    ...(single && {
      namespace: input.Namespace!,
      metricName: input.MetricName!,
      period: input.Period!,
      ...(input.Statistic !== undefined && { statistic: input.Statistic }),
      ...(input.ExtendedStatistic !== undefined && { extendedStatistic: input.ExtendedStatistic }),
      ...(input.Unit !== undefined && { unit: input.Unit }),
    }),
    dimensions: sortedDimensions(input.Dimensions),
    ...(input.Metrics !== undefined && { metrics: input.Metrics }),
    evaluationPeriods: input.EvaluationPeriods,
    ...(input.DatapointsToAlarm !== undefined && { datapointsToAlarm: input.DatapointsToAlarm }),
    threshold: input.Threshold,
    comparisonOperator: input.ComparisonOperator,
    treatMissingData: treatMissing,
    ...(input.EvaluateLowSampleCountPercentile !== undefined && {
      evaluateLowSampleCountPercentile: input.EvaluateLowSampleCountPercentile,
    }),
    tags: (input.Tags ?? []).map((t) => ({ Key: t.Key!, Value: t.Value! })),
    configurationUpdated: now,
    // Redefining an alarm keeps its state; a new one starts without data, as on AWS.
    state: existing?.state ?? 'INSUFFICIENT_DATA',
    stateReason: existing?.stateReason ?? 'Unchecked: Initial alarm creation',
    ...(existing?.stateReasonData !== undefined && { stateReasonData: existing.stateReasonData }),
    stateUpdated: existing?.stateUpdated ?? now,
    stateTransitioned: existing?.stateTransitioned ?? now,
  };
  ctx.state.alarms[input.AlarmName] = alarm;
  addHistory(ctx.state, {
    alarmName: alarm.name,
    t: now,
    type: 'ConfigurationUpdate',
    summary: `Alarm "${alarm.name}" ${existing ? 'updated' : 'created'}`,
    data: JSON.stringify({
      version: '1.0',
      type: existing ? 'Update' : 'Create',
      updatedAlarm: alarmView(alarm),
    }),
  });
  return {};
};

export function alarmView(a: AlarmRecord): MetricAlarm {
  return {
    AlarmName: a.name,
    AlarmArn: a.arn,
    AlarmDescription: a.description,
    AlarmConfigurationUpdatedTimestamp: new Date(a.configurationUpdated),
    ActionsEnabled: a.actionsEnabled,
    OKActions: a.okActions,
    AlarmActions: a.alarmActions,
    InsufficientDataActions: a.insufficientDataActions,
    StateValue: a.state as MetricAlarm['StateValue'],
    StateReason: a.stateReason,
    StateReasonData: a.stateReasonData,
    StateUpdatedTimestamp: new Date(a.stateUpdated),
    StateTransitionedTimestamp: new Date(a.stateTransitioned),
    MetricName: a.metricName,
    Namespace: a.namespace,
    Statistic: a.statistic as MetricAlarm['Statistic'],
    ExtendedStatistic: a.extendedStatistic,
    Dimensions: a.dimensions,
    Period: a.period,
    Unit: a.unit as MetricAlarm['Unit'],
    EvaluationPeriods: a.evaluationPeriods,
    DatapointsToAlarm: a.datapointsToAlarm,
    Threshold: a.threshold,
    ComparisonOperator: a.comparisonOperator as MetricAlarm['ComparisonOperator'],
    TreatMissingData: a.treatMissingData,
    EvaluateLowSampleCountPercentile: a.evaluateLowSampleCountPercentile,
    Metrics: a.metrics as MetricAlarm['Metrics'],
  };
}

/** Pages of `items` behind an opaque token of the operation's own (`prefix:offset`). */
function page<T>(
  items: T[],
  size: number,
  token: string | undefined,
  prefix: string,
): { items: T[]; next?: string } {
  let start = 0;
  if (token !== undefined) {
    const match = new RegExp(`^${prefix}:(\\d{1,9})$`).exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!match) throw new InvalidNextToken('The service cannot process the NextToken.');
    start = Number(match[1]);
  }
  const slice = items.slice(start, start + size);
  const end = start + slice.length;
  return {
    items: slice,
    ...(end < items.length && { next: Buffer.from(`${prefix}:${end}`).toString('base64url') }),
  };
}

export const describeAlarms: Handler<DescribeAlarmsInput, DescribeAlarmsOutput, CloudWatchState> = (
  input,
  ctx,
) => {
  if (input.AlarmNames !== undefined && input.AlarmNamePrefix !== undefined) {
    throw new InvalidParameterCombination(
      'The parameters AlarmNames and AlarmNamePrefix are mutually exclusive.',
    );
  }
  const types = input.AlarmTypes ?? ['MetricAlarm'];
  const names = input.AlarmNames === undefined ? undefined : new Set(input.AlarmNames);
  const alarms = types.includes('MetricAlarm')
    ? Object.values(ctx.state.alarms)
        .filter(
          (a) =>
            (names === undefined || names.has(a.name)) &&
            (input.AlarmNamePrefix === undefined || a.name.startsWith(input.AlarmNamePrefix)) &&
            (input.StateValue === undefined || a.state === input.StateValue) &&
            (input.ActionPrefix === undefined ||
              [...a.okActions, ...a.alarmActions, ...a.insufficientDataActions].some((x) =>
                x.startsWith(input.ActionPrefix!),
              )),
        )
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    : [];
  const { items, next } = page(alarms, input.MaxRecords ?? 50, input.NextToken, 'da');
  return { MetricAlarms: items.map(alarmView), CompositeAlarms: [], ...(next && { NextToken: next }) };
};

export const deleteAlarms: Handler<Checked<DeleteAlarmsInput, 'AlarmNames'>, object, CloudWatchState> = (
  input,
  ctx,
) => {
  // AWS deletes none when any name is unknown.
  const missing = input.AlarmNames.filter((name) => !own(ctx.state.alarms, name));
  if (missing.length > 0)
    throw new ResourceNotFound(
      `${missing.length === 1 ? 'Alarm' : 'Alarms'} ${missing.join(', ')} not found`,
    );
  for (const name of input.AlarmNames) delete ctx.state.alarms[name];
  return {};
};

export const setAlarmState: Handler<
  Checked<SetAlarmStateInput, 'AlarmName' | 'StateValue' | 'StateReason'>,
  object,
  CloudWatchState
> = (input, ctx) => {
  const alarm = own(ctx.state.alarms, input.AlarmName);
  if (!alarm) throw new ResourceNotFound(`Alarm ${input.AlarmName} not found`);
  if (input.StateReasonData !== undefined) {
    try {
      JSON.parse(input.StateReasonData);
    } catch {
      throw new InvalidParameterValue('The parameter StateReasonData must be valid JSON.');
    }
  }
  changeState(ctx.state, alarm, input.StateValue, input.StateReason, input.StateReasonData, Date.now());
  return {};
};

/** Records a state change (and its history item); the next evaluation may change it again, as on AWS. */
export function changeState(
  state: CloudWatchState,
  alarm: AlarmRecord,
  value: string,
  reason: string,
  reasonData: string | undefined,
  now: number,
): void {
  const previous = alarm.state;
  alarm.state = value;
  alarm.stateReason = reason;
  if (reasonData === undefined) delete alarm.stateReasonData;
  else alarm.stateReasonData = reasonData;
  alarm.stateUpdated = now;
  if (previous !== value) alarm.stateTransitioned = now;
  addHistory(state, {
    alarmName: alarm.name,
    t: now,
    type: 'StateUpdate',
    summary: `Alarm updated from ${previous} to ${value}`,
    data: JSON.stringify({
      version: '1.0',
      oldState: { stateValue: previous },
      newState: {
        stateValue: value,
        stateReason: reason,
        ...(reasonData !== undefined && { stateReasonData: JSON.parse(reasonData) as unknown }),
      },
    }),
  });
}

export const describeAlarmHistory: Handler<
  DescribeAlarmHistoryInput,
  DescribeAlarmHistoryOutput,
  CloudWatchState
> = (input, ctx) => {
  const from = input.StartDate?.getTime() ?? -Infinity;
  const to = input.EndDate?.getTime() ?? Infinity;
  const types = input.AlarmTypes ?? ['MetricAlarm', 'CompositeAlarm'];
  const items = types.includes('MetricAlarm')
    ? ctx.state.history.filter(
        (h) =>
          (input.AlarmName === undefined || h.alarmName === input.AlarmName) &&
          (input.HistoryItemType === undefined || h.type === input.HistoryItemType) &&
          h.t >= from &&
          h.t <= to,
      )
    : [];
  if ((input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending') items.reverse();
  const { items: slice, next } = page(items, input.MaxRecords ?? 100, input.NextToken, 'dah');
  return {
    AlarmHistoryItems: slice.map((h) => ({
      AlarmName: h.alarmName,
      AlarmType: 'MetricAlarm',
      Timestamp: new Date(h.t),
      HistoryItemType: h.type,
      HistorySummary: h.summary,
      HistoryData: h.data,
    })),
    ...(next && { NextToken: next }),
  };
};
