/**
 * What a service's tasks use, read back as on AWS: the service's CPU and memory utilization from
 * CloudWatch (`AWS/ECS`, always published), each task's CPU units and memory from Container
 * Insights' performance log events (its per-task figures; present when the cluster has
 * `containerInsights` enabled).
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClients } from './clients.ts';

/** How far back the latest figures are looked for (AWS samples every minute). */
const LOOKBACK_MS = 5 * 60_000;
/** FilterLogEvents takes at most this many stream names. */
const MAX_STREAMS = 100;

export interface ServiceUtilization {
  /** Percent of the tasks' CPU and memory, averaged over the latest minute with data. */
  cpuPercent: number | undefined;
  memoryPercent: number | undefined;
}

export interface TaskUsage {
  cpuUnits: number;
  cpuReserved: number;
  memoryMiB: number;
  memoryReservedMiB: number;
}

export async function serviceUtilization(
  clients: AwsClients,
  cluster: string,
  service: string,
  now = Date.now(),
): Promise<ServiceUtilization> {
  const dimensions = [
    { Name: 'ClusterName', Value: cluster },
    { Name: 'ServiceName', Value: service },
  ];
  const query = (Id: string, MetricName: string) => ({
    Id,
    MetricStat: {
      Metric: { Namespace: 'AWS/ECS', MetricName, Dimensions: dimensions },
      Period: 60,
      Stat: 'Average',
    },
  });
  const { MetricDataResults = [] } = await clients.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - LOOKBACK_MS),
      EndTime: new Date(now + 60_000),
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [query('cpu', 'CPUUtilization'), query('memory', 'MemoryUtilization')],
    }),
  );
  const latest = (id: string) => MetricDataResults.find((r) => r.Id === id)?.Values?.[0];
  return { cpuPercent: latest('cpu'), memoryPercent: latest('memory') };
}

/**
 * The latest Task event of each task (by id) in the cluster's performance log group; tasks without
 * one are absent, and so is everything when the group does not exist (Container Insights is off).
 */
export async function taskUsage(
  clients: AwsClients,
  cluster: string,
  taskIds: string[],
  now = Date.now(),
): Promise<Map<string, TaskUsage>> {
  const usage = new Map<string, TaskUsage>();
  for (let i = 0; i < taskIds.length; i += MAX_STREAMS) {
    let nextToken: string | undefined;
    do {
      const page = await clients.logs
        .send(
          new FilterLogEventsCommand({
            logGroupName: `/aws/ecs/containerinsights/${cluster}/performance`,
            logStreamNames: taskIds.slice(i, i + MAX_STREAMS).map((id) => `FargateTelemetry-${id}`),
            filterPattern: '{ $.Type = "Task" }',
            startTime: now - LOOKBACK_MS,
            nextToken,
          }),
        )
        .catch((error: Error) => {
          if (error.name === 'ResourceNotFoundException') return undefined;
          throw error;
        });
      // Events come oldest first: the last one seen for a task is its latest.
      for (const event of page?.events ?? []) {
        const task = parsed(event.message);
        if (typeof task?.TaskId !== 'string') continue;
        usage.set(task.TaskId, {
          cpuUnits: Number(task.CpuUtilized),
          cpuReserved: Number(task.CpuReserved),
          memoryMiB: Number(task.MemoryUtilized),
          memoryReservedMiB: Number(task.MemoryReserved),
        });
      }
      nextToken = page?.nextToken;
    } while (nextToken);
  }
  return usage;
}

/** A performance event's fields; undefined for a line that is not a JSON object (written by someone else). */
function parsed(message: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(message ?? '');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
