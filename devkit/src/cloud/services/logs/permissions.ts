/**
 * What each CloudWatch Logs operation asks of IAM (Service Authorization Reference, CloudWatch
 * Logs). Logs evaluates a log group as `log-group:<name>:log-stream:` and a stream as
 * `log-group:<name>:log-stream:<stream>`, which is why policies name `log-group:<name>:*`. A
 * group created with tags needs logs:TagResource on it too.
 */
import {
  anyResource,
  requestTags,
  taggedOnCreate,
  type AuthorizationCatalogue,
  type AuthorizationScope,
  type OperationAuthorization,
  type RequestInput,
} from '../../access/authorization.ts';

type Scope = AuthorizationScope;

/** A group named by name or ARN (`logGroupIdentifier` takes either). */
const groupName = (i: { logGroupName?: string; logGroupIdentifier?: string }) =>
  (i.logGroupName ?? i.logGroupIdentifier ?? '')
    .replace(/^arn:[^:]*:logs:[^:]*:[^:]*:log-group:/, '')
    .replace(/:\*$/, '');
const group = (name: string, at: Scope) => at.arn(`log-group:${name}:log-stream:`);
const stream = (name: string, streamName: string, at: Scope) =>
  at.arn(`log-group:${name}:log-stream:${streamName}`);
const onGroup: OperationAuthorization = (i, at) => group(groupName(i), at);
/** Each group of `logGroupIdentifiers` (names or ARNs). */
const eachGroup: OperationAuthorization = (i: { logGroupIdentifiers?: string[] }, at) =>
  (i.logGroupIdentifiers ?? []).map((id) => group(groupName({ logGroupIdentifier: id }), at));
const onStream: OperationAuthorization = (i, at) => stream(groupName(i), i.logStreamName ?? '', at);
/** A log group (by name or ARN), or the account's query results (`...:query-result:*`). */
const kmsKeyTarget: OperationAuthorization = (
  i: { logGroupName?: string; resourceIdentifier?: string },
  at,
) =>
  i.logGroupName !== undefined || (i.resourceIdentifier ?? '').includes(':log-group:')
    ? group(groupName({ logGroupIdentifier: i.logGroupName ?? i.resourceIdentifier }), at)
    : (i.resourceIdentifier ?? '*');
const destination: OperationAuthorization = (i: { destinationName?: string }, at) =>
  at.arn(`destination:${i.destinationName ?? ''}`);
/** A read that also asks logs:Unmask on the group when the caller wants events as ingested (`unmask`). */
const unmasking =
  (
    resource: OperationAuthorization,
    unmask: (i: RequestInput) => boolean,
    groups: (i: RequestInput, at: Scope) => string[],
  ): OperationAuthorization =>
  (i, at) => {
    const own = resource(i, at);
    if (own === 'none' || !unmask(i)) return own;
    const list = typeof own === 'string' ? [own] : own;
    return [
      ...list.map((item) => (typeof item === 'string' ? { action: at.action, resource: item } : item)),
      ...groups(i, at).map((arn) => ({ action: 'logs:Unmask', resource: arn })),
    ];
  };
const unmaskParameter = (i: { unmask?: boolean }) => i.unmask === true;
/** The group a Logs Insights record pointer names (queries.ts encodes it), else any group. */
function pointerGroup(i: { logRecordPointer?: string }, at: Scope): string[] {
  try {
    const [name] = JSON.parse(
      Buffer.from(i.logRecordPointer ?? '', 'base64url').toString('utf8'),
    ) as unknown[];
    if (typeof name === 'string') return [group(name, at)];
  } catch {
    // A malformed pointer: the operation refuses it.
  }
  return ['*'];
}
const queryGroups = (i: {
  logGroupName?: string;
  logGroupNames?: string[];
  logGroupIdentifiers?: string[];
}) => [
  ...(i.logGroupName ? [i.logGroupName] : []),
  ...(i.logGroupNames ?? []),
  ...(i.logGroupIdentifiers ?? []),
];
const startQuery: OperationAuthorization = (i, at) => {
  const names = queryGroups(i);
  return names.length > 0 ? names.map((name) => group(groupName({ logGroupIdentifier: name }), at)) : '*';
};

/** Logs gives tags as a map. */
const tagMap = (tags: Record<string, string> | undefined) =>
  requestTags(Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value })));

/** What each account policy type also asks, per verb (PutAccountPolicy's, DescribeAccountPolicies' and DeleteAccountPolicy's references). */
const ACCOUNT_POLICY_ACTIONS: Record<string, Record<'Put' | 'Describe' | 'Delete', string>> = {
  DATA_PROTECTION_POLICY: {
    Put: 'PutDataProtectionPolicy',
    Describe: 'GetDataProtectionPolicy',
    Delete: 'DeleteDataProtectionPolicy',
  },
  SUBSCRIPTION_FILTER_POLICY: {
    Put: 'PutSubscriptionFilter',
    Describe: 'DescribeSubscriptionFilters',
    Delete: 'DeleteSubscriptionFilter',
  },
  TRANSFORMER_POLICY: { Put: 'PutTransformer', Describe: 'GetTransformer', Delete: 'DeleteTransformer' },
  FIELD_INDEX_POLICY: {
    Put: 'PutIndexPolicy',
    Describe: 'DescribeIndexPolicies',
    Delete: 'DeleteIndexPolicy',
  },
  METRIC_EXTRACTION_POLICY: {
    Put: 'PutMetricExtractionPolicy',
    Describe: 'GetMetricExtractionPolicy',
    Delete: 'DeleteMetricExtractionPolicy',
  },
};

function accountPolicyActions(verb: 'Put' | 'Describe' | 'Delete', type: string | undefined) {
  const typed =
    type !== undefined && Object.hasOwn(ACCOUNT_POLICY_ACTIONS, type)
      ? ACCOUNT_POLICY_ACTIONS[type]!
      : undefined;
  return [
    { action: `logs:${verb}AccountPolic${verb === 'Describe' ? 'ies' : 'y'}`, resource: '*' },
    ...(typed ? [{ action: `logs:${typed[verb]}`, resource: '*' }] : []),
  ];
}

export const logsAuthorization: AuthorizationCatalogue = {
  prefix: 'logs',
  operations: {
    CreateLogGroup: (i, at) =>
      taggedOnCreate(
        { action: at.action, resource: group(groupName(i), at), context: tagMap(i.tags) },
        Object.keys(i.tags ?? {}).length > 0,
        { action: 'logs:TagResource' },
      ),
    DeleteLogGroup: onGroup,
    DescribeLogGroups: (_, at) => group('', at),
    PutRetentionPolicy: onGroup,
    DeleteRetentionPolicy: onGroup,
    CreateLogStream: onStream,
    DeleteLogStream: onStream,
    DescribeLogStreams: onGroup,
    PutLogEvents: onStream,
    GetLogEvents: unmasking(onStream, unmaskParameter, (i, at) => [group(groupName(i), at)]),
    FilterLogEvents: unmasking(onGroup, unmaskParameter, (i, at) => [group(groupName(i), at)]),
    TagLogGroup: (i, at) => [
      { action: at.action, resource: group(groupName(i), at), context: tagMap(i.tags) },
    ],
    UntagLogGroup: (i, at) => [
      { action: at.action, resource: group(groupName(i), at), context: { 'aws:TagKeys': i.tags } },
    ],
    ListTagsLogGroup: onGroup,
    TagResource: (i, at) => [{ action: at.action, resource: i.resourceArn, context: tagMap(i.tags) }],
    UntagResource: (i, at) => [
      { action: at.action, resource: i.resourceArn, context: { 'aws:TagKeys': i.tagKeys } },
    ],
    ListTagsForResource: (i) => i.resourceArn,
    // A query calling unmask() reads its groups' events as ingested.
    StartQuery: unmasking(
      startQuery,
      (i: { queryString?: string }) => /\bunmask\s*\(/i.test(i.queryString ?? ''),
      (i, at) => {
        const own = startQuery(i, at);
        return typeof own === 'string' ? [own] : (own as string[]);
      },
    ),
    GetQueryResults: anyResource,
    StopQuery: anyResource,
    DescribeQueries: anyResource,
    GetLogRecord: unmasking(anyResource, unmaskParameter, pointerGroup),
    GetLogGroupFields: onGroup,
    // Saved queries are the account's, not a log group's (the Service Authorization Reference names no resource).
    PutQueryDefinition: anyResource,
    DescribeQueryDefinitions: anyResource,
    DeleteQueryDefinition: anyResource,
    AssociateKmsKey: kmsKeyTarget,
    DisassociateKmsKey: kmsKeyTarget,
    PutMetricFilter: onGroup,
    DeleteMetricFilter: onGroup,
    // Without a group it lists every group's filters, as DescribeLogGroups lists groups.
    DescribeMetricFilters: onGroup,
    TestMetricFilter: anyResource,
    PutSubscriptionFilter: onGroup,
    DeleteSubscriptionFilter: onGroup,
    DescribeSubscriptionFilters: onGroup,
    ListLogGroups: (_, at) => group('', at),
    PutLogGroupDeletionProtection: onGroup,
    PutDataProtectionPolicy: onGroup,
    GetDataProtectionPolicy: onGroup,
    DeleteDataProtectionPolicy: onGroup,
    PutDestination: destination,
    PutDestinationPolicy: destination,
    DescribeDestinations: anyResource,
    DeleteDestination: destination,
    // Account-scoped resource policies name no resource (the Service Authorization Reference's `*`).
    PutResourcePolicy: anyResource,
    DescribeResourcePolicies: anyResource,
    DeleteResourcePolicy: anyResource,
    // Each log group tailed (the Service Authorization Reference: log-group).
    StartLiveTail: eachGroup,
    // The account-wide action, and the one for the policy's type (the API reference's list), on `*`.
    PutAccountPolicy: (i: { policyType?: string }) => accountPolicyActions('Put', i.policyType),
    DescribeAccountPolicies: (i: { policyType?: string }) => accountPolicyActions('Describe', i.policyType),
    DeleteAccountPolicy: (i: { policyType?: string }) => accountPolicyActions('Delete', i.policyType),
    PutTransformer: onGroup,
    GetTransformer: onGroup,
    DeleteTransformer: onGroup,
    // It reads no log group (the Service Authorization Reference names no resource).
    TestTransformer: anyResource,
    PutIndexPolicy: onGroup,
    DeleteIndexPolicy: onGroup,
    // Each log group named.
    DescribeIndexPolicies: eachGroup,
    DescribeFieldIndexes: eachGroup,
    // A new detector on the log group it watches; the others on the detector's ARN.
    CreateLogAnomalyDetector: (i: { logGroupArnList?: string[] }, at) =>
      (i.logGroupArnList ?? []).map((id) => group(groupName({ logGroupIdentifier: id }), at)),
    GetLogAnomalyDetector: (i: { anomalyDetectorArn?: string }) => i.anomalyDetectorArn ?? '*',
    UpdateLogAnomalyDetector: (i: { anomalyDetectorArn?: string }) => i.anomalyDetectorArn ?? '*',
    DeleteLogAnomalyDetector: (i: { anomalyDetectorArn?: string }) => i.anomalyDetectorArn ?? '*',
    ListLogAnomalyDetectors: anyResource,
    ListAnomalies: (i: { anomalyDetectorArn?: string }) => i.anomalyDetectorArn ?? '*',
  },
};
