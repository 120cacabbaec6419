/**
 * `devkit status --json`: the documented, stable shape (README, "devkit status --json"). Every field
 * is always present (null when unknown); times are ISO 8601 strings; new fields may be added, none
 * renamed or removed without a new `version`.
 */
import type { Timings } from '../cloud/scheduler/facts.ts';
import type { StackStatus } from '../deploy/status.ts';
import type { CloudChoice } from './cloud-choice.ts';

export interface StatusJson {
  version: 1;
  stack: string;
  stage: string;
  /** `timings`: the local cloud's timing profile (null for AWS, LocalStack, or no task runtime). */
  /** `iamEnforced`: whether the local cloud evaluates role sessions' calls (null when not local). */
  cloud: { target: string; endpoint: string | null; timings: Timings | null; iamEnforced: boolean | null };
  cluster: string;
  url: string | null;
  loadBalancer: {
    name: string;
    dnsName: string;
    state: string;
    stateReason: string | null;
    /** Each registered target with ELBv2's health state and reason code. */
    targets: {
      id: string;
      port: number | null;
      state: string;
      reason: string | null;
      description: string | null;
    }[];
  } | null;
  service: {
    name: string;
    status: string;
    taskDefinition: string;
    image: string | null;
    imageTags: string[];
    desired: number;
    running: number;
    pending: number;
    /** AWS/ECS utilization in percent of the tasks' size (latest minute with data). */
    cpuUtilization: number | null;
    memoryUtilization: number | null;
    deployments: {
      id: string;
      status: string;
      rolloutState: string | null;
      taskDefinition: string;
      image: string | null;
      desired: number;
      running: number;
      pending: number;
      failed: number;
    }[];
    tasks: {
      id: string;
      taskDefinition: string;
      lastStatus: string;
      health: string;
      startedAt: string | null;
      stoppedReason: string | null;
      /** A running task's latest Container Insights figures: CPU units and MiB, used and reserved. */
      cpu: { used: number; reserved: number } | null;
      memory: { usedMiB: number; reservedMiB: number } | null;
    }[];
    /** Newest first. */
    events: { createdAt: string | null; message: string }[];
  } | null;
}

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

export function statusJson(
  status: StackStatus,
  where: {
    stack: string;
    stage: string;
    choice: CloudChoice;
    timings?: Timings | undefined;
    iamEnforced?: boolean | undefined;
  },
): StatusJson {
  const { service } = status;
  return {
    version: 1,
    stack: where.stack,
    stage: where.stage,
    cloud: {
      target: where.choice.target,
      endpoint: where.choice.endpoint ?? null,
      timings: where.timings ?? null,
      iamEnforced: where.iamEnforced ?? null,
    },
    cluster: status.cluster,
    url: status.url ?? null,
    loadBalancer: status.loadBalancer
      ? {
          name: status.loadBalancer.name,
          dnsName: status.loadBalancer.dnsName,
          state: status.loadBalancer.state,
          stateReason: status.loadBalancer.stateReason ?? null,
          targets: status.loadBalancer.targets.map((t) => ({
            id: t.id,
            port: t.port ?? null,
            state: t.state,
            reason: t.reason ?? null,
            description: t.description ?? null,
          })),
        }
      : null,
    service: service
      ? {
          name: service.name,
          status: service.status,
          taskDefinition: service.taskDefinition,
          image: service.image ?? null,
          imageTags: service.imageTags,
          desired: service.desired,
          running: service.running,
          pending: service.pending,
          cpuUtilization: service.cpuPercent ?? null,
          memoryUtilization: service.memoryPercent ?? null,
          deployments: service.deployments.map((d) => ({
            id: d.id,
            status: d.status,
            rolloutState: d.rolloutState || null,
            taskDefinition: d.taskDefinition,
            image: d.image ?? null,
            desired: d.desired,
            running: d.running,
            pending: d.pending,
            failed: d.failed,
          })),
          tasks: service.tasks.map((t) => ({
            id: t.id,
            taskDefinition: t.taskDefinition,
            lastStatus: t.lastStatus,
            health: t.health,
            startedAt: iso(t.startedAt),
            stoppedReason: t.stoppedReason ?? null,
            cpu: t.usage ? { used: t.usage.cpuUnits, reserved: t.usage.cpuReserved } : null,
            memory: t.usage ? { usedMiB: t.usage.memoryMiB, reservedMiB: t.usage.memoryReservedMiB } : null,
          })),
          events: service.events.map((e) => ({ createdAt: iso(e.createdAt), message: e.message })),
        }
      : null,
  };
}
