import { cluster } from './cluster.ts';
import { ecrLifecyclePolicy, ecrRepository } from './ecr.ts';
import { executionRole, taskRole } from './iam.ts';
import { logGroup } from './logs.ts';
import { internetGateway, routeTable, securityGroup, subnet, vpc } from './network.ts';
import type { AnyResource, ProvisionContext } from './resource.ts';
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
    securityGroup(ctx),
    cluster(ctx),
  ];
}

export interface ObservedResource {
  resource: AnyResource;
  observed: never | undefined;
}

/** Looks at every resource in order, so each finds the ids of those before it. */
export async function observeAll(resources: AnyResource[]): Promise<ObservedResource[]> {
  const result: ObservedResource[] = [];
  for (const resource of resources) result.push({ resource, observed: await resource.observe() });
  return result;
}
