/**
 * A dying task fails no request: a service of two tasks under a steady, bounded GET load through
 * its load balancer, one task killed (`docker kill`), stopped behind ECS's back (`docker stop`),
 * stopped through ECS (`aws ecs stop-task`) or scaled in. Only a request already in flight at a
 * kill may fail; the task still ends as ECS reports it and is replaced. Each disruption has a
 * service (and load balancer) of its own, and all four run at once.
 */
import { DescribeTasksCommand, ListTasksCommand, UpdateServiceCommand, type Task } from '@aws-sdk/client-ecs';
import { loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import { awsCliAvailable } from '../harness.ts';
import { waitFor } from './fixture.ts';
import type { LoadReport, ServiceWorld } from './service-world.ts';
import { get, serviceWorld, steadyLoad } from './service-world.ts';

/** About 20–50 requests a second from two loops, at most this many in all. */
const LOAD = { workers: 2, pauseMs: 40, maxRequests: 600 };
/** Requests before the disruption, and after the task is STOPPED. */
const WARM_UP = 40;
const AFTERWARDS = 60;

interface Outcome {
  report: LoadReport;
  /** The task that stopped, as ECS ended it. */
  stopped: Task;
  /** The task handed to the disruption. */
  victim: string;
  /** From just before the disruption was asked for until it was done (performance.now() ms). */
  window: { from: number; to: number };
  /** Requests the load balancer sent elsewhere after a connection failed, during the load. */
  retries: number;
}

describe
  .skipIf(!dockerAvailable || !awsCliAvailable)
  .concurrent('a dying task under load (real Docker)', () => {
    let w: ServiceWorld;
    let v1: string;
    beforeAll(async () => {
      w = await serviceWorld('dying');
      v1 = await w.revision('v1');
    }, 300_000);
    afterAll(async () => {
      await w?.close();
    }, 60_000);

    const describeTask = async (taskArn: string): Promise<Task> =>
      (await w.ecs.send(new DescribeTasksCommand({ cluster: w.cluster, tasks: [taskArn] }))).tasks![0]!;

    /**
     * A service of two tasks, steady with both answering through its load balancer; returns its URL,
     * one task and that task's app container.
     */
    async function twoTasksServing(
      name: string,
    ): Promise<{ url: string; taskArn: string; containerId: string }> {
      const { url } = await w.service({ name, taskDefinition: v1, desiredCount: 2 });
      await w.steady(name);
      const hostnames = new Set<string>();
      await waitFor(
        'both tasks to answer',
        async () => {
          const { status, body } = await get(url);
          if (status === 200) hostnames.add((body as { hostname: string }).hostname);
          return hostnames.size;
        },
        (size) => size === 2,
        120_000,
      );
      const { taskArns = [] } = await w.ecs.send(
        new ListTasksCommand({ cluster: w.cluster, serviceName: name }),
      );
      const taskArn = taskArns[0]!;
      const [container] = await w.docker.listContainers({
        filters: { label: [`com.amazonaws.ecs.task-arn=${taskArn}`, 'com.amazonaws.ecs.container-name=app'] },
      });
      return { url, taskArn, containerId: container!.Id };
    }

    /** The service's load balancer counters (its ALB is named after it) from the cloud's health output. */
    const balancerStats = async (
      name: string,
    ): Promise<{ requests: number; failures: number; retries: number }> => {
      const health = (await fetch(`${w.t.cloud.url}/_devkit/health`).then((r) => r.json())) as {
        runtime: {
          loadBalancers: Array<{
            loadBalancerName: string;
            requests: number;
            failures: number;
            retries: number;
          }>;
        };
      };
      return health.runtime.loadBalancers.find((l) => l.loadBalancerName === name)!;
    };

    const stoppedTasks = async (name: string): Promise<string[]> =>
      (
        await w.ecs.send(
          new ListTasksCommand({ cluster: w.cluster, serviceName: name, desiredStatus: 'STOPPED' }),
        )
      ).taskArns ?? [];

    /**
     * Makes service `name`, runs the load, disrupts the service once it is warm (one of its tasks is
     * handed over), keeps the load on until a task is STOPPED and a little after.
     */
    async function underLoad(
      name: string,
      disrupt: (task: { taskArn: string; containerId: string }) => Promise<unknown>,
    ): Promise<Outcome> {
      const { url, ...victim } = await twoTasksServing(name);
      const { retries: retriesBefore } = await balancerStats(name);
      const load = steadyLoad(url, LOAD);
      try {
        await waitFor(
          'the load to warm up',
          async () => load.report.requests,
          (n) => n >= WARM_UP,
          60_000,
        );
        const stoppedBefore = new Set(await stoppedTasks(name));
        const from = performance.now();
        await disrupt(victim);
        const to = performance.now();
        const [gone] = await waitFor(
          'a task to stop',
          async () => (await stoppedTasks(name)).filter((arn) => !stoppedBefore.has(arn)),
          (arns) => arns.length > 0,
          60_000,
        );
        const stopped = await waitFor(
          'the task to be STOPPED',
          () => describeTask(gone!),
          (t) => t.lastStatus === 'STOPPED',
          60_000,
        );
        const mark = load.report.requests;
        await waitFor(
          'more requests',
          async () => load.report.requests,
          (n) => n >= mark + AFTERWARDS,
          60_000,
        );
        const report = await load.stop();
        const retries = (await balancerStats(name)).retries - retriesBefore;
        return { report, stopped, victim: victim.taskArn, window: { from, to }, retries };
      } finally {
        await load.stop();
      }
    }

    /**
     * Prints the figures; asserts that every failed request was in flight at the disruption, or with
     * `none`, that no request failed at all (a stop lets the requests in flight finish).
     */
    function judge(
      what: string,
      { report, window, retries }: Outcome,
      options: { none?: boolean } = {},
    ): void {
      const inFlight = report.spans.filter((s) => s.start <= window.to && s.end >= window.from);
      const failed = report.spans.filter((s) => s.failure !== undefined);
      const failedInFlight = failed.filter((s) => inFlight.includes(s));
      const seconds = (report.spans.at(-1)!.end - report.spans[0]!.start) / 1000;
      console.log(
        `${what} under load: ${failed.length} of ${report.requests} requests failed ` +
          `(${failedInFlight.length} of them in flight at the disruption, ${inFlight.length} in flight then; ` +
          `window ${Math.round(window.to - window.from)} ms; ${retries} sent elsewhere by the load balancer; ${(report.requests / seconds).toFixed(0)} req/s; ` +
          `load average ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')})`,
      );
      const excused = options.none ? [] : failedInFlight;
      expect(failed.filter((s) => !excused.includes(s)).map((s) => s.failure)).toEqual([]);
    }

    it('docker kill: only requests in flight at the kill may fail; the task ends as EssentialContainerExited', async () => {
      const outcome = await underLoad('killed', ({ containerId }) =>
        w.docker.getContainer(containerId).kill(),
      );
      judge('docker kill', outcome);
      expect(outcome.stopped).toMatchObject({
        taskArn: outcome.victim,
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
      });
      expect(outcome.stopped.containers![0]!.exitCode).toBe(137);
    }, 360_000);

    it('docker stop: no request fails; the task ends as EssentialContainerExited', async () => {
      const outcome = await underLoad('stopped', ({ containerId }) =>
        w.docker.getContainer(containerId).stop(),
      );
      judge('docker stop', outcome, { none: true });
      expect(outcome.stopped).toMatchObject({
        taskArn: outcome.victim,
        stopCode: 'EssentialContainerExited',
      });
      expect(outcome.stopped.containers![0]!.exitCode).toBe(0);
    }, 360_000);

    it('aws ecs stop-task: no request fails; the task is drained first and ends as UserInitiated', async () => {
      const outcome = await underLoad('stop-task', ({ taskArn }) =>
        w.t.aws(['ecs', 'stop-task', '--cluster', w.cluster, '--task', taskArn]),
      );
      judge('aws ecs stop-task', outcome, { none: true });
      // Deregistered before its SIGTERM: no request even met a closing task.
      expect(outcome.retries).toBe(0);
      expect(outcome.stopped).toMatchObject({
        taskArn: outcome.victim,
        stopCode: 'UserInitiated',
        stoppedReason: 'Task stopped by user',
      });
    }, 360_000);

    it('scale-in from 2 to 1: no request fails; the task left is drained first', async () => {
      const outcome = await underLoad('scale-in', () =>
        w.ecs.send(new UpdateServiceCommand({ cluster: w.cluster, service: 'scale-in', desiredCount: 1 })),
      );
      judge('scale-in', outcome, { none: true });
      expect(outcome.retries).toBe(0);
      expect(outcome.stopped).toMatchObject({ stopCode: 'ServiceSchedulerInitiated' });
    }, 360_000);
  });
