/**
 * The registry under IAM enforcement (issue 19): `docker push`/`pull` with a role session's
 * `aws ecr get-login-password` is authorized per request as that session, with the ECR action AWS
 * maps each request to, and refused with ECR's `denied: User: ... is not authorized to perform`.
 * A push that creates its repository (a CREATE_ON_PUSH creation template) needs ecr:CreateRepository.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  CreateRepositoryCommand,
  CreateRepositoryCreationTemplateCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
  PutAccountSettingCommand,
} from '@aws-sdk/client-ecr';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeDockerConfig, docker, dockerAvailable } from '../docker-cli.ts';
import { runAwsCli } from '../aws-cli.ts';
import { awsCliAvailable, awsCliEnv, REGION, startTestCloud, type TestCloud } from '../harness.ts';
import { RegistryClient, registryAuthorization, sha256 } from '../registry-client.ts';

const exec = promisify(execFile);
const ACCOUNT = '000000000000';
const REPOSITORY = 'iam/app';
const REPOSITORY_ARN = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${REPOSITORY}`;
const SOURCE = 'iam/source';
const policy = (...actions: string[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Effect: 'Allow', Action: actions, Resource: REPOSITORY_ARN },
    ],
  });
const PUSH = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
];

const denial = (role: string, action: string) =>
  `denied: User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/ci is not authorized to perform: ${action} on resource: ${REPOSITORY_ARN} because no identity-based policy allows the ${action} action`;

describe.skipIf(!dockerAvailable || !awsCliAvailable)('the registry under IAM enforcement', () => {
  let t: TestCloud;
  let iam: IAMClient;
  let host: string;
  let workDir: string;
  let image: string;
  const created: string[] = [];

  beforeAll(async () => {
    t = await startTestCloud({ enforceIam: true });
    iam = new IAMClient(t.clientConfig);
    host = new URL(t.cloud.url).host;
    workDir = await mkdtemp(join(tmpdir(), 'devkit-registry-iam-'));
    const ecr = new ECRClient(t.clientConfig);
    await ecr.send(new CreateRepositoryCommand({ repositoryName: REPOSITORY }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: SOURCE }));
    ecr.destroy();
    await writeFile(join(workDir, 'payload.bin'), randomBytes(32 * 1024));
    await exec('tar', ['-C', workDir, '-cf', join(workDir, 'image.tar'), 'payload.bin']);
    image = `${host}/${REPOSITORY}:v1`;
    created.push((await docker(['import', join(workDir, 'image.tar'), image])).trim());
  });

  afterAll(async () => {
    for (const id of created) await docker(['rmi', '--force', id]).catch(() => undefined);
    await docker(['logout', host]).catch(() => undefined);
    disposeDockerConfig();
    iam.destroy();
    await rm(workDir, { recursive: true, force: true });
    await t.dispose();
  });

  /** A role with `actions` on the repository, and credentials of a session of it. */
  async function roleSession(role: string, actions: string[]) {
    await iam.send(
      new CreateRoleCommand({
        RoleName: role,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await grant(role, actions);
    const { Credentials } = await new STSClient(t.clientConfig).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: 'ci' }),
    );
    return {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    };
  }

  /** `docker login` as a session of a role with `actions`, with the AWS CLI's get-login-password. */
  async function loginAs(role: string, actions: string[]): Promise<void> {
    const credentials = await roleSession(role, actions);
    const { stdout: password } = await runAwsCli(
      ['--endpoint-url', t.cloud.url, 'ecr', 'get-login-password'],
      {
        env: {
          ...awsCliEnv(),
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken,
        },
      },
    );
    expect(
      await docker(['login', '--username', 'AWS', '--password-stdin', host], { input: password }),
    ).toMatch(/Login Succeeded/);
  }

  function grant(role: string, actions: string[]) {
    return iam.send(
      new PutRolePolicyCommand({
        RoleName: role,
        PolicyName: 'registry',
        PolicyDocument: policy(...actions),
      }),
    );
  }

  async function failure(run: Promise<unknown>): Promise<string> {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error, 'docker should have been refused').toBeDefined();
    return error!.message;
  }

  it('docker push is refused with ECR’s denied message without ecr:InitiateLayerUpload, and passes once granted', async () => {
    await loginAs('registry-pusher', ['ecr:BatchCheckLayerAvailability']);
    const refused = await failure(docker(['push', image]));
    expect(refused).toContain(denial('registry-pusher', 'ecr:InitiateLayerUpload'));
    const decision = t.cloud.access.recentDecisions(50, { deniedOnly: true })[0]!;
    expect(decision).toMatchObject({
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/registry-pusher/ci`,
      operation: 'ecr:InitiateLayerUpload',
      allowed: false,
      enforced: true,
    });

    // Authorized per request, as on AWS: the grant counts without a new login.
    await grant('registry-pusher', PUSH);
    expect(await docker(['push', image])).toMatch(/v1: digest: sha256:[a-f0-9]{64}/);
    const used = JSON.stringify(t.cloud.access.usedPolicy('registry-pusher'));
    for (const action of ['ecr:InitiateLayerUpload', 'ecr:CompleteLayerUpload', 'ecr:PutImage']) {
      expect(used).toContain(action);
    }
    expect(used).toContain(REPOSITORY_ARN);
  });

  it('docker pull is refused without ecr:BatchGetImage, and passes once granted', async () => {
    await loginAs('registry-puller', ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer']);
    await docker(['rmi', image]);
    const refused = await failure(docker(['pull', image]));
    expect(refused).toContain(denial('registry-puller', 'ecr:BatchGetImage'));

    await grant('registry-puller', ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(await docker(['pull', image])).toMatch(/Status: Downloaded newer image/);
  });

  it('a tag list needs ecr:ListImages (403 DENIED, AWS’s sentence); a mount needs read on its source, else it uploads', async () => {
    const content = randomBytes(1024);
    const digest = sha256(content);
    // test/test is the account root: its token is not evaluated.
    const root = new RegistryClient(t, await registryAuthorization(t));
    expect((await root.pushBlob(SOURCE, content)).status).toBe(201);

    const ecr = new ECRClient({
      ...t.clientConfig,
      credentials: await roleSession('registry-raw', ['ecr:InitiateLayerUpload']),
    });
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    ecr.destroy();
    const role = new RegistryClient(t, `Basic ${authorizationData![0]!.authorizationToken!}`);

    const tags = await role.fetch(`/v2/${REPOSITORY}/tags/list`);
    expect(tags.status).toBe(403);
    expect(await tags.json()).toEqual({
      errors: [
        {
          code: 'DENIED',
          message: denial('registry-raw', 'ecr:ListImages').slice('denied: '.length),
          detail: {},
        },
      ],
    });

    const admin = new ECRClient(t.clientConfig);
    await admin.send(new PutAccountSettingCommand({ name: 'BLOB_MOUNTING', value: 'ENABLED' }));
    admin.destroy();
    const mount = `/v2/${REPOSITORY}/blobs/uploads/?mount=${digest}&from=${SOURCE}`;
    expect((await role.fetch(mount, { method: 'POST' })).status).toBe(202);
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'registry-raw',
        PolicyName: 'source',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'ecr:GetDownloadUrlForLayer',
              Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${SOURCE}`,
            },
          ],
        }),
      }),
    );
    const mounted = await role.fetch(mount, { method: 'POST' });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('docker-content-digest')).toBe(digest);
  });

  it('a push that creates its repository from a CREATE_ON_PUSH template needs ecr:CreateRepository', async () => {
    const root = new ECRClient(t.clientConfig);
    await root.send(
      new CreateRepositoryCreationTemplateCommand({ prefix: 'onpush', appliedFor: ['CREATE_ON_PUSH'] }),
    );
    const created = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/onpush/app`;
    const allow = (actions: string[]) =>
      iam.send(
        new PutRolePolicyCommand({
          RoleName: 'registry-creator',
          PolicyName: 'registry',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
              {
                Effect: 'Allow',
                Action: actions,
                Resource: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/onpush/*`,
              },
            ],
          }),
        }),
      );
    const credentials = await roleSession('registry-creator', ['ecr:InitiateLayerUpload']);
    // The same action on the repository the push will create, and nothing else on it.
    await allow(['ecr:InitiateLayerUpload']);
    const ecr = new ECRClient({ ...t.clientConfig, credentials });
    const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}));
    ecr.destroy();
    const role = new RegistryClient(t, `Basic ${authorizationData![0]!.authorizationToken!}`);

    const refused = await role.fetch('/v2/onpush/app/blobs/uploads/', { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/registry-creator/ci is not authorized to perform: ecr:CreateRepository on resource: ${created} because no identity-based policy allows the ecr:CreateRepository action`,
    );
    const exists = () =>
      root
        .send(new DescribeRepositoriesCommand({}))
        .then((r) => r.repositories!.map((x) => x.repositoryName));
    expect(await exists()).not.toContain('onpush/app');

    await allow(['ecr:InitiateLayerUpload', 'ecr:CreateRepository']);
    expect((await role.fetch('/v2/onpush/app/blobs/uploads/', { method: 'POST' })).status).toBe(202);
    expect(await exists()).toContain('onpush/app');
    root.destroy();
  });
});
