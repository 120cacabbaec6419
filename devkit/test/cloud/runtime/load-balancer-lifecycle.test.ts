/**
 * A service's Application Load Balancer over its life, on the real Docker engine: a listener port
 * someone else holds shows in the load balancer's state (the cloud keeps running) and is taken once
 * free; deleting the service drains its targets; a restart of the cloud brings the listener back in
 * front of the re-adopted task. The first two run at once (services of their own); the restart
 * comes last, alone.
 */
import { DeleteServiceCommand } from '@aws-sdk/client-ecs';
import {
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenFailedReason } from '../../../src/cloud/lb/application-load-balancers.ts';
import { dockerAvailable } from '../docker-cli.ts';
import { waitFor } from './fixture.ts';
import type { ServiceWorld } from './service-world.ts';
import { get, serviceWorld } from './service-world.ts';

describe.skipIf(!dockerAvailable)('load balancer lifecycle (real Docker)', () => {
  let w: ServiceWorld;
  let v1: string;
  beforeAll(async () => {
    w = await serviceWorld('lb-life');
    v1 = await w.revision('v1');
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it.concurrent(
    'shows a taken listener port in the load balancer’s state, keeps running, and listens once the port is free',
    async () => {
      const blocker: Server = createServer((_req, res) => res.end('someone else'));
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as AddressInfo).port;
      const { url, loadBalancerArn } = await w.service({
        name: 'taken',
        taskDefinition: v1,
        desiredCount: 1,
        listenerPort: port,
      });
      const elb = new ElasticLoadBalancingV2Client(w.t.clientConfig);
      const state = async () =>
        (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] })))
          .LoadBalancers![0]!.State;
      const impaired = await waitFor(
        'the state to say why',
        state,
        (s) => s?.Code === 'active_impaired',
        30_000,
      );
      expect(impaired).toEqual({ Code: 'active_impaired', Reason: listenFailedReason(port, 'EADDRINUSE') });
      // The task runs regardless (its target group checks it), and the port's holder is left alone.
      await w.steady('taken');
      expect(await fetch(url).then((r) => r.text())).toBe('someone else');

      await new Promise((resolve) => blocker.close(resolve));
      const served = await waitFor(
        'the listener to take the port',
        () => get(url),
        (r) => r.status === 200,
        30_000,
      );
      expect(served.body).toMatchObject({ version: 'v1' });
      expect(await state()).toEqual({ Code: 'active' });
      elb.destroy();
    },
    180_000,
  );

  it.concurrent(
    'drains a deleted service’s targets; the listener then answers 503 with the reason',
    async () => {
      const { url, targetGroupArn } = await w.service({ name: 'gone', taskDefinition: v1, desiredCount: 1 });
      await w.steady('gone');
      expect((await get(url)).status).toBe(200);
      await w.ecs.send(new DeleteServiceCommand({ cluster: w.cluster, service: 'gone', force: true }));
      const after = await waitFor(
        'the targets to drain',
        () => get(url),
        (r) => r.status === 503,
        60_000,
      );
      expect(after.body).toMatchObject({ error: { code: 'no_healthy_targets' } });
      const elb = new ElasticLoadBalancingV2Client(w.t.clientConfig);
      const health = await waitFor(
        'the target to be deregistered',
        () => elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
        (h) => h.TargetHealthDescriptions!.length === 0,
        60_000,
      );
      expect(health.TargetHealthDescriptions).toEqual([]);
      elb.destroy();
    },
    180_000,
  );

  it('comes back on the same port in front of the same task after a restart of the cloud', async () => {
    const { url } = await w.service({ name: 'lasting', taskDefinition: v1, desiredCount: 1 });
    await w.steady('lasting');
    const before = (await get(url)).body as { hostname: string };

    await w.t.stop();
    expect((await get(url)).status).toBe(0);
    await w.t.restart();
    const after = await waitFor(
      'the load balancer to answer again',
      () => get(url),
      (r) => r.status === 200,
      60_000,
    );
    // The task was re-adopted, not replaced.
    expect((after.body as { hostname: string }).hostname).toBe(before.hostname);
    expect((await w.describe('lasting')).runningCount).toBe(1);
  }, 180_000);
});
