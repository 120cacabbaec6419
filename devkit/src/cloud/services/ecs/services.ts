import type {
  CreateServiceRequest,
  CreateServiceResponse,
  DeleteServiceRequest,
  DeleteServiceResponse,
  DeploymentConfiguration,
  DeploymentController,
  DescribeServicesRequest,
  DescribeServicesResponse,
  ListServicesRequest,
  ListServicesResponse,
  LoadBalancer,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from '@aws-sdk/client-ecs';
import { isDeepStrictEqual } from 'node:util';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { InvalidParameterException, ServiceNotActiveException } from './errors.ts';
import { resolveServiceConnect } from './namespaces.ts';
import { startServiceDeployment } from './service-deployments.ts';
import { bringToCount } from './deployment-scaling.ts';
import { isFargate, newDeployment, settleDrainingService } from './lifecycle.ts';
import { checkPlacement, resolvePlacement } from './placement-rules.ts';
import {
  checkName,
  findService,
  requireCluster,
  requireService,
  requireUsableTaskDefinition,
  serviceArnFor,
} from './references.ts';
import type { EcsState, ServiceRecord, TaskDefinitionRecord } from './state.ts';
import { lastSegment, taskDefinitionByArn } from './state.ts';
import { checkUserTags } from './tags.ts';
import { serviceToAws } from './views.ts';

/** ECS's defaults for a rolling update, as DescribeServices reports them. */
function withDeploymentDefaults(config: DeploymentConfiguration | undefined): DeploymentConfiguration {
  return {
    deploymentCircuitBreaker: { enable: false, rollback: false },
    maximumPercent: 200,
    minimumHealthyPercent: 100,
    ...config,
  };
}

/** The local cloud runs ECS rolling updates only; it refuses what it would otherwise run wrongly. */
function checkRollingUpdate(
  controller: DeploymentController | undefined,
  config: DeploymentConfiguration | undefined,
): void {
  if (controller && controller.type !== 'ECS') {
    throw new InvalidParameterException(
      `The local cloud emulates the ECS deployment controller only, not ${controller.type}.`,
    );
  }
  if (config?.strategy && config.strategy !== 'ROLLING') {
    throw new InvalidParameterException(
      `The local cloud emulates the ROLLING deployment strategy only, not ${config.strategy}.`,
    );
  }
}

/** A load balancer must point at a container port the task definition maps. */
function checkLoadBalancers(td: TaskDefinitionRecord, loadBalancers: LoadBalancer[]): void {
  for (const lb of loadBalancers) {
    const container = td.containerDefinitions?.find((c) => c.name === lb.containerName);
    if (!container) {
      throw new InvalidParameterException(
        `The container ${lb.containerName} does not exist in the task definition.`,
      );
    }
    if (!container.portMappings?.some((m) => m.containerPort === lb.containerPort)) {
      throw new InvalidParameterException(
        `The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`,
      );
    }
  }
}

/** ECS's "Tasks per service" quota (the desired count), at its default. */
const MAX_TASKS_PER_SERVICE = 5000;

/** A desired count ECS accepts: none below 0, none above the tasks-per-service quota. */
function checkDesiredCount(count: number | undefined): void {
  if (count === undefined) return;
  if (count < 0) throw new InvalidParameterException('desiredCount cannot be a negative number.');
  if (count > MAX_TASKS_PER_SERVICE) throw new InvalidParameterException('Desired count exceeds limit.');
}

/** ECS uses its service-linked role to register tasks with load balancers. */
const serviceLinkedRole = (accountId: string) =>
  `arn:aws:iam::${accountId}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`;

/** Records the service and its first deployment, and starts its tasks (recorded PROVISIONING). */
export const createService: Handler<
  Checked<CreateServiceRequest, 'serviceName'>,
  CreateServiceResponse,
  EcsState
> = (input, ctx) => {
  checkName('Service', input.serviceName);
  checkDesiredCount(input.desiredCount);
  const cluster = requireCluster(ctx, input.cluster);
  const td = requireUsableTaskDefinition(ctx.state, input.taskDefinition);
  const serviceArn = serviceArnFor(cluster, input.serviceName);
  const existing = ctx.state.services[serviceArn];
  if (existing && existing.status !== 'INACTIVE') {
    throw new InvalidParameterException('Creation of service was not idempotent.');
  }
  checkRollingUpdate(input.deploymentController, input.deploymentConfiguration);
  const placement = resolvePlacement(cluster, input);
  const networkConfiguration = checkPlacement(ctx, td, placement, input.networkConfiguration);
  const loadBalancers = input.loadBalancers ?? [];
  checkLoadBalancers(td, loadBalancers);
  const tags = checkUserTags(input.tags);
  const serviceConnect =
    input.serviceConnectConfiguration &&
    resolveServiceConnect(ctx.state, cluster, input.serviceConnectConfiguration);
  const now = Date.now();
  const service: ServiceRecord = {
    serviceArn,
    serviceName: input.serviceName,
    clusterArn: cluster.clusterArn,
    loadBalancers,
    serviceRegistries: input.serviceRegistries ?? [],
    status: 'ACTIVE',
    desiredCount: input.desiredCount ?? 0,
    ...placement,
    ...(isFargate(placement)
      ? { platformVersion: input.platformVersion ?? 'LATEST', platformFamily: 'Linux' }
      : {}),
    taskDefinition: td.taskDefinitionArn,
    deploymentConfiguration: withDeploymentDefaults(input.deploymentConfiguration),
    deployments: [],
    events: [],
    ...(loadBalancers.length ? { roleArn: input.role ?? serviceLinkedRole(ctx.accountId) } : {}),
    createdAt: now,
    placementConstraints: input.placementConstraints ?? [],
    placementStrategy: input.placementStrategy ?? [],
    ...(networkConfiguration ? { networkConfiguration } : {}),
    ...(serviceConnect ? { serviceConnectConfiguration: serviceConnect } : {}),
    healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds ?? 0,
    schedulingStrategy: input.schedulingStrategy ?? 'REPLICA',
    deploymentController: { type: 'ECS' },
    createdBy: `arn:aws:iam::${ctx.accountId}:root`,
    enableECSManagedTags: input.enableECSManagedTags ?? false,
    propagateTags: input.propagateTags ?? 'NONE',
    enableExecuteCommand: input.enableExecuteCommand ?? false,
  };
  const deployment = newDeployment(service, now);
  service.deployments.push(deployment);
  startServiceDeployment(ctx.state, service, deployment, now);
  ctx.state.services[serviceArn] = service;
  ctx.state.tags[serviceArn] = tags;
  bringToCount(ctx.state, service, deployment, now);
  return { service: serviceToAws(ctx.state, service) };
};

/**
 * Equal values, whatever their objects' prototypes: state read back after a restart is made of
 * prototype-less objects (store.ts) and isDeepStrictEqual compares prototypes, so an unchanged
 * setting would look changed (and start a deployment) on every UpdateService after a restart.
 * structuredClone gives both sides ordinary objects.
 */
function sameSetting(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(structuredClone(a), structuredClone(b));
}

/**
 * A new task definition, network configuration, platform version or load balancers — or
 * forceNewDeployment — starts a new PRIMARY deployment (rolled out by the scheduler); a new
 * desiredCount alone scales the current one.
 */
export const updateService: Handler<
  Checked<UpdateServiceRequest, 'service'>,
  UpdateServiceResponse,
  EcsState
> = (input, ctx) => {
  checkDesiredCount(input.desiredCount);
  const cluster = requireCluster(ctx, input.cluster);
  const service = requireService(ctx.state, cluster, input.service);
  if (service.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
  const td = input.taskDefinition
    ? requireUsableTaskDefinition(ctx.state, input.taskDefinition)
    : taskDefinitionByArn(ctx.state, service.taskDefinition)!;
  checkRollingUpdate(input.deploymentController, input.deploymentConfiguration);
  // A new strategy replaces the service's launch type or strategy (checked as CreateService checks it).
  const placement = input.capacityProviderStrategy?.length
    ? resolvePlacement(cluster, { capacityProviderStrategy: input.capacityProviderStrategy })
    : { launchType: service.launchType, capacityProviderStrategy: service.capacityProviderStrategy };
  const networkConfiguration = checkPlacement(
    ctx,
    td,
    placement,
    input.networkConfiguration ?? service.networkConfiguration,
  );
  const serviceConnect = input.serviceConnectConfiguration
    ? resolveServiceConnect(ctx.state, cluster, input.serviceConnectConfiguration)
    : service.serviceConnectConfiguration;
  const loadBalancers = input.loadBalancers ?? service.loadBalancers ?? [];
  checkLoadBalancers(td, loadBalancers);

  const newDeploymentNeeded =
    input.forceNewDeployment === true ||
    td.taskDefinitionArn !== service.taskDefinition ||
    !sameSetting(networkConfiguration, service.networkConfiguration) ||
    (input.platformVersion !== undefined && input.platformVersion !== service.platformVersion) ||
    !sameSetting(loadBalancers, service.loadBalancers ?? []) ||
    !sameSetting(placement.capacityProviderStrategy, service.capacityProviderStrategy) ||
    !sameSetting(serviceConnect, service.serviceConnectConfiguration);
  if (input.capacityProviderStrategy?.length) {
    delete service.launchType;
    service.capacityProviderStrategy = placement.capacityProviderStrategy;
  }
  Object.assign(service, {
    ...(serviceConnect ? { serviceConnectConfiguration: serviceConnect } : {}),
    taskDefinition: td.taskDefinitionArn,
    loadBalancers,
    desiredCount: input.desiredCount ?? service.desiredCount,
    deploymentConfiguration: { ...service.deploymentConfiguration, ...input.deploymentConfiguration },
    ...(networkConfiguration ? { networkConfiguration } : {}),
    ...(input.platformVersion && isFargate(service) ? { platformVersion: input.platformVersion } : {}),
    ...(input.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }
      : {}),
    ...(input.enableExecuteCommand !== undefined ? { enableExecuteCommand: input.enableExecuteCommand } : {}),
    ...(input.enableECSManagedTags !== undefined ? { enableECSManagedTags: input.enableECSManagedTags } : {}),
    ...(input.propagateTags !== undefined ? { propagateTags: input.propagateTags } : {}),
  });
  const now = Date.now();
  const primary = service.deployments.find((d) => d.status === 'PRIMARY')!;
  if (newDeploymentNeeded) {
    primary.status = 'ACTIVE';
    primary.updatedAt = now;
    const deployment = newDeployment(service, now);
    service.deployments.unshift(deployment);
    startServiceDeployment(ctx.state, service, deployment, now);
  } else if (primary.desiredCount !== service.desiredCount) {
    primary.desiredCount = service.desiredCount;
    // With a rollout under way, the scheduler shares the new count out; alone, scale now.
    if (service.deployments.length === 1) bringToCount(ctx.state, service, primary, now);
  }
  return { service: serviceToAws(ctx.state, service) };
};

export const describeServices: Handler<
  Checked<DescribeServicesRequest, 'services'>,
  DescribeServicesResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const response: Required<DescribeServicesResponse> = { services: [], failures: [] };
  for (const ref of input.services) {
    const service = findService(ctx.state, cluster, ref);
    if (service) response.services.push(serviceToAws(ctx.state, service, input.include));
    else response.failures.push({ arn: serviceArnFor(cluster, lastSegment(ref)), reason: 'MISSING' });
  }
  return response;
};

export const listServices: Handler<ListServicesRequest, ListServicesResponse, EcsState> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const arns = Object.values(ctx.state.services)
    .filter(
      (s) =>
        s.clusterArn === cluster.clusterArn &&
        s.status !== 'INACTIVE' &&
        (!input.launchType || s.launchType === input.launchType) &&
        (!input.schedulingStrategy || s.schedulingStrategy === input.schedulingStrategy),
    )
    .map((s) => s.serviceArn)
    .sort();
  const { page, nextToken } = paginate(arns, input.maxResults, input.nextToken, 10);
  return { serviceArns: page, nextToken };
};

/**
 * Scales the service to 0 and marks it DRAINING (the response AWS gives); it turns INACTIVE once
 * its tasks have stopped, which is at once for tasks nothing has started yet.
 */
export const deleteService: Handler<
  Checked<DeleteServiceRequest, 'service'>,
  DeleteServiceResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const service = requireService(ctx.state, cluster, input.service);
  if (service.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
  if (service.desiredCount > 0 && !input.force) {
    throw new InvalidParameterException('The service cannot be stopped while it is scaled above 0.');
  }
  const now = Date.now();
  service.desiredCount = 0;
  service.status = 'DRAINING';
  for (const deployment of service.deployments) deployment.desiredCount = 0;
  bringToCount(ctx.state, service, service.deployments[0]!, now);
  const response = { service: serviceToAws(ctx.state, service) };
  settleDrainingService(ctx.state, service);
  return response;
};
