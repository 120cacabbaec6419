/**
 * Records → the SDK shapes the API returns: timestamps back to Dates, derived counts filled in,
 * tags attached when asked for. (The protocol layer encodes only the shape's own members, so
 * record-only fields such as a task's networkConfiguration never reach the wire.)
 */
import type { Cluster, Deployment, Service, Tag, Task, TaskDefinition } from '@aws-sdk/client-ecs';
import { toDate } from '../common.ts';
import type {
  ClusterRecord,
  DeploymentRecord,
  EcsState,
  ServiceRecord,
  TaskDefinitionRecord,
  TaskRecord,
} from './state.ts';
import { deploymentTasks, isPending, serviceTasks } from './state.ts';

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
  return {
    ...service,
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: tasks.filter(isPending).length,
    createdAt: toDate(service.createdAt),
    deployments: service.deployments.map((d) => deploymentToAws(state, service, d)),
    events: service.events.map((e) => ({ ...e, createdAt: toDate(e.createdAt) })),
    ...(include?.includes('TAGS') ? { tags: tagsOf(state, service.serviceArn) } : {}),
  };
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
