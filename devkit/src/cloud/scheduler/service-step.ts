/**
 * One service's scheduling: hold desiredCount, roll a new deployment out within
 * minimumHealthyPercent / maximumPercent (or shift traffic to it, traffic-shift.ts), trip the
 * circuit breaker, roll back, complete, and
 * register RUNNING tasks in the service's target groups. A service an external controller deploys
 * holds each task set at its share instead, and registers its tasks in their task set's groups.
 */
import {
  bringTaskSetToCount,
  bringToCount,
  isHealthy,
  noteTaskSetStability,
  wanted,
} from '../services/ecs/deployment-scaling.ts';
import { recordServiceEvent, settleDrainingService } from '../services/ecs/lifecycle.ts';
import {
  completeServiceDeployment,
  failureThreshold,
  noteCircuitBreakerTripped,
  performRequestedRollback,
  rollBack,
  rollbackTarget,
} from '../services/ecs/service-deployments.ts';
import { rolloutReasons, serviceEventMessages } from '../services/ecs/wording.ts';
import type { DeploymentRecord, EcsState, ServiceRecord } from '../services/ecs/state.ts';
import { deploymentTasks, isLive, serviceTasks, taskLoadBalancers } from '../services/ecs/state.ts';
import type { Action, Timings } from './facts.ts';
import { advanceTrafficShift, trafficActions } from './traffic-shift.ts';

export function advanceService(
  state: EcsState,
  service: ServiceRecord,
  now: number,
  timings: Timings,
): Action[] {
  if (service.status === 'INACTIVE') return [];
  if (service.taskSets) return advanceTaskSets(state, service, now);
  if (service.deployments.length === 0) return [];
  // A rollback asked for since the last step goes first: it changes which deployment is primary.
  performRequestedRollback(state, service, now);
  const primary = service.deployments[0]!;
  const config = service.deploymentConfiguration ?? {};
  if (
    primary.rolloutState === 'IN_PROGRESS' &&
    config.deploymentCircuitBreaker?.enable &&
    primary.failedTasks >= failureThreshold(service.desiredCount)
  ) {
    tripCircuitBreaker(state, service, primary, config.deploymentCircuitBreaker.rollback === true, now);
  }
  const current = service.deployments[0]!;
  current.desiredCount = service.desiredCount;
  advanceTrafficShift(state, service, current, now, timings);
  bringToCount(state, service, current, now);
  dropDrainedDeployments(state, service);
  settleDrainingService(state, service);
  const traffic = service.status === 'ACTIVE' ? trafficActions(service, current) : [];
  if (service.status === 'ACTIVE') noteProgress(state, service, current, now);
  return [...traffic, ...registerActions(state, service)];
}

/**
 * Each task set held at its share and its stability noted; a DRAINING one leaves the service once
 * none of its tasks is left. The service is steady when every task set is.
 */
function advanceTaskSets(state: EcsState, service: ServiceRecord, now: number): Action[] {
  for (const taskSet of service.taskSets ?? []) {
    bringTaskSetToCount(state, service, taskSet, now);
    noteTaskSetStability(state, service, taskSet, now);
  }
  service.taskSets = (service.taskSets ?? []).filter(
    (t) => t.status !== 'DRAINING' || deploymentTasks(state, service, t).some(isLive),
  );
  settleDrainingService(state, service);
  if (service.status === 'ACTIVE') {
    const steady = service.taskSets.every((t) => t.stabilityStatus === 'STEADY_STATE');
    if (steady && !service.steady) {
      recordServiceEvent(service, serviceEventMessages.steadyState(service.serviceName), now);
    }
    service.steady = steady;
  }
  return registerActions(state, service);
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
    // A traffic shift completes at its CLEAN_UP, once the older revisions are gone.
    (primary.shift === undefined || primary.shift.stage === 'CLEAN_UP') &&
    live.length === service.desiredCount &&
    live.every(isHealthy) &&
    // Nothing else of the service is still on its way out.
    serviceTasks(state, service).every((t) => !isLive(t) || t.desiredStatus === 'RUNNING');
  if (steady && primary.rolloutState === 'IN_PROGRESS') {
    primary.rolloutState = 'COMPLETED';
    primary.rolloutStateReason = rolloutReasons.completed(primary.id);
    primary.updatedAt = now;
    delete primary.shift;
    completeServiceDeployment(state, primary, now);
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
  state: EcsState,
  service: ServiceRecord,
  failed: DeploymentRecord,
  rollback: boolean,
  now: number,
): void {
  failed.rolloutState = 'FAILED';
  failed.updatedAt = now;
  recordServiceEvent(service, serviceEventMessages.deploymentFailed(service.serviceName, failed.id), now);
  const target = rollback ? rollbackTarget(service, failed) : undefined;
  noteCircuitBreakerTripped(state, failed, target !== undefined, now);
  if (!target) {
    failed.rolloutStateReason = rolloutReasons.circuitBreakerFailed();
    return;
  }
  rollBack(state, service, failed, target, rolloutReasons.circuitBreakerRollback(target.id), now);
}

/**
 * Registrations for the service's (or the task's task set's) target groups: each RUNNING task
 * that is meant to keep running goes in at its private IP and the balanced container's port (the
 * runtime skips those already registered); tasks on their way out were deregistered before their
 * stop began.
 */
function registerActions(state: EcsState, service: ServiceRecord): Action[] {
  if (service.status === 'INACTIVE') return [];
  return wanted(serviceTasks(state, service))
    .filter((t) => t.lastStatus === 'RUNNING')
    .flatMap((task) =>
      taskLoadBalancers(service, task).flatMap((lb) => {
        const container = task.containers.find((c) => c.name === lb.containerName);
        const ip = container?.networkInterfaces?.[0]?.privateIpv4Address;
        if (!lb.targetGroupArn || !ip || lb.containerPort === undefined) return [];
        return [
          {
            kind: 'register' as const,
            taskArn: task.taskArn,
            targetGroupArn: lb.targetGroupArn,
            ip,
            port: lb.containerPort,
          },
        ];
      }),
    );
}
