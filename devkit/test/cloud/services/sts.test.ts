/**
 * STS through the real AWS CLI and SDK: the OIDC flow of deploy.yml (a GitHub-shaped token from
 * the local issuer, AssumeRoleWithWebIdentity against a role whose trust policy names the
 * provider and the branch), AssumeRole against trust policies, and the temporary credentials the
 * cloud then accepts (and refuses with a wrong token).
 */
import { CreateClusterCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCaller } from '../../../src/cloud/access/caller.ts';
import { runAwsCli } from '../aws-cli.ts';
import { awsCliAvailable, awsCliEnv, REGION, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/github-deploy`;

/** The trust policy AWS's guide for GitHub Actions gives: the provider, the audience, one branch. */
const githubTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: PROVIDER_ARN },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/iscoolgpt:ref:refs/heads/main' },
      },
    },
  ],
});

let t: TestCloud;
let iam: IAMClient;
let sts: STSClient;

beforeAll(async () => {
  t = await startTestCloud();
  iam = new IAMClient(t.clientConfig);
  sts = new STSClient(t.clientConfig);
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: 'https://token.actions.githubusercontent.com',
      ClientIDList: ['sts.amazonaws.com'],
    }),
  );
  await iam.send(new CreateRoleCommand({ RoleName: 'github-deploy', AssumeRolePolicyDocument: githubTrust }));
});
afterAll(async () => {
  iam.destroy();
  sts.destroy();
  await t.dispose();
});

async function mint(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${t.cloud.url}/_devkit/oidc/token`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

const branchToken = (branch: string, extra: Record<string, unknown> = {}) =>
  mint({ repository: 'acme/iscoolgpt', branch, ...extra });

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

function withWebIdentity(token: string, session = 'gh-run') {
  return sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: DEPLOY_ROLE,
      RoleSessionName: session,
      WebIdentityToken: token,
    }),
  );
}

function clientConfigOf(credentials: Credentials) {
  return {
    ...t.clientConfig,
    credentials: {
      accessKeyId: credentials.AccessKeyId!,
      secretAccessKey: credentials.SecretAccessKey!,
      sessionToken: credentials.SessionToken!,
    },
  };
}

describe('AssumeRoleWithWebIdentity (SDK)', () => {
  it('gives the allowed branch temporary credentials that the cloud accepts as the assumed role', async () => {
    const before = Date.now();
    const assumed = await withWebIdentity(await branchToken('main'));
    expect(assumed.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(assumed.Credentials!.SecretAccessKey).toHaveLength(40);
    expect(assumed.Credentials!.SessionToken!.length).toBeGreaterThan(100);
    expect(assumed.Credentials!.Expiration!.getTime()).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(assumed.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/github-deploy/gh-run`);
    expect(assumed.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:gh-run$/);
    expect(assumed).toMatchObject({
      SubjectFromWebIdentityToken: 'repo:acme/iscoolgpt:ref:refs/heads/main',
      Provider: 'https://token.actions.githubusercontent.com',
      Audience: 'sts.amazonaws.com',
    });

    const asRole = new STSClient(clientConfigOf(assumed.Credentials!));
    const ecs = new ECSClient(clientConfigOf(assumed.Credentials!));
    try {
      expect(await asRole.send(new GetCallerIdentityCommand({}))).toMatchObject({
        Account: ACCOUNT,
        Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/github-deploy/gh-run`,
        UserId: assumed.AssumedRoleUser!.AssumedRoleId,
      });
      await ecs.send(new CreateClusterCommand({ clusterName: 'oidc-deployed' }));
      expect((await ecs.send(new ListClustersCommand({}))).clusterArns).toContain(
        `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/oidc-deployed`,
      );
    } finally {
      asRole.destroy();
      ecs.destroy();
    }
  });

  it('refuses a branch the trust policy does not allow, as AWS does', async () => {
    expect(await errorOf(withWebIdentity(await branchToken('feature/x')))).toEqual({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      status: 403,
    });
  });

  it('refuses another audience, an issuer without a provider, an expired token and a role that does not exist', async () => {
    expect(await errorOf(withWebIdentity(await branchToken('main', { audience: 'other' })))).toMatchObject({
      name: 'InvalidIdentityToken',
      message: 'Incorrect token audience',
      status: 400,
    });
    expect(
      await errorOf(withWebIdentity(await mint({ issuer: 'https://oidc.devkit.localhost', subject: 'me' }))),
    ).toMatchObject({
      name: 'InvalidIdentityToken',
      message: 'No OpenIDConnect provider found in your account for https://oidc.devkit.localhost',
    });
    const expired = await errorOf(withWebIdentity(await branchToken('main', { lifetimeSeconds: -60 })));
    expect(expired.name).toBe('ExpiredTokenException');
    expect(expired.message).toMatch(
      /^Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
    );
    expect(
      await errorOf(
        sts.send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: `arn:aws:iam::${ACCOUNT}:role/nobody`,
            RoleSessionName: 'gh',
            WebIdentityToken: await branchToken('main'),
          }),
        ),
      ),
    ).toMatchObject({
      name: 'AccessDenied',
      message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    });
  });

  it('refuses tokens not signed by the issuer: another key, a changed payload, not a JWT, alg none', async () => {
    const good = await branchToken('main');
    const [header, payload] = good.split('.') as [string, string, string];
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = `${header}.${payload}.${sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const widened = Buffer.from(
      JSON.stringify({ ...claims, sub: 'repo:acme/iscoolgpt:ref:refs/heads/main' }),
    ).toString('base64url');
    const tampered = `${header}.${widened.replace(/.$/, widened.endsWith('A') ? 'B' : 'A')}.${good.split('.')[2]}`;
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    for (const token of [forged, tampered, none]) {
      expect((await errorOf(withWebIdentity(token))).name).toBe('InvalidIdentityToken');
    }
    expect(await errorOf(withWebIdentity('not-a-jwt-at-all'))).toMatchObject({
      name: 'InvalidIdentityToken',
      message: 'The ID Token provided is not a valid JWT.',
    });
  });

  it('answers the token endpoint clearly for a bad request', async () => {
    for (const body of [
      '[]',
      '{"repository":"acme/iscoolgpt"}',
      '{"subject":"x","issuer":"https://evil.example"}',
    ]) {
      const response = await fetch(`${t.cloud.url}/_devkit/oidc/token`, { method: 'POST', body });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBeTruthy();
    }
    const jwks = (await (await fetch(`${t.cloud.url}/_devkit/oidc/jwks`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});

describe('AssumeRole (SDK)', () => {
  const accountTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
    ],
  });
  const serviceTrust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });

  beforeAll(async () => {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'operator',
        AssumeRolePolicyDocument: accountTrust,
        MaxSessionDuration: 7200,
      }),
    );
    await iam.send(new CreateRoleCommand({ RoleName: 'task-only', AssumeRolePolicyDocument: serviceTrust }));
  });

  it('assumes a role whose trust policy names the account, and chains from that session for at most an hour', async () => {
    const assumed = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/operator`,
        RoleSessionName: 'ops',
        DurationSeconds: 7200,
      }),
    );
    expect(assumed.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/operator/ops`);
    const chained = new STSClient(clientConfigOf(assumed.Credentials!));
    try {
      expect(
        await errorOf(
          chained.send(
            new AssumeRoleCommand({
              RoleArn: `arn:aws:iam::${ACCOUNT}:role/operator`,
              RoleSessionName: 'again',
              DurationSeconds: 7200,
            }),
          ),
        ),
      ).toMatchObject({
        name: 'ValidationError',
        message:
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
      });
      const again = await chained.send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/operator`, RoleSessionName: 'again' }),
      );
      expect(again.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/operator/again`);
    } finally {
      chained.destroy();
    }
  });

  it('refuses a role that trusts only a service, a missing role, and a duration above the role maximum', async () => {
    const taskOnly = `arn:aws:iam::${ACCOUNT}:role/task-only`;
    expect(
      await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: taskOnly, RoleSessionName: 's' + 'x' }))),
    ).toEqual({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: ${taskOnly}`,
      status: 403,
    });
    const missing = `arn:aws:iam::${ACCOUNT}:role/missing`;
    expect(
      (await errorOf(sts.send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: 'sx' })))).name,
    ).toBe('AccessDenied');
    expect(
      await errorOf(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: taskOnly.replace('task-only', 'github-deploy'),
            RoleSessionName: 'sx',
          }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied' });
    expect(
      await errorOf(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${ACCOUNT}:role/operator`,
            RoleSessionName: 'sx',
            Policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 'ecs:*' }],
            }),
          }),
        ),
      ),
    ).toMatchObject({ name: 'MalformedPolicyDocument', message: 'Policy statement must contain resources.' });
    expect(
      await errorOf(
        sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${ACCOUNT}:role/operator`,
            RoleSessionName: 'sx',
            DurationSeconds: 7201,
          }),
        ),
      ),
    ).toMatchObject({
      name: 'ValidationError',
      message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    });
  });
});

describe('temporary credentials', () => {
  it('are refused with a wrong session token, in each protocol’s words, and survive a restart', async () => {
    const assumed = await withWebIdentity(await branchToken('main'), 'durable');
    const wrong = { ...assumed.Credentials!, SessionToken: 'not-the-token' };
    const badSts = new STSClient(clientConfigOf(wrong));
    const badEcs = new ECSClient(clientConfigOf(wrong));
    try {
      expect(await errorOf(badSts.send(new GetCallerIdentityCommand({})))).toMatchObject({
        name: 'InvalidClientTokenId',
        message: 'The security token included in the request is invalid.',
        status: 403,
      });
      expect(await errorOf(badEcs.send(new ListClustersCommand({})))).toMatchObject({
        name: 'UnrecognizedClientException',
        status: 403,
      });
    } finally {
      badSts.destroy();
      badEcs.destroy();
    }
    await t.stop();
    await t.restart();
    const asRole = new STSClient(clientConfigOf(assumed.Credentials!));
    try {
      expect((await asRole.send(new GetCallerIdentityCommand({}))).Arn).toBe(
        `arn:aws:sts::${ACCOUNT}:assumed-role/github-deploy/durable`,
      );
    } finally {
      asRole.destroy();
    }
    // STS is reached again through the restarted cloud's new port.
    sts.destroy();
    iam.destroy();
    sts = new STSClient(t.clientConfig);
    iam = new IAMClient(t.clientConfig);
  });

  it('expire: past its expiration a session key is refused with ExpiredToken', async () => {
    const assumed = await withWebIdentity(await branchToken('main'), 'short');
    const credentials = {
      accessKeyId: assumed.Credentials!.AccessKeyId,
      sessionToken: assumed.Credentials!.SessionToken,
    };
    const later = assumed.Credentials!.Expiration!.getTime() + 1;
    expect(resolveCaller(t.cloud.store, ACCOUNT, credentials, later - 2, 'query').kind).toBe('session');
    expect(() => resolveCaller(t.cloud.store, ACCOUNT, credentials, later, 'query')).toThrow(
      expect.objectContaining({ code: 'ExpiredToken', status: 403 }),
    );
    expect(() => resolveCaller(t.cloud.store, ACCOUNT, credentials, later, 'json')).toThrow(
      expect.objectContaining({ code: 'ExpiredTokenException' }),
    );
    expect(resolveCaller(t.cloud.store, ACCOUNT, { accessKeyId: 'test' }, later, 'json').kind).toBe('root');
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  async function cli(args: string[], env: NodeJS.ProcessEnv = awsCliEnv()) {
    const { stdout } = await runAwsCli(['--endpoint-url', t.cloud.url, '--output', 'json', ...args], { env });
    return JSON.parse(stdout) as Record<string, Record<string, string>>;
  }

  it('runs deploy.yml’s credential step: the allowed branch gets credentials that work, another is refused', async () => {
    const assumed = await cli([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      DEPLOY_ROLE,
      '--role-session-name',
      'GitHubActions',
      '--web-identity-token',
      await branchToken('main'),
    ]);
    const env = {
      ...awsCliEnv(),
      AWS_ACCESS_KEY_ID: assumed.Credentials!.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: assumed.Credentials!.SecretAccessKey,
      AWS_SESSION_TOKEN: assumed.Credentials!.SessionToken,
    };
    expect((await cli(['sts', 'get-caller-identity'], env)).Arn).toBe(
      `arn:aws:sts::${ACCOUNT}:assumed-role/github-deploy/GitHubActions`,
    );
    expect(
      (await cli(['ecs', 'create-cluster', '--cluster-name', 'from-cli'], env)).cluster!.clusterName,
    ).toBe('from-cli');

    const refused = await cli([
      'sts',
      'assume-role-with-web-identity',
      '--role-arn',
      DEPLOY_ROLE,
      '--role-session-name',
      'GitHubActions',
      '--web-identity-token',
      await branchToken('dev'),
    ]).catch((error: { stderr: string }) => error.stderr);
    expect(refused).toContain(
      'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    );
  });
});
