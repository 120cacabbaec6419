/**
 * Targets: register, deregister (draining for the group's deregistration delay), and their health
 * as AWS reports it. The health itself is written by the data plane's health checks.
 */
import type {
  DeregisterTargetsInput,
  DeregisterTargetsOutput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  RegisterTargetsInput,
  RegisterTargetsOutput,
  TargetDescription,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isIPv4 } from 'node:net';
import { cidrContains, parseCidr } from '../../../net/cidr.ts';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { elbError } from './errors.ts';
import { requireVpc } from './network.ts';
import type { Elbv2State, TargetGroupRecord, TargetHealthRecord, TargetRecord } from './state.ts';
import { liveTargets, loadBalancersOf, pruneDrained, requireTargetGroup, targetKey } from './state.ts';
import { QUOTAS } from './limits.ts';

/** AWS's default quota of targets per target group (Application Load Balancer). */
const MAX_TARGETS = QUOTAS['targets-per-application-load-balancer'];

/** Private ranges an ip target may use besides its VPC's CIDR (RFC 1918 and RFC 6598). */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) =>
  parseCidr(c)!,
);

export const REGISTRATION_IN_PROGRESS: TargetHealthRecord = {
  state: 'initial',
  reason: 'Elb.RegistrationInProgress',
  description: 'Target registration is in progress',
};

function checkTarget(
  ctx: RequestContext<Elbv2State>,
  tg: TargetGroupRecord,
  target: TargetDescription,
): void {
  if (tg.targetType === 'instance') {
    // The local cloud has no EC2 instances; nothing it could register is running.
    throw elbError(
      'InvalidTarget',
      `The following targets are not in a running state and cannot be registered: '${target.Id}'`,
    );
  }
  if (!isIPv4(target.Id!)) {
    throw elbError('ValidationError', `The IP address '${target.Id}' is not a valid IPv4 address`);
  }
  const address = parseCidr(`${target.Id}/32`)!;
  const vpc = parseCidr(requireVpc(ctx, tg.vpcId).cidr);
  if (![...(vpc ? [vpc] : []), ...PRIVATE_RANGES].some((range) => cidrContains(range, address))) {
    throw elbError(
      'InvalidTarget',
      `The IP address '${target.Id}' is not within the range of the target group's VPC or a private range`,
    );
  }
}

export const registerTargets: Handler<
  Checked<RegisterTargetsInput, 'TargetGroupArn' | 'Targets'>,
  RegisterTargetsOutput,
  Elbv2State
> = (input, ctx) => {
  const tg = requireTargetGroup(ctx.state, input.TargetGroupArn);
  const now = Date.now();
  pruneDrained(tg, now);
  for (const target of input.Targets) checkTarget(ctx, tg, target);
  const keys = new Set([
    ...Object.keys(tg.targets),
    ...input.Targets.map((t) => targetKey(t.Id!, t.Port ?? tg.port)),
  ]);
  if (keys.size > MAX_TARGETS) {
    throw elbError(
      'TooManyTargets',
      `You have reached the limit on the number of targets (${MAX_TARGETS}) per target group`,
    );
  }
  for (const target of input.Targets)
    registerTarget(tg, target.Id!, target.Port ?? tg.port, now, target.AvailabilityZone);
  return {};
};

/** Adds a target (or takes a draining one back), its health checks starting over. */
export function registerTarget(
  tg: TargetGroupRecord,
  id: string,
  port: number,
  now: number,
  availabilityZone?: string,
): void {
  const key = targetKey(id, port);
  const known = tg.targets[key];
  if (known && known.drainUntilMs === undefined) return;
  const record: TargetRecord = {
    id,
    port,
    registeredMs: now,
    health: REGISTRATION_IN_PROGRESS,
    ...(availabilityZone ? { availabilityZone } : {}),
  };
  tg.targets[key] = record;
}

/**
 * Starts draining a target (removed at once when nothing routes to it or the delay is 0). The
 * local timing profile may cap the group's delay (`maxDelaySeconds`).
 */
export function deregisterTarget(
  state: Elbv2State,
  tg: TargetGroupRecord,
  key: string,
  now: number,
  maxDelaySeconds = Infinity,
): void {
  const target = tg.targets[key];
  if (!target || target.drainUntilMs !== undefined) return;
  const delaySeconds = Number(tg.attributes['deregistration_delay.timeout_seconds'] ?? 300);
  const delayMs = Math.min(delaySeconds, maxDelaySeconds) * 1000;
  if (delayMs === 0 || loadBalancersOf(state, tg.arn).length === 0) delete tg.targets[key];
  else target.drainUntilMs = now + delayMs;
}

export const deregisterTargets: Handler<
  Checked<DeregisterTargetsInput, 'TargetGroupArn' | 'Targets'>,
  DeregisterTargetsOutput,
  Elbv2State
> = (input, ctx) => {
  const tg = requireTargetGroup(ctx.state, input.TargetGroupArn);
  const now = Date.now();
  pruneDrained(tg, now);
  const keys = input.Targets.map((t) => targetKey(t.Id!, t.Port ?? tg.port));
  const unknown = input.Targets.filter((_, i) => !tg.targets[keys[i]!]);
  if (unknown.length) {
    throw elbError(
      'InvalidTarget',
      `The following targets are not registered in target group '${tg.arn}': ${unknown.map((t) => `'${t.Id}'`).join(', ')}`,
    );
  }
  for (const key of keys) deregisterTarget(ctx.state, tg, key, now);
  return {};
};

/** A target's health as AWS reports it: draining, not in use and disabled checks come first. */
export function reportedHealth(
  state: Elbv2State,
  tg: TargetGroupRecord,
  target: TargetRecord,
  now: number,
): TargetHealthRecord {
  if (target.drainUntilMs !== undefined && target.drainUntilMs > now) {
    return {
      state: 'draining',
      reason: 'Target.DeregistrationInProgress',
      description: 'Target deregistration is in progress',
    };
  }
  if (loadBalancersOf(state, tg.arn).length === 0) {
    return {
      state: 'unused',
      reason: 'Target.NotInUse',
      description: 'Target group is not configured to receive traffic from the load balancer',
    };
  }
  if (!tg.healthCheck.enabled) {
    return {
      state: 'unavailable',
      reason: 'Target.HealthCheckDisabled',
      description: 'Health checks disabled',
    };
  }
  return target.health;
}

function healthDescription(
  tg: TargetGroupRecord,
  target: TargetRecord,
  health: TargetHealthRecord,
): TargetHealthDescription {
  return {
    Target: {
      Id: target.id,
      Port: target.port,
      ...(target.availabilityZone ? { AvailabilityZone: target.availabilityZone } : {}),
    },
    HealthCheckPort: tg.healthCheck.port === 'traffic-port' ? String(target.port) : tg.healthCheck.port,
    TargetHealth: {
      State: health.state,
      ...(health.reason ? { Reason: health.reason } : {}),
      ...(health.description ? { Description: health.description } : {}),
    },
  };
}

export const describeTargetHealth: Handler<
  Checked<DescribeTargetHealthInput, 'TargetGroupArn'>,
  DescribeTargetHealthOutput,
  Elbv2State
> = (input, ctx) => {
  const tg = requireTargetGroup(ctx.state, input.TargetGroupArn);
  const now = Date.now();
  const live = liveTargets(tg, now);
  if (!input.Targets?.length) {
    return {
      TargetHealthDescriptions: live.map((t) =>
        healthDescription(tg, t, reportedHealth(ctx.state, tg, t, now)),
      ),
    };
  }
  return {
    TargetHealthDescriptions: input.Targets.map((wanted) => {
      const port = wanted.Port ?? tg.port;
      const target = live.find((t) => t.id === wanted.Id && t.port === port);
      if (target) return healthDescription(tg, target, reportedHealth(ctx.state, tg, target, now));
      return healthDescription(
        tg,
        { id: wanted.Id!, port, registeredMs: now, health: REGISTRATION_IN_PROGRESS },
        {
          state: 'unused',
          reason: 'Target.NotRegistered',
          description: 'Target is not registered to the target group',
        },
      );
    }),
  };
};
