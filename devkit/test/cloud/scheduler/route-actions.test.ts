/**
 * The step's route actions: which container and port a service's load balancer targets, where it
 * listens, and which tasks it may reach.
 */
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../../src/cloud/scheduler/facts.ts';
import { advanceService } from '../../../src/cloud/scheduler/service-step.ts';
import { newDeployment } from '../../../src/cloud/services/ecs/lifecycle.ts';
import type { EcsState, ServiceRecord, TaskRecord } from '../../../src/cloud/services/ecs/state.ts';
import { initialEcsState } from '../../../src/cloud/services/ecs/state.ts';

const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/apps';
const SERVICE_ARN = 'arn:aws:ecs:us-east-1:000000000000:service/apps/web';
const tdArn = (revision: number) => `arn:aws:ecs:us-east-1:000000000000:task-definition/web:${revision}`;

/** A service whose tasks (one per revision given) are RUNNING and healthy, on revision 1's definition. */
function world(revisions: ContainerDefinition[][], service: Partial<ServiceRecord> = {}) {
  const state: EcsState = initialEcsState();
  state.taskDefinitions.web = revisions.map((containerDefinitions, index) => ({
    taskDefinitionArn: tdArn(index + 1),
    family: 'web',
    revision: index + 1,
    status: 'ACTIVE' as const,
    containerDefinitions,
  }));
  const record: ServiceRecord = {
    serviceArn: SERVICE_ARN,
    serviceName: 'web',
    clusterArn: CLUSTER,
    status: 'ACTIVE',
    desiredCount: revisions.length,
    taskDefinition: tdArn(1),
    deployments: [],
    events: [],
    ...service,
  };
  const deployment = newDeployment(record, 0);
  record.deployments.push(deployment);
  state.services[SERVICE_ARN] = record;
  revisions.forEach((_, index) => {
    const task: TaskRecord = {
      taskArn: `arn:aws:ecs:us-east-1:000000000000:task/apps/t${index + 1}`,
      clusterArn: CLUSTER,
      taskDefinitionArn: tdArn(index + 1),
      group: 'service:web',
      startedBy: deployment.id,
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      containers: [],
      version: 1,
      healthyAt: 1,
    };
    state.tasks[task.taskArn] = task;
  });
  const route = () =>
    advanceService(state, record, undefined, 1_000).find(
      (a): a is Extract<Action, { kind: 'route' }> => a.kind === 'route',
    );
  return { state, service: record, route };
}

const app = (port: number, extra: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'app',
  image: 'app',
  portMappings: [{ containerPort: port }],
  ...extra,
});

describe('route actions', () => {
  it('targets the first port of the first essential container that maps one, and listens on it', () => {
    const sidecar: ContainerDefinition = {
      name: 'sidecar',
      image: 'x',
      essential: false,
      portMappings: [{ containerPort: 9000 }],
    };
    const init: ContainerDefinition = { name: 'init', image: 'y', essential: true };
    const { route } = world([[sidecar, init, app(8080)]]);
    expect(route()).toEqual({
      kind: 'route',
      serviceArn: SERVICE_ARN,
      listenPort: 8080,
      containerPort: 8080,
      targets: [
        {
          taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/apps/t1',
          containerName: 'app',
          containerPort: 8080,
        },
      ],
    });
  });

  it('targets the service’s load balancer container and port when it names them', () => {
    const sidecar: ContainerDefinition = {
      name: 'sidecar',
      image: 'x',
      essential: false,
      portMappings: [{ containerPort: 9000 }],
    };
    const { route } = world([[app(8080), sidecar]], {
      loadBalancers: [{ containerName: 'sidecar', containerPort: 9000 }],
    });
    expect(route()).toMatchObject({
      listenPort: 9000,
      containerPort: 9000,
      targets: [{ containerName: 'sidecar', containerPort: 9000 }],
    });
  });

  it('listens on the port of the devkit:load-balancer-port tag, ignoring one that is no port', () => {
    const { state, route } = world([[app(8080)]]);
    state.tags[SERVICE_ARN] = [{ key: 'devkit:load-balancer-port', value: '18080' }];
    expect(route()?.listenPort).toBe(18080);
    state.tags[SERVICE_ARN] = [{ key: 'devkit:load-balancer-port', value: 'eighty' }];
    expect(route()?.listenPort).toBe(8080);
  });

  it('reaches each task on its own revision’s port during a rollout', () => {
    const { route } = world([[app(8080)], [app(3000)]]);
    expect(route()?.targets.map((t) => t.containerPort)).toEqual([8080, 3000]);
  });

  it('leaves out tasks that are stopping or not yet healthy', () => {
    const { state, route } = world([[app(8080)], [app(8080)], [app(8080)]]);
    const [first, second] = Object.values(state.tasks);
    first!.desiredStatus = 'STOPPED';
    delete second!.healthyAt;
    expect(route()?.targets.map((t) => t.taskArn)).toEqual([
      'arn:aws:ecs:us-east-1:000000000000:task/apps/t3',
    ]);
  });

  it('has no load balancer for a service without a port', () => {
    const { route } = world([[{ name: 'worker', image: 'w' }]]);
    expect(route()).toBeUndefined();
  });
});
