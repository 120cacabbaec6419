/**
 * deploymentConfiguration.strategy as CreateService and UpdateService check it, and how a new
 * deployment of a BLUE_GREEN, LINEAR or CANARY service starts (the scheduler's traffic-shift.ts
 * runs it). Each of the service's load balancers needs its advancedConfiguration: an alternate
 * target group and a production listener rule (a test listener rule optionally) whose forward
 * action names both target groups, as AWS's guide sets them up; the local cloud checks them
 * against ELBv2's records.
 *
 * Chosen where the reference is silent (its wording too): bakeTimeInMinutes is required for
 * BLUE_GREEN (the API reference says it must be provided) and 0 when LINEAR or CANARY leave it
 * out; it and the step bake times take 0–1440 minutes; lifecycle hooks run only in these three
 * strategies; a linear or canary configuration only with its own strategy.
 */
import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DeploymentConfiguration, LoadBalancer } from '@aws-sdk/client-ecs';
import type { RequestContext } from '../../service-definition.ts';
import { defaultListenerRuleArn, forwardedGroups } from '../common.ts';
import { InvalidParameterException } from './errors.ts';
import { checkLifecycleHooks } from './lifecycle-hooks.ts';
import type { DeploymentRecord, EcsState } from './state.ts';

/** What ECS reads of ELBv2's recorded state (services never import each other). */
interface Elbv2Records {
  targetGroups: Record<string, unknown>;
  listeners: Record<string, { arn: string; defaultActions: Action[] }>;
  rules: Record<string, { actions: Action[] }>;
}

const MAX_BAKE_MINUTES = 1440;

/** Whether a strategy moves traffic between revisions (all but ROLLING). */
export function shiftsTraffic(config: DeploymentConfiguration | undefined): boolean {
  return config?.strategy !== undefined && config.strategy !== 'ROLLING';
}

function checkMinutes(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > MAX_BAKE_MINUTES)) {
    throw new InvalidParameterException(`${name} must be between 0 and ${MAX_BAKE_MINUTES} minutes.`);
  }
}

/** A percentage in steps of 0.1 within [min, 100]. */
function checkPercent(name: string, value: number | undefined, min: number): void {
  if (value === undefined) return;
  const tenths = value * 10;
  if (value < min || value > 100 || Math.abs(tenths - Math.round(tenths)) > 1e-9) {
    throw new InvalidParameterException(`${name} must be a multiple of 0.1 from ${min} to 100.`);
  }
}

/** The deployment configuration (after UpdateService merged it) and the load balancers it shifts. */
export function checkDeploymentStrategy(
  ctx: RequestContext<EcsState>,
  config: DeploymentConfiguration,
  loadBalancers: readonly LoadBalancer[],
): void {
  const strategy = config.strategy ?? 'ROLLING';
  if (config.linearConfiguration && strategy !== 'LINEAR') {
    throw new InvalidParameterException(
      'linearConfiguration is only valid with the LINEAR deployment strategy.',
    );
  }
  if (config.canaryConfiguration && strategy !== 'CANARY') {
    throw new InvalidParameterException(
      'canaryConfiguration is only valid with the CANARY deployment strategy.',
    );
  }
  if (!shiftsTraffic(config)) {
    if (config.lifecycleHooks?.length) {
      throw new InvalidParameterException(
        'lifecycleHooks run only in BLUE_GREEN, LINEAR and CANARY deployments, not ROLLING.',
      );
    }
    return;
  }
  if (strategy === 'BLUE_GREEN' && config.bakeTimeInMinutes === undefined) {
    throw new InvalidParameterException(
      'bakeTimeInMinutes must be provided for the BLUE_GREEN deployment strategy.',
    );
  }
  checkMinutes('bakeTimeInMinutes', config.bakeTimeInMinutes);
  checkPercent('linearConfiguration.stepPercent', config.linearConfiguration?.stepPercent, 3);
  checkMinutes(
    'linearConfiguration.stepBakeTimeInMinutes',
    config.linearConfiguration?.stepBakeTimeInMinutes,
  );
  checkPercent('canaryConfiguration.canaryPercent', config.canaryConfiguration?.canaryPercent, 0.1);
  checkMinutes(
    'canaryConfiguration.canaryBakeTimeInMinutes',
    config.canaryConfiguration?.canaryBakeTimeInMinutes,
  );
  checkLifecycleHooks(config.lifecycleHooks ?? []);
  const elbv2 = ctx.store
    .regions<Elbv2Records>('elasticloadbalancing')
    .find(([region]) => region === ctx.region)?.[1];
  for (const lb of loadBalancers) checkTrafficRoutes(elbv2, strategy, lb);
}

/** A load balancer's blue/green pair: two target groups that exist, rules forwarding to both. */
function checkTrafficRoutes(elbv2: Elbv2Records | undefined, strategy: string, lb: LoadBalancer): void {
  const advanced = lb.advancedConfiguration;
  if (!lb.targetGroupArn) return;
  if (!advanced?.alternateTargetGroupArn || !advanced.productionListenerRule) {
    throw new InvalidParameterException(
      `The ${strategy} deployment strategy requires advancedConfiguration with an alternateTargetGroupArn ` +
        `and a productionListenerRule for the load balancer of target group ${lb.targetGroupArn}.`,
    );
  }
  const pair = [lb.targetGroupArn, advanced.alternateTargetGroupArn];
  if (pair[0] === pair[1]) {
    throw new InvalidParameterException('alternateTargetGroupArn must differ from targetGroupArn.');
  }
  for (const arn of pair) {
    if (!elbv2 || !Object.hasOwn(elbv2.targetGroups, arn)) {
      throw new InvalidParameterException(`The target group ${arn} does not exist.`);
    }
  }
  for (const ruleArn of [advanced.productionListenerRule, advanced.testListenerRule]) {
    if (ruleArn === undefined) continue;
    const actions = elbv2 && listenerRuleActions(elbv2, ruleArn);
    if (!actions) throw new InvalidParameterException(`The listener rule ${ruleArn} does not exist.`);
    const forwarded = forwardedGroups(actions);
    if (!pair.every((arn) => forwarded.includes(arn))) {
      throw new InvalidParameterException(
        `The listener rule ${ruleArn} must forward to both target groups ${pair.join(' and ')}.`,
      );
    }
  }
}

/** A rule's actions; a listener's default actions for its default rule's ARN or its own. */
function listenerRuleActions(elbv2: Elbv2Records, ruleArn: string): Action[] | undefined {
  if (Object.hasOwn(elbv2.rules, ruleArn)) return elbv2.rules[ruleArn]!.actions;
  return Object.values(elbv2.listeners).find(
    (l) => l.arn === ruleArn || defaultListenerRuleArn(l.arn) === ruleArn,
  )?.defaultActions;
}

/**
 * A new deployment of a service that shifts traffic starts at PRE_SCALE_UP on the other side of
 * the load balancers' target group pairs from the one that has production traffic; a rolling one
 * goes to that side. The first deployment serves from the primary groups. Chosen where AWS is
 * silent: when the deployment replaced was still shifting, production goes back to whichever side
 * had most of it (its revision keeps serving; the other side's tasks stop at once, drained first).
 */
export function startTrafficShift(
  config: DeploymentConfiguration | undefined,
  deployment: DeploymentRecord,
  replaced: DeploymentRecord,
  now: number,
): void {
  const greenServes = !replaced.shift || replaced.shift.greenPercent >= 50;
  const productionAlternate = (replaced.alternate === true) === greenServes;
  const alternate = shiftsTraffic(config) ? !productionAlternate : productionAlternate;
  if (alternate) deployment.alternate = true;
  if (shiftsTraffic(config)) {
    deployment.shift = { stage: 'PRE_SCALE_UP', stageAt: now, greenPercent: 0, hooksDone: 0 };
  }
}
