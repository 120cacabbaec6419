/**
 * IAM enforcement through the real AWS CLI with assumed-role credentials, and `devkit iam`: a role
 * without iam:PassRole cannot register a task definition that names a role (AWS's message, the
 * CLI's non-zero exit); `devkit iam why` names what decided; once granted, the call passes and
 * `devkit iam policy` prints the minimal policy the role used.
 */
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliOutcome } from '../cloud/aws-cli.ts';
import { awsCliAvailable, awsCliEnv, startTestCloud, type TestCloud } from '../cloud/harness.ts';
import { envWithoutAws, runCli } from './run-cli.ts';

const ACCOUNT = '000000000000';
let t: TestCloud;

beforeAll(async () => {
  t = await startTestCloud({ enforceIam: true });
  const iam = new IAMClient(t.clientConfig);
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'ci-deploy',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: 'ci-deploy',
      PolicyName: 'register',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'Register', Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' },
        ],
      }),
    }),
  );
  iam.destroy();
}, 60_000);
afterAll(async () => {
  await t.dispose();
});

/** `aws <args>` with these environment overrides: exit code and output, never throwing. */
function aws(args: string[], env: Record<string, string> = {}) {
  return awsCliOutcome(['--endpoint-url', t.cloud.url, '--output', 'json', ...args], {
    env: { ...awsCliEnv(), ...env },
  });
}

const register = [
  'ecs',
  'register-task-definition',
  '--family',
  'app',
  '--execution-role-arn',
  `arn:aws:iam::${ACCOUNT}:role/app-execution`,
  '--container-definitions',
  JSON.stringify([{ name: 'app', image: 'nginx', memory: 128 }]),
];

/** Credentials of a new ci-deploy session, as the AWS CLI reads them from the environment. */
async function deploySession(): Promise<Record<string, string>> {
  const assumed = await aws([
    'sts',
    'assume-role',
    '--role-arn',
    `arn:aws:iam::${ACCOUNT}:role/ci-deploy`,
    '--role-session-name',
    'gha',
  ]);
  expect(assumed.code).toBe(0);
  const { Credentials } = JSON.parse(assumed.stdout) as {
    Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string };
  };
  return {
    AWS_ACCESS_KEY_ID: Credentials.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: Credentials.SecretAccessKey,
    AWS_SESSION_TOKEN: Credentials.SessionToken,
  };
}

describe.runIf(awsCliAvailable)('IAM enforcement through the AWS CLI and devkit iam', () => {
  it('explains an EC2 refusal from its encoded authorization failure message', async () => {
    const denied = await aws(['ec2', 'create-vpc', '--cidr-block', '10.30.0.0/16'], await deploySession());
    expect(denied.stderr).toContain('Encoded authorization failure message: ');
    // The whole error line, as a user pastes it.
    const why = await runCli(['iam', 'why', denied.stderr.trim(), '--endpoint', t.cloud.url], {
      env: envWithoutAws(),
    });
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toContain(
      `ec2:CreateVpc on arn:aws:ec2:us-east-1:${ACCOUNT}:vpc/* by arn:aws:sts::${ACCOUNT}:assumed-role/ci-deploy/gha: DENIED`,
    );
    expect(why.stdout).toContain('no policy allowed it (an implicit deny: no statement matched)');
    expect(why.stdout).toContain('aws:RequestedRegion=us-east-1');
    const forged = await runCli(['iam', 'why', 'AAAA'.repeat(20), '--endpoint', t.cloud.url], {
      env: envWithoutAws(),
    });
    expect(forged.code).toBe(1);
    expect(forged.stderr.trim()).toMatch(/cannot decode that message: The message is not a valid encoded/);
  }, 120_000);

  it('refuses a register without iam:PassRole, says why, passes once granted, and prints the policy used', async () => {
    const session = await deploySession();
    const denied = await aws(register, session);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr.trim()).toBe(
      `An error occurred (AccessDeniedException) when calling the RegisterTaskDefinition operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/ci-deploy/gha is not authorized to perform: iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/app-execution because no identity-based policy allows the iam:PassRole action`,
    );
    // Root (test/test) is still allowed.
    expect((await aws(register)).code).toBe(0);

    const why = await runCli(['iam', 'why', '--endpoint', t.cloud.url], { env: envWithoutAws() });
    expect(why.code).toBe(0);
    expect(why.stdout).toContain(
      'ecs:RegisterTaskDefinition by arn:aws:sts::000000000000:assumed-role/ci-deploy/gha: DENIED',
    );
    expect(why.stdout).toContain(
      'ecs:RegisterTaskDefinition on *: allowed by statement 0 (Sid Register) of identity policy register',
    );
    expect(why.stdout).toContain(
      `iam:PassRole on arn:aws:iam::${ACCOUNT}:role/app-execution: denied: no identity policy allows it`,
    );
    expect(why.stdout).toContain('iam:PassedToService=ecs-tasks.amazonaws.com');

    const iam = new IAMClient(t.clientConfig);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'ci-deploy',
        PolicyName: 'pass',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'iam:PassRole',
              Resource: `arn:aws:iam::${ACCOUNT}:role/app-*`,
              Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
            },
          ],
        }),
      }),
    );
    iam.destroy();
    expect((await aws(register, session)).code).toBe(0);

    const policy = await runCli(['iam', 'policy', 'ci-deploy', '--endpoint', t.cloud.url], {
      env: envWithoutAws(),
    });
    expect(policy.code).toBe(0);
    expect(JSON.parse(policy.stdout)).toEqual({
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
    const unknown = await runCli(['iam', 'policy', 'nobody', '--endpoint', t.cloud.url], {
      env: envWithoutAws(),
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/no session of role nobody has called the cloud/);
  }, 120_000);
});
