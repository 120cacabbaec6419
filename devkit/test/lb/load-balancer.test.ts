import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoadBalancer } from '../../src/cloud/lb/load-balancer.ts';

/** A target that answers after `delayMs` with its own name. */
async function target(
  name: string,
  delayMs = 0,
): Promise<{ server: Server; port: number; received: { count: number } }> {
  const received = { count: 0 };
  const server = createServer((_req, res) => {
    received.count++;
    setTimeout(() => res.end(name), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('load balancer', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function balancer(): Promise<{ lb: LoadBalancer; url: string }> {
    const lb = new LoadBalancer();
    const port = await lb.listen(0);
    cleanups.push(() => lb.close());
    return { lb, url: `http://127.0.0.1:${port}/` };
  }

  it('answers 503 with the reason when no target is registered', async () => {
    const { lb, url } = await balancer();
    lb.unavailableReason = 'security group sg-1 does not allow tcp/8080';
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: { code: 'no_healthy_targets', message: 'security group sg-1 does not allow tcp/8080' },
    });
  });

  it('spreads requests over registered targets', async () => {
    const { lb, url } = await balancer();
    for (const name of ['a', 'b']) {
      const t = await target(name);
      cleanups.push(() => closeServer(t.server));
      lb.register({ id: name, host: '127.0.0.1', port: t.port });
    }
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetch(url).then((r) => r.text())));
    expect(new Set(answers)).toEqual(new Set(['a', 'b']));
  });

  it('lets in-flight requests finish on a deregistered target and sends new ones elsewhere', async () => {
    const { lb, url } = await balancer();
    const old = await target('old', 300);
    const next = await target('new');
    cleanups.push(
      () => closeServer(old.server),
      () => closeServer(next.server),
    );
    lb.register({ id: 'old', host: '127.0.0.1', port: old.port });

    const inFlight = Promise.all(Array.from({ length: 5 }, () => fetch(url).then((r) => r.text())));
    await vi.waitFor(() => expect(old.received.count).toBe(5));
    lb.register({ id: 'new', host: '127.0.0.1', port: next.port });
    const drained = lb.deregister('old', 10_000);
    expect(lb.registeredIds()).toEqual(['new']);
    expect(await fetch(url).then((r) => r.text())).toBe('new');

    await drained;
    // Only after draining may the old target stop; its requests all completed.
    expect(await inFlight).toEqual(['old', 'old', 'old', 'old', 'old']);
    await closeServer(old.server);
    expect(await fetch(url).then((r) => r.text())).toBe('new');
    expect(lb.stats.failures).toBe(0);
  });

  it('counts a target that fails mid-request as a failure with a 502', async () => {
    const { lb, url } = await balancer();
    const broken = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => closeServer(broken));
    lb.register({ id: 'broken', host: '127.0.0.1', port: (broken.address() as AddressInfo).port });
    const res = await fetch(url);
    expect(res.status).toBe(502);
    expect(lb.stats.failures).toBe(1);
  });

  it('sends a bodyless request once more when the target closed the reused keep-alive connection under it', async () => {
    const { lb, url } = await balancer();
    // A target that drops every connection on its second request: the race of a keep-alive
    // connection closed by the target just as the load balancer reuses it.
    const seen = { requests: 0 };
    const flaky = createServer((req, res) => {
      seen.requests++;
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served === 2) socket.destroy();
      else res.end('ok');
    });
    flaky.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => closeServer(flaky));
    lb.register({ id: 'flaky', host: '127.0.0.1', port: (flaky.address() as AddressInfo).port });

    expect(await fetch(url).then((r) => r.text())).toBe('ok');
    expect(await fetch(url).then((r) => r.text())).toBe('ok');
    expect(seen.requests).toBe(3);
    expect(lb.stats.failures).toBe(0);
    // A request with a body may have been acted on: it is not sent twice.
    await fetch(url).then((r) => r.text());
    const post = await fetch(url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(502);
    expect(lb.stats.failures).toBe(1);
  });
});
