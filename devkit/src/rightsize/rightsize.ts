/**
 * Right-sizing a deployed service: measure its tasks at rest (the idle baseline: the runtime and its
 * health checks), then, with the Gemini replay server answering at a set latency, step the requests
 * in flight through the service's URL, read what its tasks used (CloudWatch, as on AWS; per task
 * with enhanced Container Insights) and which were OOM-killed, and recommend the cheapest Fargate
 * size and task count that hold the target load within the budget. The steps are few and short,
 * and the load goes to loopback addresses only.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { DescribeClustersCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsClients } from '../deploy/clients.ts';
import type { ServiceRef } from '../deploy/rollout.ts';
import { describeService } from '../deploy/rollout.ts';
import type { StepResult } from './drive.ts';
import { driveStep, isLoopbackUrl } from './drive.ts';
import type { FargateSize } from './fargate-sizes.ts';
import { isFargateSize } from './fargate-sizes.ts';
import { readPeaks, stoppedTasks } from './metrics.ts';
import type { Budget, Goal, StepMeasure } from './recommend.ts';
import { recommend, verdictOf } from './recommend.ts';
import type { RightsizeReport, StepRecord } from './report.ts';

export interface RightsizeOptions {
  clients: AwsClients;
  ref: ServiceRef;
  serviceUrl: string;
  /** The replay server's host address (its /_devkit/faults); undefined: leave Gemini as it is. */
  geminiUrl: string | undefined;
  /** A fault spec, e.g. latency=normal(3s,1s). */
  geminiLatency: string;
  /** Requests in flight, one step each, in order. */
  steps: number[];
  stepMs: number;
  /** How long the tasks are watched at rest before the first step. */
  baselineMs: number;
  timeoutMs: number;
  metricsPeriodSeconds: number;
  /** How long to wait after the last step for its metrics to be published. */
  settleMs: number;
  budget: Budget;
  goal: Goal;
  log: (line: string) => void;
}

export class RightsizeError extends Error {}

/** Past this, a further (heavier) step only adds load: the breaking point is already found. */
const HOPELESS_ERROR_RATE = 0.5;
const HOPELESS_LATENCY_FACTOR = 3;

async function measuredSize(ecs: ECSClient, taskDefinition: string): Promise<FargateSize> {
  const { taskDefinition: definition } = await ecs.send(
    new DescribeTaskDefinitionCommand({ taskDefinition }),
  );
  const size = { cpu: Number(definition?.cpu), memory: Number(definition?.memory) };
  if (!isFargateSize(size)) {
    throw new RightsizeError(
      `${taskDefinition} has cpu ${definition?.cpu} / memory ${definition?.memory}, not a Fargate size`,
    );
  }
  return size;
}

/** The cluster's containerInsights setting: disabled, enabled or enhanced. */
async function insightsSetting(ecs: ECSClient, cluster: string): Promise<string> {
  const { clusters = [] } = await ecs.send(
    new DescribeClustersCommand({ clusters: [cluster], include: ['SETTINGS'] }),
  );
  return (clusters[0]?.settings ?? []).find((s) => s.name === 'containerInsights')?.value ?? 'disabled';
}

/** Sets the replay server's faults; returns the ones it had, to put back. */
async function setGeminiFaults(url: string, spec: string): Promise<string> {
  const faultsUrl = new URL('/_devkit/faults', url);
  const before = await fetch(faultsUrl, { signal: AbortSignal.timeout(5_000) });
  if (!before.ok)
    throw new RightsizeError(`the replay server at ${url} answered ${before.status} to GET /_devkit/faults`);
  const previous = ((await before.json()) as { fault?: string }).fault ?? '';
  const set = await fetch(faultsUrl, { method: 'PUT', body: spec, signal: AbortSignal.timeout(5_000) });
  if (!set.ok)
    throw new RightsizeError(`the replay server refused '${spec}': ${(await set.text()).slice(0, 200)}`);
  return previous;
}

export async function rightsize(options: RightsizeOptions): Promise<RightsizeReport> {
  const { clients, ref, log } = options;
  if (!isLoopbackUrl(options.serviceUrl)) {
    throw new RightsizeError(
      `the service's URL ${options.serviceUrl} is not a loopback address: right-sizing drives load only to 127.0.0.1 (or *.localhost)`,
    );
  }
  const started = Date.now();
  const service = await describeService(clients, ref);
  if (!service?.taskDefinition)
    throw new RightsizeError(`service ${ref.service} not found in cluster ${ref.cluster}`);
  const size = await measuredSize(clients.ecs, service.taskDefinition);
  const notes: string[] = [];
  const insights = await insightsSetting(clients.ecs, ref.cluster);
  if (insights === 'disabled') {
    notes.push(`Container Insights is off for cluster ${ref.cluster}: only AWS/ECS percentages can be read.`);
  } else if (insights === 'enabled') {
    notes.push(
      `Container Insights is enabled, not enhanced, for cluster ${ref.cluster}: the busiest task is read from the service's Maximum; with containerInsights=enhanced each task's own metrics are read.`,
    );
  }
  let previousFaults: string | undefined;
  if (options.geminiUrl) {
    previousFaults = await setGeminiFaults(options.geminiUrl, options.geminiLatency);
    log(`gemini-mock: answering with ${options.geminiLatency} (was: ${previousFaults || 'none'})`);
  } else {
    notes.push('The Gemini replay server was not reachable from this host: its latency was left as it was.');
  }
  const results: Array<{ result: StepResult; tasks: number }> = [];
  let stoppedEarly: string | undefined;
  // Before any load: the tasks at rest, their health checks running as always.
  log(`baseline: the tasks at rest for ${options.baselineMs / 1000} s`);
  const baselineWindow = { start: Date.now(), end: 0 };
  await sleep(options.baselineMs);
  baselineWindow.end = Date.now();
  try {
    for (const [i, concurrency] of options.steps.entries()) {
      const tasks = (await describeService(clients, ref))?.runningCount ?? 0;
      log(
        `step ${i + 1}/${options.steps.length}: ${concurrency} in flight for ${options.stepMs / 1000} s on ${tasks} task(s)`,
      );
      const result = await driveStep({
        baseUrl: options.serviceUrl,
        concurrency,
        durationMs: options.stepMs,
        timeoutMs: options.timeoutMs,
        requestIdPrefix: `devkit-rightsize-${started}-${concurrency}`,
      });
      results.push({ result, tasks });
      const { stats, latencyMs } = result;
      const errors = stats.sent ? stats.failed / stats.sent : 0;
      log(
        `  ${stats.succeeded} ok, ${stats.failed} failed; p50 ${((latencyMs?.p50 ?? 0) / 1000).toFixed(2)} s, p95 ${((latencyMs?.p95 ?? 0) / 1000).toFixed(2)} s`,
      );
      if (
        errors > HOPELESS_ERROR_RATE ||
        (latencyMs?.p95 ?? 0) > HOPELESS_LATENCY_FACTOR * options.budget.p95Ms
      ) {
        if (i < options.steps.length - 1) {
          stoppedEarly = `at ${concurrency} in flight (${(errors * 100).toFixed(0)} % errors, p95 ${Math.round(latencyMs?.p95 ?? 0)} ms): heavier steps would only add load`;
          log(`  stopping: ${stoppedEarly}`);
        }
        break;
      }
    }
  } finally {
    if (options.geminiUrl && previousFaults !== undefined) {
      await setGeminiFaults(options.geminiUrl, previousFaults).catch((error: Error) =>
        log(`gemini-mock: could not restore its faults (${previousFaults || 'none'}): ${error.message}`),
      );
    }
  }

  log(`reading metrics (waiting ${options.settleMs / 1000} s for the last samples)`);
  await sleep(options.settleMs);
  const windows = results.map(({ result }) => ({ start: result.start, end: result.end }));
  const [idle, ...peaks] = await readPeaks(
    clients.cloudwatch,
    ref,
    size,
    [baselineWindow, ...windows],
    options.metricsPeriodSeconds,
  );
  const baseline =
    idle?.cpu !== undefined && idle.memory !== undefined
      ? {
          cpu: idle.cpu,
          memory: idle.memory,
          start: new Date(baselineWindow.start).toISOString(),
          end: new Date(baselineWindow.end).toISOString(),
        }
      : undefined;
  if (!baseline) {
    notes.push(
      `No metric came for the tasks at rest (${options.baselineMs / 1000} s before the first step): the recommendation has no idle floor.`,
    );
  }
  // A task fails its health checks some intervals after the load that broke it: each step answers
  // for the tasks stopped until the next one starts (the last, until now).
  const stopWindows = windows.map((w, i) => ({ start: w.start, end: windows[i + 1]?.start ?? Date.now() }));
  const stopped = await stoppedTasks(clients.ecs, ref, stopWindows);

  const steps: StepRecord[] = results.map(({ result, tasks }, i) => {
    const measure: StepMeasure = {
      concurrency: result.concurrency,
      tasks,
      requests: result.stats.sent,
      errors: result.stats.failed,
      throughput: result.stats.succeeded / ((result.end - result.start) / 1000),
      latencyMs: result.latencyMs,
      cpuPeak: peaks[i]!.cpu,
      memoryPeak: peaks[i]!.memory,
      oomKills: stopped[i]!.oom,
      tasksFailed: stopped[i]!.failed,
    };
    return {
      ...measure,
      start: new Date(result.start).toISOString(),
      end: new Date(result.end).toISOString(),
      verdict: verdictOf(measure, options.budget),
      failedByStatus: result.stats.failedByStatus,
      stoppedReasons: stopped[i]!.reasons,
      metricSource: peaks[i]!.source,
      ...(peaks[i]!.tasks ? { taskPeaks: peaks[i]!.tasks } : {}),
    };
  });
  if (steps.some((s) => s.cpuPeak === undefined) && steps.length) {
    notes.push(
      `No CPU metric for ${steps.filter((s) => s.cpuPeak === undefined).length} step(s): steps shorter than the metrics period (${options.metricsPeriodSeconds} s) or no samples published yet.`,
    );
  }
  const reasons = results.flatMap(({ result }) => result.stats.failures.map((f) => f.reason));
  if (reasons.some((reason) => reason.includes('no_healthy_targets'))) {
    notes.push(
      '503 no_healthy_targets: the load balancer had no healthy task to route to (a task failing its health checks was being replaced).',
    );
  }
  if (steps.some((s) => s.failedByStatus['503']) && reasons.some((r) => !r.includes('no_healthy_targets'))) {
    notes.push(
      'Other 503 answers are the service shedding load (its upstream concurrency limit and queue are full).',
    );
  }
  return {
    startedAt: new Date(started).toISOString(),
    wallTimeMs: Date.now() - started,
    service: {
      cluster: ref.cluster,
      service: ref.service,
      url: options.serviceUrl,
      taskDefinition: service.taskDefinition.split('/').at(-1)!,
      size,
    },
    geminiLatency: options.geminiUrl ? options.geminiLatency : undefined,
    budget: options.budget,
    goal: options.goal,
    stepDurationMs: options.stepMs,
    metricsPeriodSeconds: options.metricsPeriodSeconds,
    baseline,
    steps,
    stoppedEarly,
    outcome: recommend(
      steps,
      size,
      options.budget,
      options.goal,
      baseline && { cpu: baseline.cpu, memory: baseline.memory },
    ),
    notes,
    loadAverage: loadavg(),
  };
}
