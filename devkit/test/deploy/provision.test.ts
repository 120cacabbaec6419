import { PutRetentionPolicyCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AttachRolePolicyCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import type { PlannedChange, ProgressEvent } from '../../src/deploy/progress.ts';
import { provision } from '../../src/deploy/provision.ts';
import { removeStack } from '../../src/deploy/remove.ts';
import type { Stack } from '../../src/stack/load.ts';
import { loadStack } from '../../src/stack/load.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, freePort, REGION, startTestCloud } from '../cloud/harness.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;
/** What a hand-made execution role usually has: pulls from any repository, writes to any log group. */
const MANAGED_EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

/** Runs a provisioning call and returns the plan it reported. */
async function planOf(
  run: (progress: { report(e: ProgressEvent): void }) => Promise<unknown>,
): Promise<PlannedChange[]> {
  const events: ProgressEvent[] = [];
  await run({ report: (event) => events.push(event) });
  const plan = events.find((e) => e.kind === 'plan');
  if (!plan || plan.kind !== 'plan') throw new Error('no plan reported');
  return plan.changes;
}

const actions = (changes: PlannedChange[]) => [...new Set(changes.map((c) => c.action))];
const changed = (changes: PlannedChange[]) =>
  changes
    .filter((c) => c.action !== 'unchanged')
    .map((c) => ({ type: c.type, action: c.action, details: c.details }));

describe('provisioning against the local cloud', () => {
  let cloud: TestCloud;
  let clients: AwsClients;
  let stack: Stack;
  let lbPort: number;

  beforeAll(async () => {
    // The listener binds 127.0.0.1 at the stage's port: a free one, never the default 8080.
    lbPort = await freePort();
    stack = loadStack(stackFile, { stage: 'dev', env: {}, options: { 'lb-port': String(lbPort) } });
    cloud = await startTestCloud();
    clients = createClients({ name: 'local', region: REGION, endpoint: cloud.cloud.url, credentials });
  });
  afterAll(async () => {
    destroyClients(clients);
    await cloud.dispose();
  });

  it('a dry run plans every resource as create and creates nothing', async () => {
    const plan = await planOf((progress) => provision(clients, stack, progress, { dryRun: true }));
    expect(actions(plan)).toEqual(['create']);
    expect(plan.map((c) => c.type)).toEqual([
      'ECR repository',
      'ECR lifecycle policy',
      'log group',
      'secret',
      'IAM role',
      'IAM role',
      'VPC',
      'internet gateway',
      'public subnet',
      'public subnet',
      'private subnet',
      'private subnet',
      'public route table',
      'private route table',
      'load balancer security group',
      'security group',
      'ECS cluster',
      'load balancer',
      'target group',
      'listener',
    ]);
    await expect(
      clients.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['iscoolgpt-dev'] })),
    ).rejects.toThrow(/does not exist/);
  });

  it('creates everything, then a second run changes nothing', async () => {
    const first = await planOf((progress) => provision(clients, stack, progress));
    expect(actions(first)).toEqual(['create']);
    const second = await planOf((progress) => provision(clients, stack, progress));
    expect(changed(second)).toEqual([]);
    expect(second).toHaveLength(first.length);
  });

  it('puts the load balancer in both public subnets behind its own group, the tasks behind it', async () => {
    const { elbv2, ec2 } = clients;
    const [lb] =
      (await elbv2.send(new DescribeLoadBalancersCommand({ Names: ['iscoolgpt-dev'] }))).LoadBalancers ?? [];
    expect(lb).toMatchObject({ Scheme: 'internet-facing', Type: 'application' });
    expect(lb?.DNSName).toMatch(/^iscoolgpt-dev-[0-9a-f]+\.us-east-1\.elb\.localhost$/);
    expect(lb?.AvailabilityZones?.map((z) => z.ZoneName).sort()).toEqual(['us-east-1a', 'us-east-1b']);
    const groups = async (name: string) =>
      (
        await ec2.send(
          new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }),
        )
      ).SecurityGroups?.[0];
    const albGroup = await groups('iscoolgpt-dev-alb');
    const appGroup = await groups('iscoolgpt-dev-app');
    expect(lb?.SecurityGroups).toEqual([albGroup?.GroupId]);
    expect(albGroup?.IpPermissions).toMatchObject([
      { IpProtocol: 'tcp', FromPort: lbPort, ToPort: lbPort, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ]);
    // Least privilege: the container port from the load balancer's group, from no address range.
    expect(appGroup?.IpPermissions).toMatchObject([
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, UserIdGroupPairs: [{ GroupId: albGroup?.GroupId }] },
    ]);
    expect(appGroup?.IpPermissions?.[0]?.IpRanges ?? []).toEqual([]);
    const [group] =
      (await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['iscoolgpt-dev'] }))).TargetGroups ?? [];
    expect(group).toMatchObject({
      Protocol: 'HTTP',
      Port: 8080,
      TargetType: 'ip',
      VpcId: lb?.VpcId,
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 5,
      HealthCheckTimeoutSeconds: 4,
      HealthyThresholdCount: 2,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200' },
      LoadBalancerArns: [lb?.LoadBalancerArn],
    });
    const { Attributes = [] } = await elbv2.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: group?.TargetGroupArn }),
    );
    expect(Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '5' });
    const { Listeners = [] } = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb?.LoadBalancerArn }),
    );
    expect(Listeners).toMatchObject([
      {
        Protocol: 'HTTP',
        Port: lbPort,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: group?.TargetGroupArn }],
      },
    ]);
  });

  it("corrects the load balancer's drift: health check, draining, idle timeout", async () => {
    const { elbv2 } = clients;
    const [lb] =
      (await elbv2.send(new DescribeLoadBalancersCommand({ Names: ['iscoolgpt-dev'] }))).LoadBalancers ?? [];
    const [group] =
      (await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['iscoolgpt-dev'] }))).TargetGroups ?? [];
    await elbv2.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: group?.TargetGroupArn,
        HealthCheckPath: '/healthz',
        Matcher: { HttpCode: '200-299' },
      }),
    );
    await elbv2.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: group?.TargetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }],
      }),
    );
    await elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: lb?.LoadBalancerArn,
        Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '120' }],
      }),
    );
    const plan = await planOf((progress) => provision(clients, stack, progress));
    expect(changed(plan)).toEqual([
      { type: 'load balancer', action: 'update', details: ['idle_timeout.timeout_seconds 120 → 60'] },
      {
        type: 'target group',
        action: 'update',
        details: [
          'health check path /healthz → /health',
          'matcher 200-299 → 200',
          'deregistration_delay.timeout_seconds 300 → 5',
        ],
      },
    ]);
    const [after] =
      (await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['iscoolgpt-dev'] }))).TargetGroups ?? [];
    expect(after).toMatchObject({ HealthCheckPath: '/health', Matcher: { HttpCode: '200' } });
    const { Attributes = [] } = await elbv2.send(
      new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb?.LoadBalancerArn }),
    );
    expect(Attributes).toContainEqual({ Key: 'idle_timeout.timeout_seconds', Value: '60' });
    expect(
      changed(await planOf((progress) => provision(clients, stack, progress, { dryRun: true }))),
    ).toEqual([]);
  });

  it('corrects drift: a revoked ingress rule, a changed retention, a policy attached by hand', async () => {
    const { SecurityGroups = [] } = await clients.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['iscoolgpt-dev-app'] }] }),
    );
    const group = SecurityGroups[0];
    await clients.ec2.send(
      new RevokeSecurityGroupIngressCommand({ GroupId: group?.GroupId, IpPermissions: group?.IpPermissions }),
    );
    await clients.logs.send(
      new PutRetentionPolicyCommand({ logGroupName: '/ecs/iscoolgpt-dev', retentionInDays: 365 }),
    );
    // Someone widens the execution role by hand: provisioning takes it back to least privilege.
    await clients.iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'iscoolgpt-dev-execution',
        PolicyArn: MANAGED_EXECUTION_POLICY,
      }),
    );

    const plan = await planOf((progress) => provision(clients, stack, progress));
    expect(changed(plan)).toEqual([
      { type: 'log group', action: 'update', details: ['retention 365 → 7 days'] },
      { type: 'IAM role', action: 'update', details: [`detach ${MANAGED_EXECUTION_POLICY}`] },
      {
        type: 'security group',
        action: 'update',
        details: ['allow tcp/8080-8080 from security group iscoolgpt-dev-alb'],
      },
    ]);

    const { logGroups = [] } = await clients.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/iscoolgpt-dev' }),
    );
    expect(logGroups[0]?.retentionInDays).toBe(7);
    const { SecurityGroups: after = [] } = await clients.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [group?.GroupId ?? ''] }),
    );
    expect(after[0]?.IpPermissions).toMatchObject([
      {
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        UserIdGroupPairs: [{ GroupId: expect.any(String) }],
      },
    ]);
    const { AttachedPolicies = [] } = await clients.iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: 'iscoolgpt-dev-execution' }),
    );
    expect(AttachedPolicies).toEqual([]);
    expect(
      changed(await planOf((progress) => provision(clients, stack, progress, { dryRun: true }))),
    ).toEqual([]);
  });

  it('leaves other stages alone and removes only its own stage', async () => {
    const prod = loadStack(stackFile, { stage: 'prod', env: {} });
    expect(prod.config.loadBalancer.port).toBe(80);
    expect(actions(await planOf((progress) => provision(clients, prod, progress, { dryRun: true })))).toEqual(
      ['create'],
    );
    const removed = await planOf((progress) => removeStack(clients, stack, progress));
    expect(actions(removed)).toEqual(['delete']);
    // Dependency order: the listener before its target group and load balancer, the app's group
    // (whose rule names the load balancer's) before the load balancer's group.
    expect(removed.map((c) => c.type).slice(0, 7)).toEqual([
      'listener',
      'target group',
      'load balancer',
      'ECS cluster',
      'security group',
      'load balancer security group',
      'private route table',
    ]);
    await expect(
      clients.elbv2.send(new DescribeLoadBalancersCommand({ Names: ['iscoolgpt-dev'] })),
    ).rejects.toThrow(/not found/i);
    expect(removed.map((c) => c.type).at(-1)).toBe('ECR repository');
    expect(
      actions(await planOf((progress) => provision(clients, stack, progress, { dryRun: true }))),
    ).toEqual(['create']);
  });
});
