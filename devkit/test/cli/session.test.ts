/**
 * Stage commands act on the running `devkit up` session by default, through the real CLI: one
 * detached `up` on free ports (as the README's "other ports" example), then status, doctor, logs,
 * deploy (interrupted mid-rollout), wait, verify and remove run without --endpoint or --opt and
 * find it; AWS_ENDPOINT_URL and --endpoint override it. The session is shared by the checks below,
 * in order, to keep this file to one `up`.
 */
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { execFile, spawn } from 'node:child_process';
import Docker from 'dockerode';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusJson } from '../../src/cli/status-json.ts';
import type { UpSession } from '../../src/cli/up/session.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import type { TestCloud } from '../cloud/harness.ts';
import type { Deployment } from '@aws-sdk/client-ecs';
import { freePort, startTestCloud } from '../cloud/harness.ts';
import { removeRegistryImages } from '../deploy/registry-images.ts';
import { geminiContainerName } from '../../src/gemini/container.ts';
import { processAlive } from '../../src/cli/up/session.ts';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { stackStatus } from '../../src/deploy/status.ts';
import { loadStack } from '../../src/stack/load.ts';
import { credentials, REGION } from '../cloud/harness.ts';
import { waitFor } from '../cloud/runtime/fixture.ts';
import { envWithoutAws, REPO_ROOT, runCli } from './run-cli.ts';

const LB_URL = 'http://iscoolgpt-dev-[0-9a-f]+\\.us-east-1\\.elb\\.localhost:';
const BIN = fileURLToPath(new URL('../../bin/devkit.js', import.meta.url));

describe.skipIf(!dockerAvailable)('stage commands find the running devkit up session', () => {
  const docker = new Docker();
  let port: number;
  let lbPort: number;
  let stateDir: string;
  let session: UpSession;
  let other: TestCloud;
  /** SDK clients at the session's cloud, for waiting on it without starting a CLI per poll. */
  let clients: AwsClients;
  const env = (extra: Record<string, string> = {}) => envWithoutAws(extra);
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli([...args, '--state-dir', stateDir], { env: env(extra), timeoutMs: 500_000 });
  const sessionLine = () =>
    `cloud: local at http://127.0.0.1:${port} (devkit up session, pid ${session.pid})`;

  beforeAll(async () => {
    port = await freePort();
    lbPort = await freePort();
    stateDir = await mkdtemp(join(tmpdir(), 'devkit-session-'));
    const [otherCloud, up] = await Promise.all([
      startTestCloud(),
      runCli(
        ['up', '--detach', '--port', String(port), '--lb-port', String(lbPort), '--state-dir', stateDir],
        { env: env(), timeoutMs: 500_000 },
      ),
    ]);
    other = otherCloud;
    if (up.code !== 0) throw new Error(`up failed: ${up.stderr || up.stdout.slice(-2000)}`);
    session = JSON.parse(await readFile(join(stateDir, 'up.json'), 'utf8')) as UpSession;
    clients = createClients({
      name: 'local',
      region: REGION,
      endpoint: `http://127.0.0.1:${port}`,
      credentials,
    });
  }, 600_000);
  afterAll(async () => {
    if (clients) destroyClients(clients);
    await runCli(['down', '--port', String(port), '--state-dir', stateDir], { env: env() });
    await removeRegistryImages(docker, port);
    await other.dispose();
    await rm(stateDir, { recursive: true, force: true });
  }, 300_000);

  // The checks up to the deploy below only read the session: they run side by side (each CLI gets
  // room for a loaded machine).
  it(
    'status acts on the session, says so, and shows the URL and image',
    { concurrent: true, timeout: 180_000 },
    async () => {
      const { code, stdout, stderr } = await cli(['status']);
      expect(stderr.trim()).toBe(sessionLine());
      expect(code).toBe(0);
      // The load balancer's DNS name, listening on the session's port.
      expect(stdout).toMatch(new RegExp(`^url: {3}${LB_URL}${lbPort}$`, 'm'));
      expect(stdout).toMatch(
        new RegExp(`^image: 127\\.0\\.0\\.1:${port}/iscoolgpt-dev@sha256:[0-9a-f]{64} \\(tags: .+\\)$`, 'm'),
      );
      expect(stdout).toMatch(
        /^iscoolgpt-dev +ACTIVE +iscoolgpt-dev:1 +1 +1 +0 +(-|\d+\.\d%) +(-|\d+\.\d%)$/m,
      );
    },
  );

  it(
    "status shows the service's utilization and each running task's CPU and memory, read from CloudWatch",
    { concurrent: true, timeout: 240_000 },
    async () => {
      // The stack enables Container Insights; the session's cloud samples every 5 s (local timings).
      // Waited for in process (what `status` reads, through the SDK), then read once through the CLI.
      const stack = loadStack(join(REPO_ROOT, 'stack.yml'), { stage: 'dev', env: {}, options: {} });
      await waitFor(
        'the running task to have Container Insights figures',
        () => stackStatus(clients, stack),
        (s) =>
          s.service?.memoryPercent != null &&
          s.service.tasks.some((t) => t.lastStatus === 'RUNNING' && t.usage),
        120_000,
      );
      const [json, table] = await Promise.all([cli(['status', '--json']), cli(['status'])]);
      const status = JSON.parse(json.stdout) as StatusJson;
      const task = status.service!.tasks.find((t) => t.lastStatus === 'RUNNING' && t.memory)!;
      // The stack's size: 1024 CPU units, 3072 MiB; a node server holds some tens of MiB.
      expect(task.cpu!.reserved).toBe(1024);
      expect(task.memory!.reservedMiB).toBe(3072);
      expect(task.memory!.usedMiB).toBeGreaterThan(10);
      expect(status.service!.memoryUtilization).toBeGreaterThan(0);
      expect(table.stdout).toMatch(/^iscoolgpt-dev +ACTIVE +iscoolgpt-dev:1 +1 +1 +0 +\d+\.\d% +\d+\.\d%$/m);
      expect(table.stdout).toMatch(
        new RegExp(`^${task.id} .* RUNNING +\\S+ +\\S+ +\\d+/1024 +\\d+/3072 MiB`, 'm'),
      );
    },
  );

  it(
    'AWS_ENDPOINT_URL overrides the session, and --endpoint overrides both',
    { concurrent: true, timeout: 180_000 },
    async () => {
      const [fromEnv, fromFlag] = await Promise.all([
        cli(['status'], { AWS_ENDPOINT_URL: other.cloud.url }),
        cli(['status', '--json', '--endpoint', `http://127.0.0.1:${port}`], {
          AWS_ENDPOINT_URL: other.cloud.url,
        }),
      ]);
      expect(fromEnv.stderr.trim()).toBe(`cloud: local at ${other.cloud.url} (AWS_ENDPOINT_URL)`);
      expect(fromEnv.stdout.trim()).toBe(
        'no service in cluster iscoolgpt-dev: deploy the stage first (`devkit deploy`)',
      );
      expect(fromFlag.stderr.trim()).toBe(
        `cloud: local at http://127.0.0.1:${port} (--endpoint; devkit up session, pid ${session.pid})`,
      );
      const status = JSON.parse(fromFlag.stdout) as StatusJson;
      expect(status.cloud).toEqual({
        target: 'local',
        endpoint: `http://127.0.0.1:${port}`,
        timings: expect.objectContaining({ profile: 'local' }),
        iamEnforced: false,
      });
      expect(status.url).toMatch(new RegExp(`^${LB_URL}${lbPort}$`));
      expect(status.service?.running).toBe(1);
    },
  );

  it(
    "doctor checks the session's ports, held by its cloud",
    { concurrent: true, timeout: 180_000 },
    async () => {
      const { stdout, stderr } = await cli(['doctor']);
      expect(stderr.trim()).toBe(sessionLine());
      expect(stdout).toMatch(new RegExp(`^✔ target local +answers at http://127\\.0\\.0\\.1:${port}$`, 'm'));
      expect(stdout).toMatch(
        new RegExp(`^✔ local cloud port ${port} +held by the local cloud \\(pid ${session.pid}\\)$`, 'm'),
      );
      expect(stdout).toMatch(
        new RegExp(`^✔ load balancer port ${lbPort} +held by the local cloud \\(pid ${session.pid}\\)$`, 'm'),
      );
    },
  );

  it(
    "logs --tail 1 prints the last event of the session's stage",
    { concurrent: true, timeout: 180_000 },
    async () => {
      const { code, stdout, stderr } = await cli(['logs', '--tail', '1']);
      expect(stderr.trim()).toBe(sessionLine());
      expect(code).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(1);
    },
  );

  it('Ctrl-C mid-rollout says the rollout goes on and how to follow it; wait follows it; verify checks it', async () => {
    const primary = async (): Promise<Deployment | undefined> => {
      const { services = [] } = await clients.ecs.send(
        new DescribeServicesCommand({ cluster: 'iscoolgpt-dev', services: ['iscoolgpt-dev'] }),
      );
      return services[0]?.deployments?.find((d) => d.status === 'PRIMARY');
    };
    // No --endpoint, no --opt lb-port: the session supplies both.
    const child = spawn(
      process.execPath,
      [BIN, 'deploy', '--image-tag', 'session-v2', '--state-dir', stateDir],
      { cwd: REPO_ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Interrupt once the cloud rolls out the new revision (read from ECS, not from the output).
    const deadline = Date.now() + 480_000;
    for (;;) {
      const deployment = await primary();
      if (deployment?.taskDefinition?.endsWith(':2') && deployment.rolloutState === 'IN_PROGRESS') break;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`no rollout of revision 2 (exit ${child.exitCode}): ${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(output).toContain(sessionLine());
    expect(output).toMatch(
      new RegExp(
        `^interrupted: the rollout( of ecs-svc/\\d+ \\(iscoolgpt-dev:2\\))? goes on in the cloud; \`devkit wait --state-dir ${stateDir}\` follows it to the end, \`devkit status --state-dir ${stateDir}\` shows where it is$`,
        'm',
      ),
    );

    const waited = await cli(['wait']);
    expect(waited.stderr.trim()).toBe(sessionLine());
    expect(waited.stdout).toMatch(/ecs-svc\/\d+ COMPLETED with iscoolgpt-dev:2/);
    expect(waited.code).toBe(0);
    expect(await primary()).toMatchObject({ rolloutState: 'COMPLETED' });
    expect((await primary())?.taskDefinition).toMatch(/:2$/);

    // The deploy kept the load balancer on the session's port.
    expect((await fetch(`http://127.0.0.1:${lbPort}/health`)).status).toBe(200);
    const [verified, statusRun] = await Promise.all([cli(['verify']), cli(['status', '--json'])]);
    expect(verified.stdout).toContain('healthy, answered, logged');
    expect(verified.code).toBe(0);
    const status = JSON.parse(statusRun.stdout) as StatusJson;
    expect(status.url).toMatch(new RegExp(`^${LB_URL}${lbPort}$`));
    expect(status.service?.imageTags).toContain('session-v2');
  }, 600_000);

  it('remove asks first: answered no on a terminal, or without a terminal and --yes, it deletes nothing', async () => {
    // A terminal for the question, through util-linux `script`; the answer is typed on its stdin.
    const answeredNo = new Promise<{ code: number; output: string }>((resolve) => {
      const command = [process.execPath, BIN, 'remove', '--state-dir', stateDir].join(' ');
      const child = execFile(
        'script',
        ['-qec', command, '/dev/null'],
        { cwd: REPO_ROOT, env: env(), timeout: 120_000 },
        (error, stdout) => resolve({ code: error ? Number(error.code) : 0, output: stdout }),
      );
      child.stdin?.end('n\n');
    });
    const [asked, refused] = await Promise.all([answeredNo, cli(['remove'])]);
    expect(asked.output).toMatch(/^ {2}- delete +ECS cluster +iscoolgpt-dev\r?$/m);
    expect(asked.output).toContain('delete these 20 resources of the dev stage of iscoolgpt? [y/N]');
    expect(asked.output).toContain('error: not confirmed: nothing was changed');
    expect(asked.code).toBe(1);

    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      sessionLine(),
      'error: stdin is not a terminal to confirm on: pass --yes to delete the dev stage of iscoolgpt (20 resources) without asking, or --dry-run to list them',
    ]);
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as StatusJson;
    expect(status.service?.status).toBe('ACTIVE');
  }, 300_000);

  it('remove --yes deletes the stage and the cloud keeps running; wait then says there is nothing to follow', async () => {
    const removed = await cli(['remove', '--yes']);
    expect(removed.stdout).toContain('deleted ECS service iscoolgpt-dev');
    expect(removed.code).toBe(0);
    expect(processAlive(session.pid)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${port}/_devkit/health`)).status).toBe(200);
    expect((await docker.getContainer(geminiContainerName(port)).inspect()).State.Running).toBe(true);
    const [status, waited] = await Promise.all([cli(['status']), cli(['wait'])]);
    expect(status.stdout.trim().split('\n').at(-1)).toBe(
      'no service in cluster iscoolgpt-dev: deploy the stage first (`devkit deploy`)',
    );
    expect(waited.code).toBe(1);
    expect(waited.stderr.trim().split('\n').at(-1)).toBe(
      'error: service iscoolgpt-dev is not deployed: `devkit deploy` deploys it',
    );
  }, 300_000);
});
