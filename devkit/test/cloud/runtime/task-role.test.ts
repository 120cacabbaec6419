/**
 * The task role's credentials inside a task (issue 19), on the real Docker engine: the fixture app
 * fetches them from the container credentials endpoint at 169.254.170.2 (the endpoints container
 * on the 169.254.170.0/24 network) and signs its own calls to the local cloud at AWS_ENDPOINT_URL;
 * the cloud sees the task role's session (`assumed-role/<role>/<task-id>`) and, IAM enforced,
 * allows or denies by the task role's policy. The task metadata endpoint v4 answers for the task too.
 */
import type { NetworkConfiguration, Task } from '@aws-sdk/client-ecs';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_BASE_IMAGES } from '../../deploy/base-images.ts';
import { dockerAvailable } from '../docker-cli.ts';
import type { TestCloud } from '../harness.ts';
import { FAST_TIMINGS, startTestCloud } from '../harness.ts';
import {
  TOLERANT_HEALTH_CHECK,
  fixtureCluster,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
  waitFor,
} from './fixture.ts';

const docker = new Docker();
const ECS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

describe.skipIf(!dockerAvailable)('task role credentials in the task', () => {
  let t: TestCloud;
  let ecs: ECSClient;
  let cluster: string;
  let network: NetworkConfiguration;
  let image: string;

  beforeAll(async () => {
    t = await startTestCloud({
      enforceIam: true,
      runtime: {
        docker,
        timings: FAST_TIMINGS,
        taskEndpointsImage: () => Promise.resolve(TEST_BASE_IMAGES.runtime),
      },
    });
    ecs = new ECSClient(t.clientConfig);
    image = await pushFixture(docker, t);
    cluster = await fixtureCluster(ecs);
    network = await fixtureNetwork(t, { ingressPort: 8080 });
  }, 120_000);

  afterAll(async () => {
    await t.cloud.close({ cleanup: true });
    await t.dispose();
  });

  async function until(taskArn: string, done: (task: Task) => boolean): Promise<Task> {
    return waitFor(
      'the task',
      async () => (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks![0]!,
      done,
      90_000,
    );
  }

  it('an app calls AWS as its task role, with credentials from 169.254.170.2, and reads its task metadata', async () => {
    // Setup through the SDK, at once (the AWS CLI's IAM commands have their own tests).
    const iam = new IAMClient(t.clientConfig);
    const secrets = new SecretsManagerClient(t.clientConfig);
    const [{ Role: role }, { Role: execution }, secret, other] = await Promise.all([
      iam.send(new CreateRoleCommand({ RoleName: 'app-task-role', AssumeRolePolicyDocument: ECS_TRUST })),
      // IAM enforced, the task's execution role must let the runtime pull the image.
      iam.send(new CreateRoleCommand({ RoleName: 'app-execution', AssumeRolePolicyDocument: ECS_TRUST })),
      secrets.send(new CreateSecretCommand({ Name: 'app/greeting', SecretString: 'hello from the task' })),
      secrets.send(new CreateSecretCommand({ Name: 'other/key', SecretString: 'not yours' })),
    ]);
    const allow = (Action: string, Resource: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });
    await Promise.all([
      iam.send(
        new PutRolePolicyCommand({
          RoleName: 'app-execution',
          PolicyName: 'pull',
          PolicyDocument: allow('ecr:*', '*'),
        }),
      ),
      iam.send(
        new PutRolePolicyCommand({
          RoleName: 'app-task-role',
          PolicyName: 'app',
          PolicyDocument: allow('secretsmanager:GetSecretValue', secret.ARN!),
        }),
      ),
    ]);
    iam.destroy();
    const taskDefinition = await registerFixtureTask(ecs, {
      image,
      family: 'with-task-role',
      taskRoleArn: role!.Arn!,
      executionRoleArn: execution!.Arn!,
      healthCheck: TOLERANT_HEALTH_CHECK,
    });
    const { tasks } = await ecs.send(
      new RunTaskCommand({ cluster, taskDefinition, launchType: 'FARGATE', networkConfiguration: network }),
    );
    const taskArn = tasks![0]!.taskArn!;
    const taskId = taskArn.slice(taskArn.lastIndexOf('/') + 1);
    const running = await until(
      taskArn,
      (task) => task.healthStatus === 'HEALTHY' || task.lastStatus === 'STOPPED',
    );
    expect(running.stoppedReason).toBeUndefined();
    const port = running.containers![0]!.networkBindings![0]!.hostPort!;
    const call = async (path: string) =>
      (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as { status: number; body: string };

    const env = async (name: string) =>
      ((await (await fetch(`http://127.0.0.1:${port}/env/${name}`)).json()) as { value: string | null })
        .value;
    expect(await env('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')).toMatch(
      /^\/v2\/credentials\/[0-9a-f-]{36}\.[0-9a-f-]{36}$/,
    );
    expect(await env('AWS_ENDPOINT_URL')).toMatch(/^http:\/\/169\.254\.170\.2:\d+$/);

    const caller = await call('/aws/caller');
    expect(caller.status).toBe(200);
    expect(caller.body).toContain(
      `<Arn>arn:aws:sts::000000000000:assumed-role/app-task-role/${taskId}</Arn>`,
    );

    const read = await call(`/aws/secret/${encodeURIComponent(secret.ARN!)}`);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ ARN: secret.ARN, SecretString: 'hello from the task' });

    // IAM enforced: the task role may read its own secret only.
    const refused = await call(`/aws/secret/${encodeURIComponent(other.ARN!)}`);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toMatchObject({
      __type: 'AccessDeniedException',
      message: `User: arn:aws:sts::000000000000:assumed-role/app-task-role/${taskId} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${other.ARN!} because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    });

    const metadata = await call('/aws/metadata');
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body)).toMatchObject({
      TaskARN: taskArn,
      Family: 'with-task-role',
      KnownStatus: 'RUNNING',
      LaunchType: 'FARGATE',
      Containers: [{ Name: 'app' }],
    });
    await ecs.send(new StopTaskCommand({ cluster, task: taskArn }));
  }, 180_000);
});
