import type {
  CreateServiceRequest,
  CreateServiceResponse,
  DeleteServiceRequest,
  DeleteServiceResponse,
  DeploymentConfiguration,
  DescribeServicesRequest,
  DescribeServicesResponse,
  ListServicesRequest,
  ListServicesResponse,
  UpdateServiceRequest,
  UpdateServiceResponse,
} from '@aws-sdk/client-ecs';
import { isDeepStrictEqual } from 'node:util';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { paginate } from '../common.ts';
import { InvalidParameterException, ServiceNotActiveException } from './errors.ts';
import { resolveServiceConnect } from './namespaces.ts';
import { startServiceDeployment } from './service-deployments.ts';
import { addTaskSet } from './task-sets.ts';
import { bringTaskSetToCount, bringToCount } from './deployment-scaling.ts';
import { checkDeploymentStrategy, shiftsTraffic, startTrafficShift } from './deployment-strategy.ts';
import { isFargate, newDeployment, settleDrainingService } from './lifecycle.ts';
import { checkLoadBalancers, checkPlacement, resolvePlacement } from './placement-rules.ts';
import {
  checkName,
  findService,
  requireCluster,
  requireService,
  requireUsableTaskDefinition,
  serviceArnFor,
} from './references.ts';
import type { ClusterRecord, EcsState, ServiceRecord } from './state.ts';
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

/** A strategy other than ROLLING is the ECS controller's own (CodeDeploy and external ones pace themselves). */
function checkController(config: DeploymentConfiguration | undefined, controller: string | undefined): void {
  if (shiftsTraffic(config) && (controller ?? 'ECS') !== 'ECS') {
    throw new InvalidParameterException(
      `The ${config!.strategy} deployment strategy requires the ECS deployment controller, not ${controller}.`,
    );
  }
}

/**
 * With an EXTERNAL controller the task set carries the task definition, placement, network and
 * load balancers, and CreateService must leave them out: AWS answers "TaskDefinition must be
 * blank." and "NetworkConfiguration must be null." (its words); the others are worded alike.
 */
function checkExternalService(input: CreateServiceRequest): void {
  const refused: Array<[unknown, string]> = [
    [input.taskDefinition, 'TaskDefinition must be blank.'],
    [input.networkConfiguration, 'NetworkConfiguration must be null.'],
    [input.launchType, 'LaunchType must be blank.'],
    [input.platformVersion, 'PlatformVersion must be blank.'],
    [
      input.capacityProviderStrategy?.length ? input.capacityProviderStrategy : undefined,
      'CapacityProviderStrategy must be empty.',
    ],
    [input.loadBalancers?.length ? input.loadBalancers : undefined, 'LoadBalancers must be empty.'],
  ];
  const found = refused.find(([value]) => value !== undefined && value !== '');
  if (found) throw new InvalidParameterException(found[1]);
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
  checkController(input.deploymentConfiguration, input.deploymentController?.type);
  const serviceArn = serviceArnFor(cluster, input.serviceName);
  const existing = ctx.state.services[serviceArn];
  if (input.deploymentController?.type === 'EXTERNAL') {
    checkExternalService(input);
    if (existing && existing.status !== 'INACTIVE') {
      throw new InvalidParameterException('Creation of service was not idempotent.');
    }
    return { service: serviceToAws(ctx.state, createExternalService(input, ctx, cluster, serviceArn)) };
  }
  const td = requireUsableTaskDefinition(ctx.state, input.taskDefinition);
  if (existing && existing.status !== 'INACTIVE') {
    throw new InvalidParameterException('Creation of service was not idempotent.');
  }
  const placement = resolvePlacement(cluster, input);
  const networkConfiguration = checkPlacement(ctx, td, placement, input.networkConfiguration);
  const loadBalancers = input.loadBalancers ?? [];
  checkLoadBalancers(td, loadBalancers);
  checkDeploymentStrategy(ctx, input.deploymentConfiguration ?? {}, loadBalancers);
  const codeDeploy = input.deploymentController?.type === 'CODE_DEPLOY';
  if (codeDeploy && loadBalancers.length === 0) {
    throw new InvalidParameterException(
      'A service that uses the CODE_DEPLOY deployment controller requires an Application Load Balancer or Network Load Balancer.',
    );
  }
  const tags = checkUserTags(input.tags);
  const serviceConnect =
    input.serviceConnectConfiguration &&
    resolveServiceConnect(ctx.state, cluster, input.serviceConnectConfiguration);
  const now = Date.now();
  const service: ServiceRecord = {
    ...serviceSettings(input, ctx, cluster, serviceArn, now),
    loadBalancers,
    ...placement,
    ...(isFargate(placement)
      ? { platformVersion: input.platformVersion ?? 'LATEST', platformFamily: 'Linux' }
      : {}),
    taskDefinition: td.taskDefinitionArn,
    ...(loadBalancers.length ? { roleArn: input.role ?? serviceLinkedRole(ctx.accountId) } : {}),
    ...(networkConfiguration ? { networkConfiguration } : {}),
    ...(serviceConnect ? { serviceConnectConfiguration: serviceConnect } : {}),
    deploymentController: { type: codeDeploy ? 'CODE_DEPLOY' : 'ECS' },
  };
  ctx.state.tags[serviceArn] = tags;
  if (codeDeploy) {
    // Its first task set, PRIMARY, runs the service's own settings; CodeDeploy would add the others.
    ctx.state.services[serviceArn] = service;
    addTaskSet(ctx.state, service, {
      taskDefinition: td.taskDefinitionArn,
      placement,
      ...(networkConfiguration ? { networkConfiguration } : {}),
      loadBalancers,
      serviceRegistries: service.serviceRegistries ?? [],
      scale: { value: 100, unit: 'PERCENT' },
      tags: [],
      status: 'PRIMARY',
    });
    return { service: serviceToAws(ctx.state, service) };
  }
  const deployment = newDeployment(service, now);
  service.deployments.push(deployment);
  startServiceDeployment(ctx.state, service, deployment, now);
  ctx.state.services[serviceArn] = service;
  bringToCount(ctx.state, service, deployment, now);
  return { service: serviceToAws(ctx.state, service) };
};

/** What every service records from CreateService, whatever its controller. */
function serviceSettings(
  input: Checked<CreateServiceRequest, 'serviceName'>,
  ctx: RequestContext<EcsState>,
  cluster: ClusterRecord,
  serviceArn: string,
  now: number,
): ServiceRecord {
  return {
    serviceArn,
    serviceName: input.serviceName,
    clusterArn: cluster.clusterArn,
    serviceRegistries: input.serviceRegistries ?? [],
    status: 'ACTIVE',
    desiredCount: input.desiredCount ?? 0,
    deploymentConfiguration: withDeploymentDefaults(input.deploymentConfiguration),
    deployments: [],
    events: [],
    createdAt: now,
    placementConstraints: input.placementConstraints ?? [],
    placementStrategy: input.placementStrategy ?? [],
    healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds ?? 0,
    schedulingStrategy: input.schedulingStrategy ?? 'REPLICA',
    createdBy: `arn:aws:iam::${ctx.accountId}:root`,
    enableECSManagedTags: input.enableECSManagedTags ?? false,
    propagateTags: input.propagateTags ?? 'NONE',
    enableExecuteCommand: input.enableExecuteCommand ?? false,
  };
}

/** A service an external controller deploys through task sets: no deployment, no task yet. */
function createExternalService(
  input: Checked<CreateServiceRequest, 'serviceName'>,
  ctx: RequestContext<EcsState>,
  cluster: ClusterRecord,
  serviceArn: string,
): ServiceRecord {
  const tags = checkUserTags(input.tags);
  const service: ServiceRecord = {
    ...serviceSettings(input, ctx, cluster, serviceArn, Date.now()),
    loadBalancers: [],
    deploymentController: { type: 'EXTERNAL' },
    taskSets: [],
  };
  ctx.state.services[serviceArn] = service;
  ctx.state.tags[serviceArn] = tags;
  return service;
}

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
  if (service.taskSets)
    return { service: serviceToAws(ctx.state, updateExternalService(input, ctx, service)) };
  const td = input.taskDefinition
    ? requireUsableTaskDefinition(ctx.state, input.taskDefinition)
    : taskDefinitionByArn(ctx.state, service.taskDefinition ?? '')!;
  if (input.deploymentController && input.deploymentController.type !== 'ECS') {
    throw new InvalidParameterException("The local cloud does not change a service's deployment controller.");
  }
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
  const deploymentConfiguration = { ...service.deploymentConfiguration, ...input.deploymentConfiguration };
  checkDeploymentStrategy(ctx, deploymentConfiguration, loadBalancers);

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
    deploymentConfiguration,
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
    startTrafficShift(service.deploymentConfiguration, deployment, primary, now);
    service.deployments.unshift(deployment);
    startServiceDeployment(ctx.state, service, deployment, now);
  } else if (primary.desiredCount !== service.desiredCount) {
    primary.desiredCount = service.desiredCount;
    // With a rollout under way, the scheduler shares the new count out; alone, scale now.
    if (service.deployments.length === 1) bringToCount(ctx.state, service, primary, now);
  }
  return { service: serviceToAws(ctx.state, service) };
};

/**
 * An EXTERNAL service takes a new desired count and health-check grace period (and the settings
 * that are no task set's); task definition, placement, network and load balancers belong to its
 * task sets, as the developer guide says: changing them needs a new task set.
 */
function updateExternalService(
  input: Checked<UpdateServiceRequest, 'service'>,
  ctx: RequestContext<EcsState>,
  service: ServiceRecord,
): ServiceRecord {
  const taskSetLevel: Array<[unknown, string]> = [
    [input.taskDefinition, 'taskDefinition'],
    [input.networkConfiguration, 'networkConfiguration'],
    [input.loadBalancers, 'loadBalancers'],
    [input.platformVersion, 'platformVersion'],
    [input.capacityProviderStrategy, 'capacityProviderStrategy'],
    [input.serviceConnectConfiguration, 'serviceConnectConfiguration'],
    [input.forceNewDeployment || undefined, 'forceNewDeployment'],
    [
      input.deploymentController?.type === 'EXTERNAL' ? undefined : input.deploymentController,
      'deploymentController',
    ],
  ];
  const found = taskSetLevel.find(([value]) => value !== undefined);
  if (found && service.deploymentController?.type === 'CODE_DEPLOY') {
    throw new InvalidParameterException(
      found[1] === 'taskDefinition'
        ? 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.'
        : `${found[1]} cannot be updated for a service that uses the CODE_DEPLOY deployment controller: CodeDeploy deploys it.`,
    );
  }
  if (found) {
    throw new InvalidParameterException(
      `${found[1]} cannot be updated for a service that uses the EXTERNAL deployment controller: create a task set instead.`,
    );
  }
  const deploymentConfiguration = { ...service.deploymentConfiguration, ...input.deploymentConfiguration };
  checkController(deploymentConfiguration, service.deploymentController?.type);
  Object.assign(service, {
    desiredCount: input.desiredCount ?? service.desiredCount,
    deploymentConfiguration,
    ...(input.healthCheckGracePeriodSeconds !== undefined
      ? { healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds }
      : {}),
    ...(input.enableExecuteCommand !== undefined ? { enableExecuteCommand: input.enableExecuteCommand } : {}),
    ...(input.enableECSManagedTags !== undefined ? { enableECSManagedTags: input.enableECSManagedTags } : {}),
    ...(input.propagateTags !== undefined ? { propagateTags: input.propagateTags } : {}),
  });
  const now = Date.now();
  for (const taskSet of service.taskSets ?? []) bringTaskSetToCount(ctx.state, service, taskSet, now);
  return service;
}

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
  if (service.deployments[0]) bringToCount(ctx.state, service, service.deployments[0], now);
  for (const taskSet of service.taskSets ?? []) bringTaskSetToCount(ctx.state, service, taskSet, now);
  const response = { service: serviceToAws(ctx.state, service) };
  settleDrainingService(ctx.state, service);
  return response;
};
