/**
 * Task sets on the real Docker engine: a blue/green move as an external deployment controller
 * makes it (CreateTaskSet, UpdateTaskSet, UpdateServicePrimaryTaskSet, DeleteTaskSet) behind an
 * Application Load Balancer, under light load. The task sets' tasks are real containers, scaled
 * to their share of the service's desiredCount, registered in their task set's target group and
 * drained before they stop, so no request fails. The API's rules and errors are checked without
 * Docker in test/cloud/services/ecs-conformance.test.ts.
 */
import {
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import { awsCliAvailable } from '../harness.ts';
import { fixtureLoadBalancer, fixtureNetwork, waitFor } from './fixture.ts';
import type { LoadReport, ServiceWorld } from './service-world.ts';
import { eventMessages, get, serviceWorld, steadyLoad } from './service-world.ts';

describe.skipIf(!dockerAvailable)('task sets (real Docker)', () => {
  let w: ServiceWorld;
  let v1: string;
  let v2: string;
  beforeAll(async () => {
    w = await serviceWorld('tasksets');
    v1 = await w.revision('v1');
    v2 = await w.revision('v2');
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  const describeSet = async (service: string, id: string): Promise<TaskSet | undefined> =>
    (await w.ecs.send(new DescribeTaskSetsCommand({ cluster: w.cluster, service, taskSets: [id] })))
      .taskSets?.[0];

  /** Waits until the task set runs `running` tasks, all healthy (STEADY_STATE). */
  const steadySet = (service: string, id: string, running: number) =>
    waitFor(
      `task set ${id} to run ${running} healthy tasks`,
      () => describeSet(service, id),
      (t) => t?.stabilityStatus === 'STEADY_STATE' && t.runningCount === running,
      180_000,
    );

  it('blue/green: green takes over from blue through the load balancer, no request failing', async () => {
    const name = 'bluegreen';
    const alb = await fixtureLoadBalancer(w.t, name);
    const networkConfiguration = await fixtureNetwork(w.t, {
      ingressPort: 8080,
      sourceGroup: alb.securityGroup,
    });
    const url = `http://127.0.0.1:${alb.port}/`;
    const loadBalancers = [{ targetGroupArn: alb.targetGroupArn, containerName: 'app', containerPort: 8080 }];
    await w.ecs.send(
      new CreateServiceCommand({
        cluster: w.cluster,
        serviceName: name,
        desiredCount: 2,
        deploymentController: { type: 'EXTERNAL' },
        // The fixture needs a moment to listen once RUNNING: on a busy machine, many checks' worth.
        healthCheckGracePeriodSeconds: 60,
      }),
    );
    const createSet = async (taskDefinition: string, scale: number) =>
      (
        await w.ecs.send(
          new CreateTaskSetCommand({
            cluster: w.cluster,
            service: name,
            taskDefinition,
            launchType: 'FARGATE',
            networkConfiguration,
            loadBalancers,
            scale: { value: scale, unit: 'PERCENT' },
          }),
        )
      ).taskSet!;

    const blue = await createSet(v1, 100);
    await steadySet(name, blue.id!, 2);
    await w.ecs.send(
      new UpdateServicePrimaryTaskSetCommand({ cluster: w.cluster, service: name, primaryTaskSet: blue.id! }),
    );
    await waitFor(
      'blue to answer',
      () => get(url),
      (r) => r.status === 200,
      60_000,
    );

    const load = steadyLoad(url, { workers: 1, pauseMs: 50 });
    let report: LoadReport;
    try {
      // 2 × 30 % = 0.6: one task, rounded up.
      const green = await createSet(v2, 30);
      expect(green).toMatchObject({ status: 'ACTIVE', computedDesiredCount: 1 });
      await steadySet(name, green.id!, 1);
      await w.ecs.send(
        new UpdateTaskSetCommand({
          cluster: w.cluster,
          service: name,
          taskSet: green.id!,
          scale: { value: 100, unit: 'PERCENT' },
        }),
      );
      await steadySet(name, green.id!, 2);
      await w.ecs.send(
        new UpdateServicePrimaryTaskSetCommand({
          cluster: w.cluster,
          service: name,
          primaryTaskSet: green.taskSetArn!,
        }),
      );
      const drained = await w.ecs.send(
        new DeleteTaskSetCommand({ cluster: w.cluster, service: name, taskSet: blue.id!, force: true }),
      );
      expect(drained.taskSet).toMatchObject({ status: 'DRAINING', computedDesiredCount: 0 });
      await waitFor(
        'blue to be gone once its tasks stopped',
        () => w.ecs.send(new DescribeTaskSetsCommand({ cluster: w.cluster, service: name })),
        (r) => r.taskSets!.length === 1,
        120_000,
      );
      const service = await waitFor(
        `${name} to be steady on green`,
        () => w.describe(name),
        (s) =>
          s.runningCount === 2 &&
          s.taskSets?.length === 1 &&
          s.events?.[0]?.message?.endsWith('steady state.') === true,
        120_000,
      );
      expect(service).toMatchObject({
        taskDefinition: v2,
        deployments: [],
        runningCount: 2,
        taskSets: [{ id: green.id, status: 'PRIMARY', runningCount: 2, stabilityStatus: 'STEADY_STATE' }],
      });
      expect(eventMessages(service)).toContain(`(service ${name}) has reached a steady state.`);
    } finally {
      report = await load.stop();
    }
    // Blue's targets were deregistered and drained before its tasks stopped.
    expect(report.failures).toEqual([]);
    expect(Object.keys(report.versions).sort()).toEqual(['v1', 'v2']);
    console.log(`task sets blue/green under load: ${report.requests} requests, 0 failed`);
    for (let i = 0; i < 5; i++)
      expect(await get(url)).toMatchObject({ status: 200, body: { version: 'v2' } });
    if (awsCliAvailable) {
      const { json } = await w.t.aws([
        'ecs',
        'describe-task-sets',
        '--cluster',
        w.cluster,
        '--service',
        name,
      ]);
      expect(json).toMatchObject({
        taskSets: [
          { status: 'PRIMARY', computedDesiredCount: 2, runningCount: 2, stabilityStatus: 'STEADY_STATE' },
        ],
      });
    }
  }, 600_000);
});
