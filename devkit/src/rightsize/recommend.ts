/**
 * From what each load step measured, the cheapest Fargate size and task count that hold a target
 * load within a latency and error budget, with headroom, and why. Pure: the measurements in, the
 * answer out. It plans only within what was measured: a task never gets more requests in flight
 * than the highest step that still held the budget, and its CPU and memory needs are the peaks
 * measured at a step at least that loaded (no extrapolation past the data).
 *
 * The floor: a task's idle baseline (the Node runtime at rest and its container health check every
 * interval, measured before the first step) is counted on top of the CPU peak. The peaks are
 * sampling-period averages that contain the baseline once; what they average away are the bursts —
 * a health check needs its CPU within its timeout while the service is at its peak, and a check
 * that times out gets a healthy task replaced (the 0.25 vCPU experiment). So the CPU need is
 * (baseline + peak) / (1 − headroom); memory, which does not burst that way, needs
 * max(baseline, peak) / (1 − headroom).
 */
import type { FargateSize } from './fargate-sizes.ts';
import { describeSize, hourlyPrice, smallestSize } from './fargate-sizes.ts';

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** One step of the load: what was driven and what came back. */
export interface StepMeasure {
  /** Requests kept in flight against the service. */
  concurrency: number;
  /** Tasks running during the step (the load balancer spreads the load over them). */
  tasks: number;
  requests: number;
  errors: number;
  /** Successful requests per second. */
  throughput: number;
  /** Of the successful requests, ms; undefined when none succeeded. */
  latencyMs: LatencyPercentiles | undefined;
  /** Peak per task, CPU units (1024 = 1 vCPU); undefined when no metric came. */
  cpuPeak: number | undefined;
  /** Peak per task, MiB. */
  memoryPeak: number | undefined;
  /** Tasks stopped for running out of memory during the step. */
  oomKills: number;
  /** Tasks stopped for failing otherwise (health checks, an exited container) during the step. */
  tasksFailed: number;
}

export interface Budget {
  /** The highest acceptable p95 latency, ms. */
  p95Ms: number;
  /** The highest acceptable share of failed requests, 0..1. */
  errorRate: number;
  /** The share of the size kept free at the target load, 0..1 (0.3: peaks at most 70 % of it). */
  headroom: number;
}

/** A task's use at rest, per task: CPU units and MiB. */
export interface Baseline {
  cpu: number;
  memory: number;
}

export interface Goal {
  /** Requests in flight the service must hold. */
  concurrency: number;
  minTasks: number;
  maxTasks: number;
}

export type Verdict = 'held' | 'latency' | 'errors' | 'oom' | 'tasks-failed' | 'no-data';

export interface Recommendation {
  size: FargateSize;
  tasks: number;
  perTaskConcurrency: number;
  /** Per-task needs with headroom: CPU units, MiB. */
  needCpu: number;
  needMemory: number;
  /** The resource that set the size. */
  limitingResource: 'cpu' | 'memory';
  /** What set the task count. */
  taskCountBy: 'concurrency held per task' | 'minimum task count';
  /** The idle baseline counted into the needs; undefined when it was not measured. */
  baseline: Baseline | undefined;
  hourlyPrice: number;
  /** Sentences for a person, in order. */
  reasons: string[];
}

export type Outcome = { ok: true; recommendation: Recommendation } | { ok: false; reason: string };

/** Why a step failed its budget, or that it held. */
export function verdictOf(step: StepMeasure, budget: Budget): Verdict {
  if (step.oomKills > 0) return 'oom';
  if (step.tasksFailed > 0) return 'tasks-failed';
  if (step.requests === 0) return 'no-data';
  if (errorRate(step) > budget.errorRate) return 'errors';
  if (!step.latencyMs || step.latencyMs.p95 > budget.p95Ms) return 'latency';
  return 'held';
}

export const errorRate = (step: StepMeasure): number => (step.requests ? step.errors / step.requests : 0);
const perTask = (step: StepMeasure): number => step.concurrency / Math.max(1, step.tasks);

/** What bound a failing step on the measured size: a resource near its limit, or neither. */
export function bottleneckOf(step: StepMeasure, measured: FargateSize): string {
  if (step.oomKills > 0) return `memory: ${step.oomKills} task(s) OOM-killed`;
  const failed = step.tasksFailed > 0 ? `${step.tasksFailed} task(s) failed health checks or exited, ` : '';
  const cpu = step.cpuPeak === undefined ? 0 : step.cpuPeak / measured.cpu;
  const memory = step.memoryPeak === undefined ? 0 : step.memoryPeak / measured.memory;
  if (cpu >= 0.9) return `${failed}cpu: ${percent(cpu)} of ${measured.cpu / 1024} vCPU`;
  if (memory >= 0.9) return `${failed}memory: ${percent(memory)} of ${measured.memory} MiB`;
  return `${failed}neither CPU (${percent(cpu)}) nor memory (${percent(memory)}) near its limit: the service's own limits, its health checks or its upstream`;
}

export function recommend(
  steps: readonly StepMeasure[],
  measured: FargateSize,
  budget: Budget,
  goal: Goal,
  baseline?: Baseline,
): Outcome {
  const ordered = [...steps].sort((a, b) => perTask(a) - perTask(b));
  const firstFail = ordered.findIndex((step) => verdictOf(step, budget) !== 'held');
  const held = firstFail === -1 ? ordered : ordered.slice(0, firstFail);
  const failing = firstFail === -1 ? undefined : ordered[firstFail];
  if (held.length === 0) {
    const first = ordered[0];
    if (!first) return { ok: false, reason: 'no step was measured' };
    return {
      ok: false,
      reason: `even the lightest step (${first.concurrency} in flight) failed its budget: ${failure(first, budget, measured)}`,
    };
  }
  const measuredSteps = held.filter((s) => s.cpuPeak !== undefined && s.memoryPeak !== undefined);
  if (measuredSteps.length === 0) {
    return {
      ok: false,
      reason:
        'no CPU or memory metric came for the steps that held (is Container Insights on for the cluster, and did the sampling period pass?)',
    };
  }
  const heldPerTask = perTask(held.at(-1)!);
  const fewest = Math.max(goal.minTasks, Math.ceil(goal.concurrency / heldPerTask));
  if (fewest > goal.maxTasks) {
    return {
      ok: false,
      reason: `holding ${goal.concurrency} in flight takes ${fewest} tasks at ${heldPerTask} per task, above the maximum of ${goal.maxTasks}`,
    };
  }
  const candidates: Recommendation[] = [];
  // More, smaller tasks can be cheaper than fewer large ones, until each task's base cost dominates.
  for (let tasks = fewest; tasks <= Math.min(goal.maxTasks, fewest + 7); tasks++) {
    const perTaskConcurrency = goal.concurrency / tasks;
    const step = measuredSteps.find((s) => perTask(s) >= perTaskConcurrency) ?? measuredSteps.at(-1)!;
    if (perTask(step) < perTaskConcurrency) continue; // measured only below this load
    const needCpu = (step.cpuPeak! + (baseline?.cpu ?? 0)) / (1 - budget.headroom);
    const needMemory = Math.max(step.memoryPeak!, baseline?.memory ?? 0) / (1 - budget.headroom);
    const size = smallestSize(needCpu, needMemory);
    if (!size) continue;
    const same = (other: FargateSize | undefined) => other?.cpu === size.cpu && other.memory === size.memory;
    const [byCpu, byMemory] = [smallestSize(needCpu, 0), smallestSize(0, needMemory)];
    const limitingResource =
      same(byCpu) !== same(byMemory)
        ? same(byCpu)
          ? 'cpu'
          : 'memory'
        : needCpu / size.cpu >= needMemory / size.memory
          ? 'cpu'
          : 'memory';
    candidates.push({
      size,
      tasks,
      perTaskConcurrency,
      needCpu,
      needMemory,
      limitingResource,
      taskCountBy: tasks > goal.minTasks ? 'concurrency held per task' : 'minimum task count',
      baseline,
      hourlyPrice: tasks * hourlyPrice(size),
      reasons: [],
    });
  }
  const best = candidates.sort((a, b) => a.hourlyPrice - b.hourlyPrice || a.tasks - b.tasks)[0];
  if (!best) {
    return {
      ok: false,
      reason: `no Fargate size holds the measured peaks with ${percent(budget.headroom)} headroom`,
    };
  }
  best.reasons = explain(best, held, failing, measured, budget, goal);
  return { ok: true, recommendation: best };
}

function explain(
  best: Recommendation,
  held: readonly StepMeasure[],
  failing: StepMeasure | undefined,
  measured: FargateSize,
  budget: Budget,
  goal: Goal,
): string[] {
  const heldPerTask = perTask(held.at(-1)!);
  const reasons = [
    `${best.tasks} task(s) of ${describeSize(best.size)} hold ${goal.concurrency} requests in flight (${round(best.perTaskConcurrency)} per task) within p95 ≤ ${budget.p95Ms} ms and errors ≤ ${percent(budget.errorRate)}, keeping ${percent(budget.headroom)} headroom.`,
    best.baseline
      ? `Per task at that load: CPU ${round(best.needCpu * (1 - budget.headroom) - best.baseline.cpu)} units peak + ${round(best.baseline.cpu)} idle baseline → ${round(best.needCpu)} with headroom; memory ${round(best.needMemory * (1 - budget.headroom))} MiB peak → ${round(best.needMemory)} MiB with headroom.`
      : `Per task at that load: CPU ${round(best.needCpu * (1 - budget.headroom))} units peak → ${round(best.needCpu)} with headroom; memory ${round(best.needMemory * (1 - budget.headroom))} MiB peak → ${round(best.needMemory)} MiB with headroom.`,
    best.baseline
      ? `Floor: at rest a task used ${round(best.baseline.cpu)} CPU units and ${round(best.baseline.memory)} MiB (the Node runtime and its health checks); that CPU is counted again on top of the peak, for the bursts the sampled averages hide (a health check must finish within its timeout at the peak).`
      : `No idle baseline was measured: the needs are the peaks alone, without a floor for the health checks' bursts.`,
    best.limitingResource === 'cpu'
      ? `CPU sets the size: ${describeSize(best.size)} is the cheapest pair with ${round(best.needCpu)} CPU units (${percent(best.needCpu / best.size.cpu)} of it used at the target, memory ${percent(best.needMemory / best.size.memory)}).`
      : `Memory sets the size: ${describeSize(best.size)} is the cheapest pair with ${round(best.needMemory)} MiB (${percent(best.needMemory / best.size.memory)} of it used at the target, CPU ${percent(best.needCpu / best.size.cpu)}).`,
  ];
  reasons.push(
    failing
      ? `Measured on ${describeSize(measured)}: each task held ${heldPerTask} in flight; at ${round(perTask(failing))} ${failure(failing, budget, measured)}.`
      : `Measured on ${describeSize(measured)}: every step held, up to ${heldPerTask} in flight per task (a higher step would show where it breaks).`,
  );
  if (best.taskCountBy === 'concurrency held per task') {
    reasons.push(
      `The task count comes from that per-task limit: ${goal.concurrency} / ${heldPerTask} per task, the cheapest split tried.`,
    );
  }
  const saturated = held.some((s) => s.cpuPeak !== undefined && s.cpuPeak >= 0.9 * measured.cpu);
  if (saturated) {
    reasons.push(
      `CPU reached 90 % of the measured size while holding: the need may be understated; measure again on a larger size.`,
    );
  }
  return reasons;
}

function failure(step: StepMeasure, budget: Budget, measured: FargateSize): string {
  const p95 = step.latencyMs ? `${Math.round(step.latencyMs.p95)} ms` : 'n/a';
  const what: Record<Verdict, string> = {
    held: 'it held',
    latency: `p95 rose to ${p95} (budget ${budget.p95Ms} ms)`,
    errors: `errors rose to ${percent(errorRate(step))} (budget ${percent(budget.errorRate)})`,
    oom: `tasks were OOM-killed`,
    'tasks-failed': `tasks failed and were replaced`,
    'no-data': 'no request completed',
  };
  return `${what[verdictOf(step, budget)]}; bound by ${bottleneckOf(step, measured)}`;
}

const percent = (share: number): string => `${Math.round(share * 1000) / 10} %`;
const round = (value: number): number => Math.round(value * 10) / 10;
