import * as sdk from '@aws-sdk/client-cloudwatch-logs';
import { logsAuthorization } from './permissions.ts';
import type { ServiceDefinition } from '../../service-definition.ts';
import { filterLogEvents } from './filter-log-events.ts';
import {
  createLogGroup,
  deleteLogGroup,
  deleteRetentionPolicy,
  describeLogGroups,
  listLogGroups,
  putLogGroupDeletionProtection,
  putRetentionPolicy,
} from './groups.ts';
import {
  deleteDataProtectionPolicy,
  getDataProtectionPolicy,
  putDataProtectionPolicy,
} from './data-protection.ts';
import {
  deleteDestination,
  describeDestinations,
  putDestination,
  putDestinationPolicy,
} from './destinations.ts';
import { deleteAccountPolicy, describeAccountPolicies, putAccountPolicy } from './account-policies.ts';
import { deleteResourcePolicy, describeResourcePolicies, putResourcePolicy } from './resource-policies.ts';
import { logsJournal } from './journal.ts';
import {
  createLogAnomalyDetector,
  deleteLogAnomalyDetector,
  getLogAnomalyDetector,
  listAnomalies,
  listLogAnomalyDetectors,
  updateLogAnomalyDetector,
} from './anomaly-detectors.ts';
import { associateKmsKey, disassociateKmsKey } from './kms-keys.ts';
import {
  deleteMetricFilter,
  describeMetricFilters,
  putMetricFilter,
  testMetricFilter,
} from './metric-filters.ts';
import { getLogEvents, putLogEvents } from './log-events.ts';
import { startLiveTail } from './live-tail.ts';
import {
  describeQueries,
  getLogGroupFields,
  getLogRecord,
  getQueryResults,
  startQuery,
  stopQuery,
} from './queries.ts';
import { deleteQueryDefinition, describeQueryDefinitions, putQueryDefinition } from './query-definitions.ts';
import {
  deleteIndexPolicy,
  describeFieldIndexes,
  describeIndexPolicies,
  putIndexPolicy,
} from './index-policies.ts';
import { initialLogsState, type LogsState } from './state.ts';
import { deleteTransformer, getTransformer, putTransformer, testTransformer } from './transformers.ts';
import { createLogStream, deleteLogStream, describeLogStreams } from './streams.ts';
import {
  deleteSubscriptionFilter,
  describeSubscriptionFilters,
  putSubscriptionFilter,
} from './subscription-filters.ts';
import {
  listTagsForResource,
  listTagsLogGroup,
  tagLogGroup,
  tagResource,
  untagLogGroup,
  untagResource,
} from './tags.ts';

export { appendEvents, ensureLogStream, type NewLogEvent } from './events.ts';
export { ensureLogGroup } from './groups.ts';
export { type LogsChange } from './journal.ts';
export { initialLogsState, type LogsState } from './state.ts';

/** CloudWatch Logs: groups with retention, KMS keys and deletion protection, streams, events, filter patterns, tags, Live Tail, Logs Insights and saved queries, metric and subscription filters; data protection policies (masking and auditing at ingestion) transformers and field index policies; anomaly detectors, destinations, account resource policies and account policies as stored state. */
export const logs: ServiceDefinition<LogsState> = {
  signingName: 'logs',
  protocol: 'awsJson1_1',
  constraintError: 'InvalidParameterException',
  targetPrefix: 'Logs_20140328',
  schemas: sdk,
  initialState: initialLogsState,
  journal: logsJournal,
  authorization: logsAuthorization,
  operations: {
    CreateLogGroup: createLogGroup,
    DeleteLogGroup: deleteLogGroup,
    DescribeLogGroups: describeLogGroups,
    PutRetentionPolicy: putRetentionPolicy,
    DeleteRetentionPolicy: deleteRetentionPolicy,
    CreateLogStream: createLogStream,
    DeleteLogStream: deleteLogStream,
    DescribeLogStreams: describeLogStreams,
    PutLogEvents: putLogEvents,
    GetLogEvents: getLogEvents,
    FilterLogEvents: filterLogEvents,
    TagLogGroup: tagLogGroup,
    UntagLogGroup: untagLogGroup,
    ListTagsLogGroup: listTagsLogGroup,
    TagResource: tagResource,
    UntagResource: untagResource,
    ListTagsForResource: listTagsForResource,
    StartQuery: startQuery,
    GetQueryResults: getQueryResults,
    StopQuery: stopQuery,
    DescribeQueries: describeQueries,
    GetLogRecord: getLogRecord,
    GetLogGroupFields: getLogGroupFields,
    PutQueryDefinition: putQueryDefinition,
    DescribeQueryDefinitions: describeQueryDefinitions,
    DeleteQueryDefinition: deleteQueryDefinition,
    AssociateKmsKey: associateKmsKey,
    DisassociateKmsKey: disassociateKmsKey,
    PutMetricFilter: putMetricFilter,
    DescribeMetricFilters: describeMetricFilters,
    DeleteMetricFilter: deleteMetricFilter,
    TestMetricFilter: testMetricFilter,
    PutSubscriptionFilter: putSubscriptionFilter,
    DescribeSubscriptionFilters: describeSubscriptionFilters,
    DeleteSubscriptionFilter: deleteSubscriptionFilter,
    ListLogGroups: listLogGroups,
    PutLogGroupDeletionProtection: putLogGroupDeletionProtection,
    PutDataProtectionPolicy: putDataProtectionPolicy,
    GetDataProtectionPolicy: getDataProtectionPolicy,
    DeleteDataProtectionPolicy: deleteDataProtectionPolicy,
    PutDestination: putDestination,
    PutDestinationPolicy: putDestinationPolicy,
    DescribeDestinations: describeDestinations,
    DeleteDestination: deleteDestination,
    PutResourcePolicy: putResourcePolicy,
    DescribeResourcePolicies: describeResourcePolicies,
    DeleteResourcePolicy: deleteResourcePolicy,
    StartLiveTail: startLiveTail,
    PutAccountPolicy: putAccountPolicy,
    DescribeAccountPolicies: describeAccountPolicies,
    DeleteAccountPolicy: deleteAccountPolicy,
    PutTransformer: putTransformer,
    GetTransformer: getTransformer,
    DeleteTransformer: deleteTransformer,
    TestTransformer: testTransformer,
    PutIndexPolicy: putIndexPolicy,
    DescribeIndexPolicies: describeIndexPolicies,
    DeleteIndexPolicy: deleteIndexPolicy,
    DescribeFieldIndexes: describeFieldIndexes,
    CreateLogAnomalyDetector: createLogAnomalyDetector,
    GetLogAnomalyDetector: getLogAnomalyDetector,
    ListLogAnomalyDetectors: listLogAnomalyDetectors,
    UpdateLogAnomalyDetector: updateLogAnomalyDetector,
    DeleteLogAnomalyDetector: deleteLogAnomalyDetector,
    ListAnomalies: listAnomalies,
  },
};
