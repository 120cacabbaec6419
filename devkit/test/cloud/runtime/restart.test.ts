/**
 * The local cloud restarting under running tasks: what still runs is re-adopted (same container,
 * log shipping resumed with no line lost or doubled), a task whose containers vanished is stopped
 * and its service replaces it, containers of no known task are removed; closing with cleanup
 * leaves no container and no network of this cloud on the engine.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { NetworkConfiguration, Task } from '@aws-sdk/client-ecs';
import { DescribeTasksCommand, ECSClient, ListTasksCommand, RunTaskCommand } from '@aws-sdk/client-ecs';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../../src/cloud/runtime/labels.ts';
import { docker as dockerCli, dockerAvailable } from '../docker-cli.ts';
import type { TestCloud } from '../harness.ts';
import { FAST_TIMINGS, startTestCloud } from '../harness.ts';
import {
  createFixtureService,
  fixtureCluster,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
  waitFor,
} from './fixture.ts';

const docker = new Docker();
const LOG_GROUP = '/ecs/runtime-restart';
const runtime = { docker, timings: FAST_TIMINGS };

describe.skipIf(!dockerAvailable)('local cloud restart with running tasks', () => {
  let t: TestCloud;
  let ecs: ECSClient;
  let cluster: string;
  let network: NetworkConfiguration;
  let image: string;

  beforeAll(async () => {
    t = await startTestCloud({ runtime });
    ecs = new ECSClient(t.clientConfig);
    image = await pushFixture(docker, t, 'restart-fixture');
    cluster = await fixtureCluster(ecs);
    network = await fixtureNetwork(t, { ingressPort: 8080 });
    await new CloudWatchLogsClient(t.clientConfig).send(
      new CreateLogGroupCommand({ logGroupName: LOG_GROUP }),
    );
  }, 120_000);

  afterAll(async () => {
    await t.cloud.close({ cleanup: true }).catch(() => undefined);
    await t.dispose();
  });

  const describeTasks = async (arns: string[]): Promise<Task[]> =>
    arns.length ? (await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }))).tasks! : [];
  const serviceTasks = async (): Promise<Task[]> =>
    describeTasks(
      (await ecs.send(new ListTasksCommand({ cluster, serviceName: 'kept', desiredStatus: 'RUNNING' })))
        .taskArns ?? [],
    );
  const ticks = async (taskArn: string): Promise<string[]> => {
    const { events } = await new CloudWatchLogsClient(t.clientConfig).send(
      new GetLogEventsCommand({
        logGroupName: LOG_GROUP,
        logStreamName: `restart/app/${taskArn.split('/').pop()}`,
        startFromHead: true,
      }),
    );
    return events!.map((e) => e.message!).filter((m) => m.startsWith('tick '));
  };

  it('re-adopts, replaces and removes as it should, and cleanup leaves nothing of it behind', async () => {
    // A standalone task printing a line every 100 ms, and a service of two.
    const ticking = await registerFixtureTask(ecs, {
      family: 'ticking',
      image,
      logGroup: LOG_GROUP,
      logStreamPrefix: 'restart',
      env: { TICK_MS: '100' },
    });
    const { tasks } = await ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: ticking,
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    const tickerArn = tasks![0]!.taskArn!;
    const quiet = await registerFixtureTask(ecs, { family: 'kept', image });
    await createFixtureService(ecs, {
      cluster,
      serviceName: 'kept',
      taskDefinition: quiet,
      desiredCount: 2,
      networkConfiguration: network,
    });
    const [ticker] = await waitFor(
      'the ticker RUNNING',
      () => describeTasks([tickerArn]),
      ([task]) => task?.lastStatus === 'RUNNING',
    );
    const before = await waitFor(
      '2 service tasks RUNNING',
      serviceTasks,
      (list) => list.length === 2 && list.every((task) => task.lastStatus === 'RUNNING'),
    );
    await waitFor(
      'some ticks shipped',
      () => ticks(tickerArn),
      (lines) => lines.length >= 3,
    );
    const tickerContainer = ticker!.containers![0]!.runtimeId!;
    const cloudId = (await docker.getContainer(tickerContainer).inspect()).Config.Labels[LABELS.cloud]!;
    const port = t.cloud.port;

    // Stop the cloud without cleanup: the containers keep running. Meanwhile one service task's
    // container disappears, and a container of a task the cloud never knew turns up.
    await t.stop();
    expect((await docker.getContainer(tickerContainer).inspect()).State.Running).toBe(true);
    const [lost, kept] = before;
    await docker.getContainer(lost!.containers![0]!.runtimeId!).remove({ force: true });
    const stray = await docker.createContainer({
      Image: (await docker.getContainer(tickerContainer).inspect()).Image,
      Labels: {
        [LABELS.managed]: 'true',
        [LABELS.cloud]: cloudId,
        [LABELS.taskArn]: `${cluster.replace(':cluster/', ':task/')}/0123456789abcdef0123456789abcdef`,
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await t.restart({ port });
    // The ticker runs on in the same container; its lines resume where shipping stopped, each once.
    const [adopted] = await describeTasks([tickerArn]);
    expect(adopted).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' });
    expect(adopted!.containers![0]!.runtimeId).toBe(tickerContainer);
    const shipped = await waitFor(
      'ticks after the restart',
      () => ticks(tickerArn),
      (lines) => lines.length >= 30,
    );
    expect(shipped).toEqual(shipped.map((_, i) => `tick ${i + 1}`));
    // The service's lost task is stopped and replaced; its other task is the same as before.
    const [gone] = await waitFor(
      'the lost task STOPPED',
      () => describeTasks([lost!.taskArn!]),
      ([task]) => task?.lastStatus === 'STOPPED',
    );
    expect(gone!.stopCode).toBe('TerminationNotice');
    const after = await waitFor(
      '2 service tasks RUNNING again',
      serviceTasks,
      (list) => list.length === 2 && list.every((task) => task.lastStatus === 'RUNNING'),
    );
    expect(after.map((task) => task.taskArn)).toContain(kept!.taskArn);
    expect(after.map((task) => task.taskArn)).not.toContain(lost!.taskArn);
    // The stray is removed.
    await expect(stray.inspect()).rejects.toMatchObject({ statusCode: 404 });

    await t.cloud.close({ cleanup: true });
    const filter = `label=${LABELS.cloud}=${cloudId}`;
    expect((await dockerCli(['ps', '-a', '-q', '--filter', filter])).trim()).toBe('');
    expect((await dockerCli(['network', 'ls', '-q', '--filter', filter])).trim()).toBe('');
    // The image the engine pulled for the tasks is gone too (the fixture's own build stays).
    await expect(docker.getImage(image).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 180_000);
});
