// The rehearsal's load generator against a real HTTP server that counts what it receives: the bounds
// hold whatever the rate, and every request is counted once, as succeeded or failed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../src/load/load.ts';
import { startLoad, versionsSeen } from '../../src/load/load.ts';

interface Target {
  url: string;
  received: Array<{ method: string; path: string; id: string; body: string }>;
  maxOpen: number;
  close(): Promise<void>;
}

const servers: Target[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(
  handle: (req: IncomingMessage, res: ServerResponse, n: number) => void,
): Promise<Target> {
  let open = 0;
  const target: Target = { url: '', received: [], maxOpen: 0, close: async () => undefined };
  const server = createServer((req, res) => {
    open++;
    target.maxOpen = Math.max(target.maxOpen, open);
    res.once('close', () => open--);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const n = target.received.length;
      target.received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        id: String(req.headers['x-request-id']),
        body,
      });
      handle(req, res, n);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  target.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(target);
  return target;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

function options(url: string, overrides: Partial<LoadOptions> = {}): LoadOptions {
  return {
    baseUrl: url,
    requests: [{ method: 'GET', path: '/v1/info' }],
    ratePerSecond: 200,
    maxInFlight: 4,
    maxRequests: 1_000,
    maxDurationMs: 10_000,
    timeoutMs: 5_000,
    requestIdPrefix: 'load-test',
    ...overrides,
  };
}

describe('the bounded load generator', () => {
  it('counts every request once, failures with their status, and the versions answering in order', async () => {
    // Requests 0-9 answer v1, 10-19 v2; every 7th is a 503.
    const target = await serve((_req, res, n) => {
      if (n % 7 === 3) json(res, 503, { error: { code: 'overloaded' } });
      else json(res, 200, { version: n < 10 ? 'v1' : 'v2' });
    });
    const running = startLoad(options(target.url, { maxRequests: 20, maxInFlight: 1 }));
    while (running.snapshot().stoppedBy !== 'maxRequests') await new Promise((r) => setTimeout(r, 20));
    const load = await running.stop();
    expect(load.sent).toBe(20);
    expect(target.received).toHaveLength(20);
    expect(load.succeeded + load.failed).toBe(20);
    const served503 = target.received.filter((_, n) => n % 7 === 3).length;
    expect(load.failed).toBe(served503);
    expect(load.failures.every((f) => f.status === 503 && f.reason.includes('overloaded'))).toBe(true);
    expect(load.failedByStatus).toEqual({ '503': served503 });
    expect(load.versions.map((run) => run.version)).toEqual(['v1', 'v2']);
    expect(load.versions.reduce((sum, run) => sum + run.count, 0)).toBe(load.succeeded);
    expect(versionsSeen(load)).toEqual(['v1', 'v2']);
    expect(load.stoppedBy).toBe('maxRequests');
    // Each request carried its own id; the successful ones are listed by path.
    expect(target.received.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, n) => `load-test-${n}`));
    expect(load.succeededIds['/v1/info']).toHaveLength(load.succeeded);
  });

  it('sends the requests round-robin, with JSON bodies', async () => {
    const target = await serve((_req, res) => json(res, 200, { answer: 'ok' }));
    const running = startLoad(
      options(target.url, {
        maxRequests: 4,
        requests: [
          { method: 'GET', path: '/v1/info' },
          { method: 'POST', path: '/v1/chat', body: { question: 'What is ECS?' } },
        ],
      }),
    );
    while (running.snapshot().succeeded < 4) await new Promise((r) => setTimeout(r, 20));
    const stats = await running.stop();
    expect(target.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/info',
      'POST /v1/chat',
      'GET /v1/info',
      'POST /v1/chat',
    ]);
    expect(target.received[1]?.body).toBe('{"question":"What is ECS?"}');
    expect(stats.succeededIds['/v1/chat']).toEqual(['load-test-1', 'load-test-3']);
  });

  it('never has more than maxInFlight requests open; starts it cannot send are skipped, not sent', async () => {
    const held: ServerResponse[] = [];
    const target = await serve((_req, res) => held.push(res));
    const running = startLoad(options(target.url, { maxInFlight: 3, ratePerSecond: 100 }));
    while (running.snapshot().skipped < 10) await new Promise((r) => setTimeout(r, 20));
    expect(running.snapshot().sent).toBe(3);
    for (const res of held) json(res, 200, { version: 'v1' });
    const stats = await running.stop();
    expect(target.maxOpen).toBeLessThanOrEqual(3);
    expect(stats.sent).toBe(target.received.length);
    expect(stats.skipped).toBeGreaterThanOrEqual(10);
    expect(stats.failed).toBe(0);
  });

  it('times each successful request, start to last byte (failures are not timed)', async () => {
    // Every other request is held 100 ms before a 200; the rest fail at once.
    const target = await serve((_req, res, n) => {
      if (n % 2 === 1) json(res, 500, {});
      else setTimeout(() => json(res, 200, {}), 100);
    });
    const running = startLoad(options(target.url, { maxRequests: 6 }));
    while (running.snapshot().succeeded + running.snapshot().failed < 6) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const stats = await running.stop();
    expect(stats.succeeded).toBe(3);
    expect(stats.latenciesMs).toHaveLength(3);
    // A reply held 100 ms cannot arrive sooner (a floor, not a timing assertion).
    for (const ms of stats.latenciesMs) expect(ms).toBeGreaterThanOrEqual(99);
  });

  it('stops by itself at maxDurationMs', async () => {
    const target = await serve((_req, res) => json(res, 200, {}));
    const running = startLoad(options(target.url, { ratePerSecond: 20, maxDurationMs: 300 }));
    while (running.snapshot().stoppedBy !== 'maxDuration') await new Promise((r) => setTimeout(r, 20));
    const stats = await running.stop();
    expect(stats.stoppedBy).toBe('maxDuration');
    // Paced at 20/s for 0.3 s: at most 6 starts plus the one at t=0.
    expect(stats.sent).toBeLessThanOrEqual(7);
    expect(stats.sent).toBe(target.received.length);
  });

  it('counts timeouts and refused connections as failures', async () => {
    const target = await serve(() => undefined); // never answers
    const hanging = await (async () => {
      const running = startLoad(options(target.url, { maxRequests: 2, timeoutMs: 200 }));
      while (running.snapshot().failed < 2) await new Promise((r) => setTimeout(r, 20));
      return running.stop();
    })();
    expect(hanging).toMatchObject({ sent: 2, succeeded: 0, failed: 2 });
    expect(hanging.failures.map((f) => f.status)).toEqual([undefined, undefined]);
    expect(hanging.failedByStatus).toEqual({ network: 2 });
    expect(hanging.failures[0]?.reason).toMatch(/timeout|aborted/i);

    const closed = await serve(() => undefined);
    await closed.close();
    const running = startLoad(options(closed.url, { maxRequests: 3 }));
    while (running.snapshot().failed < 3) await new Promise((r) => setTimeout(r, 20));
    const refused = await running.stop();
    expect(refused).toMatchObject({ sent: 3, succeeded: 0, failed: 3 });
  });

  it('refuses unbounded settings', () => {
    expect(() => startLoad(options('http://127.0.0.1:1', { maxRequests: Infinity }))).toThrow(
      /maxRequests must be a positive finite number/,
    );
    expect(() => startLoad(options('http://127.0.0.1:1', { maxDurationMs: 0 }))).toThrow(RangeError);
    expect(() => startLoad(options('http://127.0.0.1:1', { maxInFlight: -1 }))).toThrow(RangeError);
    expect(() => startLoad(options('http://127.0.0.1:1', { requests: [] }))).toThrow(/requests/);
  });
});
