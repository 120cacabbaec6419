import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { readLogs } from '../../src/deploy/logs.ts';
import type { Stack } from '../../src/stack/load.ts';
import { loadStack } from '../../src/stack/load.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;

describe('reading the stage’s logs', () => {
  let cloud: TestCloud;
  let clients: AwsClients;
  const stack: Stack = loadStack(stackFile, { stage: 'dev', env: {} });
  const logGroupName = stack.config.logs.group;
  const put = (message: string, timestamp: number) =>
    clients.logs.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName: 'iscoolgpt/iscoolgpt/t1',
        logEvents: [{ message, timestamp }],
      }),
    );

  beforeAll(async () => {
    cloud = await startTestCloud();
    clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
    await clients.logs.send(new CreateLogGroupCommand({ logGroupName }));
    await clients.logs.send(
      new CreateLogStreamCommand({ logGroupName, logStreamName: 'iscoolgpt/iscoolgpt/t1' }),
    );
  });
  afterAll(async () => {
    destroyClients(clients);
    await cloud.dispose();
  });

  it('reads events since a time, oldest first, then follows new ones without repeats', async () => {
    const now = Date.now();
    await put('too old', now - 3_600_000);
    await put('first', now - 60_000);
    await put('second', now - 30_000);
    const abort = new AbortController();
    const seen: string[] = [];
    for await (const event of readLogs(clients, stack, {
      sinceMs: 600_000,
      follow: true,
      pollMs: 50,
      signal: abort.signal,
    })) {
      seen.push(event.message ?? '');
      if (seen.length === 2) await put('third', Date.now());
      if (seen.length === 3) abort.abort();
    }
    expect(seen).toEqual(['first', 'second', 'third']);
  });

  it('without follow, returns what is there and ends', async () => {
    const messages: string[] = [];
    for await (const event of readLogs(clients, stack, { sinceMs: 7_200_000, follow: false })) {
      messages.push(event.message ?? '');
    }
    expect(messages).toEqual(['too old', 'first', 'second', 'third']);
  });
});
