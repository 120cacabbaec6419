import { DeregisterTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { previousRevision } from '../../src/deploy/rollback.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';

describe('the revision to roll back to', () => {
  let cloud: TestCloud;
  let clients: AwsClients;
  beforeAll(async () => {
    cloud = await startTestCloud();
    clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
  });
  afterAll(async () => {
    destroyClients(clients);
    await cloud.dispose();
  });

  const register = async (family: string) => {
    const { taskDefinition } = await clients.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'app:1', essential: true }],
      }),
    );
    return taskDefinition?.taskDefinitionArn ?? '';
  };

  it('is the newest ACTIVE revision before the current one, skipping retired ones and other families', async () => {
    const [first, second, third] = [
      await register('app-dev'),
      await register('app-dev'),
      await register('app-dev'),
    ];
    await register('app-dev-other');
    expect(await previousRevision(clients, 'app-dev', third)).toBe(second);
    await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: second }));
    expect(await previousRevision(clients, 'app-dev', third)).toBe(first);
    await expect(previousRevision(clients, 'app-dev', first)).rejects.toThrow(
      'no revision of app-dev before app-dev:1 to roll back to',
    );
  });
});
