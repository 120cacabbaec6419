/**
 * VPC flow logs to CloudWatch Logs: CreateFlowLogs (one flow log per VPC, subnet or network
 * interface named), DescribeFlowLogs, DeleteFlowLogs. A flow log is kept and described as AWS
 * describes it; as on AWS, creating one makes nothing in the log group until traffic flows.
 *
 * Where offline differs: the local cloud records no flow records (its containers' traffic does not
 * pass through a VPC dataplane), and it has no S3 or Firehose, so only `cloud-watch-logs` is a
 * destination. Where AWS is silent: a role that IAM does not have is InvalidParameter (AWS would
 * report the delivery FAILED later); a flow log goes with the VPC, subnet or interface it watches.
 */
import type {
  CreateFlowLogsRequest,
  CreateFlowLogsResult,
  DeleteFlowLogsRequest,
  DeleteFlowLogsResult,
  DescribeFlowLogsRequest,
  DescribeFlowLogsResult,
  FlowLog,
} from '@aws-sdk/client-ec2';
import { roleByArn } from '../../access/identities.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State, FlowLogRecord } from './state.ts';
import { ec2Error, find, records } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

/** The fields a log format may name (the VPC User Guide's "Available fields", versions 2 to 10). */
const FIELDS = new Set([
  'version',
  'account-id',
  'interface-id',
  'srcaddr',
  'dstaddr',
  'srcport',
  'dstport',
  'protocol',
  'packets',
  'bytes',
  'start',
  'end',
  'action',
  'log-status',
  'vpc-id',
  'subnet-id',
  'instance-id',
  'tcp-flags',
  'type',
  'pkt-srcaddr',
  'pkt-dstaddr',
  'region',
  'az-id',
  'sublocation-type',
  'sublocation-id',
  'pkt-src-aws-service',
  'pkt-dst-aws-service',
  'flow-direction',
  'traffic-path',
  'ecs-cluster-arn',
  'ecs-cluster-name',
  'ecs-container-instance-arn',
  'ecs-container-instance-id',
  'ecs-container-id',
  'ecs-second-container-id',
  'ecs-service-name',
  'ecs-task-definition-arn',
  'ecs-task-arn',
  'ecs-task-id',
  'reject-reason',
  'resource-id',
  'encryption-status',
]);

/** AWS's default format (version 2's fields). */
const DEFAULT_FORMAT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

const KINDS = { VPC: 'vpc', Subnet: 'subnet', NetworkInterface: 'eni' } as const;

/** A custom format: at least one `${field}`, each a known field, separated by spaces. */
function checkLogFormat(format: string): void {
  const tokens = format.trim().split(/\s+/);
  const bad = tokens.find((token) => {
    const match = /^\$\{([a-z0-9-]+)\}$/.exec(token);
    return !match || !FIELDS.has(match[1]!);
  });
  if (format.trim() === '' || bad !== undefined) {
    throw ec2Error(
      'InvalidParameter',
      `LogFormat is invalid${bad ? `: '${bad}' is not a flow log field` : ''}. Specify fields as \${field-id}, separated by spaces.`,
    );
  }
}

/** The log group a request names, by LogGroupName or by its ARN in LogDestination. */
function logGroupOf(input: CreateFlowLogsRequest, region: string, accountId: string): string {
  if ((input.LogGroupName === undefined) === (input.LogDestination === undefined)) {
    throw ec2Error(
      'InvalidParameter',
      'Exactly one of LogGroupName and LogDestination must be given for the cloud-watch-logs destination type.',
    );
  }
  if (input.LogGroupName !== undefined) return input.LogGroupName;
  const match = /^arn:aws:logs:([^:]+):(\d{12}):log-group:([^:]+)(?::\*)?$/.exec(input.LogDestination!);
  if (!match || match[1] !== region || match[2] !== accountId) {
    throw ec2Error(
      'InvalidParameter',
      `LogDestination (${input.LogDestination}) is not the ARN of a log group of this account and region (arn:aws:logs:${region}:${accountId}:log-group:<name>).`,
    );
  }
  return match[3]!;
}

function flowLogShape(state: Ec2State, log: FlowLogRecord): FlowLog {
  return {
    FlowLogId: log.id,
    CreationTime: new Date(log.createdMs),
    DeliverLogsPermissionArn: log.deliverLogsPermissionArn,
    DeliverLogsStatus: 'SUCCESS',
    FlowLogStatus: 'ACTIVE',
    LogGroupName: log.logGroupName,
    ResourceId: log.resourceId,
    TrafficType: log.trafficType,
    LogDestinationType: 'cloud-watch-logs',
    LogDestination: log.logDestination,
    LogFormat: log.logFormat,
    MaxAggregationInterval: log.maxAggregationInterval,
    Tags: tagsOf(state, log.id),
  };
}

export const createFlowLogs: Handler<
  Checked<CreateFlowLogsRequest, 'ResourceIds' | 'ResourceType'>,
  CreateFlowLogsResult,
  Ec2State
> = (input, ctx) => {
  const destinationType = input.LogDestinationType ?? 'cloud-watch-logs';
  if (destinationType !== 'cloud-watch-logs') {
    throw ec2Error(
      'InvalidParameterValue',
      `The local cloud has no ${destinationType === 's3' ? 'S3' : 'Firehose'}: flow logs go to CloudWatch Logs (LogDestinationType cloud-watch-logs)`,
    );
  }
  const kind = Object.hasOwn(KINDS, input.ResourceType)
    ? KINDS[input.ResourceType as keyof typeof KINDS]
    : undefined;
  if (!kind) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${input.ResourceType}) for parameter ResourceType is invalid: the local cloud watches VPC, Subnet and NetworkInterface resources (it has no transit gateways).`,
    );
  }
  if (input.TrafficType === undefined) {
    throw ec2Error('MissingParameter', 'The request must contain the parameter TrafficType');
  }
  const interval = input.MaxAggregationInterval ?? 600;
  if (interval !== 60 && interval !== 600) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${interval}) for parameter MaxAggregationInterval is invalid. Valid values: 60, 600.`,
    );
  }
  const roleArn = input.DeliverLogsPermissionArn;
  if (!roleArn) {
    throw ec2Error(
      'InvalidParameter',
      "DeliverLogsPermissionArn can't be empty if LogDestinationType is cloud-watch-logs.",
    );
  }
  if (!roleByArn(ctx.store, roleArn)) {
    throw ec2Error(
      'InvalidParameter',
      `DeliverLogsPermissionArn (${roleArn}) does not name an IAM role of this account.`,
    );
  }
  const logGroupName = logGroupOf(input, ctx.region, ctx.accountId);
  if (input.LogFormat !== undefined) checkLogFormat(input.LogFormat);
  const logs = records(ctx.state, 'fl');
  const resourceIds = input.ResourceIds.map((id) => find(ctx.state, kind, id).id);
  const duplicate = resourceIds.some((id) =>
    Object.values(logs).some(
      (log) =>
        log.resourceId === id && log.trafficType === input.TrafficType && log.logGroupName === logGroupName,
    ),
  );
  if (duplicate) {
    throw ec2Error(
      'FlowLogAlreadyExists',
      'Error. There is an existing Flow Log with the same configuration and log destination.',
    );
  }
  const created = resourceIds.map((resource) => {
    const log: FlowLogRecord = {
      id: resourceId('fl'),
      resourceId: resource,
      trafficType: input.TrafficType!,
      logGroupName,
      logDestination: `arn:aws:logs:${ctx.region}:${ctx.accountId}:log-group:${logGroupName}`,
      deliverLogsPermissionArn: roleArn,
      logFormat: input.LogFormat?.trim().split(/\s+/).join(' ') ?? DEFAULT_FORMAT,
      maxAggregationInterval: interval,
      createdMs: Date.now(),
    };
    logs[log.id] = log;
    applyTagSpecifications(ctx.state, log.id, 'vpc-flow-log', input.TagSpecifications);
    return log.id;
  });
  return {
    FlowLogIds: created,
    Unsuccessful: [],
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
};

export const describeFlowLogs: Handler<DescribeFlowLogsRequest, DescribeFlowLogsResult, Ec2State> = (
  input,
  ctx,
) => {
  const all = Object.values(records(ctx.state, 'fl'));
  // Unknown ids are not an error here: they match nothing, as on AWS.
  const wanted = input.FlowLogIds?.length ? all.filter((log) => input.FlowLogIds!.includes(log.id)) : all;
  const matching = applyFilters(ctx.state, wanted, input.Filter, {
    'deliver-log-status': () => 'SUCCESS',
    'log-destination-type': () => 'cloud-watch-logs',
    'flow-log-id': (log) => log.id,
    'log-group-name': (log) => log.logGroupName,
    'resource-id': (log) => log.resourceId,
    'traffic-type': (log) => log.trafficType,
  });
  const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 1000);
  return {
    FlowLogs: page.map((log) => flowLogShape(ctx.state, log)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

/** Each id that is not a flow log is reported unsuccessful; the others are deleted. */
export const deleteFlowLogs: Handler<
  Checked<DeleteFlowLogsRequest, 'FlowLogIds'>,
  DeleteFlowLogsResult,
  Ec2State
> = (input, ctx) => {
  const logs = records(ctx.state, 'fl');
  const unsuccessful = input.FlowLogIds.filter((id) => !Object.hasOwn(logs, id)).map((id) => ({
    ResourceId: id,
    Error: { Code: 'InvalidFlowLogId.NotFound', Message: `Flow Log ID '${id}' does not exist` },
  }));
  for (const id of input.FlowLogIds) {
    if (Object.hasOwn(logs, id)) {
      delete logs[id];
      dropTags(ctx.state, id);
    }
  }
  return { Unsuccessful: unsuccessful };
};

/** Forgets the flow logs of a VPC, subnet or interface being deleted. */
export function dropFlowLogsOf(state: Ec2State, resource: string): void {
  const logs = records(state, 'fl');
  for (const log of Object.values(logs)) {
    if (log.resourceId === resource) {
      delete logs[log.id];
      dropTags(state, log.id);
    }
  }
}
