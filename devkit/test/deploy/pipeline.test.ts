/**
 * The pipeline end to end against the local cloud running tasks as containers, with the real Docker
 * engine: deploy v1 and verify it through its Application Load Balancer, a broken release the
 * circuit breaker rolls back (the CLI exits non-zero and says so), a good v3, `devkit rollback` to
 * v1, `devkit remove` (load balancer included), nothing left behind.
 */
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/cloud/runtime/labels.ts';
import {
  ensureGeminiImage,
  removeGeminiContainer,
  startGeminiContainer,
} from '../../src/gemini/container.ts';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import { deploy } from '../../src/deploy/deploy.ts';
import { reachableUrl } from '../../src/net/loopback.ts';
import type { ProgressEvent } from '../../src/deploy/progress.ts';
import { stackStatus } from '../../src/deploy/status.ts';
import type { Stack } from '../../src/stack/load.ts';
import { loadStack } from '../../src/stack/load.ts';
import { envWithoutAws, REPO_ROOT, runCli } from '../cli/run-cli.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';
import { dockerAvailable } from '../cloud/docker-cli.ts';
import { removeRegistryImages } from './registry-images.ts';
import { freePort } from '../cloud/harness.ts';

const stackFile = join(REPO_ROOT, 'stack.yml');
const fast = {
  rollout: { timeoutMs: 300_000, pollMs: 500 },
  verify: { timeoutMs: 90_000, pollMs: 500, question: 'What is ECS?' },
};

describe.skipIf(!dockerAvailable)('the pipeline end to end against the local cloud', () => {
  const docker = new Docker();
  let cloud: TestCloud;
  let clients: AwsClients;
  let stack: Stack;
  let lbPort: number;
  let dir: string;
  const gemini = `devkit-gemini-mock-pipeline-${process.pid}`;
  const events: ProgressEvent[] = [];
  const progress = { report: (event: ProgressEvent) => events.push(event) };
  const cli = (...args: string[]) =>
    runCli([...args, '--endpoint', cloud.cloud.url, '--opt', `lb-port=${lbPort}`], {
      // No base-image settings: the CLI finds (or makes) the base images itself.
      env: envWithoutAws(),
      timeoutMs: 500_000,
    });
  const containersOf = async (taskArns: string[]) =>
    (await docker.listContainers({ all: true, filters: { label: [LABELS.taskArn] } })).filter((c) =>
      taskArns.includes(c.Labels[LABELS.taskArn] ?? ''),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devkit-pipeline-'));
    cloud = await startTestCloud({ runtime: { docker } });
    clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
    lbPort = await freePort();
    stack = loadStack(stackFile, { stage: 'dev', env: process.env, options: { 'lb-port': String(lbPort) } });
    const { image } = await ensureGeminiImage(docker);
    await startGeminiContainer(docker, gemini, image, cloud.cloud.runtime!.cloudId);
  }, 300_000);
  afterAll(async () => {
    await removeGeminiContainer(docker, gemini).catch(() => undefined);
    destroyClients(clients);
    await cloud.cloud.close({ cleanup: true }).catch(() => undefined);
    await removeRegistryImages(docker, cloud.cloud.port);
    await cloud.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds, pushes, registers, rolls out and verifies the service', async () => {
    const result = await deploy(clients, stack, progress, { docker, imageTag: 'e2e-v1', ...fast });
    expect(result.rollout?.taskDefinition).toMatch(/iscoolgpt-dev:1$/);
    expect(result.verify?.requestId).toMatch(/^devkit-verify-/);
    expect(events.filter((e) => e.kind === 'done').map((e) => e.step)).toEqual([
      'provision',
      'build',
      'push',
      'register',
      'rollout',
      'verify',
    ]);
    expect(events.some((e) => e.kind === 'rollout' && e.snapshot.healthy === e.snapshot.desired)).toBe(true);
    // The service's URL is its load balancer's DNS name; verify went through it.
    const url = result.provisioned?.url ?? '';
    expect(url).toMatch(
      new RegExp(`^http://iscoolgpt-dev-[0-9a-f]+\\.us-east-1\\.elb\\.localhost:${lbPort}$`),
    );
    expect(result.verify?.url).toBe(url);
    const response = await fetch(reachableUrl(url, '/v1/chat'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ question: 'What is a load balancer?' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { answer: string }).answer).toMatch(/Gemini replay server/);
    // curl resolves the *.localhost name to the loopback by itself, as a user's browser does.
    const { stdout } = await promisify(execFile)('curl', ['-sS', '--max-time', '20', `${url}/v1/info`]);
    expect(JSON.parse(stdout)).toMatchObject({ version: expect.any(String) });
    // The running task is the target group's one target, healthy, on the container port.
    const { taskArns = [] } = await clients.ecs.send(
      new ListTasksCommand({ cluster: 'iscoolgpt-dev', serviceName: 'iscoolgpt-dev' }),
    );
    const { tasks = [] } = await clients.ecs.send(
      new DescribeTasksCommand({ cluster: 'iscoolgpt-dev', tasks: taskArns }),
    );
    const ips = tasks.flatMap((t) => t.containers?.[0]?.networkInterfaces?.[0]?.privateIpv4Address ?? []);
    const [group] =
      (await clients.elbv2.send(new DescribeTargetGroupsCommand({ Names: ['iscoolgpt-dev'] })))
        .TargetGroups ?? [];
    const { TargetHealthDescriptions = [] } = await clients.elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: group?.TargetGroupArn }),
    );
    expect(
      TargetHealthDescriptions.map((t) => [t.Target?.Id, t.Target?.Port, t.TargetHealth?.State]),
    ).toEqual(ips.map((ip) => [ip, 8080, 'healthy']));
    const status = await stackStatus(clients, stack);
    expect(status.url).toBe(url);
    expect(status.loadBalancer?.targets.map((t) => t.state)).toEqual(['healthy']);
  }, 600_000);

  it('a release the circuit breaker rolls back fails the deploy: the CLI exits non-zero and says so', async () => {
    // The same stack with a health check that always fails; the build context stays the repository.
    const broken = join(dir, 'broken.yml');
    writeFileSync(
      broken,
      readFileSync(stackFile, 'utf8')
        .replace('  context: .', `  context: ${REPO_ROOT}`)
        .replace('command: [CMD, bash, dist/healthcheck.sh]', "command: [CMD, node, -e, 'process.exit(1)']")
        .replace('    interval: 10\n', '    interval: 5\n')
        .replace('    retries: 3\n', '    retries: 1\n')
        .replace('    startPeriod: 10\n', '    startPeriod: 0\n')
        // Not 30 s of ignored failures for each of the 3 tasks the breaker needs (as rehearsal's v3).
        .replace('  healthCheckGracePeriod: 30\n', '  healthCheckGracePeriod: 2\n'),
    );
    const { code, stdout, stderr } = await cli('deploy', '--stack', broken, '--image-tag', 'e2e-v2');
    expect(stdout).toContain('rolling back to deployment');
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      /^error: deploy FAILED: rolled back: ecs-svc\/\d+ \(iscoolgpt-dev:1\) is PRIMARY again/,
    );
    expect(code).toBe(1);
    const status = await stackStatus(clients, stack);
    expect(status.service?.taskDefinition).toBe('iscoolgpt-dev:1');
  }, 600_000);

  it('deploys v3, then `devkit rollback` returns to v1 (the failed v2 was retired)', async () => {
    await deploy(clients, stack, progress, { docker, imageTag: 'e2e-v3', ...fast, verify: false });
    expect((await stackStatus(clients, stack)).service?.taskDefinition).toBe('iscoolgpt-dev:3');
    const { code, stdout } = await cli('rollback');
    expect(stdout).toContain('iscoolgpt-dev:3 → iscoolgpt-dev:1');
    expect(stdout.trim().split('\n').at(-1)).toBe('rolled back to iscoolgpt-dev:1');
    expect(code).toBe(0);
  }, 600_000);

  it('`devkit remove` deletes the stage and its task containers stop', async () => {
    const { taskArns = [] } = await clients.ecs.send(
      new ListTasksCommand({ cluster: 'iscoolgpt-dev', serviceName: 'iscoolgpt-dev' }),
    );
    expect(taskArns.length).toBeGreaterThan(0);
    expect((await containersOf(taskArns)).filter((c) => c.State === 'running')).not.toEqual([]);
    const { code, stdout } = await cli('remove', '--yes');
    expect(stdout).toContain('deleted load balancer iscoolgpt-dev');
    expect(stdout).toContain('✔ remove: 20 delete');
    expect(code).toBe(0);
    expect((await containersOf(taskArns)).filter((c) => c.State === 'running')).toEqual([]);
    await expect(
      clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['iscoolgpt-dev'] })),
    ).rejects.toThrow(/not found/i);
  }, 600_000);
});
