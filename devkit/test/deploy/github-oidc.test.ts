/**
 * deploy.yml's credential step end to end on the local cloud, through the real CLIs, as a user
 * rehearses it: `devkit bootstrap`; deploy.yml's own branch → stage script picks the stage;
 * `devkit oidc-token` mints the deploy job's token; the real AWS CLI exchanges it
 * (`aws sts assume-role-with-web-identity`, the parameters aws-actions/configure-aws-credentials
 * sends); deploy.yml's "Gemini key → Secrets Manager" script runs with those credentials against
 * the real AWS CLI; `devkit deploy` with them in the environment deploys and the service answers.
 * A token of a branch the trust policy does not admit is refused with AccessDenied, an expired one
 * with ExpiredTokenException, and a deploy with a tampered session token fails on its first call.
 * The cloud enforces IAM (issue 19): the deploy runs as the bootstrap's role, and the same deploy
 * without `iam:PassRole` fails at register with AWS's refusal.
 *
 * The action itself (aws-actions/configure-aws-credentials) is not run: it is a JavaScript action
 * GitHub fetches from its repository and it asks GitHub's token service for the token, neither
 * reachable offline. Its part is what it sends (checked against its source) and what it exports
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ensureGeminiImage,
  removeGeminiContainer,
  startGeminiContainer,
} from '../../src/gemini/container.ts';
import { reachableUrl } from '../../src/net/loopback.ts';
import { envWithoutAws, REPO_ROOT, runCli } from '../cli/run-cli.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { awsCliOutcome } from '../cloud/aws-cli.ts';
import { AWS_CLI, awsCliAvailable, freePort, REGION, startTestCloud } from '../cloud/harness.ts';
import { removeRegistryImages } from './registry-images.ts';

const exec = promisify(execFile);
const REPOSITORY = 'acme/iscoolgpt';
const BRANCH = 'feature/chat-history';
const ACCOUNT = '000000000000';
const GEMINI_KEY = 'AIzaSy-oidc-e2e-key-never-print-me';

interface Step {
  id?: string;
  name?: string;
  run?: string;
}
const workflow = parse(await readFile(join(REPO_ROOT, '.github/workflows/deploy.yml'), 'utf8')) as {
  jobs: Record<string, { steps: Step[] }>;
};
const script = (job: string, match: (s: Step) => boolean) => {
  const found = workflow.jobs[job]?.steps.find(match)?.run;
  if (!found) throw new Error(`deploy.yml has no such step in job ${job}`);
  return found;
};

interface SessionCredentials {
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
}

describe.skipIf(!dockerAvailable || !awsCliAvailable)(
  "deploy.yml's credential step on the local cloud",
  () => {
    const docker = new Docker();
    let cloud: TestCloud;
    let lbPort: number;
    let dir: string;
    const gemini = `devkit-gemini-mock-oidc-${process.pid}`;
    const devkit = (args: string[], env: Record<string, string> = {}) =>
      runCli([...args, '--endpoint', cloud.cloud.url], { env: envWithoutAws(env), timeoutMs: 500_000 });
    const token = async (args: string[]) => {
      const { code, stdout, stderr } = await devkit(['oidc-token', '--repository', REPOSITORY, ...args]);
      if (code !== 0) throw new Error(`oidc-token failed: ${stderr}`);
      return stdout.trim();
    };
    /** The real AWS CLI at the local cloud, with no credentials but those given (as on a runner). */
    const aws = (args: string[], env: Record<string, string> = {}) =>
      awsCliOutcome(['--endpoint-url', cloud.cloud.url, '--output', 'json', ...args], {
        env: envWithoutAws({ AWS_DEFAULT_REGION: REGION, AWS_PAGER: '', ...env }),
      });
    /** AssumeRoleWithWebIdentity as the action sends it: role, session name, 3600 s, the token. */
    const assume = (stage: string, webIdentityToken: string) =>
      aws([
        'sts',
        'assume-role-with-web-identity',
        '--role-arn',
        `arn:aws:iam::${ACCOUNT}:role/iscoolgpt-${stage}-deploy`,
        '--role-session-name',
        'iscoolgpt-deploy-4242',
        '--duration-seconds',
        '3600',
        '--web-identity-token',
        webIdentityToken,
      ]);
    /** What the action exports for the job's later steps. */
    const exported = (c: SessionCredentials): Record<string, string> => ({
      AWS_ACCESS_KEY_ID: c.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: c.SecretAccessKey,
      AWS_SESSION_TOKEN: c.SessionToken,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
    });
    /** Runs one of deploy.yml's `run:` scripts as the runner does (bash -eo pipefail). */
    const runScript = (text: string, env: Record<string, string>) =>
      exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', text], {
        env: envWithoutAws({ ...env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` }),
      });

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'devkit-oidc-'));
      // IAM enforced, as the rehearsal runs: the bootstrap's deploy policy must be enough for every call.
      cloud = await startTestCloud({ enforceIam: true, runtime: { docker } });
      lbPort = await freePort();
      const { image } = await ensureGeminiImage(docker);
      await startGeminiContainer(docker, gemini, image, cloud.cloud.runtime!.cloudId);
      // The AWS CLI 2.9 reads no AWS_ENDPOINT_URL: the workflow's `aws` reaches the local cloud
      // through a wrapper, the one difference from the runner.
      await mkdir(join(dir, 'bin'));
      await writeFile(
        join(dir, 'bin', 'aws'),
        `#!/usr/bin/env bash\nexec ${AWS_CLI} --endpoint-url '${cloud.cloud.url}' "$@"\n`,
      );
      await chmod(join(dir, 'bin', 'aws'), 0o755);
      for (const stage of ['dev', 'prod']) {
        const { code, stdout, stderr } = await devkit([
          'bootstrap',
          '--stage',
          stage,
          '--repository',
          REPOSITORY,
        ]);
        if (code !== 0) throw new Error(`bootstrap ${stage} failed: ${stderr}`);
        expect(stdout).toContain(`deploy role: arn:aws:iam::${ACCOUNT}:role/iscoolgpt-${stage}-deploy`);
      }
    }, 300_000);
    afterAll(async () => {
      await removeGeminiContainer(docker, gemini).catch(() => undefined);
      await cloud.cloud.close({ cleanup: true }).catch(() => undefined);
      await removeRegistryImages(docker, cloud.cloud.port);
      await cloud.dispose();
      await rm(dir, { recursive: true, force: true });
    }, 300_000);

    it('the allowed branch gets the role, sets the secret with it and deploys; the service answers', async () => {
      // deploy.yml's stage job: a push to a feature branch deploys dev.
      const output = join(dir, 'github-output');
      await writeFile(output, '');
      await runScript(
        script('stage', (s) => s.id === 'map'),
        {
          EVENT: 'push',
          BRANCH,
          INPUT_STAGE: '',
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        },
      );
      expect((await readFile(output, 'utf8')).trim()).toBe('stage=dev');
      // The deploy job runs in the stage's environment: its token's sub names the environment.
      const jobToken = await token(['--branch', BRANCH, '--environment', 'dev']);
      const assumed = await assume('dev', jobToken);
      expect(assumed.stderr).toBe('');
      const answer = JSON.parse(assumed.stdout) as {
        Credentials: SessionCredentials;
        AssumedRoleUser: { Arn: string };
        SubjectFromWebIdentityToken: string;
        Audience: string;
      };
      expect(answer).toMatchObject({
        AssumedRoleUser: {
          Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/iscoolgpt-dev-deploy/iscoolgpt-deploy-4242`,
        },
        SubjectFromWebIdentityToken: `repo:${REPOSITORY}:environment:dev`,
        Audience: 'sts.amazonaws.com',
      });
      const env = exported(answer.Credentials);
      const identity = await aws(['sts', 'get-caller-identity'], env);
      expect(JSON.parse(identity.stdout)).toMatchObject({ Arn: answer.AssumedRoleUser.Arn });

      // deploy.yml's "Gemini key → Secrets Manager", as the role.
      const runnerTemp = join(dir, 'runner-temp');
      await mkdir(runnerTemp);
      const secretName = 'iscoolgpt/dev/gemini-api-key';
      const secretStep = await runScript(
        script('deploy', (s) => s.name === 'Gemini key → Secrets Manager'),
        {
          ...env,
          GEMINI_API_KEY: GEMINI_KEY,
          STAGE: 'dev',
          GEMINI_SECRET_NAME: secretName,
          RUNNER_TEMP: runnerTemp,
        },
      );
      expect(secretStep.stdout.trim()).toBe(`Created ${secretName}`);
      const root = new SecretsManagerClient(cloud.clientConfig);
      try {
        const { SecretString } = await root.send(new GetSecretValueCommand({ SecretId: secretName }));
        expect(SecretString).toBe(GEMINI_KEY);
      } finally {
        root.destroy();
      }

      // deploy.yml's Deploy step, with the credentials the action exported.
      const deployed = await devkit(
        ['deploy', '--stage', 'dev', '--opt', `lb-port=${lbPort}`, '--image-tag', 'oidc-e2e'],
        env,
      );
      expect(deployed.stderr).not.toMatch(/^error:/m);
      expect(deployed.code).toBe(0);
      const url = new RegExp(`http://iscoolgpt-dev-[0-9a-f]+\\.${REGION}\\.elb\\.localhost:${lbPort}`).exec(
        deployed.stdout,
      )?.[0];
      expect(url).toBeDefined();
      const info = await fetch(reachableUrl(url!, '/v1/info'));
      expect(info.status).toBe(200);
      expect(await info.json()).toMatchObject({ version: expect.any(String) });

      // The credentials are checked, not merely accepted: a tampered session token fails at once.
      const tampered = await devkit(['deploy', '--stage', 'dev', '--opt', `lb-port=${lbPort}`], {
        ...env,
        AWS_SESSION_TOKEN: `${answer.Credentials.SessionToken}x`,
      });
      expect(tampered.code).toBe(1);
      expect(tampered.stderr).toContain('The security token included in the request is invalid');
    }, 600_000);

    it("a deploy role without iam:PassRole fails at register with AWS's refusal and exit 1; granted again, it deploys", async () => {
      const role = 'iscoolgpt-dev-deploy';
      const policyArgs = ['--role-name', role, '--policy-name', 'devkit-deploy'];
      // The account's root (test/test) edits the role, as an administrator would.
      const root = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
      const original = JSON.parse((await aws(['iam', 'get-role-policy', ...policyArgs], root)).stdout) as {
        PolicyDocument: { Statement: Array<{ Action: string | string[] }> };
      };
      const withoutPassRole = {
        ...original.PolicyDocument,
        Statement: original.PolicyDocument.Statement.flatMap((statement) => {
          const actions = [statement.Action].flat().filter((a) => a !== 'iam:PassRole');
          return actions.length > 0 ? [{ ...statement, Action: actions }] : [];
        }),
      };
      const put = (document: object) =>
        aws(['iam', 'put-role-policy', ...policyArgs, '--policy-document', JSON.stringify(document)], root);
      expect((await put(withoutPassRole)).code).toBe(0);
      const credentials = JSON.parse(
        (await assume('dev', await token(['--branch', BRANCH, '--environment', 'dev']))).stdout,
      ) as { Credentials: SessionCredentials };
      const env = exported(credentials.Credentials);
      const deploy = () =>
        devkit(
          ['deploy', '--stage', 'dev', '--opt', `lb-port=${lbPort}`, '--image-tag', 'oidc-passrole'],
          env,
        );
      const refused = await deploy();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        new RegExp(
          `User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/iscoolgpt-deploy-4242 is not authorized to perform: ` +
            `iam:PassRole on resource: arn:aws:iam::${ACCOUNT}:role/iscoolgpt-dev-[a-z-]+ because no identity-based ` +
            'policy allows the iam:PassRole action',
        ),
      );
      expect(refused.stderr.match(/^error:/gm)).toHaveLength(1);

      expect((await put(original.PolicyDocument)).code).toBe(0);
      const granted = await deploy();
      expect(granted.stderr).not.toMatch(/^error:/m);
      expect(granted.code).toBe(0);
    }, 600_000);

    it("a branch the prod role's trust policy does not admit is refused with AccessDenied", async () => {
      const push = await token(['--branch', BRANCH]);
      const refused = await assume('prod', push);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr.trim()).toBe(
        'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
      );
      // The same job on main is admitted.
      const main = await assume('prod', await token(['--branch', 'main']));
      expect(main.code).toBe(0);
    });

    it('an expired token is refused with ExpiredTokenException', async () => {
      const expired = await assume(
        'dev',
        await token(['--branch', BRANCH, '--environment', 'dev', '--lifetime=-60']),
      );
      expect(expired.code).not.toBe(0);
      expect(expired.stderr.trim()).toMatch(
        /^An error occurred \(ExpiredTokenException\) when calling the AssumeRoleWithWebIdentity operation: Token expired: current date\/time \d+ must be before the expiration date\/time \d+$/,
      );
    });
  },
);
