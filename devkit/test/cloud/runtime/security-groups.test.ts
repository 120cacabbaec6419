/**
 * Security groups enforced on the real Docker engine, by source group: tasks whose security group
 * does not admit the load balancer's run and pass their own health checks, yet the load balancer
 * cannot reach them — 503 with the reason, the target group's checks time out and ECS replaces
 * the task, as on AWS. A rule for the port from elsewhere does not help; one naming the load
 * balancer's group heals it.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockedReason } from '../../../src/cloud/runtime/task-targets.ts';
import { dockerAvailable } from '../docker-cli.ts';
import { waitFor } from './fixture.ts';
import type { ServiceWorld } from './service-world.ts';
import { eventMessages, get, serviceWorld } from './service-world.ts';

describe.skipIf(!dockerAvailable)('security groups and the load balancer (real Docker)', () => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await serviceWorld('sg');
  }, 300_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it('gives no traffic to tasks whose security group does not admit the load balancer’s, says why, and heals once a source-group rule is added', async () => {
    const v1 = await w.revision('v1');
    const { url, securityGroup, loadBalancerSecurityGroup, targetGroupArn } = await w.service({
      name: 'locked',
      taskDefinition: v1,
      desiredCount: 1,
      ingress: false,
      // ECS ignores the load balancer's checks for this long after a task starts: shorter than the
      // world's 60 s, as the test is about the replacement once it is over, not about its length.
      healthCheckGracePeriodSeconds: 15,
    });
    const reason = blockedReason([securityGroup], 8080, [loadBalancerSecurityGroup]);
    const noTraffic = { status: 503, body: { error: { code: 'no_healthy_targets', message: reason } } };
    const blocked = await waitFor(
      'the 503 with the reason',
      () => get(url),
      (r) => r.status === 503 && JSON.stringify(r) === JSON.stringify(noTraffic),
      60_000,
    );
    expect(blocked).toEqual(noTraffic);
    // As on AWS, the health checks time out and ECS replaces the task, saying why.
    const replaced = await waitFor(
      'the ELB health check event',
      () => w.describe('locked'),
      (s) => eventMessages(s).some((m) => m.includes('failed ELB health checks in')),
      90_000,
    );
    const told = eventMessages(replaced).find((m) => m.includes('failed ELB health checks in'));
    expect(told).toMatch(
      /^\(service locked\) \(task [0-9a-f]{32}\) failed ELB health checks in \(target-group /,
    );
    expect(told).toContain(`(target-group ${targetGroupArn}).`);

    const ec2 = new EC2Client(w.t.clientConfig);
    // A rule for the port from elsewhere does not admit the load balancer: the source counts.
    const elsewhere = {
      GroupId: securityGroup,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
      ],
    };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(elsewhere));
    expect((await get(url)).status).toBe(503);
    const fromAlb = {
      GroupId: securityGroup,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 8080,
          ToPort: 8080,
          UserIdGroupPairs: [{ GroupId: loadBalancerSecurityGroup }],
        },
      ],
    };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(fromAlb));
    const healed = await waitFor(
      'traffic to reach the task',
      () => get(url),
      (r) => r.status === 200,
      90_000,
    );
    expect(healed.body).toMatchObject({ version: 'v1' });

    // Taking the rule away cuts the traffic again.
    await ec2.send(new RevokeSecurityGroupIngressCommand(fromAlb));
    const cut = await waitFor(
      'traffic to stop',
      () => get(url),
      (r) => r.status === 503,
      60_000,
    );
    expect(cut.status).toBe(503);
    ec2.destroy();
  }, 300_000);
});
