/**
 * A task whose start finishes while the runtime's listing of the engine's containers is still on
 * its way (a busy engine answers late): that listing, taken before the task's containers existed,
 * must not be read as their exit, which stopped such tasks at once as EssentialContainerExited
 * under load. On the real engine, its container listings answered 1.5 s late while the task starts.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';
import { DescribeTasksCommand, ECSClient as Ecs, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import Docker from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import type { TestCloud } from '../harness.ts';
import { FAST_TIMINGS, startTestCloud } from '../harness.ts';
import { pushFixture, fixtureCluster, fixtureNetwork, registerFixtureTask, waitFor } from './fixture.ts';

describe.skipIf(!dockerAvailable)('a task that starts while a listing of the engine is out', () => {
  const docker = new Docker();
  let listingsAnswered = 0;
  let slow = false;
  let t: TestCloud;
  let ecs: ECSClient;

  beforeAll(async () => {
    // While `slow`, a listing is the engine's at the moment it was asked, answered 1.5 s later.
    const list = docker.listContainers.bind(docker);
    docker.listContainers = (async (options?: Docker.ContainerListOptions) => {
      const late = slow;
      const listed = await list(options);
      if (late) await sleep(1500);
      listingsAnswered++;
      return listed;
    }) as typeof docker.listContainers;
    t = await startTestCloud({ runtime: { docker, timings: FAST_TIMINGS } });
    ecs = new Ecs(t.clientConfig);
  }, 180_000);
  afterAll(async () => {
    await t?.dispose();
  });

  it('comes up RUNNING and stays so', async () => {
    const [image, cluster, network] = await Promise.all([
      pushFixture(new Docker(), t, 'slow-listing'),
      fixtureCluster(ecs, 'slow-listing'),
      fixtureNetwork(t),
    ]);
    const taskDefinition = await registerFixtureTask(ecs, { image, family: 'slow-listing' });
    slow = true;
    const { tasks } = await ecs.send(
      new RunTaskCommand({ cluster, taskDefinition, launchType: 'FARGATE', networkConfiguration: network }),
    );
    const taskArn = tasks![0]!.taskArn!;
    const describe1 = async () =>
      (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks![0]!;
    const running = await waitFor(
      'RUNNING',
      describe1,
      (task) => task.lastStatus === 'RUNNING' || task.desiredStatus === 'STOPPED',
    );
    expect(running.lastStatus).toBe('RUNNING');
    slow = false;
    // The slow listing in flight, then two asked after the containers were there: still running.
    const after = listingsAnswered + 3;
    await waitFor(
      'two more listings',
      async () => listingsAnswered,
      (n) => n >= after,
      30_000,
    );
    expect(await describe1()).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
  }, 120_000);
});
