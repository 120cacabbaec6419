/**
 * Builds the image with the real Docker engine and runs it: the API container on 127.0.0.1 (a random
 * published port) and a Gemini stub container beside it on a project network, reached by name.
 * Without an engine the suite is skipped, visibly, except with CI=true, where it fails.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUB_ANSWER } from './support/gemini-stub.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const STUB_SOURCE = fileURLToPath(new URL('./support/gemini-stub.ts', import.meta.url));
const API_KEY = 'container-test-key-5f2c';

/**
 * The base images to build on, as the devkit picks them for this engine (node:24-slim, else local
 * stand-ins when no registry answers): its `base-images` command prints them as build args.
 */
async function baseImageArgs(): Promise<{ BUILD_IMAGE: string; RUNTIME_IMAGE: string }> {
  const { stdout } = await run(process.execPath, ['devkit/bin/devkit.js', 'base-images'], { cwd: REPO });
  const args = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split('=', 2)),
  );
  return { BUILD_IMAGE: args.BUILD_IMAGE, RUNTIME_IMAGE: args.RUNTIME_IMAGE };
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

async function engineProblem(): Promise<string | undefined> {
  try {
    await docker('info', '--format', '{{.ServerVersion}}');
    return undefined;
  } catch (err) {
    const { stderr, message } = err as { stderr?: string; message: string };
    return (stderr?.trim() || message).split('\n')[0];
  }
}

const problem = await engineProblem();
if (problem && process.env.CI === 'true') {
  describe('container image', () => {
    it('needs a Docker engine (CI=true: Docker tests never skip)', () => {
      throw new Error(`no Docker engine: ${problem}`);
    });
  });
} else if (problem) {
  console.warn(`container tests skipped: no Docker engine (${problem})`);
}

describe.skipIf(problem !== undefined)(
  `container image${problem ? ` — skipped: no Docker engine (${problem})` : ''}`,
  () => {
    const id = randomBytes(4).toString('hex');
    const image = `iscoolgpt/api:test-${id}`;
    const network = `iscoolgpt-test-${id}`;
    const stub = `iscoolgpt-test-stub-${id}`;
    const api = `iscoolgpt-test-api-${id}`;
    let runtimeImage = '';
    let url = '';

    beforeAll(async () => {
      const base = await baseImageArgs();
      runtimeImage = base.RUNTIME_IMAGE;
      await docker(
        'build',
        '--quiet',
        '--file',
        'service/Dockerfile',
        '--tag',
        image,
        '--build-arg',
        'GIT_COMMIT=test-commit',
        '--build-arg',
        'BUILD_TIME=2026-01-01T00:00:00Z',
        '--build-arg',
        `BUILD_IMAGE=${base.BUILD_IMAGE}`,
        '--build-arg',
        `RUNTIME_IMAGE=${runtimeImage}`,
        '.',
      );
      await docker('network', 'create', network);
      await docker(
        'create',
        '--name',
        stub,
        '--network',
        network,
        '--network-alias',
        'gemini-stub',
        '--env',
        'PORT=8080',
        runtimeImage,
        'node',
        '/tmp/gemini-stub.ts',
      );
      await docker('cp', STUB_SOURCE, `${stub}:/tmp/gemini-stub.ts`);
      await docker('start', stub);
      // The image's own HEALTHCHECK command, probed every second instead of every ten.
      await docker(
        'run',
        '--detach',
        '--name',
        api,
        '--network',
        network,
        '--publish',
        '127.0.0.1::8080',
        '--health-interval',
        '1s',
        '--env',
        `GEMINI_API_KEY=${API_KEY}`,
        '--env',
        'GEMINI_BASE_URL=http://gemini-stub:8080',
        image,
      );
      url = `http://${await docker('port', api, '8080/tcp')}`;
    });

    afterAll(async () => {
      await run('docker', ['rm', '--force', api, stub]).catch(() => undefined);
      await run('docker', ['network', 'rm', network]).catch(() => undefined);
      await run('docker', ['image', 'rm', image]).catch(() => undefined);
    });

    async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
      for (let attempt = 0; attempt < 120; attempt++) {
        const value = await probe().catch(() => undefined);
        if (value !== undefined) return value;
        await sleep(250);
      }
      throw new Error(`timed out waiting for ${what}`);
    }

    it('serves /health on its 127.0.0.1 port and turns healthy by its HEALTHCHECK', async () => {
      const health = await until('GET /health', async () => {
        const response = await fetch(`${url}/health`);
        return response.ok ? ((await response.json()) as { status: string }) : undefined;
      });
      expect(health.status).toBe('ok');
      const status = await until('docker health "healthy"', async () => {
        const value = await docker('inspect', '--format', '{{.State.Health.Status}}', api);
        return value === 'healthy' ? value : undefined;
      });
      expect(status).toBe('healthy');
    });

    it('answers a chat question through the Gemini stub container', async () => {
      const response = await fetch(`${url}/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ question: 'What is photosynthesis?', level: 'beginner' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ answer: STUB_ANSWER, finishReason: 'STOP' });
    });

    it('reports its build metadata', async () => {
      const info = (await (await fetch(`${url}/v1/info`)).json()) as Record<string, unknown>;
      expect(info).toMatchObject({
        version: '1.0.0',
        commit: 'test-commit',
        buildTime: '2026-01-01T00:00:00Z',
      });
    });

    it('runs as uid 1000 from a bundle, without node_modules or sources, with an exec-form HEALTHCHECK', async () => {
      expect(await docker('inspect', '--format', '{{.Config.User}}', api)).toBe('1000:1000');
      const healthcheck = await docker(
        'image',
        'inspect',
        '--format',
        '{{json .Config.Healthcheck.Test}}',
        image,
      );
      expect(JSON.parse(healthcheck)).toEqual(['CMD', 'bash', 'dist/healthcheck.sh']);
      const listing = await docker(
        'run',
        '--rm',
        '--entrypoint',
        'node',
        image,
        '-e',
        'const fs = require("node:fs"); console.log(JSON.stringify({ app: fs.readdirSync("/app"), dist: fs.readdirSync("/app/dist"), uid: process.getuid() }))',
      );
      expect(JSON.parse(listing)).toEqual({
        app: ['dist'],
        dist: expect.arrayContaining(['server.js', 'healthcheck.sh']),
        uid: 1000,
      });
      const bytes = Number(await docker('image', 'inspect', '--format', '{{.Size}}', image));
      console.info(`image ${image}: ${(bytes / 1e6).toFixed(1)} MB`);
      expect(bytes).toBeGreaterThan(0);
    });

    it('logs JSON lines without the key, and exits 0 on docker stop (SIGTERM)', async () => {
      await docker('stop', '--time', '20', api);
      expect(await docker('inspect', '--format', '{{.State.ExitCode}}', api)).toBe('0');
      const { stdout, stderr } = await run('docker', ['logs', api]);
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event?: string });
      expect(lines.map((line) => line.event)).toEqual(
        expect.arrayContaining(['listening', 'access', 'drain_started', 'drain_complete']),
      );
      expect(stdout + stderr).not.toContain(API_KEY);
    });
  },
);
