import { ListClustersCommand } from '@aws-sdk/client-ecs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { resolveTarget } from '../../src/deploy/target.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { startTestCloud } from '../cloud/harness.ts';

/** Where a client would send its request, found without sending it: a middleware stops the call. */
async function requestUrlOf(send: (stop: { stop: true }) => Promise<unknown>): Promise<string> {
  try {
    await send({ stop: true });
  } catch (error) {
    if ((error as { url?: string }).url) return (error as { url: string }).url;
    throw error;
  }
  throw new Error('the request was not stopped');
}

/** An environment with no AWS credentials anywhere and no instance metadata lookups (no network). */
function stubNoAwsCredentials() {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/devkit-test/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/devkit-test/credentials');
}

describe('target selection', () => {
  let cloud: TestCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(() => cloud.dispose());
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('local: the embedded cloud at the given endpoint, with any credentials', async () => {
    const target = await resolveTarget('local', { region: 'eu-west-1', endpoint: cloud.cloud.url });
    expect(target).toMatchObject({ name: 'local', region: 'eu-west-1', endpoint: cloud.cloud.url });
    const clients = createClients(target);
    const { clusterArns } = await clients.ecs.send(new ListClustersCommand({}));
    expect(clusterArns).toEqual([]);
    destroyClients(clients);
  });

  it("local: keys in the environment win over the emulator's, as the AWS CLI and SDKs take them", async () => {
    stubNoAwsCredentials();
    const conventional = await resolveTarget('local', { region: 'us-east-1', endpoint: cloud.cloud.url });
    expect(conventional.credentials).toEqual({ accessKeyId: 'test', secretAccessKey: 'test' });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    vi.stubEnv('AWS_SESSION_TOKEN', 'token');
    const fromEnv = await resolveTarget('local', { region: 'us-east-1', endpoint: cloud.cloud.url });
    expect(fromEnv.credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
    });
    const given = { accessKeyId: 'test', secretAccessKey: 'test' };
    expect(
      (await resolveTarget('local', { region: 'us-east-1', endpoint: cloud.cloud.url, credentials: given }))
        .credentials,
    ).toBe(given);
  });

  it('local: refuses in one line when the cloud is not running', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    await expect(
      resolveTarget('local', { region: 'us-east-1', endpoint: `http://127.0.0.1:${port}` }),
    ).rejects.toThrow(
      `the local cloud does not answer at http://127.0.0.1:${port}: start it with \`npm run up\` or \`npx devkit cloud\``,
    );
  });

  describe('localstack', () => {
    let health: Record<string, string> = {};
    const server = createServer((req, res) => {
      if (req.url === '/_localstack/health') res.end(JSON.stringify({ services: health }));
      else res.writeHead(404).end();
    });
    let endpoint: string;
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('refuses when ECS and ECR are not available (no auth token or plan)', async () => {
      health = { sts: 'running', ecs: 'disabled' };
      await expect(resolveTarget('localstack', { region: 'us-east-1', endpoint })).rejects.toThrow(
        `LocalStack at ${endpoint} has no ECS/ECR (ecs: disabled, ecr: absent): they need LOCALSTACK_AUTH_TOKEN for a plan that includes them; or use --target local`,
      );
    });

    it('uses the LocalStack endpoint when ECS and ECR are available', async () => {
      health = { ecs: 'available', ecr: 'running' };
      const target = await resolveTarget('localstack', { region: 'us-east-1', endpoint });
      expect(target).toMatchObject({ name: 'localstack', endpoint });
      const clients = createClients(target);
      clients.ecs.middlewareStack.add(
        (_next, _context) => async (args) => {
          const request = args.request as { hostname: string; port?: number; path: string };
          throw Object.assign(new Error('stopped'), {
            url: `http://${request.hostname}:${request.port}${request.path}`,
          });
        },
        { step: 'finalizeRequest', name: 'stopBeforeSend' },
      );
      expect(await requestUrlOf(() => clients.ecs.send(new ListClustersCommand({})))).toBe(`${endpoint}/`);
      destroyClients(clients);
    });

    it('refuses when LocalStack does not answer', async () => {
      await expect(
        resolveTarget('localstack', { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }),
      ).rejects.toThrow(
        /^LocalStack does not answer at http:\/\/127\.0\.0\.1:9: start it with LOCALSTACK_AUTH_TOKEN set/,
      );
    });
  });

  describe('aws', () => {
    it('refuses without credentials, in one line with the fix', async () => {
      stubNoAwsCredentials();
      const refusal = resolveTarget('aws', { region: 'us-east-1' });
      await expect(refusal).rejects.toThrow(
        /^AWS credentials missing for --target aws: .*Fix: set AWS_PROFILE/,
      );
      await expect(refusal).rejects.not.toThrow(/\n/);
    });

    it('uses the default credential chain and AWS’s own regional endpoints', async () => {
      stubNoAwsCredentials();
      vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
      const target = await resolveTarget('aws', { region: 'eu-central-1' });
      expect(target).toMatchObject({ name: 'aws', region: 'eu-central-1', endpoint: undefined });
      const clients = createClients(target);
      const urls: Record<string, string> = {};
      for (const [name, client] of Object.entries(clients)) {
        client.middlewareStack.add(
          () => async (args: { request: unknown }) => {
            const request = args.request as { protocol: string; hostname: string };
            throw Object.assign(new Error('stopped'), { url: `${request.protocol}//${request.hostname}` });
          },
          { step: 'finalizeRequest', name: 'stopBeforeSend' },
        );
        urls[name] = await requestUrlOf(() =>
          (client as { send(command: unknown): Promise<unknown> }).send(new ListClustersCommand({})),
        );
      }
      expect(urls).toEqual({
        ecs: 'https://ecs.eu-central-1.amazonaws.com',
        ecr: 'https://api.ecr.eu-central-1.amazonaws.com',
        logs: 'https://logs.eu-central-1.amazonaws.com',
        iam: 'https://iam.amazonaws.com',
        ec2: 'https://ec2.eu-central-1.amazonaws.com',
        secrets: 'https://secretsmanager.eu-central-1.amazonaws.com',
        sts: 'https://sts.eu-central-1.amazonaws.com',
        cloudwatch: 'https://monitoring.eu-central-1.amazonaws.com',
        elbv2: 'https://elasticloadbalancing.eu-central-1.amazonaws.com',
      });
      destroyClients(clients);
    });
  });
});
