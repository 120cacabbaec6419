/**
 * Container Insights' performance log events for ECS, as AWS writes them into
 * `/aws/ecs/containerinsights/<cluster>/performance`: Type "Container", "Task", "Service" and
 * "Cluster", the last three in the embedded metric format (a `CloudWatchMetrics` directive naming
 * the metrics, units and dimension sets CloudWatch extracts from the event).
 */
import type { ContainerUsage } from './container-stats.ts';

export const CONTAINER_INSIGHTS_NAMESPACE = 'ECS/ContainerInsights';

export interface MetricDirective {
  Namespace: string;
  Metrics: Array<{ Name: string; Unit: string }>;
  Dimensions: string[][];
}

/** An event as logged: its fields, and the directive when it is in the embedded metric format. */
export type PerformanceEvent = Record<string, unknown> & {
  Type: 'Container' | 'Task' | 'Service' | 'Cluster';
  Timestamp: number;
  CloudWatchMetrics?: MetricDirective[];
};

/** The resource metrics of tasks and containers, with AWS's units. */
const RESOURCE_METRICS = [
  { Name: 'CpuUtilized', Unit: 'None' },
  { Name: 'CpuReserved', Unit: 'None' },
  { Name: 'MemoryUtilized', Unit: 'Megabytes' },
  { Name: 'MemoryReserved', Unit: 'Megabytes' },
  { Name: 'StorageReadBytes', Unit: 'Bytes/Second' },
  { Name: 'StorageWriteBytes', Unit: 'Bytes/Second' },
  { Name: 'NetworkRxBytes', Unit: 'Bytes/Second' },
  { Name: 'NetworkTxBytes', Unit: 'Bytes/Second' },
];

const SERVICE_METRICS = [
  'DesiredTaskCount',
  'RunningTaskCount',
  'PendingTaskCount',
  'DeploymentCount',
  'TaskSetCount',
];
const CLUSTER_METRICS = ['TaskCount', 'ServiceCount'];

/** What one sampled task was and used. */
export interface SampledTask {
  clusterName: string;
  taskId: string;
  family: string;
  revision: number;
  /** Set for a service's task: its metrics also count under ClusterName+ServiceName. */
  serviceName?: string;
  accountId: string;
  region: string;
  availabilityZone?: string;
  launchType: string;
  knownStatus: string;
  createdAt?: number;
  startedAt?: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  /** Task-level cpu units and memory MiB (Fargate's size). */
  cpuReserved: number;
  memoryReserved: number;
  containers: Array<{
    name: string;
    image: string;
    /** The container's own cpu and memory reservation (0 when only the task's is set). */
    cpuReserved: number;
    memoryReserved: number;
    usage: ContainerUsage;
  }>;
}

function resourceFields(usage: ContainerUsage): Record<string, number> {
  return {
    CpuUtilized: round(usage.cpuUnits, 4),
    MemoryUtilized: Math.round(usage.memoryMiB),
    StorageReadBytes: usage.readBytes,
    StorageWriteBytes: usage.writeBytes,
    NetworkRxBytes: Math.round(usage.rxBytesPerSecond),
    NetworkTxBytes: Math.round(usage.txBytesPerSecond),
  };
}

/** The task's use: the sum of its containers'. */
export function taskUsage(task: SampledTask): ContainerUsage {
  const sum = (pick: (u: ContainerUsage) => number) =>
    task.containers.reduce((total, c) => total + pick(c.usage), 0);
  return {
    cpuUnits: sum((u) => u.cpuUnits),
    memoryMiB: sum((u) => u.memoryMiB),
    rxBytesPerSecond: sum((u) => u.rxBytesPerSecond),
    txBytesPerSecond: sum((u) => u.txBytesPerSecond),
    readBytes: sum((u) => u.readBytes),
    writeBytes: sum((u) => u.writeBytes),
  };
}

/** A task's Container events (no metrics of their own) and its Task event. */
export function taskEvents(task: SampledTask, timestamp: number): PerformanceEvent[] {
  const common = {
    Version: '0',
    TaskId: task.taskId,
    TaskDefinitionFamily: task.family,
    TaskDefinitionRevision: String(task.revision),
    ...(task.serviceName ? { ServiceName: task.serviceName } : {}),
    ClusterName: task.clusterName,
  };
  const containers: PerformanceEvent[] = task.containers.map((c) => ({
    ...common,
    Type: 'Container',
    ContainerName: c.name,
    Image: c.image,
    ContainerKnownStatus: 'RUNNING',
    Timestamp: timestamp,
    ...resourceFields(c.usage),
    CpuReserved: c.cpuReserved,
    MemoryReserved: c.memoryReserved,
  }));
  const dimensions = [['ClusterName'], ['ClusterName', 'TaskDefinitionFamily']];
  if (task.serviceName) dimensions.push(['ClusterName', 'ServiceName']);
  const taskEvent: PerformanceEvent = {
    ...common,
    Type: 'Task',
    AccountID: task.accountId,
    Region: task.region,
    ...(task.availabilityZone ? { AvailabilityZone: task.availabilityZone } : {}),
    KnownStatus: task.knownStatus,
    LaunchType: task.launchType,
    ...(task.pullStartedAt ? { PullStartedAt: task.pullStartedAt } : {}),
    ...(task.pullStoppedAt ? { PullStoppedAt: task.pullStoppedAt } : {}),
    ...(task.createdAt ? { CreatedAt: task.createdAt } : {}),
    ...(task.startedAt ? { StartedAt: task.startedAt } : {}),
    Timestamp: timestamp,
    ...resourceFields(taskUsage(task)),
    CpuReserved: task.cpuReserved,
    MemoryReserved: task.memoryReserved,
    CloudWatchMetrics: [
      { Namespace: CONTAINER_INSIGHTS_NAMESPACE, Metrics: RESOURCE_METRICS, Dimensions: dimensions },
    ],
  };
  return [...containers, taskEvent];
}

export function serviceEvent(
  clusterName: string,
  serviceName: string,
  counts: { desired: number; running: number; pending: number; deployments: number; taskSets: number },
  timestamp: number,
): PerformanceEvent {
  return {
    Version: '0',
    Type: 'Service',
    ServiceName: serviceName,
    ClusterName: clusterName,
    Timestamp: timestamp,
    DesiredTaskCount: counts.desired,
    RunningTaskCount: counts.running,
    PendingTaskCount: counts.pending,
    DeploymentCount: counts.deployments,
    TaskSetCount: counts.taskSets,
    CloudWatchMetrics: [
      {
        Namespace: CONTAINER_INSIGHTS_NAMESPACE,
        Metrics: SERVICE_METRICS.map((Name) => ({ Name, Unit: 'Count' })),
        Dimensions: [['ServiceName', 'ClusterName']],
      },
    ],
  };
}

export function clusterEvent(
  clusterName: string,
  counts: { tasks: number; services: number },
  timestamp: number,
): PerformanceEvent {
  return {
    Version: '0',
    Type: 'Cluster',
    ClusterName: clusterName,
    Timestamp: timestamp,
    TaskCount: counts.tasks,
    ServiceCount: counts.services,
    CloudWatchMetrics: [
      {
        Namespace: CONTAINER_INSIGHTS_NAMESPACE,
        Metrics: CLUSTER_METRICS.map((Name) => ({ Name, Unit: 'Count' })),
        Dimensions: [['ClusterName']],
      },
    ],
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
