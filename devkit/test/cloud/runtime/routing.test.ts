/**
 * ServiceRouting without Docker: real HTTP servers on 127.0.0.1 stand in for tasks, route actions
 * are written by hand, EC2 state is built with EC2's own functions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Action, RouteTarget } from '../../../src/cloud/scheduler/facts.ts';
import { LOCAL_TIMINGS } from '../../../src/cloud/scheduler/facts.ts';
import { ServiceRouting } from '../../../src/cloud/runtime/routing.ts';
import { initialEc2State } from '../../../src/cloud/services/ec2/default-vpc.ts';
import { addSecurityGroup } from '../../../src/cloud/services/ec2/security-groups.ts';
import { addRules } from '../../../src/cloud/services/ec2/security-group-rules.ts';
import type { EcsState, ServiceRecord } from '../../../src/cloud/services/ecs/state.ts';
import { initialEcsState } from '../../../src/cloud/services/ecs/state.ts';
import { freePort } from '../harness.ts';

const SERVICE_ARN = 'arn:aws:ecs:us-east-1:000000000000:service/apps/web';
const TD_ARN = 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1';

function serviceRecord(overrides: Partial<ServiceRecord> = {}): ServiceRecord {
  return {
    serviceArn: SERVICE_ARN,
    serviceName: 'web',
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/apps',
    status: 'ACTIVE',
    desiredCount: 2,
    taskDefinition: TD_ARN,
    deployments: [],
    events: [],
    ...overrides,
  };
}

/** A stand-in task: answers with its name after `answerAfter` (milliseconds, or a gate). */
async function task(
  name: string,
  answerAfter: number | Promise<void> = 0,
): Promise<{ server: Server; port: number; received: { count: number } }> {
  const received = { count: 0 };
  const server = createServer((_req, res) => {
    received.count++;
    if (typeof answerAfter === 'number') setTimeout(() => res.end(name), answerAfter);
    else void answerAfter.then(() => res.end(name));
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

function route(
  listenPort: number,
  taskArns: string[],
  unavailable?: string,
): Extract<Action, { kind: 'route' }> {
  return {
    kind: 'route',
    serviceArn: SERVICE_ARN,
    listenPort,
    containerPort: 8080,
    targets: taskArns.map((taskArn) => ({ taskArn, containerName: 'app', containerPort: 8080 })),
    ...(unavailable ? { unavailable } : {}),
  };
}

describe('service routing', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Routing plus stand-in tasks by ARN, reached through `resolve`. */
  async function setup(names: Array<[string, (number | Promise<void>)?]>, delaySeconds = 10) {
    const routing = new ServiceRouting({
      timings: { ...LOCAL_TIMINGS, deregistrationDelaySeconds: delaySeconds },
    });
    cleanups.push(() => routing.close());
    const ports = new Map<string, number>();
    const counts = new Map<string, { count: number }>();
    for (const [name, delayMs] of names) {
      const t = await task(name, delayMs);
      cleanups.push(() => closeServer(t.server));
      ports.set(name, t.port);
      counts.set(name, t.received);
    }
    /** Resolves once the stand-in task got `count` requests. */
    const received = (name: string, count: number) =>
      vi.waitFor(() => expect(counts.get(name)!.count).toBe(count));
    const resolve = (target: RouteTarget) => {
      const port = ports.get(target.taskArn);
      return port === undefined ? undefined : { host: '127.0.0.1', port };
    };
    const listenPort = await freePort();
    const url = `http://127.0.0.1:${listenPort}/`;
    const listening = () =>
      vi.waitFor(() => expect(routing.listeners().map((l) => l.port)).toContain(listenPort));
    return { routing, resolve, listenPort, url, listening, received };
  }

  const answers = (url: string, count: number) =>
    Promise.all(Array.from({ length: count }, () => fetch(url).then((r) => r.text())));

  it('listens on the action’s port and routes to exactly the targets it names', async () => {
    const { routing, resolve, listenPort, url, listening } = await setup([['a'], ['b'], ['c']]);
    const service = serviceRecord();
    routing.apply(route(listenPort, ['a', 'b']), service, resolve);
    await listening();
    expect(new Set(await answers(url, 10))).toEqual(new Set(['a', 'b']));
    expect(routing.listeners()).toEqual([
      {
        serviceArn: SERVICE_ARN,
        serviceName: 'web',
        port: listenPort,
        targets: 2,
        requests: 10,
        failures: 0,
        retries: 0,
      },
    ]);

    routing.apply(route(listenPort, ['b', 'c']), service, resolve);
    expect(new Set(await answers(url, 10))).toEqual(new Set(['b', 'c']));
    expect(routing.listeners()[0]!.targets).toBe(2);
  });

  it('adds a target once its address is known', async () => {
    const { routing, resolve, listenPort, url, listening } = await setup([['a']]);
    routing.apply(route(listenPort, ['a', 'not-yet-published']), serviceRecord(), resolve);
    await listening();
    expect(new Set(await answers(url, 4))).toEqual(new Set(['a']));
    expect(routing.listeners()[0]!.targets).toBe(1);
  });

  it('drains a removed target: its in-flight requests finish, new ones go elsewhere', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { routing, resolve, listenPort, url, listening, received } = await setup([['old', gate], ['new']]);
    const service = serviceRecord();
    routing.apply(route(listenPort, ['old']), service, resolve);
    await listening();
    const inFlight = answers(url, 4);
    await received('old', 4);

    routing.apply(route(listenPort, ['new']), service, resolve);
    let drained = false;
    const draining = routing.drain('old').then(() => (drained = true));
    expect(await answers(url, 3)).toEqual(['new', 'new', 'new']);
    // Held requests keep the drain open (the delay is 10 s).
    expect(drained).toBe(false);
    release();
    expect(await inFlight).toEqual(['old', 'old', 'old', 'old']);
    await draining;
  });

  it('drain stops routing to the task at once, even before a route action removed it', async () => {
    const { routing, resolve, listenPort, url, listening } = await setup([['a'], ['b']]);
    routing.apply(route(listenPort, ['a', 'b']), serviceRecord(), resolve);
    await listening();
    await routing.drain('a');
    expect(await answers(url, 4)).toEqual(['b', 'b', 'b', 'b']);
  });

  it('resolves drain at once for a task it never routed to', async () => {
    const { routing } = await setup([]);
    await expect(routing.drain('never-routed')).resolves.toBeUndefined();
  });

  it('gives up on a drain after the deregistration delay', async () => {
    // The target never answers; a 0.2 s delay must still let the stop go on.
    const { routing, resolve, listenPort, url, listening, received } = await setup([['stuck', 60_000]], 0.2);
    routing.apply(route(listenPort, ['stuck']), serviceRecord(), resolve);
    await listening();
    const request = fetch(url).catch(() => 'aborted');
    await received('stuck', 1);
    await routing.drain('stuck');
    await routing.close();
    await request;
  });

  it('answers 503 with the reason when there is nothing to route to', async () => {
    const { routing, resolve, listenPort, url, listening } = await setup([['a']]);
    const service = serviceRecord();
    routing.apply(route(listenPort, []), service, resolve);
    await listening();
    let res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: {
        code: 'no_healthy_targets',
        message: '(service web) has no RUNNING and HEALTHY task to route to.',
      },
    });

    routing.apply(route(listenPort, [], 'No inbound rule allows tcp/8080.'), service, resolve);
    res = await fetch(url);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'No inbound rule allows tcp/8080.',
    );
  });

  it('reports a taken port in the service events once, keeps running, and listens once it is free', async () => {
    const blocker = await task('someone else');
    const onServiceEvent = vi.fn();
    const routing = new ServiceRouting({ timings: LOCAL_TIMINGS, onServiceEvent, listenRetryMs: 0 });
    cleanups.push(() => routing.close());
    const service = serviceRecord();
    const target = await task('a');
    cleanups.push(() => closeServer(target.server));
    const resolve = () => ({ host: '127.0.0.1', port: target.port });
    // Every apply tries again; the event is written once.
    for (let attempt = 0; attempt < 3; attempt++) {
      routing.apply(route(blocker.port, ['a']), service, resolve);
      await vi.waitFor(() => expect(service.events).toHaveLength(1));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(service.events.map((e) => e.message)).toEqual([
      `(service web) was unable to start its load balancer on 127.0.0.1:${blocker.port}: the port is ` +
        'already in use. Free the port, or tag the service with devkit:load-balancer-port=<another port>.',
    ]);
    expect(onServiceEvent).toHaveBeenCalledTimes(1);
    expect(routing.listeners()).toEqual([]);
    expect(await fetch(`http://127.0.0.1:${blocker.port}/`).then((r) => r.text())).toBe('someone else');

    await closeServer(blocker.server);
    await vi.waitFor(async () => {
      routing.apply(route(blocker.port, ['a']), service, resolve);
      expect(await fetch(`http://127.0.0.1:${blocker.port}/`).then((r) => r.text())).toBe('a');
    });
    expect(routing.listeners()).toEqual([
      {
        serviceArn: SERVICE_ARN,
        serviceName: 'web',
        port: blocker.port,
        targets: 1,
        requests: 1,
        failures: 0,
        retries: 0,
      },
    ]);
  });

  it('moves to a new port when the action’s port changes', async () => {
    const { routing, resolve, listenPort, url, listening } = await setup([['a']]);
    const service = serviceRecord();
    routing.apply(route(listenPort, ['a']), service, resolve);
    await listening();
    const next = await freePort();
    routing.apply(route(next, ['a']), service, resolve);
    await vi.waitFor(() => expect(routing.listeners().map((l) => l.port)).toEqual([next]));
    expect(await fetch(`http://127.0.0.1:${next}/`).then((r) => r.text())).toBe('a');
    await vi.waitFor(() => expect(fetch(url)).rejects.toThrow());
  });

  it('closes a deleted service’s load balancer once nothing is left to route to', async () => {
    const { routing, resolve, listenPort, url, listening } = await setup([['a']]);
    const service = serviceRecord();
    routing.apply(route(listenPort, ['a']), service, resolve);
    await listening();
    service.status = 'DRAINING';
    routing.apply(route(listenPort, ['a']), service, resolve);
    expect(await fetch(url).then((r) => r.text())).toBe('a');
    routing.apply(route(listenPort, []), service, resolve);
    expect(routing.listeners()).toEqual([]);
    await vi.waitFor(() => expect(fetch(url)).rejects.toThrow());
  });
});

describe('security-group reachability', () => {
  function world(securityGroups?: string[]) {
    const ec2 = initialEc2State('us-east-1');
    const vpc = Object.values(ec2.vpcs)[0]!;
    const subnet = Object.values(ec2.subnets).find((s) => s.vpcId === vpc.id)!;
    const ecs: EcsState = initialEcsState();
    ecs.taskDefinitions.web = [
      {
        taskDefinitionArn: TD_ARN,
        family: 'web',
        revision: 1,
        status: 'ACTIVE',
        containerDefinitions: [
          { name: 'sidecar', image: 'x', essential: false, portMappings: [{ containerPort: 9000 }] },
          { name: 'app', image: 'y', portMappings: [{ containerPort: 8080 }] },
        ],
      },
    ];
    const group = addSecurityGroup(ec2, vpc.id, 'web', 'web tasks');
    ecs.services[SERVICE_ARN] = serviceRecord({
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [subnet.id],
          ...(securityGroups
            ? { securityGroups: securityGroups.map((g) => (g === 'web' ? group.id : g)) }
            : {}),
        },
      },
    });
    return { ec2, ecs, group, routing: new ServiceRouting({ timings: LOCAL_TIMINGS }) };
  }

  it('finds a service unreachable when no ingress rule admits the container port, and says how to fix it', () => {
    const { ec2, ecs, group, routing } = world(['web']);
    expect(routing.unreachable(ecs, ec2)).toEqual(
      new Map([
        [
          SERVICE_ARN,
          `No inbound rule of security group ${group.id} allows tcp/8080, so the load balancer cannot ` +
            'reach the tasks. Add one (AuthorizeSecurityGroupIngress) for port 8080.',
        ],
      ]),
    );
    // A rule for another port does not help; one for 8080 does.
    addRules(group, [
      { isEgress: false, ipProtocol: 'tcp', fromPort: 9000, toPort: 9000, cidrIpv4: '0.0.0.0/0' },
    ]);
    expect(routing.unreachable(ecs, ec2).has(SERVICE_ARN)).toBe(true);
    addRules(group, [
      { isEgress: false, ipProtocol: 'tcp', fromPort: 8000, toPort: 8100, cidrIpv4: '10.0.0.0/8' },
    ]);
    expect(routing.unreachable(ecs, ec2).size).toBe(0);
  });

  it('uses the container port of the service’s load balancer when it names one', () => {
    const { ec2, ecs, group, routing } = world(['web']);
    addRules(group, [
      { isEgress: false, ipProtocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '0.0.0.0/0' },
    ]);
    ecs.services[SERVICE_ARN]!.loadBalancers = [{ containerName: 'sidecar', containerPort: 9000 }];
    expect(routing.unreachable(ecs, ec2).get(SERVICE_ARN)).toContain('allows tcp/9000');
  });

  it('falls back to the VPC’s default group, which admits its own traffic, when the service names none', () => {
    const { ec2, ecs, routing } = world();
    expect(routing.unreachable(ecs, ec2).size).toBe(0);
  });

  it('admits nothing through a group id EC2 does not know', () => {
    const { ec2, ecs, routing } = world(['sg-0000000000000dead']);
    expect(routing.unreachable(ecs, ec2).get(SERVICE_ARN)).toContain('sg-0000000000000dead');
  });
});
