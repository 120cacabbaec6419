/**
 * The metrics sampler: every sampling period (a timing: AWS's is one minute) it reads each running
 * task's containers from the engine and publishes what they used since the last reading, the way
 * ECS does on AWS:
 * - `AWS/ECS` CPUUtilization and MemoryUtilization per ClusterName+ServiceName, always (one datum
 *   per task, in percent of the task's size: Average, Minimum and Maximum mean what AWS says);
 * - for clusters whose `containerInsights` setting is enabled, the performance log events into
 *   `/aws/ecs/containerinsights/<cluster>/performance`, and the `ECS/ContainerInsights` metrics
 *   CloudWatch extracts from them (they are embedded metric format events); `enhanced` adds the
 *   per-task and per-container metrics (TaskId, ContainerName).
 * Both are written through the services' own stores and journaled like any other change.
 */
import type Docker from 'dockerode';
import { ACCOUNT_ID } from '../gateway.ts';
import type { RunningTask } from '../runtime/task-runtime.ts';
import type { Timings } from '../scheduler/facts.ts';
import type { MetricEntry } from '../services/cloudwatch/index.ts';
import type { EcsState, TaskRecord } from '../services/ecs/state.ts';
import {
  clusterNameOf,
  initialEcsState,
  isPending,
  serviceTasks,
  taskDefinitionByArn,
} from '../services/ecs/state.ts';
import type { LogsChange } from '../services/logs/index.ts';
import { appendEvents, ensureLogGroup, ensureLogStream, initialLogsState } from '../services/logs/index.ts';
import type { StateStore } from '../state/store.ts';
import { type ContainerReading, readContainer, usageBetween } from './container-stats.ts';
import { extractMetrics, pointOf } from './emf.ts';
import { publishLogMetrics, storeMetricEntries } from './log-metrics.ts';
import type { PerformanceEvent, SampledTask } from './performance-events.ts';
import { clusterEvent, serviceEvent, taskEvents, taskUsage } from './performance-events.ts';

export interface ContainerInsightsOptions {
  store: StateStore;
  docker: Docker;
  timings: Timings;
  /** The tasks that run now (the runtime's). */
  tasks: () => RunningTask[];
}

/** Whether a cluster's `containerInsights` setting turns Container Insights on (`enhanced` includes it). */
export function insightsEnabled(ecs: EcsState, clusterName: string): boolean {
  const value = insightsSetting(ecs, clusterName);
  return value === 'enabled' || value === 'enhanced';
}

const insightsSetting = (ecs: EcsState, clusterName: string) =>
  ecs.clusters[clusterName]?.settings.find((s) => s.name === 'containerInsights')?.value;

export function performanceLogGroup(clusterName: string): string {
  return `/aws/ecs/containerinsights/${clusterName}/performance`;
}

export class ContainerInsights {
  private readonly options: ContainerInsightsOptions;
  /** Each container's last reading (by container id): the next sample's rates are measured from it. */
  private readonly previous = new Map<string, ContainerReading>();
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;
  private closed = false;

  constructor(options: ContainerInsightsOptions) {
    this.options = options;
  }

  start(): void {
    const every = this.options.timings.metricsSamplingSeconds * 1000;
    const loop = () => {
      this.sampling = this.sample()
        .catch((error: unknown) => console.error('[cloud] metrics sampling failed:', error))
        .finally(() => {
          this.sampling = undefined;
          if (!this.closed) this.timer = setTimeout(loop, every);
        });
    };
    // The first round only takes each container's baseline: rates need two readings.
    this.timer = setTimeout(loop, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.sampling;
  }

  /** One round: read every running task's containers, then publish what each task used since its last reading. */
  async sample(): Promise<void> {
    const running = this.options.tasks();
    const readings = new Map<string, ContainerReading>();
    await Promise.all(
      running.flatMap((task) =>
        task.containers.map(async ({ id }) => {
          const reading = await readContainer(this.options.docker.getContainer(id));
          if (reading) readings.set(id, reading);
        }),
      ),
    );
    const now = Date.now();
    const byRegion = new Map<string, SampledTask[]>();
    for (const task of running) {
      const sampled = this.sampledTask(task, readings);
      if (sampled) byRegion.set(task.region, [...(byRegion.get(task.region) ?? []), sampled]);
    }
    this.previous.clear();
    for (const [id, reading] of readings) this.previous.set(id, reading);
    const regions = new Set([
      ...byRegion.keys(),
      ...this.options.store.regions<EcsState>('ecs').map(([region]) => region),
    ]);
    for (const region of regions) this.publish(region, byRegion.get(region) ?? [], now);
  }

  /** What a task used since its last reading; undefined until every container has two readings. */
  private sampledTask(task: RunningTask, readings: Map<string, ContainerReading>): SampledTask | undefined {
    const ecs = this.options.store.slice('ecs', task.region, initialEcsState);
    const record = ecs.tasks[task.taskArn];
    const definition = record && taskDefinitionByArn(ecs, record.taskDefinitionArn);
    if (!record || !definition || record.lastStatus !== 'RUNNING') return undefined;
    const containers: SampledTask['containers'] = [];
    for (const [index, { name, id }] of task.containers.entries()) {
      const before = this.previous.get(id);
      const now = readings.get(id);
      if (!before || !now) return undefined;
      const spec = definition.containerDefinitions?.find((d) => d.name === name);
      const usage = usageBetween(before, now);
      // The task's containers share the first one's network namespace (awsvpc): its traffic is the task's.
      if (index > 0) Object.assign(usage, { rxBytesPerSecond: 0, txBytesPerSecond: 0 });
      containers.push({
        name,
        image: spec?.image ?? '',
        cpuReserved: spec?.cpu ?? 0,
        memoryReserved: spec?.memory ?? spec?.memoryReservation ?? 0,
        usage,
        ...(spec?.healthCheck
          ? { healthStatus: healthOf(record.containers.find((c) => c.name === name)) }
          : {}),
      });
    }
    const sum = (pick: (c: SampledTask['containers'][number]) => number) =>
      containers.reduce((total, c) => total + pick(c), 0);
    return {
      clusterName: clusterNameOf(record.clusterArn),
      taskId: task.taskArn.slice(task.taskArn.lastIndexOf('/') + 1),
      family: definition.family,
      revision: definition.revision,
      ...(record.group?.startsWith('service:') ? { serviceName: record.group.slice('service:'.length) } : {}),
      accountId: ACCOUNT_ID,
      region: task.region,
      ...(record.availabilityZone ? { availabilityZone: record.availabilityZone } : {}),
      launchType: record.launchType ?? 'FARGATE',
      knownStatus: record.lastStatus,
      ...times(record),
      cpuReserved: Number(record.cpu ?? definition.cpu ?? sum((c) => c.cpuReserved)),
      memoryReserved: Number(record.memory ?? definition.memory ?? sum((c) => c.memoryReserved)),
      containers,
    };
  }

  private publish(region: string, tasks: SampledTask[], now: number): void {
    const { store, timings } = this.options;
    const ecs = store.slice('ecs', region, initialEcsState);
    const resolution = timings.metricsSamplingSeconds < 60 ? 1 : 60;
    const entries: MetricEntry[] = [];
    const logged = new Map<string, Map<string, PerformanceEvent[]>>();
    const log = (cluster: string, stream: string, events: PerformanceEvent[]) => {
      const streams = logged.get(cluster) ?? new Map<string, PerformanceEvent[]>();
      logged.set(cluster, streams);
      streams.set(stream, [...(streams.get(stream) ?? []), ...events]);
      for (const event of events) entries.push(...extractMetrics(event, resolution));
    };
    for (const task of tasks) {
      entries.push(...serviceUtilization(task, now, resolution));
      if (insightsEnabled(ecs, task.clusterName)) {
        const enhanced = insightsSetting(ecs, task.clusterName) === 'enhanced';
        log(task.clusterName, `FargateTelemetry-${task.taskId}`, taskEvents(task, now, enhanced));
      }
    }
    for (const cluster of Object.values(ecs.clusters)) {
      if (cluster.status !== 'ACTIVE' || !insightsEnabled(ecs, cluster.clusterName)) continue;
      const events = clusterInsights(ecs, cluster.clusterArn, now);
      if (events.length > 0) log(cluster.clusterName, 'ClusterTelemetry', events);
    }
    if (entries.length > 0) storeMetricEntries(store, region, entries, now);
    for (const [cluster, streams] of logged) this.writeLogs(region, performanceLogGroup(cluster), streams);
  }

  private writeLogs(region: string, group: string, streams: Map<string, PerformanceEvent[]>): void {
    const { store } = this.options;
    const logs = store.slice('logs', region, initialLogsState);
    if (ensureLogGroup(logs, group, region, ACCOUNT_ID)) {
      store.markDirty('logs', region, { group } satisfies LogsChange);
    }
    for (const [stream, events] of streams) {
      ensureLogStream(logs, group, stream);
      const { metrics, findingsStreams } = appendEvents(
        logs,
        group,
        stream,
        events.map((e) => ({ timestamp: e.Timestamp, message: JSON.stringify(e) })),
      );
      publishLogMetrics(store, region, metrics);
      for (const change of [{ group, stream }, ...findingsStreams]) {
        store.markDirty('logs', region, change satisfies LogsChange);
      }
    }
  }
}

/** `AWS/ECS` CPUUtilization and MemoryUtilization of a service's task, in percent of its size. */
function serviceUtilization(task: SampledTask, now: number, resolution: number): MetricEntry[] {
  if (!task.serviceName) return [];
  const dimensions = [
    { Name: 'ClusterName', Value: task.clusterName },
    { Name: 'ServiceName', Value: task.serviceName },
  ];
  const used = taskUsage(task);
  const entries: MetricEntry[] = [];
  const add = (name: string, value: number) =>
    entries.push({
      namespace: 'AWS/ECS',
      name,
      dimensions,
      point: pointOf(now, 'Percent', value, resolution),
    });
  if (task.cpuReserved > 0) add('CPUUtilization', (100 * used.cpuUnits) / task.cpuReserved);
  if (task.memoryReserved > 0) add('MemoryUtilization', (100 * used.memoryMiB) / task.memoryReserved);
  return entries;
}

/**
 * The Service events of a cluster's active services and its Cluster event; as on AWS, only for
 * resources with tasks running (a cluster or service without any sends nothing).
 */
function clusterInsights(ecs: EcsState, clusterArn: string, now: number): PerformanceEvent[] {
  const clusterName = clusterNameOf(clusterArn);
  const services = Object.values(ecs.services).filter(
    (s) => s.clusterArn === clusterArn && s.status === 'ACTIVE',
  );
  const running = Object.values(ecs.tasks).filter(
    (t) => t.clusterArn === clusterArn && t.lastStatus === 'RUNNING',
  ).length;
  if (running === 0) return [];
  const events = services.flatMap((service) => {
    const tasks = serviceTasks(ecs, service);
    if (!tasks.some((t) => t.lastStatus === 'RUNNING')) return [];
    return serviceEvent(
      clusterName,
      service.serviceName,
      {
        desired: service.desiredCount,
        running: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
        pending: tasks.filter(isPending).length,
        deployments: service.deployments.length,
        taskSets: service.taskSets?.length ?? 0,
      },
      now,
    );
  });
  return [...events, clusterEvent(clusterName, { tasks: running, services: services.length }, now)];
}

const healthOf = (container: { healthStatus?: string } | undefined) =>
  container?.healthStatus === 'HEALTHY' || container?.healthStatus === 'UNHEALTHY'
    ? container.healthStatus
    : 'UNKNOWN';

function times(
  task: TaskRecord,
): Pick<SampledTask, 'createdAt' | 'startedAt' | 'pullStartedAt' | 'pullStoppedAt'> {
  return {
    ...(task.createdAt ? { createdAt: task.createdAt } : {}),
    ...(task.startedAt ? { startedAt: task.startedAt } : {}),
    ...(task.pullStartedAt ? { pullStartedAt: task.pullStartedAt } : {}),
    ...(task.pullStoppedAt ? { pullStoppedAt: task.pullStoppedAt } : {}),
  };
}
