/**
 * The ELBv2 data plane against the recorded state, without Docker: real HTTP servers stand in
 * for tasks (each "task IP" resolves to a server on 127.0.0.1), the load balancer, target groups,
 * listener and rules are made through the real SDK, and requests go through the listener's port.
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApplicationLoadBalancers,
  listenFailedReason,
} from '../../../src/cloud/lb/application-load-balancers.ts';
import { LOCAL_TIMINGS } from '../../../src/cloud/scheduler/facts.ts';
import { freePort, startTestCloud, type TestCloud } from '../harness.ts';
import { waitFor } from '../runtime/fixture.ts';

/** A stand-in task: answers its name, and /health with `healthStatus`. */
async function task(name: string, healthStatus = 200): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url === '/health') res.writeHead(healthStatus).end();
    else res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let t: TestCloud;
let elb: ElasticLoadBalancingV2Client;
let plane: ApplicationLoadBalancers;
let ticker: NodeJS.Timeout;
const tasks = new Map<string, { server: Server; port: number }>();
let lbArn: string;
let apiGroup: string;
let listenerPort: number;

/** GET through the listener (node:http, so the Host header is the test's to set). */
function get(path: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: listenerPort, path, headers: host ? { host } : {}, timeout: 5000 },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function health(targetGroupArn: string) {
  const { TargetHealthDescriptions } = await elb.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }),
  );
  return Object.fromEntries(TargetHealthDescriptions!.map((d) => [d.Target!.Id!, d.TargetHealth!]));
}

beforeAll(async () => {
  t = await startTestCloud();
  elb = new ElasticLoadBalancingV2Client(t.clientConfig);
  const ec2 = new EC2Client(t.clientConfig);
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
  ec2.destroy();
  tasks.set('172.31.0.10', await task('api'));
  tasks.set('172.31.0.12', await task('api-broken', 500));
  tasks.set('172.31.0.11', await task('admin'));
  plane = new ApplicationLoadBalancers({
    store: t.cloud.store,
    timings: {
      ...LOCAL_TIMINGS,
      healthCheckIntervalSeconds: 0.2,
      targetHealthCheckIntervalSeconds: 0.2,
      deregistrationDelaySeconds: 2,
    },
    resolve: (_region, target) => {
      const found = tasks.get(target.id);
      return found ? { host: '127.0.0.1', port: found.port } : undefined;
    },
    listenRetryMs: 200,
  });
  ticker = setInterval(() => plane.sync(), 100);

  const lb = await elb.send(
    new CreateLoadBalancerCommand({ Name: 'plane', Subnets: Subnets!.slice(0, 2).map((s) => s.SubnetId!) }),
  );
  lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const vpcId = Subnets![0]!.VpcId!;
  const group = async (name: string) =>
    (
      await elb.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'HTTP',
          Port: 8080,
          VpcId: vpcId,
          TargetType: 'ip',
          HealthCheckPath: '/health',
          HealthCheckIntervalSeconds: 5,
          HealthCheckTimeoutSeconds: 2,
          HealthyThresholdCount: 2,
          UnhealthyThresholdCount: 2,
        }),
      )
    ).TargetGroups![0]!.TargetGroupArn!;
  apiGroup = await group('api');
  const adminGroup = await group('admin');
  listenerPort = await freePort();
  const { Listeners } = await elb.send(
    new CreateListenerCommand({
      LoadBalancerArn: lbArn,
      Port: listenerPort,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: apiGroup }],
    }),
  );
  const listenerArn = Listeners![0]!.ListenerArn!;
  await elb.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 10,
      Conditions: [{ Field: 'path-pattern', Values: ['/admin/*'] }],
      Actions: [{ Type: 'forward', TargetGroupArn: adminGroup }],
    }),
  );
  await elb.send(
    new CreateRuleCommand({
      ListenerArn: listenerArn,
      Priority: 20,
      Conditions: [{ Field: 'host-header', Values: ['*.example.com'] }],
      Actions: [
        {
          Type: 'fixed-response',
          FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'teapot' },
        },
      ],
    }),
  );
  await elb.send(
    new RegisterTargetsCommand({
      TargetGroupArn: apiGroup,
      Targets: [{ Id: '172.31.0.10' }, { Id: '172.31.0.12' }],
    }),
  );
  await elb.send(
    new RegisterTargetsCommand({ TargetGroupArn: adminGroup, Targets: [{ Id: '172.31.0.11' }] }),
  );
}, 60_000);

afterAll(async () => {
  clearInterval(ticker);
  await plane.close();
  for (const { server } of tasks.values()) server.close();
  elb.destroy();
  await t.dispose();
});

describe('an Application Load Balancer’s listener', () => {
  it('takes targets through AWS’s health states, with the reasons DescribeTargetHealth reports', async () => {
    const settled = await waitFor(
      'both api targets to be checked',
      () => health(apiGroup),
      (h) => h['172.31.0.10']?.State === 'healthy' && h['172.31.0.12']?.State === 'unhealthy',
      30_000,
    );
    expect(settled).toEqual({
      '172.31.0.10': { State: 'healthy' },
      '172.31.0.12': {
        State: 'unhealthy',
        Reason: 'Target.ResponseCodeMismatch',
        Description: 'Health checks failed with these codes: [500]',
      },
    });
  });

  it('forwards by its rules, only to healthy targets, and answers fixed responses itself', async () => {
    await waitFor(
      'a healthy api target',
      () => get('/'),
      (r) => r.status === 200,
      30_000,
    );
    const answers = new Set<string>();
    for (let i = 0; i < 10; i++) answers.add((await get('/')).body);
    expect(answers).toEqual(new Set(['api']));
    const admin = await waitFor(
      'the admin rule',
      () => get('/admin/users'),
      (r) => r.status === 200,
      30_000,
    );
    expect(admin.body).toBe('admin');
    expect(await get('/', 'shop.example.com')).toEqual({ status: 418, body: 'teapot' });
  });

  it('drains a deregistered target and answers 503 with the reason once none is healthy', async () => {
    await elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: apiGroup, Targets: [{ Id: '172.31.0.10' }] }),
    );
    const refused = await waitFor(
      'no healthy target',
      () => get('/'),
      (r) => r.status === 503,
      30_000,
    );
    const { error } = JSON.parse(refused.body) as { error: { code: string; message: string } };
    expect(error.code).toBe('no_healthy_targets');
    // The count depends on whether the drain finished yet: 1 or 2 registered.
    expect(error.message).toMatch(/^Target group api has no healthy targets \([12] registered\)\.$/);
    // With nothing in flight, the deregistration completes at once, as on AWS.
    const gone = await waitFor(
      'the target to leave',
      () => health(apiGroup),
      (h) => !h['172.31.0.10'],
      30_000,
    );
    expect(Object.keys(gone)).toEqual(['172.31.0.12']);
  });

  it('puts a taken port in the load balancer’s state, and serves once it is free', async () => {
    const blocker = createServer((_req, res) => res.end('someone else'));
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lbArn,
        Port: port,
        DefaultActions: [
          { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200', MessageBody: 'second' } },
        ],
      }),
    );
    const state = async () =>
      (await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] }))).LoadBalancers![0]!
        .State;
    const impaired = await waitFor('the reason', state, (s) => s?.Code === 'active_impaired', 30_000);
    expect(impaired).toEqual({ Code: 'active_impaired', Reason: listenFailedReason(port, 'EADDRINUSE') });
    await new Promise((resolve) => blocker.close(resolve));
    await waitFor('the state to recover', state, (s) => s?.Code === 'active', 30_000);
    const served = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    expect(served).toBe('second');
  });
});

describe('target group attributes the data plane honours', () => {
  it('keeps the deregistration delay it was given', async () => {
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: apiGroup,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '0' }],
      }),
    );
    await elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: apiGroup, Targets: [{ Id: '172.31.0.12' }] }),
    );
    // A zero delay deregisters at once.
    expect(await health(apiGroup)).toEqual({});
  });
});
