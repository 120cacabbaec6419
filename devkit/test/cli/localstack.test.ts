// `devkit up --target localstack`: the container read from compose.yaml, and every refusal path run
// for real against the Docker engine. LocalStack's own image cannot be pulled here (no registry), so
// the paths after the pull run a stand-in built from the node runtime base: a tiny server answering
// /_localstack/health as LocalStack does, or a process that exits as LocalStack does without a
// valid token.
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { COMPOSE_FILE, containerSpec, startLocalstack } from '../../src/cli/localstack.ts';
import { readComposeFile } from '../../src/compose/compose-file.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { TEST_BASE_IMAGES } from '../deploy/base-images.ts';
import { freePort } from '../cloud/harness.ts';

const REPO_ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
const NODE_IMAGE = TEST_BASE_IMAGES.runtime;
const docker = new Docker();
const dirs: string[] = [];
const CLI = join(REPO_ROOT, 'devkit/bin/devkit.js');

/** `devkit up --target localstack` as a user runs it, with its own state dir and free ports. */
async function upLocalstack(
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'devkit-up-localstack-'));
  dirs.push(stateDir);
  const args = ['--target', 'localstack', '--state-dir', stateDir, '--lb-port', String(await freePort())];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('LOCALSTACK_AUTH_TOKEN' in env)) delete childEnv.LOCALSTACK_AUTH_TOKEN;
  return promisify(execFile)(process.execPath, [CLI, 'up', ...args], { env: childEnv, cwd: REPO_ROOT }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A compose file whose `localstack` service is a stand-in running `script` with node. */
function standInCompose(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'devkit-localstack-'));
  dirs.push(dir);
  const file = join(dir, 'compose.yaml');
  const name = `devkit-test-ls-${Math.random().toString(36).slice(2, 8)}`;
  writeFileSync(
    file,
    stringify({
      name,
      services: {
        localstack: {
          image: NODE_IMAGE,
          command: ['node', '-e', script],
          environment: ['LOCALSTACK_AUTH_TOKEN'],
          ports: ['127.0.0.1:${LOCALSTACK_PORT}:4566'],
        },
      },
    }),
  );
  return file;
}

/** LocalStack's health endpoint with the given service states. */
const healthServer = (services: Record<string, string>) =>
  `require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); s.end(JSON.stringify(q.url === '/_localstack/health' ? { services: ${JSON.stringify(services)}, edition: 'pro' } : {})); }).listen(4566)`;

async function containerGone(name: string): Promise<boolean> {
  return docker
    .getContainer(name)
    .inspect()
    .then(() => false)
    .catch(() => true);
}

describe('devkit up --target localstack', () => {
  it('refuses without LOCALSTACK_AUTH_TOKEN in one line that says what to do', async () => {
    const error = await startLocalstack({ docker, region: 'us-east-1', env: {} }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toMatch(/^LOCALSTACK_AUTH_TOKEN is not set: /);
    expect(message).toContain('https://app.localstack.cloud');
    expect(message).toContain('LOCALSTACK_AUTH_TOKEN=<token> npm run up -- --target localstack');
    expect(message).not.toContain('\n');
  });

  it('reads the container from compose.yaml as Compose would: image, environment, ports, socket, init hooks', () => {
    const env = { LOCALSTACK_AUTH_TOKEN: 'ls-token', LOCALSTACK_PORT: '4599' };
    const model = readComposeFile(COMPOSE_FILE, env);
    const spec = containerSpec(model, model.services.localstack!, REPO_ROOT, env);
    expect(spec.name).toBe('iscoolgpt-localstack-1');
    expect(spec.endpoint).toBe('http://127.0.0.1:4599');
    expect(spec.create.Image).toBe('localstack/localstack:latest');
    expect(spec.create.Env).toEqual(['LOCALSTACK_AUTH_TOKEN=ls-token', 'PERSISTENCE=0']);
    expect(spec.create.HostConfig?.Binds).toEqual([
      '/var/run/docker.sock:/var/run/docker.sock',
      'iscoolgpt_localstack-data:/var/lib/localstack',
      `${REPO_ROOT}/localstack/ready.d:/etc/localstack/init/ready.d:ro`,
      `${REPO_ROOT}/localstack/stack.env:/etc/localstack/init/stack.env:ro`,
    ]);
    expect(spec.volumes).toEqual(['iscoolgpt_localstack-data']);
    const bindings = spec.create.HostConfig?.PortBindings as Record<string, Array<{ HostIp: string }>>;
    expect(bindings['4566/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '4599' }]);
    // 4510-4559: the ports LocalStack hands out to emulated services, all on loopback.
    const serviceRange = Object.keys(bindings).filter((key) => key !== '4566/tcp');
    expect(serviceRange).toHaveLength(50);
    expect(
      Object.values(bindings)
        .flat()
        .every((b) => b.HostIp === '127.0.0.1'),
    ).toBe(true);
    // Without a token in the environment, nothing is passed for it.
    const bare = containerSpec(model, model.services.localstack!, REPO_ROOT, {});
    expect(bare.create.Env).toEqual(['PERSISTENCE=0']);
  });

  describe.skipIf(!dockerAvailable)('through the CLI (`devkit up --target localstack`)', () => {
    it('without a token: one line on stderr, exit 1', async () => {
      const { code, stderr } = await upLocalstack({});
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^error: LOCALSTACK_AUTH_TOKEN is not set: .*npm run up -- --target localstack/,
        ),
      ]);
    });

    it('when the image cannot be pulled: one line naming the image and the fix, exit 1', async () => {
      const image = `127.0.0.1:${await freePort()}/localstack/localstack:latest`;
      const { code, stderr } = await upLocalstack({
        LOCALSTACK_AUTH_TOKEN: 'ls-token',
        LOCALSTACK_IMAGE: image,
      });
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`^error: cannot pull ${image.replaceAll('.', '\\.')}: .*\\. Fix: `)),
      ]);
    });
  });

  describe.skipIf(!dockerAvailable)('against the Docker engine', () => {
    it('says in one line what to do when the image cannot be pulled', async () => {
      // A registry address nothing listens on: the pull fails here and on any machine, offline or not.
      const image = `127.0.0.1:${await freePort()}/localstack/localstack:latest`;
      const error = await startLocalstack({
        docker,
        region: 'us-east-1',
        env: { LOCALSTACK_AUTH_TOKEN: 'ls-token', LOCALSTACK_IMAGE: image, LOCALSTACK_PORT: '0' },
      }).catch((e: Error) => e);
      const message = (error as Error).message;
      expect(message).toMatch(
        new RegExp(`^cannot pull ${image.replaceAll('.', '\\.')}: .*connection refused.*\\. Fix: `),
      );
      expect(message).toContain('or use the default target: `npm run up`');
      expect(message).not.toContain('\n');
    });

    it("fails with LocalStack's last line when it exits before it is ready, and leaves no container", async () => {
      const file = standInCompose(
        `console.log('License activation failed! Reason: invalid auth token'); process.exit(55)`,
      );
      const port = await freePort();
      const error = await startLocalstack({
        docker,
        region: 'us-east-1',
        composeFile: file,
        env: { LOCALSTACK_AUTH_TOKEN: 'not-a-token', LOCALSTACK_PORT: String(port) },
      }).catch((e: Error) => e);
      expect((error as Error).message).toMatch(
        /^LocalStack exited \(code 55\) before it was ready: License activation failed! Reason: invalid auth token\. Check LOCALSTACK_AUTH_TOKEN/,
      );
      const name = `${readComposeFile(file, {}).name}-localstack-1`;
      expect(await containerGone(name)).toBe(true);
    });

    it('refuses a LocalStack whose plan lacks ECS and ECR, naming their states', async () => {
      const file = standInCompose(healthServer({ s3: 'available', ecs: 'disabled' }));
      const port = await freePort();
      const error = await startLocalstack({
        docker,
        region: 'us-east-1',
        composeFile: file,
        env: { LOCALSTACK_AUTH_TOKEN: 'ls-token', LOCALSTACK_PORT: String(port) },
      }).catch((e: Error) => e);
      expect((error as Error).message).toBe(
        `LocalStack at http://127.0.0.1:${port} has no ECS/ECR (ecs: disabled, ecr: absent): they need LOCALSTACK_AUTH_TOKEN for a plan that includes them; or use --target local`,
      );
      expect(await containerGone(`${readComposeFile(file, {}).name}-localstack-1`)).toBe(true);
    });

    it('starts when /_localstack/health lists ECS and ECR, passes the token in, and stops cleanly', async () => {
      const file = standInCompose(healthServer({ ecs: 'available', ecr: 'running' }));
      const port = await freePort();
      const lines: string[] = [];
      const localstack = await startLocalstack({
        docker,
        region: 'eu-west-1',
        composeFile: file,
        env: { LOCALSTACK_AUTH_TOKEN: 'ls-token', LOCALSTACK_PORT: String(port) },
        log: (line) => lines.push(line),
      });
      try {
        expect(localstack.target).toMatchObject({
          name: 'localstack',
          region: 'eu-west-1',
          endpoint: `http://127.0.0.1:${port}`,
        });
        const info = await docker.getContainer(localstack.containerId).inspect();
        expect(info.Config.Env).toContain('LOCALSTACK_AUTH_TOKEN=ls-token');
        expect(lines.at(-1)).toBe(
          `LocalStack is ready at http://127.0.0.1:${port} with ECS and ECR available`,
        );
      } finally {
        await localstack.stop();
      }
      expect(await containerGone(localstack.containerId)).toBe(true);
    });
  });
});
