/**
 * BLUE_GREEN, LINEAR and CANARY deployments through the real SDK: CreateService's checks of the
 * strategy, its load balancers' advancedConfiguration and lifecycle hooks; the lifecycle stages and
 * the production rule's forward weights as a deployment goes (ELBv2's DescribeRules reads them);
 * PAUSE hooks, their timeout and ContinueServiceDeployment; a circuit breaker's rollback while green
 * scales up. The AWS CLI 2.9 that Debian ships predates these parameters and operations, so the
 * SDK alone drives them. The scheduler is stepped by hand on the cloud's own state (no Docker):
 * tasks come up healthy with healthy targets, or fail to start; weights are written into ELBv2's
 * state as the runtime writes them. Real traffic through a listener: runtime/blue-green.test.ts.
 */
import {
  ContinueServiceDeploymentCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type CreateServiceCommandInput,
  type DeploymentConfiguration,
  type LoadBalancer,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DescribeRulesCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TIMINGS, type TargetHealthFact, type TaskFact } from '../../../src/cloud/scheduler/facts.ts';
import { schedulerStep } from '../../../src/cloud/scheduler/step.ts';
import { setForwardWeights } from '../../../src/cloud/services/elbv2/actions.ts';
import { initialElbv2State, type Elbv2State } from '../../../src/cloud/services/elbv2/state.ts';
import { initialEcsState, type EcsState } from '../../../src/cloud/services/ecs/state.ts';
import { errorOf, REGION, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
let network: CreateServiceCommandInput['networkConfiguration'];
let blue: string;
let green: string;
let productionRule: string;
let onlyBlueRule: string;
const facts = new Map<string, TaskFact>();
let now = Date.now();

beforeAll(async () => {
  t = await startTestCloud();
  ecs = new ECSClient(t.clientConfig);
  elb = new ElasticLoadBalancingV2Client(t.clientConfig);
  const ec2 = new EC2Client(t.clientConfig);
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
  const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({}));
  ec2.destroy();
  network = {
    awsvpcConfiguration: {
      subnets: [Subnets![0]!.SubnetId!],
      securityGroups: [SecurityGroups![0]!.GroupId!],
    },
  };
  const { LoadBalancers } = await elb.send(
    new CreateLoadBalancerCommand({ Name: 'bg', Subnets: Subnets!.slice(0, 2).map((s) => s.SubnetId!) }),
  );
  const group = async (Name: string) =>
    (
      await elb.send(
        new CreateTargetGroupCommand({
          Name,
          Protocol: 'HTTP',
          Port: 8080,
          VpcId: Subnets![0]!.VpcId!,
          TargetType: 'ip',
        }),
      )
    ).TargetGroups![0]!.TargetGroupArn!;
  [blue, green] = [await group('blue'), await group('green')];
  const { Listeners } = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: LoadBalancers![0]!.LoadBalancerArn!,
      Protocol: 'HTTP',
      Port: 80,
      DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
    }),
  );
  const rule = async (Priority: number, path: string, groups: string[]) =>
    (
      await elb.send(
        new CreateRuleCommand({
          ListenerArn: Listeners![0]!.ListenerArn!,
          Priority,
          Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [path] } }],
          Actions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: groups.map((arn, i) => ({ TargetGroupArn: arn, Weight: i === 0 ? 100 : 0 })),
              },
            },
          ],
        }),
      )
    ).Rules![0]!.RuleArn!;
  productionRule = await rule(1, '/*', [blue, green]);
  onlyBlueRule = await rule(2, '/blue/*', [blue]);
  await ecs.send(new CreateClusterCommand({ clusterName: 'bg' }));
  for (const image of ['app:1', 'app:2', 'app:3']) {
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          { name: 'web', image, essential: true, portMappings: [{ containerPort: 8080 }] },
        ],
      }),
    );
  }
});
afterAll(async () => {
  ecs.destroy();
  elb.destroy();
  await t.dispose();
});

const ecsState = (): EcsState => t.cloud.store.slice('ecs', REGION, initialEcsState);
const elbState = (): Elbv2State => t.cloud.store.slice('elasticloadbalancing', REGION, initialElbv2State);

const balanced = (advanced: LoadBalancer['advancedConfiguration'] = {}): LoadBalancer[] => [
  {
    targetGroupArn: blue,
    containerName: 'web',
    containerPort: 8080,
    advancedConfiguration: {
      alternateTargetGroupArn: green,
      productionListenerRule: productionRule,
      ...advanced,
    },
  },
];

function createService(
  serviceName: string,
  deploymentConfiguration: DeploymentConfiguration,
  loadBalancers: LoadBalancer[] = balanced(),
) {
  return ecs.send(
    new CreateServiceCommand({
      cluster: 'bg',
      serviceName,
      taskDefinition: 'web:1',
      desiredCount: 2,
      launchType: 'FARGATE',
      networkConfiguration: network,
      loadBalancers,
      deploymentConfiguration,
    }),
  );
}

/**
 * One scheduler step as the runtime takes it: started tasks come up healthy in every target group
 * (or fail to start, for app:2 with `failToStart`), stopped ones are gone, weights are applied.
 */
function step(failToStart = false): void {
  const state = ecsState();
  const targets = new Map<string, TargetHealthFact[]>();
  for (const task of Object.values(state.tasks)) {
    if (facts.get(task.taskArn)?.phase === 'up') {
      targets.set(
        task.taskArn,
        [blue, green].map((arn) => ({ targetGroupArn: arn, state: 'healthy' })),
      );
    }
  }
  const actions = schedulerStep({ state, facts, targets, now: (now += 1_000), timings: LOCAL_TIMINGS });
  for (const action of actions) {
    if (action.kind === 'stop') facts.set(action.taskArn, { phase: 'stopped', containers: [] });
    if (action.kind === 'weigh') setForwardWeights(elbState(), action.ruleArn, action.weights);
  }
  for (const task of Object.values(state.tasks)) {
    if (task.lastStatus !== 'PENDING' || facts.has(task.taskArn)) continue;
    facts.set(
      task.taskArn,
      failToStart && task.containers[0]!.image === 'app:2'
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

async function current(serviceName: string): Promise<ServiceDeployment> {
  const { services } = await ecs.send(
    new DescribeServicesCommand({ cluster: 'bg', services: [serviceName] }),
  );
  const { serviceDeployments } = await ecs.send(
    new DescribeServiceDeploymentsCommand({
      serviceDeploymentArns: [services![0]!.currentServiceDeployment!],
    }),
  );
  return serviceDeployments![0]!;
}

/** Steps until the service's current service deployment satisfies `done` (bounded). */
async function stepUntil(
  serviceName: string,
  done: (d: ServiceDeployment) => boolean,
  each?: (d: ServiceDeployment) => Promise<void>,
  failToStart = false,
): Promise<ServiceDeployment> {
  for (let i = 0; i < 120; i++) {
    const deployment = await current(serviceName);
    await each?.(deployment);
    if (done(deployment)) return deployment;
    step(failToStart);
  }
  throw new Error(`${serviceName}: not done after 120 steps`);
}

async function weights(ruleArn = productionRule): Promise<[number, number]> {
  const { Rules } = await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
  const groups = Rules![0]!.Actions![0]!.ForwardConfig!.TargetGroups!;
  const of = (arn: string) => groups.find((g) => g.TargetGroupArn === arn)!.Weight!;
  return [of(blue), of(green)];
}

describe('CreateService checks a traffic-shifting strategy', () => {
  // Load balancers are built when the case runs (the target groups exist only then).
  const refusals: Array<[string, DeploymentConfiguration, (() => LoadBalancer[]) | undefined, string]> = [
    [
      'no bake time for BLUE_GREEN',
      { strategy: 'BLUE_GREEN' },
      undefined,
      'bakeTimeInMinutes must be provided',
    ],
    [
      'a bake time over a day',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1441 },
      undefined,
      'between 0 and 1440',
    ],
    [
      'no advancedConfiguration',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      () => [{ targetGroupArn: blue, containerName: 'web', containerPort: 8080 }],
      'requires advancedConfiguration with an alternateTargetGroupArn and a productionListenerRule',
    ],
    [
      'an alternate target group that does not exist',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      () =>
        balanced({
          alternateTargetGroupArn:
            'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/none/0123456789abcdef',
        }),
      'does not exist',
    ],
    [
      'a production rule that does not forward to both groups',
      { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 1 },
      () => balanced({ productionListenerRule: onlyBlueRule }),
      'must forward to both target groups',
    ],
    [
      'an AWS_LAMBDA hook (the default target type): there is no Lambda',
      {
        strategy: 'BLUE_GREEN',
        bakeTimeInMinutes: 1,
        lifecycleHooks: [
          {
            hookTargetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
            lifecycleStages: ['PRE_SCALE_UP'],
          },
        ],
      },
      undefined,
      'no AWS Lambda',
    ],
    [
      'lifecycle hooks in a ROLLING deployment',
      { strategy: 'ROLLING', lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['PRE_SCALE_UP'] }] },
      undefined,
      'lifecycleHooks run only in BLUE_GREEN, LINEAR and CANARY deployments',
    ],
    [
      'a linear configuration for a canary',
      { strategy: 'CANARY', linearConfiguration: { stepPercent: 10 } },
      undefined,
      'linearConfiguration is only valid with the LINEAR deployment strategy',
    ],
    [
      'a linear step under 3 %',
      { strategy: 'LINEAR', linearConfiguration: { stepPercent: 2 } },
      undefined,
      'from 3 to 100',
    ],
    [
      'a canary share finer than 0.1 %',
      { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 2.55 } },
      undefined,
      'multiple of 0.1',
    ],
  ];
  it.each(refusals)('refuses %s (InvalidParameterException)', async (_, config, loadBalancers, message) => {
    const error = await errorOf(createService('refused', config, loadBalancers?.() ?? balanced()));
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toContain(message);
  });
});

describe('a BLUE_GREEN service', () => {
  it('starts in the primary target group with all production traffic; DescribeServices keeps its configuration', async () => {
    const { service } = await createService('web', { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 2 });
    expect(service!.deploymentConfiguration).toMatchObject({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 2 });
    expect(service!.loadBalancers![0]!.advancedConfiguration).toEqual({
      alternateTargetGroupArn: green,
      productionListenerRule: productionRule,
    });
    await stepUntil('web', (d) => d.status === 'SUCCESSFUL');
    expect(await weights()).toEqual([100, 0]);
  });

  it('moves green through the lifecycle stages, shifts production at once, bakes, then scales blue in', async () => {
    await ecs.send(new UpdateServiceCommand({ cluster: 'bg', service: 'web', taskDefinition: 'web:2' }));
    const seen: Array<{ stage: string; weights: [number, number]; blueLive: number; at: number }> = [];
    const imageLive = (image: string) =>
      Object.values(ecsState().tasks).filter(
        (task) =>
          task.containers[0]!.image === image &&
          task.desiredStatus === 'RUNNING' &&
          task.group === 'service:web',
      ).length;
    const done = await stepUntil(
      'web',
      (d) => d.status === 'SUCCESSFUL',
      async (d) => {
        const stage = d.lifecycleStage!;
        if (seen.at(-1)?.stage !== stage)
          seen.push({ stage, weights: await weights(), blueLive: imageLive('app:1'), at: now });
      },
    );
    expect(seen.map((s) => s.stage)).toEqual(['PRE_SCALE_UP', 'SCALE_UP', 'BAKE_TIME', 'CLEAN_UP']);
    // Blue serves all production until the shift; green takes it all at once; blue runs through the bake.
    expect(seen.find((s) => s.stage === 'SCALE_UP')!.weights).toEqual([100, 0]);
    expect(seen.find((s) => s.stage === 'BAKE_TIME')).toMatchObject({ weights: [0, 100], blueLive: 2 });
    const bake = seen.find((s) => s.stage === 'BAKE_TIME')!;
    expect(seen.find((s) => s.stage === 'CLEAN_UP')!.at - bake.at).toBeGreaterThanOrEqual(
      2 * LOCAL_TIMINGS.deploymentMinuteSeconds * 1000,
    );
    expect(done).toMatchObject({
      lifecycleStage: 'CLEAN_UP',
      targetServiceRevision: { runningTaskCount: 2 },
    });
    expect(imageLive('app:1')).toBe(0);
    expect(await weights()).toEqual([0, 100]);
  });

  it('rolls back to blue when the circuit breaker trips while green scales up: production never moves', async () => {
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'bg',
        service: 'web',
        taskDefinition: 'web:2',
        forceNewDeployment: true,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
      }),
    );
    // web:2 again, but its tasks now fail to start: the breaker's threshold is 3 failed tasks.
    const production: Array<[number, number]> = [];
    const done = await stepUntil(
      'web',
      (d) => d.status === 'ROLLBACK_SUCCESSFUL',
      async () => void production.push(await weights()),
      true,
    );
    expect(done.deploymentCircuitBreaker).toMatchObject({ status: 'TRIGGERED' });
    expect(done.lifecycleStage).toBe('SCALE_UP');
    expect(new Set(production.map((w) => w.join('/')))).toEqual(new Set(['0/100']));
  });

  it('StopServiceDeployment during the bake time shifts production back to blue, which never stopped', async () => {
    // web:2 serves from the green group now; web:3 goes to the blue one.
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'bg',
        service: 'web',
        taskDefinition: 'web:3',
        deploymentConfiguration: { bakeTimeInMinutes: 60 },
      }),
    );
    const baking = await stepUntil('web', (d) => d.lifecycleStage === 'BAKE_TIME');
    expect(await weights()).toEqual([100, 0]);
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: baking.serviceDeploymentArn! }));
    const done = await stepUntil('web', (d) => d.status === 'ROLLBACK_SUCCESSFUL');
    expect(done.rollback!.reason).toBe('Service deployment rolled back by a StopServiceDeployment request.');
    expect(await weights()).toEqual([0, 100]);
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'bg', services: ['web'] }));
    expect(services![0]!.deployments!.map((d) => d.taskDefinition)).toEqual([
      expect.stringMatching(/web:2$/),
    ]);
  });

  it('a deployment started while another bakes replaces the old blue: production stays with the baking one', async () => {
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'bg',
        service: 'web',
        taskDefinition: 'web:3',
        deploymentConfiguration: { bakeTimeInMinutes: 60 },
      }),
    );
    await stepUntil('web', (d) => d.lifecycleStage === 'BAKE_TIME');
    // web:3 has production (the blue group); web:2's tasks (green group) still run.
    expect(await weights()).toEqual([100, 0]);
    await ecs.send(
      new UpdateServiceCommand({
        cluster: 'bg',
        service: 'web',
        taskDefinition: 'web:1',
        deploymentConfiguration: { bakeTimeInMinutes: 0 },
      }),
    );
    const imageLive = (image: string) =>
      Object.values(ecsState().tasks).filter(
        (task) =>
          task.containers[0]!.image === image &&
          task.desiredStatus === 'RUNNING' &&
          task.group === 'service:web',
      ).length;
    const production: string[] = [];
    await stepUntil(
      'web',
      (d) => d.status === 'SUCCESSFUL',
      async (d) => {
        const w = (await weights()).join('/');
        if (production.at(-1) !== w) production.push(w);
        // web:2 shares web:1's side: it stops at once; web:3 serves until web:1 takes over.
        if (d.lifecycleStage === 'SCALE_UP') expect(imageLive('app:2')).toBe(0);
        if (d.lifecycleStage !== 'CLEAN_UP') expect(imageLive('app:3')).toBe(2);
      },
    );
    expect(production).toEqual(['100/0', '0/100']);
  });

  it('ContinueServiceDeployment: an unknown service deployment, and a hook that is not awaiting action', async () => {
    const unknown = await errorOf(
      ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn:
            'arn:aws:ecs:us-east-1:000000000000:service-deployment/bg/web/AAAAAAAAAAAAAAAAAAAAA',
          hookId: 'h',
        }),
      ),
    );
    expect(unknown.name).toBe('ServiceDeploymentNotFoundException');
    const { serviceDeploymentArn } = await current('web');
    const notPaused = await errorOf(
      ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn, hookId: 'no-such-hook' })),
    );
    expect(notPaused).toEqual({
      name: 'InvalidParameterException',
      message: `The lifecycle hook no-such-hook of service deployment ${serviceDeploymentArn} is not awaiting action.`,
    });
  });
});

describe('LINEAR and CANARY services', () => {
  it('LINEAR moves production in steps of stepPercent, baking stepBakeTimeInMinutes between them', async () => {
    await createService('linear', {
      strategy: 'LINEAR',
      linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 2 },
    });
    await stepUntil('linear', (d) => d.status === 'SUCCESSFUL');
    await ecs.send(new UpdateServiceCommand({ cluster: 'bg', service: 'linear', taskDefinition: 'web:2' }));
    const moves: Array<{ green: number; at: number }> = [];
    await stepUntil(
      'linear',
      (d) => d.status === 'SUCCESSFUL',
      async () => {
        const [, green] = await weights();
        if (moves.at(-1)?.green !== green) moves.push({ green, at: now });
      },
    );
    // Its first deployment left production on blue; the first step moves at once, the others bake.
    expect(moves.map((m) => m.green)).toEqual([0, 25, 50, 75, 100]);
    for (let i = 2; i < moves.length; i++) {
      expect(moves[i]!.at - moves[i - 1]!.at).toBeGreaterThanOrEqual(
        2 * LOCAL_TIMINGS.deploymentMinuteSeconds * 1000,
      );
    }
  });

  it('CANARY sends canaryPercent first (weights per mille when fractional), then the rest after its bake', async () => {
    await createService('canary', {
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 2.5, canaryBakeTimeInMinutes: 3 },
    });
    await stepUntil('canary', (d) => d.status === 'SUCCESSFUL');
    await ecs.send(new UpdateServiceCommand({ cluster: 'bg', service: 'canary', taskDefinition: 'web:2' }));
    const seen: string[] = [];
    await stepUntil(
      'canary',
      (d) => d.status === 'SUCCESSFUL',
      async () => {
        const w = (await weights()).join('/');
        if (seen.at(-1) !== w) seen.push(w);
      },
    );
    expect(seen).toEqual(['100/0', '975/25', '0/100']);
  });
});

describe('PAUSE lifecycle hooks', () => {
  it('hold their stage until they time out, then take their timeout action (CONTINUE)', async () => {
    await createService('paused', {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 0,
      lifecycleHooks: [
        {
          targetType: 'PAUSE',
          lifecycleStages: ['PRE_SCALE_UP'],
          timeoutConfiguration: { timeoutInMinutes: 3, action: 'CONTINUE' },
        },
      ],
    });
    await stepUntil('paused', (d) => d.status === 'SUCCESSFUL');
    await ecs.send(new UpdateServiceCommand({ cluster: 'bg', service: 'paused', taskDefinition: 'web:3' }));
    const waiting = await stepUntil(
      'paused',
      (d) => d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION',
    );
    expect(waiting.lifecycleStage).toBe('PRE_SCALE_UP');
    const hook = waiting.lifecycleHookDetails![0]!;
    expect(hook).toMatchObject({ targetType: 'PAUSE', timeoutAction: 'CONTINUE' });
    expect(hook.expiresAt!.getTime()).toBe(
      waiting.updatedAt!.getTime() + 3 * LOCAL_TIMINGS.deploymentMinuteSeconds * 1000,
    );
    // Nothing of green starts while the hook holds PRE_SCALE_UP.
    expect(waiting.targetServiceRevision).toMatchObject({ runningTaskCount: 0, pendingTaskCount: 0 });
    const done = await stepUntil('paused', (d) => d.status === 'SUCCESSFUL');
    expect(done.lifecycleHookDetails![0]!.status).toBe('TIMED_OUT');
  });

  it('are kept with their answer: after ContinueServiceDeployment and a restart, the deployment moves on', async () => {
    await createService('resumed', {
      strategy: 'BLUE_GREEN',
      bakeTimeInMinutes: 0,
      lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_SCALE_UP'] }],
    });
    await stepUntil('resumed', (d) => d.status === 'SUCCESSFUL');
    await ecs.send(new UpdateServiceCommand({ cluster: 'bg', service: 'resumed', taskDefinition: 'web:2' }));
    const waiting = await stepUntil(
      'resumed',
      (d) => d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION',
    );
    expect(waiting.lifecycleStage).toBe('POST_SCALE_UP');
    const { serviceDeploymentArn } = await ecs.send(
      new ContinueServiceDeploymentCommand({
        serviceDeploymentArn: waiting.serviceDeploymentArn!,
        hookId: waiting.lifecycleHookDetails![0]!.hookId!,
        action: 'CONTINUE',
      }),
    );
    expect(serviceDeploymentArn).toBe(waiting.serviceDeploymentArn);
    await t.stop();
    await t.restart();
    ecs.destroy();
    elb.destroy();
    ecs = new ECSClient(t.clientConfig);
    elb = new ElasticLoadBalancingV2Client(t.clientConfig);
    expect((await current('resumed')).lifecycleHookDetails![0]!.status).toBe('SUCCEEDED');
    const done = await stepUntil('resumed', (d) => d.status === 'SUCCESSFUL');
    expect(done.lifecycleStage).toBe('CLEAN_UP');
  });
});
