/**
 * What Docker must run for an ECS task: its task definition and overrides turned into a TaskSpec
 * (images, environment with secrets resolved, command, limits, health checks, ports, stopTimeout, init process).
 */
import type { ContainerDefinition, HealthCheck } from '@aws-sdk/client-ecs';
import type { TaskDefinitionRecord, TaskRecord } from '../services/ecs/state.ts';
import type { Timings } from '../scheduler/facts.ts';
import type { ContainerSpec, HealthCheckSpec, TaskSpec } from './task-containers.ts';

/** Resolves a task definition secret's `valueFrom` in a region; throws with ECS's wording when it cannot. */
export type SecretResolver = (region: string, valueFrom: string) => string;

/** Fargate's default stopTimeout and its ceiling, in seconds. */
const DEFAULT_STOP_TIMEOUT = 30;
const MAX_STOP_TIMEOUT = 120;

/** A start that cannot go ahead, with the reason ECS would give as the task's stoppedReason. */
export class TaskStartError extends Error {
  override name = 'TaskStartError';
}

export interface SpecContext {
  region: string;
  /** The Docker network of the task's VPC. */
  network: string;
  timings: Timings;
  resolveSecret: SecretResolver;
}

export function taskSpec(task: TaskRecord, definition: TaskDefinitionRecord, context: SpecContext): TaskSpec {
  const taskArnParts = task.taskArn.split('/');
  return {
    taskArn: task.taskArn,
    cluster: taskArnParts[1] ?? '',
    family: definition.family,
    revision: definition.revision,
    network: context.network,
    cpuUnits: Number(task.cpu ?? definition.cpu ?? 256),
    memoryMiB: Number(task.memory ?? definition.memory ?? 512),
    containers: (definition.containerDefinitions ?? []).map((d) => containerSpec(task, d, context)),
  };
}

function containerSpec(
  task: TaskRecord,
  definition: ContainerDefinition,
  context: SpecContext,
): ContainerSpec {
  const name = definition.name ?? '';
  const override = task.overrides?.containerOverrides?.find((o) => o.name === name);
  // Keyed by variable names the task definition chooses (`__proto__` is one): no prototype.
  const environment: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, {
    // What Fargate sets in every container.
    AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
    AWS_REGION: context.region,
    AWS_DEFAULT_REGION: context.region,
  });
  for (const { name: key, value } of [...(definition.environment ?? []), ...(override?.environment ?? [])]) {
    if (key !== undefined) environment[key] = value ?? '';
  }
  for (const { name: key, valueFrom } of definition.secrets ?? []) {
    if (key && valueFrom) environment[key] = resolveSecret(valueFrom, context);
  }
  const command = override?.command ?? definition.command;
  const memory = override?.memory ?? definition.memory;
  const cpu = override?.cpu ?? definition.cpu;
  return {
    name,
    image: definition.image ?? '',
    essential: definition.essential !== false,
    environment,
    ...(command?.length ? { command } : {}),
    ...(definition.entryPoint?.length ? { entryPoint: definition.entryPoint } : {}),
    ports: (definition.portMappings ?? []).flatMap((m) =>
      m.containerPort !== undefined && (m.protocol ?? 'tcp') === 'tcp' ? [m.containerPort] : [],
    ),
    ...(definition.healthCheck
      ? { healthCheck: healthCheckSpec(definition.healthCheck, context.timings) }
      : {}),
    ...(memory ? { memoryMiB: memory } : {}),
    ...(cpu ? { cpuUnits: cpu } : {}),
    stopTimeoutSeconds: Math.min(definition.stopTimeout ?? DEFAULT_STOP_TIMEOUT, MAX_STOP_TIMEOUT),
    ...(definition.linuxParameters?.initProcessEnabled ? { init: true } : {}),
  };
}

function resolveSecret(valueFrom: string, context: SpecContext): string {
  try {
    return context.resolveSecret(context.region, valueFrom);
  } catch (error) {
    throw new TaskStartError((error as Error).message);
  }
}

/** ECS's defaults (interval 30, timeout 5, retries 3, startPeriod 0); the timings may shorten the interval. */
function healthCheckSpec(check: HealthCheck, timings: Timings): HealthCheckSpec {
  return {
    command: check.command ?? [],
    intervalSeconds: timings.healthCheckIntervalSeconds ?? check.interval ?? 30,
    timeoutSeconds: check.timeout ?? 5,
    retries: check.retries ?? 3,
    startPeriodSeconds: check.startPeriod ?? 0,
  };
}
