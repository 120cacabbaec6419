/**
 * IAM instance profiles, managed policy versions, policy tags and GetAccountAuthorizationDetails,
 * from the IAM API reference's examples and error tables, through the real SDK and the AWS CLI.
 */
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  GetAccountAuthorizationDetailsCommand,
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  IAMClient,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListPolicyTagsCommand,
  ListPolicyVersionsCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  SetDefaultPolicyVersionCommand,
  TagPolicyCommand,
  UntagPolicyCommand,
  paginateGetAccountAuthorizationDetails,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managedPolicyDocument } from '../../../src/cloud/access/identities.ts';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const allow = (action: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

let t: TestCloud;
let iam: IAMClient;

beforeAll(async () => {
  t = await startTestCloud();
  iam = new IAMClient(t.clientConfig);
  await iam.send(new CreateRoleCommand({ RoleName: 'Webserver', AssumeRolePolicyDocument: trust }));
});
afterAll(async () => {
  iam.destroy();
  await t.dispose();
});

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { Code?: string };
    return { code: e.Code ?? e.name, message: e.message };
  }
  throw new Error('expected the call to fail');
}

describe('instance profiles', () => {
  it('creates a profile, adds its one role, lists it for the role, and deletes it in order', async () => {
    const { InstanceProfile } = await iam.send(
      new CreateInstanceProfileCommand({ InstanceProfileName: 'Webserver', Path: '/web/' }),
    );
    expect(InstanceProfile).toMatchObject({
      InstanceProfileName: 'Webserver',
      Path: '/web/',
      Arn: 'arn:aws:iam::000000000000:instance-profile/web/Webserver',
      InstanceProfileId: expect.stringMatching(/^AIPA[A-Z2-7]{17}$/),
      Roles: [],
    });
    expect(
      await errorOf(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'webserver' }))),
    ).toMatchObject({ code: 'EntityAlreadyExists', message: 'Instance Profile webserver already exists.' });

    await iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'Webserver', RoleName: 'Webserver' }),
    );
    const { InstanceProfile: got } = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: 'Webserver' }),
    );
    expect(got!.Roles!.map((r) => r.RoleName)).toEqual(['Webserver']);
    expect(
      await errorOf(
        iam.send(
          new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'Webserver', RoleName: 'Webserver' }),
        ),
      ),
    ).toMatchObject({
      code: 'LimitExceeded',
      message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
    });
    expect(
      (
        await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'Webserver' }))
      ).InstanceProfiles!.map((p) => p.InstanceProfileName),
    ).toEqual(['Webserver']);
    expect(
      (await iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/web/' }))).InstanceProfiles!.map(
        (p) => p.InstanceProfileName,
      ),
    ).toEqual(['Webserver']);

    // In use both ways: neither the role nor the profile can go first.
    expect(await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'Webserver' })))).toMatchObject({
      code: 'DeleteConflict',
    });
    expect(
      await errorOf(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'Webserver' }))),
    ).toMatchObject({
      code: 'DeleteConflict',
      message: 'Cannot delete entity, must remove roles from instance profile first.',
    });
    await iam.send(
      new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'Webserver', RoleName: 'Webserver' }),
    );
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: 'Webserver' }));
    expect(
      await errorOf(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'Webserver' }))),
    ).toMatchObject({ code: 'NoSuchEntity', message: 'Instance Profile Webserver cannot be found.' });
    expect(
      await errorOf(
        iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'nope', RoleName: 'Webserver' })),
      ),
    ).toMatchObject({ code: 'NoSuchEntity' });
  });
});

describe('managed policy versions', () => {
  let arn: string;

  it('creates versions, sets the default, and the policy enforcement evaluates follows the default', async () => {
    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'deploy', PolicyDocument: allow('ecs:UpdateService') }),
    );
    arn = Policy!.Arn!;
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Webserver', PolicyArn: arn }));
    const { PolicyVersion: v2 } = await iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('ecs:*'), SetAsDefault: true }),
    );
    expect(v2).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true });
    expect(v2!.Document).toBeUndefined();
    expect((await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId).toBe('v2');
    // What IAM enforcement evaluates for the attached policy: its default version's document.
    const effective = () => managedPolicyDocument(t.cloud.store, arn);
    expect(effective()).toContain('ecs:*');

    const { PolicyVersion: got } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }),
    );
    // Documents come back URL-encoded, as IAM sends them.
    expect(got!.Document).toBe(encodeURIComponent(allow('ecs:*')));

    await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    expect(effective()).toContain('ecs:UpdateService');
    const { Versions } = await iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }));
    expect(Versions!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([
      ['v2', false],
      ['v1', true],
    ]);
  });

  it('keeps at most five versions, never deletes the default, and never reuses a number', async () => {
    for (const action of ['ecs:A', 'ecs:B', 'ecs:C']) {
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow(action) }));
    }
    expect(
      await errorOf(
        iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('ecs:D') })),
      ),
    ).toMatchObject({
      code: 'LimitExceeded',
      message:
        'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
    });
    expect(
      await errorOf(iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))),
    ).toMatchObject({ code: 'DeleteConflict', message: 'Cannot delete the default version of a policy.' });
    await iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }));
    const { PolicyVersion } = await iam.send(
      new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allow('ecs:E') }),
    );
    expect(PolicyVersion!.VersionId).toBe('v6');
    expect(
      await errorOf(iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v5' }))),
    ).toMatchObject({
      code: 'NoSuchEntity',
      message: `Policy ${arn} version v5 does not exist or is not attachable.`,
    });
    expect(
      await errorOf(
        iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: '{"Statement":[]}' })),
      ),
    ).toMatchObject({ code: 'MalformedPolicyDocument' });
    expect(
      await errorOf(
        iam.send(
          new CreatePolicyVersionCommand({ PolicyArn: EXECUTION_POLICY, PolicyDocument: allow('ecs:A') }),
        ),
      ),
    ).toMatchObject({ code: 'UnmodifiableEntity' });
  });

  it('tags and untags a policy', async () => {
    await iam.send(
      new TagPolicyCommand({
        PolicyArn: arn,
        Tags: [
          { Key: 'team', Value: 'platform' },
          { Key: 'x', Value: '1' },
        ],
      }),
    );
    await iam.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: ['x'] }));
    expect((await iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags).toEqual([
      { Key: 'team', Value: 'platform' },
    ]);
    expect(
      await errorOf(
        iam.send(
          new TagPolicyCommand({
            PolicyArn: 'arn:aws:iam::000000000000:policy/none',
            Tags: [{ Key: 'a', Value: 'b' }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'NoSuchEntity' });
  });
});

describe('GetAccountAuthorizationDetails', () => {
  it('lists roles with their policies and the managed policies with every version, filtered and paged', async () => {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'Webserver',
        PolicyName: 'inline',
        PolicyDocument: allow('s3:GetObject'),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'Webserver', PolicyArn: EXECUTION_POLICY }));
    const details = await iam.send(new GetAccountAuthorizationDetailsCommand({}));
    expect(details.UserDetailList).toEqual([]);
    expect(details.GroupDetailList).toEqual([]);
    const [role] = details.RoleDetailList!;
    expect(role).toMatchObject({
      RoleName: 'Webserver',
      AssumeRolePolicyDocument: encodeURIComponent(trust),
      RolePolicyList: [{ PolicyName: 'inline', PolicyDocument: encodeURIComponent(allow('s3:GetObject')) }],
      InstanceProfileList: [],
    });
    expect(role!.AttachedManagedPolicies!.map((p) => p.PolicyName).sort()).toEqual([
      'AmazonECSTaskExecutionRolePolicy',
      'deploy',
    ]);
    const deploy = details.Policies!.find((p) => p.PolicyName === 'deploy')!;
    expect(deploy.PolicyVersionList!.map((v) => v.VersionId).sort()).toEqual(['v1', 'v2', 'v3', 'v4', 'v6']);
    expect(deploy.PolicyVersionList!.find((v) => v.IsDefaultVersion)!.Document).toBe(
      encodeURIComponent(allow('ecs:UpdateService')),
    );
    // AWS managed policies the account uses are listed; ones it does not use are not.
    expect(details.Policies!.map((p) => p.PolicyName).sort()).toEqual([
      'AmazonECSTaskExecutionRolePolicy',
      'deploy',
    ]);

    const onlyLocal = await iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }),
    );
    expect(onlyLocal.RoleDetailList).toEqual([]);
    expect(onlyLocal.Policies!.map((p) => p.PolicyName)).toEqual(['deploy']);

    const pages: number[] = [];
    for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 1 }, {})) {
      pages.push(page.RoleDetailList!.length + page.Policies!.length);
    }
    expect(pages).toEqual([1, 1, 1]);
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it(
    'creates a policy version and reads the account’s authorization details',
    { timeout: 180_000 },
    async () => {
      const arn = 'arn:aws:iam::000000000000:policy/deploy';
      // Five versions are kept: one goes first.
      await t.aws(['iam', 'delete-policy-version', '--policy-arn', arn, '--version-id', 'v6']);
      const created = (
        await t.aws([
          'iam',
          'create-policy-version',
          '--policy-arn',
          arn,
          '--policy-document',
          allow('logs:*'),
          '--set-as-default',
        ])
      ).json as { PolicyVersion: { VersionId: string; IsDefaultVersion: boolean } };
      expect(created.PolicyVersion).toMatchObject({ VersionId: 'v7', IsDefaultVersion: true });
      const details = (await t.aws(['iam', 'get-account-authorization-details', '--filter', 'Role']))
        .json as {
        RoleDetailList: Array<{ RoleName: string; AssumeRolePolicyDocument: unknown }>;
      };
      // The CLI decodes the URL-encoded documents into JSON.
      expect(details.RoleDetailList[0]).toMatchObject({
        RoleName: 'Webserver',
        AssumeRolePolicyDocument: JSON.parse(trust),
      });
      await expect(
        t.aws(['iam', 'get-instance-profile', '--instance-profile-name', 'missing']),
      ).rejects.toThrow(/NoSuchEntity.*Instance Profile missing cannot be found/s);
    },
  );
});
