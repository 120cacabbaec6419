/**
 * One task's lifecycle, moved along by what the runtime observed: PROVISIONING → PENDING →
 * ACTIVATING → RUNNING → DEACTIVATING → STOPPING → DEPROVISIONING → STOPPED, with stopCode and
 * stoppedReason as ECS reports them.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import {
  attachNetworkInterface,
  markTaskStopped,
  requestTaskStop,
  setTaskStatus,
  stopTaskNow,
} from '../services/ecs/lifecycle.ts';
import { stopReasons } from '../services/ecs/wording.ts';
import type { TaskRecord, TaskState } from '../services/ecs/state.ts';
import type { Action, ContainerFact, TargetHealthFact, TaskFact, Timings } from './facts.ts';

export interface TaskOutcome {
  action?: Action;
  /** The task failed before it ever counted as healthy, or failed its health checks. */
  failed?: boolean;
  /** The task failed its container health checks (the service says so in its events). */
  failedHealthChecks?: boolean;
  /** The target group whose health checks the task's target failed (the service says so too). */
  failedElbHealthChecks?: string;
}

/**
 * What a service task's service asks of it: how long after the task starts ECS ignores its failing
 * health checks — container and load balancer checks alike (healthCheckGracePeriodSeconds) — and,
 * behind target groups, its targets' health.
 */
export interface ServiceView {
  gracePeriodSeconds: number;
  elb?: ElbView;
}

export interface ElbView {
  targetGroupArns: string[];
  targets: TargetHealthFact[];
}

const STOPPING_PHASES: Record<'draining' | 'stopping' | 'flushing', TaskState> = {
  draining: 'DEACTIVATING',
  stopping: 'STOPPING',
  flushing: 'DEPROVISIONING',
};

export function advanceTask(
  task: TaskRecord,
  definitions: ContainerDefinition[],
  fact: TaskFact | undefined,
  service: ServiceView | undefined,
  now: number,
  timings: Timings,
): TaskOutcome {
  if (task.lastStatus === 'STOPPED') return {};
  if (task.lastStatus === 'PROVISIONING') {
    if (fact || task.desiredStatus !== 'RUNNING') return {};
    setTaskStatus(task, 'PENDING');
    task.pullStartedAt = now;
    return { action: { kind: 'start', taskArn: task.taskArn } };
  }
  if (!fact) {
    // Nothing of it runs any more (the cloud restarted and its containers are gone).
    stopTaskNow(
      task,
      { stopCode: 'TerminationNotice', reason: 'Task stopped: its containers no longer exist' },
      now,
    );
    return {};
  }
  switch (fact.phase) {
    case 'starting':
      return {};
    case 'failedToStart': {
      for (const container of task.containers) container.reason = fact.reason;
      stopTaskNow(task, { stopCode: 'TaskFailedToStart', reason: fact.reason }, now);
      return { failed: true };
    }
    case 'draining':
    case 'stopping':
    case 'flushing': {
      const status = STOPPING_PHASES[fact.phase];
      if (task.lastStatus !== status) setTaskStatus(task, status);
      if (fact.phase !== 'draining') task.executionStoppedAt ??= now;
      return {};
    }
    case 'stopped':
      applyContainerFacts(task, definitions, fact.containers);
      markTaskStopped(task, now);
      return {};
    case 'up':
      if (fact.networkInterface) attachNetworkInterface(task, fact.networkInterface);
      return advanceRunningTask(task, definitions, fact.containers, service, now, timings);
  }
}

function advanceRunningTask(
  task: TaskRecord,
  definitions: ContainerDefinition[],
  containers: ContainerFact[],
  service: ServiceView | undefined,
  now: number,
  timings: Timings,
): TaskOutcome {
  const elb = service?.elb;
  const inGracePeriod = service !== undefined && withinGracePeriod(task, service, now);
  applyContainerFacts(task, definitions, containers);
  const essentials = essentialFacts(definitions, containers);
  if (task.lastStatus === 'PENDING') {
    task.pullStoppedAt ??= now;
    setTaskStatus(task, 'ACTIVATING');
  } else if (task.lastStatus === 'ACTIVATING' && essentials.every((c) => c.running)) {
    setTaskStatus(task, 'RUNNING');
    task.startedAt = now;
    task.connectivityAt = now;
  }
  task.healthStatus = taskHealth(essentials);
  const outcome: TaskOutcome = {};
  if (task.desiredStatus === 'RUNNING') {
    const exited = essentials.find((c) => !c.running);
    if (exited) {
      requestTaskStop(
        task,
        {
          stopCode: 'EssentialContainerExited',
          reason: exited.oomKilled ? stopReasons.outOfMemory : stopReasons.essentialContainerExited,
        },
        now,
      );
      outcome.failed = task.healthyAt === undefined;
    } else if (service && task.healthStatus === 'UNHEALTHY' && !inGracePeriod) {
      requestTaskStop(
        task,
        { stopCode: 'ServiceSchedulerInitiated', reason: stopReasons.failedHealthChecks },
        now,
      );
      outcome.failed = true;
      outcome.failedHealthChecks = true;
    } else if (elb && !inGracePeriod && failedTarget(task, elb)) {
      const targetGroupArn = failedTarget(task, elb)!;
      requestTaskStop(
        task,
        { stopCode: 'ServiceSchedulerInitiated', reason: stopReasons.failedElbHealthChecks(targetGroupArn) },
        now,
      );
      outcome.failed = true;
      outcome.failedElbHealthChecks = targetGroupArn;
    } else if (
      task.healthyAt === undefined &&
      countsHealthy(task, definitions, now, timings) &&
      (!elb || targetsHealthy(elb))
    ) {
      task.healthyAt = now;
    }
  }
  if (task.desiredStatus === 'STOPPED') {
    setTaskStatus(task, 'DEACTIVATING');
    outcome.action = { kind: 'stop', taskArn: task.taskArn };
  }
  return outcome;
}

/** Every target group of the service holds the task's target, healthy. */
function targetsHealthy(elb: ElbView): boolean {
  return elb.targetGroupArns.every((arn) =>
    elb.targets.some((t) => t.targetGroupArn === arn && t.state === 'healthy'),
  );
}

/** The target group where the RUNNING task's target is unhealthy, if any. */
function failedTarget(task: TaskRecord, elb: ElbView): string | undefined {
  if (task.lastStatus !== 'RUNNING') return undefined;
  return elb.targets.find((t) => t.state === 'unhealthy')?.targetGroupArn;
}

/** Whether the task started less than its service's grace period ago (or has not started yet). */
function withinGracePeriod(task: TaskRecord, service: ServiceView, now: number): boolean {
  return now - (task.startedAt ?? now) < service.gracePeriodSeconds * 1000;
}

/** RUNNING, and HEALTHY — or, without health checks, RUNNING for the grace period. */
function countsHealthy(
  task: TaskRecord,
  definitions: ContainerDefinition[],
  now: number,
  timings: Timings,
): boolean {
  if (task.lastStatus !== 'RUNNING') return false;
  if (task.healthStatus === 'HEALTHY') return true;
  const checked = definitions.some((d) => d.essential !== false && d.healthCheck);
  return !checked && now - (task.startedAt ?? now) >= timings.noHealthCheckGraceSeconds * 1000;
}

function essentialFacts(definitions: ContainerDefinition[], containers: ContainerFact[]): ContainerFact[] {
  return containers.filter((c) => definitions.find((d) => d.name === c.name)?.essential !== false);
}

/**
 * From the essential containers that have a health check: UNHEALTHY if any is, else UNKNOWN if
 * any is still starting, else HEALTHY; UNKNOWN when none has a check.
 */
function taskHealth(essentials: ContainerFact[]): 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN' {
  const checked = essentials.filter((c) => c.health !== undefined);
  if (checked.length === 0) return 'UNKNOWN';
  if (checked.some((c) => c.health === 'unhealthy')) return 'UNHEALTHY';
  if (checked.some((c) => c.health === 'starting')) return 'UNKNOWN';
  return 'HEALTHY';
}

const HEALTH_STATUS = { healthy: 'HEALTHY', unhealthy: 'UNHEALTHY', starting: 'UNKNOWN' } as const;

/** Copies what the runtime saw into the task's containers[] (status, exit code, ports, address). */
function applyContainerFacts(
  task: TaskRecord,
  definitions: ContainerDefinition[],
  facts: ContainerFact[],
): void {
  for (const container of task.containers) {
    const fact = facts.find((f) => f.name === container.name);
    if (!fact) continue;
    container.runtimeId = fact.runtimeId;
    container.lastStatus = fact.running ? 'RUNNING' : 'STOPPED';
    container.healthStatus = fact.health ? HEALTH_STATUS[fact.health] : 'UNKNOWN';
    if (!fact.running && fact.exitCode !== undefined) container.exitCode = fact.exitCode;
    if (fact.oomKilled) container.reason = stopReasons.outOfMemory;
    const mappings = definitions.find((d) => d.name === container.name)?.portMappings ?? [];
    container.networkBindings = mappings.flatMap((m) =>
      m.containerPort !== undefined && fact.hostPorts[m.containerPort]
        ? [
            {
              bindIP: '127.0.0.1',
              containerPort: m.containerPort,
              hostPort: fact.hostPorts[m.containerPort],
              protocol: 'tcp' as const,
            },
          ]
        : [],
    );
    if (fact.privateIp) {
      container.networkInterfaces = [
        { attachmentId: task.attachments?.[0]?.id, privateIpv4Address: fact.privateIp },
      ];
    }
  }
}
