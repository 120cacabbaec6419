/**
 * Records → the SDK shapes the API returns: timestamps back to Dates, derived counts filled in,
 * tags attached when asked for. (The protocol layer encodes only the shape's own members, so
 * record-only fields such as a task's networkConfiguration never reach the wire.)
 */
import type {
  Cluster,
  Deployment,
  Service,
  ServiceDeployment,
  ServiceRevision,
  ServiceRevisionSummary,
  Tag,
  Task,
  TaskDefinition,
  TaskSet,
} from '@aws-sdk/client-ecs';
import { toDate } from '../common.ts';
import type {
  ClusterRecord,
  DeploymentRecord,
  EcsState,
  ServiceDeploymentRecord,
  ServiceRecord,
  ServiceRevisionRecord,
  TaskDefinitionRecord,
  TaskRecord,
  TaskSetRecord,
} from './state.ts';
import { computedDesiredCount } from './deployment-scaling.ts';
import { deploymentTasks, isPending, serviceDeploymentsOf, serviceTasks } from './state.ts';

export function tagsOf(state: EcsState, arn: string): Tag[] {
  return state.tags[arn] ?? [];
}

/** `include` as the Describe operations take it (`TAGS`, `SETTINGS`, ...). */
type Include = readonly string[] | undefined;

export function clusterToAws(state: EcsState, cluster: ClusterRecord, include?: Include): Cluster {
  const tasks = Object.values(state.tasks).filter((t) => t.clusterArn === cluster.clusterArn);
  const services = Object.values(state.services).filter(
    (s) => s.clusterArn === cluster.clusterArn && s.status === 'ACTIVE',
  );
  return {
    clusterArn: cluster.clusterArn,
    clusterName: cluster.clusterName,
    status: cluster.status,
    registeredContainerInstancesCount: 0,
    runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTasksCount: tasks.filter(isPending).length,
    activeServicesCount: services.length,
    statistics: [],
    tags: include?.includes('TAGS') ? tagsOf(state, cluster.clusterArn) : [],
    // Not asked for, AWS still answers the lists, empty (its describe-clusters example shows it).
    settings: include?.includes('SETTINGS') ? cluster.settings : [],
    ...(include?.includes('CONFIGURATIONS') && cluster.configuration
      ? { configuration: cluster.configuration }
      : {}),
    capacityProviders: cluster.capacityProviders,
    defaultCapacityProviderStrategy: cluster.defaultCapacityProviderStrategy,
    ...(cluster.serviceConnectNamespace
      ? { serviceConnectDefaults: { namespace: cluster.serviceConnectNamespace } }
      : {}),
  };
}

export function taskDefinitionToAws(td: TaskDefinitionRecord): TaskDefinition {
  return {
    ...td,
    registeredAt: toDate(td.registeredAt),
    deregisteredAt: toDate(td.deregisteredAt),
    deleteRequestedAt: toDate(td.deleteRequestedAt),
  };
}

export function deploymentToAws(
  state: EcsState,
  service: ServiceRecord,
  deployment: DeploymentRecord,
): Deployment {
  const tasks = deploymentTasks(state, service, deployment);
  return {
    ...deployment,
    pendingCount: tasks.filter(isPending).length,
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    createdAt: toDate(deployment.createdAt),
    updatedAt: toDate(deployment.updatedAt),
  };
}

export function serviceToAws(state: EcsState, service: ServiceRecord, include?: Include): Service {
  const tasks = serviceTasks(state, service);
  const { taskSets, ...settings } = service;
  return {
    ...settings,
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: tasks.filter(isPending).length,
    createdAt: toDate(service.createdAt),
    deployments: service.deployments.map((d) => deploymentToAws(state, service, d)),
    ...(taskSets ? { taskSets: taskSets.map((t) => taskSetToAws(state, service, t)) } : {}),
    events: service.events.map((e) => ({ ...e, createdAt: toDate(e.createdAt) })),
    ...(include?.includes('TAGS') ? { tags: tagsOf(state, service.serviceArn) } : {}),
    ...currentServiceDeployment(state, service),
  };
}

export function taskSetToAws(
  state: EcsState,
  service: ServiceRecord,
  taskSet: TaskSetRecord,
  include?: Include,
): TaskSet {
  const tasks = deploymentTasks(state, service, taskSet);
  return {
    ...taskSet,
    computedDesiredCount: computedDesiredCount(service, taskSet),
    pendingCount: tasks.filter(isPending).length,
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    createdAt: toDate(taskSet.createdAt),
    updatedAt: toDate(taskSet.updatedAt),
    stabilityStatusAt: toDate(taskSet.stabilityStatusAt),
    ...(include?.includes('TAGS') ? { tags: tagsOf(state, taskSet.taskSetArn) } : {}),
  };
}

/** The latest service deployment and the revisions now running, as DescribeServices adds them. */
function currentServiceDeployment(
  state: EcsState,
  service: ServiceRecord,
): Pick<Service, 'currentServiceDeployment' | 'currentServiceRevisions'> {
  const latest = Object.values(serviceDeploymentsOf(state))
    .filter((d) => d.serviceArn === service.serviceArn && d.createdAt! >= service.createdAt!)
    .reduce<ServiceDeploymentRecord | undefined>(
      (a, b) => (a && a.createdAt! >= b.createdAt! ? a : b),
      undefined,
    );
  if (!latest) return {};
  return {
    currentServiceDeployment: latest.serviceDeploymentArn,
    currentServiceRevisions: service.deployments.flatMap((d) =>
      d.serviceRevisionArn ? [revisionSummary(state, service, d.serviceRevisionArn)] : [],
    ),
  };
}

/** A revision's task counts: those of the service's deployment running it (none once it is gone). */
function revisionSummary(
  state: EcsState,
  service: ServiceRecord | undefined,
  arn: string,
): ServiceRevisionSummary {
  const deployment = service?.deployments.find((d) => d.serviceRevisionArn === arn);
  const tasks = service && deployment ? deploymentTasks(state, service, deployment) : [];
  return {
    arn,
    requestedTaskCount: deployment?.desiredCount ?? 0,
    runningTaskCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingTaskCount: tasks.filter(isPending).length,
  };
}

export function serviceDeploymentToAws(state: EcsState, record: ServiceDeploymentRecord): ServiceDeployment {
  const service = state.services[record.serviceArn];
  const { sourceRevisionArns, targetRevisionArn, rollback, lifecycleHookDetails, ...shape } = record;
  // While its target deployment rolls out, the circuit breaker's count is that deployment's own.
  const driving =
    record.status === 'IN_PROGRESS'
      ? service?.deployments.find((d) => d.serviceDeploymentArn === record.serviceDeploymentArn)
      : undefined;
  return {
    ...shape,
    createdAt: toDate(record.createdAt),
    startedAt: toDate(record.startedAt),
    finishedAt: toDate(record.finishedAt),
    stoppedAt: toDate(record.stoppedAt),
    updatedAt: toDate(record.updatedAt),
    sourceServiceRevisions: sourceRevisionArns.map((arn) => revisionSummary(state, service, arn)),
    targetServiceRevision: revisionSummary(state, service, targetRevisionArn),
    ...(record.deploymentCircuitBreaker && driving
      ? {
          deploymentCircuitBreaker: { ...record.deploymentCircuitBreaker, failureCount: driving.failedTasks },
        }
      : {}),
    ...(rollback ? { rollback: { ...rollback, startedAt: toDate(rollback.startedAt) } } : {}),
    ...(lifecycleHookDetails
      ? { lifecycleHookDetails: lifecycleHookDetails.map((d) => ({ ...d, expiresAt: toDate(d.expiresAt) })) }
      : {}),
  };
}

export function serviceRevisionToAws(record: ServiceRevisionRecord): ServiceRevision {
  return { ...record, createdAt: toDate(record.createdAt) };
}

export function taskToAws(state: EcsState, task: TaskRecord, include?: Include): Task {
  return {
    ...task,
    createdAt: toDate(task.createdAt),
    startedAt: toDate(task.startedAt),
    stoppingAt: toDate(task.stoppingAt),
    stoppedAt: toDate(task.stoppedAt),
    executionStoppedAt: toDate(task.executionStoppedAt),
    pullStartedAt: toDate(task.pullStartedAt),
    pullStoppedAt: toDate(task.pullStoppedAt),
    connectivityAt: toDate(task.connectivityAt),
    ...(include?.includes('TAGS') ? { tags: tagsOf(state, task.taskArn) } : {}),
  };
}
