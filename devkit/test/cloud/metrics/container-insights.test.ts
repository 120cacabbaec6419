/**
 * Container Insights through the real AWS CLI: a service of the fixture on a cluster with the
 * setting enabled is sampled from the engine (every second here), and its metrics, the AWS/ECS
 * utilization and the performance log events read back as AWS serves them; a task pushed past its
 * memory limit is OOM-killed, and both the metric and the stopped reason show it; with the setting
 * `enhanced` (on a cluster of its own), the per-task and per-container metrics (TaskId,
 * ContainerName) with AWS's names, units and dimension sets. The three run at once, each on its
 * own service; waits and value checks go through the SDK, and every AWS CLI operation the file is
 * about is read through the CLI (each call starts a Python process: seconds on a busy machine).
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable } from '../harness.ts';
import { fixtureCluster, registerFixtureTask, TOLERANT_HEALTH_CHECK, waitFor } from '../runtime/fixture.ts';
import { serviceWorld, type ServiceWorld } from '../runtime/service-world.ts';

const CLUSTER = 'insights';
const ENHANCED = 'insights-enhanced';
let world: ServiceWorld;
let cloudWatch: CloudWatchClient;

const insights = (cluster: string, value: string) =>
  world.t.aws([
    'ecs',
    'update-cluster-settings',
    '--cluster',
    cluster,
    '--settings',
    `name=containerInsights,value=${value}`,
  ]);

beforeAll(async () => {
  world = await serviceWorld(CLUSTER, { metricsSamplingSeconds: 1 });
  cloudWatch = new CloudWatchClient(world.t.clientConfig);
  await fixtureCluster(world.ecs, ENHANCED);
  await Promise.all([insights(CLUSTER, 'enabled'), insights(ENHANCED, 'enhanced')]);
}, 300_000);

afterAll(async () => {
  cloudWatch?.destroy();
  await world?.close();
});

interface Datapoint {
  Maximum?: number;
  Average?: number;
  Unit?: string;
}

/** Ten minutes back to one ahead, per minute: every sample the test took. */
function window(): { start: Date; end: Date } {
  const now = Date.now();
  return { start: new Date(now - 10 * 60_000), end: new Date(now + 60_000) };
}

/** The last ten minutes of `name`'s Maximum per minute, through the AWS CLI's `get-metric-statistics`. */
async function maxima(namespace: string, name: string, dimensions: string[]): Promise<Datapoint[]> {
  const { start, end } = window();
  const { json } = await world.t.aws([
    'cloudwatch',
    'get-metric-statistics',
    '--namespace',
    namespace,
    '--metric-name',
    name,
    '--dimensions',
    ...dimensions,
    '--start-time',
    start.toISOString(),
    '--end-time',
    end.toISOString(),
    '--period',
    '60',
    '--statistics',
    'Maximum',
    'Average',
  ]);
  return (json as { Datapoints: Datapoint[] }).Datapoints;
}

/** The same through the SDK (dimensions as the AWS CLI takes them: `Name=X,Value=Y`). */
async function statistics(namespace: string, name: string, dimensions: string[]): Promise<Datapoint[]> {
  const { start, end } = window();
  const { Datapoints = [] } = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: name,
      Dimensions: dimensions.map((d) => {
        const [, Name, Value] = /^Name=([^,]+),Value=(.*)$/.exec(d)!;
        return { Name, Value };
      }),
      StartTime: start,
      EndTime: end,
      Period: 60,
      Statistics: ['Maximum', 'Average'],
    }),
  );
  return Datapoints as Datapoint[];
}

const peak = (points: Datapoint[]) => Math.max(0, ...points.map((p) => p.Maximum ?? 0));

/**
 * Waits until `name`'s datapoints satisfy `done`, polling through the SDK, then reads them through
 * the AWS CLI and checks them there again.
 */
async function maximaWhen(
  what: string,
  namespace: string,
  name: string,
  dimensions: string[],
  done: (points: Datapoint[]) => boolean,
): Promise<Datapoint[]> {
  await waitFor(what, () => statistics(namespace, name, dimensions), done, 120_000);
  const points = await maxima(namespace, name, dimensions);
  expect(done(points), `${what}, read through the AWS CLI: ${JSON.stringify(points)}`).toBe(true);
  return points;
}

describe.skipIf(!awsCliAvailable).concurrent('Container Insights (AWS CLI)', () => {
  it('publishes ECS/ContainerInsights and AWS/ECS metrics and the performance log events of a running service', async () => {
    const taskDefinition = await world.revision('v1', { ALLOCATE_MB: '48' });
    await world.service({ name: 'api', taskDefinition, desiredCount: 1 });
    await world.steady('api');
    const service = [`Name=ClusterName,Value=${CLUSTER}`, 'Name=ServiceName,Value=api'];

    const memory = await maximaWhen(
      'MemoryUtilized of the service to show the 48 MB it holds',
      'ECS/ContainerInsights',
      'MemoryUtilized',
      service,
      (points) => peak(points) >= 48,
    );
    expect(memory[0]!.Unit).toBe('Megabytes');

    const [{ json: listed }, reserved, running] = await Promise.all([
      world.t.aws(['cloudwatch', 'list-metrics', '--namespace', 'ECS/ContainerInsights']),
      statistics('ECS/ContainerInsights', 'CpuReserved', service),
      statistics('ECS/ContainerInsights', 'RunningTaskCount', service),
    ]);
    const metrics = (
      listed as { Metrics: Array<{ MetricName: string; Dimensions: Array<{ Name: string }> }> }
    ).Metrics;
    const names = (dims: string[]) =>
      new Set(
        metrics
          .filter(
            (m) =>
              m.Dimensions.map((d) => d.Name)
                .sort()
                .join() === dims.join(),
          )
          .map((m) => m.MetricName),
      );
    const resource = [
      'CpuUtilized',
      'CpuReserved',
      'MemoryUtilized',
      'MemoryReserved',
      'NetworkRxBytes',
      'NetworkTxBytes',
      'StorageReadBytes',
      'StorageWriteBytes',
    ];
    for (const dims of [
      ['ClusterName'],
      ['ClusterName', 'ServiceName'],
      ['ClusterName', 'TaskDefinitionFamily'],
    ]) {
      expect([...names(dims)]).toEqual(expect.arrayContaining(resource));
    }
    expect([...names(['ClusterName', 'ServiceName'])]).toEqual(
      expect.arrayContaining([
        'DesiredTaskCount',
        'RunningTaskCount',
        'PendingTaskCount',
        'DeploymentCount',
        'TaskSetCount',
      ]),
    );
    expect([...names(['ClusterName'])]).toEqual(expect.arrayContaining(['TaskCount', 'ServiceCount']));

    expect(peak(reserved)).toBe(256);
    expect(peak(running)).toBe(1);

    const cpu = await waitFor(
      'AWS/ECS CPUUtilization of the service',
      () => statistics('AWS/ECS', 'CPUUtilization', service),
      (points) => points.length > 0,
      120_000,
    );
    expect(cpu[0]!.Unit).toBe('Percent');
    const memoryPercent = await statistics('AWS/ECS', 'MemoryUtilization', service);
    // 48 MB held of the task's 512 MiB: at least 9 %.
    expect(peak(memoryPercent)).toBeGreaterThanOrEqual(9);

    // This service's task events (the other tests' services share the cluster's log group).
    const { json: logged } = await world.t.aws([
      'logs',
      'filter-log-events',
      '--log-group-name',
      `/aws/ecs/containerinsights/${CLUSTER}/performance`,
      '--filter-pattern',
      '{ $.Type = "Task" && $.ServiceName = "api" }',
    ]);
    const events = (logged as { events: Array<{ message: string }> }).events.map(
      (e) => JSON.parse(e.message) as Record<string, unknown>,
    );
    expect(events.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({
      Version: '0',
      Type: 'Task',
      ClusterName: CLUSTER,
      ServiceName: 'api',
      TaskDefinitionFamily: `${CLUSTER}-app`,
      LaunchType: 'FARGATE',
      KnownStatus: 'RUNNING',
      CpuReserved: 256,
      MemoryReserved: 512,
      CloudWatchMetrics: [
        expect.objectContaining({
          Namespace: 'ECS/ContainerInsights',
          Metrics: expect.arrayContaining([{ Name: 'MemoryUtilized', Unit: 'Megabytes' }]),
        }),
      ],
    });
    expect(events.at(-1)!.MemoryUtilized).toBeGreaterThanOrEqual(48);
  }, 360_000);

  it('OOM-kills a task at its memory limit: the metric climbs to it and the stopped reason says so', async () => {
    const taskDefinition = await registerFixtureTask(world.ecs, {
      family: 'hog',
      image: world.image,
      memory: 128,
      env: { ALLOCATE_MB: '64', ALLOCATE_PACE_MS: '400' },
      healthCheck: TOLERANT_HEALTH_CHECK,
    });
    const { url } = await world.service({ name: 'hog', taskDefinition, desiredCount: 1 });
    await world.steady('hog');
    const family = [`Name=ClusterName,Value=${CLUSTER}`, 'Name=TaskDefinitionFamily,Value=hog'];
    await waitFor(
      'MemoryUtilized of the hog to show its 64 MB',
      () => statistics('ECS/ContainerInsights', 'MemoryUtilized', family),
      (points) => peak(points) >= 64,
      120_000,
    );
    // 8 MB every 400 ms: the container crosses its 128 MiB limit within seconds, seen on the way.
    const answer = await fetch(`${url}allocate?mb=256`, { method: 'POST' });
    expect(answer.status).toBe(202);

    const stopped = await waitFor(
      'the hog task to be stopped for its memory',
      async () => {
        const { taskArns = [] } = await world.ecs.send(
          new ListTasksCommand({ cluster: CLUSTER, serviceName: 'hog', desiredStatus: 'STOPPED' }),
        );
        if (taskArns.length === 0) return [];
        const { tasks = [] } = await world.ecs.send(
          new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns }),
        );
        return tasks;
      },
      (tasks) => tasks.some((t) => t.lastStatus === 'STOPPED'),
      120_000,
    );
    const task = stopped.find((t) => t.lastStatus === 'STOPPED')!;
    expect(task.stoppedReason).toBe('OutOfMemoryError: Container killed due to memory usage');
    expect(task.containers![0]!.reason).toBe('OutOfMemoryError: Container killed due to memory usage');
    const { json: described } = await world.t.aws([
      'ecs',
      'describe-tasks',
      '--cluster',
      CLUSTER,
      '--tasks',
      task.taskArn!,
    ]);
    expect((described as { tasks: Array<{ stoppedReason: string }> }).tasks[0]!.stoppedReason).toBe(
      'OutOfMemoryError: Container killed due to memory usage',
    );
    // The samples taken while it climbed: above what it held before, toward the 128 MiB limit.
    const memory = await maxima('ECS/ContainerInsights', 'MemoryUtilized', family);
    expect(peak(memory)).toBeGreaterThan(72);
    expect(peak(memory)).toBeLessThanOrEqual(128);
  }, 360_000);

  it('enhanced: per-task and per-container metrics with AWS names, units and dimensions', async () => {
    const taskDefinition = await world.revision('v2', { ALLOCATE_MB: '48' });
    await world.service({ name: 'web', taskDefinition, desiredCount: 1, cluster: ENHANCED });
    await world.steady('web', undefined, ENHANCED);
    const { taskArns = [] } = await world.ecs.send(
      new ListTasksCommand({ cluster: ENHANCED, serviceName: 'web', desiredStatus: 'RUNNING' }),
    );
    const taskId = taskArns[0]!.split('/').at(-1)!;
    const { tasks = [] } = await world.ecs.send(
      new DescribeTasksCommand({ cluster: ENHANCED, tasks: taskArns }),
    );
    const containerName = tasks[0]!.containers![0]!.name!;
    const perTask = [
      `Name=ClusterName,Value=${ENHANCED}`,
      'Name=ServiceName,Value=web',
      `Name=TaskId,Value=${taskId}`,
    ];

    const memory = await maximaWhen(
      'MemoryUtilized of the task (TaskId) to show the 48 MB it holds',
      'ECS/ContainerInsights',
      'MemoryUtilized',
      perTask,
      (points) => peak(points) >= 48,
    );
    expect(memory[0]!.Unit).toBe('Megabytes');
    const container = [...perTask, `Name=ContainerName,Value=${containerName}`];
    const [taskMemory, taskCpu, containerMemory, containerCpuReserved, { json }] = await Promise.all([
      statistics('ECS/ContainerInsights', 'TaskMemoryUtilization', perTask),
      statistics('ECS/ContainerInsights', 'TaskCpuUtilization', perTask),
      statistics('ECS/ContainerInsights', 'ContainerMemoryUtilized', container),
      statistics('ECS/ContainerInsights', 'ContainerCpuReserved', container),
      world.t.aws([
        'cloudwatch',
        'list-metrics',
        '--namespace',
        'ECS/ContainerInsights',
        '--dimensions',
        `Name=TaskId,Value=${taskId}`,
      ]),
    ]);
    expect(taskMemory[0]!.Unit).toBe('Percent');
    // 48 MB of 512 MiB.
    expect(peak(taskMemory)).toBeGreaterThanOrEqual(9);
    expect(peak(taskMemory)).toBeLessThanOrEqual(100);
    expect(taskCpu[0]!.Unit).toBe('Percent');
    expect(containerMemory[0]!.Unit).toBe('Megabytes');
    expect(peak(containerMemory)).toBeGreaterThanOrEqual(48);
    // The container has no reservation of its own: measured against the task's 256 units.
    expect(peak(containerCpuReserved)).toBe(256);

    const listed = (json as { Metrics: Array<{ MetricName: string; Dimensions: Array<{ Name: string }> }> })
      .Metrics;
    const setsOf = (name: string) =>
      listed
        .filter((m) => m.MetricName === name)
        .map((m) =>
          m.Dimensions.map((d) => d.Name)
            .sort()
            .join(),
        )
        .sort();
    expect(setsOf('CpuUtilized')).toEqual([
      'ClusterName,ServiceName,TaskId',
      'ClusterName,TaskDefinitionFamily,TaskId',
    ]);
    expect(setsOf('ContainerCpuUtilized')).toEqual([
      'ClusterName,ContainerName,ServiceName,TaskId',
      'ClusterName,ContainerName,TaskDefinitionFamily,TaskId',
    ]);
    expect(setsOf('ContainerCpuUtilization')).toEqual([
      'ClusterName,ServiceName,TaskId',
      'ClusterName,TaskDefinitionFamily,TaskId',
    ]);
    expect(setsOf('ContainerStorageReadBytes')).toEqual([
      'ClusterName,ContainerName,ServiceName,TaskId',
      'ClusterName,ContainerName,TaskDefinitionFamily,TaskId',
    ]);
  }, 360_000);
});
