/**
 * ECS tasks as ELBv2 targets: the scheduler's registrations written into the target groups, the
 * targets' health handed back to the scheduler, a task's targets drained before it stops, and
 * where the data plane reaches a task (its published port) — unless the tasks' security groups
 * do not admit the load balancer's (by source group, or a CIDR that covers its subnets), the
 * mistake that takes a service down on AWS and must take it down here too.
 */
import {
  ApplicationLoadBalancers,
  type ListenerInfo,
  type TargetAddress,
} from '../lb/application-load-balancers.ts';
import type { Action, TargetHealthFact, Timings } from '../scheduler/facts.ts';
import { ec2, ingressAllows, type Ec2State } from '../services/ec2/index.ts';
import type { EcsState, TaskRecord } from '../services/ecs/state.ts';
import { elbv2, type Elbv2State } from '../services/elbv2/index.ts';
import type { LoadBalancerRecord } from '../services/elbv2/state.ts';
import { liveTargets } from '../services/elbv2/state.ts';
import { registerTarget, reportedHealth } from '../services/elbv2/targets.ts';
import { setForwardWeights } from '../services/elbv2/actions.ts';
import type { StateStore } from '../state/store.ts';

/** A running task at an IP, as the runtime knows it: its host port for a container port. */
export interface LocatedTask {
  taskArn: string;
  hostPort(containerPort: number): number | undefined;
}

/** The reason the load balancer cannot reach the tasks, for 503 bodies and target health. */
export function blockedReason(
  taskGroups: readonly string[],
  port: number,
  lbGroups: readonly string[],
): string {
  return (
    `No inbound rule of security group ${taskGroups.join(', ')} allows tcp/${port} from the load ` +
    `balancer's security group ${lbGroups.join(', ') || '(none)'}, so the load balancer cannot reach ` +
    `the targets. Add one (AuthorizeSecurityGroupIngress with the load balancer's group as source).`
  );
}

export class TaskTargets {
  readonly balancers: ApplicationLoadBalancers;
  private readonly store: StateStore;
  private readonly locate: (region: string, ip: string) => LocatedTask | undefined;

  constructor(options: {
    store: StateStore;
    timings: Timings;
    locate: (region: string, ip: string) => LocatedTask | undefined;
    onChange: () => void;
  }) {
    this.store = options.store;
    this.locate = options.locate;
    this.balancers = new ApplicationLoadBalancers({
      store: options.store,
      timings: options.timings,
      onChange: options.onChange,
      resolve: (region, target, lb) => this.address(region, target, lb),
    });
  }

  /** Applies a step's registration (nothing when the target is registered already). */
  register(region: string, action: Extract<Action, { kind: 'register' }>): void {
    const tg = this.elbv2(region).targetGroups[action.targetGroupArn];
    if (!tg) return;
    const before = tg.targets[`${action.ip}:${action.port}`];
    if (before && before.drainUntilMs === undefined) return;
    registerTarget(tg, action.ip, action.port, Date.now());
    this.store.markDirty(elbv2.signingName, region);
  }

  /** Applies a step's traffic shift to a listener rule's forward weights (nothing when they are set). */
  weigh(region: string, action: Extract<Action, { kind: 'weigh' }>): void {
    if (setForwardWeights(this.elbv2(region), action.ruleArn, action.weights)) {
      this.store.markDirty(elbv2.signingName, region);
    }
  }

  /** By task ARN: the health of the task's targets, for the scheduler. */
  facts(region: string, ecs: EcsState): Map<string, TargetHealthFact[]> {
    const state = this.elbv2(region);
    const now = Date.now();
    const facts = new Map<string, TargetHealthFact[]>();
    const byIp = new Map<string, TaskRecord>();
    for (const task of Object.values(ecs.tasks)) {
      const ip = task.containers[0]?.networkInterfaces?.[0]?.privateIpv4Address;
      if (ip && task.lastStatus !== 'STOPPED') byIp.set(ip, task);
    }
    for (const tg of Object.values(state.targetGroups)) {
      for (const target of liveTargets(tg, now)) {
        const task = byIp.get(target.id);
        if (!task) continue;
        const list = facts.get(task.taskArn) ?? [];
        list.push({ targetGroupArn: tg.arn, state: reportedHealth(state, tg, target, now).state });
        facts.set(task.taskArn, list);
      }
    }
    return facts;
  }

  /** Deregisters the task's targets (at `ip`) and waits for them to drain. */
  drain(region: string, ip: string | undefined): Promise<void> {
    return ip ? this.balancers.drain(region, ip) : Promise.resolve();
  }

  sync(): void {
    this.balancers.sync();
  }

  listeners(): ListenerInfo[] {
    return this.balancers.listenerInfo();
  }

  close(): Promise<void> {
    return this.balancers.close();
  }

  private elbv2(region: string): Elbv2State {
    return this.store.slice(elbv2.signingName, region, () => elbv2.initialState(region));
  }

  private ec2(region: string): Ec2State {
    return this.store.slice('ec2', region, () => ec2.initialState(region));
  }

  /** A task's target is reached at its published port, if the security groups let the load balancer in. */
  private address(
    region: string,
    target: { id: string; port: number },
    lb: LoadBalancerRecord,
  ): TargetAddress | undefined {
    const located = this.locate(region, target.id);
    if (!located) return undefined;
    const hostPort = located.hostPort(target.port);
    if (hostPort === undefined) return undefined;
    const ecs = this.store.regions<EcsState>('ecs').find(([r]) => r === region)?.[1];
    const task = ecs?.tasks[located.taskArn];
    const ec2State = this.ec2(region);
    const groups = taskSecurityGroups(task, ec2State);
    const cidrs = lb.subnets.flatMap((s) => ec2State.subnets[s.subnetId]?.cidr ?? []);
    const allowed =
      groups.length === 0 ||
      ingressAllows(ec2State, groups, target.port, { groupIds: lb.securityGroups, cidrs });
    return {
      host: '127.0.0.1',
      port: hostPort,
      ...(allowed ? {} : { blocked: blockedReason(groups, target.port, lb.securityGroups) }),
    };
  }
}

/** The task's security groups; without any, AWS uses its VPC's default group (its subnet tells). */
function taskSecurityGroups(task: TaskRecord | undefined, ec2State: Ec2State): string[] {
  const awsvpc = task?.networkConfiguration?.awsvpcConfiguration;
  if (awsvpc?.securityGroups?.length) return awsvpc.securityGroups;
  const vpcIds = new Set((awsvpc?.subnets ?? []).map((id) => ec2State.subnets[id]?.vpcId));
  return Object.values(ec2State.securityGroups)
    .filter((g) => g.name === 'default' && vpcIds.has(g.vpcId))
    .map((g) => g.id);
}
