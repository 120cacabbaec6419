/**
 * Names that are JavaScript prototype keys (`__proto__`, `constructor`, `toString`, ...) are
 * ordinary names in every service, through the real SDK and the real AWS CLI, and stay so after a
 * restart (state read back from disk).
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  ListTagsForResourceCommand as ListLogTagsCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  TagResourceCommand as TagLogGroupCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTagsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  RepositoryAlreadyExistsException,
} from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionFamiliesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateRoleCommand,
  EntityAlreadyExistsException,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from './harness.ts';

/** Object.prototype's best-known members, all valid names for most AWS resources. */
const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];
const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
const PERMISSIONS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }],
});

let t: TestCloud;
let ecs: ECSClient;
let logs: CloudWatchLogsClient;
let secrets: SecretsManagerClient;
let ecr: ECRClient;
let iam: IAMClient;
let ec2: EC2Client;

function connect(): void {
  ecs = new ECSClient(t.clientConfig);
  logs = new CloudWatchLogsClient(t.clientConfig);
  secrets = new SecretsManagerClient(t.clientConfig);
  ecr = new ECRClient(t.clientConfig);
  iam = new IAMClient(t.clientConfig);
  ec2 = new EC2Client(t.clientConfig);
}

function disconnect(): void {
  for (const client of [ecs, logs, secrets, ecr, iam, ec2]) client.destroy();
}

beforeAll(async () => {
  t = await startTestCloud();
  connect();
});

afterAll(async () => {
  disconnect();
  await t.dispose();
});

async function register(family: string) {
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family,
      containerDefinitions: [{ name: 'app', image: 'busybox', memory: 64 }],
    }),
  );
  return taskDefinition!;
}

/** Everything the first run created, checked again after the restart. */
async function expectCreated(): Promise<void> {
  const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({}));
  expect(families.families).toEqual(expect.arrayContaining(PROTOTYPE_NAMES));
  for (const family of PROTOTYPE_NAMES) {
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family }));
    expect(taskDefinition).toMatchObject({ family, revision: 2 });
  }
  const clusters = await ecs.send(new DescribeClustersCommand({ clusters: PROTOTYPE_NAMES }));
  expect(clusters.clusters!.map((c) => c.clusterName)).toEqual(PROTOTYPE_NAMES);
  expect(clusters.failures).toEqual([]);

  const groups = await logs.send(new DescribeLogGroupsCommand({}));
  expect(groups.logGroups!.map((g) => g.logGroupName)).toEqual(expect.arrayContaining(PROTOTYPE_NAMES));
  const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '__proto__' }));
  expect(streams.logStreams!.map((s) => s.logStreamName).sort()).toEqual([...PROTOTYPE_NAMES].sort());
  const events = await logs.send(
    new GetLogEventsCommand({ logGroupName: '__proto__', logStreamName: 'constructor', startFromHead: true }),
  );
  expect(events.events!.map((e) => e.message)).toEqual(['{"constructor":"yes"}', '{"level":"info"}']);
  const { tags } = await logs.send(
    new ListLogTagsCommand({ resourceArn: groups.logGroups![0]!.logGroupArn }),
  );
  expect(tags).toEqual({ ['__proto__']: 'p', constructor: 'c' });

  for (const name of PROTOTYPE_NAMES) {
    const value = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
    expect(value.SecretString).toBe(`value of ${name}`);
  }

  const repositories = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['constructor'] }));
  expect(repositories.repositories![0]!.repositoryName).toBe('constructor');

  for (const name of ['__proto__', 'constructor']) {
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: name }));
    expect(Role!.RoleName).toBe(name);
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'toString' }));
    expect(decodeURIComponent(policy.PolicyDocument!)).toBe(PERMISSIONS);
  }

  const tagged = await ec2.send(
    new DescribeTagsCommand({ Filters: [{ Name: 'key', Values: ['__proto__', 'constructor'] }] }),
  );
  expect(tagged.Tags!.map((tag) => [tag.Key, tag.Value]).sort()).toEqual([
    ['__proto__', 'p'],
    ['constructor', 'c'],
  ]);
}

describe('names that are JavaScript prototype keys', () => {
  it('register task definitions and clusters under their own names (ECS)', async () => {
    for (const family of PROTOTYPE_NAMES) {
      expect(await register(family)).toMatchObject({ family, revision: 1 });
      expect(await register(family)).toMatchObject({ family, revision: 2 });
      const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: family }));
      expect(cluster).toMatchObject({ clusterName: family, status: 'ACTIVE' });
    }
    const missing = await ecs.send(new DescribeClustersCommand({ clusters: ['propertyIsEnumerable'] }));
    expect(missing.failures).toEqual([expect.objectContaining({ reason: 'MISSING' })]);
  });

  it('create log groups, streams, events and tags (CloudWatch Logs)', async () => {
    for (const name of PROTOTYPE_NAMES) {
      await logs.send(new CreateLogGroupCommand({ logGroupName: name }));
      await logs.send(new CreateLogStreamCommand({ logGroupName: '__proto__', logStreamName: name }));
    }
    await expect(logs.send(new CreateLogGroupCommand({ logGroupName: '__proto__' }))).rejects.toThrow(
      ResourceAlreadyExistsException,
    );
    const now = Date.now();
    await logs.send(
      new PutLogEventsCommand({
        logGroupName: '__proto__',
        logStreamName: 'constructor',
        logEvents: [
          { timestamp: now, message: '{"constructor":"yes"}' },
          { timestamp: now + 1, message: '{"level":"info"}' },
        ],
      }),
    );
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '__proto__' }));
    await logs.send(
      new TagLogGroupCommand({
        resourceArn: logGroups![0]!.logGroupArn,
        tags: { ['__proto__']: 'p', constructor: 'c' },
      }),
    );
    // A JSON pattern selects the event's own fields, never Object.prototype's.
    const filtered = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '__proto__', filterPattern: '{ $.constructor = "*" }' }),
    );
    expect(filtered.events!.map((e) => e.message)).toEqual(['{"constructor":"yes"}']);
    const inherited = await logs.send(
      new FilterLogEventsCommand({ logGroupName: '__proto__', filterPattern: '{ $.toString = "*" }' }),
    );
    expect(inherited.events).toEqual([]);
  });

  it('create secrets (Secrets Manager)', async () => {
    for (const name of PROTOTYPE_NAMES) {
      await secrets.send(new CreateSecretCommand({ Name: name, SecretString: `value of ${name}` }));
    }
    await expect(
      secrets.send(new CreateSecretCommand({ Name: 'constructor', SecretString: 'again' })),
    ).rejects.toThrow(ResourceExistsException);
    const { SecretList } = await secrets.send(new ListSecretsCommand({}));
    expect(SecretList!.map((s) => s.Name).sort()).toEqual([...PROTOTYPE_NAMES].sort());
  });

  it('create repositories (ECR) and roles (IAM), which are not there before', async () => {
    const { repository } = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'constructor' }));
    expect(repository!.repositoryName).toBe('constructor');
    await expect(ecr.send(new CreateRepositoryCommand({ repositoryName: 'constructor' }))).rejects.toThrow(
      RepositoryAlreadyExistsException,
    );
    const images = await ecr.send(new DescribeImagesCommand({ repositoryName: 'constructor' }));
    expect(images.imageDetails).toEqual([]);
    for (const name of ['__proto__', 'constructor']) {
      await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_POLICY }));
      await iam.send(
        new PutRolePolicyCommand({ RoleName: name, PolicyName: 'toString', PolicyDocument: PERMISSIONS }),
      );
      await expect(
        iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_POLICY })),
      ).rejects.toThrow(EntityAlreadyExistsException);
    }
  });

  it('tag EC2 resources, and tag filters see only the tags a resource has', async () => {
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
    const subnet = Subnets![0]!.SubnetId!;
    await ec2.send(
      new CreateTagsCommand({
        Resources: [subnet],
        Tags: [
          { Key: '__proto__', Value: 'p' },
          { Key: 'constructor', Value: 'c' },
        ],
      }),
    );
    const byTag = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:constructor', Values: ['c'] }] }),
    );
    expect(byTag.Subnets!.map((s) => s.SubnetId)).toEqual([subnet]);
    const inherited = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'tag:toString', Values: ['*'] }] }),
    );
    expect(inherited.Subnets).toEqual([]);
  });

  it('keeps every one of them across a restart', async () => {
    await expectCreated();
    disconnect();
    await t.stop();
    await t.restart();
    connect();
    await expectCreated();
    // Collections read back from disk take new prototype names too.
    expect(await register('constructor')).toMatchObject({ family: 'constructor', revision: 3 });
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'propertyIsEnumerable' }));
    await expect(
      logs.send(new CreateLogGroupCommand({ logGroupName: 'propertyIsEnumerable' })),
    ).rejects.toThrow(ResourceAlreadyExistsException);
  });

  it.skipIf(!awsCliAvailable)(
    "work from the AWS CLI as from the SDK (the issue's own commands)",
    async () => {
      // Another region: a fresh state, where `__proto__` is created first.
      const region = 'eu-west-1';
      await t.aws(['logs', 'create-log-group', '--log-group-name', '__proto__', '--region', region]);
      await t.aws([
        'secretsmanager',
        'create-secret',
        '--name',
        '__proto__',
        '--secret-string',
        's3cret',
        '--region',
        region,
      ]);
      const regionalLogs = new CloudWatchLogsClient({ ...t.clientConfig, region });
      const regionalSecrets = new SecretsManagerClient({ ...t.clientConfig, region });
      const { logGroups } = await regionalLogs.send(new DescribeLogGroupsCommand({}));
      expect(logGroups!.map((g) => g.logGroupName)).toEqual(['__proto__']);
      const secret = await regionalSecrets.send(new GetSecretValueCommand({ SecretId: '__proto__' }));
      expect(secret.SecretString).toBe('s3cret');
      regionalLogs.destroy();
      regionalSecrets.destroy();
    },
  );
});
