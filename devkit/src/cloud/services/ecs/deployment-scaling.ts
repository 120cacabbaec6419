/**
 * Bringing a service's deployments to their counts — the one place tasks start or stop for scale,
 * called by the API handlers (CreateService, UpdateService, DeleteService) and by the scheduler on
 * every step: the primary's missing tasks start as far as maximumPercent leaves room; what is no
 * longer wanted stops as far as minimumHealthyPercent allows, tasks protected from scale-in aside.
 */
import { recordServiceEvent, requestTaskStop, startServiceTasks } from './lifecycle.ts';
import type { DeploymentRecord, EcsState, ServiceRecord, TaskRecord } from './state.ts';
import {
  deploymentTasks,
  isLive,
  isProtected,
  lastSegment,
  serviceTasks,
  taskDefinitionByArn,
} from './state.ts';
import { serviceEventMessages, stopReasons } from './wording.ts';

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
export function wanted(tasks: TaskRecord[]): TaskRecord[] {
  return tasks.filter((t) => isLive(t) && t.desiredStatus === 'RUNNING');
}

export function isHealthy(task: TaskRecord): boolean {
  return task.lastStatus === 'RUNNING' && task.healthyAt !== undefined;
}

/** Starts the primary's missing tasks and stops the surplus, within the rolling-update bounds. */
export function bringToCount(
  state: EcsState,
  service: ServiceRecord,
  primary: DeploymentRecord,
  now: number,
): void {
  startMissingTasks(state, service, primary, now);
  stopSurplusTasks(state, service, primary, now);
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
  // A primary that failed without rollback leaves the old tasks serving (unless the service goes).
  if (primary.rolloutState !== 'FAILED' || service.status !== 'ACTIVE') {
    const { minHealthy } = rollingBounds(service);
    const healthy = wanted(serviceTasks(state, service)).filter(
      (t) => isHealthy(t) && !stops.includes(t),
    ).length;
    stops.push(...old.filter(isHealthy).slice(0, Math.max(0, healthy - minHealthy)));
  }
  // A task protected from scale-in stays until its protection is cleared or expires, as on AWS.
  const unprotected = stops.filter((t) => !isProtected(t, now));
  if (unprotected.length === 0) return;
  for (const task of unprotected) {
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
      unprotected.map((t) => lastSegment(t.taskArn)),
    ),
    now,
  );
}
