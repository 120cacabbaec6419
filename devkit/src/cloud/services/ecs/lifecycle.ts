/**
 * How ECS records change, shared by the API handlers and the scheduler: tasks are added
 * (PROVISIONING, desired RUNNING), asked to stop, moved along their lifecycle and marked STOPPED;
 * deployments are created; service events are recorded (in ECS's wording, wording.ts). Every
 * function is synchronous and takes `now`, so a scheduler step stays a pure function of state.
 */
import type {
  CapacityProviderStrategyItem,
  LaunchType,
  NetworkConfiguration,
  Tag,
  TaskOverride,
} from '@aws-sdk/client-ecs';
import { randomInt, randomUUID } from 'node:crypto';
import { hexId } from '../common.ts';
import { isFargateProvider, shareOut } from './capacity-strategy.ts';
import { newTaskTags } from './tags.ts';
import type {
  DeploymentRecord,
  EcsState,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
  TaskState,
} from './state.ts';
import { serviceEventMessages, rolloutReasons } from './wording.ts';
import { clusterNameOf, deploymentTasks, isLive, lastSegment, serviceTasks, siblingArn } from './state.ts';

/** AWS keeps the latest 100 events of a service. */
export const MAX_SERVICE_EVENTS = 100;
/** What Fargate tasks report while the service asks for `LATEST`. */
export const FARGATE_PLATFORM_VERSION = '1.4.0';

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
  return (placement.capacityProviderStrategy ?? []).some((item) => isFargateProvider(item.capacityProvider));
}

/** A new PRIMARY deployment of `service`'s current settings, rolling out (ECS controller only). */
export function newDeployment(service: ServiceRecord, now: number): DeploymentRecord {
  if (!service.taskDefinition) throw new Error(`${service.serviceArn} has no task definition to deploy`);
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
    ...(service.serviceConnectConfiguration
      ? { serviceConnectConfiguration: service.serviceConnectConfiguration }
      : {}),
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
  /** The provider of its strategy it runs on (shareOut chose it). */
  capacityProviderName?: string;
  /** Everything it is tagged with (newTaskTags). */
  tags?: Tag[];
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
    ...(spec.capacityProviderName ? { capacityProviderName: spec.capacityProviderName } : {}),
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
  state.tags[taskArn] = spec.tags ?? [];
  return task;
}

/** What starts a service's tasks: a deployment, or a task set (EXTERNAL services). */
export type TaskSource = Pick<
  DeploymentRecord,
  'id' | 'launchType' | 'capacityProviderStrategy' | 'networkConfiguration'
>;

/**
 * Starts `count` tasks of `deployment` and says so in the service's events. Without Fargate there
 * is nowhere to place them (the local cloud has no container instances), as AWS reports.
 */
export function startServiceTasks(
  state: EcsState,
  service: ServiceRecord,
  deployment: TaskSource,
  count: number,
  taskDefinition: TaskDefinitionRecord,
  now: number,
): TaskRecord[] {
  if (count <= 0) return [];
  if (!isFargate(deployment)) {
    recordServiceEvent(service, serviceEventMessages.noContainerInstances(service.serviceName), now);
    return [];
  }
  const strategy = deployment.capacityProviderStrategy ?? [];
  const providers = strategy.length
    ? shareOut(
        strategy,
        deploymentTasks(state, service, deployment)
          .filter((t) => isLive(t) && t.desiredStatus === 'RUNNING')
          .map((t) => t.capacityProviderName),
        count,
      )
    : [];
  const tasks = Array.from({ length: count }, (_, index) =>
    addTask(
      state,
      {
        clusterArn: service.clusterArn,
        taskDefinition,
        group: `service:${service.serviceName}`,
        startedBy: deployment.id,
        ...(deployment.launchType ? { launchType: deployment.launchType } : {}),
        ...(strategy.length
          ? { capacityProviderStrategy: strategy, capacityProviderName: providers[index]! }
          : {}),
        ...(deployment.networkConfiguration ? { networkConfiguration: deployment.networkConfiguration } : {}),
        enableExecuteCommand: service.enableExecuteCommand ?? false,
        tags: newTaskTags(state, {
          own: [],
          propagateTags: service.propagateTags ?? 'NONE',
          serviceArn: service.serviceArn,
          taskDefinitionArn: taskDefinition.taskDefinitionArn,
          managedTags: service.enableECSManagedTags === true,
          clusterArn: service.clusterArn,
          serviceName: service.serviceName,
        }),
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

/** The task and its containers have stopped; its network interface is detached (and deleted). */
export function markTaskStopped(task: TaskRecord, now: number): void {
  setTaskStatus(task, 'STOPPED');
  task.stoppedAt = now;
  task.executionStoppedAt = now;
  for (const container of task.containers) container.lastStatus = 'STOPPED';
  for (const attachment of task.attachments ?? []) {
    if (attachment.type === 'ElasticNetworkInterface') attachment.status = 'DETACHED';
  }
}

/** What EC2 recorded of a task's network interface, as DescribeTasks lists an ENI attachment's details. */
export interface AttachedInterface {
  networkInterfaceId: string;
  subnetId: string;
  macAddress: string;
  privateDnsName: string;
  privateIpv4Address: string;
}

/** The task's PRECREATED ENI attachment is ATTACHED, with the interface's details in AWS's order. */
export function attachNetworkInterface(task: TaskRecord, eni: AttachedInterface): void {
  const attachment = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  if (!attachment || attachment.status === 'ATTACHED') return;
  attachment.status = 'ATTACHED';
  attachment.details = [
    { name: 'subnetId', value: eni.subnetId },
    { name: 'networkInterfaceId', value: eni.networkInterfaceId },
    { name: 'macAddress', value: eni.macAddress },
    { name: 'privateDnsName', value: eni.privateDnsName },
    { name: 'privateIPv4Address', value: eni.privateIpv4Address },
  ];
  task.version++;
}

/** The network interface a task's ENI attachment names, once attached. */
export function taskNetworkInterfaceId(task: TaskRecord): string | undefined {
  return task.attachments
    ?.find((a) => a.type === 'ElasticNetworkInterface')
    ?.details?.find((d) => d.name === 'networkInterfaceId')?.value;
}

/** A DRAINING service becomes INACTIVE once none of its tasks is left. */
export function settleDrainingService(state: EcsState, service: ServiceRecord): void {
  if (service.status === 'DRAINING' && !serviceTasks(state, service).some(isLive)) {
    service.status = 'INACTIVE';
  }
}
