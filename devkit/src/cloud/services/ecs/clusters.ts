import type {
  ClusterSetting,
  CreateClusterRequest,
  CreateClusterResponse,
  DeleteClusterRequest,
  DeleteClusterResponse,
  DescribeClustersRequest,
  DescribeClustersResponse,
  ListClustersRequest,
  ListClustersResponse,
  UpdateClusterRequest,
  UpdateClusterResponse,
  UpdateClusterSettingsRequest,
  UpdateClusterSettingsResponse,
} from '@aws-sdk/client-ecs';
import { containerInsightsDefault } from './account-settings.ts';
import { checkClusterCapacity } from './capacity-providers.ts';
import { namespaceForClusterDefaults } from './namespaces.ts';
import { checkUserTags } from './tags.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { ClusterContainsServicesException, ClusterContainsTasksException } from './errors.ts';
import { checkName, clusterArnFor, clusterNameFrom, requireCluster } from './references.ts';
import type { EcsState } from './state.ts';
import { isLive } from './state.ts';
import { clusterToAws } from './views.ts';

const ALL_DETAILS = ['SETTINGS', 'CONFIGURATIONS', 'TAGS'];

/** Settings replace same-named ones. */
function mergeSettings(current: ClusterSetting[], changes: ClusterSetting[] | undefined): ClusterSetting[] {
  const merged = new Map(current.map((s) => [s.name, s]));
  for (const setting of changes ?? []) merged.set(setting.name, setting);
  return [...merged.values()];
}

/**
 * Idempotent, as on AWS: creating an ACTIVE cluster again returns it. No name means "default".
 * Without a containerInsights setting, the account setting in force for the caller applies.
 */
export const createCluster: Handler<CreateClusterRequest, CreateClusterResponse, EcsState> = (input, ctx) => {
  const name = checkName('Cluster', input.clusterName ?? 'default');
  const existing = ctx.state.clusters[name];
  if (existing?.status !== 'ACTIVE') {
    const clusterArn = clusterArnFor(ctx, name);
    const tags = checkUserTags(input.tags);
    const capacityProviders = [...new Set(input.capacityProviders ?? [])];
    const strategy = input.defaultCapacityProviderStrategy ?? [];
    checkClusterCapacity(ctx.state, clusterArn, capacityProviders, strategy);
    const namespace = input.serviceConnectDefaults?.namespace;
    ctx.state.clusters[name] = {
      clusterName: name,
      clusterArn,
      status: 'ACTIVE',
      settings: mergeSettings(
        [{ name: 'containerInsights', value: containerInsightsDefault(ctx) }],
        input.settings,
      ),
      ...(input.configuration ? { configuration: input.configuration } : {}),
      capacityProviders,
      defaultCapacityProviderStrategy: strategy.map((item) => ({
        capacityProvider: item.capacityProvider,
        weight: item.weight ?? 0,
        base: item.base ?? 0,
      })),
      ...(namespace !== undefined
        ? { serviceConnectNamespace: namespaceForClusterDefaults(ctx, namespace).arn }
        : {}),
    };
    ctx.state.tags[clusterArn] = tags;
  }
  return { cluster: clusterToAws(ctx.state, ctx.state.clusters[name]!, ALL_DETAILS) };
};

export const describeClusters: Handler<DescribeClustersRequest, DescribeClustersResponse, EcsState> = (
  input,
  ctx,
) => {
  const response: Required<DescribeClustersResponse> = { clusters: [], failures: [] };
  for (const ref of input.clusters ?? ['default']) {
    const name = clusterNameFrom(ref);
    const cluster = ctx.state.clusters[name];
    if (cluster) response.clusters.push(clusterToAws(ctx.state, cluster, input.include));
    else response.failures.push({ arn: clusterArnFor(ctx, name), reason: 'MISSING' });
  }
  return response;
};

export const listClusters: Handler<ListClustersRequest, ListClustersResponse, EcsState> = (input, ctx) => {
  const arns = Object.values(ctx.state.clusters)
    .filter((c) => c.status === 'ACTIVE')
    .map((c) => c.clusterArn)
    .sort();
  const { page, nextToken } = paginate(arns, input.maxResults, input.nextToken);
  return { clusterArns: page, nextToken };
};

/** A deleted cluster stays describable as INACTIVE; services and tasks must be gone first. */
export const deleteCluster: Handler<DeleteClusterRequest, DeleteClusterResponse, EcsState> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  if (
    Object.values(ctx.state.services).some(
      (s) => s.clusterArn === cluster.clusterArn && s.status !== 'INACTIVE',
    )
  ) {
    throw new ClusterContainsServicesException('The Cluster cannot be deleted while Services are active.');
  }
  if (Object.values(ctx.state.tasks).some((t) => t.clusterArn === cluster.clusterArn && isLive(t))) {
    throw new ClusterContainsTasksException('The Cluster cannot be deleted while Tasks are active.');
  }
  cluster.status = 'INACTIVE';
  const response = { cluster: clusterToAws(ctx.state, cluster, ALL_DETAILS) };
  delete ctx.state.tags[cluster.clusterArn];
  return response;
};

export const updateClusterSettings: Handler<
  Checked<UpdateClusterSettingsRequest, 'cluster' | 'settings'>,
  UpdateClusterSettingsResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  cluster.settings = mergeSettings(cluster.settings, input.settings);
  return { cluster: clusterToAws(ctx.state, cluster, ALL_DETAILS) };
};

/** Settings, the execute command configuration and the Service Connect default namespace. */
export const updateCluster: Handler<
  Checked<UpdateClusterRequest, 'cluster'>,
  UpdateClusterResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  if (input.settings) cluster.settings = mergeSettings(cluster.settings, input.settings);
  if (input.configuration) cluster.configuration = input.configuration;
  if (input.serviceConnectDefaults?.namespace !== undefined) {
    cluster.serviceConnectNamespace = namespaceForClusterDefaults(
      ctx,
      input.serviceConnectDefaults.namespace,
    ).arn;
  }
  return { cluster: clusterToAws(ctx.state, cluster, ALL_DETAILS) };
};
