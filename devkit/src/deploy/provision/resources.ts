import { cluster } from './cluster.ts';
import { ecrLifecyclePolicy, ecrRepository } from './ecr.ts';
import { executionRole, taskRole } from './iam.ts';
import { listener, loadBalancer, targetGroup } from './load-balancer.ts';
import { logGroup } from './logs.ts';
import { internetGateway, routeTable, securityGroup, subnet, vpc } from './network.ts';
import type { AnyResource, Inspection, ProvisionContext } from './resource.ts';
import { appSecret, secretNames } from './secrets.ts';

/** Every resource of a stage, in creation order (each may need ids found by those before it). */
export function stageResources(ctx: ProvisionContext): AnyResource[] {
  return [
    ecrRepository(ctx),
    ecrLifecyclePolicy(ctx),
    logGroup(ctx),
    ...secretNames(ctx).map((name) => appSecret(ctx, name)),
    executionRole(ctx),
    taskRole(ctx),
    vpc(ctx),
    internetGateway(ctx),
    subnet(ctx, 'public', 0),
    subnet(ctx, 'public', 1),
    subnet(ctx, 'private', 0),
    subnet(ctx, 'private', 1),
    routeTable(ctx, 'public'),
    routeTable(ctx, 'private'),
    securityGroup(ctx, 'load-balancer'),
    securityGroup(ctx, 'app'),
    cluster(ctx),
    loadBalancer(ctx),
    targetGroup(ctx),
    listener(ctx),
  ];
}

export interface InspectedResource extends Inspection {
  type: string;
  name: string;
}

/** Inspects every resource in order, so each finds the ids of those before it. */
export async function inspectAll(resources: AnyResource[]): Promise<InspectedResource[]> {
  const result: InspectedResource[] = [];
  for (const resource of resources) {
    result.push({ type: resource.type, name: resource.name, ...(await resource.inspect()) });
  }
  return result;
}
