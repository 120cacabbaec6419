/** Where tasks of a service or RunTask call may go, and the networking they need, checked as ECS does. */
import type {
  CapacityProviderStrategyItem,
  LaunchType,
  LoadBalancer,
  NetworkConfiguration,
} from '@aws-sdk/client-ecs';
import { checkStrategyForCluster } from './capacity-strategy.ts';
import { InvalidParameterException } from './errors.ts';
import type { Placement } from './lifecycle.ts';
import { isFargate } from './lifecycle.ts';
import type { RequestContext } from '../../service-definition.ts';
import type { ClusterRecord, EcsState, TaskDefinitionRecord } from './state.ts';

/**
 * A launch type or a capacity provider strategy, never both; without either, the cluster's
 * default strategy applies, else EC2. A strategy is checked against the cluster as ECS checks it.
 */
export function resolvePlacement(
  cluster: ClusterRecord,
  input: { launchType?: LaunchType; capacityProviderStrategy?: CapacityProviderStrategyItem[] },
): Placement {
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw new InvalidParameterException(
      'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    );
  }
  if (input.launchType) return { launchType: input.launchType };
  if (input.capacityProviderStrategy?.length) {
    checkStrategyForCluster(cluster, input.capacityProviderStrategy, 'given');
    return { capacityProviderStrategy: input.capacityProviderStrategy };
  }
  if (cluster.defaultCapacityProviderStrategy.length) {
    checkStrategyForCluster(cluster, cluster.defaultCapacityProviderStrategy, 'default');
    return { capacityProviderStrategy: cluster.defaultCapacityProviderStrategy };
  }
  return { launchType: 'EC2' };
}

/** What ECS reads of EC2's recorded state (services never import each other, so it is restated here). */
interface Ec2Records {
  subnets: Record<string, unknown>;
  securityGroups: Record<string, unknown>;
}

/**
 * Subnets and security groups must exist in the region's EC2, as ECS checks them, with its wording.
 * Without any EC2 state in the region no id can exist (ids are random and handed out by EC2 only).
 */
function checkNetworkExists(
  ctx: RequestContext<EcsState>,
  subnets: string[],
  securityGroups: string[],
): void {
  const ec2 = ctx.store.regions<Ec2Records>('ec2').find(([region]) => region === ctx.region)?.[1];
  const missingSubnet = subnets.find((id) => !ec2 || !Object.hasOwn(ec2.subnets, id));
  if (missingSubnet !== undefined) {
    throw new InvalidParameterException(
      `Error retrieving subnet information for [${subnets.join(', ')}]: The subnet ID '${missingSubnet}' does not exist (ErrorCode: InvalidSubnetID.NotFound)`,
    );
  }
  const missingGroup = securityGroups.find((id) => !ec2 || !Object.hasOwn(ec2.securityGroups, id));
  if (missingGroup !== undefined) {
    throw new InvalidParameterException(
      `Error retrieving security group information for [${securityGroups.join(', ')}]: The security group '${missingGroup}' does not exist (ErrorCode: InvalidGroup.NotFound)`,
    );
  }
}

/** Fills what AWS fills in an awsvpc configuration (public IP off) after checking it. */
export function checkPlacement(
  ctx: RequestContext<EcsState>,
  td: TaskDefinitionRecord,
  placement: Placement,
  networkConfiguration: NetworkConfiguration | undefined,
): NetworkConfiguration | undefined {
  if (isFargate(placement) && !td.compatibilities?.includes('FARGATE')) {
    throw new InvalidParameterException('Task definition does not support launch_type FARGATE.');
  }
  const awsvpc = networkConfiguration?.awsvpcConfiguration;
  if (td.networkMode !== 'awsvpc') {
    if (awsvpc) {
      throw new InvalidParameterException(
        'Network Configuration is not valid for the given networkMode of this task definition.',
      );
    }
    return undefined;
  }
  if (!awsvpc) {
    throw new InvalidParameterException(
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    );
  }
  const subnets = awsvpc.subnets ?? [];
  if (subnets.length === 0) throw new InvalidParameterException('subnets can not be empty.');
  if (subnets.length > 16) throw new InvalidParameterException('subnets can have at most 16 items.');
  const securityGroups = awsvpc.securityGroups ?? [];
  checkNetworkExists(ctx, subnets, securityGroups);
  return {
    awsvpcConfiguration: {
      subnets,
      securityGroups,
      assignPublicIp: awsvpc.assignPublicIp ?? 'DISABLED',
    },
  };
}

/** A load balancer must point at a container port the task definition maps. */
export function checkLoadBalancers(td: TaskDefinitionRecord, loadBalancers: LoadBalancer[]): void {
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
