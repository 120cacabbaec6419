/** CloudWatch Logs' recorded state (per region) and the lookups its handlers share. */
import type {
  Distribution,
  EvaluationFrequency,
  PolicyType,
  LogGroupClass,
  MetricTransformation,
  Processor,
  QueryParameter,
} from '@aws-sdk/client-cloudwatch-logs';
import { arn, nameMap } from '../common.ts';
import { InvalidParameterException, ResourceNotFoundException } from './errors.ts';

/** One stored event; `eventId` orders events within a stream and across a group (see events.ts). */
export interface LogEventRecord {
  timestamp: number;
  /** What readers see: masked where a data protection policy found sensitive data at ingestion. */
  message: string;
  /** The message as ingested, kept only when masking changed it (read with `unmask`). */
  unmasked?: string;
  ingestionTime: number;
  eventId: string;
}

export interface LogStreamRecord {
  name: string;
  creationTime: number;
  /** Sorted by eventId, i.e. by timestamp and then by arrival. */
  events: LogEventRecord[];
  /** UTF-8 bytes of the stored messages, summed into the group's storedBytes. */
  storedBytes: number;
  lastIngestionTime?: number;
  /** PutLogEvents calls so far: the (ignored) sequence tokens count them. */
  uploads: number;
  /** When each indexed field appeared in this stream's events (index-policies.ts), by field name. */
  fieldIndexes?: Record<string, { firstEventTime: number; lastEventTime: number; lastScanTime: number }>;
}

export interface LogGroupRecord {
  name: string;
  /** `arn:aws:logs:<region>:<account>:log-group:<name>` (AWS's `logGroupArn`; `arn` adds `:*`). */
  arn: string;
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  /** STANDARD unless created otherwise. */
  logGroupClass: LogGroupClass;
  tags: Record<string, string>;
  streams: Record<string, LogStreamRecord>;
  /** By filter name (absent in state saved before metric filters existed). */
  metricFilters?: Record<string, MetricFilterRecord>;
  subscriptionFilters?: Record<string, SubscriptionFilterRecord>;
  /** PutDataProtectionPolicy's document, as given (data-protection.ts: it acts on later ingestion). */
  dataProtectionPolicy?: { document: string; lastUpdatedTime: number };
  /** PutTransformer's processors (transformers.ts: they run on later ingestion). */
  transformer?: { transformerConfig: Processor[]; creationTime: number; lastModifiedTime: number };
  /** PutIndexPolicy's document (index-policies.ts). */
  indexPolicy?: { policyDocument: string; lastUpdateTime: number };
  /** PutLogGroupDeletionProtection: DeleteLogGroup is refused while it is on. */
  deletionProtection?: boolean;
}

/** A cross-account subscription destination (PutDestination); the local cloud delivers nothing to it. */
export interface DestinationRecord {
  destinationName: string;
  targetArn: string;
  roleArn: string;
  accessPolicy?: string;
  arn: string;
  creationTime: number;
  tags: Record<string, string>;
}

/** An account-scoped resource policy (PutResourcePolicy), by name. */
export interface ResourcePolicyRecord {
  policyName: string;
  policyDocument: string;
  lastUpdatedTime: number;
}

/** An account-level policy (PutAccountPolicy): stored, by type and then name (account-policies.ts). */
export interface AccountPolicyRecord {
  policyName: string;
  policyType: PolicyType;
  policyDocument: string;
  lastUpdatedTime: number;
  selectionCriteria?: string;
}

export interface MetricFilterRecord {
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
  creationTime: number;
}

/** Stored as AWS stores it; the local cloud delivers nothing to its destination. */
export interface SubscriptionFilterRecord {
  filterName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: Distribution;
  creationTime: number;
}

/** A log anomaly detector (anomaly-detectors.ts), as stored. */
export interface AnomalyDetectorRecord {
  anomalyDetectorArn: string;
  detectorName?: string;
  logGroupArnList: string[];
  evaluationFrequency?: EvaluationFrequency;
  filterPattern?: string;
  kmsKeyId?: string;
  anomalyVisibilityTime?: number;
  creationTimeStamp: number;
  lastModifiedTimeStamp: number;
  /** False while paused (UpdateLogAnomalyDetector). */
  enabled: boolean;
  tags: Record<string, string>;
}

/** A saved Logs Insights query (PutQueryDefinition). */
export interface QueryDefinitionRecord {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  logGroupNames: string[];
  lastModified: number;
  parameters?: QueryParameter[];
  /** The clientToken that created it: a retried create answers with the same definition. */
  clientToken?: string;
}

export interface LogsState {
  groups: Record<string, LogGroupRecord>;
  /** By id (absent in state saved before query definitions existed). */
  queryDefinitions?: Record<string, QueryDefinitionRecord>;
  /** The KMS key AssociateKmsKey gave the account's Logs Insights query results. */
  queryResultsKmsKeyId?: string;
  /** By name (absent in state saved before they were kept). */
  destinations?: Record<string, DestinationRecord>;
  resourcePolicies?: Record<string, ResourcePolicyRecord>;
  /** By policy type, then name (absent in state saved before they were kept). */
  accountPolicies?: Record<string, Record<string, AccountPolicyRecord>>;
  /** By ARN (absent in state saved before they were kept). */
  anomalyDetectors?: Record<string, AnomalyDetectorRecord>;
  /** Next event sequence number in this region: makes every eventId unique and ordered by arrival. */
  nextEventSeq: number;
}

export const initialLogsState = (): LogsState => ({ groups: nameMap(), nextEventSeq: 1 });

export function logGroupArn(region: string, accountId: string, name: string): string {
  return arn('logs', region, accountId, `log-group:${name}`);
}

export function logStreamArn(group: LogGroupRecord, stream: string): string {
  return `${group.arn}:log-stream:${stream}`;
}

export function newStream(name: string, now: number): LogStreamRecord {
  return { name, creationTime: now, events: [], storedBytes: 0, uploads: 0 };
}

export function findGroup(state: LogsState, name: string): LogGroupRecord {
  const group = Object.hasOwn(state.groups, name) ? state.groups[name] : undefined;
  if (!group) throw new ResourceNotFoundException('The specified log group does not exist.');
  return group;
}

export function findStream(group: LogGroupRecord, name: string): LogStreamRecord {
  const stream = Object.hasOwn(group.streams, name) ? group.streams[name] : undefined;
  if (!stream) throw new ResourceNotFoundException('The specified log stream does not exist.');
  return stream;
}

/** The group a log group ARN names (with or without the trailing `:*`). */
export function findGroupByArn(state: LogsState, resourceArn: string): LogGroupRecord {
  const match = /^arn:aws[\w-]*:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$/.exec(resourceArn);
  if (!match) throw new InvalidParameterException(`Invalid resource ARN: ${resourceArn}`);
  return findGroup(state, match[1]!);
}

/** A group by `logGroupIdentifier`: its name or its ARN. */
export function groupByIdentifier(state: LogsState, identifier: string): LogGroupRecord {
  return identifier.startsWith('arn:') ? findGroupByArn(state, identifier) : findGroup(state, identifier);
}

/** The group named by `logGroupName` or by `logGroupIdentifier` (a name or an ARN): exactly one of them, as AWS requires. */
export function groupFromInput(
  state: LogsState,
  input: { logGroupName?: string | undefined; logGroupIdentifier?: string | undefined },
): LogGroupRecord {
  if (input.logGroupName !== undefined && input.logGroupIdentifier !== undefined) {
    throw new InvalidParameterException('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (input.logGroupName !== undefined) return findGroup(state, input.logGroupName);
  if (input.logGroupIdentifier !== undefined) return groupByIdentifier(state, input.logGroupIdentifier);
  throw new InvalidParameterException('Either LogGroup name or LogGroup ARN must be specified.');
}
