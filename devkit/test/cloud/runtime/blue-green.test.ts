/**
 * Blue/green deployments (deploymentConfiguration.strategy BLUE_GREEN) on the real Docker engine
 * behind a real listener: the green revision starts in the alternate target group, the test
 * listener answers with it first, then the production rule's weights move and clients of the
 * production listener get the new version, with no failed request; a PAUSE lifecycle hook holds
 * the deployment until ContinueServiceDeployment, whose ROLLBACK shifts production back to blue.
 */
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  UpdateServiceCommand,
  type LoadBalancer,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateRuleCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTargetGroupsCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import { freePort } from '../harness.ts';
import { fixtureTargetGroup, waitFor } from './fixture.ts';
import type { ServiceWorld } from './service-world.ts';
import { get, serviceWorld, steadyLoad } from './service-world.ts';

describe.skipIf(!dockerAvailable)('blue/green deployments (real Docker)', () => {
  let w: ServiceWorld;
  let elb: ElasticLoadBalancingV2Client;
  beforeAll(async () => {
    // A bake minute of 1 s (the local profile's): the 3-minute bake time passes in 3 s.
    w = await serviceWorld('bluegreen', { deploymentMinuteSeconds: 1 });
    elb = new ElasticLoadBalancingV2Client(w.t.clientConfig);
  }, 300_000);
  afterAll(async () => {
    elb?.destroy();
    await w?.close();
  }, 60_000);

  /** The service deployment the service runs now, described. */
  async function currentDeployment(serviceName: string): Promise<ServiceDeployment> {
    const arn = (await w.describe(serviceName)).currentServiceDeployment!;
    const { serviceDeployments } = await w.ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
    );
    return serviceDeployments![0]!;
  }

  const version = (answer: { body: unknown }) => (answer.body as { version?: string }).version;

  /** A rule's forward weights, by target group. */
  async function weights(ruleArn: string): Promise<Record<string, number>> {
    const { Rules } = await elb.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
    const groups = Rules![0]!.Actions![0]!.ForwardConfig!.TargetGroups!;
    return Object.fromEntries(groups.map((g) => [g.TargetGroupArn!, g.Weight!]));
  }

  it('shifts test then production traffic from v1 to v2, bakes, scales blue in, and rolls v3 back to v2 from a PAUSE hook, failing no request', async () => {
    const [v1, v2, v3] = [await w.revision('v1'), await w.revision('v2'), await w.revision('v3')];
    const { url, targetGroupArn, loadBalancerArn } = await w.service({
      name: 'bg',
      taskDefinition: v1,
      desiredCount: 2,
    });
    await w.steady('bg');

    // The blue/green resources of AWS's guide: an alternate target group, a production rule and a
    // test listener, each forwarding to both groups (blue 100, green 0).
    const alternate = await fixtureTargetGroup(
      elb,
      'bg-green',
      (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [targetGroupArn] })))
        .TargetGroups![0]!.VpcId!,
    );
    const both = [
      { TargetGroupArn: targetGroupArn, Weight: 100 },
      { TargetGroupArn: alternate, Weight: 0 },
    ];
    const { Listeners } = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn }));
    const { Rules } = await elb.send(
      new CreateRuleCommand({
        ListenerArn: Listeners![0]!.ListenerArn!,
        Priority: 1,
        Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } }],
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: both } }],
      }),
    );
    const productionRule = Rules![0]!.RuleArn!;
    const testPort = await freePort();
    const testListener = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'HTTP',
        Port: testPort,
        DefaultActions: [{ Type: 'forward', ForwardConfig: { TargetGroups: both } }],
      }),
    );
    const testRule = (
      await elb.send(new DescribeRulesCommand({ ListenerArn: testListener.Listeners![0]!.ListenerArn! }))
    ).Rules!.find((r) => r.IsDefault)!.RuleArn!;
    const testUrl = `http://127.0.0.1:${testPort}/`;
    const loadBalancers: LoadBalancer[] = [
      {
        targetGroupArn,
        containerName: 'app',
        containerPort: 8080,
        advancedConfiguration: {
          alternateTargetGroupArn: alternate,
          productionListenerRule: productionRule,
          testListenerRule: testRule,
          roleArn: 'arn:aws:iam::000000000000:role/ecsInfrastructureRole',
        },
      },
    ];

    const load = steadyLoad(url);
    try {
      await w.ecs.send(
        new UpdateServiceCommand({
          cluster: w.cluster,
          service: 'bg',
          taskDefinition: v2,
          loadBalancers,
          deploymentConfiguration: {
            strategy: 'BLUE_GREEN',
            bakeTimeInMinutes: 3,
            lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }],
          },
        }),
      );
      // Held after the test traffic shift by a PAUSE hook: the test listener answers green while
      // production still answers blue.
      const stages = new Set<string>();
      const paused = await waitFor(
        'the POST_TEST_TRAFFIC_SHIFT hook to await action',
        async () => {
          const deployment = await currentDeployment('bg');
          stages.add(deployment.lifecycleStage ?? '');
          return deployment;
        },
        (d) => d.lifecycleHookDetails?.some((h) => h.status === 'AWAITING_ACTION') === true,
        120_000,
      );
      expect(paused).toMatchObject({ status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' });
      expect(await weights(testRule)).toEqual({ [targetGroupArn]: 0, [alternate]: 100 });
      expect(await weights(productionRule)).toEqual({ [targetGroupArn]: 100, [alternate]: 0 });
      await waitFor(
        'the test listener to answer v2',
        () => get(testUrl),
        (r) => version(r) === 'v2',
        30_000,
      );
      for (let i = 0; i < 10; i++) expect(version(await get(url))).toBe('v1');
      const holding = paused.lifecycleHookDetails![0]!;
      await w.ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: paused.serviceDeploymentArn!,
          hookId: holding.hookId!,
        }),
      );
      const done = await waitFor(
        'the blue/green deployment to succeed',
        async () => {
          const deployment = await currentDeployment('bg');
          stages.add(deployment.lifecycleStage ?? '');
          return deployment;
        },
        (d) => d.status === 'SUCCESSFUL',
        120_000,
      );
      expect(done.lifecycleStage).toBe('CLEAN_UP');
      expect(done.lifecycleHookDetails).toEqual([
        { hookId: holding.hookId, targetType: 'PAUSE', status: 'SUCCEEDED' },
      ]);
      // The stages went in AWS's order (a fast one may pass between two polls).
      const order = [
        'PRE_SCALE_UP',
        'SCALE_UP',
        'POST_SCALE_UP',
        'TEST_TRAFFIC_SHIFT',
        'POST_TEST_TRAFFIC_SHIFT',
        'PRODUCTION_TRAFFIC_SHIFT',
        'POST_PRODUCTION_TRAFFIC_SHIFT',
        'BAKE_TIME',
        'CLEAN_UP',
      ];
      const seen = [...stages].filter((s) => s !== '');
      expect(seen.map((s) => order.indexOf(s))).toEqual(
        [...seen.map((s) => order.indexOf(s))].sort((a, b) => a - b),
      );
      expect(seen).toContain('BAKE_TIME');
      expect(await weights(productionRule)).toEqual({ [targetGroupArn]: 0, [alternate]: 100 });
      const steady = await w.steady('bg');
      expect(steady.deployments![0]!.taskDefinition).toBe(v2);
      const before = load.report.versions.v2 ?? 0;
      await waitFor(
        'v2 answers',
        async () => load.report.versions.v2 ?? 0,
        (n) => n > before + 20,
        30_000,
      );

      // v3 goes to the primary group now (v2 serves from the alternate one), held after its
      // production shift by a PAUSE hook; ROLLBACK sends production back to v2.
      await w.ecs.send(
        new UpdateServiceCommand({
          cluster: w.cluster,
          service: 'bg',
          taskDefinition: v3,
          deploymentConfiguration: {
            lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_PRODUCTION_TRAFFIC_SHIFT'] }],
          },
        }),
      );
      const pausedAgain = await waitFor(
        'the POST_PRODUCTION_TRAFFIC_SHIFT hook to await action',
        () => currentDeployment('bg'),
        (d) => d.lifecycleHookDetails?.some((h) => h.status === 'AWAITING_ACTION') === true,
        120_000,
      );
      expect(pausedAgain).toMatchObject({
        status: 'IN_PROGRESS',
        lifecycleStage: 'POST_PRODUCTION_TRAFFIC_SHIFT',
      });
      expect(await weights(productionRule)).toEqual({ [targetGroupArn]: 100, [alternate]: 0 });
      await waitFor(
        'v3 answers',
        () => get(url),
        (r) => version(r) === 'v3',
        30_000,
      );
      const hook = pausedAgain.lifecycleHookDetails![0]!;
      expect(hook).toMatchObject({ targetType: 'PAUSE', status: 'AWAITING_ACTION' });
      await w.ecs.send(
        new ContinueServiceDeploymentCommand({
          serviceDeploymentArn: pausedAgain.serviceDeploymentArn!,
          hookId: hook.hookId!,
          action: 'ROLLBACK',
        }),
      );
      const rolledBack = await waitFor(
        'the rollback to succeed',
        () => currentDeployment('bg'),
        (d) => d.status === 'ROLLBACK_SUCCESSFUL',
        120_000,
      );
      expect(rolledBack.lifecycleHookDetails![0]!.status).toBe('FAILED');
      expect(rolledBack.rollback!.reason).toBe(
        `Service deployment rolled back by lifecycle hook ${hook.hookId} (FAILED).`,
      );
      expect(await weights(productionRule)).toEqual({ [targetGroupArn]: 0, [alternate]: 100 });
      const back = await w.steady('bg');
      expect(back.deployments![0]!.taskDefinition).toBe(v2);
      await waitFor(
        'v2 answers again',
        () => get(url),
        (r) => version(r) === 'v2',
        30_000,
      );
    } finally {
      const report = await load.stop();
      expect(report.failures).toEqual([]);
      expect(report.versions.v1).toBeGreaterThan(0);
      expect(report.versions.v2).toBeGreaterThan(0);
    }
  }, 600_000);
});
