/**
 * `devkit up --detach` through the real CLI: the local cloud as a background process, the Gemini
 * replay server, the dev stage deployed and answering through its load balancer; a second `up` says
 * one is running; `devkit down` stops it all and leaves no container, network or port behind.
 * Non-default ports, so it never meets a user's `npm run up` or a parallel test.
 */
import { TASK_ENDPOINTS_NETWORK } from '../../src/cloud/runtime/task-endpoints.ts';
import { ListTasksCommand } from '@aws-sdk/client-ecs';
import Docker from 'dockerode';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portFree } from '../../src/host/preflight.ts';
import { geminiContainerName } from '../../src/gemini/container.ts';
import { processAlive } from '../../src/cli/up/session.ts';
import { LABELS } from '../../src/cloud/runtime/labels.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { credentials, REGION } from '../cloud/harness.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { envWithoutAws, runCli } from './run-cli.ts';
import { freePort } from '../cloud/harness.ts';

describe.skipIf(!dockerAvailable)('devkit up --detach, then devkit down', () => {
  const docker = new Docker();
  let port: number;
  let lbPort: number;
  let stateDir: string;
  const env = () => envWithoutAws();
  const args = () => ['--port', String(port), '--state-dir', stateDir];

  beforeAll(async () => {
    port = await freePort();
    lbPort = await freePort();
    stateDir = await mkdtemp(join(tmpdir(), 'devkit-up-'));
  });
  afterAll(async () => {
    // Whatever happened above, nothing stays running.
    await runCli(['down', ...args()], { env: env() });
    await removeRegistryImages(docker, port);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('comes up, answers through the load balancer, refuses a second up, and goes down leaving nothing', async () => {
    const up = await runCli(['up', '--detach', ...args(), '--lb-port', String(lbPort)], {
      env: env(),
      timeoutMs: 500_000,
    });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    // The URL is the load balancer's DNS name (curl resolves *.localhost to the loopback itself).
    const url = `http://iscoolgpt-dev-[0-9a-f]+\\.us-east-1\\.elb\\.localhost:${lbPort}`;
    expect(up.stdout).toMatch(new RegExp(`^IsCoolGPT is up: ${url}$`, 'm'));
    expect(up.stdout).toMatch(
      new RegExp(
        `^  curl -s ${url}/v1/chat -H 'content-type: application/json' -d '\\{"question":"What is a container\\?"\\}'$`,
        'm',
      ),
    );
    expect(up.stdout).toMatch(/✔ verify: healthy, answered, logged/);

    const response = await fetch(`http://127.0.0.1:${lbPort}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'What is a load balancer?' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toMatch(/Gemini replay server/);

    // What is running now, to check it is all gone after `down`.
    const session = JSON.parse(await readFile(join(stateDir, 'up.json'), 'utf8')) as { pid: number };
    expect(Number((await readFile(join(stateDir, 'cloud.pid'), 'utf8')).trim())).toBe(session.pid);
    expect(processAlive(session.pid)).toBe(true);
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
    const tasks = (await docker.listContainers({ filters: { label: [LABELS.taskArn] } })).filter((c) =>
      taskArns.includes(c.Labels[LABELS.taskArn] ?? ''),
    );
    expect(tasks).toHaveLength(1);
    // Its VPC's network, besides the engine-wide one of the credentials and metadata endpoints.
    const networks = Object.keys(tasks[0]?.NetworkSettings.Networks ?? {}).filter(
      (n) => n !== TASK_ENDPOINTS_NETWORK,
    );
    expect(networks).toHaveLength(1);
    const gemini = await docker.getContainer(geminiContainerName(port)).inspect();
    expect(gemini.State.Running).toBe(true);
    // The replay server serves the background cloud (its id from its health output) and joins only
    // that cloud's networks, whatever other clouds run on this engine.
    const health = (await (await fetch(`http://127.0.0.1:${port}/_devkit/health`)).json()) as {
      runtime: { cloudId: string };
    };
    expect(gemini.Config.Labels[LABELS.servesCloud]).toBe(health.runtime.cloudId);
    expect(Object.keys(gemini.NetworkSettings.Networks).filter((n) => n.startsWith('devkit-'))).toEqual(
      networks,
    );

    const again = await runCli(['up', '--detach', ...args(), '--lb-port', String(lbPort)], { env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(
      new RegExp(
        `^error: devkit up is already running \\(pid ${session.pid}, detached, since .*\\) with the service at http://iscoolgpt-dev-[0-9a-f]+\\.us-east-1\\.elb\\.localhost:${lbPort}: \`npm run down\` stops it$`,
      ),
    );

    const down = await runCli(['down', ...args()], { env: env() });
    expect(down.code).toBe(0);
    expect(down.stdout.trim().split('\n')).toEqual([
      `removed the replay server container ${geminiContainerName(port)}`,
      `stopped the local cloud (pid ${session.pid}); it removed its task containers and networks`,
    ]);
    expect(processAlive(session.pid)).toBe(false);
    const left = (await docker.listContainers({ all: true, filters: { label: [LABELS.taskArn] } })).filter(
      (c) => taskArns.includes(c.Labels[LABELS.taskArn] ?? ''),
    );
    expect(left).toEqual([]);
    await expect(docker.getContainer(geminiContainerName(port)).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
    const names = (await docker.listNetworks()).map((n) => n.Name);
    expect(names).not.toContain(networks[0]);
    expect(await portFree(port)).toBe(true);
    expect(await portFree(lbPort)).toBe(true);

    const idle = await runCli(['down', ...args()], { env: env() });
    expect(idle.stdout.trim()).toBe(`nothing to stop: no devkit up is running (port ${port})`);
  }, 600_000);
});
