import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoadBalancer } from '../../../src/cloud/lb/load-balancer.ts';

/** A target that answers after `delayMs` with its own name (and the body it got, if any). */
async function target(
  name: string,
  delayMs = 0,
): Promise<{ server: Server; port: number; received: { count: number } }> {
  const received = { count: 0 };
  const server = createServer((req, res) => {
    received.count++;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += String(chunk)));
    req.on('end', () => setTimeout(() => res.end(body ? `${name} ${body}` : name), delayMs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

/** A port nothing listens on: connections to it are refused. */
async function refusingPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A target that accepts each connection and resets it (RST) without answering: at once, or once
 * the request's first bytes arrived (unread by any app, as when docker-proxy finds no container).
 */
async function resetting(
  when: 'on-accept' | 'on-request',
): Promise<{ server: TcpServer; port: number; resets: { count: number } }> {
  const resets = { count: 0 };
  const server = createTcpServer((socket) => {
    const reset = () => {
      resets.count++;
      socket.resetAndDestroy();
    };
    if (when === 'on-accept') reset();
    else socket.once('readable', reset);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, resets };
}

/** POST through `url`; the body is sent only once `ready` resolves (headers go at once). */
function post(
  url: string,
  body: string,
  ready?: Promise<unknown>,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += String(chunk)));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.flushHeaders();
    void Promise.resolve(ready).then(() => req.end(body));
  });
}

function closeServer(server: Server | TcpServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ('closeAllConnections' in server) server.closeAllConnections();
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

  it('sends a request whose connection was refused to another target, whatever its method', async () => {
    const { lb, url } = await balancer();
    const healthy = await target('healthy');
    cleanups.push(() => closeServer(healthy.server));
    lb.register({ id: 'dead', host: '127.0.0.1', port: await refusingPort() });
    lb.register({ id: 'healthy', host: '127.0.0.1', port: healthy.port });

    const gets = await Promise.all(Array.from({ length: 6 }, () => fetch(url).then((r) => r.text())));
    expect(gets).toEqual(Array(6).fill('healthy'));
    // Nothing reached the dead target, so a request with a body is safe to send elsewhere too.
    const posts = await Promise.all(Array.from({ length: 4 }, (_, i) => post(url, `body ${i}`)));
    expect(posts).toEqual([0, 1, 2, 3].map((i) => ({ status: 200, text: `healthy body ${i}` })));
    expect(lb.stats).toMatchObject({ requests: 10, failures: 0 });
    // Round robin sent some of them to the dead target first.
    expect(lb.stats.retries).toBeGreaterThan(0);
  });

  it('answers 502 once every target refused: each is tried once', async () => {
    const { lb, url } = await balancer();
    for (const id of ['a', 'b']) lb.register({ id, host: '127.0.0.1', port: await refusingPort() });
    const res = await fetch(url);
    expect(res.status).toBe(502);
    expect(lb.stats).toEqual({ requests: 1, failures: 1, retries: 1 });
  });

  it('sends a request elsewhere when the target reset the connection before any of it was sent', async () => {
    const { lb, url } = await balancer();
    const reset = await resetting('on-accept');
    const healthy = await target('healthy');
    cleanups.push(
      () => closeServer(reset.server),
      () => closeServer(healthy.server),
    );
    lb.register({ id: 'reset', host: '127.0.0.1', port: reset.port });
    lb.register({ id: 'healthy', host: '127.0.0.1', port: healthy.port });

    // The body comes only after the reset target dropped the connection and the load balancer
    // moved on: nothing of the POST was sent to the reset target, so it lands on the other one.
    const retried = vi.waitFor(() => expect(lb.stats.retries).toBe(1));
    expect(await post(url, 'late body', retried)).toEqual({ status: 200, text: 'healthy late body' });
    expect(reset.resets.count).toBe(1);
    expect(lb.stats.failures).toBe(0);
  });

  it('does not send a request with a body twice once it was sent; a bodyless GET goes elsewhere', async () => {
    const { lb, url } = await balancer();
    const reset = await resetting('on-request');
    const healthy = await target('healthy');
    cleanups.push(
      () => closeServer(reset.server),
      () => closeServer(healthy.server),
    );
    lb.register({ id: 'reset', host: '127.0.0.1', port: reset.port });
    lb.register({ id: 'healthy', host: '127.0.0.1', port: healthy.port });

    // Round robin starts half of the POSTs on the reset target. They were written before the
    // reset came: they may have been read, so they are not sent again.
    const posts = [];
    for (let i = 0; i < 6; i++) posts.push(await post(url, 'at once'));
    const postResets = reset.resets.count;
    expect(postResets).toBeGreaterThan(0);
    expect(posts.filter((p) => p.status === 502)).toHaveLength(postResets);
    expect(posts.filter((p) => p.status === 200)).toHaveLength(6 - postResets);
    expect(lb.stats).toMatchObject({ failures: postResets, retries: 0 });
    // A bodyless GET is idempotent: sent or not, it goes to the other target.
    const gets = [];
    for (let i = 0; i < 6; i++) gets.push(await fetch(url).then((r) => r.text()));
    expect(gets).toEqual(Array(6).fill('healthy'));
    expect(reset.resets.count).toBeGreaterThan(postResets);
    expect(lb.stats).toEqual({
      requests: 12,
      failures: postResets,
      retries: reset.resets.count - postResets,
    });
  });
});
