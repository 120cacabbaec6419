/**
 * The ECS control plane's state: plain JSON records in the SDK's own shapes, with timestamps kept
 * as epoch milliseconds. Counts that follow from tasks (a service's or deployment's running and
 * pending tasks, a cluster's task counts) are never stored: views derive them, so nothing can
 * drift. See lifecycle.ts for the functions a scheduler uses to change these records.
 */
import type {
  AutoScalingGroupProvider,
  CapacityProviderStrategyItem,
  ClusterConfiguration,
  ClusterSetting,
  Container,
  Deployment,
  DeploymentLifecycleHookDetail,
  LoadBalancer,
  NetworkConfiguration,
  Service,
  ServiceConnectConfiguration,
  ServiceDeployment,
  ServiceDeploymentLifecycleStage,
  ServiceRevision,
  Tag,
  Task,
  TaskDefinition,
  TaskSet,
} from '@aws-sdk/client-ecs';
import { nameMap } from '../common.ts';

type EpochMs = number;

/** An SDK shape whose timestamps `K` are stored as epoch milliseconds. */
type Stored<T, K extends keyof T> = Omit<T, K> & { [P in K]?: EpochMs };

export interface ClusterRecord {
  clusterName: string;
  clusterArn: string;
  status: 'ACTIVE' | 'INACTIVE';
  settings: ClusterSetting[];
  configuration?: ClusterConfiguration;
  capacityProviders: string[];
  defaultCapacityProviderStrategy: CapacityProviderStrategyItem[];
  /** Its Service Connect default namespace's ARN (a namespace record of this state). */
  serviceConnectNamespace?: string;
}

/** An Auto Scaling group capacity provider: stored state only (the local cloud runs no EC2 instances). */
export interface CapacityProviderRecord {
  name: string;
  capacityProviderArn: string;
  status: 'ACTIVE' | 'INACTIVE';
  updateStatus?: 'CREATE_COMPLETE' | 'UPDATE_COMPLETE' | 'DELETE_COMPLETE';
  autoScalingGroupProvider: AutoScalingGroupProvider;
}

/**
 * A Service Connect namespace as ECS knows it. There is no Cloud Map here: a namespace exists once
 * a cluster's serviceConnectDefaults names it (ECS creates it then, as it does on AWS).
 */
export interface NamespaceRecord {
  name: string;
  arn: string;
}

export type TaskDefinitionRecord = Stored<
  TaskDefinition,
  'registeredAt' | 'deregisteredAt' | 'deleteRequestedAt'
> & {
  taskDefinitionArn: string;
  family: string;
  revision: number;
  /** DELETE_IN_PROGRESS once deleted: kept, describable, never usable again (the local cloud never purges it). */
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
};

/** A deployment as AWS reports it, minus the task counts (derived from the tasks it started). */
export type DeploymentRecord = Stored<
  Omit<Deployment, 'pendingCount' | 'runningCount'>,
  'createdAt' | 'updatedAt'
> & {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  /** Not in AWS's Deployment shape: the service revision it runs (absent in state saved before revisions). */
  serviceRevisionArn?: string;
  /** Not in AWS's shape: the service deployment this deployment is the target of, while it drives it. */
  serviceDeploymentArn?: string;
  /**
   * Not in AWS's shape: its tasks register in the load balancers' alternate target groups (a
   * blue/green deployment's green side, when the blue one serves from the primary groups).
   */
  alternate?: boolean;
  /** Not in AWS's shape: where a blue/green, linear or canary deployment is, until it completes. */
  shift?: TrafficShiftRecord;
};

/** A blue/green (linear, canary) deployment's progress through ECS's lifecycle stages. */
export interface TrafficShiftRecord {
  stage: ServiceDeploymentLifecycleStage;
  /** When the stage began (bake times count from it). */
  stageAt: EpochMs;
  /** The share of production traffic the green revision takes, in percent. */
  greenPercent: number;
  /** When production traffic last moved (linear and canary steps bake from then). */
  shiftedAt?: EpochMs;
  /** How many of the stage's lifecycle hooks have succeeded (they run one after another). */
  hooksDone: number;
  /** The PAUSE hook holding the stage, by hookId, until ContinueServiceDeployment (or its timeout). */
  pausedBy?: string;
}

/** A service revision: the settings one deployment runs, kept as its own resource (as AWS does). */
export type ServiceRevisionRecord = Stored<ServiceRevision, 'createdAt'> & {
  serviceRevisionArn: string;
  serviceArn: string;
  clusterArn: string;
  taskDefinition: string;
};

/**
 * A service deployment: the move from the revisions that ran to a target revision. Task counts are
 * derived from the service's deployments (views.ts); the circuit breaker's count is kept once the
 * deployment that counted it is gone.
 */
export type ServiceDeploymentRecord = Stored<
  Omit<
    ServiceDeployment,
    'sourceServiceRevisions' | 'targetServiceRevision' | 'rollback' | 'lifecycleHookDetails'
  >,
  'createdAt' | 'startedAt' | 'finishedAt' | 'stoppedAt' | 'updatedAt'
> & {
  lifecycleHookDetails?: Array<Stored<DeploymentLifecycleHookDetail, 'expiresAt'>>;
  serviceDeploymentArn: string;
  serviceArn: string;
  clusterArn: string;
  status: NonNullable<ServiceDeployment['status']>;
  sourceRevisionArns: string[];
  targetRevisionArn: string;
  rollback?: { reason: string; startedAt: EpochMs; serviceRevisionArn: string };
};

/**
 * A task set of a service whose deployments an external controller drives (EXTERNAL): its tasks
 * carry its id as `startedBy`; its counts (computedDesiredCount, running, pending) are derived.
 */
export type TaskSetRecord = Stored<
  Omit<TaskSet, 'computedDesiredCount' | 'runningCount' | 'pendingCount' | 'tags'>,
  'createdAt' | 'updatedAt' | 'stabilityStatusAt'
> & {
  id: string;
  taskSetArn: string;
  serviceArn: string;
  clusterArn: string;
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING';
  taskDefinition: string;
  scale: { value: number; unit: 'PERCENT' };
  stabilityStatus: 'STEADY_STATE' | 'STABILIZING';
};

export interface ServiceEventRecord {
  id: string;
  createdAt: EpochMs;
  message: string;
}

export type ServiceRecord = Stored<
  Omit<Service, 'deployments' | 'taskSets' | 'events' | 'tags' | 'runningCount' | 'pendingCount'>,
  'createdAt'
> & {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  desiredCount: number;
  /** For an EXTERNAL service, its primary task set's (none until one is primary). */
  taskDefinition?: string;
  /** PRIMARY first, as AWS lists them (none for an EXTERNAL service). */
  deployments: DeploymentRecord[];
  /** An EXTERNAL service's task sets, in creation order (absent for the ECS controller). */
  taskSets?: TaskSetRecord[];
  /** Newest first, at most MAX_SERVICE_EVENTS. */
  events: ServiceEventRecord[];
  /** Not in AWS's Service shape (its deployments carry it): Service Connect, namespace as an ARN. */
  serviceConnectConfiguration?: ServiceConnectConfiguration;
  /** Scheduler bookkeeping, not in AWS's shape: the deployment a circuit breaker rolls back to. */
  lastCompletedDeployment?: DeploymentRecord;
  /** Scheduler bookkeeping: whether the last step found the service steady (to say so once). */
  steady?: boolean;
};

/** ECS task states, in lifecycle order. */
export const TASK_STATES = [
  'PROVISIONING',
  'PENDING',
  'ACTIVATING',
  'RUNNING',
  'DEACTIVATING',
  'STOPPING',
  'DEPROVISIONING',
  'STOPPED',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export type TaskRecord = Stored<
  Omit<Task, 'tags'>,
  | 'createdAt'
  | 'startedAt'
  | 'stoppingAt'
  | 'stoppedAt'
  | 'executionStoppedAt'
  | 'pullStartedAt'
  | 'pullStoppedAt'
  | 'connectivityAt'
> & {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  lastStatus: TaskState;
  desiredStatus: 'RUNNING' | 'STOPPED';
  containers: Container[];
  version: number;
  /** Not in AWS's Task shape: the subnets and security groups the runtime must honour. */
  networkConfiguration?: NetworkConfiguration;
  /**
   * Scheduler bookkeeping: when the task first counted as healthy (a task stopped for a failure
   * before that counts against its deployment's circuit breaker).
   */
  healthyAt?: EpochMs;
  /** Not in AWS's Task shape (GetTaskProtection reports it): scale-in protection until then. */
  protectedUntil?: EpochMs;
};

export interface EcsState {
  /** By cluster name. */
  clusters: Record<string, ClusterRecord>;
  /** By family; revision N is at index N - 1. */
  taskDefinitions: Record<string, TaskDefinitionRecord[]>;
  /** By service ARN (`service/<cluster>/<name>`). */
  services: Record<string, ServiceRecord>;
  /** By task ARN. */
  tasks: Record<string, TaskRecord>;
  /** By resource ARN. */
  tags: Record<string, Tag[]>;
  /** Account settings by principal ARN (the root's are the account defaults), then by name. */
  accountSettings?: Record<string, Record<string, string>>;
  /** Auto Scaling group capacity providers by name (FARGATE and FARGATE_SPOT are built in). */
  capacityProviders?: Record<string, CapacityProviderRecord>;
  /** Service Connect namespaces by name. */
  namespaces?: Record<string, NamespaceRecord>;
  /** Service deployments by ARN (absent in state saved before they existed). */
  serviceDeployments?: Record<string, ServiceDeploymentRecord>;
  /** Service revisions by ARN. */
  serviceRevisions?: Record<string, ServiceRevisionRecord>;
}

export function initialEcsState(): EcsState {
  return {
    clusters: nameMap(),
    taskDefinitions: nameMap(),
    services: nameMap(),
    tasks: nameMap(),
    tags: nameMap(),
    accountSettings: nameMap(),
    capacityProviders: nameMap(),
    namespaces: nameMap(),
    serviceDeployments: nameMap(),
    serviceRevisions: nameMap(),
  };
}

// State saved before these records existed has none: each is created on first use.
export function accountSettingsOf(state: EcsState): Record<string, Record<string, string>> {
  return (state.accountSettings ??= nameMap());
}

export function capacityProvidersOf(state: EcsState): Record<string, CapacityProviderRecord> {
  return (state.capacityProviders ??= nameMap());
}

export function namespacesOf(state: EcsState): Record<string, NamespaceRecord> {
  return (state.namespaces ??= nameMap());
}

export function serviceDeploymentsOf(state: EcsState): Record<string, ServiceDeploymentRecord> {
  return (state.serviceDeployments ??= nameMap());
}

export function serviceRevisionsOf(state: EcsState): Record<string, ServiceRevisionRecord> {
  return (state.serviceRevisions ??= nameMap());
}

/** The last path segment of a name-or-ARN reference (`default`, `arn:…:cluster/default`). */
export function lastSegment(ref: string): string {
  return ref.slice(ref.lastIndexOf('/') + 1);
}

/** `arn:aws:ecs:<region>:<account>:cluster/<name>` → the same prefix with another resource. */
export function siblingArn(clusterArn: string, resource: string): string {
  return clusterArn.slice(0, clusterArn.indexOf(':cluster/') + 1) + resource;
}

export function clusterNameOf(clusterArn: string): string {
  return lastSegment(clusterArn);
}

/** Whether a task still occupies its cluster (anything short of STOPPED). */
export function isLive(task: TaskRecord): boolean {
  return task.lastStatus !== 'STOPPED';
}

/** Whether the task is protected from scale-in at `now` (UpdateTaskProtection, until it expires). */
export function isProtected(task: TaskRecord, now: number): boolean {
  return task.protectedUntil !== undefined && task.protectedUntil > now;
}

/** States that AWS counts as pending: accepted but not yet RUNNING. */
export function isPending(task: TaskRecord): boolean {
  return (
    task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING' || task.lastStatus === 'ACTIVATING'
  );
}

/** A service's tasks carry `group: service:<name>` and their deployment's id as `startedBy`. */
export function serviceTasks(state: EcsState, service: ServiceRecord): TaskRecord[] {
  const group = `service:${service.serviceName}`;
  return Object.values(state.tasks).filter((t) => t.clusterArn === service.clusterArn && t.group === group);
}

/** The tasks a deployment (or a task set, whose tasks carry its id the same way) started. */
export function deploymentTasks(
  state: EcsState,
  service: ServiceRecord,
  deployment: { id: string },
): TaskRecord[] {
  return serviceTasks(state, service).filter((t) => t.startedBy === deployment.id);
}

/**
 * The load balancers a service task is registered with: its task set's, else the service's — in
 * their alternate target groups when its deployment serves from those (blue/green).
 */
export function taskLoadBalancers(service: ServiceRecord, task: TaskRecord): LoadBalancer[] {
  const taskSet = service.taskSets?.find((s) => s.id === task.startedBy);
  if (taskSet) return taskSet.loadBalancers ?? [];
  const alternate = service.deployments.find((d) => d.id === task.startedBy)?.alternate === true;
  return (service.loadBalancers ?? []).map((lb) => ({
    ...lb,
    targetGroupArn: sideOf(lb, alternate),
  }));
}

/** A load balancer's target group for one side of a blue/green pair (its own one without a pair). */
export function sideOf(lb: LoadBalancer, alternate: boolean): string | undefined {
  return alternate
    ? (lb.advancedConfiguration?.alternateTargetGroupArn ?? lb.targetGroupArn)
    : lb.targetGroupArn;
}

/** `arn:…:task-definition/<family>:<revision>` → its record, whatever its status. */
export function taskDefinitionByArn(state: EcsState, arn: string): TaskDefinitionRecord | undefined {
  const match = /:task-definition\/([^:/]+):(\d+)$/.exec(arn);
  return match ? state.taskDefinitions[match[1]!]?.[Number(match[2]) - 1] : undefined;
}

/**
 * The Docker name the runtime gives a task's container (the ECS agent's scheme,
 * `ecs-<family>-<revision>-<container>-<task id>`): what `docker exec` takes.
 */
export function taskContainerName(
  family: string,
  revision: number,
  container: string,
  taskArn: string,
): string {
  return `ecs-${family}-${revision}-${container}-${lastSegment(taskArn)}`;
}
