/** What each CloudWatch operation asks of IAM (Service Authorization Reference, Amazon CloudWatch). */
import {
  anyResource,
  requestTags,
  type AuthorizationCatalogue,
  type OperationAuthorization,
} from '../../access/authorization.ts';

/** The alarms the request names (`AlarmName` or `AlarmNames`); every alarm when it names none. */
const onAlarms: OperationAuthorization = (i: { AlarmName?: string; AlarmNames?: string[] }, at) => {
  const names = i.AlarmNames ?? (i.AlarmName ? [i.AlarmName] : []);
  return names.length > 0 ? names.map((name) => at.arn(`alarm:${name}`)) : at.arn('alarm:*');
};

export const cloudwatchAuthorization: AuthorizationCatalogue = {
  prefix: 'cloudwatch',
  operations: {
    PutMetricData: (i, at) => [
      { action: at.action, resource: '*', context: { 'cloudwatch:namespace': i.Namespace } },
    ],
    GetMetricData: anyResource,
    GetMetricStatistics: anyResource,
    ListMetrics: anyResource,
    PutMetricAlarm: (i, at) => [
      { action: at.action, resource: at.arn(`alarm:${i.AlarmName}`), context: requestTags(i.Tags) },
    ],
    DescribeAlarms: onAlarms,
    DeleteAlarms: onAlarms,
    SetAlarmState: onAlarms,
    DescribeAlarmHistory: onAlarms,
  },
};
