/**
 * Test harness for the local cloud: a real server on a free 127.0.0.1 port, SDK client config
 * pointing at it, and the real AWS CLI v2 (/usr/bin/aws, through aws-cli.ts) as an external client.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Timings } from '../../src/cloud/scheduler/facts.ts';
import type { Cloud, CloudOptions } from '../../src/cloud/server.ts';
import { startCloud } from '../../src/cloud/server.ts';
import { AWS_CLI, runAwsCli } from './aws-cli.ts';

export { AWS_CLI };
export const REGION = 'us-east-1';
export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/**
 * Timings for tests that run tasks but do not test the timings themselves: the `local` profile's
 * health checks (containers every 2 s, load balancers every second) with a 2 s deregistration
 * delay and a 1 s no-health-check grace (the profile's: 5 s and 3 s) keep a rollout to seconds.
 * Not container checks every second: each starts a node process in a 0.25 vCPU task, and with
 * several test files running tasks at once, checks that often starve the tasks they check.
 */
export const FAST_TIMINGS: Partial<Timings> = {
  deregistrationDelaySeconds: 2,
  noHealthCheckGraceSeconds: 1,
};

/** Whether the real AWS CLI is installed; under CI=true its absence must fail, not skip. */
export const awsCliAvailable = existsSync(AWS_CLI) || process.env.CI === 'true';

/** The AWS CLI's environment: test credentials, no user config, unbuffered output (for `--follow`). */
export function awsCliEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: REGION,
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    PYTHONUNBUFFERED: '1',
  };
}

/** The error a call rejects with (its SDK exception name and message); fails when the call succeeds. */
export async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('expected the call to fail');
  return { name: error.name, message: error.message };
}

/** A port nothing listens on right now (for load balancers and servers a test starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface TestCloud {
  cloud: Cloud;
  dataDir: string;
  /** Config for any `@aws-sdk/client-*` constructor. */
  clientConfig: { endpoint: string; region: string; credentials: typeof credentials };
  /** Runs `aws <args>` against the cloud; resolves with parsed JSON stdout (or the raw text). */
  aws(args: string[], options?: { input?: string }): Promise<{ stdout: string; json: unknown }>;
  /** Stops the server, keeping the data directory (for restart tests). */
  stop(): Promise<void>;
  /** Starts it again on the same data directory. */
  restart(options?: CloudOptions): Promise<void>;
  /** Stops (removing any task containers and networks) and deletes the data directory. */
  dispose(): Promise<void>;
}

export async function startTestCloud(options: CloudOptions = {}): Promise<TestCloud> {
  const dataDir = await mkdtemp(join(tmpdir(), 'devkit-cloud-'));
  let cloud = await startCloud({ port: 0, dataDir, ...options });
  const harness: TestCloud = {
    get cloud() {
      return cloud;
    },
    dataDir,
    get clientConfig() {
      return { endpoint: cloud.url, region: REGION, credentials };
    },
    async aws(args, execOptions = {}) {
      const { stdout } = await runAwsCli(['--endpoint-url', cloud.url, '--output', 'json', ...args], {
        env: awsCliEnv(),
        input: execOptions.input,
      });
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      return { stdout, json };
    },
    async stop() {
      await cloud.close();
    },
    async restart(restartOptions = {}) {
      cloud = await startCloud({ port: 0, dataDir, ...options, ...restartOptions });
    },
    async dispose() {
      // Its data directory goes too, so no later start could re-adopt its task containers.
      await cloud.close({ cleanup: true }).catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
