/**
 * Every service's load balancer, kept in line with the scheduler's route actions: one LoadBalancer
 * per service on 127.0.0.1, routing to exactly the tasks the step names, draining the ones that
 * left; and the security-group check that decides whether a load balancer may reach its tasks at
 * all (the mistake that takes a service down on AWS must take it down here too).
 */
import type { Ec2State } from '../services/ec2/index.ts';
import { ingressAllows } from '../services/ec2/index.ts';
import { recordServiceEvent } from '../services/ecs/lifecycle.ts';
import type { EcsState, ServiceRecord } from '../services/ecs/state.ts';
import { taskDefinitionByArn } from '../services/ecs/state.ts';
import type { LoadBalancerStats } from '../lb/load-balancer.ts';
import { LoadBalancer } from '../lb/load-balancer.ts';
import type { Action, RouteTarget, Timings } from '../scheduler/facts.ts';
import { LISTEN_PORT_TAG, balancedContainer } from '../scheduler/service-step.ts';

type RouteAction = Extract<Action, { kind: 'route' }>;

export interface LoadBalancerListener extends LoadBalancerStats {
  serviceArn: string;
  serviceName: string;
  port: number;
  /** Targets routed to now (not counting those draining). */
  targets: number;
}

interface ServiceBalancer {
  serviceName: string;
  lb: LoadBalancer;
  /** The port asked for (0: any free port). */
  wantedPort: number;
  /** The port listened on, once listening. */
  port?: number;
  listening?: Promise<void>;
  failedAt?: number;
  /** The last listen failure told in the service's events, so it is told once. */
  toldFailure?: string;
}

/** The service event for a load balancer that cannot listen (no AWS counterpart: ours is local). */
export function listenFailedMessage(service: string, port: number, code: string): string {
  const why = code === 'EADDRINUSE' ? 'the port is already in use' : `listen failed with ${code}`;
  return (
    `(service ${service}) was unable to start its load balancer on 127.0.0.1:${port}: ${why}. ` +
    `Free the port, or tag the service with ${LISTEN_PORT_TAG}=<another port>.`
  );
}

/** The reason the tasks are out of the load balancer's reach, for events and 503 bodies. */
export function blockedPortReason(groupIds: readonly string[], port: number): string {
  return (
    `No inbound rule of security group ${groupIds.join(', ')} allows tcp/${port}, so the load ` +
    `balancer cannot reach the tasks. Add one (AuthorizeSecurityGroupIngress) for port ${port}.`
  );
}

export class ServiceRouting {
  private readonly timings: Timings;
  private readonly onServiceEvent: (() => void) | undefined;
  private readonly listenRetryMs: number;
  private readonly balancers = new Map<string, ServiceBalancer>();
  /** By task ARN: deregistrations in progress. */
  private readonly draining = new Map<string, Promise<void>>();

  /**
   * `onServiceEvent` runs after routing wrote a service event on its own (state to save);
   * `listenRetryMs` is how long a load balancer that could not listen waits before it tries again.
   */
  constructor(options: { timings: Timings; onServiceEvent?: () => void; listenRetryMs?: number }) {
    this.timings = options.timings;
    this.onServiceEvent = options.onServiceEvent;
    this.listenRetryMs = options.listenRetryMs ?? 5_000;
  }

  /**
   * Applies a step's 'route' action: the service's load balancer listens (created on first use)
   * and routes to exactly these targets; targets that left are drained (deregistration delay).
   * Targets `resolve` cannot place yet (no published port known) are added on a later call.
   */
  apply(
    action: RouteAction,
    service: ServiceRecord,
    resolve: (target: RouteTarget) => { host: string; port: number } | undefined,
  ): void {
    let balancer = this.balancers.get(action.serviceArn);
    // A deleted service's load balancer goes once nothing is left to route to.
    if (service.status !== 'ACTIVE' && action.targets.length === 0) {
      if (balancer) this.retire(action.serviceArn, balancer);
      return;
    }
    if (balancer && balancer.wantedPort !== action.listenPort) {
      this.retire(action.serviceArn, balancer);
      balancer = undefined;
    }
    if (!balancer) {
      balancer = { serviceName: service.serviceName, lb: new LoadBalancer(), wantedPort: action.listenPort };
      this.balancers.set(action.serviceArn, balancer);
    }
    this.ensureListening(balancer, service);
    const { lb } = balancer;
    lb.unavailableReason =
      action.unavailable ?? `(service ${service.serviceName}) has no RUNNING and HEALTHY task to route to.`;
    const wanted = new Set<string>();
    for (const target of action.targets) {
      const address = resolve(target);
      if (!address) continue;
      wanted.add(target.taskArn);
      lb.register({ id: target.taskArn, ...address });
      this.draining.delete(target.taskArn);
    }
    for (const id of lb.registeredIds()) {
      if (!wanted.has(id)) void this.deregister(lb, id);
    }
  }

  /** Stops routing to the task now; resolves when its in-flight requests finished or the deregistration delay passed. */
  drain(taskArn: string): Promise<void> {
    const pending = this.draining.get(taskArn);
    if (pending) return pending;
    for (const { lb } of this.balancers.values()) {
      if (lb.has(taskArn)) return this.deregister(lb, taskArn);
    }
    return Promise.resolve();
  }

  /** By service ARN: why the load balancer cannot reach the service's tasks. */
  unreachable(ecs: EcsState, ec2: Ec2State): Map<string, string> {
    const reasons = new Map<string, string>();
    for (const service of Object.values(ecs.services)) {
      if (service.status !== 'ACTIVE') continue;
      const balanced = balancedContainer(service, taskDefinitionByArn(ecs, service.taskDefinition));
      if (!balanced) continue;
      const groups = securityGroupsOf(service, ec2);
      if (groups.length > 0 && !ingressAllows(ec2, groups, balanced.containerPort)) {
        reasons.set(service.serviceArn, blockedPortReason(groups, balanced.containerPort));
      }
    }
    return reasons;
  }

  /** Listening load balancers and what they carried, for health output. */
  listeners(): LoadBalancerListener[] {
    return [...this.balancers]
      .filter(([, b]) => b.port !== undefined)
      .map(([serviceArn, b]) => ({
        serviceArn,
        serviceName: b.serviceName,
        port: b.port!,
        targets: b.lb.registeredIds().length,
        ...b.lb.stats,
      }));
  }

  async close(): Promise<void> {
    const balancers = [...this.balancers.values()];
    this.balancers.clear();
    await Promise.all(balancers.map((b) => b.lb.close()));
  }

  private deregister(lb: LoadBalancer, taskArn: string): Promise<void> {
    const done = lb.deregister(taskArn, this.timings.deregistrationDelaySeconds * 1000).finally(() => {
      if (this.draining.get(taskArn) === done) this.draining.delete(taskArn);
    });
    this.draining.set(taskArn, done);
    return done;
  }

  /** Listens unless it does or is about to; after a failure, tries again now and then. */
  private ensureListening(balancer: ServiceBalancer, service: ServiceRecord): void {
    if (balancer.port !== undefined || balancer.listening) return;
    if (balancer.failedAt !== undefined && Date.now() - balancer.failedAt < this.listenRetryMs) return;
    balancer.listening = balancer.lb.listen(balancer.wantedPort).then(
      (port) => {
        balancer.port = port;
        balancer.failedAt = undefined;
        balancer.toldFailure = undefined;
      },
      (error: NodeJS.ErrnoException) => {
        balancer.listening = undefined;
        balancer.failedAt = Date.now();
        const message = listenFailedMessage(
          service.serviceName,
          balancer.wantedPort,
          error.code ?? error.message,
        );
        if (message !== balancer.toldFailure) {
          balancer.toldFailure = message;
          recordServiceEvent(service, message, Date.now());
          this.onServiceEvent?.();
        }
      },
    );
  }

  /** Closes a load balancer that is no longer wanted, once its targets drained. */
  private retire(serviceArn: string, balancer: ServiceBalancer): void {
    this.balancers.delete(serviceArn);
    const drains = [
      ...balancer.lb.registeredIds().map((id) => this.deregister(balancer.lb, id)),
      ...[...this.draining].filter(([id]) => balancer.lb.has(id)).map(([, done]) => done),
    ];
    void Promise.all([balancer.listening, ...drains]).then(() => balancer.lb.close());
  }
}

/**
 * The service's security groups; without any, AWS uses its VPC's default group (which the
 * subnets tell).
 */
function securityGroupsOf(service: ServiceRecord, ec2: Ec2State): string[] {
  const awsvpc = service.networkConfiguration?.awsvpcConfiguration;
  if (awsvpc?.securityGroups?.length) return awsvpc.securityGroups;
  const vpcIds = new Set((awsvpc?.subnets ?? []).map((id) => ec2.subnets[id]?.vpcId));
  return Object.values(ec2.securityGroups)
    .filter((g) => g.name === 'default' && vpcIds.has(g.vpcId))
    .map((g) => g.id);
}
