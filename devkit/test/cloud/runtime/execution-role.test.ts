/**
 * The execution role with IAM enforced (issue 19), on the real Docker engine: the runtime assumes
 * it as Fargate does (its trust policy must let ecs-tasks.amazonaws.com in) and pulls the image,
 * reads the task's secrets and creates its log stream as that role's session, the secret's
 * resource policy included; each refusal stops the task with Fargate's wording. Roles, policies and
 * tasks go through the real SDK (the AWS CLI's IAM and ECR policy commands have their own tests),
 * the secret's resource policy through the real AWS CLI. The cases run at once, each with its own
 * roles and task families.
 */
import { AWS_MANAGED_POLICIES } from '../../../src/cloud/access/aws-managed-policies.ts';
import {
  CreateLogGroupCommand,
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { NetworkConfiguration, Task } from '@aws-sdk/client-ecs';
import { DeleteRepositoryPolicyCommand, ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { DescribeTasksCommand, ECSClient, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import type { TestCloud } from '../harness.ts';
import { awsCliAvailable, FAST_TIMINGS, startTestCloud } from '../harness.ts';
import type { FixtureTaskOptions } from './fixture.ts';
import {
  TOLERANT_HEALTH_CHECK,
  fixtureCluster,
  fixtureNetwork,
  pushFixture,
  registerFixtureTask,
  waitFor,
} from './fixture.ts';

const docker = new Docker();
const LOG_GROUP = '/ecs/execution-role';
const ACCOUNT = '000000000000';
const ECS_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

/** What AmazonECSTaskExecutionRolePolicy grants (the cloud's copy of AWS's document): ECR pulls and log streams, no secrets. */
const PULL_AND_LOG = JSON.parse(
  AWS_MANAGED_POLICIES.get('arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy')!
    .versions[0]!.document,
) as { Version: string; Statement: object[] };

describe.skipIf(!dockerAvailable || !awsCliAvailable).concurrent('the execution role, IAM enforced', () => {
  let t: TestCloud;
  let ecs: ECSClient;
  let iam: IAMClient;
  let ecr: ECRClient;
  let secrets: SecretsManagerClient;
  let image: string;
  let cluster: string;
  let network: NetworkConfiguration;

  beforeAll(async () => {
    t = await startTestCloud({
      enforceIam: true,
      runtime: { docker, timings: FAST_TIMINGS },
    });
    ecs = new ECSClient(t.clientConfig);
    iam = new IAMClient(t.clientConfig);
    ecr = new ECRClient(t.clientConfig);
    secrets = new SecretsManagerClient(t.clientConfig);
    image = await pushFixture(docker, t);
    cluster = await fixtureCluster(ecs);
    network = await fixtureNetwork(t, { ingressPort: 8080 });
    await new CloudWatchLogsClient(t.clientConfig).send(
      new CreateLogGroupCommand({ logGroupName: LOG_GROUP }),
    );
  }, 120_000);

  afterAll(async () => {
    await t.cloud.close({ cleanup: true });
    await t.dispose();
  });

  /** A role trusting `trust` (ECS tasks by default) with one inline policy; returns its ARN. */
  async function role(name: string, policy: object | undefined, trust = ECS_TRUST): Promise<string> {
    const { Role } = await iam.send(
      new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }),
    );
    if (policy) await putPolicy(name, policy);
    return Role!.Arn!;
  }

  async function putPolicy(roleName: string, policy: object): Promise<void> {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'execution',
        PolicyDocument: JSON.stringify(policy),
      }),
    );
  }

  async function runTask(options: Omit<FixtureTaskOptions, 'image'>): Promise<string> {
    const taskDefinition = await registerFixtureTask(ecs, { image, logGroup: LOG_GROUP, ...options });
    const { tasks } = await ecs.send(
      new RunTaskCommand({ cluster, taskDefinition, launchType: 'FARGATE', networkConfiguration: network }),
    );
    return tasks![0]!.taskArn!;
  }

  async function until(taskArn: string, what: string, done: (task: Task) => boolean): Promise<Task> {
    return waitFor(
      `task ${what}`,
      async () => (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks![0]!,
      done,
      90_000,
    );
  }

  const stopped = (taskArn: string) => until(taskArn, 'STOPPED', (task) => task.lastStatus === 'STOPPED');
  const taskId = (taskArn: string) => taskArn.slice(taskArn.lastIndexOf('/') + 1);

  it('a role without secretsmanager:GetSecretValue stops the task with ResourceInitializationError; granted, the task runs with the secret', async () => {
    const roleArn = await role('exec-no-secrets', PULL_AND_LOG);
    const secret = await secrets.send(
      new CreateSecretCommand({ Name: 'exec/api-key', SecretString: 'sk-123' }),
    );
    const options = {
      family: 'exec-secret',
      executionRoleArn: roleArn,
      healthCheck: TOLERANT_HEALTH_CHECK,
      secrets: [{ name: 'API_KEY', valueFrom: secret.ARN! }],
    };
    const refused = await runTask(options);
    const task = await stopped(refused);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toMatch(
      new RegExp(
        '^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: ' +
          'unable to retrieve secret from asm: service call has been retried 1 time\\(s\\): ' +
          `failed to fetch secret ${escape(secret.ARN!)} from secrets manager: AccessDeniedException: ` +
          `User: arn:aws:sts::${ACCOUNT}:assumed-role/exec-no-secrets/${taskId(refused)} is not authorized to perform: ` +
          `secretsmanager:GetSecretValue on resource: ${escape(secret.ARN!)} because no identity-based policy allows ` +
          'the secretsmanager:GetSecretValue action status code: 400, request id: [0-9a-f-]{36}$',
      ),
    );
    // The agent's calls go through the gateway's access control: `devkit iam why` sees the refusal.
    const { decisions } = (await (
      await fetch(`${t.cloud.url}/_devkit/iam/decisions?denied=1&limit=1000`)
    ).json()) as { decisions: Array<{ principal: string; operation: string }> };
    expect(decisions).toContainEqual(
      expect.objectContaining({
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/exec-no-secrets/${taskId(refused)}`,
        operation: 'secretsmanager:GetSecretValue',
      }),
    );

    await putPolicy('exec-no-secrets', {
      ...PULL_AND_LOG,
      Statement: [
        ...PULL_AND_LOG.Statement,
        {
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: 'arn:aws:secretsmanager:*:*:secret:exec/*',
        },
      ],
    });
    const granted = await runTask(options);
    const running = await until(
      granted,
      'HEALTHY',
      (t) => t.healthStatus === 'HEALTHY' || t.lastStatus === 'STOPPED',
    );
    expect(running.stoppedReason).toBeUndefined();
    const port = running.containers![0]!.networkBindings![0]!.hostPort!;
    const body = (await (await fetch(`http://127.0.0.1:${port}/env/API_KEY`)).json()) as { value: string };
    expect(body.value).toBe('sk-123');
    // …and what the role's sessions used becomes its least-privilege policy.
    const used = (await (
      await fetch(`${t.cloud.url}/_devkit/iam/least-privilege/exec-no-secrets`)
    ).json()) as { policy: { Statement: Array<{ Action: string | string[]; Resource: string | string[] }> } };
    const grants = used.policy.Statement.flatMap((s) =>
      [s.Action].flat().flatMap((action) => [s.Resource].flat().map((resource) => `${action} ${resource}`)),
    );
    expect(grants).toContain(`secretsmanager:GetSecretValue ${secret.ARN!}`);
    expect(grants).toContain('ecr:GetAuthorizationToken *');
    await ecs.send(new StopTaskCommand({ cluster, task: granted }));
  }, 180_000);

  it("a secret's resource policy denying the role wins over the role's Allow", async () => {
    const roleArn = await role('exec-denied-by-secret', {
      ...PULL_AND_LOG,
      Statement: [...PULL_AND_LOG.Statement, { Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }],
    });
    const secret = await secrets.send(new CreateSecretCommand({ Name: 'exec/guarded', SecretString: 'x' }));
    await t.aws([
      'secretsmanager',
      'put-resource-policy',
      '--secret-id',
      secret.ARN!,
      '--resource-policy',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: roleArn },
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          },
        ],
      }),
    ]);
    const taskArn = await runTask({
      family: 'exec-guarded',
      executionRoleArn: roleArn,
      secrets: [{ name: 'GUARDED', valueFrom: secret.ARN! }],
    });
    const task = await stopped(taskArn);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toContain(
      `AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/exec-denied-by-secret/${taskId(taskArn)} ` +
        `is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret.ARN!} ` +
        'with an explicit deny in a resource-based policy',
    );
  }, 120_000);

  it('a role that may not pull from ECR: no registry login, or the manifest refused by the repository policy', async () => {
    const noToken = await role('exec-no-ecr', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }],
    });
    const withoutLogin = await stopped(await runTask({ family: 'exec-no-ecr', executionRoleArn: noToken }));
    expect(withoutLogin.stopCode).toBe('TaskFailedToStart');
    expect(withoutLogin.stoppedReason).toMatch(
      /^ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time\(s\): AccessDeniedException: User: arn:aws:sts::000000000000:assumed-role\/exec-no-ecr\/[0-9a-f]{32} is not authorized to perform: ecr:GetAuthorizationToken on resource: \* because no identity-based policy allows the ecr:GetAuthorizationToken action status code: 400, request id: /,
    );

    const pulling = await role('exec-repo-denied', PULL_AND_LOG);
    // It names this case's role only: the other cases pull from the repository meanwhile.
    await ecr.send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'runtime-fixture',
        policyText: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'NoPulls', Effect: 'Deny', Principal: { AWS: pulling }, Action: 'ecr:BatchGetImage' },
          ],
        }),
      }),
    );
    try {
      const refused = await stopped(await runTask({ family: 'exec-repo-denied', executionRoleArn: pulling }));
      expect(refused.stopCode).toBe('TaskFailedToStart');
      const host = image.slice(0, image.indexOf('/'));
      expect(refused.stoppedReason).toBe(
        `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${image}: ` +
          `pulling from host ${host} failed with status code [manifests v1]: 403 Forbidden`,
      );
    } finally {
      await ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'runtime-fixture' }));
    }
  }, 120_000);

  it('awslogs-create-group needs logs:CreateLogGroup: without it the task fails to start as on Fargate; granted, the task makes its group', async () => {
    const group = '/ecs/made-by-the-task';
    await role('exec-no-create-group', PULL_AND_LOG);
    const options = {
      family: 'exec-create-group',
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/exec-no-create-group`,
      logGroup: group,
      createLogGroup: true,
      // Stopped right after RUNNING, before the app sets its SIGTERM handler: as PID 1 it would
      // ignore the signal and hold the file's cloud until SIGKILL, 30 s later. ECS's init ends it.
      initProcessEnabled: true,
    };
    const refused = await runTask(options);
    const task = await stopped(refused);
    expect(task.stopCode).toBe('TaskFailedToStart');
    expect(task.stoppedReason).toBe(
      'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: ' +
        'failed to create Cloudwatch log group: AccessDeniedException: ' +
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/exec-no-create-group/${taskId(refused)} is not authorized to perform: ` +
        `logs:CreateLogGroup on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${group}:log-stream: ` +
        'because no identity-based policy allows the logs:CreateLogGroup action : exit status 1',
    );
    const logs = new CloudWatchLogsClient(t.clientConfig);
    const missing = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group })).then(
      () => 'found',
      (e: Error) => e.name,
    );
    expect(missing).toBe('ResourceNotFoundException');

    await putPolicy('exec-no-create-group', {
      ...PULL_AND_LOG,
      Statement: [
        ...PULL_AND_LOG.Statement,
        { Effect: 'Allow', Action: 'logs:CreateLogGroup', Resource: `arn:aws:logs:*:*:log-group:${group}:*` },
      ],
    });
    const granted = await runTask(options);
    await until(granted, 'RUNNING', (t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED');
    const { logStreams } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    expect(logStreams!.map((s) => s.logStreamName)).toContain(`fixture/app/${taskId(granted)}`);
    // The group exists now; the driver still asks for it on the next start, and is allowed.
    const again = await runTask(options);
    const second = await until(
      again,
      'RUNNING',
      (t) => t.lastStatus === 'RUNNING' || t.lastStatus === 'STOPPED',
    );
    expect(second.stoppedReason).toBeUndefined();
    logs.destroy();
    for (const task of [granted, again]) await ecs.send(new StopTaskCommand({ cluster, task }));
  }, 180_000);

  it('a role that may not create its log stream, and one that does not trust ECS tasks, fail the start', async () => {
    const noLogs = await role('exec-no-logs', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }],
    });
    const taskArn = await runTask({ family: 'exec-no-logs', executionRoleArn: noLogs });
    const withoutLogs = await stopped(taskArn);
    expect(withoutLogs.stoppedReason).toBe(
      'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: ' +
        'failed to create Cloudwatch log stream: AccessDeniedException: ' +
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/exec-no-logs/${taskId(taskArn)} is not authorized to perform: ` +
        `logs:CreateLogStream on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${LOG_GROUP}:log-stream:fixture/app/${taskId(taskArn)} ` +
        'because no identity-based policy allows the logs:CreateLogStream action : exit status 1',
    );

    const untrusted = await role(
      'exec-untrusted',
      PULL_AND_LOG,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    );
    const notAssumed = await stopped(
      await runTask({ family: 'exec-untrusted', executionRoleArn: untrusted }),
    );
    expect(notAssumed.stopCode).toBe('TaskFailedToStart');
    expect(notAssumed.stoppedReason).toBe(
      `ECS was unable to assume the role '${untrusted}' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`,
    );
  }, 120_000);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
