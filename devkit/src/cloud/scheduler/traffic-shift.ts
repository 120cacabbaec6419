/**
 * Blue/green, linear and canary deployments (deploymentConfiguration.strategy), as ECS runs them
 * with an Application Load Balancer: the new (green) revision starts at its full count in the
 * load balancers' other target groups beside the old (blue) one; once healthy, the test listener
 * rule forwards to green, then the production rule's forward weights move from blue to green (at
 * once, in linear steps, or a canary share first), the deployment bakes, and blue is scaled in.
 * Each stage is a lifecycleStage of the service deployment; PAUSE lifecycle hooks hold a stage
 * until ContinueServiceDeployment. The weights are actions the runtime writes into ELBv2's rules,
 * the state the local load balancer routes by, so a client of the listener sees the switch.
 */
import type { DeploymentConfiguration, ServiceDeploymentLifecycleStage } from '@aws-sdk/client-ecs';
import { isHealthy, wanted } from '../services/ecs/deployment-scaling.ts';
import { holdForHooks } from '../services/ecs/lifecycle-hooks.ts';
import { noteLifecycleStage, serviceDeploymentOf } from '../services/ecs/service-deployments.ts';
import type { DeploymentRecord, EcsState, ServiceRecord } from '../services/ecs/state.ts';
import { deploymentTasks, sideOf } from '../services/ecs/state.ts';
import type { Action, Timings } from './facts.ts';

/** The stages a deployment goes through, in order (RECONCILE_SERVICE is never entered here). */
const STAGES: ServiceDeploymentLifecycleStage[] = [
  'PRE_SCALE_UP',
  'SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
  'BAKE_TIME',
  'CLEAN_UP',
];

/** Stages are passed through in one step as far as their work and hooks allow. */
export function advanceTrafficShift(
  state: EcsState,
  service: ServiceRecord,
  primary: DeploymentRecord,
  now: number,
  timings: Timings,
): void {
  const shift = primary.shift;
  const record = serviceDeploymentOf(state, primary);
  if (!shift || !record || primary.rolloutState !== 'IN_PROGRESS') return;
  const config = record.deploymentConfiguration ?? {};
  const minute = timings.deploymentMinuteSeconds * 1000;
  for (;;) {
    if (!stageWorkDone(state, service, primary, config, now, minute)) return;
    if (holdForHooks(record, shift, config.lifecycleHooks ?? [], now, minute)) return;
    const next = STAGES[STAGES.indexOf(shift.stage) + 1];
    // CLEAN_UP ends when the older revisions are gone, and the deployment completes (service-step).
    if (!next) return;
    shift.stage = next;
    shift.stageAt = now;
    shift.hooksDone = 0;
    noteLifecycleStage(record, next, now);
  }
}

/** Whether the stage has done its work (the production shift moves traffic on while it has not). */
function stageWorkDone(
  state: EcsState,
  service: ServiceRecord,
  primary: DeploymentRecord,
  config: DeploymentConfiguration,
  now: number,
  minute: number,
): boolean {
  const shift = primary.shift!;
  switch (shift.stage) {
    case 'SCALE_UP': {
      const green = wanted(deploymentTasks(state, service, primary));
      return green.length === service.desiredCount && green.every(isHealthy);
    }
    case 'PRODUCTION_TRAFFIC_SHIFT':
      return shiftProduction(primary, config, now, minute);
    case 'BAKE_TIME':
      return now - shift.stageAt >= (config.bakeTimeInMinutes ?? 0) * minute;
    case 'CLEAN_UP':
      return false;
    default:
      return true;
  }
}

/**
 * Moves production traffic one step when the last step has baked; true once green takes it all.
 * BLUE_GREEN moves it at once; LINEAR by stepPercent, baking stepBakeTimeInMinutes between steps;
 * CANARY canaryPercent first, baking canaryBakeTimeInMinutes, then the rest (AWS's defaults).
 */
function shiftProduction(
  primary: DeploymentRecord,
  config: DeploymentConfiguration,
  now: number,
  minute: number,
): boolean {
  const shift = primary.shift!;
  if (shift.greenPercent >= 100) return true;
  const { step, bakeMinutes } = productionSteps(config, shift.greenPercent);
  if (shift.shiftedAt !== undefined && now - shift.shiftedAt < bakeMinutes * minute) return false;
  shift.greenPercent = Math.min(100, Math.round((shift.greenPercent + step) * 10) / 10);
  shift.shiftedAt = now;
  return shift.greenPercent >= 100;
}

function productionSteps(
  config: DeploymentConfiguration,
  greenPercent: number,
): { step: number; bakeMinutes: number } {
  if (config.strategy === 'LINEAR') {
    const linear = config.linearConfiguration ?? {};
    return { step: linear.stepPercent ?? 10, bakeMinutes: linear.stepBakeTimeInMinutes ?? 6 };
  }
  if (config.strategy === 'CANARY') {
    const canary = config.canaryConfiguration ?? {};
    const first = canary.canaryPercent ?? 5;
    return greenPercent === 0
      ? { step: first, bakeMinutes: 0 }
      : { step: 100, bakeMinutes: canary.canaryBakeTimeInMinutes ?? 10 };
  }
  return { step: 100, bakeMinutes: 0 };
}

/**
 * The listener rule weights the service's deployment calls for, while it is in progress: the
 * production rule forwards the green share to the primary's target group and the rest to the other
 * one; the test rule forwards all to green from TEST_TRAFFIC_SHIFT on. A deployment without a
 * shift (the first one, or one a rollback restored) takes all of both.
 */
export function trafficActions(service: ServiceRecord, primary: DeploymentRecord): Action[] {
  if (primary.rolloutState !== 'IN_PROGRESS') return [];
  const shift = primary.shift;
  const green = shift ? shift.greenPercent : 100;
  const testGreen = !shift || STAGES.indexOf(shift.stage) >= STAGES.indexOf('TEST_TRAFFIC_SHIFT');
  return (service.loadBalancers ?? []).flatMap((lb) => {
    const advanced = lb.advancedConfiguration;
    const greenGroup = sideOf(lb, primary.alternate === true);
    const blueGroup = sideOf(lb, primary.alternate !== true);
    if (!advanced?.productionListenerRule || !greenGroup || !blueGroup) return [];
    const weigh = (ruleArn: string, percent: number): Action => ({
      kind: 'weigh',
      ruleArn,
      weights: weights(greenGroup, blueGroup, percent),
    });
    return [
      weigh(advanced.productionListenerRule, green),
      ...(advanced.testListenerRule ? [weigh(advanced.testListenerRule, testGreen ? 100 : 0)] : []),
    ];
  });
}

/**
 * ELBv2 weights (integers, 0–999) for a green share in percent: the percentages themselves when
 * whole, else per mille (a 2.5 % canary is 25 to 975).
 */
function weights(green: string, blue: string, percent: number) {
  const scale = Number.isInteger(percent) ? 1 : 10;
  const share = Math.round(percent * scale);
  return [
    { targetGroupArn: green, weight: share },
    { targetGroupArn: blue, weight: 100 * scale - share },
  ];
}
