/**
 * The pure scheduler step, without Docker: rolling-update bounds, replacement, health, the
 * circuit breaker and its rollback, completion — driven by hand-made runtime facts.
 */
import { describe, expect, it } from 'vitest';
import type {
  Action,
  TargetHealthFact,
  ContainerFact,
  TaskFact,
} from '../../../src/cloud/scheduler/facts.ts';
import { LOCAL_TIMINGS } from '../../../src/cloud/scheduler/facts.ts';
import { failureThreshold } from '../../../src/cloud/services/ecs/service-deployments.ts';
import { schedulerStep } from '../../../src/cloud/scheduler/step.ts';
import { newDeployment } from '../../../src/cloud/services/ecs/lifecycle.ts';
import type { EcsState, ServiceRecord, TaskRecord } from '../../../src/cloud/services/ecs/state.ts';
import { deploymentTasks, initialEcsState, serviceTasks } from '../../../src/cloud/services/ecs/state.ts';

const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/apps';
const TG = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef';
const tdArn = (revision: number) => `arn:aws:ecs:us-east-1:000000000000:task-definition/web:${revision}`;

function world(
  options: { desired?: number; maxPercent?: number; minPercent?: number; rollback?: boolean } = {},
) {
  const state: EcsState = initialEcsState();
  state.taskDefinitions.web = [1, 2].map((revision) => ({
    taskDefinitionArn: tdArn(revision),
    family: 'web',
    revision,
    status: 'ACTIVE' as const,
    containerDefinitions: [
      {
        name: 'app',
        image: `app:${revision}`,
        essential: true,
        portMappings: [{ containerPort: 8080 }],
        healthCheck: { command: ['CMD', 'true'] },
      },
    ],
  }));
  const service: ServiceRecord = {
    serviceArn: `arn:aws:ecs:us-east-1:000000000000:service/apps/web`,
    serviceName: 'web',
    clusterArn: CLUSTER,
    status: 'ACTIVE',
    desiredCount: options.desired ?? 3,
    taskDefinition: tdArn(1),
    launchType: 'FARGATE',
    loadBalancers: [{ containerName: 'app', containerPort: 8080 }],
    deploymentConfiguration: {
      maximumPercent: options.maxPercent ?? 200,
      minimumHealthyPercent: options.minPercent ?? 100,
      deploymentCircuitBreaker: { enable: true, rollback: options.rollback ?? true },
    },
    deployments: [],
    events: [],
  };
  service.deployments.push(newDeployment(service, 0));
  state.services[service.serviceArn] = service;
  const facts = new Map<string, TaskFact>();
  let now = 1_000;
  const step = (targets = new Map<string, TargetHealthFact[]>()): Action[] =>
    schedulerStep({ state, facts, targets, now: (now += 1_000), timings: LOCAL_TIMINGS });
  const container = (health: ContainerFact['health'], running = true): ContainerFact => ({
    name: 'app',
    runtimeId: 'c',
    running,
    health,
    hostPorts: { 8080: 30000 },
    privateIp: '10.0.0.5',
    ...(running ? {} : { exitCode: 1 }),
  });
  /** Every task the runtime was asked to start is up with this health. */
  const upAll = (health: ContainerFact['health'], filter: (t: TaskRecord) => boolean = () => true) => {
    for (const task of serviceTasks(state, service)) {
      const started = task.lastStatus !== 'STOPPED' && task.lastStatus !== 'PROVISIONING';
      if (started && task.desiredStatus === 'RUNNING' && filter(task)) {
        facts.set(task.taskArn, { phase: 'up', containers: [container(health)] });
      }
    }
  };
  /** Stop actions complete: the runtime reports those tasks stopped. */
  const finishStops = (actions: Action[]) => {
    for (const action of actions) {
      if (action.kind === 'stop')
        facts.set(action.taskArn, { phase: 'stopped', containers: [container(undefined, false)] });
    }
  };
  /** Steps until nothing changes any more (bounded). */
  const settle = (health: ContainerFact['health'] = 'healthy') => {
    for (let i = 0; i < 20; i++) {
      upAll(health);
      finishStops(step());
    }
  };
  return { state, service, facts, step, settle, upAll, container, finishStops };
}

const live = (tasks: TaskRecord[]) => tasks.filter((t) => t.lastStatus !== 'STOPPED');
const messages = (service: ServiceRecord) => service.events.map((e) => e.message);

describe('tasks', () => {
  it('walks a task PROVISIONING → PENDING → ACTIVATING → RUNNING and counts it healthy on HEALTHY', () => {
    const w = world({ desired: 1 });
    w.step(); // starts the first task
    const [task] = serviceTasks(w.state, w.service);
    expect(task!.lastStatus).toBe('PROVISIONING');
    const actions = w.step();
    expect(actions).toContainEqual({ kind: 'start', taskArn: task!.taskArn });
    expect(task!.lastStatus).toBe('PENDING');
    w.facts.set(task!.taskArn, { phase: 'up', containers: [w.container('starting')] });
    w.step();
    expect(task!.lastStatus).toBe('ACTIVATING');
    w.step();
    expect(task!.lastStatus).toBe('RUNNING');
    expect(task!.healthStatus).toBe('UNKNOWN');
    expect(task!.containers[0]!.networkBindings).toEqual([
      { bindIP: '127.0.0.1', containerPort: 8080, hostPort: 30000, protocol: 'tcp' },
    ]);
    w.facts.set(task!.taskArn, { phase: 'up', containers: [w.container('healthy')] });
    const routed = w.step();
    expect(task!.healthStatus).toBe('HEALTHY');
    // Without a target group there is nothing to register the task in.
    expect(routed.filter((a) => a.kind === 'register')).toEqual([]);
    expect(w.service.deployments[0]!.rolloutState).toBe('COMPLETED');
    expect(messages(w.service).slice(0, 2)).toEqual([
      '(service web) has reached a steady state.',
      `(service web) (deployment ${w.service.deployments[0]!.id}) deployment completed.`,
    ]);
  });

  it('replaces a task whose essential container exited, with EssentialContainerExited', () => {
    const w = world({ desired: 2 });
    w.settle();
    const [victim] = live(serviceTasks(w.state, w.service));
    w.facts.set(victim!.taskArn, {
      phase: 'up',
      containers: [{ ...w.container('healthy', false), exitCode: 137 }],
    });
    const actions = w.step();
    expect(victim!.stopCode).toBe('EssentialContainerExited');
    expect(victim!.stoppedReason).toBe('Essential container in task exited');
    expect(actions).toContainEqual({ kind: 'stop', taskArn: victim!.taskArn });
    w.settle();
    expect(victim!.lastStatus).toBe('STOPPED');
    expect(victim!.containers[0]!.exitCode).toBe(1);
    expect(live(serviceTasks(w.state, w.service))).toHaveLength(2);
    // A task that had been healthy is no deployment failure.
    expect(w.service.deployments[0]!.failedTasks).toBe(0);
  });

  it('stops an unhealthy service task with "Task failed container health checks" and replaces it', () => {
    const w = world({ desired: 1 });
    w.settle();
    const [sick] = live(serviceTasks(w.state, w.service));
    w.facts.set(sick!.taskArn, { phase: 'up', containers: [w.container('unhealthy')] });
    w.step();
    expect(sick!.healthStatus).toBe('UNHEALTHY');
    expect(sick!.stopCode).toBe('ServiceSchedulerInitiated');
    expect(sick!.stoppedReason).toBe('Task failed container health checks');
    expect(messages(w.service)).toContain(
      `(service web) (task ${sick!.taskArn.split('/').pop()}) failed container health checks.`,
    );
    w.settle();
    expect(live(serviceTasks(w.state, w.service)).filter((t) => t.lastStatus === 'RUNNING')).toHaveLength(1);
  });

  it('ignores failing container health checks during the service’s grace period, as AWS does', () => {
    const w = world({ desired: 1 });
    w.service.healthCheckGracePeriodSeconds = 5;
    w.step();
    w.step();
    const [task] = serviceTasks(w.state, w.service);
    w.upAll('healthy');
    w.step();
    w.step();
    expect(task!.lastStatus).toBe('RUNNING');
    w.facts.set(task!.taskArn, { phase: 'up', containers: [w.container('unhealthy')] });
    w.step(); // within the grace period: UNHEALTHY, but kept
    expect(task!).toMatchObject({ healthStatus: 'UNHEALTHY', desiredStatus: 'RUNNING' });
    for (let i = 0; i < 5; i++) w.step();
    expect(task!).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: 'Task failed container health checks',
    });
  });

  it('reports a failed start as TaskFailedToStart with the runtime’s reason', () => {
    const w = world({ desired: 1 });
    w.step();
    w.step();
    const [task] = serviceTasks(w.state, w.service);
    w.facts.set(task!.taskArn, { phase: 'failedToStart', reason: 'CannotPullContainerError: no such image' });
    w.step();
    expect(task!.lastStatus).toBe('STOPPED');
    expect(task!.stopCode).toBe('TaskFailedToStart');
    expect(task!.stoppedReason).toBe('CannotPullContainerError: no such image');
    expect(w.service.deployments[0]!.failedTasks).toBe(1);
  });

  it('walks a stopping task through DEACTIVATING, STOPPING, DEPROVISIONING to STOPPED', () => {
    const w = world({ desired: 1 });
    w.settle();
    w.service.desiredCount = 0;
    w.step(); // the service asks the task to stop
    w.step(); // the task step hands the stop to the runtime
    const [task] = serviceTasks(w.state, w.service);
    expect(task!.lastStatus).toBe('DEACTIVATING');
    expect(task!.stoppedReason).toBe(
      `Scaling activity initiated by (deployment ${w.service.deployments[0]!.id})`,
    );
    for (const [phase, status] of [
      ['draining', 'DEACTIVATING'],
      ['stopping', 'STOPPING'],
      ['flushing', 'DEPROVISIONING'],
    ] as const) {
      w.facts.set(task!.taskArn, { phase });
      w.step();
      expect(task!.lastStatus).toBe(status);
    }
    w.facts.set(task!.taskArn, { phase: 'stopped', containers: [w.container(undefined, false)] });
    w.step();
    expect(task!.lastStatus).toBe('STOPPED');
  });

  it('stops a task whose containers vanished (cloud restart) and replaces it', () => {
    const w = world({ desired: 1 });
    w.settle();
    const [lost] = live(serviceTasks(w.state, w.service));
    w.facts.delete(lost!.taskArn);
    w.step();
    expect(lost!.lastStatus).toBe('STOPPED');
    expect(lost!.stopCode).toBe('TerminationNotice');
    w.settle();
    expect(live(serviceTasks(w.state, w.service))).toHaveLength(1);
  });
});

describe('rolling update', () => {
  it('keeps running+pending ≤ floor(desired × max%) and healthy ≥ ceil(desired × minHealthy%)', () => {
    const w = world({ desired: 4, maxPercent: 150, minPercent: 50 });
    w.settle();
    const old = w.service.deployments[0]!;
    w.service.taskDefinition = tdArn(2);
    old.status = 'ACTIVE';
    w.service.deployments.unshift(newDeployment(w.service, 0));
    const primary = w.service.deployments[0]!;
    let sawBoth = false;
    for (let i = 0; i < 30; i++) {
      w.upAll('healthy');
      w.finishStops(w.step());
      const all = live(serviceTasks(w.state, w.service)).filter((t) => t.desiredStatus === 'RUNNING');
      expect(all.length).toBeLessThanOrEqual(6);
      const healthy = all.filter((t) => t.lastStatus === 'RUNNING' && t.healthyAt !== undefined);
      if (i > 0) expect(healthy.length).toBeGreaterThanOrEqual(2);
      if (
        deploymentTasks(w.state, w.service, old).some((t) => t.lastStatus === 'RUNNING') &&
        deploymentTasks(w.state, w.service, primary).some((t) => t.lastStatus === 'RUNNING')
      )
        sawBoth = true;
    }
    expect(sawBoth).toBe(true);
    expect(w.service.deployments).toHaveLength(1);
    expect(primary.rolloutState).toBe('COMPLETED');
    expect(live(serviceTasks(w.state, w.service)).every((t) => t.startedBy === primary.id)).toBe(true);
  });

  it('with 200/100 starts the whole new set first and stops an old task per new healthy one', () => {
    const w = world({ desired: 3 });
    w.settle();
    const old = w.service.deployments[0]!;
    w.service.taskDefinition = tdArn(2);
    old.status = 'ACTIVE';
    w.service.deployments.unshift(newDeployment(w.service, 0));
    const primary = w.service.deployments[0]!;
    w.step();
    expect(live(deploymentTasks(w.state, w.service, primary))).toHaveLength(3);
    w.step(); // start actions
    const [first] = deploymentTasks(w.state, w.service, primary);
    w.facts.set(first!.taskArn, { phase: 'up', containers: [w.container('healthy')] });
    w.step(); // ACTIVATING
    w.step(); // RUNNING, healthy → one old task stops
    const oldStopping = deploymentTasks(w.state, w.service, old).filter((t) => t.desiredStatus === 'STOPPED');
    expect(oldStopping).toHaveLength(1);
    // Registrations never include the stopping task, and include the new healthy one.
    w.service.loadBalancers = [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }];
    const registered = w.step().flatMap((a) => (a.kind === 'register' ? [a.taskArn] : []));
    expect(registered).toContain(first!.taskArn);
    expect(registered).not.toContain(oldStopping[0]!.taskArn);
    expect(registered).toHaveLength(3);
  });

  it('behind a target group, counts a task healthy only once its target is', () => {
    const w = world({ desired: 1 });
    w.service.loadBalancers = [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }];
    w.step();
    w.step();
    const [task] = serviceTasks(w.state, w.service);
    w.upAll('healthy');
    w.step();
    w.step();
    expect(task!.lastStatus).toBe('RUNNING');
    expect(task!.healthyAt).toBeUndefined();
    w.step(new Map([[task!.taskArn, [{ targetGroupArn: TG, state: 'initial' }]]]));
    expect(task!.healthyAt).toBeUndefined();
    w.step(new Map([[task!.taskArn, [{ targetGroupArn: TG, state: 'healthy' }]]]));
    expect(task!.healthyAt).toBeDefined();
  });

  it('replaces a task whose target turns unhealthy after the grace period, with AWS’s wording', () => {
    const w = world({ desired: 1 });
    w.service.loadBalancers = [{ targetGroupArn: TG, containerName: 'app', containerPort: 8080 }];
    w.service.healthCheckGracePeriodSeconds = 5;
    w.step();
    w.step();
    const [task] = serviceTasks(w.state, w.service);
    w.upAll('healthy');
    w.step();
    w.step();
    const unhealthy = new Map([[task!.taskArn, [{ targetGroupArn: TG, state: 'unhealthy' }]]]);
    w.step(unhealthy); // within the grace period: ignored
    expect(task!.desiredStatus).toBe('RUNNING');
    for (let i = 0; i < 5; i++) w.step(unhealthy);
    expect(task!).toMatchObject({
      desiredStatus: 'STOPPED',
      stopCode: 'ServiceSchedulerInitiated',
      stoppedReason: `Task failed ELB health checks in (target-group ${TG})`,
    });
    const taskId = task!.taskArn.split('/').at(-1);
    expect(messages(w.service)).toContain(
      `(service web) (task ${taskId}) failed ELB health checks in (target-group ${TG}).`,
    );
    expect(w.service.deployments[0]!.failedTasks).toBe(1);
  });
});

describe('circuit breaker', () => {
  it('trips at 0.5 × desired, at least 3, at most 200', () => {
    expect([1, 3, 6, 7, 10, 400, 1000].map(failureThreshold)).toEqual([3, 3, 3, 4, 5, 200, 200]);
  });

  function failingRollout(rollback: boolean) {
    const w = world({ desired: 2, rollback });
    w.settle();
    const old = w.service.deployments[0]!;
    w.service.taskDefinition = tdArn(2);
    old.status = 'ACTIVE';
    w.service.deployments.unshift(newDeployment(w.service, 0));
    const failing = w.service.deployments[0]!;
    for (let i = 0; i < 20 && failing.rolloutState === 'IN_PROGRESS'; i++) {
      for (const task of deploymentTasks(w.state, w.service, failing)) {
        if (task.lastStatus === 'PENDING') {
          w.facts.set(task.taskArn, {
            phase: 'up',
            containers: [{ ...w.container(undefined, false), exitCode: 1 }],
          });
        }
      }
      w.finishStops(w.step());
      w.upAll('healthy', (t) => t.startedBy === old.id);
    }
    return { w, old, failing };
  }

  it('rolls back to the last COMPLETED deployment, which becomes PRIMARY again', () => {
    const { w, old, failing } = failingRollout(true);
    expect(failing.rolloutState).toBe('FAILED');
    // Both tasks of a round fail together, so the count can pass the threshold of 3.
    expect(failing.failedTasks).toBeGreaterThanOrEqual(3);
    expect(failing.rolloutStateReason).toBe(
      `ECS deployment circuit breaker: rolling back to deploymentId ${old.id}.`,
    );
    expect(w.service.deployments[0]!.id).toBe(old.id);
    expect(w.service.deployments[0]!.status).toBe('PRIMARY');
    expect(w.service.taskDefinition).toBe(tdArn(1));
    expect(messages(w.service)).toContain(
      `(service web) (deployment ${failing.id}) deployment failed: tasks failed to start.`,
    );
    expect(messages(w.service)).toContain(`(service web) rolling back to deployment ${old.id}.`);
    w.settle();
    expect(w.service.deployments).toHaveLength(1);
    expect(w.service.deployments[0]!.rolloutState).toBe('COMPLETED');
    // The old tasks served throughout: never fewer than desired healthy.
    expect(live(serviceTasks(w.state, w.service)).every((t) => t.startedBy === old.id)).toBe(true);
  });

  it('without rollback ends FAILED and leaves the old tasks serving', () => {
    const { w, old, failing } = failingRollout(false);
    expect(failing.rolloutState).toBe('FAILED');
    expect(failing.rolloutStateReason).toBe('ECS deployment circuit breaker: tasks failed to start.');
    expect(w.service.deployments[0]!.id).toBe(failing.id);
    w.settle();
    expect(
      live(deploymentTasks(w.state, w.service, old)).filter((t) => t.lastStatus === 'RUNNING'),
    ).toHaveLength(2);
    expect(live(deploymentTasks(w.state, w.service, failing))).toHaveLength(0);
  });
});
