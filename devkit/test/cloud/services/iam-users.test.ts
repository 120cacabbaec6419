/**
 * IAM users, access keys and groups, from the IAM API reference's operations and error tables,
 * through the real SDK and the AWS CLI: create, read, rename, tag, policies (inline, attached,
 * boundary), keys (AKIA ids, the secret once, two per user, status, last use), groups and their
 * members, DeleteUser/DeleteGroup conflicts in AWS's words, GetAccountAuthorizationDetails, and
 * everything kept across a restart (a user's key still signs afterwards).
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DeleteGroupCommand,
  DeleteGroupPolicyCommand,
  DeleteUserCommand,
  DeleteUserPolicyCommand,
  DetachGroupPolicyCommand,
  DetachUserPolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  GetGroupCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  PutGroupPolicyCommand,
  PutUserPermissionsBoundaryCommand,
  PutUserPolicyCommand,
  RemoveUserFromGroupCommand,
  TagUserCommand,
  UntagUserCommand,
  UpdateUserCommand,
  DeleteUserPermissionsBoundaryCommand,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const allow = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

let t: TestCloud;
let iam: IAMClient;

beforeAll(async () => {
  t = await startTestCloud();
  iam = new IAMClient(t.clientConfig);
});
afterAll(async () => {
  iam.destroy();
  await t.dispose();
});

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('users', () => {
  it('creates, reads, lists, tags and renames a user as IAM does', async () => {
    const { User } = await iam.send(
      new CreateUserCommand({ UserName: 'Bob', Path: '/division_abc/', Tags: [{ Key: 'team', Value: 'a' }] }),
    );
    expect(User).toMatchObject({
      UserName: 'Bob',
      Path: '/division_abc/',
      Arn: `arn:aws:iam::${ACCOUNT}:user/division_abc/Bob`,
      UserId: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/),
      Tags: [{ Key: 'team', Value: 'a' }],
    });
    expect(User!.CreateDate).toBeInstanceOf(Date);
    expect(await errorOf(iam.send(new CreateUserCommand({ UserName: 'bob' })))).toEqual({
      code: 'EntityAlreadyExists',
      message: 'User with name bob already exists.',
      status: 409,
    });
    expect(await errorOf(iam.send(new GetUserCommand({ UserName: 'nobody' })))).toEqual({
      code: 'NoSuchEntity',
      message: 'The user with name nobody cannot be found.',
      status: 404,
    });
    await iam.send(new TagUserCommand({ UserName: 'Bob', Tags: [{ Key: 'env', Value: 'dev' }] }));
    await iam.send(new UntagUserCommand({ UserName: 'Bob', TagKeys: ['team'] }));
    expect((await iam.send(new ListUserTagsCommand({ UserName: 'Bob' }))).Tags).toEqual([
      { Key: 'env', Value: 'dev' },
    ]);
    const listed = await iam.send(new ListUsersCommand({ PathPrefix: '/division_abc/' }));
    expect(listed.Users!.map((u) => u.UserName)).toEqual(['Bob']);
    // ListUsers leaves tags out, as IAM's does.
    expect(listed.Users![0]!.Tags).toBeUndefined();

    await iam.send(new UpdateUserCommand({ UserName: 'Bob', NewUserName: 'Robert', NewPath: '/' }));
    const { User: renamed } = await iam.send(new GetUserCommand({ UserName: 'robert' }));
    expect(renamed).toMatchObject({
      UserName: 'Robert',
      Arn: `arn:aws:iam::${ACCOUNT}:user/Robert`,
      UserId: User!.UserId,
    });
    expect((await errorOf(iam.send(new GetUserCommand({ UserName: 'Bob' })))).code).toBe('NoSuchEntity');
  });

  it('keeps inline and attached policies and a permissions boundary on a user', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'policied' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'policied',
        PolicyName: 'list',
        PolicyDocument: allow('ecs:List*'),
      }),
    );
    const got = await iam.send(new GetUserPolicyCommand({ UserName: 'policied', PolicyName: 'list' }));
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument!))).toEqual(JSON.parse(allow('ecs:List*')));
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: 'policied' }))).PolicyNames).toEqual([
      'list',
    ]);
    expect(
      await errorOf(iam.send(new GetUserPolicyCommand({ UserName: 'policied', PolicyName: 'other' }))),
    ).toMatchObject({ code: 'NoSuchEntity', message: 'The user policy with name other cannot be found.' });
    expect(
      (
        await errorOf(
          iam.send(
            new PutUserPolicyCommand({ UserName: 'policied', PolicyName: 'bad', PolicyDocument: '{}' }),
          ),
        )
      ).code,
    ).toBe('MalformedPolicyDocument');

    await iam.send(new AttachUserPolicyCommand({ UserName: 'policied', PolicyArn: EXECUTION_POLICY }));
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'policied' }));
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_POLICY },
    ]);
    expect(
      (await iam.send(new GetPolicyCommand({ PolicyArn: EXECUTION_POLICY }))).Policy!.AttachmentCount,
    ).toBe(1);

    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'user-boundary', PolicyDocument: allow('ecs:*') }),
    );
    await iam.send(
      new PutUserPermissionsBoundaryCommand({ UserName: 'policied', PermissionsBoundary: Policy!.Arn! }),
    );
    expect((await iam.send(new GetUserCommand({ UserName: 'policied' }))).User!.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: Policy!.Arn,
    });
    expect(
      (await iam.send(new GetPolicyCommand({ PolicyArn: Policy!.Arn! }))).Policy!
        .PermissionsBoundaryUsageCount,
    ).toBe(1);
    expect(
      await errorOf(
        iam.send(
          new PutUserPermissionsBoundaryCommand({
            UserName: 'policied',
            PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/missing`,
          }),
        ),
      ),
    ).toMatchObject({
      code: 'NoSuchEntity',
      message: `Scope ARN: arn:aws:iam::${ACCOUNT}:policy/missing does not exist or is not attachable.`,
    });
    await iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'policied' }));
    expect(
      (await iam.send(new GetUserCommand({ UserName: 'policied' }))).User!.PermissionsBoundary,
    ).toBeUndefined();
  });

  it('refuses DeleteUser while the user has keys, groups or policies, in AWS words', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'leaving' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'leaving' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'leavers' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'leavers', UserName: 'leaving' }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'leaving', PolicyArn: EXECUTION_POLICY }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: 'leaving', PolicyName: 'p', PolicyDocument: allow('s3:*') }),
    );
    const conflict = async (message: string) =>
      expect(await errorOf(iam.send(new DeleteUserCommand({ UserName: 'leaving' })))).toEqual({
        code: 'DeleteConflict',
        message,
        status: 409,
      });
    await conflict('Cannot delete entity, must delete access keys first.');
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'leaving', AccessKeyId: AccessKey!.AccessKeyId! }));
    await conflict('Cannot delete entity, must remove user from all groups first.');
    expect(await errorOf(iam.send(new DeleteGroupCommand({ GroupName: 'leavers' })))).toMatchObject({
      code: 'DeleteConflict',
      message: 'Cannot delete entity, must remove users from group first.',
    });
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'leavers', UserName: 'leaving' }));
    await conflict('Cannot delete entity, must detach all policies first.');
    await iam.send(new DetachUserPolicyCommand({ UserName: 'leaving', PolicyArn: EXECUTION_POLICY }));
    await conflict('Cannot delete entity, must delete policies first.');
    await iam.send(new DeleteUserPolicyCommand({ UserName: 'leaving', PolicyName: 'p' }));
    await iam.send(new DeleteUserCommand({ UserName: 'leaving' }));
    await iam.send(new DeleteGroupCommand({ GroupName: 'leavers' }));
    expect((await errorOf(iam.send(new GetUserCommand({ UserName: 'leaving' })))).code).toBe('NoSuchEntity');
  });

  it('answers GetUser without a name for the calling user, the root, and refuses it for a role', async () => {
    const root = await iam.send(new GetUserCommand({}));
    expect(root.User).toMatchObject({ UserId: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
    await iam.send(new CreateUserCommand({ UserName: 'self' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'self' }));
    const asSelf = new IAMClient({
      ...t.clientConfig,
      credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
    });
    expect((await asSelf.send(new GetUserCommand({}))).User!.UserName).toBe('self');
    // CreateAccessKey and ListAccessKeys without a name act on the caller's own keys.
    const second = await asSelf.send(new CreateAccessKeyCommand({}));
    expect(second.AccessKey!.UserName).toBe('self');
    expect((await asSelf.send(new ListAccessKeysCommand({}))).AccessKeyMetadata!.length).toBe(2);

    await iam.send(
      new CreateRoleCommand({
        RoleName: 'not-a-user',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const { Credentials } = await new STSClient(t.clientConfig).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/not-a-user`, RoleSessionName: 'ci' }),
    );
    const asRole = new IAMClient({
      ...t.clientConfig,
      credentials: {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      },
    });
    expect(await errorOf(asRole.send(new GetUserCommand({})))).toMatchObject({
      code: 'ValidationError',
      message: 'Must specify userName when calling with non-User credentials',
    });
  });
});

describe('access keys', () => {
  it('issues AKIA keys with a 40-character secret shown once, at most two per user', async () => {
    await iam.send(new CreateUserCommand({ UserName: 'keys' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'keys' }));
    expect(AccessKey).toMatchObject({
      UserName: 'keys',
      Status: 'Active',
      AccessKeyId: expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
      SecretAccessKey: expect.stringMatching(/^[A-Za-z0-9/+]{40}$/),
    });
    await iam.send(new CreateAccessKeyCommand({ UserName: 'keys' }));
    expect(await errorOf(iam.send(new CreateAccessKeyCommand({ UserName: 'keys' })))).toEqual({
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for AccessKeysPerUser: 2',
      status: 409,
    });
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'keys' }));
    expect(listed.AccessKeyMetadata!.map((k) => Object.keys(k).sort())).toEqual([
      ['AccessKeyId', 'CreateDate', 'Status', 'UserName'],
      ['AccessKeyId', 'CreateDate', 'Status', 'UserName'],
    ]);
    expect(
      await errorOf(
        iam.send(new DeleteAccessKeyCommand({ UserName: 'keys', AccessKeyId: 'AKIAIOSFODNN7EXAMPLE' })),
      ),
    ).toMatchObject({
      code: 'NoSuchEntity',
      message: 'The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.',
    });
  });

  it.runIf(awsCliAvailable)(
    'works through the AWS CLI: create, deactivate, list, delete',
    async () => {
      await t.aws(['iam', 'create-user', '--user-name', 'cli-user']);
      const created = (await t.aws(['iam', 'create-access-key', '--user-name', 'cli-user'])).json as {
        AccessKey: { AccessKeyId: string; SecretAccessKey: string };
      };
      await t.aws([
        'iam',
        'update-access-key',
        '--user-name',
        'cli-user',
        '--access-key-id',
        created.AccessKey.AccessKeyId,
        '--status',
        'Inactive',
      ]);
      const listed = (await t.aws(['iam', 'list-access-keys', '--user-name', 'cli-user'])).json as {
        AccessKeyMetadata: Array<{ Status: string }>;
      };
      expect(listed.AccessKeyMetadata.map((k) => k.Status)).toEqual(['Inactive']);
      const lastUsed = (
        await t.aws(['iam', 'get-access-key-last-used', '--access-key-id', created.AccessKey.AccessKeyId])
      ).json;
      expect(lastUsed).toEqual({
        UserName: 'cli-user',
        AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
      });
      await t.aws([
        'iam',
        'delete-access-key',
        '--user-name',
        'cli-user',
        '--access-key-id',
        created.AccessKey.AccessKeyId,
      ]);
      await t.aws(['iam', 'delete-user', '--user-name', 'cli-user']);
      const users = (await t.aws(['iam', 'list-users'])).json as { Users: Array<{ UserName: string }> };
      expect(users.Users.map((u) => u.UserName)).not.toContain('cli-user');
    },
    300_000,
  );
});

describe('groups', () => {
  it('holds users and policies; GetGroup lists its users, ListGroupsForUser its groups', async () => {
    const { Group } = await iam.send(new CreateGroupCommand({ GroupName: 'Admins', Path: '/ops/' }));
    expect(Group).toMatchObject({
      GroupName: 'Admins',
      Path: '/ops/',
      Arn: `arn:aws:iam::${ACCOUNT}:group/ops/Admins`,
      GroupId: expect.stringMatching(/^AGPA[A-Z2-7]{17}$/),
    });
    expect(await errorOf(iam.send(new CreateGroupCommand({ GroupName: 'admins' })))).toMatchObject({
      code: 'EntityAlreadyExists',
      message: 'Group with name admins already exists.',
    });
    await iam.send(new CreateUserCommand({ UserName: 'ann' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'Admins', UserName: 'ann' }));
    const got = await iam.send(new GetGroupCommand({ GroupName: 'Admins' }));
    expect(got.Group!.GroupName).toBe('Admins');
    expect(got.Users!.map((u) => u.UserName)).toEqual(['ann']);
    expect(
      (await iam.send(new ListGroupsForUserCommand({ UserName: 'ann' }))).Groups!.map((g) => g.GroupName),
    ).toEqual(['Admins']);
    await iam.send(
      new PutGroupPolicyCommand({ GroupName: 'Admins', PolicyName: 'all', PolicyDocument: allow('*') }),
    );
    expect((await iam.send(new ListGroupPoliciesCommand({ GroupName: 'Admins' }))).PolicyNames).toEqual([
      'all',
    ]);
    const doc = await iam.send(new GetGroupPolicyCommand({ GroupName: 'Admins', PolicyName: 'all' }));
    expect(doc.GroupName).toBe('Admins');
    await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: EXECUTION_POLICY }));
    expect(
      (await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Admins' }))).AttachedPolicies!.map(
        (p) => p.PolicyArn,
      ),
    ).toEqual([EXECUTION_POLICY]);

    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User', 'Group'] }));
    expect(details.GroupDetailList!.find((g) => g.GroupName === 'Admins')).toMatchObject({
      AttachedManagedPolicies: [
        { PolicyArn: EXECUTION_POLICY, PolicyName: 'AmazonECSTaskExecutionRolePolicy' },
      ],
      GroupPolicyList: [{ PolicyName: 'all' }],
    });
    expect(details.UserDetailList!.find((u) => u.UserName === 'ann')).toMatchObject({
      GroupList: ['Admins'],
    });
    expect(details.RoleDetailList).toEqual([]);

    await iam.send(new DetachGroupPolicyCommand({ GroupName: 'Admins', PolicyArn: EXECUTION_POLICY }));
    await iam.send(new DeleteGroupPolicyCommand({ GroupName: 'Admins', PolicyName: 'all' }));
    await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'Admins', UserName: 'ann' }));
    expect((await iam.send(new GetGroupCommand({ GroupName: 'Admins' }))).Users).toEqual([]);
    await iam.send(new DeleteGroupCommand({ GroupName: 'Admins' }));
    expect(await errorOf(iam.send(new GetGroupCommand({ GroupName: 'Admins' })))).toMatchObject({
      code: 'NoSuchEntity',
      message: 'The group with name Admins cannot be found.',
    });
  });
});

describe('persistence', () => {
  it("keeps users, groups and keys across a restart: the user's key still signs", async () => {
    await iam.send(new CreateUserCommand({ UserName: 'durable' }));
    await iam.send(new CreateGroupCommand({ GroupName: 'durables' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'durables', UserName: 'durable' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'durable' }));
    await t.stop();
    await t.restart();
    iam.destroy();
    iam = new IAMClient(t.clientConfig);
    const group = await iam.send(new GetGroupCommand({ GroupName: 'durables' }));
    expect(group.Users!.map((u) => u.UserName)).toEqual(['durable']);
    const who = await new STSClient({
      ...t.clientConfig,
      credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/durable`);
  });
});
