/**
 * Services on the real Docker engine behind their load balancers: steady state, a dead task
 * replaced, and a rolling update under steady load that stays within minimumHealthyPercent /
 * maximumPercent and drops no request. The two run at once, each on its own service.
 */
import {
  DescribeTasksCommand,
  ListTasksCommand,
  UpdateServiceCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsState } from '../../../src/cloud/services/ecs/state.ts';
import { initialEcsState, serviceTasks } from '../../../src/cloud/services/ecs/state.ts';
import { dockerAvailable } from '../docker-cli.ts';
import { REGION } from '../harness.ts';
import { waitFor } from './fixture.ts';
import type { ServiceWorld } from './service-world.ts';
import { eventMessages, get, primary, serviceWorld, steadyLoad } from './service-world.ts';

describe.skipIf(!dockerAvailable).concurrent('services behind their load balancers (real Docker)', () => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await serviceWorld('rolling');
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  const taskArns = async (serviceName: string) =>
    (await w.ecs.send(new ListTasksCommand({ cluster: w.cluster, serviceName }))).taskArns ?? [];

  it('reaches a steady state with 2 tasks, answers through its load balancer, and replaces a task that dies', async () => {
    const v1 = await w.revision('v1');
    const { url } = await w.service({ name: 'web', taskDefinition: v1, desiredCount: 2 });
    const steady = await w.steady('web');
    expect(eventMessages(steady)).toContain('(service web) has reached a steady state.');
    // Both tasks take traffic (the fixture answers with its container's hostname).
    const hostnames = new Set<string>();
    await waitFor(
      'both tasks to answer',
      async () => {
        const { status, body } = await get(url);
        expect(status).toBe(200);
        hostnames.add((body as { hostname: string }).hostname);
        return hostnames.size;
      },
      (size) => size === 2,
      30_000,
    );
    const health = (await fetch(`${w.t.cloud.url}/_devkit/health`).then((r) => r.json())) as {
      runtime: { loadBalancers: Array<{ loadBalancerName: string; port: number; targets: number }> };
    };
    expect(health.runtime.loadBalancers).toContainEqual(
      expect.objectContaining({ loadBalancerName: 'web', port: Number(new URL(url).port), targets: 2 }),
    );

    const [victim, survivor] = await taskArns('web');
    const [container] = await w.docker.listContainers({
      filters: { label: [`com.amazonaws.ecs.task-arn=${victim}`, 'com.amazonaws.ecs.container-name=app'] },
    });
    await w.docker.getContainer(container!.Id).kill();
    const stopped = await waitFor(
      'the killed task to stop',
      async () =>
        (await w.ecs.send(new DescribeTasksCommand({ cluster: w.cluster, tasks: [victim!] }))).tasks![0]!,
      (task) => task.lastStatus === 'STOPPED',
    );
    expect(stopped).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
    });
    expect(stopped.containers![0]!.exitCode).toBe(137);
    const replaced = await waitFor(
      'a replacement task',
      () => taskArns('web'),
      (arns) => arns.length === 2 && !arns.includes(victim!),
      60_000,
    );
    expect(replaced).toContain(survivor);
    await w.steady('web');
    expect((await get(url)).status).toBe(200);
  }, 360_000);

  it('rolls 3 tasks to a new revision within minimumHealthyPercent / maximumPercent under steady load, dropping nothing', async () => {
    const [v1, v2] = [await w.revision('v1'), await w.revision('v2')];
    const { url } = await w.service({
      name: 'roll',
      taskDefinition: v1,
      desiredCount: 3,
      deploymentConfiguration: { minimumHealthyPercent: 50, maximumPercent: 150 },
    });
    await w.steady('roll');
    const bounds = { maxRunning: 4, minHealthy: 2 };

    // The scheduler's own view, read between ticks: healthy tasks that are meant to keep running.
    const ecs = w.t.cloud.store.slice<EcsState>('ecs', REGION, initialEcsState);
    const healthyLow: number[] = [];
    const watch = setInterval(() => {
      const service = Object.values(ecs.services).find((s) => s.serviceName === 'roll')!;
      const healthy = serviceTasks(ecs, service).filter(
        (t) => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING' && t.healthyAt !== undefined,
      ).length;
      if (healthy < bounds.minHealthy) healthyLow.push(healthy);
    }, 20);

    const load = steadyLoad(url);
    try {
      await w.ecs.send(new UpdateServiceCommand({ cluster: w.cluster, service: 'roll', taskDefinition: v2 }));
      const seen: Service[] = [];
      const done = await waitFor(
        'the rollout to complete',
        async () => {
          const service = await w.describe('roll');
          seen.push(service);
          return service;
        },
        (s) =>
          s.deployments?.length === 1 &&
          s.deployments[0]!.taskDefinition === v2 &&
          s.deployments[0]!.rolloutState === 'COMPLETED',
        120_000,
      );
      // deployments[] as it went: never more tasks than maximumPercent allows, old and new side by side.
      for (const service of seen) {
        const total = service.deployments!.reduce((n, d) => n + d.runningCount! + d.pendingCount!, 0);
        expect(total).toBeLessThanOrEqual(bounds.maxRunning);
      }
      expect(seen.some((s) => s.deployments!.length === 2)).toBe(true);
      expect(
        seen.some((s) => s.deployments!.some((d) => d.status === 'ACTIVE' && d.taskDefinition === v1)),
      ).toBe(true);
      const rolled = primary(done);
      expect(rolled).toMatchObject({
        runningCount: 3,
        rolloutStateReason: `ECS deployment ${rolled.id} completed.`,
      });
      expect(eventMessages(done)).toContain(`(service roll) (deployment ${rolled.id}) deployment completed.`);
      // A little longer under load after completion: only the new revision answers now.
      const before = load.report.versions.v2 ?? 0;
      await waitFor(
        'v2 answers',
        async () => load.report.versions.v2 ?? 0,
        (n) => n > before + 20,
        30_000,
      );
    } finally {
      clearInterval(watch);
      const report = await load.stop();
      expect(report.failures).toEqual([]);
      expect(report.versions.v1).toBeGreaterThan(0);
      expect(report.versions.v2).toBeGreaterThan(0);
      console.log(`rolling update under load: ${report.requests} requests, ${report.failures.length} failed`);
    }
    expect(healthyLow).toEqual([]);
    const after = await Promise.all(Array.from({ length: 6 }, () => get(url)));
    expect(after.map((r) => (r.body as { version: string }).version)).toEqual(Array(6).fill('v2'));
  }, 360_000);
});
