/**
 * Whether the service's running task got a value in its environment (a secret ECS injected), read
 * from its container on the local cloud's engine. The leak scan means something only if the key was
 * really handed to the service.
 */
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import type Docker from 'dockerode';
import { LABELS } from '../cloud/runtime/labels.ts';
import type { AwsClients } from '../deploy/clients.ts';
import { resourceNames } from '../deploy/names.ts';
import type { Stack } from '../stack/load.ts';

export async function taskEnvironmentHolds(
  docker: Docker,
  clients: AwsClients,
  stack: Stack,
  name: string,
  value: string,
): Promise<boolean> {
  const names = resourceNames(stack);
  const { taskArns = [] } = await clients.ecs.send(
    new ListTasksCommand({ cluster: names.cluster, serviceName: names.service, desiredStatus: 'RUNNING' }),
  );
  for (const taskArn of taskArns) {
    const containers = await docker.listContainers({ filters: { label: [`${LABELS.taskArn}=${taskArn}`] } });
    for (const container of containers) {
      const env = (await docker.getContainer(container.Id).inspect()).Config.Env ?? [];
      if (env.includes(`${name}=${value}`)) return true;
    }
  }
  return false;
}
