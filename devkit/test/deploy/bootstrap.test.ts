/**
 * devkit bootstrap on the local cloud: GitHub's OIDC provider and the stage's deploy role, made
 * once and left alone the second time; the role's trust admits the stage's branch and environment
 * of one repository and refuses others (through STS, as deploy.yml's credential step asks); its
 * policy grants every call `devkit deploy` makes (kept equal to the pipeline's own SDK commands)
 * and passes only the stage's roles, only to ECS tasks (checked with the cloud's policy evaluator).
 */
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextValues } from '../../src/cloud/access/policy-conditions.ts';
import { parsePolicyDocument } from '../../src/cloud/access/policy-document.ts';
import { evaluateAccess } from '../../src/cloud/access/policy-evaluation.ts';
import { bootstrap, bootstrapFindings, bootstrapPlan, DEPLOY_ACTIONS } from '../../src/deploy/bootstrap.ts';
import { createClients, destroyClients, type AwsClients } from '../../src/deploy/clients.ts';
import { loadStack, type Stack } from '../../src/stack/load.ts';
import { credentials, REGION, startTestCloud, type TestCloud } from '../cloud/harness.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;
const REPOSITORY = 'acme/iscoolgpt';
const ACCOUNT = '000000000000';

/** `service:Operation` for every SDK command the modules reachable from deploy.ts construct. */
function deployCommands(): Set<string> {
  const prefixes: Record<string, string> = {
    'client-cloudwatch-logs': 'logs',
    'client-ec2': 'ec2',
    'client-ecr': 'ecr',
    'client-ecs': 'ecs',
    'client-iam': 'iam',
    'client-secrets-manager': 'secretsmanager',
    'client-sts': 'sts',
    'client-elastic-load-balancing-v2': 'elasticloadbalancing',
    'client-cloudwatch': 'cloudwatch',
  };
  const actions = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, names, client] of source.matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/([a-z0-9-]+)'/g,
    )) {
      for (const [, name] of names!.matchAll(/\b([A-Z][A-Za-z0-9]+)Command\b/g)) {
        if (source.includes(`new ${name}Command(`)) actions.add(`${prefixes[client!] ?? client}:${name}`);
      }
    }
    for (const [, path] of source.matchAll(/(?:from\s*|import\()'(\.[^']+\.ts)'/g)) {
      if (!path!.includes('/stack/') && !path!.includes('/net/'))
        visit(normalize(join(dirname(file), path!)));
    }
  };
  visit(new URL('../../src/deploy/deploy.ts', import.meta.url).pathname);
  return actions;
}

describe('the deploy policy', () => {
  it('grants exactly the calls devkit deploy makes (GetCallerIdentity needs no permission)', () => {
    const made = deployCommands();
    made.delete('sts:GetCallerIdentity');
    expect(made.size).toBeGreaterThan(40);
    expect([...DEPLOY_ACTIONS].sort()).toEqual([...made].sort());
  });

  it('passes only the stage roles, only to ECS tasks, and manages only the stage roles', () => {
    const stack = loadStack(stackFile, { stage: 'prod', env: {} });
    const plan = bootstrapPlan(stack, ACCOUNT, REPOSITORY);
    const identity = [
      { source: 'devkit-deploy', document: parsePolicyDocument(plan.deployPolicy, 'permissions') },
    ];
    const decide = (action: string, resource: string, context: Record<string, string> = {}) =>
      evaluateAccess(
        { identity },
        {
          action,
          resource,
          principal: {
            type: 'AWS',
            arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${plan.roleName}/ci`,
            account: ACCOUNT,
          },
          context: contextValues(context),
        },
      ).decision;
    const executionRole = `arn:aws:iam::${ACCOUNT}:role/iscoolgpt-prod-execution`;
    expect(decide('ecs:RegisterTaskDefinition', '*')).toBe('Allow');
    expect(decide('ecr:PutImage', `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/iscoolgpt-prod`)).toBe(
      'Allow',
    );
    expect(decide('iam:PassRole', executionRole, { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })).toBe(
      'Allow',
    );
    expect(decide('iam:PassRole', executionRole, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe(
      'ImplicitDeny',
    );
    expect(
      decide('iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`, {
        'iam:PassedToService': 'ecs-tasks.amazonaws.com',
      }),
    ).toBe('ImplicitDeny');
    expect(decide('iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/iscoolgpt-prod-task`)).toBe('Allow');
    expect(decide('iam:PutRolePolicy', `arn:aws:iam::${ACCOUNT}:role/iscoolgpt-dev-task`)).toBe(
      'ImplicitDeny',
    );
    // Creating with tags needs each service's tagging action too; IAM's only for the stage's roles.
    expect(decide('ecr:TagResource', `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/iscoolgpt-prod`)).toBe(
      'Allow',
    );
    expect(decide('iam:TagRole', `arn:aws:iam::${ACCOUNT}:role/iscoolgpt-prod-task`)).toBe('Allow');
    expect(decide('iam:TagRole', `arn:aws:iam::${ACCOUNT}:role/admin`)).toBe('ImplicitDeny');
    // deploy.yml's own step puts the Gemini key into Secrets Manager with the role.
    expect(decide('secretsmanager:PutSecretValue', '*')).toBe('Allow');
    expect(decide('iam:CreateUser', '*')).toBe('ImplicitDeny');
    expect(decide('secretsmanager:GetSecretValue', '*')).toBe('ImplicitDeny');
  });
});

describe('devkit bootstrap on the local cloud', () => {
  let cloud: TestCloud;
  let clients: AwsClients;
  let sts: STSClient;
  const prod: Stack = loadStack(stackFile, { stage: 'prod', env: {} });

  beforeAll(async () => {
    cloud = await startTestCloud();
    clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
    sts = new STSClient(cloud.clientConfig);
  });
  afterAll(async () => {
    destroyClients(clients);
    sts.destroy();
    await cloud.dispose();
  });

  async function token(body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${cloud.cloud.url}/_devkit/oidc/token`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    return ((await response.json()) as { token: string }).token;
  }

  it('is reported missing by doctor, then made once, then left as it is', async () => {
    expect((await bootstrapFindings(clients, prod))[0]).toMatchObject({ status: 'fail' });
    const first = await bootstrap(clients, prod, REPOSITORY);
    expect(first.steps.map((s) => s.action)).toEqual(['created', 'created', 'created']);
    expect(first.plan.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/iscoolgpt-prod-deploy`);
    const second = await bootstrap(clients, prod, REPOSITORY);
    expect(second.steps.map((s) => s.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(await bootstrapFindings(clients, prod)).toEqual([
      expect.objectContaining({ status: 'pass', check: 'deploy role (OIDC)' }),
    ]);
    // Another repository's bootstrap of the same stage corrects the trust policy, not the rest.
    const moved = await bootstrap(clients, prod, 'acme/other');
    expect(moved.steps.map((s) => s.action)).toEqual(['unchanged', 'updated', 'unchanged']);
    await bootstrap(clients, prod, REPOSITORY);
  });

  it("admits deploy.yml's prod job (main, environment prod) with credentials that work, and refuses others", async () => {
    const assume = async (body: Record<string, unknown>) =>
      sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/iscoolgpt-prod-deploy`,
          RoleSessionName: 'iscoolgpt-deploy-1',
          WebIdentityToken: await token(body),
        }),
      );
    const fromMain = await assume({ repository: REPOSITORY, branch: 'main' });
    const fromEnvironment = await assume({ subject: `repo:${REPOSITORY}:environment:prod` });
    expect(fromEnvironment.AssumedRoleUser!.Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/iscoolgpt-prod-deploy/iscoolgpt-deploy-1`,
    );
    const c = fromMain.Credentials!;
    const config = {
      ...cloud.clientConfig,
      credentials: {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      },
    };
    const asRole = new STSClient(config);
    const ecs = new ECSClient(config);
    try {
      expect((await asRole.send(new GetCallerIdentityCommand({}))).Arn).toBe(
        `arn:aws:sts::${ACCOUNT}:assumed-role/iscoolgpt-prod-deploy/iscoolgpt-deploy-1`,
      );
      expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toEqual([]);
    } finally {
      asRole.destroy();
      ecs.destroy();
    }
    for (const refused of [
      { repository: REPOSITORY, branch: 'feature/login' },
      { repository: 'mallory/iscoolgpt', branch: 'main' },
      { subject: `repo:${REPOSITORY}:environment:dev` },
      { repository: REPOSITORY, branch: 'main', audience: 'sigstore' },
    ]) {
      await expect(assume(refused)).rejects.toMatchObject({
        name: refused.audience ? 'InvalidIdentityTokenException' : 'AccessDenied',
      });
    }
  });
});
