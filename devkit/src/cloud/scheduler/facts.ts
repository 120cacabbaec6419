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

/** Where a service's load balancer may send traffic. */
export interface RouteTarget {
  taskArn: string;
  containerName: string;
  containerPort: number;
}

export type Action =
  | { kind: 'start'; taskArn: string }
  | { kind: 'stop'; taskArn: string }
  /** The complete set of targets the service's load balancer should route to now. */
  | {
      kind: 'route';
      serviceArn: string;
      /** Where the load balancer listens on 127.0.0.1 (0: any free port). */
      listenPort: number;
      containerPort: number;
      targets: RouteTarget[];
      unavailable?: string;
    };

/** AWS's safety timings, configurable so a laptop need not wait as long as AWS does. */
export interface Timings {
  /** Seconds after RUNNING when a task without health checks counts as healthy (AWS: 40). */
  noHealthCheckGraceSeconds: number;
  /** Longest wait for in-flight requests after a target is deregistered (AWS: 300). */
  deregistrationDelaySeconds: number;
  /** How long STOPPED tasks stay visible (AWS: about an hour). */
  stoppedTaskRetentionSeconds: number;
  /** Replaces every health check's interval when set (ECS's minimum is 5 s; tests want less). */
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
