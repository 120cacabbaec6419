/**
 * What the service's tasks used during each load step, read as on AWS: CloudWatch's GetMetricData
 * over Container Insights (ECS/ContainerInsights CpuUtilized in CPU units, MemoryUtilized in MiB).
 * With enhanced observability each task has its own series (ClusterName+ServiceName+TaskId, found
 * with ListMetrics): the peak is the busiest task's, and every task's is kept. Otherwise per
 * ClusterName+ServiceName, where each task's sample is one datapoint, so Maximum is the busiest
 * task; else the AWS/ECS CPUUtilization and MemoryUtilization percentages of the task size. Also
 * which tasks ECS stopped because they failed (out of memory, health checks) during a step.
 */
import type { CloudWatchClient, Dimension, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import type { ECSClient, Task } from '@aws-sdk/client-ecs';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import type { ServiceRef } from '../deploy/rollout.ts';
import type { FargateSize } from './fargate-sizes.ts';

export interface Window {
  start: number;
  end: number;
}

export type MetricSource = 'ECS/ContainerInsights per task' | 'ECS/ContainerInsights' | 'AWS/ECS';

export interface Peaks {
  /** Per task, CPU units. */
  cpu: number | undefined;
  /** Per task, MiB. */
  memory: number | undefined;
  source: MetricSource | undefined;
  /** Each task's own peaks, by task id (enhanced observability only). */
  tasks?: Record<string, { cpu: number | undefined; memory: number | undefined }>;
}

type Series = Map<number, number>;

const INSIGHTS = 'ECS/ContainerInsights';
const serviceDimensions = (ref: ServiceRef): Dimension[] => [
  { Name: 'ClusterName', Value: ref.cluster },
  { Name: 'ServiceName', Value: ref.service },
];

function query(
  id: string,
  namespace: string,
  name: string,
  dimensions: Dimension[],
  period: number,
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: name, Dimensions: dimensions },
      Period: period,
      Stat: 'Maximum',
    },
  };
}

/** The ids of the service's tasks that have per-task (enhanced) metrics, all pages. */
async function tasksWithMetrics(cloudwatch: CloudWatchClient, ref: ServiceRef): Promise<string[]> {
  const ids = new Set<string>();
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new ListMetricsCommand({
        Namespace: INSIGHTS,
        MetricName: 'CpuUtilized',
        Dimensions: [...serviceDimensions(ref), { Name: 'TaskId' }],
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const metric of page.Metrics ?? []) {
      const id = metric.Dimensions?.find((d) => d.Name === 'TaskId')?.Value;
      if (id) ids.add(id);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return [...ids];
}

/** Each query's datapoints (timestamp → value) over the whole span, all pages. */
async function readSeries(
  cloudwatch: CloudWatchClient,
  queries: MetricDataQuery[],
  span: Window,
): Promise<Map<string, Series>> {
  const series = new Map<string, Series>(queries.map((q) => [q.Id!, new Map()]));
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(span.start),
        EndTime: new Date(span.end),
        ScanBy: 'TimestampAscending',
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      const points = series.get(result.Id!)!;
      (result.Timestamps ?? []).forEach((at, i) => points.set(at.getTime(), result.Values![i]!));
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return series;
}

/**
 * The peak of the datapoints whose period starts inside the window; when none does (a step shorter
 * than the period), of those that overlap it.
 */
export function peakIn(series: Series, window: Window, periodMs: number): number | undefined {
  const starting = [...series].filter(([at]) => at >= window.start && at < window.end);
  const overlapping = [...series].filter(([at]) => at < window.end && at + periodMs > window.start);
  const points = starting.length ? starting : overlapping;
  return points.length ? Math.max(...points.map(([, value]) => value)) : undefined;
}

/** GetMetricData takes at most 500 queries: 4 for the service, 2 per task. */
const MAX_TASK_SERIES = 240;

/** Per window, the busiest task's CPU and memory (and each task's, with per-task metrics). */
export async function readPeaks(
  cloudwatch: CloudWatchClient,
  ref: ServiceRef,
  size: FargateSize,
  windows: readonly Window[],
  periodSeconds: number,
): Promise<Peaks[]> {
  if (windows.length === 0) return [];
  const periodMs = periodSeconds * 1000;
  const span = {
    start: Math.min(...windows.map((w) => w.start)) - periodMs,
    end: Math.max(...windows.map((w) => w.end)) + periodMs,
  };
  const taskIds = (await tasksWithMetrics(cloudwatch, ref)).slice(0, MAX_TASK_SERIES);
  const service = serviceDimensions(ref);
  const perTask = (id: string) => [...service, { Name: 'TaskId', Value: id }];
  const series = await readSeries(
    cloudwatch,
    [
      query('insightsCpu', INSIGHTS, 'CpuUtilized', service, periodSeconds),
      query('insightsMemory', INSIGHTS, 'MemoryUtilized', service, periodSeconds),
      query('ecsCpu', 'AWS/ECS', 'CPUUtilization', service, periodSeconds),
      query('ecsMemory', 'AWS/ECS', 'MemoryUtilization', service, periodSeconds),
      ...taskIds.flatMap((id, i) => [
        query(`taskCpu${i}`, INSIGHTS, 'CpuUtilized', perTask(id), periodSeconds),
        query(`taskMemory${i}`, INSIGHTS, 'MemoryUtilized', perTask(id), periodSeconds),
      ]),
    ],
    span,
  );
  const peak = (id: string, window: Window) => peakIn(series.get(id)!, window, periodMs);
  const highest = (values: Array<number | undefined>) => {
    const known = values.filter((v): v is number => v !== undefined);
    return known.length ? Math.max(...known) : undefined;
  };
  return windows.map((window) => {
    const tasks = Object.fromEntries(
      taskIds
        .map(
          (id, i) =>
            [id, { cpu: peak(`taskCpu${i}`, window), memory: peak(`taskMemory${i}`, window) }] as const,
        )
        .filter(([, p]) => p.cpu !== undefined || p.memory !== undefined),
    );
    if (Object.keys(tasks).length > 0) {
      const all = Object.values(tasks);
      return {
        cpu: highest(all.map((p) => p.cpu)),
        memory: highest(all.map((p) => p.memory)),
        source: 'ECS/ContainerInsights per task',
        tasks,
      };
    }
    const cpu = peak('insightsCpu', window);
    const memory = peak('insightsMemory', window);
    if (cpu !== undefined || memory !== undefined) return { cpu, memory, source: 'ECS/ContainerInsights' };
    const cpuPercent = peak('ecsCpu', window);
    const memoryPercent = peak('ecsMemory', window);
    if (cpuPercent === undefined && memoryPercent === undefined) {
      return { cpu: undefined, memory: undefined, source: undefined };
    }
    return {
      cpu: cpuPercent === undefined ? undefined : (cpuPercent / 100) * size.cpu,
      memory: memoryPercent === undefined ? undefined : (memoryPercent / 100) * size.memory,
      source: 'AWS/ECS',
    };
  });
}

const OUT_OF_MEMORY = /OutOfMemory/i;
/** ECS's reasons for stopping a task that failed (not one a deployment or a user replaced). */
const FAILED = /health checks|Essential container in task exited/i;

/** Whether ECS stopped the task because a container ran out of memory (its reason says so). */
export const stoppedForMemory = (task: Task): boolean =>
  OUT_OF_MEMORY.test(task.stoppedReason ?? '') ||
  (task.containers ?? []).some((c) => OUT_OF_MEMORY.test(c.reason ?? ''));

export interface StoppedTasks {
  /** OOM-killed. */
  oom: number;
  /** Failed otherwise: container or load balancer health checks, an essential container exited. */
  failed: number;
  /** ECS's stopped reasons, distinct. */
  reasons: string[];
}

/** Per window, the service's tasks that ECS stopped within it because they failed. */
export async function stoppedTasks(
  ecs: ECSClient,
  ref: ServiceRef,
  windows: readonly Window[],
): Promise<StoppedTasks[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(
      new ListTasksCommand({
        cluster: ref.cluster,
        serviceName: ref.service,
        desiredStatus: 'STOPPED',
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const stopped: Task[] = [];
  // DescribeTasks takes at most 100 tasks.
  for (let i = 0; i < arns.length; i += 100) {
    const { tasks = [] } = await ecs.send(
      new DescribeTasksCommand({ cluster: ref.cluster, tasks: arns.slice(i, i + 100) }),
    );
    stopped.push(...tasks);
  }
  return windows.map((window) => {
    const within = stopped.filter((task) => {
      const at = (task.stoppingAt ?? task.stoppedAt ?? task.executionStoppedAt)?.getTime();
      return at !== undefined && at >= window.start && at < window.end;
    });
    const oom = within.filter(stoppedForMemory);
    const failed = within.filter((task) => !stoppedForMemory(task) && FAILED.test(task.stoppedReason ?? ''));
    return {
      oom: oom.length,
      failed: failed.length,
      reasons: [...new Set([...oom, ...failed].map((task) => task.stoppedReason ?? ''))],
    };
  });
}
