/**
 * What the scheduler step takes in besides ECS state (what the runtime observed of each task's
 * containers) and what it hands back (actions for the runtime to perform). Plain data: the step
 * stays a pure function, testable without Docker.
 */

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
  | { phase: 'up'; containers: ContainerFact[] }
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
  | { kind: 'register'; taskArn: string; targetGroupArn: string; ip: string; port: number };

/** AWS's safety timings, configurable so a laptop need not wait as long as AWS does. */
export interface Timings {
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
   * minimum is 5 s; tests want less).
   */
  healthCheckIntervalSeconds?: number;
  /** How often task containers are sampled for CloudWatch metrics and Container Insights (AWS: 60). */
  metricsSamplingSeconds: number;
}

export const AWS_TIMINGS: Timings = {
  noHealthCheckGraceSeconds: 40,
  deregistrationDelaySeconds: 300,
  stoppedTaskRetentionSeconds: 3600,
  metricsSamplingSeconds: 60,
};

export const LOCAL_TIMINGS: Timings = {
  noHealthCheckGraceSeconds: 3,
  deregistrationDelaySeconds: 5,
  stoppedTaskRetentionSeconds: 3600,
  metricsSamplingSeconds: 5,
};
