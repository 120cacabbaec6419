/**
 * The local ECS runtime on the real engine, with the runtime tests' fixture app (a node HTTP
 * server, exec-form health check through node):
 * - UpdateService → deployment COMPLETED for 3 tasks, health-check interval 1 s (target ≤ 15 s);
 * - a revision whose container exits at start: UpdateService → circuit breaker FAILED, and →
 *   rolled back (the previous deployment PRIMARY and COMPLETED again, one deployment left);
 * - per-task start: RunTask → the app answering on its published port, versus a bare `docker run`
 *   of the same image with the same limits (0.25 vCPU, 512 MiB) → answering (target ≤ 1.5×).
 */
import type { Deployment, NetworkConfiguration } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startTestCloud } from '../test/cloud/harness.ts';
import {
  createFixtureService,
  FIXTURE_HEALTH_CHECK,
  fixtureCluster,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
} from '../test/cloud/runtime/fixture.ts';
import { median } from './stats.ts';

const exec = promisify(execFile);
const ROLLOUTS = 3;
const START_RUNS = 5;

export default async function ecsRuntime(): Promise<void> {
  const docker = new Docker();
  const t = await startTestCloud({ runtime: { docker, timings: { healthCheckIntervalSeconds: 1 } } });
  try {
    const ecs = new ECSClient(t.clientConfig);
    const image = await pushFixture(docker, t, 'bench-fixture');
    const cluster = await fixtureCluster(ecs, 'bench');
    const network = await fixtureNetwork(t, { ingressPort: 8080 });
    console.log(`timings: ${JSON.stringify(t.cloud.runtime!.timings)}`);
    await rollouts(ecs, image, cluster, network);
    await startOverhead(ecs, image, cluster, network);
  } finally {
    await t.cloud.close({ cleanup: true });
    await t.dispose();
  }
}

async function rollouts(
  ecs: ECSClient,
  image: string,
  cluster: string,
  network: NetworkConfiguration,
): Promise<void> {
  const revision = (version: string, env: Record<string, string> = {}) =>
    registerFixtureTask(ecs, {
      family: 'bench-web',
      image,
      healthCheck: FIXTURE_HEALTH_CHECK,
      env: { VERSION: version, ...env },
    });
  await createFixtureService(ecs, {
    cluster,
    serviceName: 'web',
    taskDefinition: await revision('v1'),
    desiredCount: 3,
    networkConfiguration: network,
    deploymentConfiguration: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    },
  });
  const deployments = async (): Promise<Deployment[]> => {
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: ['web'] }));
    return services![0]!.deployments!;
  };
  /** Polls the service every 50 ms until `done` holds; gives up, with the service shown, after 2 minutes. */
  const until = async (what: string, done: (list: Deployment[]) => boolean) => {
    const deadline = performance.now() + 120_000;
    for (;;) {
      const list = await deployments();
      if (done(list)) return;
      if (performance.now() > deadline) {
        throw new Error(`service web: no ${what} after 120 s: ${JSON.stringify(list, null, 1)}`);
      }
      await sleep(50);
    }
  };
  const stable = () =>
    until('stable deployment', (list) => list.length === 1 && list[0]!.rolloutState === 'COMPLETED');
  await stable();

  const times: number[] = [];
  for (let i = 2; i < 2 + ROLLOUTS; i++) {
    const taskDefinition = await revision(`v${i}`);
    const started = performance.now();
    await ecs.send(new UpdateServiceCommand({ cluster, service: 'web', taskDefinition }));
    await stable();
    times.push((performance.now() - started) / 1000);
  }
  console.log(
    `UpdateService → COMPLETED, 3 tasks, 200%/100%, health-check interval 1 s: ` +
      `${times.map((s) => s.toFixed(1)).join(', ')} s (median ${median(times).toFixed(1)} s; target ≤ 15 s)`,
  );

  const broken = await revision('broken', { EXIT_AFTER_MS: '0', EXIT_CODE: '1' });
  const started = performance.now();
  await ecs.send(new UpdateServiceCommand({ cluster, service: 'web', taskDefinition: broken }));
  await until('circuit breaker', (list) => list.some((d) => d.rolloutState === 'FAILED'));
  const trippedAt = performance.now();
  await stable();
  const done = performance.now();
  console.log(
    `circuit breaker (container exits at start, 3 tasks, threshold 3): UpdateService → FAILED ` +
      `${((trippedAt - started) / 1000).toFixed(1)} s, → rolled back and COMPLETED ${((done - started) / 1000).toFixed(1)} s`,
  );
  await ecs.send(new UpdateServiceCommand({ cluster, service: 'web', desiredCount: 0 }));
}

async function startOverhead(
  ecs: ECSClient,
  image: string,
  cluster: string,
  network: NetworkConfiguration,
): Promise<void> {
  const taskDefinition = await registerFixtureTask(ecs, { family: 'bench-start', image });
  const viaEcs = async (): Promise<{ running: number; answering: number }> => {
    const started = performance.now();
    const { tasks } = await ecs.send(
      new RunTaskCommand({ cluster, taskDefinition, launchType: 'FARGATE', networkConfiguration: network }),
    );
    const taskArn = tasks![0]!.taskArn!;
    let running: number;
    let port: number;
    for (;;) {
      const task = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks![0]!;
      const hostPort = task.containers?.[0]?.networkBindings?.[0]?.hostPort;
      if (task.lastStatus === 'RUNNING' && hostPort) {
        running = performance.now() - started;
        port = hostPort;
        break;
      }
      await sleep(20);
    }
    await untilAnswering(port);
    const answering = performance.now() - started;
    await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
    return { running, answering };
  };
  const viaDocker = async (): Promise<number> => {
    const started = performance.now();
    const { stdout } = await exec('docker', [
      'run',
      '-d',
      '--cpus',
      '0.25',
      '--memory',
      '512m',
      '-p',
      '127.0.0.1::8080',
      image,
    ]);
    const id = stdout.trim();
    const { stdout: mapped } = await exec('docker', ['port', id, '8080/tcp']);
    await untilAnswering(Number(mapped.trim().split(':').pop()));
    const answering = performance.now() - started;
    await exec('docker', ['rm', '-f', id]);
    return answering;
  };
  await viaEcs(); // warm-up: the engine pulls the image once
  const ecsRuns: Array<{ running: number; answering: number }> = [];
  const dockerRuns: number[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    // Alternate who goes first, so neither always meets a warmer engine.
    if (i % 2 === 0) {
      ecsRuns.push(await viaEcs());
      dockerRuns.push(await viaDocker());
    } else {
      dockerRuns.push(await viaDocker());
      ecsRuns.push(await viaEcs());
    }
  }
  const ms = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ');
  const ecsAnswering = ecsRuns.map((r) => r.answering);
  console.log(
    `RunTask → RUNNING: ${ms(ecsRuns.map((r) => r.running))} ms (median ${median(ecsRuns.map((r) => r.running)).toFixed(0)} ms)`,
  );
  console.log(
    `RunTask → app answering: ${ms(ecsAnswering)} ms (median ${median(ecsAnswering).toFixed(0)} ms)`,
  );
  console.log(
    `docker run → app answering: ${ms(dockerRuns)} ms (median ${median(dockerRuns).toFixed(0)} ms)`,
  );
  console.log(
    `per-task start overhead: ${(median(ecsAnswering) / median(dockerRuns)).toFixed(2)}× a bare docker run (target ≤ 1.5×)`,
  );
}

async function untilAnswering(port: number): Promise<void> {
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
