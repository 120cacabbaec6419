/**
 * A service's load balancer over its life, on the real Docker engine: a listen port someone else
 * holds is told in the service's events (the cloud keeps running) and taken once free; deleting the
 * service closes it; a restart of the cloud brings it back in front of the re-adopted task.
 */
import { DeleteServiceCommand } from '@aws-sdk/client-ecs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import { waitFor } from './fixture.ts';
import type { ServiceWorld } from './service-world.ts';
import { eventMessages, get, serviceWorld } from './service-world.ts';

describe.skipIf(!dockerAvailable)('load balancer lifecycle (real Docker)', () => {
  let w: ServiceWorld;
  let v1: string;
  beforeAll(async () => {
    w = await serviceWorld('lb-life');
    v1 = await w.revision('v1');
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it('tells a taken listen port in the service events, keeps running, and listens once the port is free', async () => {
    const blocker: Server = createServer((_req, res) => res.end('someone else'));
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const told =
      `(service taken) was unable to start its load balancer on 127.0.0.1:${port}: the port is ` +
      'already in use. Free the port, or tag the service with devkit:load-balancer-port=<another port>.';
    const { url } = await w.service({
      name: 'taken',
      taskDefinition: v1,
      desiredCount: 1,
      loadBalancerPort: port,
    });
    await waitFor(
      'the event',
      () => w.describe('taken'),
      (s) => eventMessages(s).includes(told),
      30_000,
    );
    // The task runs regardless, and the port's holder is left alone.
    await w.steady('taken');
    expect(await fetch(url).then((r) => r.text())).toBe('someone else');

    await new Promise((resolve) => blocker.close(resolve));
    const served = await waitFor(
      'the load balancer to take the port',
      () => get(url),
      (r) => r.status === 200,
      30_000,
    );
    expect(served.body).toMatchObject({ version: 'v1' });
    expect(eventMessages(await w.describe('taken')).filter((m) => m === told)).toHaveLength(1);
  }, 180_000);

  it('closes a deleted service’s load balancer once its targets are drained', async () => {
    const { url } = await w.service({ name: 'gone', taskDefinition: v1, desiredCount: 1 });
    await w.steady('gone');
    expect((await get(url)).status).toBe(200);
    await w.ecs.send(new DeleteServiceCommand({ cluster: w.cluster, service: 'gone', force: true }));
    // Nothing listens on its port any more.
    await waitFor(
      'the load balancer to close',
      () => get(url),
      (r) => String(r.body).includes('ECONNREFUSED'),
      60_000,
    );
    await waitFor(
      'the service to be INACTIVE',
      () => w.describe('gone'),
      (s) => s.status === 'INACTIVE',
      60_000,
    );
    const health = (await fetch(`${w.t.cloud.url}/_devkit/health`).then((r) => r.json())) as {
      runtime: { loadBalancers: Array<{ serviceName: string }> };
    };
    expect(health.runtime.loadBalancers.map((l) => l.serviceName)).not.toContain('gone');
  }, 180_000);

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
