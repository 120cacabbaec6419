/**
 * At most 50 tags per resource, counted after a call's tags merge with those already there (a
 * key set again is overwritten, not added) — what the models cannot say, since each request alone
 * may be within its own limit. Through the real SDK.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand as ListLogTagsCommand,
  TagLogGroupCommand,
  TagResourceCommand as TagLogResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateTagsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  ECSClient,
  ListTagsForResourceCommand as ListEcsTagsCommand,
  TagResourceCommand as TagEcsResourceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  SecretsManagerClient,
  TagResourceCommand as TagSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from './harness.ts';

let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud();
});

afterAll(async () => {
  await t.dispose();
});

/** `count` keys from `from` on: k0, k1, … */
const keys = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `k${i + from}`);

describe('tags per resource (50)', () => {
  it('EC2: TagLimitExceeded past 50 merged tags; overwriting keys at the limit is fine', async () => {
    const ec2 = new EC2Client(t.clientConfig);
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
    const subnet = Subnets![0]!.SubnetId!;
    const tags = (names: string[]) => names.map((Key) => ({ Key, Value: 'v' }));
    await ec2.send(new CreateTagsCommand({ Resources: [subnet], Tags: tags(keys(30)) }));
    await expect(
      ec2.send(new CreateTagsCommand({ Resources: [subnet], Tags: tags(keys(21, 30)) })),
    ).rejects.toMatchObject({
      name: 'TagLimitExceeded',
      message: 'The maximum number of Tags for a resource has been reached.',
    });
    await ec2.send(new CreateTagsCommand({ Resources: [subnet], Tags: tags(keys(20, 30)) }));
    await ec2.send(new CreateTagsCommand({ Resources: [subnet], Tags: tags(keys(50)) }));
    const { Tags } = await ec2.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [subnet] }] }),
    );
    expect(Tags).toHaveLength(50);
    ec2.destroy();
  });

  it('CloudWatch Logs: TooManyTagsException (TagResource), InvalidParameterException (TagLogGroup)', async () => {
    const logs = new CloudWatchLogsClient(t.clientConfig);
    const tags = (names: string[]) => Object.fromEntries(names.map((k) => [k, 'v']));
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'tagged', tags: tags(keys(40)) }));
    const { logGroups } = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'tagged' }));
    const resourceArn = logGroups![0]!.logGroupArn!;
    await expect(
      logs.send(new TagLogResourceCommand({ resourceArn, tags: tags(keys(11, 40)) })),
    ).rejects.toMatchObject({
      name: 'TooManyTagsException',
      message: 'A resource can have no more than 50 tags.',
    });
    await expect(
      logs.send(new TagLogGroupCommand({ logGroupName: 'tagged', tags: tags(keys(11, 40)) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await logs.send(new TagLogResourceCommand({ resourceArn, tags: tags(keys(50)) }));
    expect(Object.keys((await logs.send(new ListLogTagsCommand({ resourceArn }))).tags!)).toHaveLength(50);
    logs.destroy();
  });

  it('ECS: InvalidParameterException past 50 tags on a resource', async () => {
    const ecs = new ECSClient(t.clientConfig);
    const tags = (names: string[]) => names.map((key) => ({ key, value: 'v' }));
    const { cluster } = await ecs.send(
      new CreateClusterCommand({ clusterName: 'tagged', tags: tags(keys(45)) }),
    );
    const resourceArn = cluster!.clusterArn!;
    await expect(
      ecs.send(new TagEcsResourceCommand({ resourceArn, tags: tags(keys(6, 45)) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await ecs.send(new TagEcsResourceCommand({ resourceArn, tags: tags(keys(5, 45)) }));
    expect((await ecs.send(new ListEcsTagsCommand({ resourceArn }))).tags).toHaveLength(50);
    ecs.destroy();
  });

  it('Secrets Manager: InvalidParameterException past 50 tags, at creation and by TagResource', async () => {
    const secrets = new SecretsManagerClient(t.clientConfig);
    const tags = (names: string[]) => names.map((Key) => ({ Key, Value: 'v' }));
    await expect(
      secrets.send(new CreateSecretCommand({ Name: 'crowded', SecretString: 's', Tags: tags(keys(51)) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await secrets.send(new CreateSecretCommand({ Name: 'tagged', SecretString: 's', Tags: tags(keys(49)) }));
    await expect(
      secrets.send(new TagSecretCommand({ SecretId: 'tagged', Tags: tags(keys(2, 49)) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await secrets.send(new TagSecretCommand({ SecretId: 'tagged', Tags: tags(keys(1, 49)) }));
    expect((await secrets.send(new DescribeSecretCommand({ SecretId: 'tagged' }))).Tags).toHaveLength(50);
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: 'crowded' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    secrets.destroy();
  });
});
