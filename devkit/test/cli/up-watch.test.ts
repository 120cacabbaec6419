/**
 * `devkit up --watch` through the real CLI on a copy of the service's build context: a saved
 * one-line change goes live through the service URL as a new revision; a change that fails to build,
 * and one whose tasks die at start (rolled back by the circuit breaker), are shown while the version
 * already deployed keeps answering; the next save deploys again. Non-default ports.
 */
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { freePort } from '../cloud/harness.ts';
import { changeBuildTime, CHANGED_FILE, copyServiceContext } from '../deploy/context-copy.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { envWithoutAws, REPO_ROOT, runCli } from './run-cli.ts';

const BIN = fileURLToPath(new URL('../../bin/devkit.js', import.meta.url));

describe.skipIf(!dockerAvailable)('devkit up --watch', () => {
  const docker = new Docker();
  let port: number;
  let lbPort: number;
  let dir: string;

  beforeAll(async () => {
    port = await freePort();
    lbPort = await freePort();
    dir = await mkdtemp(join(tmpdir(), 'devkit-up-watch-'));
  });
  afterAll(async () => {
    await runCli(['down', '--port', String(port), '--state-dir', join(dir, 'state')]);
    await removeRegistryImages(docker, port);
    await rm(dir, { recursive: true, force: true });
  });

  it('deploys each save through the pipeline, and keeps the old version serving when one fails', async () => {
    const { context, stack } = await copyServiceContext(dir);
    const args = ['up', '--watch', '--stack', stack, '--port', String(port), '--lb-port', String(lbPort)];
    const child = spawn(process.execPath, [BIN, ...args, '--state-dir', join(dir, 'state')], {
      cwd: REPO_ROOT,
      env: envWithoutAws(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const count = (text: string) => stdout.split(text).length - 1;
    const until = async (text: string, times = 1) => {
      const deadline = Date.now() + 480_000;
      while (count(text) < times) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(
            `no '${text}' ×${times} (exit ${child.exitCode}): ${stderr || stdout.slice(-3000)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const info = async () =>
      ((await (await fetch(`http://127.0.0.1:${lbPort}/v1/info`)).json()) as { buildTime: string | null })
        .buildTime;

    await until('watching ');
    await until("the service's logs follow");
    expect(await info()).toBe(null);
    const source = await readFile(join(context, CHANGED_FILE), 'utf8');

    await changeBuildTime(context, 'watch-1');
    await until('✔ live: ');
    expect(stdout).toContain(`↻ changed: ${CHANGED_FILE}: deploying`);
    expect(stdout).toMatch(
      /✔ live: http:\/\/iscoolgpt-dev-[0-9a-f]+\.us-east-1\.elb\.localhost:\d+\/? runs iscoolgpt-dev:2 \(\d+\.\d s after the save\)/,
    );
    expect(await info()).toBe('watch-1');

    // A compile error: the build fails with the compiler's message, nothing is deployed.
    await writeFile(join(context, CHANGED_FILE), `${source}\nexport const broken = ;\n`);
    await until('✖ not deployed');
    expect(stdout).toMatch(/error: image build failed at \[build \d+\/\d+\] RUN /);
    expect(await info()).toBe('watch-1');

    // Builds, but every task dies at start: the circuit breaker rolls back to the version serving.
    await writeFile(join(context, CHANGED_FILE), `throw new Error('broken on purpose');\n${source}`);
    await until('✖ not deployed', 2);
    expect(stdout).toMatch(/error: deploy FAILED: rolled back/);
    expect(await info()).toBe('watch-1');

    await writeFile(join(context, CHANGED_FILE), source);
    await changeBuildTime(context, 'watch-2');
    await until('✔ live: ', 2);
    expect(await info()).toBe('watch-2');

    // The cloud's timing profile, as `status` shows it (the rollouts' pace depends on it).
    const [status, json] = await Promise.all([
      runCli(['status', '--stack', stack, '--state-dir', join(dir, 'state')]),
      runCli(['status', '--json', '--stack', stack, '--state-dir', join(dir, 'state')]),
    ]);
    expect(status.stdout).toMatch(
      /^timings: local \(AWS's compressed for local runs\): health-check interval 2 s,/m,
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      cloud: {
        timings: { profile: 'local', healthCheckIntervalSeconds: 2, targetHealthCheckIntervalSeconds: 0.5 },
      },
    });

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 1_500_000);
});
