/**
 * IAM enforcement through the real SDK clients (issue 19): a role session's calls are evaluated
 * against the role's policies, resource policies, boundaries and session policies, with AWS's
 * error classes and wording per protocol; the account's root (test/test) is allowed; every
 * decision is kept by request id; the least-privilege policy comes out of what a role used.
 */
import {
  CreateClusterCommand,
  ECSClient,
  ListClustersCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CloudWatchLogsClient, CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRolePermissionsBoundaryCommand,
  GetRoleCommand,
  IAMClient,
  ListRolesCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const trustAccount = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let t: TestCloud;
let iam: IAMClient;

beforeAll(async () => {
  t = await startTestCloud({ enforceIam: true });
  iam = new IAMClient(t.clientConfig);
});
afterAll(async () => {
  await t.dispose();
});

/** A role with these inline policies, and SDK config signed by a session of it. */
async function session(
  name: string,
  inline: Record<string, string>,
  options: { Policy?: string } = {},
  attached: string[] = [],
) {
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustAccount }));
  for (const PolicyArn of attached)
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn }));
  for (const [PolicyName, PolicyDocument] of Object.entries(inline)) {
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName, PolicyDocument }));
  }
  const { Credentials } = await new STSClient(t.clientConfig).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
      RoleSessionName: 'ci',
      ...options,
    }),
  );
  return {
    ...t.clientConfig,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    },
  };
}

async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as
    { name: string; message: string; $metadata: { httpStatusCode: number; requestId?: string } } | undefined;
  expect(error, 'the call should have been refused').toBeDefined();
  return error!;
}

describe('IAM enforcement (SDK)', () => {
  it('lets the account root (test/test) call anything', async () => {
    await new ECSClient(t.clientConfig).send(new CreateClusterCommand({ clusterName: 'root-made' }));
    const who = await new STSClient(t.clientConfig).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:iam::${ACCOUNT}:root`);
  });

  it('refuses what no identity policy allows, with AWS wording per protocol', async () => {
    const config = await session('nothing', {});
    const ecs = await refusal(new ECSClient(config).send(new ListClustersCommand({})));
    expect(ecs.name).toBe('AccessDeniedException');
    expect(ecs.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/nothing/ci is not authorized to perform: ecs:ListClusters on resource: * because no identity-based policy allows the ecs:ListClusters action`,
    );
    const query = await refusal(new IAMClient(config).send(new ListRolesCommand({})));
    expect(query.name).toBe('AccessDenied');
    expect(query.$metadata.httpStatusCode).toBe(403);
    const ec2 = await refusal(new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' })));
    expect(ec2.name).toBe('UnauthorizedOperation');
    expect(ec2.message).toMatch(
      /^You are not authorized to perform this operation\. User: arn:aws:sts::000000000000:assumed-role\/nothing\/ci is not authorized to perform: ec2:CreateVpc on resource: arn:aws:ec2:us-east-1:000000000000:vpc\/\* because no identity-based policy allows the ec2:CreateVpc action\. Encoded authorization failure message: \S+$/,
    );
    // A dry run is refused the same way (permissions come before the dry run).
    const dry = await refusal(
      new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16', DryRun: true })),
    );
    expect(dry.name).toBe('UnauthorizedOperation');
    // GetCallerIdentity needs no permission.
    const who = await new STSClient(config).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/nothing/ci`);
  });

  it('answers an allowed EC2 dry run with DryRunOperation', async () => {
    const config = await session('vpc-maker', {
      vpcs: policy({ Effect: 'Allow', Action: 'ec2:CreateVpc', Resource: '*' }),
    });
    const dry = await refusal(
      new EC2Client(config).send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16', DryRun: true })),
    );
    expect(dry.name).toBe('DryRunOperation');
  });

  it('allows what a policy allows, and an explicit deny wins over an allow', async () => {
    const config = await session('ecs-reader', {
      all: policy({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }),
      deny: policy({ Sid: 'NoClusters', Effect: 'Deny', Action: 'ecs:CreateCluster', Resource: '*' }),
    });
    const ecs = new ECSClient(config);
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toContain(
      `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/root-made`,
    );
    const denied = await refusal(ecs.send(new CreateClusterCommand({ clusterName: 'x' })));
    expect(denied.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/ecs-reader/ci is not authorized to perform: ecs:CreateCluster on resource: * with an explicit deny in an identity-based policy`,
    );
    const why = (await (
      await fetch(`${t.cloud.url}/_devkit/iam/decisions/${denied.$metadata.requestId}`)
    ).json()) as {
      checks: Array<{ decision: unknown }>;
    };
    expect(why.checks.at(-1)!.decision).toEqual({
      decision: 'ExplicitDeny',
      by: { policyType: 'identity', source: 'deny', index: 0, sid: 'NoClusters' },
    });
  });

  it('needs iam:PassRole for the roles of a task definition', async () => {
    const register = new RegisterTaskDefinitionCommand({
      family: 'app',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/app-execution`,
      containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }],
    });
    const without = await session('deploy-no-pass', {
      ecs: policy({ Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' }),
    });
    const denied = await refusal(new ECSClient(without).send(register));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/deploy-no-pass/ci is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/app-execution because no identity-based policy allows the iam:PassRole action`,
    );
    const withPass = await session('deploy-pass', {
      ecs: policy(
        { Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: `arn:aws:iam::${ACCOUNT}:role/app-*`,
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        },
      ),
    });
    const registered = await new ECSClient(withPass).send(register);
    expect(registered.taskDefinition?.revision).toBe(1);
    const used = (await (await fetch(`${t.cloud.url}/_devkit/iam/least-privilege/deploy-pass`)).json()) as {
      policy: unknown;
    };
    expect(used.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' },
        {
          Sid: 'PassRoleToEcsTasks',
          Effect: 'Allow',
          Action: 'iam:PassRole',
          Resource: `arn:aws:iam::${ACCOUNT}:role/app-execution`,
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        },
      ],
    });
  });

  it("a secret's resource policy denies another principal; one naming the role alone allows it", async () => {
    const secrets = new SecretsManagerClient(t.clientConfig);
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: 'db', SecretString: 'pw' }));
    await secrets.send(
      new PutResourcePolicyCommand({
        SecretId: 'db',
        ResourcePolicy: policy({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/db-reader` } },
        }),
      }),
    );
    const reads = policy({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' });
    const reader = await session('db-reader', { reads });
    const other = await session('other-reader', { reads });
    expect(
      (await new SecretsManagerClient(reader).send(new GetSecretValueCommand({ SecretId: 'db' })))
        .SecretString,
    ).toBe('pw');
    const denied = await refusal(
      new SecretsManagerClient(other).send(new GetSecretValueCommand({ SecretId: 'db' })),
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/other-reader/ci is not authorized to perform: secretsmanager:GetSecretValue on resource: ${ARN} with an explicit deny in a resource-based policy`,
    );
    // A resource policy allowing the role alone suffices within the account.
    await secrets.send(
      new PutResourcePolicyCommand({
        SecretId: 'db',
        ResourcePolicy: policy({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/no-identity` },
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
        }),
      }),
    );
    const noIdentity = await session('no-identity', {});
    expect(
      (await new SecretsManagerClient(noIdentity).send(new GetSecretValueCommand({ SecretId: 'db' })))
        .SecretString,
    ).toBe('pw');
  });

  it('evaluates the AWS managed policies the cloud knows', async () => {
    const config = await session('task-exec', {}, {}, [
      'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    ]);
    const token = await new ECRClient(config).send(new GetAuthorizationTokenCommand({}));
    expect(token.authorizationData).toHaveLength(1);
    const denied = await refusal(new ECSClient(config).send(new ListClustersCommand({})));
    expect(denied.name).toBe('AccessDeniedException');
  });

  it('applies session policies: they cap what the role allows', async () => {
    const config = await session(
      'capped',
      { all: policy({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }) },
      { Policy: policy({ Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' }) },
    );
    const denied = await refusal(new ECSClient(config).send(new ListClustersCommand({})));
    expect(denied.message).toMatch(/because no session policy allows the ecs:ListClusters action$/);
  });

  it('a permissions boundary caps what the role allows, set and removed through IAM', async () => {
    const { Policy } = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'ecs-read-boundary',
        PolicyDocument: policy({ Effect: 'Allow', Action: 'ecs:List*', Resource: '*' }),
      }),
    );
    const boundary = Policy!.Arn!;
    const missing = await refusal(
      iam.send(
        new PutRolePermissionsBoundaryCommand({
          RoleName: 'nobody',
          PermissionsBoundary: boundary,
        }),
      ),
    );
    expect(missing.name).toBe('NoSuchEntityException');
    const config = await session('bounded', {
      all: policy({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }),
    });
    const unknown = await refusal(
      iam.send(
        new PutRolePermissionsBoundaryCommand({
          RoleName: 'bounded',
          PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/no-such-boundary`,
        }),
      ),
    );
    expect(unknown.message).toBe(
      `Scope ARN: arn:aws:iam::${ACCOUNT}:policy/no-such-boundary does not exist or is not attachable.`,
    );
    await iam.send(
      new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: boundary }),
    );
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'bounded' }));
    expect(Role?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
      PermissionsBoundaryArn: boundary,
    });
    const ecs = new ECSClient(config);
    await ecs.send(new ListClustersCommand({}));
    const denied = await refusal(ecs.send(new CreateClusterCommand({ clusterName: 'bounded' })));
    expect(denied.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/bounded/ci is not authorized to perform: ecs:CreateCluster on resource: * because no permissions boundary allows the ecs:CreateCluster action`,
    );
    await iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: 'bounded' }));
    await ecs.send(new CreateClusterCommand({ clusterName: 'bounded' }));
  });

  it('a create call with tags needs the tagging action too (tag on create), for each service', async () => {
    const creates = [
      'ecs:CreateCluster',
      'ecs:RegisterTaskDefinition',
      'ec2:CreateVpc',
      'logs:CreateLogGroup',
      'secretsmanager:CreateSecret',
      'iam:CreateRole',
      'iam:CreatePolicy',
    ];
    const config = await session('creator', {
      create: policy({ Effect: 'Allow', Action: creates, Resource: '*' }),
    });
    const tags = [{ key: 'team', value: 'a' }];
    const Tags = [{ Key: 'team', Value: 'a' }];
    const ecs = new ECSClient(config);
    const calls: Array<[string, string, (tagged: boolean, n: number) => Promise<unknown>]> = [
      [
        'ecs:TagResource',
        `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/tagged-1`,
        (tagged, n) =>
          ecs.send(new CreateClusterCommand({ clusterName: `tagged-${n}`, ...(tagged ? { tags } : {}) })),
      ],
      [
        'ecs:TagResource',
        `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/tagged:2`,
        (tagged) =>
          ecs.send(
            new RegisterTaskDefinitionCommand({
              family: 'tagged',
              containerDefinitions: [{ name: 'app', image: 'nginx', memory: 128 }],
              ...(tagged ? { tags } : {}),
            }),
          ),
      ],
      [
        'ec2:CreateTags',
        `arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/*`,
        (tagged) =>
          new EC2Client(config).send(
            new CreateVpcCommand({
              CidrBlock: '10.7.0.0/16',
              ...(tagged ? { TagSpecifications: [{ ResourceType: 'vpc', Tags }] } : {}),
            }),
          ),
      ],
      [
        'logs:TagResource',
        `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:tagged-1:log-stream:`,
        (tagged, n) =>
          new CloudWatchLogsClient(config).send(
            new CreateLogGroupCommand({
              logGroupName: `tagged-${n}`,
              ...(tagged ? { tags: { team: 'a' } } : {}),
            }),
          ),
      ],
      [
        'secretsmanager:TagResource',
        `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:tagged-1-??????`,
        (tagged, n) =>
          new SecretsManagerClient(config).send(
            new CreateSecretCommand({ Name: `tagged-${n}`, SecretString: 's', ...(tagged ? { Tags } : {}) }),
          ),
      ],
      [
        'iam:TagRole',
        `arn:aws:iam::${ACCOUNT}:role/tagged-1`,
        (tagged, n) =>
          new IAMClient(config).send(
            new CreateRoleCommand({
              RoleName: `tagged-${n}`,
              AssumeRolePolicyDocument: trustAccount,
              ...(tagged ? { Tags } : {}),
            }),
          ),
      ],
      [
        'iam:TagPolicy',
        `arn:aws:iam::${ACCOUNT}:policy/tagged-1`,
        (tagged, n) =>
          new IAMClient(config).send(
            new CreatePolicyCommand({
              PolicyName: `tagged-${n}`,
              PolicyDocument: policy({ Effect: 'Allow', Action: 'ecs:List*', Resource: '*' }),
              ...(tagged ? { Tags } : {}),
            }),
          ),
      ],
    ];
    for (const [tagAction, resource, create] of calls) {
      await create(false, 0);
      const refused = await refusal(create(true, 1));
      expect(refused.message).toContain(
        `is not authorized to perform: ${tagAction} on resource: ${resource} because no identity-based policy allows the ${tagAction} action`,
      );
    }
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'creator',
        PolicyName: 'tag',
        PolicyDocument: policy({ Effect: 'Allow', Action: calls.map(([a]) => a), Resource: '*' }),
      }),
    );
    for (const [, , create] of calls) await create(true, 2);
  });
});
