/**
 * What the console shows, read from the cloud's live state for one region: plain data, no markup.
 * It only reads: regions nobody has used are not created (store.regions, never store.slice), and
 * secrets are read by name only — their versions (the values) are never touched.
 */
import type { CloudWatchState, MetricRecord } from '../services/cloudwatch/state.ts';
import type { EcrState } from '../services/ecr/state.ts';
import type { Elbv2State } from '../services/elbv2/state.ts';
import { loadBalancersOf } from '../services/elbv2/state.ts';
import type { EcsState, ServiceRecord, TaskRecord } from '../services/ecs/state.ts';
import { clusterNameOf, isPending, lastSegment, serviceTasks } from '../services/ecs/state.ts';
import { compileFilterPattern, type MessageMatcher } from '../services/logs/filter-pattern.ts';
import type { LogEventRecord, LogsState } from '../services/logs/state.ts';
import type { SecretsState } from '../services/secretsmanager/state.ts';
import type { StateStore } from '../state/store.ts';
import { ServiceError } from '../protocol/errors.ts';

/** Epoch milliseconds and a value: one point of a sparkline. */
export type Series = Array<[number, number]>;

export interface DeploymentView {
  id: string;
  status: string;
  rolloutState: string;
  rolloutStateReason: string;
  revision: string;
  desired: number;
  running: number;
  pending: number;
  failed: number;
  createdAt?: number;
  updatedAt?: number;
}

export interface TaskView {
  id: string;
  deploymentId: string;
  revision: string;
  lastStatus: string;
  desiredStatus: string;
  health: string;
  stopCode?: string;
  stoppedReason?: string;
  createdAt?: number;
  startedAt?: number;
  healthyAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  cpu?: Series;
  memory?: Series;
  /** The task's target in its service's target group, as DescribeTargetHealth shows it. */
  target?: { state: string; reason?: string; description?: string };
}

export interface ServiceView {
  cluster: string;
  name: string;
  status: string;
  desired: number;
  running: number;
  pending: number;
  url?: string;
  deployments: DeploymentView[];
  /**
   * Deployments ECS no longer lists (INACTIVE ones leave DescribeServices) whose tasks are still
   * kept: the timeline shows them, spanning their tasks' lives.
   */
  pastDeployments: DeploymentView[];
  /** Newest first. */
  events: Array<{ createdAt: number; message: string }>;
  /** Newest first, at most MAX_TASKS. */
  tasks: TaskView[];
  cpu?: Series;
  memory?: Series;
}

export interface ImageView {
  digest: string;
  tags: string[];
  sizeBytes: number;
  pushedAt: number;
  scanStatus: string;
}

export interface RepositoryView {
  name: string;
  uri: string;
  tagMutability: string;
  scanOnPush: boolean;
  /** Newest first. */
  images: ImageView[];
}

export interface SecretView {
  name: string;
  createdAt: number;
  lastChangedAt: number;
  deletionAt?: number;
}

export interface LogsView {
  groups: string[];
  group?: string;
  filter: string;
  /** Oldest first, the last MAX_LOG_LINES matching ones. */
  lines: Array<{ timestamp: number; stream: string; message: string }>;
  /** Why the filter pattern was refused (the Logs API's own message). */
  error?: string;
}

export interface ConsoleModel {
  region: string;
  regions: string[];
  clusters: string[];
  services: ServiceView[];
  repositories: RepositoryView[];
  secrets: SecretView[];
  logs: LogsView;
}

export interface ConsoleQuery {
  region?: string;
  logGroup?: string;
  filter?: string;
}

/** Tasks listed per service (stopped ones stay an hour locally; the newest are the interesting ones). */
const MAX_TASKS = 30;
const MAX_EVENTS = 50;
export const MAX_LOG_LINES = 200;
/** How far back the log tail and the sparklines look. */
const LOG_WINDOW_MS = 60 * 60 * 1000;
const METRIC_WINDOW_MS = 30 * 60 * 1000;
/** Events looked at per stream for one tail: bounds the work of a view however chatty a stream is. */
const MAX_LOG_SCAN = 50_000;
const DEFAULT_REGION = 'us-east-1';
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** The console's view of `region` (the first region with ECS state by default). */
export function readConsoleModel(
  store: StateStore,
  query: ConsoleQuery,
  host: string,
  now = Date.now(),
): ConsoleModel {
  const ecsRegions = store.regions<EcsState>('ecs');
  const regions = [
    ...new Set(['ecs', 'ecr', 'logs', 'secretsmanager'].flatMap((s) => store.regions(s).map(([r]) => r))),
  ].sort();
  const region =
    query.region !== undefined && REGION.test(query.region)
      ? query.region
      : (ecsRegions.find(([, s]) => Object.keys(s.clusters).length > 0)?.[0] ?? regions[0] ?? DEFAULT_REGION);
  const ecs = stateOf<EcsState>(store, 'ecs', region);
  const metrics = stateOf<CloudWatchState>(store, 'monitoring', region);
  return {
    region,
    regions,
    clusters: ecs ? Object.keys(ecs.clusters).sort() : [],
    services: ecs
      ? servicesOf(
          ecs,
          metrics,
          stateOf<LogsState>(store, 'logs', region),
          stateOf<Elbv2State>(store, 'elasticloadbalancing', region),
          now,
        )
      : [],
    repositories: repositoriesOf(stateOf<EcrState>(store, 'ecr', region), host),
    secrets: secretsOf(stateOf<SecretsState>(store, 'secretsmanager', region)),
    logs: logsOf(stateOf<LogsState>(store, 'logs', region), query, now),
  };
}

function stateOf<T>(store: StateStore, service: string, region: string): T | undefined {
  return store.regions<T>(service).find(([r]) => r === region)?.[1];
}

/** Where a service answers: its target group's load balancer, at the DNS name and listener port. */
function serviceUrl(service: ServiceRecord, elb: Elbv2State | undefined): string | undefined {
  const targetGroupArn = service.loadBalancers?.find((lb) => lb.targetGroupArn)?.targetGroupArn;
  if (!elb || !targetGroupArn) return undefined;
  const lb = elb.loadBalancers[loadBalancersOf(elb, targetGroupArn)[0] ?? ''];
  const listener = lb && Object.values(elb.listeners).find((l) => l.loadBalancerArn === lb.arn);
  return listener ? `http://${lb.dnsName}:${listener.port}/` : undefined;
}

function servicesOf(
  ecs: EcsState,
  metrics: CloudWatchState | undefined,
  logs: LogsState | undefined,
  elb: Elbv2State | undefined,
  now: number,
): ServiceView[] {
  return Object.values(ecs.services)
    .filter((s) => s.status !== 'INACTIVE')
    .sort((a, b) => (a.serviceArn < b.serviceArn ? -1 : 1))
    .map((service) => {
      const tasks = serviceTasks(ecs, service);
      const cluster = clusterNameOf(service.clusterArn);
      const own = metrics ? serviceMetrics(metrics, cluster, service.serviceName, now) : {};
      const url = serviceUrl(service, elb);
      return {
        cluster,
        name: service.serviceName,
        status: service.status,
        desired: service.desiredCount,
        running: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
        pending: tasks.filter(isPending).length,
        ...(url ? { url } : {}),
        deployments: deploymentsOf(service, tasks),
        pastDeployments: pastDeploymentsOf(service, tasks),
        events: service.events
          .slice(0, MAX_EVENTS)
          .map((e) => ({ createdAt: e.createdAt, message: e.message })),
        tasks: tasks
          .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))
          .slice(0, MAX_TASKS)
          .map((t) =>
            taskView(
              t,
              logs ? taskSeries(logs, cluster, lastSegment(t.taskArn), now) : {},
              elb ? targetOf(service, t, elb) : undefined,
            ),
          ),
        ...own,
      };
    });
}

function deploymentsOf(service: ServiceRecord, tasks: TaskRecord[]): DeploymentView[] {
  return service.deployments.map((d) => {
    const own = tasks.filter((t) => t.startedBy === d.id);
    return {
      id: d.id,
      status: d.status,
      rolloutState: d.rolloutState ?? '',
      rolloutStateReason: d.rolloutStateReason ?? '',
      revision: lastSegment(d.taskDefinition),
      desired: d.desiredCount,
      running: own.filter((t) => t.lastStatus === 'RUNNING').length,
      pending: own.filter(isPending).length,
      failed: d.failedTasks,
      ...(d.createdAt !== undefined ? { createdAt: d.createdAt } : {}),
      ...(d.updatedAt !== undefined ? { updatedAt: d.updatedAt } : {}),
    };
  });
}

function pastDeploymentsOf(service: ServiceRecord, tasks: TaskRecord[]): DeploymentView[] {
  const listed = new Set(service.deployments.map((d) => d.id));
  const byId = Map.groupBy(
    tasks.filter((t) => t.startedBy !== undefined && !listed.has(t.startedBy)),
    (t) => t.startedBy!,
  );
  return [...byId].map(([id, own]) => {
    const completed =
      service.lastCompletedDeployment?.id === id ? service.lastCompletedDeployment : undefined;
    const created = Math.min(...own.map((t) => t.createdAt ?? Infinity));
    const ended = Math.max(...own.map((t) => t.stoppedAt ?? t.stoppingAt ?? -Infinity));
    return {
      id,
      status: 'INACTIVE',
      rolloutState: completed?.rolloutState ?? '',
      rolloutStateReason: completed?.rolloutStateReason ?? '',
      revision: lastSegment(own[0]!.taskDefinitionArn),
      desired: 0,
      running: own.filter((t) => t.lastStatus === 'RUNNING').length,
      pending: own.filter(isPending).length,
      failed: 0,
      createdAt: completed?.createdAt ?? created,
      ...(Number.isFinite(ended) ? { updatedAt: ended } : {}),
    };
  });
}

/** The task's IP:port in the target group its service names, if registered there. */
function targetOf(service: ServiceRecord, task: TaskRecord, elb: Elbv2State): TaskView['target'] {
  const ip = task.containers[0]?.networkInterfaces?.[0]?.privateIpv4Address;
  if (!ip) return undefined;
  for (const lb of service.loadBalancers ?? []) {
    const group = lb.targetGroupArn ? elb.targetGroups[lb.targetGroupArn] : undefined;
    const target = Object.values(group?.targets ?? {}).find(
      (t) => t.id === ip && t.port === lb.containerPort,
    );
    if (target) return { ...target.health };
  }
  return undefined;
}

function taskView(task: TaskRecord, series: MetricSeries | undefined, target: TaskView['target']): TaskView {
  const times = {
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    healthyAt: task.healthyAt,
    stoppingAt: task.stoppingAt,
    stoppedAt: task.stoppedAt,
  };
  return {
    id: lastSegment(task.taskArn),
    deploymentId: task.startedBy ?? '',
    revision: lastSegment(task.taskDefinitionArn),
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    health: task.healthStatus ?? 'UNKNOWN',
    ...(task.stopCode ? { stopCode: task.stopCode } : {}),
    ...(task.stoppedReason ? { stoppedReason: task.stoppedReason } : {}),
    ...Object.fromEntries(Object.entries(times).filter(([, t]) => t !== undefined)),
    ...series,
    ...(target ? { target } : {}),
  };
}

type MetricSeries = { cpu?: Series; memory?: Series };

/** Container Insights' names for what a sparkline shows, and AWS/ECS's per-service utilization. */
const CPU_METRICS = new Set(['CpuUtilized', 'CPUUtilization']);
const MEMORY_METRICS = new Set(['MemoryUtilized', 'MemoryUtilization']);

function seriesOf(metric: MetricRecord, now: number): Series {
  return metric.points.filter((p) => p.t >= now - METRIC_WINDOW_MS).map((p) => [p.t, p.sum / p.n]);
}

function addSeries(into: MetricSeries, metric: MetricRecord, now: number): void {
  const kind = CPU_METRICS.has(metric.name) ? 'cpu' : MEMORY_METRICS.has(metric.name) ? 'memory' : undefined;
  if (!kind || into[kind]) return;
  const series = seriesOf(metric, now);
  if (series.length > 0) into[kind] = series;
}

/**
 * A task's CPU units and MiB used, from its Container Insights performance events (Type "Task"):
 * as on AWS, Container Insights has no per-task metric, only these events (what `devkit status` reads).
 */
function taskSeries(logs: LogsState, cluster: string, taskId: string, now: number): MetricSeries {
  const stream =
    logs.groups[`/aws/ecs/containerinsights/${cluster}/performance`]?.streams[`FargateTelemetry-${taskId}`];
  if (!stream) return {};
  const cpu: Series = [];
  const memory: Series = [];
  for (const event of stream.events) {
    if (event.timestamp < now - METRIC_WINDOW_MS) continue;
    const fields = parseTaskEvent(event.message);
    if (!fields) continue;
    if (typeof fields.CpuUtilized === 'number') cpu.push([event.timestamp, fields.CpuUtilized]);
    if (typeof fields.MemoryUtilized === 'number') memory.push([event.timestamp, fields.MemoryUtilized]);
  }
  return { ...(cpu.length > 0 ? { cpu } : {}), ...(memory.length > 0 ? { memory } : {}) };
}

function parseTaskEvent(message: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(message);
    return typeof parsed === 'object' && parsed !== null && (parsed as { Type?: unknown }).Type === 'Task'
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A service's own metrics: dimensions exactly ClusterName and ServiceName (Container Insights first). */
function serviceMetrics(state: CloudWatchState, cluster: string, service: string, now: number): MetricSeries {
  const found: MetricSeries = {};
  const metrics = Object.values(state.metrics).filter(
    (m) =>
      (m.namespace === 'ECS/ContainerInsights' || m.namespace === 'AWS/ECS') &&
      m.dimensions.length === 2 &&
      m.dimensions.some((d) => d.Name === 'ClusterName' && d.Value === cluster) &&
      m.dimensions.some((d) => d.Name === 'ServiceName' && d.Value === service),
  );
  metrics.sort((a, b) =>
    a.namespace === b.namespace ? 0 : a.namespace === 'ECS/ContainerInsights' ? -1 : 1,
  );
  for (const metric of metrics) addSeries(found, metric, now);
  return found;
}

function repositoriesOf(ecr: EcrState | undefined, host: string): RepositoryView[] {
  if (!ecr) return [];
  return Object.values(ecr.repositories)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((r) => ({
      name: r.name,
      uri: `${host}/${r.name}`,
      tagMutability: r.tagMutability,
      scanOnPush: r.scanOnPush,
      images: Object.values(r.images)
        .sort((a, b) => b.pushedMs - a.pushedMs)
        .map((i) => ({
          digest: i.digest,
          tags: i.tags,
          sizeBytes: i.sizeBytes,
          pushedAt: i.pushedMs,
          scanStatus: i.scanCompletedMs !== undefined ? 'COMPLETE' : 'not scanned',
        })),
    }));
}

function secretsOf(secrets: SecretsState | undefined): SecretView[] {
  if (!secrets) return [];
  return Object.values(secrets.secrets)
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((s) => ({
      name: s.name,
      createdAt: s.createdMs,
      lastChangedAt: s.lastChangedMs,
      ...(s.deletionMs !== undefined ? { deletionAt: s.deletionMs } : {}),
    }));
}

/**
 * The last lines of one log group matching the filter (the Logs API's own pattern compiler), over
 * the last hour: each stream is read backwards from its newest event, so a tail costs the lines
 * shown, not the group's history.
 */
function logsOf(logs: LogsState | undefined, query: ConsoleQuery, now: number): LogsView {
  const groups = logs ? Object.keys(logs.groups).sort() : [];
  const filter = query.filter ?? '';
  const group = query.logGroup !== undefined && groups.includes(query.logGroup) ? query.logGroup : groups[0];
  if (!logs || group === undefined) return { groups, filter, lines: [] };
  let matches: MessageMatcher;
  try {
    matches = compileFilterPattern(filter);
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    return { groups, group, filter, lines: [], error: error.message };
  }
  const from = now - LOG_WINDOW_MS;
  const found: Array<LogEventRecord & { stream: string }> = [];
  for (const stream of Object.values(logs.groups[group]!.streams)) {
    const { events } = stream;
    const oldest = Math.max(0, events.length - MAX_LOG_SCAN);
    let taken = 0;
    for (let i = events.length - 1; i >= oldest && taken < MAX_LOG_LINES; i--) {
      const event = events[i]!;
      if (event.timestamp < from) break;
      if (!matches(event.message)) continue;
      taken++;
      found.push({ ...event, stream: stream.name });
    }
  }
  // eventId orders by time, then arrival, across streams (as FilterLogEvents interleaves them).
  found.sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  return {
    groups,
    group,
    filter,
    lines: found
      .slice(-MAX_LOG_LINES)
      .map((e) => ({ timestamp: e.timestamp, stream: e.stream, message: e.message })),
  };
}
