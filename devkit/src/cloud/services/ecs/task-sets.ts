/**
 * Task sets: how an external deployment controller (blue/green tools, IaC) deploys a service whose
 * deploymentController is EXTERNAL. Each task set runs its own task definition, placement, network
 * and load balancers at a scale (a percent of the service's desiredCount, rounded up); its tasks
 * are real service tasks, started and stopped by the same scaling code as deployments'
 * (deployment-scaling.ts) and moved along by the scheduler. A task set is ACTIVE when created,
 * PRIMARY once UpdateServicePrimaryTaskSet names it (its settings then become the service's, as
 * DescribeServices shows them), DRAINING once deleted, and gone once its tasks have stopped.
 *
 * A CODE_DEPLOY service starts with one PRIMARY task set of its own settings (CreateService);
 * CodeDeploy, which the local cloud does not have, would create the others. Its task sets can be
 * described, not changed.
 *
 * Chosen where the reference is silent: a service with another controller is an
 * InvalidParameterException naming it; a DRAINING task set cannot be updated or made primary
 * (InvalidParameterException); deleting one still scaled above 0 without `force` is an
 * InvalidParameterException; a repeated clientToken returns the task set it created.
 */
import type {
  CreateTaskSetRequest,
  CreateTaskSetResponse,
  DeleteTaskSetRequest,
  DeleteTaskSetResponse,
  DescribeTaskSetsRequest,
  DescribeTaskSetsResponse,
  Failure,
  LoadBalancer,
  NetworkConfiguration,
  Scale,
  ServiceRegistry,
  Tag,
  UpdateServicePrimaryTaskSetRequest,
  UpdateServicePrimaryTaskSetResponse,
  UpdateTaskSetRequest,
  UpdateTaskSetResponse,
} from '@aws-sdk/client-ecs';
import type { Checked, Handler, RequestContext } from '../../service-definition.ts';
import { bringTaskSetToCount, noteTaskSetStability } from './deployment-scaling.ts';
import { InvalidParameterException, ServiceNotActiveException, TaskSetNotFoundException } from './errors.ts';
import type { Placement } from './lifecycle.ts';
import { FARGATE_PLATFORM_VERSION, isFargate, newDeploymentId } from './lifecycle.ts';
import { checkLoadBalancers, checkPlacement, resolvePlacement } from './placement-rules.ts';
import { requireCluster, requireService, requireUsableTaskDefinition } from './references.ts';
import type { EcsState, ServiceRecord, TaskSetRecord } from './state.ts';
import { clusterNameOf, siblingArn } from './state.ts';
import { checkUserTags } from './tags.ts';
import { taskSetToAws } from './views.ts';

type Ctx = RequestContext<EcsState>;

/** Not in AWS's TaskSet shape: the clientToken that created it (a retry gets the same task set). */
type StoredTaskSet = TaskSetRecord & { clientToken?: string };

/**
 * The ACTIVE service, which must be one an external controller deploys; a CODE_DEPLOY service's
 * task sets (CodeDeploy's to change) may be described.
 */
function requireExternalService(
  ctx: Ctx,
  clusterRef: string,
  serviceRef: string,
  describing = false,
): ServiceRecord {
  const cluster = requireCluster(ctx, clusterRef);
  const service = requireService(ctx.state, cluster, serviceRef);
  if (service.status !== 'ACTIVE') throw new ServiceNotActiveException('Service was not ACTIVE.');
  const type = service.deploymentController?.type;
  if (!service.taskSets || (type !== 'EXTERNAL' && !describing)) {
    throw new InvalidParameterException(
      `The service ${service.serviceName} uses the ${type ?? 'ECS'} ` +
        'deployment controller: task sets are for services that use the EXTERNAL deployment controller.',
    );
  }
  return service;
}

/** A task set of the service, by its id (`ecs-svc/…`) or its ARN. */
function findTaskSet(service: ServiceRecord, ref: string): StoredTaskSet | undefined {
  return service.taskSets?.find((t) => t.id === ref || t.taskSetArn === ref);
}

function requireTaskSet(service: ServiceRecord, ref: string): StoredTaskSet {
  const taskSet = findTaskSet(service, ref);
  if (!taskSet) {
    throw new TaskSetNotFoundException(
      "The specified task set wasn't found. You can view your available task sets with DescribeTaskSets.",
    );
  }
  return taskSet;
}

function requireUndrained(taskSet: TaskSetRecord): void {
  if (taskSet.status === 'DRAINING') {
    throw new InvalidParameterException(
      `The task set ${taskSet.id} is DRAINING and can no longer be changed.`,
    );
  }
}

/** A percent of the desired count, 0 to 100 as the reference says (100 when not given). */
function checkScale(scale: Scale | undefined): TaskSetRecord['scale'] {
  const value = scale?.value ?? 100;
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new InvalidParameterException('Scale value must be a number between 0 and 100.');
  }
  return { value, unit: 'PERCENT' };
}

/** Scales the task set now (its missing tasks recorded PROVISIONING for the runtime) and notes its stability. */
function rescale(ctx: Ctx, service: ServiceRecord, taskSet: TaskSetRecord, now: number): void {
  taskSet.updatedAt = now;
  bringTaskSetToCount(ctx.state, service, taskSet, now);
  noteTaskSetStability(ctx.state, service, taskSet, now);
}

export const createTaskSet: Handler<
  Checked<CreateTaskSetRequest, 'service' | 'cluster' | 'taskDefinition'>,
  CreateTaskSetResponse,
  EcsState
> = (input, ctx) => {
  const cluster = requireCluster(ctx, input.cluster);
  const service = requireExternalService(ctx, input.cluster, input.service);
  const retried = input.clientToken
    ? service.taskSets!.find((t: StoredTaskSet) => t.clientToken === input.clientToken)
    : undefined;
  if (retried) return { taskSet: taskSetToAws(ctx.state, service, retried, ['TAGS']) };
  const td = requireUsableTaskDefinition(ctx.state, input.taskDefinition);
  const placement = resolvePlacement(cluster, input);
  const networkConfiguration = checkPlacement(ctx, td, placement, input.networkConfiguration);
  const loadBalancers = input.loadBalancers ?? [];
  checkLoadBalancers(td, loadBalancers);
  const taskSet = addTaskSet(ctx.state, service, {
    taskDefinition: td.taskDefinitionArn,
    placement,
    ...(networkConfiguration ? { networkConfiguration } : {}),
    loadBalancers,
    serviceRegistries: input.serviceRegistries ?? [],
    scale: checkScale(input.scale),
    tags: checkUserTags(input.tags),
    ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
    ...(input.clientToken ? { clientToken: input.clientToken } : {}),
  });
  return { taskSet: taskSetToAws(ctx.state, service, taskSet, ['TAGS']) };
};

export interface TaskSetSettings {
  taskDefinition: string;
  placement: Placement;
  networkConfiguration?: NetworkConfiguration;
  loadBalancers: LoadBalancer[];
  serviceRegistries: ServiceRegistry[];
  scale: TaskSetRecord['scale'];
  tags: Tag[];
  externalId?: string;
  clientToken?: string;
  status?: TaskSetRecord['status'];
}

/** Records a task set of `service` (ACTIVE unless told otherwise) and starts its share of tasks. */
export function addTaskSet(
  state: EcsState,
  service: ServiceRecord,
  settings: TaskSetSettings,
): TaskSetRecord {
  const now = Date.now();
  const id = newDeploymentId();
  const { placement, tags, status, ...rest } = settings;
  const taskSet: StoredTaskSet = {
    id,
    taskSetArn: siblingArn(
      service.clusterArn,
      `task-set/${clusterNameOf(service.clusterArn)}/${service.serviceName}/${id}`,
    ),
    serviceArn: service.serviceArn,
    clusterArn: service.clusterArn,
    status: status ?? 'ACTIVE',
    createdAt: now,
    ...placement,
    ...(isFargate(placement) ? { platformVersion: FARGATE_PLATFORM_VERSION, platformFamily: 'Linux' } : {}),
    ...rest,
    stabilityStatus: 'STABILIZING',
    stabilityStatusAt: now,
  };
  (service.taskSets ??= []).push(taskSet);
  state.tags[taskSet.taskSetArn] = tags;
  taskSet.updatedAt = now;
  bringTaskSetToCount(state, service, taskSet, now);
  noteTaskSetStability(state, service, taskSet, now);
  return taskSet;
}

/** The task sets named (all of the service's when none is), unknown ones as MISSING failures. */
export const describeTaskSets: Handler<
  Checked<DescribeTaskSetsRequest, 'cluster' | 'service'>,
  DescribeTaskSetsResponse,
  EcsState
> = (input, ctx) => {
  const service = requireExternalService(ctx, input.cluster, input.service, true);
  const failures: Failure[] = [];
  const chosen = input.taskSets?.length
    ? input.taskSets.flatMap((ref) => {
        const taskSet = findTaskSet(service, ref);
        if (!taskSet) failures.push({ arn: ref, reason: 'MISSING' });
        return taskSet ? [taskSet] : [];
      })
    : service.taskSets!;
  return {
    taskSets: chosen.map((t) => taskSetToAws(ctx.state, service, t, input.include)),
    failures,
  };
};

/** Only the scale changes (the developer guide: "UpdateTaskSet updates only the scale parameter"). */
export const updateTaskSet: Handler<
  Checked<UpdateTaskSetRequest, 'cluster' | 'service' | 'taskSet' | 'scale'>,
  UpdateTaskSetResponse,
  EcsState
> = (input, ctx) => {
  const service = requireExternalService(ctx, input.cluster, input.service);
  const taskSet = requireTaskSet(service, input.taskSet);
  requireUndrained(taskSet);
  if (input.scale.value === undefined) throw new InvalidParameterException('Scale value must be given.');
  taskSet.scale = checkScale(input.scale);
  rescale(ctx, service, taskSet, Date.now());
  return { taskSet: taskSetToAws(ctx.state, service, taskSet) };
};

/**
 * The task set drains: its tasks are deregistered and stopped; it leaves the service once they
 * have (the scheduler's step). One still scaled above 0 needs `force`, as the reference says.
 */
export const deleteTaskSet: Handler<
  Checked<DeleteTaskSetRequest, 'cluster' | 'service' | 'taskSet'>,
  DeleteTaskSetResponse,
  EcsState
> = (input, ctx) => {
  const service = requireExternalService(ctx, input.cluster, input.service);
  const taskSet = requireTaskSet(service, input.taskSet);
  if (taskSet.status !== 'DRAINING') {
    if (taskSet.scale.value > 0 && !input.force) {
      throw new InvalidParameterException(
        `The task set ${taskSet.id} cannot be deleted while it is scaled above 0. Scale it to 0 first, or use force.`,
      );
    }
    taskSet.status = 'DRAINING';
    rescale(ctx, service, taskSet, Date.now());
  }
  return { taskSet: taskSetToAws(ctx.state, service, taskSet) };
};

/**
 * The task set becomes PRIMARY (the one that was, ACTIVE), and its settings the service's: task
 * definition, placement, platform, network, load balancers and registries, as DescribeServices
 * then reports them.
 */
export const updateServicePrimaryTaskSet: Handler<
  Checked<UpdateServicePrimaryTaskSetRequest, 'cluster' | 'service' | 'primaryTaskSet'>,
  UpdateServicePrimaryTaskSetResponse,
  EcsState
> = (input, ctx) => {
  const service = requireExternalService(ctx, input.cluster, input.service);
  const taskSet = requireTaskSet(service, input.primaryTaskSet);
  requireUndrained(taskSet);
  const now = Date.now();
  for (const other of service.taskSets!) {
    if (other.status === 'PRIMARY' && other !== taskSet) {
      other.status = 'ACTIVE';
      other.updatedAt = now;
    }
  }
  taskSet.status = 'PRIMARY';
  taskSet.updatedAt = now;
  delete service.launchType;
  delete service.capacityProviderStrategy;
  delete service.platformVersion;
  delete service.platformFamily;
  delete service.networkConfiguration;
  Object.assign(service, {
    taskDefinition: taskSet.taskDefinition,
    ...(taskSet.launchType ? { launchType: taskSet.launchType } : {}),
    ...(taskSet.capacityProviderStrategy?.length
      ? { capacityProviderStrategy: taskSet.capacityProviderStrategy }
      : {}),
    ...(taskSet.platformVersion ? { platformVersion: taskSet.platformVersion } : {}),
    ...(taskSet.platformFamily ? { platformFamily: taskSet.platformFamily } : {}),
    ...(taskSet.networkConfiguration ? { networkConfiguration: taskSet.networkConfiguration } : {}),
    loadBalancers: taskSet.loadBalancers ?? [],
    serviceRegistries: taskSet.serviceRegistries ?? [],
  });
  return { taskSet: taskSetToAws(ctx.state, service, taskSet) };
};
