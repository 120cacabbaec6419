/**
 * Deployment lifecycle hooks of blue/green, linear and canary deployments. The local cloud has no
 * Lambda, so AWS_LAMBDA hooks (the default target type) are refused when a service is created or
 * updated with them; PAUSE hooks run as on AWS: when the stage they name has done its work, the
 * deployment waits, its service deployment listing the hook AWAITING_ACTION in
 * lifecycleHookDetails, until ContinueServiceDeployment continues (SUCCEEDED) or rolls back
 * (FAILED), or its timeout passes (TIMED_OUT, then its timeout action). A stage's hooks run one
 * after another, in the order configured.
 *
 * Chosen where the reference is silent: a PAUSE hook without timeoutConfiguration waits until it
 * is acted on; one with a timeout but no action rolls back when it expires; hooks for
 * PRE_PRODUCTION_TRAFFIC_SHIFT (a hook stage, not a lifecycle stage) run after those of
 * POST_TEST_TRAFFIC_SHIFT, before production traffic moves.
 */
import type { DeploymentLifecycleHook, DeploymentLifecycleHookStage } from '@aws-sdk/client-ecs';
import { randomUUID } from 'node:crypto';
import { InvalidParameterException } from './errors.ts';
import type { ServiceDeploymentRecord, TrafficShiftRecord } from './state.ts';

/** The hook stages that run while the deployment is at a lifecycle stage. */
function hookStagesAt(stage: string): DeploymentLifecycleHookStage[] {
  return stage === 'POST_TEST_TRAFFIC_SHIFT'
    ? ['POST_TEST_TRAFFIC_SHIFT', 'PRE_PRODUCTION_TRAFFIC_SHIFT']
    : [stage as DeploymentLifecycleHookStage];
}

/** Hooks the local cloud can run: PAUSE only (AWS_LAMBDA, the default, needs Lambda). */
export function checkLifecycleHooks(hooks: readonly DeploymentLifecycleHook[]): void {
  for (const hook of hooks) {
    if ((hook.targetType ?? 'AWS_LAMBDA') === 'AWS_LAMBDA') {
      throw new InvalidParameterException(
        'The local cloud has no AWS Lambda to invoke for lifecycle hooks of targetType AWS_LAMBDA ' +
          `(${hook.hookTargetArn ?? 'no hookTargetArn'}). Use targetType PAUSE and ContinueServiceDeployment.`,
      );
    }
    if (!hook.lifecycleStages?.length) {
      throw new InvalidParameterException(
        'lifecycleStages must be provided for a deployment lifecycle hook.',
      );
    }
  }
}

/**
 * Whether the stage is held by a hook: the one awaiting action (until its timeout), one that
 * failed (its rollback is on its way), or the next of the stage's hooks, which starts now.
 */
export function holdForHooks(
  record: ServiceDeploymentRecord,
  shift: TrafficShiftRecord,
  hooks: readonly DeploymentLifecycleHook[],
  now: number,
  minuteMs: number,
): boolean {
  if (shift.pausedBy !== undefined) {
    const detail = record.lifecycleHookDetails?.find((d) => d.hookId === shift.pausedBy);
    if (detail?.status === 'FAILED') return true;
    if (detail?.status === 'AWAITING_ACTION') {
      if (detail.expiresAt === undefined || now < detail.expiresAt) return true;
      detail.status = 'TIMED_OUT';
      if (detail.timeoutAction !== 'CONTINUE') {
        requestHookRollback(record, now);
        return true;
      }
    }
    delete shift.pausedBy;
    shift.hooksDone++;
  }
  const stages = hookStagesAt(shift.stage);
  const due = hooks.filter(
    (h) => h.targetType === 'PAUSE' && h.lifecycleStages?.some((s) => stages.includes(s)),
  );
  const hook = due[shift.hooksDone];
  if (!hook) return false;
  const hookId = randomUUID();
  const timeout = hook.timeoutConfiguration;
  record.lifecycleHookDetails = [
    ...(record.lifecycleHookDetails ?? []),
    {
      hookId,
      targetType: 'PAUSE',
      status: 'AWAITING_ACTION',
      ...(timeout?.timeoutInMinutes !== undefined
        ? {
            expiresAt: now + timeout.timeoutInMinutes * minuteMs,
            timeoutAction: timeout.action ?? 'ROLLBACK',
          }
        : {}),
    },
  ];
  record.updatedAt = now;
  shift.pausedBy = hookId;
  return true;
}

/** A hook's ROLLBACK: the scheduler's next step rolls the deployment back, as StopServiceDeployment's. */
export function requestHookRollback(record: ServiceDeploymentRecord, now: number): void {
  record.status = 'ROLLBACK_REQUESTED';
  record.updatedAt = now;
}
