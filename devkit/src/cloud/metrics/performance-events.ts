/**
 * Container Insights' performance log events for ECS, as AWS writes them into
 * `/aws/ecs/containerinsights/<cluster>/performance`: Type "Container", "Task", "Service" and
 * "Cluster", the last three in the embedded metric format (a `CloudWatchMetrics` directive naming
 * the metrics, units and dimension sets CloudWatch extracts from the event). With enhanced
 * observability (`containerInsights=enhanced`) the Task event's metrics are also kept per TaskId
 * and carry TaskCpuUtilization / TaskMemoryUtilization, and each Container event carries the
 * Container* metrics per ContainerName and TaskId, with the names, units and dimension sets of
 * AWS's "Container Insights with enhanced observability metrics" table.
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

/** The dimension sets AWS lists for a task-level metric in enhanced mode (beyond the standard ones). */
const PER_TASK = [
  ['ClusterName', 'ServiceName', 'TaskId'],
  ['ClusterName', 'TaskDefinitionFamily', 'TaskId'],
];
const TASK_UTILIZATION_DIMENSIONS = [
  ['TaskDefinitionFamily', 'ClusterName'],
  ['ServiceName', 'ClusterName'],
  ['ClusterName'],
  ...PER_TASK,
];
/** Per container (ContainerCpuUtilized, …Reserved, ContainerMemory*). */
const CONTAINER_DIMENSIONS = [
  ['ClusterName'],
  ['ContainerName', 'TaskId', 'ServiceName', 'ClusterName'],
  ['ContainerName', 'TaskDefinitionFamily', 'ClusterName', 'TaskId'],
  ['TaskDefinitionFamily', 'ClusterName', 'ContainerName'],
  ['ServiceName', 'ClusterName', 'ContainerName'],
];
/** ContainerStorage* and UnHealthyContainerHealthStatus. */
const CONTAINER_STORAGE_DIMENSIONS = [
  ['ClusterName'],
  ['ClusterName', 'ServiceName', 'ContainerName'],
  ['ClusterName', 'TaskDefinitionFamily', 'ContainerName'],
  ['ClusterName', 'ServiceName', 'TaskId', 'ContainerName'],
  ['ClusterName', 'TaskDefinitionFamily', 'TaskId', 'ContainerName'],
];
const unit = (Unit: string) => (Name: string) => ({ Name, Unit });

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
    /** Its container health check's status; undefined without a health check. */
    healthStatus?: 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';
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

/**
 * A task's Container events and its Task event. Standard mode: the Container events carry no
 * metrics of their own; enhanced: they do, and the task's are kept per TaskId too.
 */
export function taskEvents(task: SampledTask, timestamp: number, enhanced = false): PerformanceEvent[] {
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
    ...(enhanced ? enhancedContainerFields(task, c) : {}),
  }));
  const dimensions = [['ClusterName'], ['ClusterName', 'TaskDefinitionFamily']];
  if (task.serviceName) dimensions.push(['ClusterName', 'ServiceName']);
  const used = taskUsage(task);
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
    ...resourceFields(used),
    CpuReserved: task.cpuReserved,
    MemoryReserved: task.memoryReserved,
    ...(enhanced
      ? {
          TaskCpuUtilization: percentOf(used.cpuUnits, task.cpuReserved),
          TaskMemoryUtilization: percentOf(used.memoryMiB, task.memoryReserved),
        }
      : {}),
    CloudWatchMetrics: [
      {
        Namespace: CONTAINER_INSIGHTS_NAMESPACE,
        Metrics: RESOURCE_METRICS,
        Dimensions: enhanced ? [...dimensions, ...PER_TASK] : dimensions,
      },
      ...(enhanced
        ? [
            {
              Namespace: CONTAINER_INSIGHTS_NAMESPACE,
              Metrics: ['TaskCpuUtilization', 'TaskMemoryUtilization'].map(unit('Percent')),
              Dimensions: TASK_UTILIZATION_DIMENSIONS,
            },
          ]
        : []),
    ],
  };
  return [...containers, taskEvent];
}

/**
 * A container's enhanced fields and their directives. A container without a reservation of its own
 * is measured against the task's (a Fargate task definition usually sets only the task's size).
 */
function enhancedContainerFields(
  task: SampledTask,
  container: SampledTask['containers'][number],
): Record<string, unknown> {
  const cpuReserved = container.cpuReserved || task.cpuReserved;
  const memoryReserved = container.memoryReserved || task.memoryReserved;
  const { usage } = container;
  const health = container.healthStatus;
  const withHealth = health === 'HEALTHY' || health === 'UNHEALTHY';
  const directive = (names: string[], Unit: string, Dimensions: string[][]): MetricDirective => ({
    Namespace: CONTAINER_INSIGHTS_NAMESPACE,
    Metrics: names.map(unit(Unit)),
    Dimensions,
  });
  return {
    ContainerCpuUtilized: round(usage.cpuUnits, 4),
    ContainerCpuReserved: cpuReserved,
    ContainerCpuUtilization: percentOf(usage.cpuUnits, cpuReserved),
    ContainerMemoryUtilized: Math.round(usage.memoryMiB),
    ContainerMemoryReserved: memoryReserved,
    ContainerMemoryUtilization: percentOf(usage.memoryMiB, memoryReserved),
    ContainerNetworkRxBytes: Math.round(usage.rxBytesPerSecond),
    ContainerNetworkTxBytes: Math.round(usage.txBytesPerSecond),
    ContainerStorageReadBytes: usage.readBytes,
    ContainerStorageWriteBytes: usage.writeBytes,
    ...(withHealth ? { UnHealthyContainerHealthStatus: health === 'UNHEALTHY' ? 1 : 0 } : {}),
    CloudWatchMetrics: [
      directive(['ContainerCpuUtilized', 'ContainerCpuReserved'], 'None', CONTAINER_DIMENSIONS),
      directive(['ContainerMemoryUtilized', 'ContainerMemoryReserved'], 'Megabytes', CONTAINER_DIMENSIONS),
      directive(['ContainerMemoryUtilization'], 'Percent', CONTAINER_DIMENSIONS),
      directive(['ContainerCpuUtilization'], 'Percent', TASK_UTILIZATION_DIMENSIONS),
      directive(
        ['ContainerNetworkRxBytes', 'ContainerNetworkTxBytes'],
        'Bytes/Second',
        TASK_UTILIZATION_DIMENSIONS,
      ),
      directive(
        ['ContainerStorageReadBytes', 'ContainerStorageWriteBytes'],
        'Bytes',
        CONTAINER_STORAGE_DIMENSIONS,
      ),
      ...(withHealth
        ? [directive(['UnHealthyContainerHealthStatus'], 'Count', CONTAINER_STORAGE_DIMENSIONS)]
        : []),
    ],
  };
}

const percentOf = (used: number, reserved: number): number =>
  reserved > 0 ? round((100 * used) / reserved, 2) : 0;

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
