/**
 * One service's scheduling: hold desiredCount, roll a new deployment out within
 * minimumHealthyPercent / maximumPercent, trip the circuit breaker, roll back, complete, and tell
 * the load balancer which tasks may take traffic.
 */
import {
  recordServiceEvent,
  requestTaskStop,
  rolloutReasons,
  serviceEventMessages,
  settleDrainingService,
  startServiceTasks,
  stopReasons,
} from '../services/ecs/lifecycle.ts';
import type {
  DeploymentRecord,
  EcsState,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from '../services/ecs/state.ts';
import {
  deploymentTasks,
  isLive,
  lastSegment,
  serviceTasks,
  taskDefinitionByArn,
} from '../services/ecs/state.ts';
import type { Action } from './facts.ts';

/** AWS's circuit-breaker threshold: half the desired count, at least 3, at most 200. */
export function failureThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}

/** The rolling-update bounds for a desired count. */
export function rollingBounds(service: ServiceRecord): { maxRunning: number; minHealthy: number } {
  const config = service.deploymentConfiguration ?? {};
  const desired = service.desiredCount;
  return {
    maxRunning: Math.floor((desired * (config.maximumPercent ?? 200)) / 100),
    minHealthy: Math.ceil((desired * (config.minimumHealthyPercent ?? 100)) / 100),
  };
}

/** Tasks meant to keep running (not yet asked to stop). */
function wanted(tasks: TaskRecord[]): TaskRecord[] {
  return tasks.filter((t) => isLive(t) && t.desiredStatus === 'RUNNING');
}

function isHealthy(task: TaskRecord): boolean {
  return task.lastStatus === 'RUNNING' && task.healthyAt !== undefined;
}

export function advanceService(
  state: EcsState,
  service: ServiceRecord,
  unreachable: string | undefined,
  now: number,
): Action[] {
  if (service.status === 'INACTIVE') return [];
  const primary = service.deployments[0];
  if (!primary) return [];
  const config = service.deploymentConfiguration ?? {};
  if (
    primary.rolloutState === 'IN_PROGRESS' &&
    config.deploymentCircuitBreaker?.enable &&
    primary.failedTasks >= failureThreshold(service.desiredCount)
  ) {
    tripCircuitBreaker(service, primary, config.deploymentCircuitBreaker.rollback === true, now);
  }
  const current = service.deployments[0]!;
  current.desiredCount = service.desiredCount;
  startMissingTasks(state, service, current, now);
  stopSurplusTasks(state, service, current, now);
  dropDrainedDeployments(state, service);
  settleDrainingService(state, service);
  if (service.status === 'ACTIVE') noteProgress(state, service, current, now);
  return routeActions(state, service, unreachable, now);
}

/** Starts the primary's missing tasks, as many as maximumPercent leaves room for. */
function startMissingTasks(
  state: EcsState,
  service: ServiceRecord,
  primary: DeploymentRecord,
  now: number,
): void {
  if (service.status !== 'ACTIVE' || primary.rolloutState === 'FAILED') return;
  const { maxRunning } = rollingBounds(service);
  const live = wanted(serviceTasks(state, service)).length;
  const primaryLive = wanted(deploymentTasks(state, service, primary)).length;
  // With maximumPercent at 100, a rollout can only start a task once an old one is gone.
  const count = Math.min(service.desiredCount - primaryLive, Math.max(0, maxRunning - live));
  const taskDefinition = taskDefinitionByArn(state, primary.taskDefinition);
  if (count > 0 && taskDefinition) {
    startServiceTasks(state, service, primary, count, taskDefinition, now);
    primary.updatedAt = now;
  }
}

/**
 * Stops what is no longer wanted: the primary's tasks beyond desiredCount, older deployments'
 * tasks that are not healthy (they serve nothing), and their healthy ones as far as
 * minimumHealthyPercent allows.
 */
function stopSurplusTasks(
  state: EcsState,
  service: ServiceRecord,
  primary: DeploymentRecord,
  now: number,
): void {
  const stops: TaskRecord[] = [];
  const primaryLive = wanted(deploymentTasks(state, service, primary)).sort(
    (a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0),
  );
  stops.push(...primaryLive.slice(0, Math.max(0, primaryLive.length - service.desiredCount)));
  const old = service.deployments
    .slice(1)
    .flatMap((d) => wanted(deploymentTasks(state, service, d)))
    .sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
  stops.push(...old.filter((t) => !isHealthy(t)));
  // A primary that failed without rollback leaves the old tasks serving.
  if (primary.rolloutState !== 'FAILED') {
    const { minHealthy } = rollingBounds(service);
    const healthy = wanted(serviceTasks(state, service)).filter(
      (t) => isHealthy(t) && !stops.includes(t),
    ).length;
    stops.push(...old.filter(isHealthy).slice(0, Math.max(0, healthy - minHealthy)));
  }
  if (stops.length === 0) return;
  for (const task of stops) {
    requestTaskStop(
      task,
      { stopCode: 'ServiceSchedulerInitiated', reason: stopReasons.scaling(primary.id) },
      now,
    );
  }
  recordServiceEvent(
    service,
    serviceEventMessages.stoppedTasks(
      service.serviceName,
      stops.map((t) => lastSegment(t.taskArn)),
    ),
    now,
  );
}

/** Deployments other than the primary leave deployments[] once none of their tasks is left. */
function dropDrainedDeployments(state: EcsState, service: ServiceRecord): void {
  service.deployments = service.deployments.filter(
    (d, index) => index === 0 || deploymentTasks(state, service, d).some(isLive),
  );
}

/** Completion and steady state, each said once when reached. */
function noteProgress(state: EcsState, service: ServiceRecord, primary: DeploymentRecord, now: number): void {
  const live = wanted(deploymentTasks(state, service, primary));
  const steady =
    service.deployments.length === 1 &&
    live.length === service.desiredCount &&
    live.every(isHealthy) &&
    // Nothing else of the service is still on its way out.
    serviceTasks(state, service).every((t) => !isLive(t) || t.desiredStatus === 'RUNNING');
  if (steady && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = rolloutReasons.completed(primary.id);
    primary.updatedAt = now;
    service.lastCompletedDeployment = structuredClone(primary);
    recordServiceEvent(
      service,
      serviceEventMessages.deploymentCompleted(service.serviceName, primary.id),
      now,
    );
  }
  if (steady && !service.steady) {
    recordServiceEvent(service, serviceEventMessages.steadyState(service.serviceName), now);
  }
  service.steady = steady;
}

/**
 * The primary fails; with rollback, the last COMPLETED deployment becomes PRIMARY again (the
 * failed one's tasks then drain like any older deployment's).
 */
function tripCircuitBreaker(
  service: ServiceRecord,
  failed: DeploymentRecord,
  rollback: boolean,
  now: number,
): void {
  failed.rolloutState = 'FAILED';
  failed.updatedAt = now;
  recordServiceEvent(service, serviceEventMessages.deploymentFailed(service.serviceName, failed.id), now);
  const target =
    service.deployments.find((d) => d !== failed && d.rolloutState === 'COMPLETED') ??
    service.lastCompletedDeployment;
  if (!rollback || !target || target.id === failed.id) {
    failed.rolloutStateReason = rolloutReasons.circuitBreakerFailed();
    return;
  }
  failed.rolloutStateReason = rolloutReasons.circuitBreakerRollback(target.id);
  failed.status = 'ACTIVE';
  const restored: DeploymentRecord = {
    ...(service.deployments.find((d) => d.id === target.id) ?? structuredClone(target)),
    status: 'PRIMARY',
    desiredCount: service.desiredCount,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: rolloutReasons.circuitBreakerRollback(target.id),
    updatedAt: now,
  };
  service.deployments = [restored, ...service.deployments.filter((d) => d.id !== target.id)];
  service.taskDefinition = restored.taskDefinition;
  recordServiceEvent(service, serviceEventMessages.rollingBack(service.serviceName, target.id), now);
}

/** The service tag that sets the port its load balancer listens on (default: the container port). */
export const LISTEN_PORT_TAG = 'devkit:load-balancer-port';

/**
 * The container and port a service's load balancer sends traffic to in a task definition: the
 * service's first load balancer when it names one, else the first port mapping of the first
 * essential container that has one. Undefined when there is nothing to balance.
 */
export function balancedContainer(
  service: ServiceRecord,
  definition: TaskDefinitionRecord | undefined,
): { containerName: string; containerPort: number } | undefined {
  const lb = service.loadBalancers?.[0];
  if (lb?.containerName && lb.containerPort !== undefined) {
    return { containerName: lb.containerName, containerPort: lb.containerPort };
  }
  const container = definition?.containerDefinitions?.find(
    (c) => c.essential !== false && c.portMappings?.some((m) => m.containerPort !== undefined),
  );
  const containerPort = container?.portMappings?.find((m) => m.containerPort !== undefined)?.containerPort;
  return container?.name && containerPort !== undefined
    ? { containerName: container.name, containerPort }
    : undefined;
}

/** The tag's port when it is a valid one, else the container port. */
function listenPort(state: EcsState, service: ServiceRecord, containerPort: number): number {
  const tag = state.tags[service.serviceArn]?.find((t) => t.key === LISTEN_PORT_TAG)?.value;
  const port = Number(tag);
  return tag !== undefined && Number.isInteger(port) && port >= 0 && port <= 65535 ? port : containerPort;
}

/** Which tasks the service's load balancer may send traffic to: RUNNING, healthy, not stopping. */
function routeActions(
  state: EcsState,
  service: ServiceRecord,
  unreachable: string | undefined,
  now: number,
): Action[] {
  const balanced = balancedContainer(service, taskDefinitionByArn(state, service.taskDefinition));
  if (!balanced || service.status === 'INACTIVE') return [];
  if (unreachable !== service.unreachableReason) {
    service.unreachableReason = unreachable;
    if (unreachable) {
      const lb = service.loadBalancers?.[0];
      recordServiceEvent(
        service,
        serviceEventMessages.targetUnreachable(
          service.serviceName,
          balanced.containerPort,
          lb?.targetGroupArn ?? lb?.loadBalancerName ?? service.serviceName,
          unreachable,
        ),
        now,
      );
    }
  }
  // Each task is reached on its own revision's container (a rollout may move the port).
  const targets = unreachable
    ? []
    : wanted(serviceTasks(state, service))
        .filter(isHealthy)
        .flatMap((t) => {
          const target = balancedContainer(service, taskDefinitionByArn(state, t.taskDefinitionArn));
          return target ? [{ taskArn: t.taskArn, ...target }] : [];
        });
  return [
    {
      kind: 'route',
      serviceArn: service.serviceArn,
      listenPort: listenPort(state, service, balanced.containerPort),
      containerPort: balanced.containerPort,
      targets,
      ...(unreachable ? { unavailable: unreachable } : {}),
    },
  ];
}
