/** Where tasks of a service or RunTask call may go, and the networking they need, checked as ECS does. */
import type { CapacityProviderStrategyItem, LaunchType, NetworkConfiguration } from '@aws-sdk/client-ecs';
import { InvalidParameterException } from './errors.ts';
import type { Placement } from './lifecycle.ts';
import { isFargate } from './lifecycle.ts';
import type { ClusterRecord, TaskDefinitionRecord } from './state.ts';

/** Without a launch type or strategy, the cluster's default strategy applies, else EC2. */
export function resolvePlacement(
  cluster: ClusterRecord,
  input: { launchType?: LaunchType; capacityProviderStrategy?: CapacityProviderStrategyItem[] },
): Placement {
  if (input.launchType) return { launchType: input.launchType };
  if (input.capacityProviderStrategy?.length)
    return { capacityProviderStrategy: input.capacityProviderStrategy };
  if (cluster.defaultCapacityProviderStrategy.length) {
    return { capacityProviderStrategy: cluster.defaultCapacityProviderStrategy };
  }
  return { launchType: 'EC2' };
}

/** Fills what AWS fills in an awsvpc configuration (public IP off) after checking it. */
export function checkPlacement(
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
  return {
    awsvpcConfiguration: {
      subnets,
      securityGroups: awsvpc.securityGroups ?? [],
      assignPublicIp: awsvpc.assignPublicIp ?? 'DISABLED',
    },
  };
}
