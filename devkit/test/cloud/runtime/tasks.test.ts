/**
 * ECS tasks as real containers, task by task, through the real SDK against the local cloud with
 * its runtime on the real Docker engine: lifecycle as DescribeTasks shows it, stop codes and
 * reasons (essential exit, pull failure, out of memory), stopTimeout, awslogs flushed before
 * STOPPED. After the first (it counts the tasks running), the cases run at once: each has its own
 * task definition, task or service.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { NetworkConfiguration, Task } from '@aws-sdk/client-ecs';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import type { TestCloud } from '../harness.ts';
import { FAST_TIMINGS, startTestCloud } from '../harness.ts';
import type { FixtureTaskOptions } from './fixture.ts';
import { besideCloudLabels } from '../../../src/cloud/runtime/labels.ts';
import {
  buildFixtureImage,
  createFixtureService,
  fixtureCluster,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
  TOLERANT_HEALTH_CHECK,
  waitFor,
} from './fixture.ts';

const docker = new Docker();
const LOG_GROUP = '/ecs/runtime-tasks';

describe.skipIf(!dockerAvailable)('ECS tasks as containers', () => {
  let t: TestCloud;
  let ecs: ECSClient;
  let logs: CloudWatchLogsClient;
  let image: string;
  let cluster: string;
  let network: NetworkConfiguration;

  beforeAll(async () => {
    t = await startTestCloud({
      runtime: { docker, timings: FAST_TIMINGS },
    });
    ecs = new ECSClient(t.clientConfig);
    logs = new CloudWatchLogsClient(t.clientConfig);
    image = await pushFixture(docker, t);
    cluster = await fixtureCluster(ecs);
    network = await fixtureNetwork(t, { ingressPort: 8080 });
    await logs.send(new CreateLogGroupCommand({ logGroupName: LOG_GROUP }));
  }, 120_000);

  afterAll(async () => {
    await t.cloud.close({ cleanup: true });
    await t.dispose();
  });

  async function runTask(options: Omit<FixtureTaskOptions, 'image'> & { image?: string }): Promise<string> {
    const taskDefinition = await registerFixtureTask(ecs, { image, logGroup: LOG_GROUP, ...options });
    const { tasks } = await ecs.send(
      new RunTaskCommand({ cluster, taskDefinition, launchType: 'FARGATE', networkConfiguration: network }),
    );
    return tasks![0]!.taskArn!;
  }

  async function describe1(taskArn: string): Promise<Task> {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
    return tasks![0]!;
  }

  // Room for the cases running side by side on a busy machine.
  const until = (taskArn: string, what: string, done: (task: Task) => boolean, timeoutMs = 120_000) =>
    waitFor(what, () => describe1(taskArn), done, timeoutMs);

  it('runs a task: RUNNING and HEALTHY with its port published on 127.0.0.1; StopTask drains it to STOPPED', async () => {
    const taskArn = await runTask({
      family: 'basic',
      env: { VERSION: 'v42' },
      healthCheck: TOLERANT_HEALTH_CHECK,
    });
    const seen = new Set<string>();
    const running = await until(taskArn, 'RUNNING and HEALTHY', (task) => {
      seen.add(task.lastStatus!);
      return task.lastStatus === 'RUNNING' && task.healthStatus === 'HEALTHY';
    });
    expect([...seen].every((s) => ['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING'].includes(s))).toBe(
      true,
    );
    const container = running.containers![0]!;
    expect(container).toMatchObject({ name: 'app', lastStatus: 'RUNNING', healthStatus: 'HEALTHY' });
    expect(container.runtimeId).toMatch(/^[0-9a-f]{64}$/);
    expect(running.startedAt).toBeInstanceOf(Date);
    expect(running.pullStartedAt!.getTime()).toBeLessThanOrEqual(running.pullStoppedAt!.getTime());
    const binding = container.networkBindings![0]!;
    expect(binding).toMatchObject({ bindIP: '127.0.0.1', containerPort: 8080 });
    const reply = (await (await fetch(`http://127.0.0.1:${binding.hostPort}/`)).json()) as {
      version: string;
    };
    expect(reply.version).toBe('v42');
    expect(container.networkInterfaces![0]!.privateIpv4Address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // The cloud's health output shows the runtime, its timings and what runs.
    const health = (await (await fetch(`${t.cloud.url}/_devkit/health`)).json()) as { runtime: unknown };
    expect(health.runtime).toMatchObject({
      enabled: true,
      cloudId: t.cloud.runtime!.cloudId,
      docker: { reachable: true },
      timings: {
        profile: 'custom',
        healthCheckIntervalSeconds: 2,
        noHealthCheckGraceSeconds: 1,
        deregistrationDelaySeconds: 2,
      },
      tasksRunning: 1,
    });

    await ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason: 'done testing' }));
    const stopped = await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
    expect(stopped).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'done testing',
    });
    // The app drained on SIGTERM and exited 0; its container is gone from the engine.
    expect(stopped.containers![0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 0 });
    await expect(docker.getContainer(container.runtimeId!).inspect()).rejects.toMatchObject({
      statusCode: 404,
    });
  }, 90_000);

  it.concurrent(
    'an essential container that exits stops the task: EssentialContainerExited with its exit code',
    async () => {
      const taskArn = await runTask({ family: 'exits', env: { EXIT_AFTER_MS: '500', EXIT_CODE: '3' } });
      const stopped = await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped).toMatchObject({
        stopCode: 'EssentialContainerExited',
        stoppedReason: 'Essential container in task exited',
      });
      expect(stopped.containers![0]).toMatchObject({ name: 'app', exitCode: 3, lastStatus: 'STOPPED' });
    },
    180_000,
  );

  it.concurrent(
    'a missing image fails the task: TaskFailedToStart with CannotPullContainerError',
    async () => {
      const registry = new URL(t.cloud.url).host;
      const taskArn = await runTask({ family: 'no-image', image: `${registry}/runtime-fixture:no-such-tag` });
      const stopped = await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped.stopCode).toBe('TaskFailedToStart');
      expect(stopped.stoppedReason).toMatch(/^CannotPullContainerError: /);
      expect(stopped.containers![0]!.reason).toBe(stopped.stoppedReason);
    },
    180_000,
  );

  it.concurrent(
    'a container killed for exceeding its memory stops the task with OutOfMemoryError',
    async () => {
      const taskArn = await runTask({ family: 'hog', memory: 96, env: { ALLOCATE_MB: '400' } });
      const stopped = await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped.stopCode).toBe('EssentialContainerExited');
      expect(stopped.stoppedReason).toBe('OutOfMemoryError: Container killed due to memory usage');
      expect(stopped.containers![0]).toMatchObject({
        exitCode: 137,
        reason: 'OutOfMemoryError: Container killed due to memory usage',
      });
    },
    180_000,
  );

  it.concurrent(
    'ships stdout and stderr to CloudWatch Logs in order, with timestamps, all of it before STOPPED',
    async () => {
      const taskArn = await runTask({
        family: 'chatty',
        logStreamPrefix: 'chatty',
        env: { LOG_LINES: '60', LOG_INTERVAL_MS: '3', EXIT_AFTER_MS: '800', EXIT_CODE: '0' },
      });
      await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      // Read at once: nothing may arrive after the task is STOPPED.
      const { events } = await logs.send(
        new GetLogEventsCommand({
          logGroupName: LOG_GROUP,
          logStreamName: `chatty/app/${taskArn.split('/').pop()}`,
          startFromHead: true,
        }),
      );
      // Each stream keeps its order; across stdout and stderr, Docker's timestamps decide (as with awslogs).
      const messages = events!.map((e) => e.message!);
      const numbered = (kind: string) => messages.filter((m) => m.endsWith(kind));
      const lines = Array.from({ length: 60 }, (_, i) => `line ${i + 1} ${i % 2 ? 'stderr' : 'stdout'}`);
      expect(numbered('stdout')).toEqual(lines.filter((l) => l.endsWith('stdout')));
      expect(numbered('stderr')).toEqual(lines.filter((l) => l.endsWith('stderr')));
      expect(messages).toHaveLength(62);
      expect(messages).toContain('listening on 8080 version v1');
      // The exit line is the last of stdout. Not necessarily the last of all: Docker reads stdout and
      // stderr through separate pipes, so on a busy machine the final stderr line (written just
      // before it) can be stamped after it.
      expect(messages.indexOf('exiting with 0')).toBeGreaterThan(messages.indexOf('line 59 stdout'));
      const stamps = events!.map((e) => e.timestamp!);
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
      // The real AWS CLI reads them back too.
      const { stdout } = await t.aws([
        'logs',
        'tail',
        LOG_GROUP,
        '--since',
        '1h',
        '--log-stream-name-prefix',
        'chatty/',
      ]);
      expect(stdout).toContain(`chatty/app/${taskArn.split('/').pop()} line 60 stderr`);
      const task = await describe1(taskArn);
      expect(stamps[0]).toBeGreaterThanOrEqual(task.createdAt!.getTime());
      expect(stamps.at(-1)).toBeLessThanOrEqual(task.stoppedAt!.getTime());
    },
    180_000,
  );

  it.concurrent(
    'stopTimeout: SIGTERM first, SIGKILL once it passes (exit code 137), the last lines still shipped',
    async () => {
      const taskArn = await runTask({
        family: 'stubborn',
        logStreamPrefix: 'stubborn',
        stopTimeout: 2,
        env: { IGNORE_SIGTERM: '1' },
      });
      const running = await until(taskArn, 'RUNNING', (task) => task.lastStatus === 'RUNNING');
      // RUNNING means its container started, not that the app is up: wait for it to answer, so
      // it has its SIGTERM handler.
      const port = running.containers![0]!.networkBindings![0]!.hostPort!;
      await waitFor(
        'the app to answer',
        () =>
          fetch(`http://127.0.0.1:${port}/`).then(
            (r) => r.ok,
            () => false,
          ),
        (ok) => ok,
      );
      const inspected = await docker.getContainer(running.containers![0]!.runtimeId!).inspect();
      expect(inspected.Config).toMatchObject({ StopTimeout: 2 });
      await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
      const stopping = await until(
        taskArn,
        'STOPPING',
        (task) => task.lastStatus !== 'RUNNING' && task.lastStatus !== 'DEACTIVATING',
      );
      expect(['STOPPING', 'DEPROVISIONING', 'STOPPED']).toContain(stopping.lastStatus);
      const stopped = await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' });
      expect(stopped.containers![0]!.exitCode).toBe(137);
      const { events } = await logs.send(
        new GetLogEventsCommand({
          logGroupName: LOG_GROUP,
          logStreamName: `stubborn/app/${taskArn.split('/').pop()}`,
          startFromHead: true,
        }),
      );
      expect(events!.map((e) => e.message)).toContain('SIGTERM ignored');
    },
    180_000,
  );

  it.concurrent(
    'initProcessEnabled: the engine init is PID 1, so a SIGTERM ends an app with no handler (exit 143, not SIGKILL)',
    async () => {
      // No SIGTERM handler: as PID 1 itself, node would ignore the signal until stopTimeout's SIGKILL.
      const taskArn = await runTask({
        family: 'init',
        command: ['node', '-e', 'setInterval(() => {}, 1000)'],
        initProcessEnabled: true,
        stopTimeout: 120,
      });
      const running = await until(taskArn, 'RUNNING', (task) => task.lastStatus === 'RUNNING');
      const inspected = await docker.getContainer(running.containers![0]!.runtimeId!).inspect();
      expect(inspected.HostConfig).toMatchObject({ Init: true });
      await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
      const stopped = await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped.containers![0]!.exitCode).toBe(143);
    },
    180_000,
  );

  it.concurrent(
    'injects secrets from Secrets Manager into the environment (whole value and a JSON key)',
    async () => {
      const secrets = new SecretsManagerClient(t.clientConfig);
      const whole = await secrets.send(
        new CreateSecretCommand({ Name: 'runtime/api-key', SecretString: 'sk-local-123' }),
      );
      const json = await secrets.send(
        new CreateSecretCommand({
          Name: 'runtime/db',
          SecretString: JSON.stringify({ user: 'app', pass: 'hunter2' }),
        }),
      );
      const taskArn = await runTask({
        family: 'secretive',
        healthCheck: TOLERANT_HEALTH_CHECK,
        secrets: [
          { name: 'API_KEY', valueFrom: whole.ARN! },
          { name: 'DB_PASS', valueFrom: `${json.ARN!}:pass::` },
        ],
      });
      const running = await until(taskArn, 'HEALTHY', (task) => task.healthStatus === 'HEALTHY');
      const port = running.containers![0]!.networkBindings![0]!.hostPort!;
      const env = async (name: string) =>
        ((await (await fetch(`http://127.0.0.1:${port}/env/${name}`)).json()) as { value: string }).value;
      expect(await env('API_KEY')).toBe('sk-local-123');
      expect(await env('DB_PASS')).toBe('hunter2');
      expect(await env('AWS_REGION')).toBe('us-east-1');
      await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
    },
    180_000,
  );

  it.concurrent(
    'a secret that does not exist fails the start with ResourceInitializationError',
    async () => {
      const taskArn = await runTask({
        family: 'no-secret',
        secrets: [
          {
            name: 'API_KEY',
            valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:missing-AbCdEf',
          },
        ],
      });
      const stopped = await until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped.stopCode).toBe('TaskFailedToStart');
      expect(stopped.stoppedReason).toMatch(
        /^ResourceInitializationError: unable to pull secrets or registry auth: /,
      );
      expect(stopped.stoppedReason).toContain('ResourceNotFoundException');
    },
    180_000,
  );

  it.concurrent(
    'a service task that turns unhealthy is stopped for failed health checks and replaced',
    async () => {
      const taskDefinition = await registerFixtureTask(ecs, {
        family: 'sickly',
        image,
        // Tolerant of a slow probe while the app is healthy; once it answers 503, one failure counts.
        healthCheck: { ...TOLERANT_HEALTH_CHECK, retries: 1 },
      });
      await createFixtureService(ecs, {
        cluster,
        serviceName: 'sickly',
        taskDefinition,
        desiredCount: 1,
        networkConfiguration: network,
      });
      const tasksOf = async () => {
        const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, serviceName: 'sickly' }));
        if (!taskArns?.length) return [];
        return (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks!;
      };
      const [first] = await waitFor(
        'a HEALTHY task',
        tasksOf,
        (tasks) => tasks[0]?.healthStatus === 'HEALTHY',
        120_000,
      );
      const port = first!.containers![0]!.networkBindings![0]!.hostPort!;
      await fetch(`http://127.0.0.1:${port}/unhealthy`, { method: 'POST' });
      const stopped = await until(first!.taskArn!, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped).toMatchObject({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed container health checks',
        healthStatus: 'UNHEALTHY',
      });
      const replaced = await waitFor(
        'a HEALTHY replacement',
        tasksOf,
        (tasks) => tasks.some((task) => task.taskArn !== first!.taskArn && task.healthStatus === 'HEALTHY'),
        120_000,
      );
      expect(replaced.filter((task) => task.desiredStatus === 'RUNNING')).toHaveLength(1);
      const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: ['sickly'] }));
      const firstId = first!.taskArn!.split('/').pop();
      expect(services![0]!.events!.map((e) => e.message)).toContain(
        `(service sickly) (task ${firstId}) failed container health checks.`,
      );
      await ecs.send(new UpdateServiceCommand({ cluster, service: 'sickly', desiredCount: 0 }));
    },
    180_000,
  );

  it.concurrent(
    'scaling in stops the newest task with the scaling reason',
    async () => {
      // A health check: scaled in before its app set its SIGTERM handler, the newest task (PID 1)
      // ignored the signal and was killed at stopTimeout, 30 s later.
      const taskDefinition = await registerFixtureTask(ecs, {
        family: 'scaled',
        image,
        healthCheck: TOLERANT_HEALTH_CHECK,
      });
      const service = await createFixtureService(ecs, {
        cluster,
        serviceName: 'scaled',
        taskDefinition,
        desiredCount: 2,
        networkConfiguration: network,
      });
      const running = async () => {
        const { taskArns } = await ecs.send(
          new ListTasksCommand({ cluster, serviceName: 'scaled', desiredStatus: 'RUNNING' }),
        );
        return taskArns?.length
          ? (await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns }))).tasks!
          : [];
      };
      await waitFor(
        '2 HEALTHY tasks',
        running,
        (tasks) => tasks.filter((task) => task.healthStatus === 'HEALTHY').length === 2,
        120_000,
      );
      const stoppedArns = async () =>
        (await ecs.send(new ListTasksCommand({ cluster, serviceName: 'scaled', desiredStatus: 'STOPPED' })))
          .taskArns ?? [];
      // On a starved machine a start can fail and be replaced before both run: only the scale-in counts.
      const before = await stoppedArns();
      await ecs.send(new UpdateServiceCommand({ cluster, service: 'scaled', desiredCount: 1 }));
      const taskArns = (await stoppedArns()).filter((arn) => !before.includes(arn));
      expect(taskArns).toHaveLength(1);
      const stopped = await until(taskArns[0]!, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
      expect(stopped).toMatchObject({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: `Scaling activity initiated by (deployment ${service.deployments![0]!.id})`,
      });
      expect(await running()).toHaveLength(1);
      const settled = await waitFor(
        'the service to count 1 running task',
        async () =>
          (await ecs.send(new DescribeServicesCommand({ cluster, services: ['scaled'] }))).services![0]!,
        (s) => s.runningCount === 1 && s.deployments?.length === 1,
      );
      expect(settled).toMatchObject({ desiredCount: 1, runningCount: 1, pendingCount: 0 });
      // The real AWS CLI's waiter agrees the service is stable (one deployment, runningCount =
      // desiredCount). Asked once it is: the waiter polls every 15 s, and a miss cost that much.
      await t.aws(['ecs', 'wait', 'services-stable', '--cluster', cluster, '--services', 'scaled']);
      await ecs.send(new UpdateServiceCommand({ cluster, service: 'scaled', desiredCount: 0 }));
    },
    180_000,
  );

  it.concurrent(
    'tasks reach a container the devkit runs beside the cloud by its network alias',
    async () => {
      const helper = await docker.createContainer({
        Image: await buildFixtureImage(docker),
        Labels: besideCloudLabels(t.cloud.runtime!.cloudId, 'beside-the-cloud'),
      });
      await helper.start();
      try {
        // The task counts as healthy only once its probe reaches the helper by name.
        const reachBeside =
          "fetch('http://beside-the-cloud:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))";
        const taskArn = await runTask({
          family: 'aliased',
          // A fetch probe starts slower than the fixture's: room for a busy machine.
          healthCheck: { command: ['CMD', 'node', '-e', reachBeside], interval: 5, timeout: 10, retries: 3 },
        });
        const healthy = await until(taskArn, 'HEALTHY', (task) => task.healthStatus === 'HEALTHY');
        expect(healthy.lastStatus).toBe('RUNNING');
        await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
      } finally {
        await helper.remove({ force: true });
      }
    },
    180_000,
  );

  it.concurrent(
    'a CMD-SHELL health check in an image without a shell fails, and the task reports UNHEALTHY',
    async () => {
      // The fixture's base has node only: CMD-SHELL needs /bin/sh, so every probe fails to run.
      const taskArn = await runTask({
        family: 'shell-probe',
        healthCheck: { command: ['CMD-SHELL', 'exit 0'], interval: 5, timeout: 2, retries: 1 },
      });
      const sick = await until(taskArn, 'UNHEALTHY', (task) => task.healthStatus === 'UNHEALTHY');
      expect(sick.lastStatus).toBe('RUNNING');
      expect(sick.containers![0]!.healthStatus).toBe('UNHEALTHY');
      const inspected = await docker.getContainer(sick.containers![0]!.runtimeId!).inspect();
      expect(inspected.Config.Healthcheck!.Test).toEqual(['CMD-SHELL', 'exit 0']);
      await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
    },
    180_000,
  );
});
