import { ListTaskDefinitionsCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { Stack } from '../stack/load.ts';
import type { AwsClients } from './clients.ts';
import { resourceNames } from './names.ts';
import type { Progress } from './progress.ts';
import { DeployError, runStep } from './progress.ts';
import type { RolloutOptions, RolloutResult } from './rollout.ts';
import { DEFAULT_ROLLOUT_OPTIONS, describeService, followRollout } from './rollout.ts';
import { revisionName } from './register.ts';

/** The ACTIVE revision of the family just before `current`. */
export async function previousRevision(
  clients: AwsClients,
  family: string,
  current: string,
): Promise<string> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await clients.ecs.send(
      new ListTaskDefinitionsCommand({ familyPrefix: family, status: 'ACTIVE', sort: 'DESC', nextToken }),
    );
    arns.push(...(page.taskDefinitionArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const revision = (arn: string) => Number(arn.split(':').at(-1));
  const previous = arns
    .filter((arn) => revisionName(arn).startsWith(`${family}:`) && revision(arn) < revision(current))
    .sort((a, b) => revision(b) - revision(a))[0];
  if (!previous)
    throw new DeployError(`no revision of ${family} before ${revisionName(current)} to roll back to`);
  return previous;
}

/** Points the service back at the previous task definition revision and follows that rollout. */
export function rollback(
  clients: AwsClients,
  stack: Stack,
  progress: Progress,
  options: RolloutOptions = DEFAULT_ROLLOUT_OPTIONS,
): Promise<RolloutResult> {
  const names = resourceNames(stack);
  const ref = { cluster: names.cluster, service: names.service };
  return runStep(
    progress,
    'rollback',
    `roll ${names.service} back to the previous revision`,
    async (report) => {
      const service = await describeService(clients, ref);
      if (!service?.taskDefinition)
        throw new DeployError(`service ${names.service} is not deployed`, 'rollback');
      const target = await previousRevision(clients, names.family, service.taskDefinition);
      report.output(`${revisionName(service.taskDefinition)} → ${revisionName(target)}`);
      const seen = new Set((service.events ?? []).flatMap((e) => (e.id ? [e.id] : [])));
      const { service: updated } = await clients.ecs.send(
        new UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, taskDefinition: target }),
      );
      const deploymentId = updated?.deployments?.find((d) => d.status === 'PRIMARY')?.id;
      if (!deploymentId) throw new DeployError('the service reports no PRIMARY deployment', 'rollback');
      return followRollout(clients, ref, deploymentId, seen, report, options);
    },
    (result) => `${result.deploymentId} COMPLETED with ${revisionName(result.taskDefinition)}`,
  );
}
