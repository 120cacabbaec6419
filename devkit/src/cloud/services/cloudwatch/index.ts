import * as sdk from '@aws-sdk/client-cloudwatch';
import { cloudwatchAuthorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import {
  deleteAlarms,
  describeAlarmHistory,
  describeAlarms,
  putMetricAlarm,
  setAlarmState,
} from './alarms.ts';
import { getMetricData } from './get-metric-data.ts';
import { getMetricStatistics } from './get-metric-statistics.ts';
import { cloudWatchJournal } from './journal.ts';
import { listMetrics } from './list-metrics.ts';
import { putMetricData } from './put-metric-data.ts';
import { initialCloudWatchState, type CloudWatchState } from './state.ts';

export { evaluateAlarms } from './alarm-evaluation.ts';
export { storeEntries, type MetricEntry } from './metric-store.ts';
export { type CloudWatchState, sortedDimensions } from './state.ts';

/**
 * CloudWatch metrics and alarms. The SDK speaks awsJson1_0 to it, the Debian AWS CLI v2.9 awsQuery
 * (its botocore model predates the move): both are served.
 */
export const cloudwatch: ServiceDefinition<CloudWatchState> = {
  signingName: 'monitoring',
  protocol: 'awsJson1_0',
  targetPrefix: 'GraniteServiceVersion20100801',
  queryCompatible: true,
  xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
  schemas: sdk,
  // Coral's query-protocol error for a value the model refuses (ValidationException in JSON).
  constraintError: 'ValidationError',
  initialState: initialCloudWatchState,
  journal: cloudWatchJournal,
  authorization: cloudwatchAuthorization,
  operations: {
    PutMetricData: putMetricData,
    GetMetricData: getMetricData,
    GetMetricStatistics: getMetricStatistics,
    ListMetrics: listMetrics,
    PutMetricAlarm: putMetricAlarm,
    DescribeAlarms: describeAlarms,
    DeleteAlarms: deleteAlarms,
    SetAlarmState: setAlarmState,
    DescribeAlarmHistory: describeAlarmHistory,
  },
};
