/**
 * `devkit up` in the foreground through the real CLI: it deploys, prints the URL, streams the
 * service's logs (the chat request made here shows up in them), keeps running when `devkit remove`
 * deletes its stage and follows the logs again after `devkit deploy`, and Ctrl-C (SIGINT) stops it all:
 * exit 0, and no replay server, task container, network or port left. Non-default ports.
 */
import { TASK_ENDPOINTS_NETWORK } from '../../src/cloud/runtime/task-endpoints.ts';
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { spawn } from 'node:child_process';
import Docker from 'dockerode';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portFree } from '../../src/host/preflight.ts';
import { geminiContainerName } from '../../src/gemini/container.ts';
import { LABELS } from '../../src/cloud/runtime/labels.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { credentials, REGION } from '../cloud/harness.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { envWithoutAws, REPO_ROOT, runCli } from './run-cli.ts';
import { freePort } from '../cloud/harness.ts';

const BIN = fileURLToPath(new URL('../../bin/devkit.js', import.meta.url));

describe.skipIf(!dockerAvailable)('devkit up in the foreground, then Ctrl-C', () => {
  const docker = new Docker();
  let port: number;
  let lbPort: number;
  let stateDir: string;
  const env = () => envWithoutAws();

  beforeAll(async () => {
    port = await freePort();
    lbPort = await freePort();
    stateDir = await mkdtemp(join(tmpdir(), 'devkit-up-fg-'));
  });
  afterAll(async () => {
    await runCli(['down', '--port', String(port), '--state-dir', stateDir]);
    await removeRegistryImages(docker, port);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('streams the logs, outlives a removal of its stage, and on SIGINT removes everything it started', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'up', '--port', String(port), '--lb-port', String(lbPort), '--state-dir', stateDir],
      { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const until = async (text: string) => {
      const deadline = Date.now() + 480_000;
      while (!stdout.includes(text)) {
        if (child.exitCode !== null || Date.now() > deadline)
          throw new Error(`no '${text}' (exit ${child.exitCode}): ${stderr || stdout.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };

    await until("the service's logs follow; Ctrl-C stops everything");
    const requestId = `up-foreground-${process.pid}`;
    const response = await fetch(`http://127.0.0.1:${lbPort}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ question: 'What is a container?' }),
    });
    expect(response.status).toBe(200);
    await until(requestId);
    // Readable (not raw JSON), and the health probes every 5 s are left out of the stream, though
    // CloudWatch has them (raw with --json).
    expect(stdout).toMatch(
      new RegExp(`^\\[[\\d:.]+\\] INFO: request POST /v1/chat 200 [\\d.]+ ms \\[${requestId}\\]$`, 'm'),
    );
    expect(stdout).not.toContain('"msg":');
    const raw = await runCli(['logs', '--json', '--since', '10m', '--state-dir', stateDir]);
    expect(raw.stdout).toMatch(/"method":"GET","path":"\/health"/);
    expect(stdout).not.toMatch(/request GET \/health/);
    // The build and the push said where they were while they ran (plain lines: not a terminal).
    expect(stdout).toMatch(/^ {2}\d+\.\d s {2}step \d+\/\d+: /m);
    expect(stdout).toMatch(/^ {2}\d+\.\d s {2}\S+: \d+\/\d+ layers/m);
    // This cloud's task containers and their network, to check they are gone after Ctrl-C.
    const clients = createClients({
      name: 'local',
      region: REGION,
      endpoint: `http://127.0.0.1:${port}`,
      credentials,
    });
    const { taskArns = [] } = await clients.ecs.send(
      new ListTasksCommand({ cluster: 'iscoolgpt-dev', serviceName: 'iscoolgpt-dev' }),
    );
    destroyClients(clients);
    const containersOfTasks = async () =>
      (await docker.listContainers({ all: true, filters: { label: [LABELS.taskArn] } })).filter((c) =>
        taskArns.includes(c.Labels[LABELS.taskArn] ?? ''),
      );
    const running = await containersOfTasks();
    expect(running).toHaveLength(1);
    // Its VPC's network, besides the engine-wide one of the credentials and metadata endpoints.
    const networks = Object.keys(running[0]?.NetworkSettings.Networks ?? {}).filter(
      (n) => n !== TASK_ENDPOINTS_NETWORK,
    );
    expect(networks).toHaveLength(1);
    expect(Object.keys(running[0]!.NetworkSettings.Networks)).toContain(TASK_ENDPOINTS_NETWORK);
    // The replay server joins this cloud's network, and no other cloud's on this engine.
    const gemini = await docker.getContainer(geminiContainerName(port)).inspect();
    expect(Object.keys(gemini.NetworkSettings.Networks).filter((n) => n.startsWith('devkit-'))).toEqual(
      networks,
    );

    // Another command removes the stage: `up` says so and keeps running, the cloud with it; a deploy
    // (which finds this session by itself) brings the stage back and its logs follow again.
    const removed = await runCli(['remove', '--yes', '--state-dir', stateDir], { env: env() });
    expect(removed.code).toBe(0);
    await until(
      'the dev stage was removed by another command; the cloud keeps running; `devkit deploy` to deploy again',
    );
    expect(child.exitCode).toBe(null);
    expect((await fetch(`http://127.0.0.1:${port}/_devkit/health`)).status).toBe(200);
    const redeployed = await runCli(['deploy', '--state-dir', stateDir], {
      env: env(),
      timeoutMs: 480_000,
    });
    expect(redeployed.code, `${redeployed.stdout.slice(-3000)}\n${redeployed.stderr}`).toBe(0);
    await until('the dev stage is back; its logs follow');
    const again = `up-foreground-again-${process.pid}`;
    const answer = await fetch(`http://127.0.0.1:${lbPort}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': again },
      body: JSON.stringify({ question: 'What is a container?' }),
    });
    expect(answer.status).toBe(200);
    await until(again);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain(
      'stopped: the cloud, its containers and networks, and the replay server are gone',
    );
    expect(stderr).toBe('');
    await expect(docker.getContainer(geminiContainerName(port)).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    expect(await containersOfTasks()).toEqual([]);
    expect((await docker.listNetworks()).map((n) => n.Name)).not.toContain(networks[0]);
    expect(await portFree(port)).toBe(true);
    expect(await portFree(lbPort)).toBe(true);
  }, 900_000);
});
