/**
 * Capacity providers: the built-in FARGATE and FARGATE_SPOT (whose tasks run as real containers,
 * alike), and Auto Scaling group providers kept as stored state (there are no EC2 instances or
 * Auto Scaling groups here: such a provider scales nothing and places no task). A cluster's
 * providers and default strategy are set with PutClusterCapacityProviders (or at CreateCluster).
 */
import type {
  AutoScalingGroupProvider,
  CapacityProvider,
  CapacityProviderStrategyItem,
  CreateCapacityProviderRequest,
  CreateCapacityProviderResponse,
  DeleteCapacityProviderRequest,
  DeleteCapacityProviderResponse,
  DescribeCapacityProvidersRequest,
  DescribeCapacityProvidersResponse,
  ManagedScaling,
  PutClusterCapacityProvidersRequest,
  PutClusterCapacityProvidersResponse,
  UpdateCapacityProviderRequest,
  UpdateCapacityProviderResponse,
} from '@aws-sdk/client-ecs';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { arn, paginate } from '../common.ts';
import {
  checkStrategyShape,
  FARGATE_PROVIDERS,
  isFargateProvider,
  providerExists,
} from './capacity-strategy.ts';
import { ClientException, InvalidParameterException, ResourceInUseException } from './errors.ts';
import { requireCluster } from './references.ts';
import type { CapacityProviderRecord, ClusterRecord, EcsState } from './state.ts';
import { capacityProvidersOf, isLive, lastSegment } from './state.ts';
import { checkUserTags } from './tags.ts';
import { clusterToAws, tagsOf } from './views.ts';

type Ctx = RequestContext<EcsState>;

const capacityProviderArn = (ctx: Ctx, name: string) =>
  arn('ecs', ctx.region, ctx.accountId, `capacity-provider/${name}`);

/** ECS's defaults for managed scaling, as DescribeCapacityProviders reports them. */
function withScalingDefaults(scaling: ManagedScaling | undefined): ManagedScaling {
  return {
    status: 'DISABLED',
    targetCapacity: 100,
    minimumScalingStepSize: 1,
    maximumScalingStepSize: 10000,
    instanceWarmupPeriod: 300,
    ...scaling,
  };
}

function builtInToAws(ctx: Ctx, name: string, include: readonly string[] | undefined): CapacityProvider {
  return {
    capacityProviderArn: capacityProviderArn(ctx, name),
    name,
    status: 'ACTIVE',
    type: name as 'FARGATE' | 'FARGATE_SPOT',
    ...(include?.includes('TAGS') ? { tags: [] } : {}),
  };
}

function providerToAws(
  state: EcsState,
  provider: CapacityProviderRecord,
  include: readonly string[] | undefined,
  updateStatus: CapacityProvider['updateStatus'] = provider.updateStatus,
): CapacityProvider {
  return {
    capacityProviderArn: provider.capacityProviderArn,
    name: provider.name,
    status: provider.status,
    type: 'EC2_AUTOSCALING',
    autoScalingGroupProvider: provider.autoScalingGroupProvider,
    ...(updateStatus ? { updateStatus } : {}),
    ...(include?.includes('TAGS') ? { tags: tagsOf(state, provider.capacityProviderArn) } : {}),
  };
}

/** The local cloud emulates Auto Scaling group providers only (say so rather than keep half of it). */
function refuseManagedInstances(input: { managedInstancesProvider?: unknown }): void {
  if (input.managedInstancesProvider !== undefined) {
    throw new InvalidParameterException(
      'The local cloud emulates Auto Scaling group capacity providers only, not Amazon ECS Managed Instances.',
    );
  }
}

function requireOwnProvider(state: EcsState, ref: string): CapacityProviderRecord {
  const name = lastSegment(ref);
  if (isFargateProvider(name)) {
    throw new InvalidParameterException(
      `The ${name} capacity provider is reserved and cannot be modified or deleted.`,
    );
  }
  const provider = capacityProvidersOf(state)[name];
  if (provider?.status !== 'ACTIVE') {
    throw new InvalidParameterException('The specified capacity provider does not exist.');
  }
  return provider;
}

export const createCapacityProvider: Handler<
  Checked<CreateCapacityProviderRequest, 'name'>,
  CreateCapacityProviderResponse,
  EcsState
> = (input, ctx) => {
  refuseManagedInstances(input);
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(input.name)) {
    throw new InvalidParameterException(
      `Capacity provider name must match ^[a-zA-Z0-9\\-_]{1,255}$, but was ${input.name}`,
    );
  }
  if (/^(aws|ecs|fargate)/i.test(input.name)) {
    throw new InvalidParameterException(
      'The specified capacity provider name is invalid. Capacity provider names cannot be prefixed with "aws", "ecs", or "fargate".',
    );
  }
  if (!input.autoScalingGroupProvider?.autoScalingGroupArn) {
    throw new InvalidParameterException('autoScalingGroupProvider must be specified.');
  }
  const providers = capacityProvidersOf(ctx.state);
  if (providers[input.name]?.status === 'ACTIVE') {
    throw new ClientException(
      'The specified capacity provider already exists. To change the configuration of an existing capacity provider, update the capacity provider.',
    );
  }
  const group = input.autoScalingGroupProvider.autoScalingGroupArn;
  if (
    Object.values(providers).some(
      (p) => p.status === 'ACTIVE' && p.autoScalingGroupProvider.autoScalingGroupArn === group,
    )
  ) {
    throw new ClientException(
      'The specified Auto Scaling group is already in use by another capacity provider. Specify a different Auto Scaling group and try again.',
    );
  }
  const tags = checkUserTags(input.tags);
  const autoScalingGroupProvider: AutoScalingGroupProvider = {
    autoScalingGroupArn: group,
    managedScaling: withScalingDefaults(input.autoScalingGroupProvider.managedScaling),
    managedTerminationProtection: input.autoScalingGroupProvider.managedTerminationProtection ?? 'DISABLED',
    managedDraining: input.autoScalingGroupProvider.managedDraining ?? 'ENABLED',
  };
  const provider: CapacityProviderRecord = {
    name: input.name,
    capacityProviderArn: capacityProviderArn(ctx, input.name),
    status: 'ACTIVE',
    autoScalingGroupProvider,
  };
  providers[input.name] = provider;
  ctx.state.tags[provider.capacityProviderArn] = tags;
  return { capacityProvider: providerToAws(ctx.state, provider, ['TAGS']) };
};

/** FARGATE and FARGATE_SPOT first, then the account's, by name; `cluster` narrows to the cluster's. */
export const describeCapacityProviders: Handler<
  DescribeCapacityProvidersRequest,
  DescribeCapacityProvidersResponse,
  EcsState
> = (input, ctx) => {
  const cluster = input.cluster === undefined ? undefined : requireCluster(ctx, input.cluster);
  const providers = capacityProvidersOf(ctx.state);
  const found: CapacityProvider[] = [];
  const failures: Array<{ arn: string; reason: string }> = [];
  const refs =
    input.capacityProviders ??
    [...FARGATE_PROVIDERS, ...Object.keys(providers).sort()].filter(
      (name) => !cluster || cluster.capacityProviders.includes(name),
    );
  for (const ref of refs) {
    const name = lastSegment(ref);
    const provider = providers[name];
    if (isFargateProvider(name)) found.push(builtInToAws(ctx, name, input.include));
    else if (provider) found.push(providerToAws(ctx.state, provider, input.include));
    else
      failures.push({
        arn: ref.startsWith('arn:') ? ref : capacityProviderArn(ctx, name),
        reason: 'MISSING',
      });
  }
  const { page, nextToken } = paginate(found, input.maxResults, input.nextToken, 10);
  return { capacityProviders: page, failures, nextToken };
};

export const updateCapacityProvider: Handler<
  Checked<UpdateCapacityProviderRequest, 'name'>,
  UpdateCapacityProviderResponse,
  EcsState
> = (input, ctx) => {
  refuseManagedInstances(input);
  const provider = requireOwnProvider(ctx.state, input.name);
  const current = provider.autoScalingGroupProvider;
  const update = input.autoScalingGroupProvider ?? {};
  provider.autoScalingGroupProvider = {
    ...current,
    managedScaling: { ...current.managedScaling, ...update.managedScaling },
    ...(update.managedTerminationProtection
      ? { managedTerminationProtection: update.managedTerminationProtection }
      : {}),
    ...(update.managedDraining ? { managedDraining: update.managedDraining } : {}),
  };
  provider.updateStatus = 'UPDATE_COMPLETE';
  return { capacityProvider: providerToAws(ctx.state, provider, undefined) };
};

/** Only a provider no cluster has and no service uses can go; it stays describable as INACTIVE. */
export const deleteCapacityProvider: Handler<
  Checked<DeleteCapacityProviderRequest, 'capacityProvider'>,
  DeleteCapacityProviderResponse,
  EcsState
> = (input, ctx) => {
  const provider = requireOwnProvider(ctx.state, input.capacityProvider);
  const inCluster = Object.values(ctx.state.clusters).some(
    (c) => c.status === 'ACTIVE' && c.capacityProviders.includes(provider.name),
  );
  const inService = Object.values(ctx.state.services).some(
    (s) =>
      s.status !== 'INACTIVE' &&
      s.capacityProviderStrategy?.some((i) => i.capacityProvider === provider.name),
  );
  if (inCluster || inService) {
    throw new ResourceInUseException(
      'The specified capacity provider is in use and cannot be deleted. Disassociate it from all clusters and service capacity provider strategies, and try again.',
    );
  }
  // AWS answers while the deletion is under way; here it is done at once.
  const response = { capacityProvider: providerToAws(ctx.state, provider, undefined, 'DELETE_IN_PROGRESS') };
  provider.status = 'INACTIVE';
  provider.updateStatus = 'DELETE_COMPLETE';
  delete ctx.state.tags[provider.capacityProviderArn];
  return response;
};

/**
 * The capacity providers a cluster may use and its default strategy, checked as ECS checks them:
 * each provider exists, an Auto Scaling group provider belongs to one cluster only, the strategy
 * names only the cluster's providers. Used by CreateCluster and PutClusterCapacityProviders.
 */
export function checkClusterCapacity(
  state: EcsState,
  clusterArn: string,
  providers: string[],
  strategy: CapacityProviderStrategyItem[],
): void {
  for (const name of providers) {
    if (!providerExists(state, name)) {
      throw new InvalidParameterException(
        `The specified capacity provider ${name} is not in an ACTIVE state. Specify a valid capacity provider and try again.`,
      );
    }
    const elsewhere = Object.values(state.clusters).some(
      (c) => c.status === 'ACTIVE' && c.clusterArn !== clusterArn && c.capacityProviders.includes(name),
    );
    if (!isFargateProvider(name) && elsewhere) {
      throw new ResourceInUseException(
        `The specified capacity provider ${name} is already associated with another cluster.`,
      );
    }
  }
  checkStrategyShape(strategy);
  if (strategy.some((item) => !providers.includes(item.capacityProvider!))) {
    throw new InvalidParameterException(
      'The specified capacity provider strategy cannot contain a capacity provider that is not ' +
        'associated with the cluster. Associate the capacity provider with the cluster or specify a ' +
        'valid capacity provider and try again.',
    );
  }
}

/** A provider leaves a cluster only while none of the cluster's live tasks runs on it. */
function checkRemovable(state: EcsState, cluster: ClusterRecord, providers: string[]): void {
  for (const name of cluster.capacityProviders.filter((p) => !providers.includes(p))) {
    const used = Object.values(state.tasks).some(
      (t) => t.clusterArn === cluster.clusterArn && isLive(t) && t.capacityProviderName === name,
    );
    if (used) {
      throw new ResourceInUseException(
        `The specified capacity provider ${name} is in use by tasks in the cluster and cannot be removed.`,
      );
    }
  }
}

export const putClusterCapacityProviders: Handler<
  Checked<
    PutClusterCapacityProvidersRequest,
    'cluster' | 'capacityProviders' | 'defaultCapacityProviderStrategy'
  >,
  PutClusterCapacityProvidersResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const providers = [...new Set(input.capacityProviders)];
  checkClusterCapacity(ctx.state, cluster.clusterArn, providers, input.defaultCapacityProviderStrategy);
  checkRemovable(ctx.state, cluster, providers);
  cluster.capacityProviders = providers;
  cluster.defaultCapacityProviderStrategy = input.defaultCapacityProviderStrategy.map((item) => ({
    capacityProvider: item.capacityProvider,
    weight: item.weight ?? 0,
    base: item.base ?? 0,
  }));
  return { cluster: clusterToAws(ctx.state, cluster, ['SETTINGS', 'CONFIGURATIONS', 'TAGS']) };
};
