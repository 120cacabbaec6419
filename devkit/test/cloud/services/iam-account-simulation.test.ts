/**
 * IAM conformance, from the API reference's and the AWS CLI's documented examples and error
 * tables, through the real SDK and the real AWS CLI (v2.9 has every operation here): UpdateRole
 * (MaxSessionDuration then bounds AssumeRole), UpdateRoleDescription, ListEntitiesForPolicy, the
 * policy simulator (SimulatePrincipalPolicy / SimulateCustomPolicy with statement positions and
 * missing context keys, GetContextKeysFor*Policy), account aliases, GetAccountSummary,
 * service-linked roles and their deletion tasks, the account password policy.
 */
import {
  AttachRolePolicyCommand,
  CreateAccountAliasCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateServiceLinkedRoleCommand,
  CreateUserCommand,
  DeleteAccountAliasCommand,
  DeleteAccountPasswordPolicyCommand,
  DeleteRoleCommand,
  DeleteServiceLinkedRoleCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetContextKeysForPrincipalPolicyCommand,
  GetRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
  IAMClient,
  ListAccountAliasesCommand,
  ListEntitiesForPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  SimulateCustomPolicyCommand,
  SimulatePrincipalPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
  UpdateRoleDescriptionCommand,
} from '@aws-sdk/client-iam';
import { CreateClusterCommand, DeleteClusterCommand, ECSClient } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statementPosition } from '../../../src/cloud/services/iam/policy-simulation.ts';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
const trustAccount = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
  ],
});
/** A deploy role's policy, pretty-printed as people write them (statement positions are in its lines). */
const deployPolicy = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Deploy', Effect: 'Allow', Action: ['ecs:UpdateService', 'ecs:Describe*'], Resource: '*' },
      {
        Sid: 'PassTaskRoles',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: `arn:aws:iam::${ACCOUNT}:role/task-*`,
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      { Effect: 'Deny', Action: 'ecs:DeleteCluster', Resource: '*' },
    ],
  },
  null,
  2,
);

let t: TestCloud;
let iam: IAMClient;

beforeAll(async () => {
  t = await startTestCloud();
  iam = new IAMClient(t.clientConfig);
  await iam.send(new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: trustAccount }));
  await iam.send(
    new PutRolePolicyCommand({ RoleName: 'deploy', PolicyName: 'deploy', PolicyDocument: deployPolicy }),
  );
});
afterAll(async () => {
  iam.destroy();
  await t.dispose();
});

describe('UpdateRole and UpdateRoleDescription', () => {
  it('MaxSessionDuration bounds AssumeRole DurationSeconds as AWS does', async () => {
    await iam.send(
      new UpdateRoleCommand({ RoleName: 'deploy', Description: 'Deploys the API', MaxSessionDuration: 7200 }),
    );
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: 'deploy' }));
    expect(Role).toMatchObject({ Description: 'Deploys the API', MaxSessionDuration: 7200 });
    const sts = new STSClient(t.clientConfig);
    const ok = await sts.send(
      new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'ci', DurationSeconds: 7200 }),
    );
    expect(ok.Credentials?.AccessKeyId).toBeDefined();
    await expect(
      sts.send(new AssumeRoleCommand({ RoleArn: DEPLOY_ROLE, RoleSessionName: 'ci', DurationSeconds: 7201 })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
    sts.destroy();
  });

  it("refuses what the model refuses, and names a missing role in IAM's words", async () => {
    await expect(
      iam.send(new UpdateRoleCommand({ RoleName: 'deploy', MaxSessionDuration: 3599 })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(
      iam.send(new UpdateRoleCommand({ RoleName: 'nope', Description: 'x' })),
    ).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The role with name nope cannot be found.',
    });
  });

  it.skipIf(!awsCliAvailable)('aws iam update-role-description answers the role', async () => {
    const { json } = await t.aws([
      'iam',
      'update-role-description',
      '--role-name',
      'deploy',
      '--description',
      'CI deploys',
    ]);
    expect(json).toMatchObject({
      Role: { RoleName: 'deploy', Description: 'CI deploys', MaxSessionDuration: 7200 },
    });
    const sdk = await iam.send(
      new UpdateRoleDescriptionCommand({ RoleName: 'deploy', Description: 'Deploys' }),
    );
    expect(sdk.Role?.Description).toBe('Deploys');
  });
});

describe('ListEntitiesForPolicy', () => {
  it('lists the roles and users a policy is attached to or bounds, filtered as asked', async () => {
    const { Policy } = await iam.send(
      new CreatePolicyCommand({ PolicyName: 'ReadOnly', PolicyDocument: deployPolicy }),
    );
    await iam.send(new CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: trustAccount }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'reader', PolicyArn: Policy!.Arn! }));
    await iam.send(
      new PutRolePermissionsBoundaryCommand({ RoleName: 'deploy', PermissionsBoundary: Policy!.Arn! }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const all = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: Policy!.Arn! }));
    expect(all.PolicyRoles?.map((r) => r.RoleName)).toEqual(['deploy', 'reader']);
    expect(all.PolicyRoles![0]!.RoleId).toMatch(/^AROA/);
    expect(all).toMatchObject({ PolicyUsers: [], PolicyGroups: [], IsTruncated: false });
    const attached = await iam.send(
      new ListEntitiesForPolicyCommand({ PolicyArn: Policy!.Arn!, PolicyUsageFilter: 'PermissionsPolicy' }),
    );
    expect(attached.PolicyRoles?.map((r) => r.RoleName)).toEqual(['reader']);
    const paged = await iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: Policy!.Arn!, MaxItems: 1 }));
    expect(paged).toMatchObject({ IsTruncated: true, PolicyRoles: [{ RoleName: 'deploy' }] });
    await expect(
      iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/nope` })),
    ).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  });
});

describe('the policy simulator', () => {
  it.skipIf(!awsCliAvailable)(
    'aws iam simulate-principal-policy checks a deploy role: allowed, denied, by which statement',
    async () => {
      const { json } = await t.aws([
        'iam',
        'simulate-principal-policy',
        '--policy-source-arn',
        DEPLOY_ROLE,
        '--action-names',
        'ecs:UpdateService',
        'ecs:DeleteCluster',
        'ecs:CreateCluster',
      ]);
      const results = (json as { EvaluationResults: Array<Record<string, unknown>> }).EvaluationResults;
      expect(results.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision])).toEqual([
        ['ecs:UpdateService', '*', 'allowed'],
        ['ecs:DeleteCluster', '*', 'explicitDeny'],
        ['ecs:CreateCluster', '*', 'implicitDeny'],
      ]);
      // The Deploy statement is lines 4-12 of the pretty-printed document.
      expect(results[0]!.MatchedStatements).toEqual([
        {
          SourcePolicyId: 'deploy',
          SourcePolicyType: 'role',
          StartPosition: { Line: 4, Column: 6 },
          EndPosition: { Line: 12, Column: 6 },
        },
      ]);
      // The boundary (ReadOnly, the same statements) allows UpdateService too.
      expect(results[0]!.PermissionsBoundaryDecisionDetail).toEqual({ AllowedByPermissionsBoundary: true });
      expect(results[2]!.MatchedStatements).toEqual([]);
    },
  );

  it('context keys: missing ones are named, given ones decide', async () => {
    const taskRole = `arn:aws:iam::${ACCOUNT}:role/task-api`;
    const missing = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: DEPLOY_ROLE,
        ActionNames: ['iam:PassRole'],
        ResourceArns: [taskRole],
      }),
    );
    expect(missing.EvaluationResults![0]).toMatchObject({
      EvalResourceName: taskRole,
      EvalDecision: 'implicitDeny',
      MissingContextValues: ['iam:PassedToService'],
    });
    const given = await iam.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: DEPLOY_ROLE,
        ActionNames: ['iam:PassRole'],
        ResourceArns: [taskRole, `arn:aws:iam::${ACCOUNT}:role/admin`],
        ContextEntries: [
          {
            ContextKeyName: 'iam:PassedToService',
            ContextKeyValues: ['ecs-tasks.amazonaws.com'],
            ContextKeyType: 'string',
          },
        ],
      }),
    );
    expect(given.EvaluationResults!.map((r) => [r.EvalResourceName, r.EvalDecision])).toEqual([
      [taskRole, 'allowed'],
      [`arn:aws:iam::${ACCOUNT}:role/admin`, 'implicitDeny'],
    ]);
    expect(given.EvaluationResults![0]).toMatchObject({
      MissingContextValues: [],
      MatchedStatements: [{ SourcePolicyId: 'deploy', SourcePolicyType: 'role' }],
      PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: true },
    });
    const keys = await iam.send(
      new GetContextKeysForPrincipalPolicyCommand({ PolicySourceArn: DEPLOY_ROLE }),
    );
    expect(keys.ContextKeyNames).toEqual(['iam:PassedToService']);
  });

  it('SimulateCustomPolicy: the CLI reference example (aws:CurrentTime before and after the condition)', async () => {
    const policy =
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';
    const at = (time: string) =>
      iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: [policy],
          ActionNames: ['dynamodb:CreateBackup'],
          ContextEntries: [
            { ContextKeyName: 'aws:CurrentTime', ContextKeyValues: [time], ContextKeyType: 'date' },
          ],
        }),
      );
    const after = await at('2019-04-25T11:00:00Z');
    expect(after.EvaluationResults).toEqual([
      {
        EvalActionName: 'dynamodb:CreateBackup',
        EvalResourceName: '*',
        EvalDecision: 'allowed',
        MatchedStatements: [
          {
            SourcePolicyId: 'PolicyInputList.1',
            SourcePolicyType: 'none',
            StartPosition: { Line: 1, Column: 38 },
            EndPosition: { Line: 1, Column: 167 },
          },
        ],
        MissingContextValues: [],
      },
    ]);
    const before = await at('2014-04-25T11:00:00Z');
    expect(before.EvaluationResults![0]).toMatchObject({
      EvalDecision: 'implicitDeny',
      MatchedStatements: [],
    });
  });

  it('InvalidInput for a document that does not parse, an action without its service, a principal that is no IAM ARN', async () => {
    await expect(
      iam.send(
        new SimulateCustomPolicyCommand({
          PolicyInputList: ['{"Statement":'],
          ActionNames: ['s3:GetObject'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(
      iam.send(
        new SimulateCustomPolicyCommand({ PolicyInputList: [deployPolicy], ActionNames: ['GetObject'] }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: 'arn:aws:s3:::bucket-name',
          ActionNames: ['s3:GetObject'],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
    await expect(
      iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${ACCOUNT}:user/nobody`,
          ActionNames: ['s3:GetObject'],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The user with name nobody cannot be found.',
    });
  });

  it('places statements by line and column, in arrays and alone', () => {
    expect(statementPosition('{"Statement":[{"Effect":"Allow"},{"Effect":"Deny"}]}', 1)).toEqual({
      StartPosition: { Line: 1, Column: 35 },
      EndPosition: { Line: 1, Column: 51 },
    });
    expect(statementPosition('{"Statement":\n  {"Effect":"Allow","Action":["a:b"]}}', 0)).toEqual({
      StartPosition: { Line: 2, Column: 4 },
      EndPosition: { Line: 2, Column: 38 },
    });
  });
});

describe('account alias, summary and password policy', () => {
  it.skipIf(!awsCliAvailable)(
    'aws iam create/list/delete-account-alias, as the CLI reference shows',
    async () => {
      await t.aws(['iam', 'create-account-alias', '--account-alias', 'examplecorp']);
      expect((await t.aws(['iam', 'list-account-aliases'])).json).toEqual({
        AccountAliases: ['examplecorp'],
      });
      // One alias per account: another replaces it.
      await iam.send(new CreateAccountAliasCommand({ AccountAlias: 'iscoolgpt' }));
      expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual(['iscoolgpt']);
      await expect(
        iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'examplecorp' })),
      ).rejects.toMatchObject({
        name: 'NoSuchEntityException',
      });
      await iam.send(new DeleteAccountAliasCommand({ AccountAlias: 'iscoolgpt' }));
      expect((await iam.send(new ListAccountAliasesCommand({}))).AccountAliases).toEqual([]);
      await expect(
        iam.send(new CreateAccountAliasCommand({ AccountAlias: 'Bad--Alias' })),
      ).rejects.toMatchObject({
        name: 'ValidationError',
      });
    },
  );

  it.skipIf(!awsCliAvailable)(
    'aws iam get-account-summary counts the account and names the quotas',
    async () => {
      const { json } = await t.aws(['iam', 'get-account-summary']);
      const summary = (json as { SummaryMap: Record<string, number> }).SummaryMap;
      const roles = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap!.Roles;
      expect(summary).toMatchObject({
        Roles: roles,
        Users: 1,
        Policies: 1,
        UsersQuota: 5000,
        AccessKeysPerUserQuota: 2,
      });
      expect(roles).toBeGreaterThanOrEqual(2);
    },
  );

  it('password policy: NoSuchEntity until set, the defaults for what is left out, deleted', async () => {
    await expect(iam.send(new GetAccountPasswordPolicyCommand({}))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      message: `The Password Policy with domain name ${ACCOUNT} cannot be found.`,
    });
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8, RequireNumbers: true }),
    );
    const { PasswordPolicy } = await iam.send(new GetAccountPasswordPolicyCommand({}));
    expect(PasswordPolicy).toEqual({
      MinimumPasswordLength: 8,
      RequireSymbols: false,
      RequireNumbers: true,
      RequireUppercaseCharacters: false,
      RequireLowercaseCharacters: false,
      AllowUsersToChangePassword: false,
      ExpirePasswords: false,
    });
    await expect(
      iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 5 })),
    ).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await iam.send(new DeleteAccountPasswordPolicyCommand({}));
    await expect(iam.send(new DeleteAccountPasswordPolicyCommand({}))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
  });
});

describe('service-linked roles', () => {
  it.skipIf(!awsCliAvailable)(
    "aws iam create-service-linked-role: AWSServiceRoleForECS at AWS's path, protected",
    async () => {
      const { json } = await t.aws([
        'iam',
        'create-service-linked-role',
        '--aws-service-name',
        'ecs.amazonaws.com',
      ]);
      expect(json).toMatchObject({
        Role: {
          Path: '/aws-service-role/ecs.amazonaws.com/',
          RoleName: 'AWSServiceRoleForECS',
          Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Action: ['sts:AssumeRole'], Effect: 'Allow', Principal: { Service: ['ecs.amazonaws.com'] } },
            ],
          },
        },
      });
      await expect(
        iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com' })),
      ).rejects.toMatchObject({
        name: 'InvalidInputException',
        message:
          'Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.',
      });
      const protectedRole = {
        name: 'UnmodifiableEntityException',
        message:
          "Cannot perform the operation on the protected role 'AWSServiceRoleForECS' - this role is only modifiable by AWS",
      };
      await expect(
        iam.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForECS' })),
      ).rejects.toMatchObject(protectedRole);
      await expect(
        iam.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: 'AWSServiceRoleForECS',
            PolicyDocument: trustAccount,
          }),
        ),
      ).rejects.toMatchObject(protectedRole);
      await expect(
        iam.send(
          new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com', CustomSuffix: 'x' }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidInputException' });
      await expect(
        iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'nothing.example.com' })),
      ).rejects.toMatchObject({ name: 'InvalidInputException' });
    },
  );

  it('deleting it fails while a cluster is left (RoleUsageList), succeeds once none is', async () => {
    await iam
      .send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com' }))
      .catch(() => undefined);
    const ecs = new ECSClient(t.clientConfig);
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'left' }));
    const failed = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForECS' }));
    expect(failed.DeletionTaskId).toMatch(
      /^task\/aws-service-role\/ecs\.amazonaws\.com\/AWSServiceRoleForECS\/[0-9a-f-]{36}$/,
    );
    const status = await iam.send(
      new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: failed.DeletionTaskId! }),
    );
    expect(status).toMatchObject({
      Status: 'FAILED',
      Reason: { RoleUsageList: [{ Region: 'us-east-1', Resources: [cluster!.clusterArn] }] },
    });
    await ecs.send(new DeleteClusterCommand({ cluster: 'left' }));
    ecs.destroy();
    const done = await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForECS' }));
    expect(
      (
        await iam.send(
          new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: done.DeletionTaskId! }),
        )
      ).Status,
    ).toBe('SUCCEEDED');
    await expect(iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForECS' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    await expect(iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'deploy' }))).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
    await expect(
      iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: 'task/nope' })),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
  });

  it('is kept: a restarted cloud still has the role and its summary counts', async () => {
    await iam.send(
      new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticloadbalancing.amazonaws.com' }),
    );
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 12 }));
    await t.stop();
    await t.restart();
    iam.destroy();
    iam = new IAMClient(t.clientConfig);
    const { Role } = await iam.send(
      new GetRoleCommand({ RoleName: 'AWSServiceRoleForElasticLoadBalancing' }),
    );
    expect(Role?.Path).toBe('/aws-service-role/elasticloadbalancing.amazonaws.com/');
    expect(
      (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength,
    ).toBe(12);
  });
});
