/**
 * Bringing a service's deployments and task sets to their counts — the one place tasks start or
 * stop for scale, called by the API handlers (CreateService, UpdateService, DeleteService, the
 * task set calls) and by the scheduler on every step: the primary's missing tasks start as far as
 * maximumPercent leaves room; what is no longer wanted stops as far as minimumHealthyPercent
 * allows, tasks protected from scale-in aside. A task set (EXTERNAL controller) is scaled to its
 * share at once: the external controller, not ECS, paces the move between task sets.
 */
import { recordServiceEvent, requestTaskStop, startServiceTasks } from './lifecycle.ts';
import type { DeploymentRecord, EcsState, ServiceRecord, TaskRecord, TaskSetRecord } from './state.ts';
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

/**
 * Starts the primary's missing tasks and stops the surplus, within the rolling-update bounds — or,
 * for a deployment that shifts traffic (blue/green, linear, canary), with the new revision started
 * at its full count once past PRE_SCALE_UP (AWS uses no maximumPercent then) and the older
 * revisions kept serving until CLEAN_UP.
 */
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
  if (primary.shift?.stage === 'PRE_SCALE_UP') return;
  const { maxRunning } = rollingBounds(service);
  const live = wanted(serviceTasks(state, service)).length;
  const primaryLive = wanted(deploymentTasks(state, service, primary)).length;
  const missing = service.desiredCount - primaryLive;
  // With maximumPercent at 100, a rollout can only start a task once an old one is gone.
  const count = primary.shift ? missing : Math.min(missing, Math.max(0, maxRunning - live));
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
  // Shifting traffic, an older revision on the new one's side of the target group pairs (one this
  // deployment superseded before it took production traffic) serves nothing any more.
  if (primary.shift) {
    const sameSide = service.deployments
      .slice(1)
      .filter((d) => (d.alternate === true) === (primary.alternate === true));
    stops.push(...old.filter((t) => isHealthy(t) && sameSide.some((d) => d.id === t.startedBy)));
  }
  // A primary that failed without rollback leaves the old tasks serving (unless the service goes),
  // and so does one shifting traffic, until its CLEAN_UP.
  const oldServing =
    (primary.rolloutState === 'FAILED' ||
      (primary.shift !== undefined && primary.shift.stage !== 'CLEAN_UP')) &&
    service.status === 'ACTIVE';
  if (!oldServing) {
    const { minHealthy } = rollingBounds(service);
    const healthy = wanted(serviceTasks(state, service)).filter(
      (t) => isHealthy(t) && !stops.includes(t),
    ).length;
    stops.push(...old.filter(isHealthy).slice(0, Math.max(0, healthy - minHealthy)));
  }
  stopForScaling(service, stops, primary.id, now);
}

/** Stops `stops` (protected tasks aside, until their protection ends) and says so in the events. */
function stopForScaling(service: ServiceRecord, stops: TaskRecord[], initiator: string, now: number): void {
  // A task protected from scale-in stays until its protection is cleared or expires, as on AWS.
  const unprotected = stops.filter((t) => !isProtected(t, now));
  if (unprotected.length === 0) return;
  for (const task of unprotected) {
    requestTaskStop(
      task,
      { stopCode: 'ServiceSchedulerInitiated', reason: stopReasons.scaling(initiator) },
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

/**
 * A task set's share of its service: desiredCount × scale percent, rounded up as AWS documents
 * (1.2 → 2); none once it drains or its service goes. The epsilon keeps a product such as
 * 10 × 70 / 100 (7.000000000000001 in floating point) from rounding up to 8.
 */
export function computedDesiredCount(service: ServiceRecord, taskSet: TaskSetRecord): number {
  if (taskSet.status === 'DRAINING' || service.status !== 'ACTIVE') return 0;
  return Math.max(0, Math.ceil((service.desiredCount * taskSet.scale.value) / 100 - 1e-9));
}

/** Starts a task set's missing tasks and stops its newest surplus ones, at once. */
export function bringTaskSetToCount(
  state: EcsState,
  service: ServiceRecord,
  taskSet: TaskSetRecord,
  now: number,
): void {
  const count = computedDesiredCount(service, taskSet);
  const live = wanted(deploymentTasks(state, service, taskSet)).sort(
    (a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0),
  );
  const taskDefinition = taskDefinitionByArn(state, taskSet.taskDefinition);
  if (live.length < count && taskDefinition) {
    startServiceTasks(state, service, taskSet, count - live.length, taskDefinition, now);
  }
  stopForScaling(service, live.slice(0, Math.max(0, live.length - count)), taskSet.id, now);
}

/**
 * STEADY_STATE when the task set runs its computed count, every task healthy (container and load
 * balancer checks, as isHealthy counts them) and none on its way out; STABILIZING otherwise.
 */
export function noteTaskSetStability(
  state: EcsState,
  service: ServiceRecord,
  taskSet: TaskSetRecord,
  now: number,
): void {
  const tasks = deploymentTasks(state, service, taskSet);
  const live = wanted(tasks);
  const steady =
    live.length === computedDesiredCount(service, taskSet) &&
    live.every(isHealthy) &&
    tasks.every((t) => !isLive(t) || t.desiredStatus === 'RUNNING');
  const status = steady ? 'STEADY_STATE' : 'STABILIZING';
  if (taskSet.stabilityStatus === status) return;
  taskSet.stabilityStatus = status;
  taskSet.stabilityStatusAt = now;
}
