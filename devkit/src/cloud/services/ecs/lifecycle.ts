/**
 * How ECS records change, for the API handlers now and for the task scheduler (issue #5) later.
 *
 * The control plane records DESIRED state: a task starts life as `lastStatus: PROVISIONING`,
 * `desiredStatus: RUNNING`, and nothing here runs it. The scheduler plugs in here:
 * - it reads services (desiredCount, deployments[], deploymentConfiguration) and tasks
 *   (desiredStatus) from EcsState;
 * - it writes actual state into the same records: a task's lastStatus, containers[], healthStatus,
 *   timestamps (epoch ms); a deployment's rolloutState / rolloutStateReason / failedTasks;
 * - it starts and stops tasks with `startServiceTasks` / `requestTaskStop` and reports what it did
 *   with `recordServiceEvent` and the wording in `serviceEventMessages`, so users see AWS's text;
 * - it calls `settleDrainingService` once a deleted service's tasks have stopped.
 * Every function is synchronous and takes `now`, so a scheduler step stays a pure function of state.
 */
import type {
  CapacityProviderStrategyItem,
  LaunchType,
  NetworkConfiguration,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import { randomInt, randomUUID } from 'node:crypto';
import { hexId } from '../common.ts';
import type {
  DeploymentRecord,
  EcsState,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
  TaskState,
} from './state.ts';
import {
  clusterNameOf,
  deploymentTasks,
  isLive,
  lastSegment,
  serviceTasks,
  siblingArn,
  taskDefinitionByArn,
} from './state.ts';

/** AWS keeps the latest 100 events of a service. */
export const MAX_SERVICE_EVENTS = 100;
/** What Fargate tasks report while the service asks for `LATEST`. */
export const FARGATE_PLATFORM_VERSION = '1.4.0';

/** Service event messages, word for word as ECS writes them. */
export const serviceEventMessages = {
  startedTasks: (service: string, taskIds: string[]) =>
    `(service ${service}) has started ${taskIds.length} tasks: ${taskIds.map((id) => `(task ${id})`).join(' ')}.`,
  stoppedTasks: (service: string, taskIds: string[]) =>
    `(service ${service}) has stopped ${taskIds.length} running tasks: ${taskIds.map((id) => `(task ${id})`).join(' ')}.`,
  steadyState: (service: string) => `(service ${service}) has reached a steady state.`,
  deploymentCompleted: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment completed.`,
  deploymentFailed: (service: string, deploymentId: string) =>
    `(service ${service}) (deployment ${deploymentId}) deployment failed: tasks failed to start.`,
  rollingBack: (service: string, deploymentId: string) =>
    `(service ${service}) rolling back to deployment ${deploymentId}.`,
  failedHealthChecks: (service: string, taskId: string) =>
    `(service ${service}) (task ${taskId}) failed container health checks.`,
  /** What ECS says when its target group's health checks cannot reach a task. */
  targetUnreachable: (service: string, port: number, targetGroup: string, reason: string) =>
    `(service ${service}) (port ${port}) is unhealthy in (target-group ${targetGroup}) due to ` +
    `(reason Request timed out). ${reason}`,
  noContainerInstances: (service: string) =>
    `(service ${service}) was unable to place a task because no container instance met all of its ` +
    'requirements. Reason: No Container Instances were found in your cluster. For more information, ' +
    'see the Troubleshooting section of the Amazon ECS Developer Guide.',
};

/** Deployment rollout reasons, as ECS words them. */
export const rolloutReasons = {
  inProgress: (deploymentId: string) => `ECS deployment ${deploymentId} in progress.`,
  completed: (deploymentId: string) => `ECS deployment ${deploymentId} completed.`,
  circuitBreakerRollback: (deploymentId: string) =>
    `ECS deployment circuit breaker: rolling back to deploymentId ${deploymentId}.`,
  circuitBreakerFailed: () => 'ECS deployment circuit breaker: tasks failed to start.',
};

/** Newest first, as DescribeServices lists them. */
export function recordServiceEvent(service: ServiceRecord, message: string, now: number): void {
  service.events.unshift({ id: randomUUID(), createdAt: now, message });
  service.events.length = Math.min(service.events.length, MAX_SERVICE_EVENTS);
}

/** `ecs-svc/` and 19 digits, as AWS numbers deployments. */
export function newDeploymentId(): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < 19) digits += String(randomInt(0, 10));
  return `ecs-svc/${digits}`;
}

export interface Placement {
  launchType?: LaunchType;
  capacityProviderStrategy?: CapacityProviderStrategyItem[];
}

/** Fargate by launch type or by a FARGATE / FARGATE_SPOT capacity provider. */
export function isFargate(placement: Placement): boolean {
  if (placement.launchType) return placement.launchType === 'FARGATE';
  return (placement.capacityProviderStrategy ?? []).some((item) =>
    item.capacityProvider?.startsWith('FARGATE'),
  );
}

/** A new PRIMARY deployment of `service`'s current settings, rolling out. */
export function newDeployment(service: ServiceRecord, now: number): DeploymentRecord {
  const id = newDeploymentId();
  const fargate = isFargate(service);
  return {
    id,
    status: 'PRIMARY',
    taskDefinition: service.taskDefinition,
    desiredCount: service.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    ...(service.launchType ? { launchType: service.launchType } : {}),
    ...(service.capacityProviderStrategy?.length
      ? { capacityProviderStrategy: service.capacityProviderStrategy }
      : {}),
    ...(fargate ? { platformVersion: FARGATE_PLATFORM_VERSION, platformFamily: 'Linux' } : {}),
    ...(service.networkConfiguration ? { networkConfiguration: service.networkConfiguration } : {}),
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: rolloutReasons.inProgress(id),
  };
}

export interface NewTask extends Placement {
  clusterArn: string;
  taskDefinition: TaskDefinitionRecord;
  group: string;
  startedBy?: string;
  overrides?: TaskOverride;
  networkConfiguration?: NetworkConfiguration;
  enableExecuteCommand?: boolean;
}

/** Records a task that should run: PROVISIONING, desired RUNNING, containers PENDING. */
export function addTask(state: EcsState, spec: NewTask, now: number): TaskRecord {
  const td = spec.taskDefinition;
  const taskId = hexId(16);
  const clusterName = clusterNameOf(spec.clusterArn);
  const taskArn = siblingArn(spec.clusterArn, `task/${clusterName}/${taskId}`);
  const fargate = isFargate(spec);
  const subnet = spec.networkConfiguration?.awsvpcConfiguration?.subnets?.[0];
  const task: TaskRecord = {
    taskArn,
    clusterArn: spec.clusterArn,
    taskDefinitionArn: td.taskDefinitionArn,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    version: 1,
    createdAt: now,
    group: spec.group,
    ...(spec.startedBy ? { startedBy: spec.startedBy } : {}),
    launchType: fargate ? 'FARGATE' : (spec.launchType ?? 'EC2'),
    ...(spec.capacityProviderStrategy?.[0]
      ? { capacityProviderName: spec.capacityProviderStrategy[0].capacityProvider }
      : {}),
    ...(fargate
      ? {
          platformVersion: FARGATE_PLATFORM_VERSION,
          platformFamily: 'Linux',
          ephemeralStorage: { sizeInGiB: 20 },
        }
      : {}),
    ...(td.cpu ? { cpu: td.cpu } : {}),
    ...(td.memory ? { memory: td.memory } : {}),
    overrides: spec.overrides ?? { containerOverrides: [], inferenceAcceleratorOverrides: [] },
    healthStatus: 'UNKNOWN',
    enableExecuteCommand: spec.enableExecuteCommand ?? false,
    attachments: subnet
      ? [
          {
            id: randomUUID(),
            type: 'ElasticNetworkInterface',
            status: 'PRECREATED',
            details: [{ name: 'subnetId', value: subnet }],
          },
        ]
      : [],
    ...(spec.networkConfiguration ? { networkConfiguration: spec.networkConfiguration } : {}),
    containers: (td.containerDefinitions ?? []).map((definition) => ({
      containerArn: siblingArn(spec.clusterArn, `container/${clusterName}/${taskId}/${randomUUID()}`),
      taskArn,
      name: definition.name,
      image: definition.image,
      lastStatus: 'PENDING',
      networkInterfaces: [],
      healthStatus: 'UNKNOWN',
      cpu: String(definition.cpu ?? 0),
      ...(definition.memory !== undefined ? { memory: String(definition.memory) } : {}),
      ...(definition.memoryReservation !== undefined
        ? { memoryReservation: String(definition.memoryReservation) }
        : {}),
    })),
  };
  state.tasks[taskArn] = task;
  return task;
}

/**
 * Starts `count` tasks of `deployment` and says so in the service's events. Without Fargate there
 * is nowhere to place them (the local cloud has no container instances), as AWS reports.
 */
export function startServiceTasks(
  state: EcsState,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  count: number,
  taskDefinition: TaskDefinitionRecord,
  now: number,
): TaskRecord[] {
  if (count <= 0) return [];
  if (!isFargate(deployment)) {
    recordServiceEvent(service, serviceEventMessages.noContainerInstances(service.serviceName), now);
    return [];
  }
  const tasks = Array.from({ length: count }, () =>
    addTask(
      state,
      {
        clusterArn: service.clusterArn,
        taskDefinition,
        group: `service:${service.serviceName}`,
        startedBy: deployment.id,
        ...(deployment.launchType ? { launchType: deployment.launchType } : {}),
        ...(deployment.capacityProviderStrategy
          ? { capacityProviderStrategy: deployment.capacityProviderStrategy }
          : {}),
        ...(deployment.networkConfiguration ? { networkConfiguration: deployment.networkConfiguration } : {}),
        enableExecuteCommand: service.enableExecuteCommand ?? false,
      },
      now,
    ),
  );
  recordServiceEvent(
    service,
    serviceEventMessages.startedTasks(
      service.serviceName,
      tasks.map((t) => lastSegment(t.taskArn)),
    ),
    now,
  );
  return tasks;
}

export interface StopRequest {
  stopCode:
    | 'UserInitiated'
    | 'ServiceSchedulerInitiated'
    | 'EssentialContainerExited'
    | 'TaskFailedToStart'
    | 'TerminationNotice';
  reason: string;
}

/** stoppedReason texts as ECS writes them. */
export const stopReasons = {
  essentialContainerExited: 'Essential container in task exited',
  failedHealthChecks: 'Task failed container health checks',
  scaling: (deploymentId: string) => `Scaling activity initiated by (deployment ${deploymentId})`,
  outOfMemory: 'OutOfMemoryError: Container killed due to memory usage',
};

/**
 * Asks a task to stop. A task still PROVISIONING has nothing running yet, so it is STOPPED at
 * once; a task a runtime has moved on is stopped by that runtime, which then calls `markTaskStopped`.
 */
export function requestTaskStop(task: TaskRecord, stop: StopRequest, now: number): void {
  if (task.desiredStatus === 'STOPPED') return;
  task.desiredStatus = 'STOPPED';
  task.stopCode = stop.stopCode;
  task.stoppedReason = stop.reason;
  task.stoppingAt = now;
  task.version++;
  if (task.lastStatus === 'PROVISIONING') markTaskStopped(task, now);
}

/** Moves a task along its lifecycle; every change bumps its version, as on AWS. */
export function setTaskStatus(task: TaskRecord, status: TaskState): void {
  task.lastStatus = status;
  task.version++;
}

/** Stops a task at once: nothing of it runs any more (it failed to start, or its containers are gone). */
export function stopTaskNow(task: TaskRecord, stop: StopRequest, now: number): void {
  requestTaskStop(task, stop, now);
  if (task.lastStatus !== 'STOPPED') markTaskStopped(task, now);
}

/** The task and its containers have stopped. */
export function markTaskStopped(task: TaskRecord, now: number): void {
  setTaskStatus(task, 'STOPPED');
  task.stoppedAt = now;
  task.executionStoppedAt = now;
  for (const container of task.containers) container.lastStatus = 'STOPPED';
}

/**
 * Brings `deployment`'s live tasks to its desiredCount: starts the missing ones, stops the newest
 * extras (as the service scheduler does when scaling in).
 */
export function scaleDeployment(
  state: EcsState,
  service: ServiceRecord,
  deployment: DeploymentRecord,
  now: number,
): void {
  const live = deploymentTasks(state, service, deployment).filter(
    (t) => isLive(t) && t.desiredStatus === 'RUNNING',
  );
  const missing = deployment.desiredCount - live.length;
  const taskDefinition = taskDefinitionByArn(state, deployment.taskDefinition);
  if (missing > 0 && taskDefinition) {
    startServiceTasks(state, service, deployment, missing, taskDefinition, now);
  }
  if (missing < 0) {
    const extras = live.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0)).slice(0, -missing);
    for (const task of extras) {
      requestTaskStop(
        task,
        { stopCode: 'ServiceSchedulerInitiated', reason: stopReasons.scaling(deployment.id) },
        now,
      );
    }
    recordServiceEvent(
      service,
      serviceEventMessages.stoppedTasks(
        service.serviceName,
        extras.map((t) => lastSegment(t.taskArn)),
      ),
      now,
    );
  }
  deployment.updatedAt = now;
}

/** A DRAINING service becomes INACTIVE once none of its tasks is left. */
export function settleDrainingService(state: EcsState, service: ServiceRecord): void {
  if (service.status === 'DRAINING' && !serviceTasks(state, service).some(isLive)) {
    service.status = 'INACTIVE';
  }
}
