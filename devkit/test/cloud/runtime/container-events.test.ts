/**
 * The engine's container events as the runtime follows them, on the real Docker engine: a kill,
 * a stop and a failing health check are told for this cloud's containers only; the stream is
 * followed again after it is cut and after the engine was away, missing nothing in between.
 * The engine is reached through a TCP proxy the test can cut (the engine itself is shared).
 */
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import { connect, createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ContainerEvent } from '../../../src/cloud/runtime/container-events.ts';
import { ContainerEvents, containerEvent } from '../../../src/cloud/runtime/container-events.ts';
import { LABELS } from '../../../src/cloud/runtime/labels.ts';
import { dockerAvailable } from '../docker-cli.ts';
import { startTestCloud } from '../harness.ts';
import { buildFixtureImage } from './fixture.ts';

describe('container events: which engine events count', () => {
  const actor = (attributes: Record<string, string>) => ({
    ID: 'c1',
    Attributes: { [LABELS.taskArn]: 'arn:task', ...attributes },
  });

  it('tells a death, an ending signal (by number or name) and a failed or passed health check', () => {
    const told = (Action: string, attributes: Record<string, string> = {}) =>
      containerEvent({ Type: 'container', Action, Actor: actor(attributes) })?.kind;
    expect(told('die', { exitCode: '137' })).toBe('died');
    expect(told('kill', { signal: '9' })).toBe('signalled');
    expect(told('kill', { signal: '15' })).toBe('signalled');
    expect(told('kill', { signal: 'SIGTERM' })).toBe('signalled');
    expect(told('kill', { signal: 'INT' })).toBe('signalled');
    expect(told('health_status: unhealthy')).toBe('unhealthy');
    expect(told('health_status: healthy')).toBe('healthy');
    // Signals a process lives through, and other events: nothing to do.
    expect(told('kill', { signal: '1' })).toBeUndefined();
    expect(told('kill', { signal: 'SIGUSR1' })).toBeUndefined();
    expect(told('kill')).toBeUndefined();
    expect(told('start')).toBeUndefined();
  });

  it('ignores events of containers that are no task’s, and of other object types', () => {
    expect(containerEvent({ Type: 'container', Action: 'die', Actor: { ID: 'c1', Attributes: {} } })).toBe(
      undefined,
    );
    expect(containerEvent({ Type: 'network', Action: 'die', Actor: actor({}) })).toBeUndefined();
    expect(containerEvent({})).toBeUndefined();
  });
});

/** A TCP proxy to the engine's API that the test can cut, or make refuse (reset) every connection. */
async function engineProxy(): Promise<{
  docker: Docker;
  cut(): void;
  away(): void;
  back(): void;
  attemptsWhileAway: number;
  close(): Promise<void>;
}> {
  // Where the engine listens, as the docker CLI and dockerode read it.
  const where = new URL(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock');
  const toEngine = () =>
    where.protocol === 'unix:' ? connect(where.pathname) : connect(Number(where.port), where.hostname);
  const open = new Set<Socket>();
  let isAway = false;
  const proxy = {
    attemptsWhileAway: 0,
  };
  const server: Server = createServer((client) => {
    if (isAway) {
      proxy.attemptsWhileAway++;
      client.resetAndDestroy();
      return;
    }
    const upstream = toEngine();
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    for (const socket of open) socket.destroy();
  };
  return Object.assign(proxy, {
    docker: new Docker({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, protocol: 'http' }),
    cut,
    away() {
      isAway = true;
      cut();
    },
    back() {
      isAway = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  });
}

describe.skipIf(!dockerAvailable)('container events from the real engine', () => {
  const engine = new Docker();
  const run = randomUUID();
  /** The label of this test's containers, the way a cloud's managed label filter picks its own. */
  const ours = `${LABELS.cloud}=${run}`;
  let image: string;
  const created: Docker.Container[] = [];
  const watchers: ContainerEvents[] = [];

  beforeAll(async () => {
    image = await buildFixtureImage(engine);
  }, 180_000);
  afterEach(() => {
    for (const watcher of watchers.splice(0)) watcher.close();
  });
  afterAll(async () => {
    await Promise.all(created.map((c) => c.remove({ force: true }).catch(() => undefined)));
  }, 60_000);

  /** Starts a fixture container labelled as task `taskArn` (of this test, unless `foreign`). */
  async function task(
    taskArn: string,
    options: { foreign?: boolean; healthCheck?: string[] } = {},
  ): Promise<Docker.Container> {
    const container = await engine.createContainer({
      Image: image,
      Labels: {
        [LABELS.taskArn]: taskArn,
        [LABELS.cloud]: options.foreign ? `other-${run}` : run,
      },
      ...(options.healthCheck
        ? { Healthcheck: { Test: options.healthCheck, Interval: 1e9, Timeout: 30e9, Retries: 1 } }
        : {}),
      StopTimeout: 5,
    });
    created.push(container);
    await container.start();
    return container;
  }

  async function watch(docker: Docker): Promise<ContainerEvent[]> {
    const seen: ContainerEvent[] = [];
    const watcher = new ContainerEvents(docker, {
      labels: [ours],
      onEvent: (event) => seen.push(event),
      retryMs: 100,
    });
    watchers.push(watcher);
    await watcher.start();
    return seen;
  }

  const kinds = (seen: ContainerEvent[], taskArn: string) =>
    seen.filter((e) => e.taskArn === taskArn).map((e) => e.kind);

  it('tells a kill, a stop and a failed health check of its own containers only', async () => {
    const seen = await watch(engine);
    const [killed, foreign, stopped, sick] = await Promise.all([
      task('task/killed'),
      task('task/foreign', { foreign: true }),
      task('task/stopped'),
      task('task/sick', { healthCheck: ['CMD', 'node', '-e', 'process.exit(1)'] }),
    ]);
    await Promise.all([killed.kill(), foreign.kill(), stopped.stop()]);
    await vi.waitFor(
      () => {
        expect(kinds(seen, 'task/killed')).toEqual(['signalled', 'died']);
        // SIGTERM, and SIGKILL too if the fixture took longer than its stop timeout to exit.
        expect(kinds(seen, 'task/stopped')[0]).toBe('signalled');
        expect(kinds(seen, 'task/stopped').at(-1)).toBe('died');
        expect(kinds(seen, 'task/sick')).toEqual(['unhealthy']);
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(kinds(seen, 'task/foreign')).toEqual([]);
    expect(seen.find((e) => e.taskArn === 'task/killed')?.containerId).toBe(killed.id);
    await sick.kill();
  }, 120_000);

  it('follows again after the stream was cut and after the engine was away, missing nothing between', async () => {
    const proxy = await engineProxy();
    try {
      const seen = await watch(proxy.docker);
      const [first, second, third] = await Promise.all(
        ['task/first', 'task/second', 'task/third'].map((arn) => task(arn)),
      );
      await first!.kill();
      await vi.waitFor(() => expect(kinds(seen, 'task/first')).toContain('died'), { timeout: 30_000 });

      // Cut: the stream ends; a container dies before the watcher is back on.
      proxy.cut();
      await second!.kill();
      await vi.waitFor(() => expect(kinds(seen, 'task/second')).toContain('died'), { timeout: 30_000 });

      // Away: every connection to the engine fails for a while; the watcher keeps trying.
      proxy.away();
      await third!.kill();
      await vi.waitFor(() => expect(proxy.attemptsWhileAway).toBeGreaterThanOrEqual(3), { timeout: 30_000 });
      expect(kinds(seen, 'task/third')).toEqual([]);
      proxy.back();
      await vi.waitFor(() => expect(kinds(seen, 'task/third')).toContain('died'), { timeout: 30_000 });
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('starts while the engine is away and tells what happens once it is back', async () => {
    const proxy = await engineProxy();
    try {
      proxy.away();
      const seen = await watch(proxy.docker);
      await vi.waitFor(() => expect(proxy.attemptsWhileAway).toBeGreaterThanOrEqual(2), { timeout: 30_000 });
      proxy.back();
      const container = await task('task/late');
      await container.kill();
      await vi.waitFor(() => expect(kinds(seen, 'task/late')).toContain('died'), { timeout: 30_000 });
    } finally {
      await proxy.close();
    }
  }, 120_000);
});

describe('a cloud whose Docker engine is not there', () => {
  it('starts, says so in its health output, and closes', async () => {
    const t = await startTestCloud({
      runtime: { docker: new Docker({ socketPath: '/nonexistent/devkit-test/docker.sock' }) },
    });
    try {
      const health = (await fetch(`${t.cloud.url}/_devkit/health`).then((r) => r.json())) as {
        runtime: { docker: { reachable: boolean; error?: string } };
      };
      expect(health.runtime.docker).toMatchObject({
        reachable: false,
        error: expect.stringContaining('ENOENT'),
      });
    } finally {
      await t.dispose();
    }
  });
});
