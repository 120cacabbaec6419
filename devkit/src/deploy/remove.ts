import { DeleteServiceCommand, DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames } from './names.ts';
import type { PlannedChange, Progress, StepReport } from './progress.ts';
import { DeployError, runStep } from './progress.ts';
import { newProvisionContext, summarizePlan } from './provision.ts';
import type { InspectedResource } from './provision/resources.ts';
import { inspectAll, stageResources } from './provision/resources.ts';
import { describeService } from './rollout.ts';

export interface RemoveOptions {
  dryRun?: boolean;
  /** How long to wait for the service's tasks to stop before deleting the network under them. */
  timeoutMs?: number;
  pollMs?: number;
}

/** Deletes the service (its tasks stop first), so the network and cluster under it can go. */
async function removeService(clients: AwsClients, stack: Stack, report: StepReport, options: RemoveOptions) {
  const names = resourceNames(stack);
  const ref = { cluster: names.cluster, service: names.service };
  const service = await describeService(clients, ref).catch((error: Error) => {
    if (error.name === 'ClusterNotFoundException') return undefined;
    throw error;
  });
  if (!service) return;
  await clients.ecs.send(new UpdateServiceCommand({ ...ref, desiredCount: 0 }));
  await clients.ecs.send(new DeleteServiceCommand({ ...ref, force: true }));
  report.output(`deleted ECS service ${names.service}; waiting for its tasks to stop`);
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  for (;;) {
    const { services = [] } = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }),
    );
    const current = services[0];
    // A deleted service stays DRAINING until its last task has stopped, and a cluster with a
    // DRAINING service cannot be deleted: wait for INACTIVE.
    if (!current || current.status === 'INACTIVE') return;
    if (Date.now() > deadline) throw new DeployError(`the service's tasks did not stop in time`, 'remove');
    await sleep(options.pollMs ?? 2_000);
  }
}

/** What `removeStack` would delete: every existing resource of the stage, in reverse creation order. */
export async function removalPlan(clients: AwsClients, stack: Stack): Promise<PlannedChange[]> {
  return asDeletions(await existingResources(clients, stack));
}

async function existingResources(clients: AwsClients, stack: Stack): Promise<InspectedResource[]> {
  const ctx = await newProvisionContext(clients, stack);
  return (await inspectAll(stageResources(ctx))).filter((resource) => resource.exists).reverse();
}

const asDeletions = (resources: InspectedResource[]): PlannedChange[] =>
  resources.map((resource) => ({ type: resource.type, name: resource.name, action: 'delete', details: [] }));

/** Deletes every resource of the stage, in reverse creation order. */
export function removeStack(
  clients: AwsClients,
  stack: Stack,
  progress: Progress,
  options: RemoveOptions = {},
): Promise<PlannedChange[]> {
  return runStep(
    progress,
    'remove',
    `remove ${stack.config.name} (${stack.stage})`,
    async (report) => {
      const existing = await existingResources(clients, stack);
      const changes = asDeletions(existing);
      report.plan(changes);
      if (options.dryRun) return changes;
      await removeService(clients, stack, report, options);
      for (const resource of existing) {
        await resource.remove();
        report.output(`deleted ${resource.type} ${resource.name}`);
      }
      return changes;
    },
    (changes) => summarizePlan(changes) || 'nothing to remove',
  );
}
