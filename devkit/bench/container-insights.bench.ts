/**
 * Container Insights sampling overhead: a service of the runtime tests' fixture (a node HTTP
 * server) at 1, 4 and 8 running tasks on a cluster with containerInsights enabled; each sampling
 * round (one-shot engine stats of every container, the performance log events, the metrics they
 * carry, AWS/ECS utilization, all stored and journaled) is timed 20 times. Printed: the cloud
 * process's CPU per round and per task (median), the Docker engine's CPU per round (it computes
 * the stats), the round's wall time, and what that costs of one core at the local 5 s period and
 * AWS's 60 s. Target: ≤ 5 ms of cloud CPU per task per round.
 */
import {
  CreateClusterCommand,
  DescribeServicesCommand,
  ECSClient,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import Docker from 'dockerode';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { ContainerInsights } from '../src/cloud/metrics/container-insights.ts';
import { LOCAL_TIMINGS } from '../src/cloud/scheduler/facts.ts';
import { startTestCloud } from '../test/cloud/harness.ts';
import {
  createFixtureService,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
} from '../test/cloud/runtime/fixture.ts';
import { fmt, median, row } from './stats.ts';

const TASK_COUNTS = [1, 4, 8];
const ROUNDS = 20;
const TARGET_CPU_MS_PER_TASK = 5;
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

export default async function containerInsightsBench(): Promise<void> {
  const docker = new Docker();
  // The cloud's own sampler stays out of the way: this benchmark runs the rounds itself.
  const t = await startTestCloud({ runtime: { docker, timings: { metricsSamplingSeconds: 3600 } } });
  try {
    const ecs = new ECSClient(t.clientConfig);
    const image = await pushFixture(docker, t, 'bench-insights');
    await ecs.send(
      new CreateClusterCommand({
        clusterName: 'bench',
        settings: [{ name: 'containerInsights', value: 'enabled' }],
      }),
    );
    const taskDefinition = await registerFixtureTask(ecs, { family: 'bench-insights', image });
    await createFixtureService(ecs, {
      cluster: 'bench',
      serviceName: 'api',
      taskDefinition,
      desiredCount: 0,
      networkConfiguration: await fixtureNetwork(t, { ingressPort: 8080 }),
    });
    const sampler = new ContainerInsights({
      store: t.cloud.store,
      docker,
      timings: { ...LOCAL_TIMINGS, metricsSamplingSeconds: 1 },
      tasks: () => t.cloud.runtime!.runningTasks(),
    });
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(row(['tasks', 'cloud CPU', 'per task', 'engine CPU', 'wall', '% core @5s', '% core @60s']));
    for (const count of TASK_COUNTS) {
      await ecs.send(new UpdateServiceCommand({ cluster: 'bench', service: 'api', desiredCount: count }));
      await running(ecs, count, () => t.cloud.runtime!.runningTasks().length);
      await sampler.sample(); // baselines: rates need two readings
      const cloudMs: number[] = [];
      const engineMs: number[] = [];
      const wallMs: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const engineBefore = dockerdCpuMs();
        const cpu = process.cpuUsage();
        const t0 = performance.now();
        await sampler.sample();
        wallMs.push(performance.now() - t0);
        const used = process.cpuUsage(cpu);
        cloudMs.push((used.user + used.system) / 1000);
        engineMs.push(dockerdCpuMs() - engineBefore);
      }
      const cpu = median(cloudMs);
      console.log(
        row([
          String(count),
          `${fmt(cpu, 2)} ms`,
          `${fmt(cpu / count, 2)} ms`,
          `${fmt(median(engineMs), 0)} ms`,
          `${fmt(median(wallMs), 1)} ms`,
          `${fmt((cpu / 5000) * 100, 3)}%`,
          `${fmt((cpu / 60_000) * 100, 4)}%`,
        ]),
      );
    }
    console.log(`target: ≤ ${TARGET_CPU_MS_PER_TASK} ms of cloud CPU per task per round`);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await t.cloud.close({ cleanup: true });
    await t.dispose();
  }
}

/** Waits until the service runs `count` tasks and the runtime has them up. */
async function running(ecs: ECSClient, count: number, up: () => number): Promise<void> {
  const deadline = performance.now() + 180_000;
  for (;;) {
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'bench', services: ['api'] }));
    if (services![0]!.runningCount === count && up() === count) return;
    if (performance.now() > deadline) throw new Error(`service api: not ${count} tasks running after 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The Docker engine's CPU time so far (ms), from /proc; 0 when it is not visible from here. */
function dockerdCpuMs(): number {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'dockerd') continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      // utime and stime: fields 14 and 15 of stat, 12 and 13 after the command.
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
    } catch {
      continue;
    }
  }
  return 0;
}
