import {
  CreateClusterCommand,
  DeleteClusterCommand,
  DescribeClustersCommand,
  UpdateClusterSettingsCommand,
} from '@aws-sdk/client-ecs';
import type { Cluster } from '@aws-sdk/client-ecs';
import type { AnyResource, ProvisionContext } from './resource.ts';
import { defineResource } from './resource.ts';

export function cluster(ctx: ProvisionContext): AnyResource {
  const { ecs } = ctx.clients;
  const clusterName = ctx.names.cluster;
  const setting = ctx.stack.config.cluster.containerInsights;
  const insights = setting === 'enhanced' ? 'enhanced' : setting ? 'enabled' : 'disabled';
  const settings = [{ name: 'containerInsights' as const, value: insights }];
  return defineResource<Cluster>({
    type: 'ECS cluster',
    name: clusterName,
    async observe() {
      const { clusters = [] } = await ecs.send(
        new DescribeClustersCommand({ clusters: [clusterName], include: ['SETTINGS'] }),
      );
      // A deleted cluster stays visible as INACTIVE for a while; it counts as missing.
      const found = clusters.find((c) => c.status === 'ACTIVE');
      ctx.found.clusterArn = found?.clusterArn;
      return found;
    },
    drift(found) {
      const current = found.settings?.find((s) => s.name === 'containerInsights')?.value ?? 'disabled';
      return current === insights ? [] : [`containerInsights ${current} → ${insights}`];
    },
    async create() {
      const { cluster: created } = await ecs.send(
        new CreateClusterCommand({
          clusterName,
          settings,
          tags: Object.entries(ctx.tags).map(([key, value]) => ({ key, value })),
        }),
      );
      ctx.found.clusterArn = created?.clusterArn;
    },
    async update() {
      await ecs.send(new UpdateClusterSettingsCommand({ cluster: clusterName, settings }));
    },
    async remove() {
      await ecs.send(new DeleteClusterCommand({ cluster: clusterName }));
    },
  });
}
