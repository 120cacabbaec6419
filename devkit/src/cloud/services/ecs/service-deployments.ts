/**
 * Service deployments and service revisions (AWS's service deployment history, October 2024 on),
 * built from the deployments the scheduler already runs: each deployment (`ecs-svc/N`) runs one
 * service revision; each CreateService, and each UpdateService that starts a deployment, is a
 * service deployment from the revisions that ran to the new one. It moves IN_PROGRESS →
 * SUCCESSFUL when its deployment completes; a circuit breaker with rollback makes it
 * ROLLBACK_IN_PROGRESS → ROLLBACK_SUCCESSFUL (ROLLBACK_FAILED when the rollback fails too), one
 * without rollback STOPPED; a newer deployment started over it STOPS it. StopServiceDeployment
 * (ROLLBACK) marks it ROLLBACK_REQUESTED; the scheduler's next step rolls it back as the circuit
 * breaker does (ROLLBACK_IN_PROGRESS).
 *
 * Where the reference is silent, chosen here: a deployment superseded by a newer one is STOPPED
 * with "ECS deployment <id> was replaced by a newer deployment."; a stop request's rollback reason
 * is "Service deployment rolled back by a StopServiceDeployment request."; stopping one with
 * nothing to roll back to, or one already finished, is a ConflictException; PENDING is never
 * reported (a deployment's tasks are recorded in the call that starts it) nor STOP_REQUESTED (it
 * answers stopType ABORT, which the reference does not offer).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { ContainerImage } from '@aws-sdk/client-ecs';
import { ServiceError } from '../../protocol/errors.ts';
import type {
  DeploymentRecord,
  EcsState,
  ServiceDeploymentRecord,
  ServiceRecord,
  ServiceRevisionRecord,
} from './state.ts';
import {
  clusterNameOf,
  serviceDeploymentsOf,
  serviceRevisionsOf,
  siblingArn,
  taskDefinitionByArn,
} from './state.ts';
import { recordServiceEvent } from './lifecycle.ts';
import { rolloutReasons, serviceEventMessages } from './wording.ts';

export class ConflictException extends ServiceError {}
export class ServiceDeploymentNotFoundException extends ServiceError {}

/** AWS's circuit-breaker threshold: half the desired count, at least 3, at most 200. */
export function failureThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(desiredCount * 0.5)));
}

/** `<cluster>/<service>` as the service's deployment and revision ARNs carry it. */
function servicePath(service: ServiceRecord): string {
  return `${clusterNameOf(service.clusterArn)}/${service.serviceName}`;
}

/** 21 characters of [A-Za-z0-9_-], as AWS's service deployment ids look (`ejGvqq2ilnbKT9qj0vLJe`). */
function serviceDeploymentId(): string {
  return randomBytes(16).toString('base64url').slice(0, 21);
}

/** 19 digits, as AWS numbers service revisions. */
function serviceRevisionId(): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < 19) digits += String(randomInt(0, 10));
  return digits;
}

/** The revision `deployment` runs: its settings and its containers' images, recorded once. */
function recordRevision(state: EcsState, service: ServiceRecord, deployment: DeploymentRecord): string {
  if (deployment.serviceRevisionArn) return deployment.serviceRevisionArn;
  const serviceRevisionArn = siblingArn(
    service.clusterArn,
    `service-revision/${servicePath(service)}/${serviceRevisionId()}`,
  );
  const containerImages: ContainerImage[] = (
    taskDefinitionByArn(state, deployment.taskDefinition)?.containerDefinitions ?? []
  ).map((c) => ({ containerName: c.name, image: c.image }));
  const revision: ServiceRevisionRecord = {
    serviceRevisionArn,
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    taskDefinition: deployment.taskDefinition,
    ...(deployment.launchType ? { launchType: deployment.launchType } : {}),
    ...(deployment.capacityProviderStrategy
      ? { capacityProviderStrategy: deployment.capacityProviderStrategy }
      : {}),
    ...(deployment.platformVersion ? { platformVersion: deployment.platformVersion } : {}),
    ...(deployment.platformFamily ? { platformFamily: deployment.platformFamily } : {}),
    loadBalancers: service.loadBalancers ?? [],
    serviceRegistries: service.serviceRegistries ?? [],
    ...(deployment.networkConfiguration ? { networkConfiguration: deployment.networkConfiguration } : {}),
    ...(deployment.serviceConnectConfiguration
      ? { serviceConnectConfiguration: deployment.serviceConnectConfiguration }
      : {}),
    containerImages,
    guardDutyEnabled: false,
    createdAt: deployment.createdAt ?? Date.now(),
  };
  serviceRevisionsOf(state)[serviceRevisionArn] = revision;
  deployment.serviceRevisionArn = serviceRevisionArn;
  return serviceRevisionArn;
}

/**
 * A service deployment to `target` (the service's new PRIMARY) from the revisions its other
 * deployments run; one still in progress is stopped by it.
 */
export function startServiceDeployment(
  state: EcsState,
  service: ServiceRecord,
  target: DeploymentRecord,
  now: number,
): ServiceDeploymentRecord {
  const sources = service.deployments.filter((d) => d !== target);
  for (const source of sources) {
    const running = source.serviceDeploymentArn && serviceDeploymentsOf(state)[source.serviceDeploymentArn];
    if (running && !isFinished(running)) {
      finish(running, 'STOPPED', `ECS deployment ${source.id} was replaced by a newer deployment.`, now);
    }
    delete source.serviceDeploymentArn;
  }
  const breaker = service.deploymentConfiguration?.deploymentCircuitBreaker;
  const record: ServiceDeploymentRecord = {
    serviceDeploymentArn: siblingArn(
      service.clusterArn,
      `service-deployment/${servicePath(service)}/${serviceDeploymentId()}`,
    ),
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    createdAt: now,
    startedAt: now,
    updatedAt: now,
    sourceRevisionArns: sources.map((d) => recordRevision(state, service, d)),
    targetRevisionArn: recordRevision(state, service, target),
    status: 'IN_PROGRESS',
    ...(target.shift ? { lifecycleStage: target.shift.stage } : {}),
    ...(service.deploymentConfiguration
      ? { deploymentConfiguration: structuredClone(service.deploymentConfiguration) }
      : {}),
    deploymentCircuitBreaker: {
      status: breaker?.enable ? 'MONITORING' : 'DISABLED',
      failureCount: 0,
      threshold: failureThreshold(service.desiredCount),
    },
    alarms: { status: 'DISABLED', alarmNames: [], triggeredAlarmNames: [] },
  };
  serviceDeploymentsOf(state)[record.serviceDeploymentArn] = record;
  target.serviceDeploymentArn = record.serviceDeploymentArn;
  return record;
}

const FINISHED = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED']);

export function isFinished(record: ServiceDeploymentRecord): boolean {
  return FINISHED.has(record.status);
}

function finish(
  record: ServiceDeploymentRecord,
  status: ServiceDeploymentRecord['status'],
  reason: string | undefined,
  now: number,
): void {
  record.status = status;
  if (reason !== undefined) record.statusReason = reason;
  record.updatedAt = now;
  if (status === 'STOPPED') record.stoppedAt = now;
  else record.finishedAt = now;
  if (record.deploymentCircuitBreaker?.status === 'MONITORING') {
    record.deploymentCircuitBreaker.status = 'MONITORING_COMPLETE';
  }
}

/** The service deployment `deployment` drives, if it drives one still open. */
export function serviceDeploymentOf(
  state: EcsState,
  deployment: DeploymentRecord,
): ServiceDeploymentRecord | undefined {
  const record = deployment.serviceDeploymentArn
    ? serviceDeploymentsOf(state)[deployment.serviceDeploymentArn]
    : undefined;
  return record && !isFinished(record) ? record : undefined;
}

/** A blue/green (linear, canary) deployment entered a lifecycle stage. */
export function noteLifecycleStage(
  record: ServiceDeploymentRecord,
  stage: NonNullable<ServiceDeploymentRecord['lifecycleStage']>,
  now: number,
): void {
  record.lifecycleStage = stage;
  record.updatedAt = now;
}

/** The PRIMARY deployment completed: its service deployment succeeded (or its rollback did). */
export function completeServiceDeployment(state: EcsState, primary: DeploymentRecord, now: number): void {
  const record = serviceDeploymentOf(state, primary);
  if (!record) return;
  finish(
    record,
    record.status === 'ROLLBACK_IN_PROGRESS' ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL',
    undefined,
    now,
  );
}

/**
 * The circuit breaker tripped on `failed`: its service deployment notes the failures; with no
 * rollback it is STOPPED, and a failing rollback ends ROLLBACK_FAILED.
 */
export function noteCircuitBreakerTripped(
  state: EcsState,
  failed: DeploymentRecord,
  rollingBack: boolean,
  now: number,
): void {
  const record = serviceDeploymentOf(state, failed);
  if (!record) return;
  record.deploymentCircuitBreaker = {
    ...record.deploymentCircuitBreaker,
    status: 'TRIGGERED',
    failureCount: failed.failedTasks,
  };
  if (record.status === 'ROLLBACK_IN_PROGRESS') {
    finish(record, 'ROLLBACK_FAILED', rolloutReasons.circuitBreakerFailed(), now);
  } else if (!rollingBack) {
    finish(record, 'STOPPED', rolloutReasons.circuitBreakerFailed(), now);
  }
}

/**
 * Makes `target` (a deployment that completed before) PRIMARY again in place of `failed`, whose
 * tasks then drain like any older deployment's; the service deployment `failed` drove is rolling
 * back, driven from now on by the restored deployment.
 */
export function rollBack(
  state: EcsState,
  service: ServiceRecord,
  failed: DeploymentRecord,
  target: DeploymentRecord,
  reason: string,
  now: number,
): void {
  const record = serviceDeploymentOf(state, failed);
  failed.rolloutState = 'FAILED';
  failed.rolloutStateReason = reason;
  failed.status = 'ACTIVE';
  failed.updatedAt = now;
  delete failed.serviceDeploymentArn;
  const restored: DeploymentRecord = {
    ...(service.deployments.find((d) => d.id === target.id) ?? structuredClone(target)),
    status: 'PRIMARY',
    desiredCount: service.desiredCount,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: reason,
    updatedAt: now,
  };
  delete restored.serviceDeploymentArn;
  if (record) {
    record.status = 'ROLLBACK_IN_PROGRESS';
    record.updatedAt = now;
    record.rollback = {
      reason,
      startedAt: now,
      serviceRevisionArn: recordRevision(state, service, restored),
    };
    restored.serviceDeploymentArn = record.serviceDeploymentArn;
  }
  service.deployments = [restored, ...service.deployments.filter((d) => d.id !== target.id)];
  service.taskDefinition = restored.taskDefinition;
  recordServiceEvent(service, serviceEventMessages.rollingBack(service.serviceName, target.id), now);
}

/** The deployment a rollback returns to: the last one that completed, other than `failed`. */
export function rollbackTarget(
  service: ServiceRecord,
  failed: DeploymentRecord,
): DeploymentRecord | undefined {
  const target =
    service.deployments.find((d) => d !== failed && d.rolloutState === 'COMPLETED') ??
    service.lastCompletedDeployment;
  return target && target.id !== failed.id ? target : undefined;
}

/**
 * A rollback StopServiceDeployment (or a lifecycle hook) asked for, performed by the scheduler's step as the circuit
 * breaker's is: the service deployment its primary drives goes ROLLBACK_IN_PROGRESS, or
 * ROLLBACK_FAILED when nothing that completed is left to return to.
 */
export function performRequestedRollback(state: EcsState, service: ServiceRecord, now: number): void {
  const primary = service.deployments[0];
  const record = primary && serviceDeploymentOf(state, primary);
  if (!primary || record?.status !== 'ROLLBACK_REQUESTED') return;
  const target = rollbackTarget(service, primary);
  // A lifecycle hook that failed or timed out asked for it, else StopServiceDeployment did.
  const hook = record.lifecycleHookDetails?.findLast(
    (d) => d.status === 'FAILED' || (d.status === 'TIMED_OUT' && d.timeoutAction !== 'CONTINUE'),
  );
  const reason = hook
    ? `Service deployment rolled back by lifecycle hook ${hook.hookId} (${hook.status}).`
    : STOP_ROLLBACK_REASON;
  if (target) rollBack(state, service, primary, target, reason, now);
  else finish(record, 'ROLLBACK_FAILED', 'No earlier service revision completed to roll back to.', now);
}

export const STOP_ROLLBACK_REASON = 'Service deployment rolled back by a StopServiceDeployment request.';

export function serviceDeploymentNotFound(): ServiceDeploymentNotFoundException {
  return new ServiceDeploymentNotFoundException('Service deployment not found.');
}
