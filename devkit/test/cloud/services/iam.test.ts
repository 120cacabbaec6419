/** IAM through the real SDK and the real AWS CLI: roles, trust policies, managed and inline policies, tags. */
import {
  AddClientIDToOpenIDConnectProviderCommand,
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListOpenIDConnectProviderTagsCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  TagOpenIDConnectProviderCommand,
  UntagOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});
const readSecret = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:app-AbCdEf',
    },
  ],
});

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
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    // `Code` is the error code on the wire (the SDK names its exception classes `<Code>Exception`).
    const e = error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('roles', () => {
  it('creates a role with a path, trust policy and tags, and reads it back URL-encoded', async () => {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: 'app-execution',
        Path: '/service/',
        AssumeRolePolicyDocument: trust,
        Description: 'runs the app',
        Tags: [{ Key: 'stage', Value: 'dev' }],
      }),
    );
    expect(created.Role).toMatchObject({
      RoleName: 'app-execution',
      Path: '/service/',
      Arn: 'arn:aws:iam::000000000000:role/service/app-execution',
      Description: 'runs the app',
      MaxSessionDuration: 3600,
    });
    expect(created.Role!.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(created.Role!.CreateDate).toBeInstanceOf(Date);

    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'app-execution' }));
    expect(Role!.RoleId).toBe(created.Role!.RoleId);
    expect(decodeURIComponent(Role!.AssumeRolePolicyDocument!)).toBe(trust);
    expect(Role!.AssumeRolePolicyDocument).not.toContain('{');
    expect(Role!.Tags).toEqual([{ Key: 'stage', Value: 'dev' }]);
  });

  it('refuses a duplicate name (whatever its case), a malformed trust policy and a bad path', async () => {
    expect(
      await errorOf(
        iam.send(new CreateRoleCommand({ RoleName: 'APP-execution', AssumeRolePolicyDocument: trust })),
      ),
    ).toEqual({
      name: 'EntityAlreadyExists',
      message: 'Role with name APP-execution already exists.',
      status: 409,
    });
    expect(
      await errorOf(
        iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: '{not json' })),
      ),
    ).toMatchObject({
      name: 'MalformedPolicyDocument',
      message: 'This policy contains invalid Json',
      status: 400,
    });
    const noPrincipal = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] });
    expect(
      await errorOf(
        iam.send(new CreateRoleCommand({ RoleName: 'bad', AssumeRolePolicyDocument: noPrincipal })),
      ),
    ).toMatchObject({ name: 'MalformedPolicyDocument', message: 'Missing required field Principal' });
    expect(
      await errorOf(
        iam.send(new CreateRoleCommand({ RoleName: 'bad', Path: 'nope', AssumeRolePolicyDocument: trust })),
      ),
    ).toMatchObject({ name: 'ValidationError' });
    expect(await errorOf(iam.send(new CreateRoleCommand({ RoleName: 'bad' } as never)))).toMatchObject({
      name: 'ValidationError',
    });
  });

  it('says which role it cannot find', async () => {
    expect(await errorOf(iam.send(new GetRoleCommand({ RoleName: 'ghost' })))).toEqual({
      name: 'NoSuchEntity',
      message: 'The role with name ghost cannot be found.',
      status: 404,
    });
    expect(await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'ghost' })))).toMatchObject({
      name: 'NoSuchEntity',
    });
  });

  it('lists roles by path prefix, a page at a time', async () => {
    for (const name of ['r-a', 'r-b', 'r-c']) {
      await iam.send(
        new CreateRoleCommand({ RoleName: name, Path: '/paged/', AssumeRolePolicyDocument: trust }),
      );
    }
    const first = await iam.send(new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2 }));
    expect(first.Roles!.map((r) => r.RoleName)).toEqual(['r-a', 'r-b']);
    expect(first.IsTruncated).toBe(true);
    expect(first.Roles![0]!.Tags).toBeUndefined();
    const second = await iam.send(
      new ListRolesCommand({ PathPrefix: '/paged/', MaxItems: 2, Marker: first.Marker }),
    );
    expect(second.Roles!.map((r) => r.RoleName)).toEqual(['r-c']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
    const all = await iam.send(new ListRolesCommand({}));
    expect(all.Roles!.map((r) => r.RoleName)).toEqual(expect.arrayContaining(['app-execution', 'r-a']));
  });

  it('replaces the trust policy, validating it', async () => {
    const other = trust.replace('ecs-tasks', 'ec2');
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'r-a', PolicyDocument: other }));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'r-a' }));
    expect(decodeURIComponent(Role!.AssumeRolePolicyDocument!)).toBe(other);
    expect(
      await errorOf(iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'r-a', PolicyDocument: '[]' }))),
    ).toMatchObject({ name: 'MalformedPolicyDocument' });
  });

  it('tags, untags and lists tags', async () => {
    await iam.send(
      new TagRoleCommand({
        RoleName: 'r-b',
        Tags: [
          { Key: 'team', Value: 'a' },
          { Key: 'cost', Value: '1' },
        ],
      }),
    );
    await iam.send(new TagRoleCommand({ RoleName: 'r-b', Tags: [{ Key: 'team', Value: 'b' }] }));
    await iam.send(new UntagRoleCommand({ RoleName: 'r-b', TagKeys: ['cost'] }));
    const { Tags, IsTruncated } = await iam.send(new ListRoleTagsCommand({ RoleName: 'r-b' }));
    expect(Tags).toEqual([{ Key: 'team', Value: 'b' }]);
    expect(IsTruncated).toBe(false);
    // 51 tags in one request break the model (Tags: at most 50) before IAM counts the role's tags.
    const tooMany = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await errorOf(iam.send(new TagRoleCommand({ RoleName: 'r-b', Tags: tooMany })))).toMatchObject({
      name: 'ValidationError',
      status: 400,
    });
    // Within the model, but past the role's quota once added to the tag it has.
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await errorOf(iam.send(new TagRoleCommand({ RoleName: 'r-b', Tags: fifty })))).toMatchObject({
      name: 'LimitExceeded',
      status: 409,
    });
  });
});

describe('managed policies', () => {
  it('knows the ECS task execution policy with its real document', async () => {
    const { Policy } = await iam.send(new GetPolicyCommand({ PolicyArn: EXECUTION_POLICY }));
    expect(Policy).toMatchObject({
      PolicyName: 'AmazonECSTaskExecutionRolePolicy',
      Path: '/service-role/',
      DefaultVersionId: 'v1',
      IsAttachable: true,
    });
    const { PolicyVersion } = await iam.send(
      new GetPolicyVersionCommand({ PolicyArn: EXECUTION_POLICY, VersionId: 'v1' }),
    );
    const document = JSON.parse(decodeURIComponent(PolicyVersion!.Document!)) as {
      Statement: Array<{ Action: string[] }>;
    };
    expect(document.Statement[0]!.Action).toContain('ecr:GetAuthorizationToken');
    expect(document.Statement[0]!.Action).toContain('logs:PutLogEvents');
    expect(PolicyVersion!.IsDefaultVersion).toBe(true);
  });

  it('creates, lists, attaches, detaches and deletes a customer managed policy', async () => {
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'read-app-secret',
        PolicyDocument: readSecret,
        Description: 'x',
      }),
    );
    expect(Policy).toMatchObject({
      Arn: 'arn:aws:iam::000000000000:policy/read-app-secret',
      DefaultVersionId: 'v1',
      AttachmentCount: 0,
    });
    expect(Policy!.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
    expect(
      await errorOf(
        iam.send(new CreatePolicyCommand({ PolicyName: 'read-app-secret', PolicyDocument: readSecret })),
      ),
    ).toMatchObject({ name: 'EntityAlreadyExists', status: 409 });
    const noResource = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*' }] });
    expect(
      await errorOf(iam.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: noResource }))),
    ).toMatchObject({ name: 'MalformedPolicyDocument', message: 'Policy statement must contain resources.' });

    await iam.send(new AttachRolePolicyCommand({ RoleName: 'r-c', PolicyArn: Policy!.Arn }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'r-c', PolicyArn: EXECUTION_POLICY }));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'r-c' }));
    expect(attached.AttachedPolicies).toEqual([
      { PolicyName: 'read-app-secret', PolicyArn: Policy!.Arn },
      { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_POLICY },
    ]);
    const local = await iam.send(new ListPoliciesCommand({ Scope: 'Local' }));
    expect(local.Policies!.map((p) => [p.PolicyName, p.AttachmentCount])).toEqual([['read-app-secret', 1]]);
    const onlyAttached = await iam.send(new ListPoliciesCommand({ OnlyAttached: true }));
    expect(onlyAttached.Policies!.map((p) => p.PolicyName)).toEqual([
      'AmazonECSTaskExecutionRolePolicy',
      'read-app-secret',
    ]);

    expect(await errorOf(iam.send(new DeletePolicyCommand({ PolicyArn: Policy!.Arn })))).toEqual({
      name: 'DeleteConflict',
      message: 'Cannot delete a policy attached to entities.',
      status: 409,
    });
    expect(await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'r-c' })))).toEqual({
      name: 'DeleteConflict',
      message: 'Cannot delete entity, must detach all policies first.',
      status: 409,
    });
    await iam.send(new DetachRolePolicyCommand({ RoleName: 'r-c', PolicyArn: Policy!.Arn }));
    expect(
      await errorOf(iam.send(new DetachRolePolicyCommand({ RoleName: 'r-c', PolicyArn: Policy!.Arn }))),
    ).toMatchObject({ name: 'NoSuchEntity', message: `Policy ${Policy!.Arn} was not found.` });
    await iam.send(new DeletePolicyCommand({ PolicyArn: Policy!.Arn }));
    expect(await errorOf(iam.send(new GetPolicyCommand({ PolicyArn: Policy!.Arn })))).toMatchObject({
      name: 'NoSuchEntity',
      status: 404,
    });
    expect(
      await errorOf(
        iam.send(new AttachRolePolicyCommand({ RoleName: 'r-c', PolicyArn: 'arn:aws:iam::aws:policy/Nope' })),
      ),
    ).toMatchObject({
      name: 'NoSuchEntity',
      message: 'Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.',
    });
    expect(
      await errorOf(iam.send(new GetPolicyVersionCommand({ PolicyArn: EXECUTION_POLICY, VersionId: 'v9' }))),
    ).toMatchObject({ name: 'NoSuchEntity' });
  });
});

describe('inline policies', () => {
  it('puts, reads (URL-encoded), lists and deletes an inline policy', async () => {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'r-a', PolicyName: 'secret', PolicyDocument: readSecret }),
    );
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'r-a', PolicyName: 'secret' }));
    expect(got).toMatchObject({ RoleName: 'r-a', PolicyName: 'secret' });
    expect(got.PolicyDocument).toBe(encodeURIComponent(readSecret));
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'r-a' }))).PolicyNames).toEqual([
      'secret',
    ]);
    expect(await errorOf(iam.send(new DeleteRoleCommand({ RoleName: 'r-a' })))).toMatchObject({
      name: 'DeleteConflict',
      message: 'Cannot delete entity, must delete policies first.',
    });
    const withPrincipal = JSON.parse(trust) as object;
    expect(
      await errorOf(
        iam.send(
          new PutRolePolicyCommand({
            RoleName: 'r-a',
            PolicyName: 'p',
            PolicyDocument: JSON.stringify(withPrincipal),
          }),
        ),
      ),
    ).toMatchObject({ name: 'MalformedPolicyDocument' });
    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'r-a', PolicyName: 'secret' }));
    expect(
      await errorOf(iam.send(new GetRolePolicyCommand({ RoleName: 'r-a', PolicyName: 'secret' }))),
    ).toEqual({
      name: 'NoSuchEntity',
      message: 'The role policy with name secret cannot be found.',
      status: 404,
    });
    await iam.send(new DeleteRoleCommand({ RoleName: 'r-a' }));
    expect(await errorOf(iam.send(new GetRoleCommand({ RoleName: 'r-a' })))).toMatchObject({
      name: 'NoSuchEntity',
    });
  });
});

describe('persistence', () => {
  it('keeps roles and policies across a restart', async () => {
    await iam.send(new CreateRoleCommand({ RoleName: 'effective', AssumeRolePolicyDocument: trust }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'effective', PolicyArn: EXECUTION_POLICY }));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: 'effective', PolicyName: 'secret', PolicyDocument: readSecret }),
    );
    await t.stop();
    await t.restart();
    iam.destroy();
    iam = new IAMClient(t.clientConfig);
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'effective' }));
    expect(Role!.RoleName).toBe('effective');
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'effective' }));
    expect(attached.AttachedPolicies!.map((p) => p.PolicyArn)).toEqual([EXECUTION_POLICY]);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'effective' }))).PolicyNames).toEqual([
      'secret',
    ]);
  });
});

describe('OpenID Connect providers', () => {
  const GITHUB_ARN = 'arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com';

  it('creates, reads, updates, tags and deletes a provider as IAM does', async () => {
    const created = await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://token.actions.githubusercontent.com',
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['6938FD4D98BAB03FAADB97B34396831E3780AEA1'],
        Tags: [{ Key: 'purpose', Value: 'ci' }],
      }),
    );
    expect(created.OpenIDConnectProviderArn).toBe(GITHUB_ARN);
    expect(created.Tags).toEqual([{ Key: 'purpose', Value: 'ci' }]);
    const arn = { OpenIDConnectProviderArn: GITHUB_ARN };
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ ...arn, ClientID: 'my-app' }));
    await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ ...arn, ClientID: 'my-app' }));
    await iam.send(
      new RemoveClientIDFromOpenIDConnectProviderCommand({ ...arn, ClientID: 'sts.amazonaws.com' }),
    );
    await iam.send(
      new UpdateOpenIDConnectProviderThumbprintCommand({
        ...arn,
        ThumbprintList: ['1c58a3a8518e8759bf075b76b750d4f2df264fcd'],
      }),
    );
    await iam.send(
      new TagOpenIDConnectProviderCommand({ ...arn, Tags: [{ Key: 'team', Value: 'platform' }] }),
    );
    await iam.send(new UntagOpenIDConnectProviderCommand({ ...arn, TagKeys: ['purpose'] }));
    const got = await iam.send(new GetOpenIDConnectProviderCommand(arn));
    // IAM gives the URL back without its scheme.
    expect(got).toMatchObject({
      Url: 'token.actions.githubusercontent.com',
      ClientIDList: ['my-app'],
      ThumbprintList: ['1c58a3a8518e8759bf075b76b750d4f2df264fcd'],
      Tags: [{ Key: 'team', Value: 'platform' }],
    });
    expect(got.CreateDate).toBeInstanceOf(Date);
    expect((await iam.send(new ListOpenIDConnectProviderTagsCommand(arn))).Tags).toEqual([
      { Key: 'team', Value: 'platform' },
    ]);
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([
      { Arn: GITHUB_ARN },
    ]);
    await iam.send(new DeleteOpenIDConnectProviderCommand(arn));
    expect((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList).toEqual([]);
    expect(await errorOf(iam.send(new GetOpenIDConnectProviderCommand(arn)))).toEqual({
      name: 'NoSuchEntity',
      message: `OpenIDConnect Provider not found for arn ${GITHUB_ARN}`,
      status: 404,
    });
  });

  it('refuses a duplicate URL, a URL that is not https, and a bad thumbprint', async () => {
    const url = 'https://oidc.example.com/tenant';
    const arn = (await iam.send(new CreateOpenIDConnectProviderCommand({ Url: url, ClientIDList: ['a'] })))
      .OpenIDConnectProviderArn!;
    expect(arn).toBe('arn:aws:iam::000000000000:oidc-provider/oidc.example.com/tenant');
    expect(await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: url })))).toEqual({
      name: 'EntityAlreadyExists',
      message: `Provider with url ${url} already exists.`,
      status: 409,
    });
    expect(
      await errorOf(iam.send(new CreateOpenIDConnectProviderCommand({ Url: 'http://oidc.example.com' }))),
    ).toMatchObject({ name: 'InvalidInput', status: 400 });
    expect(
      await errorOf(
        iam.send(
          new CreateOpenIDConnectProviderCommand({
            Url: 'https://x.example.com',
            ThumbprintList: ['z'.repeat(40)],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidInput' });
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
  });
});

describe('policy grammar behind every IAM operation that stores a document', () => {
  const missingEffect = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Action: 'ecs:*', Resource: '*' }],
  });
  const badResource = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: 'cluster/prod' }],
  });

  it('answers MalformedPolicyDocument from CreatePolicy, PutRolePolicy and UpdateAssumeRolePolicy', async () => {
    expect(
      await errorOf(iam.send(new CreatePolicyCommand({ PolicyName: 'bad', PolicyDocument: missingEffect }))),
    ).toEqual({ name: 'MalformedPolicyDocument', message: 'Syntax errors in policy.', status: 400 });
    await iam.send(new CreateRoleCommand({ RoleName: 'grammar', AssumeRolePolicyDocument: trust }));
    expect(
      await errorOf(
        iam.send(
          new PutRolePolicyCommand({ RoleName: 'grammar', PolicyName: 'p', PolicyDocument: badResource }),
        ),
      ),
    ).toMatchObject({
      name: 'MalformedPolicyDocument',
      message: 'Resource cluster/prod must be in ARN format or "*".',
    });
    const unknownElement = trust.replace('"Action"', '"Acton"');
    expect(
      await errorOf(
        iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'grammar', PolicyDocument: unknownElement })),
      ),
    ).toMatchObject({ name: 'MalformedPolicyDocument', message: 'Syntax errors in policy.' });
  });
});

// The AWS CLI takes a second or more to start (about 1.3 CPU-s), so each test makes few calls, the
// independent ones at once; the two suites below use separate entities and run side by side.
describe.skipIf(!awsCliAvailable)('the AWS CLI', { concurrent: true, timeout: 180_000 }, () => {
  it(
    'creates a role from a file and attaches the execution policy and an inline policy',
    { concurrent: false },
    async () => {
      const file = join(t.dataDir, 'trust.json');
      await writeFile(file, trust);
      const created = (
        await t.aws([
          'iam',
          'create-role',
          '--role-name',
          'cli-role',
          '--assume-role-policy-document',
          `file://${file}`,
          '--tags',
          'Key=stage,Value=dev',
        ])
      ).json as { Role: { Arn: string; AssumeRolePolicyDocument: unknown } };
      expect(created.Role.Arn).toBe('arn:aws:iam::000000000000:role/cli-role');
      await Promise.all([
        t.aws(['iam', 'attach-role-policy', '--role-name', 'cli-role', '--policy-arn', EXECUTION_POLICY]),
        t.aws([
          'iam',
          'put-role-policy',
          '--role-name',
          'cli-role',
          '--policy-name',
          'secret',
          '--policy-document',
          readSecret,
        ]),
      ]);
    },
  );

  it('reads policy documents back URL-decoded and parsed', { concurrent: false }, async () => {
    const [got, attached, inline] = (
      await Promise.all([
        t.aws(['iam', 'get-role', '--role-name', 'cli-role']),
        t.aws(['iam', 'list-attached-role-policies', '--role-name', 'cli-role']),
        t.aws(['iam', 'get-role-policy', '--role-name', 'cli-role', '--policy-name', 'secret']),
      ])
    ).map((run) => run.json) as [
      { Role: { AssumeRolePolicyDocument: unknown; Tags: unknown } },
      { AttachedPolicies: Array<{ PolicyArn: string }> },
      { PolicyDocument: unknown },
    ];
    // The CLI URL-decodes and parses policy documents, as it does for AWS's answers.
    expect(got.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trust));
    expect(got.Role.Tags).toEqual([{ Key: 'stage', Value: 'dev' }]);
    expect(attached.AttachedPolicies.map((p) => p.PolicyArn)).toEqual([EXECUTION_POLICY]);
    expect(inline.PolicyDocument).toEqual(JSON.parse(readSecret));
  });

  it('pages with --max-items and reports IAM errors by code', { concurrent: false }, async () => {
    const [listed] = await Promise.all([
      t
        .aws(['iam', 'list-roles', '--max-items', '1'])
        .then((run) => run.json as { Roles: unknown[]; NextToken?: string }),
      expect(t.aws(['iam', 'get-role', '--role-name', 'nobody'])).rejects.toThrow(/NoSuchEntity/),
    ]);
    expect(listed.Roles).toHaveLength(1);
    expect(listed.NextToken).toBeDefined();
  });
});

describe.skipIf(!awsCliAvailable)(
  'the AWS CLI with OIDC providers and malformed policies',
  { concurrent: true },
  () => {
    it('creates an OIDC provider and refuses a policy with a bad Version', async () => {
      const badVersion = JSON.stringify({
        Version: '2012-01-01',
        Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }],
      });
      const [created, refused] = await Promise.all([
        t
          .aws([
            'iam',
            'create-open-id-connect-provider',
            '--url',
            'https://cli.example.com',
            '--client-id-list',
            'sts.amazonaws.com',
            '--thumbprint-list',
            'a'.repeat(40),
          ])
          .then((run) => run.json as { OpenIDConnectProviderArn: string }),
        t
          .aws(['iam', 'create-policy', '--policy-name', 'bad-version', '--policy-document', badVersion])
          .catch((error: { stderr: string }) => error.stderr),
      ]);
      expect(created.OpenIDConnectProviderArn).toBe(
        'arn:aws:iam::000000000000:oidc-provider/cli.example.com',
      );
      const listed = (await t.aws(['iam', 'list-open-id-connect-providers'])).json as {
        OpenIDConnectProviderList: Array<{ Arn: string }>;
      };
      expect(listed.OpenIDConnectProviderList).toContainEqual({ Arn: created.OpenIDConnectProviderArn });
      expect(refused).toContain(
        'An error occurred (MalformedPolicyDocument) when calling the CreatePolicy operation: Syntax errors in policy.',
      );
    });
  },
);
