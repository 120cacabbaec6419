/**
 * What the scheduler step takes in besides ECS state (what the runtime observed of each task's
 * containers) and what it hands back (actions for the runtime to perform). Plain data: the step
 * stays a pure function, testable without Docker.
 */
import type { AttachedInterface } from '../services/ecs/lifecycle.ts';

/** One container as the runtime last saw it. */
export interface ContainerFact {
  name: string;
  runtimeId: string;
  running: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  /** Docker's health state; absent when the container has no health check. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  /** containerPort → port published on 127.0.0.1. */
  hostPorts: Record<number, number>;
  privateIp?: string;
}

/**
 * Where the runtime is with a task. No fact at all means the runtime knows nothing of it: not
 * started yet, or its containers are gone.
 */
export type TaskFact =
  | { phase: 'starting' }
  | { phase: 'failedToStart'; reason: string }
  | { phase: 'up'; containers: ContainerFact[]; networkInterface?: AttachedInterface }
  /** Being stopped: deregistered and draining, then SIGTERM/SIGKILL, then logs flushing. */
  | { phase: 'draining' | 'stopping' | 'flushing' }
  | { phase: 'stopped'; containers: ContainerFact[] };

/** A service task's target in one of the service's target groups, as the load balancer last checked it. */
export interface TargetHealthFact {
  targetGroupArn: string;
  /** ELBv2's target state: initial, healthy, unhealthy, draining, unused, unavailable. */
  state: string;
}

export type Action =
  | { kind: 'start'; taskArn: string }
  | { kind: 'stop'; taskArn: string }
  /** Registers a RUNNING service task's IP:port in a target group of the service (idempotent). */
  | { kind: 'register'; taskArn: string; targetGroupArn: string; ip: string; port: number }
  /**
   * Sets the weights of target groups in a listener rule's forward action (a rule ARN, a listener's
   * default rule ARN, or a listener ARN), as ECS shifts blue/green traffic (idempotent).
   */
  | { kind: 'weigh'; ruleArn: string; weights: Array<{ targetGroupArn: string; weight: number }> };

/**
 * AWS's safety timings, as one named profile: `aws` (AWS's own) or `local` (compressed so a laptop
 * need not wait as long as AWS does). Any timing set on its own makes the profile `custom`.
 */
export interface Timings {
  profile: 'aws' | 'local' | 'custom';
  /** Seconds after RUNNING when a task without health checks counts as healthy (AWS: 40). */
  noHealthCheckGraceSeconds: number;
  /**
   * Longest wait for in-flight requests after a target is deregistered (AWS: 300): caps each target
   * group's deregistration delay.
   */
  deregistrationDelaySeconds: number;
  /** How long STOPPED tasks stay visible (AWS: about an hour). */
  stoppedTaskRetentionSeconds: number;
  /**
   * Replaces every health check's interval when set, containers' and target groups' alike (their
   * minimum is 5 s; AWS: as defined).
   */
  healthCheckIntervalSeconds?: number;
  /** Replaces target groups' health-check interval when set (else the one above applies to them too). */
  targetHealthCheckIntervalSeconds?: number;
  /** How often task containers are sampled for CloudWatch metrics and Container Insights (AWS: 60). */
  metricsSamplingSeconds: number;
  /**
   * How many seconds one minute of a deployment's bake times and lifecycle hook timeouts lasts
   * (AWS: 60): blue/green bake time, linear and canary step bake times, PAUSE hook timeouts.
   */
  deploymentMinuteSeconds: number;
}

export const AWS_TIMINGS: Timings = {
  profile: 'aws',
  noHealthCheckGraceSeconds: 40,
  deregistrationDelaySeconds: 300,
  stoppedTaskRetentionSeconds: 3600,
  metricsSamplingSeconds: 60,
  deploymentMinuteSeconds: 60,
};

export const LOCAL_TIMINGS: Timings = {
  profile: 'local',
  noHealthCheckGraceSeconds: 3,
  deregistrationDelaySeconds: 5,
  stoppedTaskRetentionSeconds: 3600,
  metricsSamplingSeconds: 5,
  // A blue/green deployment's 5-minute bake time passes in 5 s: long enough to watch both revisions
  // run side by side, short enough for a local loop.
  deploymentMinuteSeconds: 1,
  // A new task passes its first check about 2 s after starting, not after ECS's 5 s minimum: most
  // of a local rollout was this wait. Not 1 s: each check starts a process in the task, and on a
  // starved machine checks that often crowd out the task they check.
  healthCheckIntervalSeconds: 2,
  // A target group's check is one HTTP request from the load balancer, nothing started in the task:
  // every half second, so a new task takes traffic two passes ~0.5 s apart after its app listens
  // (at 1 s, `up --watch` edit-to-live was 5.0 s, the target's edge: bench, load 1).
  targetHealthCheckIntervalSeconds: 0.5,
};

export const TIMING_PROFILES = { aws: AWS_TIMINGS, local: LOCAL_TIMINGS } as const;

/**
 * The timings a runtime runs with: a profile (`local` unless named) with single timings overridden;
 * an override that changes the profile's value makes it `custom`.
 */
export function resolveTimings(given: Partial<Timings> = {}): Timings {
  const { profile = 'local', ...overrides } = given;
  const base = TIMING_PROFILES[profile === 'custom' ? 'local' : profile];
  const changed = Object.entries(overrides).some(
    ([key, value]) => value !== undefined && base[key as keyof Timings] !== value,
  );
  return { ...base, ...overrides, profile: changed || profile === 'custom' ? 'custom' : base.profile };
}

/** One line saying which timings run, e.g. for `devkit cloud` and `devkit status`. */
export function timingsLine(t: Timings): string {
  const every = (s: number | undefined) => (s === undefined ? 'as defined' : `${s} s`);
  const interval = every(t.healthCheckIntervalSeconds);
  const targetInterval = every(t.targetHealthCheckIntervalSeconds ?? t.healthCheckIntervalSeconds);
  const what = { aws: "AWS's own", local: "AWS's compressed for local runs", custom: 'custom' }[t.profile];
  return (
    `timings: ${t.profile} (${what}): health-check interval ${interval}, ` +
    `target health-check interval ${targetInterval}, ` +
    `no-health-check grace ${t.noHealthCheckGraceSeconds} s, deregistration delay ${t.deregistrationDelaySeconds} s, ` +
    `stopped tasks kept ${t.stoppedTaskRetentionSeconds} s, metrics sampled every ${t.metricsSamplingSeconds} s, ` +
    `a deployment bake minute ${t.deploymentMinuteSeconds} s`
  );
}
