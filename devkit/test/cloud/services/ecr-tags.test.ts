/**
 * ECR repository tags through the real AWS CLI (the API reference's tag-resource, list-tags-for-
 * resource and untag-resource examples) and the SDK: tags given at creation, a key set twice keeps
 * the last value, the 50-tag limit, key and value bounds, `aws:` keys, unknown repositories and
 * ARNs that name none, and tags kept across a restart. Under IAM enforcement, creating a tagged
 * repository needs ecr:TagResource besides ecr:CreateRepository (ECR's tag-based access control).
 */
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  ECRClient,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, REGION, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ecr: ECRClient;
const ACCOUNT = '000000000000';
const arnOf = (name: string) => `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`;

beforeAll(async () => {
  t = await startTestCloud();
  ecr = new ECRClient(t.clientConfig);
});
afterAll(async () => {
  ecr.destroy();
  await t.dispose();
});

const tagsOf = async (name: string) =>
  (await ecr.send(new ListTagsForResourceCommand({ resourceArn: arnOf(name) }))).tags;
const tagsAsked = (count: number, prefix = 'k') =>
  Array.from({ length: count }, (_, i) => ({ Key: `${prefix}${i}`, Value: `v${i}` }));

describe.skipIf(!awsCliAvailable)('ECR tags through the AWS CLI', () => {
  it("tags, lists and untags a repository as the API reference's examples do", async () => {
    await t.aws(['ecr', 'create-repository', '--repository-name', 'hello-repository']);
    const arn = arnOf('hello-repository');
    const tagged = await t.aws([
      'ecr',
      'tag-resource',
      '--resource-arn',
      arn,
      '--tags',
      'Key=Stage,Value=Integ',
      'Key=Team,Value=Web',
    ]);
    expect(tagged.stdout.trim()).toBe('');
    const listed = await t.aws(['ecr', 'list-tags-for-resource', '--resource-arn', arn]);
    expect(listed.json).toEqual({
      tags: [
        { Key: 'Stage', Value: 'Integ' },
        { Key: 'Team', Value: 'Web' },
      ],
    });
    await t.aws(['ecr', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'Stage']);
    expect((await t.aws(['ecr', 'list-tags-for-resource', '--resource-arn', arn])).json).toEqual({
      tags: [{ Key: 'Team', Value: 'Web' }],
    });
  });

  it('refuses an unknown repository with the CLI showing ECR’s error', async () => {
    await expect(
      t.aws(['ecr', 'list-tags-for-resource', '--resource-arn', arnOf('no-such-repository')]),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining(
        "An error occurred (RepositoryNotFoundException) when calling the ListTagsForResource operation: The repository with name 'no-such-repository' does not exist in the registry with id '000000000000'",
      ),
    });
  });
});

describe('ECR tags through the SDK', () => {
  it('keeps the tags CreateRepository is given; a key set again gets the new value, in place', async () => {
    await ecr.send(
      new CreateRepositoryCommand({
        repositoryName: 'tagged/at-creation',
        tags: [
          { Key: 'stage', Value: 'dev' },
          { Key: 'owner', Value: 'team-a' },
        ],
      }),
    );
    await ecr.send(
      new TagResourceCommand({
        resourceArn: arnOf('tagged/at-creation'),
        tags: [
          { Key: 'owner', Value: 'team-b' },
          { Key: 'cost', Value: '' },
        ],
      }),
    );
    expect(await tagsOf('tagged/at-creation')).toEqual([
      { Key: 'stage', Value: 'dev' },
      { Key: 'owner', Value: 'team-b' },
      { Key: 'cost', Value: '' },
    ]);
    // Untagging a key the repository does not have is no error.
    await ecr.send(
      new UntagResourceCommand({ resourceArn: arnOf('tagged/at-creation'), tagKeys: ['absent', 'cost'] }),
    );
    expect((await tagsOf('tagged/at-creation'))?.map((t) => t.Key)).toEqual(['stage', 'owner']);
  });

  it('allows 50 tags on a repository and refuses the 51st with TooManyTagsException', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'fifty', tags: tagsAsked(49) }));
    // Re-setting existing keys does not count twice.
    await ecr.send(
      new TagResourceCommand({
        resourceArn: arnOf('fifty'),
        tags: [...tagsAsked(10), { Key: 'last', Value: '' }],
      }),
    );
    expect(await tagsOf('fifty')).toHaveLength(50);
    await expect(
      ecr.send(
        new TagResourceCommand({ resourceArn: arnOf('fifty'), tags: [{ Key: 'one-more', Value: 'x' }] }),
      ),
    ).rejects.toMatchObject({
      name: 'TooManyTagsException',
      message: expect.stringContaining(
        'The maximum number of tags that can be applied to a repository is 50',
      ),
    });
    expect(await tagsOf('fifty')).toHaveLength(50);
    await expect(
      ecr.send(new CreateRepositoryCommand({ repositoryName: 'fifty-one', tags: tagsAsked(51) })),
    ).rejects.toMatchObject({ name: 'TooManyTagsException' });
    // Nothing was made.
    await expect(tagsOf('fifty-one')).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
  });

  it('refuses keys and values out of bounds, and aws: keys, with InvalidTagParameterException', async () => {
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'bounds' }));
    for (const tags of [
      [{ Key: '', Value: 'v' }],
      [{ Key: 'k'.repeat(129), Value: 'v' }],
      [{ Key: 'k', Value: 'v'.repeat(257) }],
      [{ Key: 'aws:cloudformation:stack-name', Value: 'v' }],
      [{ Key: 'AWS:Owner', Value: 'v' }],
    ]) {
      await expect(
        ecr.send(new TagResourceCommand({ resourceArn: arnOf('bounds'), tags })),
      ).rejects.toMatchObject({
        name: 'InvalidTagParameterException',
      });
    }
    await expect(
      ecr.send(new UntagResourceCommand({ resourceArn: arnOf('bounds'), tagKeys: ['k'.repeat(129)] })),
    ).rejects.toMatchObject({ name: 'InvalidTagParameterException' });
    // The longest key and value are fine.
    await ecr.send(
      new TagResourceCommand({
        resourceArn: arnOf('bounds'),
        tags: [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }],
      }),
    );
    expect(await tagsOf('bounds')).toEqual([{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }]);
  });

  it('refuses an ARN that is not a repository’s, and one of another region, account or a deleted repository', async () => {
    await expect(
      ecr.send(
        new ListTagsForResourceCommand({ resourceArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/x' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'gone' }));
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: 'gone' }));
    for (const resourceArn of [
      arnOf('gone'),
      `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/bounds`,
      `arn:aws:ecr:${REGION}:111111111111:repository/bounds`,
    ]) {
      await expect(
        ecr.send(new TagResourceCommand({ resourceArn, tags: [{ Key: 'k', Value: 'v' }] })),
      ).rejects.toMatchObject({ name: 'RepositoryNotFoundException' });
    }
  });

  it('keeps tags across a restart', async () => {
    await ecr.send(
      new CreateRepositoryCommand({ repositoryName: 'durable', tags: [{ Key: 'kept', Value: 'yes' }] }),
    );
    ecr.destroy();
    await t.stop();
    await t.restart();
    ecr = new ECRClient(t.clientConfig);
    expect(await tagsOf('durable')).toEqual([{ Key: 'kept', Value: 'yes' }]);
  });
});

describe('ECR tags under IAM enforcement', () => {
  it('creating a tagged repository needs ecr:TagResource too; tagging needs it on the repository', async () => {
    const enforced = await startTestCloud({ enforceIam: true });
    const iam = new IAMClient(enforced.clientConfig);
    const sts = new STSClient(enforced.clientConfig);
    const clients: ECRClient[] = [];
    try {
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'pusher',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
      const grant = async (actions: string[]) => {
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: 'pusher',
            PolicyName: 'ecr',
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: actions, Resource: arnOf('app') }],
            }),
          }),
        );
        const { Credentials: c } = await sts.send(
          new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/pusher`, RoleSessionName: 'ci' }),
        );
        const client = new ECRClient({
          ...enforced.clientConfig,
          credentials: {
            accessKeyId: c!.AccessKeyId!,
            secretAccessKey: c!.SecretAccessKey!,
            sessionToken: c!.SessionToken!,
          },
        });
        clients.push(client);
        return client;
      };
      const createOnly = await grant(['ecr:CreateRepository']);
      const create = new CreateRepositoryCommand({
        repositoryName: 'app',
        tags: [{ Key: 'stage', Value: 'dev' }],
      });
      await expect(createOnly.send(create)).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(
          `is not authorized to perform: ecr:TagResource on resource: ${arnOf('app')}`,
        ),
      });
      const withTagging = await grant(['ecr:CreateRepository', 'ecr:TagResource', 'ecr:ListTagsForResource']);
      await withTagging.send(create);
      await withTagging.send(
        new TagResourceCommand({ resourceArn: arnOf('app'), tags: [{ Key: 'team', Value: 'web' }] }),
      );
      expect(
        (await withTagging.send(new ListTagsForResourceCommand({ resourceArn: arnOf('app') }))).tags,
      ).toEqual([
        { Key: 'stage', Value: 'dev' },
        { Key: 'team', Value: 'web' },
      ]);
      await expect(
        withTagging.send(new UntagResourceCommand({ resourceArn: arnOf('app'), tagKeys: ['team'] })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(`ecr:UntagResource on resource: ${arnOf('app')}`),
      });
    } finally {
      for (const client of clients) client.destroy();
      iam.destroy();
      sts.destroy();
      await enforced.dispose();
    }
  });
});
