/**
 * The awslogs log driver of a container definition: which CloudWatch Logs group and stream
 * (`prefix/container/task-id`) its lines go to, the stream (and with `awslogs-create-group: "true"`
 * the group) created at container start as the driver does, and the sink that appends shipped
 * lines to the local CloudWatch Logs.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import {
  appendEvents,
  ensureLogGroup,
  ensureLogStream,
  initialLogsState,
  type LogsChange,
  type LogsState,
} from '../services/logs/index.ts';
import { publishLogMetrics } from '../metrics/log-metrics.ts';
import type { StateStore } from '../state/store.ts';
import type { RoleSession } from './execution-role.ts';
import type { LogEvent, LogSink, ShipOptions } from './log-shipper.ts';
import { TaskStartError } from './task-spec.ts';

export interface AwsLogsTarget {
  region: string;
  /** The task's account, which owns the group. */
  accountId: string;
  group: string;
  stream: string;
  /** `awslogs-create-group: "true"`: the driver creates the group first (logs:CreateLogGroup). */
  createGroup: boolean;
}

/** Where a container's lines go, or undefined when it does not log with awslogs. */
export function awslogsTarget(
  definition: ContainerDefinition,
  taskArn: string,
  taskRegion: string,
): AwsLogsTarget | undefined {
  const config = definition.logConfiguration;
  if (config?.logDriver !== 'awslogs') return undefined;
  const options = config.options ?? {};
  const group = options['awslogs-group'];
  if (!group) return undefined;
  const taskId = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  const prefix = options['awslogs-stream-prefix'];
  return {
    region: options['awslogs-region'] ?? taskRegion,
    accountId: taskArn.split(':')[4] ?? '',
    group,
    stream: prefix ? `${prefix}/${definition.name}/${taskId}` : taskId,
    createGroup: options['awslogs-create-group'] === 'true',
  };
}

function logsState(store: StateStore, region: string): LogsState {
  return store.slice('logs', region, initialLogsState);
}

/**
 * `arn:aws:logs:<region>:<account>:log-group:<group>:log-stream:<stream>`, as IAM names a stream
 * (and a group: its streams' ARN with an empty stream name).
 */
function logStreamArn(region: string, role: RoleSession, group: string, stream: string): string {
  return `arn:aws:logs:${region}:${role.principalArn.split(':')[4] ?? ''}:log-group:${group}:log-stream:${stream}`;
}

/**
 * Creates the container's stream as the awslogs driver does at start — with `awslogs-create-group`
 * its group first, which the driver asks for even when the group exists — as the execution role
 * when IAM is enforced; a missing group or a refused call fails the start with Fargate's wording.
 */
export function openLogStream(store: StateStore, target: AwsLogsTarget, executionRole?: RoleSession): void {
  const state = logsState(store, target.region);
  const failed = (what: string, error: unknown) =>
    new TaskStartError(
      'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: ' +
        `failed to create Cloudwatch ${what}: ${(error as Error).name}: ${(error as Error).message} : exit status 1`,
    );
  if (target.createGroup) {
    try {
      executionRole?.authorize(
        'logs:CreateLogGroup',
        logStreamArn(target.region, executionRole, target.group, ''),
      );
    } catch (error) {
      throw failed('log group', error);
    }
    if (ensureLogGroup(state, target.group, target.region, target.accountId)) {
      store.markDirty('logs', target.region, { group: target.group } satisfies LogsChange);
    }
  }
  try {
    executionRole?.authorize(
      'logs:CreateLogStream',
      logStreamArn(target.region, executionRole, target.group, target.stream),
    );
    ensureLogStream(state, target.group, target.stream);
  } catch (error) {
    throw failed('log stream', error);
  }
  store.markDirty('logs', target.region, { group: target.group, stream: target.stream } satisfies LogsChange);
}

/**
 * Appends shipped lines to the local CloudWatch Logs; lines for a group deleted since, or that
 * the execution role may no longer put (IAM enforced), are dropped, as the awslogs driver drops them.
 */
export function logsSink(store: StateStore, region: string, executionRole?: RoleSession): LogSink {
  return (group: string, stream: string, events: LogEvent[]) => {
    try {
      executionRole?.authorize('logs:PutLogEvents', logStreamArn(region, executionRole, group, stream));
      const { metrics, findingsStreams } = appendEvents(logsState(store, region), group, stream, events);
      for (const change of [{ group, stream }, ...findingsStreams]) {
        store.markDirty('logs', region, change satisfies LogsChange);
      }
      publishLogMetrics(store, region, metrics);
    } catch {
      // The group or stream was deleted while the container ran, or the role lost its right to put.
    }
  };
}

/** What was shipped to the stream already (for resuming after a restart without duplicates). */
export function shippedSoFar(store: StateStore, target: AwsLogsTarget): ShipOptions['after'] {
  const events = logsState(store, target.region).groups[target.group]?.streams[target.stream]?.events ?? [];
  const last = events.at(-1);
  if (!last) return undefined;
  return {
    timestamp: last.timestamp,
    messages: events.filter((e) => e.timestamp === last.timestamp).map((e) => e.message),
  };
}
