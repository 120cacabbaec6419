/**
 * The service deployments API (ListServiceDeployments, DescribeServiceDeployments,
 * DescribeServiceRevisions, StopServiceDeployment) through the real SDK, from the API reference's
 * shapes, ARN formats and error table. The AWS CLI 2.9 that Debian ships predates these operations
 * (its model lacks them), so the SDK alone drives them. The scheduler is stepped by hand on the
 * cloud's own state (no Docker): tasks come up healthy, or fail to start to trip the breaker.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TIMINGS, type TaskFact } from '../../../src/cloud/scheduler/facts.ts';
import { schedulerStep } from '../../../src/cloud/scheduler/step.ts';
import { initialEcsState, serviceTasks, type EcsState } from '../../../src/cloud/services/ecs/state.ts';
import { REGION, startTestCloud, type TestCloud } from '../harness.ts';

const PREFIX = 'arn:aws:ecs:us-east-1:000000000000';
const DEPLOYMENT_ARN = new RegExp(`^${PREFIX}:service-deployment/history/web/[A-Za-z0-9_-]{21}$`);
const REVISION_ARN = new RegExp(`^${PREFIX}:service-revision/history/web/\\d{19}$`);

let t: TestCloud;
let ecs: ECSClient;
const facts = new Map<string, TaskFact>();
let now = Date.now();

beforeAll(async () => {
  t = await startTestCloud();
  ecs = new ECSClient(t.clientConfig);
  const ec2 = new EC2Client(t.clientConfig);
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
  const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({}));
  ec2.destroy();
  await ecs.send(new CreateClusterCommand({ clusterName: 'history' }));
  for (const image of ['app:1', 'app:2']) {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image, essential: true }],
      }),
    );
  }
  await ecs.send(
    new CreateServiceCommand({
      cluster: 'history',
      serviceName: 'web',
      taskDefinition: 'web:1',
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [Subnets![0]!.SubnetId!],
          securityGroups: [SecurityGroups![0]!.GroupId!],
        },
      },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    }),
  );
});
afterAll(async () => {
  ecs.destroy();
  await t.dispose();
});

const ecsState = (): EcsState => t.cloud.store.slice('ecs', REGION, initialEcsState);

/**
 * Steps the scheduler as the runtime would: started tasks come up healthy (or fail to start), and
 * stopped ones are gone, until `done` holds (bounded).
 */
function stepUntil(done: () => boolean, outcome: 'healthy' | 'failToStart' = 'healthy'): void {
  const state = ecsState();
  for (let i = 0; i < 40 && !done(); i++) {
    const actions = schedulerStep({
      state,
      facts,
      targets: new Map(),
      now: (now += 1_000),
      timings: LOCAL_TIMINGS,
    });
    for (const action of actions) {
      if (action.kind === 'stop') facts.set(action.taskArn, { phase: 'stopped', containers: [] });
    }
    for (const task of Object.values(state.tasks)) {
      if (task.lastStatus !== 'PENDING' || facts.has(task.taskArn)) continue;
      const image = task.containers[0]!.image!;
      facts.set(
        task.taskArn,
        outcome === 'failToStart' && image === 'app:2'
          ? { phase: 'failedToStart', reason: 'CannotPullContainerError: pull access denied for app:2' }
          : {
              phase: 'up',
              containers: [
                { name: 'web', runtimeId: task.taskArn, running: true, health: 'healthy', hostPorts: {} },
              ],
            },
      );
    }
  }
  expect(done()).toBe(true);
}

async function deploymentsOfWeb(): Promise<ServiceDeployment[]> {
  const { serviceDeployments } = await ecs.send(
    new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web' }),
  );
  const arns = serviceDeployments!.map((d) => d.serviceDeploymentArn!);
  const described = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: arns }));
  return described.serviceDeployments!;
}

const primaryOf = () =>
  Object.values(ecsState().services).find((s) => s.serviceName === 'web')!.deployments[0]!;

describe('service deployments of a service', () => {
  let first: ServiceDeployment;

  it('CreateService starts one: IN_PROGRESS, to a new revision, from none, in AWS ARN formats', async () => {
    [first] = await deploymentsOfWeb();
    expect(first).toMatchObject({
      serviceArn: `${PREFIX}:service/history/web`,
      clusterArn: `${PREFIX}:cluster/history`,
      status: 'IN_PROGRESS',
      sourceServiceRevisions: [],
      targetServiceRevision: { requestedTaskCount: 1 },
      deploymentCircuitBreaker: { status: 'MONITORING', failureCount: 0, threshold: 3 },
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
    });
    expect(first.serviceDeploymentArn).toMatch(DEPLOYMENT_ARN);
    expect(first.targetServiceRevision!.arn).toMatch(REVISION_ARN);
    expect(first.createdAt).toBeInstanceOf(Date);
  });

  it('SUCCESSFUL once its deployment completes; DescribeServices names it and its revision', async () => {
    stepUntil(() => primaryOf().rolloutState === 'COMPLETED');
    const [done] = await deploymentsOfWeb();
    expect(done).toMatchObject({ serviceDeploymentArn: first.serviceDeploymentArn, status: 'SUCCESSFUL' });
    expect(done!.finishedAt).toBeInstanceOf(Date);
    expect(done!.deploymentCircuitBreaker?.status).toBe('MONITORING_COMPLETE');
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'history', services: ['web'] }),
    );
    expect(services![0]).toMatchObject({
      currentServiceDeployment: first.serviceDeploymentArn,
      currentServiceRevisions: [
        {
          arn: first.targetServiceRevision!.arn,
          requestedTaskCount: 1,
          runningTaskCount: 1,
          pendingTaskCount: 0,
        },
      ],
    });
  });

  it('DescribeServiceRevisions: the task definition, placement and images a revision runs', async () => {
    const { serviceRevisions, failures } = await ecs.send(
      new DescribeServiceRevisionsCommand({ serviceRevisionArns: [first.targetServiceRevision!.arn!] }),
    );
    expect(failures).toEqual([]);
    expect(serviceRevisions![0]).toMatchObject({
      serviceRevisionArn: first.targetServiceRevision!.arn,
      serviceArn: `${PREFIX}:service/history/web`,
      taskDefinition: `${PREFIX}:task-definition/web:1`,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      containerImages: [{ containerName: 'web', image: 'app:1' }],
      guardDutyEnabled: false,
    });
  });

  it('StopServiceDeployment on a finished one is a ConflictException', async () => {
    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: first.serviceDeploymentArn! })),
    ).rejects.toMatchObject({ name: 'ConflictException' });
  });

  it('StopServiceDeployment ROLLBACK returns the service to the revision that completed', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'history', service: 'web', taskDefinition: 'web:2' }));
    const [second] = await deploymentsOfWeb();
    expect(second).toMatchObject({
      status: 'IN_PROGRESS',
      sourceServiceRevisions: [{ arn: first.targetServiceRevision!.arn }],
    });
    // Its first task is on its way when the stop is asked for.
    stepUntil(() =>
      serviceTasks(ecsState(), Object.values(ecsState().services)[0]!).some(
        (t) => t.lastStatus !== 'STOPPED' && t.containers[0]!.image === 'app:2',
      ),
    );
    const { serviceDeploymentArn } = await ecs.send(
      new StopServiceDeploymentCommand({
        serviceDeploymentArn: second!.serviceDeploymentArn!,
        stopType: 'ROLLBACK',
      }),
    );
    expect(serviceDeploymentArn).toBe(second!.serviceDeploymentArn);
    // Asked for, not yet performed: the scheduler's next step rolls back.
    const [requested] = await deploymentsOfWeb();
    expect(requested).toMatchObject({ status: 'ROLLBACK_REQUESTED' });
    expect(requested!.rollback).toBeUndefined();
    expect(primaryOf().taskDefinition).toMatch(/web:2$/);
    // Asking again while it is requested changes nothing.
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: second!.serviceDeploymentArn! }));
    stepUntil(() => primaryOf().taskDefinition.endsWith('web:1'));
    const [rolling] = await deploymentsOfWeb();
    expect(rolling).toMatchObject({
      status: 'ROLLBACK_IN_PROGRESS',
      rollback: { serviceRevisionArn: first.targetServiceRevision!.arn },
    });
    expect(rolling!.rollback!.startedAt).toBeInstanceOf(Date);
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'history', services: ['web'] }),
    );
    expect(services![0]!.taskDefinition).toBe(`${PREFIX}:task-definition/web:1`);
    expect(services![0]!.deployments![0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: services![0]!.taskDefinition,
    });
    // Stopping a rollback under way lets it carry on.
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: second!.serviceDeploymentArn! }));
    stepUntil(
      () =>
        primaryOf().rolloutState === 'COMPLETED' &&
        serviceTasks(ecsState(), Object.values(ecsState().services)[0]!).every(
          (t) => t.lastStatus === 'STOPPED' || t.containers[0]!.image === 'app:1',
        ),
    );
    const [rolledBack] = await deploymentsOfWeb();
    expect(rolledBack).toMatchObject({
      serviceDeploymentArn: second!.serviceDeploymentArn,
      status: 'ROLLBACK_SUCCESSFUL',
    });
  });

  it('the circuit breaker rolls a failing one back: TRIGGERED, its failures counted, ROLLBACK_SUCCESSFUL', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'history', service: 'web', taskDefinition: 'web:2' }));
    stepUntil(
      () => primaryOf().taskDefinition.endsWith('web:1') && primaryOf().rolloutState === 'COMPLETED',
      'failToStart',
    );
    const [third] = await deploymentsOfWeb();
    expect(third).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL',
      deploymentCircuitBreaker: { status: 'TRIGGERED', failureCount: 3, threshold: 3 },
      rollback: { serviceRevisionArn: first.targetServiceRevision!.arn },
    });
    expect(third!.rollback!.reason).toMatch(
      /^ECS deployment circuit breaker: rolling back to deploymentId ecs-svc\/\d{19}\.$/,
    );
  });

  it('ListServiceDeployments: newest first, filtered by status and creation time, paged', async () => {
    const all = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web' }));
    expect(all.serviceDeployments!.map((d) => d.status)).toEqual([
      'ROLLBACK_SUCCESSFUL',
      'ROLLBACK_SUCCESSFUL',
      'SUCCESSFUL',
    ]);
    expect(all.serviceDeployments![2]).toMatchObject({
      targetServiceRevisionArn: first.targetServiceRevision!.arn,
    });
    const successful = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web', status: ['SUCCESSFUL'] }),
    );
    expect(successful.serviceDeployments!.map((d) => d.serviceDeploymentArn)).toEqual([
      first.serviceDeploymentArn,
    ]);
    const none = await ecs.send(
      new ListServiceDeploymentsCommand({
        cluster: 'history',
        service: 'web',
        createdAt: { after: new Date(Date.now() + 3_600_000) },
      }),
    );
    expect(none.serviceDeployments).toEqual([]);
    const page = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web', maxResults: 2 }),
    );
    expect(page.serviceDeployments).toHaveLength(2);
    const rest = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web', nextToken: page.nextToken }),
    );
    expect(rest.serviceDeployments).toHaveLength(1);
  });

  it('is kept: a restarted cloud lists the same history', async () => {
    const before = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web' }));
    await t.stop();
    await t.restart();
    ecs.destroy();
    ecs = new ECSClient(t.clientConfig);
    const after = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web' }));
    expect(after.serviceDeployments!.map((d) => d.serviceDeploymentArn)).toEqual(
      before.serviceDeployments!.map((d) => d.serviceDeploymentArn),
    );
  });
});

describe("errors, as the reference's error table names them", () => {
  it('an unknown service or cluster, and maxResults out of 1-100', async () => {
    await expect(
      ecs.send(new ListServiceDeploymentsCommand({ cluster: 'history', service: 'nope' })),
    ).rejects.toMatchObject({ name: 'ServiceNotFoundException' });
    await expect(
      ecs.send(new ListServiceDeploymentsCommand({ cluster: 'nope', service: 'web' })),
    ).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
    await expect(
      ecs.send(new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web', maxResults: 101 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('Describe: unknown ARNs are failures (MISSING); more than 20 ARNs is an InvalidParameterException', async () => {
    const missing = `${PREFIX}:service-deployment/history/web/AAAAAAAAAAAAAAAAAAAAA`;
    const { serviceDeployments, failures } = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [missing] }),
    );
    expect(serviceDeployments).toEqual([]);
    expect(failures).toEqual([{ arn: missing, reason: 'MISSING' }]);
    await expect(
      ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: Array(21).fill(missing) })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('StopServiceDeployment: an unknown ARN, and stopType ABORT', async () => {
    await expect(
      ecs.send(
        new StopServiceDeploymentCommand({
          serviceDeploymentArn: `${PREFIX}:service-deployment/history/web/AAAAAAAAAAAAAAAAAAAAA`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ServiceDeploymentNotFoundException' });
    const { serviceDeployments } = await ecs.send(
      new ListServiceDeploymentsCommand({ cluster: 'history', service: 'web' }),
    );
    await expect(
      ecs.send(
        new StopServiceDeploymentCommand({
          serviceDeploymentArn: serviceDeployments![0]!.serviceDeploymentArn!,
          stopType: 'ABORT',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});
