import { PutRetentionPolicyCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeSecurityGroupsCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DetachRolePolicyCommand, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/deploy/clients.ts';
import { createClients, destroyClients } from '../../src/deploy/clients.ts';
import type { PlannedChange, ProgressEvent } from '../../src/deploy/progress.ts';
import { provision } from '../../src/deploy/provision.ts';
import { EXECUTION_ROLE_POLICY_ARN } from '../../src/deploy/provision/iam.ts';
import { removeStack } from '../../src/deploy/remove.ts';
import type { Stack } from '../../src/stack/load.ts';
import { loadStack } from '../../src/stack/load.ts';
import type { TestCloud } from '../cloud/harness.ts';
import { credentials, REGION, startTestCloud } from '../cloud/harness.ts';

const stackFile = new URL('../../../stack.yml', import.meta.url).pathname;

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
  const stack: Stack = loadStack(stackFile, { stage: 'dev', env: {} });

  beforeAll(async () => {
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
      'security group',
      'ECS cluster',
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

  it('corrects drift: a revoked ingress rule, a changed retention, a detached policy', async () => {
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
    await clients.iam.send(
      new DetachRolePolicyCommand({
        RoleName: 'iscoolgpt-dev-execution',
        PolicyArn: EXECUTION_ROLE_POLICY_ARN,
      }),
    );

    const plan = await planOf((progress) => provision(clients, stack, progress));
    expect(changed(plan)).toEqual([
      { type: 'log group', action: 'update', details: ['retention 365 → 7 days'] },
      { type: 'IAM role', action: 'update', details: [`attach ${EXECUTION_ROLE_POLICY_ARN}`] },
      { type: 'security group', action: 'update', details: ['allow tcp/8080-8080 from 0.0.0.0/0'] },
    ]);

    const { logGroups = [] } = await clients.logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/ecs/iscoolgpt-dev' }),
    );
    expect(logGroups[0]?.retentionInDays).toBe(7);
    const { SecurityGroups: after = [] } = await clients.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [group?.GroupId ?? ''] }),
    );
    expect(after[0]?.IpPermissions).toMatchObject([
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
    ]);
    const { AttachedPolicies = [] } = await clients.iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: 'iscoolgpt-dev-execution' }),
    );
    expect(AttachedPolicies.map((p) => p.PolicyArn)).toEqual([EXECUTION_ROLE_POLICY_ARN]);
    expect(
      changed(await planOf((progress) => provision(clients, stack, progress, { dryRun: true }))),
    ).toEqual([]);
  });

  it('leaves other stages alone and removes only its own stage', async () => {
    const prod = loadStack(stackFile, { stage: 'prod', env: {} });
    expect(actions(await planOf((progress) => provision(clients, prod, progress, { dryRun: true })))).toEqual(
      ['create'],
    );
    const removed = await planOf((progress) => removeStack(clients, stack, progress));
    expect(actions(removed)).toEqual(['delete']);
    expect(removed.map((c) => c.type).at(0)).toBe('ECS cluster');
    expect(removed.map((c) => c.type).at(-1)).toBe('ECR repository');
    expect(
      actions(await planOf((progress) => provision(clients, stack, progress, { dryRun: true }))),
    ).toEqual(['create']);
  });
});
