/**
 * Saved Logs Insights queries (Put/Describe/DeleteQueryDefinition) and log group KMS keys
 * (Associate/DisassociateKmsKey) through the real AWS CLI and SDK, as the API reference describes
 * them; both survive a restart of the cloud.
 */
import {
  AssociateKmsKeyCommand,
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteQueryDefinitionCommand,
  DescribeLogGroupsCommand,
  DescribeQueryDefinitionsCommand,
  DisassociateKmsKeyCommand,
  PutQueryDefinitionCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let logs: CloudWatchLogsClient;
const KEY = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';

beforeAll(async () => {
  t = await startTestCloud();
  logs = new CloudWatchLogsClient(t.clientConfig);
});

afterAll(async () => {
  logs.destroy();
  await t.dispose();
});

async function restart() {
  logs.destroy();
  await t.stop();
  await t.restart();
  logs = new CloudWatchLogsClient(t.clientConfig);
}

describe('query definitions', () => {
  it('creates, lists by name prefix a page at a time, updates whole, deletes; kept across a restart', async () => {
    const errors = await logs.send(
      new PutQueryDefinitionCommand({
        name: 'api/errors',
        queryString: 'fields @timestamp, @message | filter level = "error" | sort @timestamp desc',
        logGroupNames: ['/ecs/api'],
      }),
    );
    expect(errors.queryDefinitionId).toMatch(/^[0-9a-f-]{36}$/);
    const ids = [errors.queryDefinitionId!];
    for (const name of ['api/latency', 'api/5xx', 'batch/slow']) {
      const { queryDefinitionId } = await logs.send(
        new PutQueryDefinitionCommand({ name, queryString: 'stats count(*) by bin(5m)' }),
      );
      ids.push(queryDefinitionId!);
    }
    expect(new Set(ids).size).toBe(4);

    const first = await logs.send(
      new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'api/', maxResults: 2 }),
    );
    expect(first.queryDefinitions!.map((d) => d.name)).toEqual(['api/5xx', 'api/errors']);
    expect(first.queryDefinitions![1]).toMatchObject({
      queryDefinitionId: errors.queryDefinitionId,
      queryString: 'fields @timestamp, @message | filter level = "error" | sort @timestamp desc',
      logGroupNames: ['/ecs/api'],
    });
    expect(first.queryDefinitions![1]!.lastModified).toBeGreaterThan(Date.now() - 60_000);
    const second = await logs.send(
      new DescribeQueryDefinitionsCommand({
        queryDefinitionNamePrefix: 'api/',
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    expect(second.queryDefinitions!.map((d) => d.name)).toEqual(['api/latency']);
    expect(second.nextToken).toBeUndefined();

    // An update replaces every field: without logGroupNames the definition has none.
    await logs.send(
      new PutQueryDefinitionCommand({
        queryDefinitionId: errors.queryDefinitionId,
        name: 'api/errors-v2',
        queryString: 'filter level = "error"',
      }),
    );
    await restart();
    const all = await logs.send(new DescribeQueryDefinitionsCommand({}));
    expect(all.queryDefinitions!.map((d) => d.name)).toEqual([
      'api/5xx',
      'api/errors-v2',
      'api/latency',
      'batch/slow',
    ]);
    expect(all.queryDefinitions![1]).toMatchObject({
      queryDefinitionId: errors.queryDefinitionId,
      queryString: 'filter level = "error"',
      logGroupNames: [],
    });

    const deleted = await logs.send(
      new DeleteQueryDefinitionCommand({ queryDefinitionId: errors.queryDefinitionId }),
    );
    expect(deleted.success).toBe(true);
    await restart();
    const left = await logs.send(new DescribeQueryDefinitionsCommand({}));
    expect(left.queryDefinitions!.map((d) => d.name)).toEqual(['api/5xx', 'api/latency', 'batch/slow']);
    for (const id of ids.slice(1)) {
      await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: id }));
    }
  });

  it('answers a retried create (same clientToken) with the same definition', async () => {
    const clientToken = 'f6e4a3c8-5b1d-4c2e-9f7a-0123456789ab';
    const a = await logs.send(
      new PutQueryDefinitionCommand({ name: 'once', queryString: 'limit 1', clientToken }),
    );
    const b = await logs.send(
      new PutQueryDefinitionCommand({ name: 'once', queryString: 'limit 1', clientToken }),
    );
    expect(b.queryDefinitionId).toBe(a.queryDefinitionId);
    const listed = await logs.send(
      new DescribeQueryDefinitionsCommand({ queryDefinitionNamePrefix: 'once' }),
    );
    expect(listed.queryDefinitions).toHaveLength(1);
    await logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: a.queryDefinitionId }));
  });

  it('refuses an unknown id, an empty name and another query language, as AWS does', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(
      await errorOf(
        logs.send(
          new PutQueryDefinitionCommand({ queryDefinitionId: missing, name: 'x', queryString: 'limit 1' }),
        ),
      ),
    ).toEqual({ name: 'ResourceNotFoundException', message: `Query definition ${missing} does not exist.` });
    expect(
      await errorOf(logs.send(new DeleteQueryDefinitionCommand({ queryDefinitionId: missing }))),
    ).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(
      await errorOf(logs.send(new PutQueryDefinitionCommand({ name: '', queryString: 'limit 1' }))),
    ).toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining("'name'") });
    expect(
      await errorOf(
        logs.send(
          new PutQueryDefinitionCommand({ name: 'sql', queryString: 'SELECT 1', queryLanguage: 'SQL' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
  });

  it.skipIf(!awsCliAvailable)('through the AWS CLI', async () => {
    const put = await t.aws([
      'logs',
      'put-query-definition',
      '--name',
      'cli/recent',
      '--query-string',
      'fields @timestamp, @message | sort @timestamp desc | limit 20',
      '--log-group-names',
      '/ecs/api',
      '/ecs/worker',
    ]);
    const { queryDefinitionId } = put.json as { queryDefinitionId: string };
    const described = await t.aws([
      'logs',
      'describe-query-definitions',
      '--query-definition-name-prefix',
      'cli/',
    ]);
    expect(described.json).toMatchObject({
      queryDefinitions: [
        {
          queryDefinitionId,
          name: 'cli/recent',
          queryString: 'fields @timestamp, @message | sort @timestamp desc | limit 20',
          logGroupNames: ['/ecs/api', '/ecs/worker'],
        },
      ],
    });
    const deleted = await t.aws([
      'logs',
      'delete-query-definition',
      '--query-definition-id',
      queryDefinitionId,
    ]);
    expect(deleted.json).toEqual({ success: true });
  });
});

describe('KMS keys on log groups', () => {
  const describeKey = async (name: string) =>
    (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))).logGroups!.find(
      (g) => g.logGroupName === name,
    )!.kmsKeyId;

  it('associates a key by name or ARN, shows it in DescribeLogGroups, disassociates; kept across a restart', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/kms/a' }));
    await logs.send(new AssociateKmsKeyCommand({ logGroupName: '/kms/a', kmsKeyId: KEY }));
    await restart();
    expect(await describeKey('/kms/a')).toBe(KEY);
    await logs.send(
      new DisassociateKmsKeyCommand({
        resourceIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:/kms/a',
      }),
    );
    await restart();
    expect(await describeKey('/kms/a')).toBeUndefined();
  });

  it('refuses a key that is no KMS key ARN, both or neither targets, an unknown group', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/kms/b' }));
    expect(
      await errorOf(logs.send(new AssociateKmsKeyCommand({ logGroupName: '/kms/b', kmsKeyId: 'my-key' }))),
    ).toEqual({ name: 'InvalidParameterException', message: 'Specified KMS key ARN is invalid: my-key' });
    expect(
      await errorOf(
        logs.send(
          new AssociateKmsKeyCommand({
            logGroupName: '/kms/b',
            resourceIdentifier: 'arn:aws:logs:us-east-1:000000000000:log-group:/kms/b',
            kmsKeyId: KEY,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
    expect(await errorOf(logs.send(new DisassociateKmsKeyCommand({})))).toMatchObject({
      name: 'InvalidParameterException',
    });
    expect(
      await errorOf(logs.send(new AssociateKmsKeyCommand({ logGroupName: '/kms/none', kmsKeyId: KEY }))),
    ).toEqual({ name: 'ResourceNotFoundException', message: 'The specified log group does not exist.' });
    expect(await describeKey('/kms/b')).toBeUndefined();
  });

  it.skipIf(!awsCliAvailable)('through the AWS CLI', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/kms/cli' }));
    await t.aws(['logs', 'associate-kms-key', '--log-group-name', '/kms/cli', '--kms-key-id', KEY]);
    expect(await describeKey('/kms/cli')).toBe(KEY);
    await t.aws(['logs', 'disassociate-kms-key', '--log-group-name', '/kms/cli']);
    expect(await describeKey('/kms/cli')).toBeUndefined();
  });

  it('for the account’s query results (the CLI v2.9 predates resourceIdentifier)', async () => {
    const resourceIdentifier = 'arn:aws:logs:us-east-1:000000000000:query-result:*';
    await logs.send(new AssociateKmsKeyCommand({ resourceIdentifier, kmsKeyId: KEY }));
    await restart();
    await logs.send(new DisassociateKmsKeyCommand({ resourceIdentifier }));
    expect(
      await errorOf(
        logs.send(
          new AssociateKmsKeyCommand({
            resourceIdentifier: 'arn:aws:logs:us-east-1:000000000000:nothing',
            kmsKeyId: KEY,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterException' });
  });
});
