/**
 * Security groups enforced on the real Docker engine: tasks whose security group admits nothing on
 * the container port run and pass their own health checks, yet the load balancer cannot reach
 * them — 503 with the reason, and the service's events say why. Adding the ingress rule through
 * the SDK heals it.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import { waitFor } from './fixture.ts';
import type { ServiceWorld } from './service-world.ts';
import { eventMessages, get, serviceWorld } from './service-world.ts';

describe.skipIf(!dockerAvailable)('security groups and the load balancer (real Docker)', () => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await serviceWorld('sg');
  }, 180_000);
  afterAll(async () => {
    await w?.close();
  }, 60_000);

  it('gives no traffic to tasks whose security group has no ingress rule for the port, says why, and heals once the rule is added', async () => {
    const v1 = await w.revision('v1');
    const { url, securityGroup } = await w.service({
      name: 'locked',
      taskDefinition: v1,
      desiredCount: 1,
      ingress: false,
    });
    const reason =
      `No inbound rule of security group ${securityGroup} allows tcp/8080, so the load balancer ` +
      'cannot reach the tasks. Add one (AuthorizeSecurityGroupIngress) for port 8080.';
    // The task itself is fine: RUNNING and HEALTHY.
    const steady = await w.steady('locked');
    expect(eventMessages(steady)).toContain(
      `(service locked) (port 8080) is unhealthy in (target-group locked) due to (reason Request timed out). ${reason}`,
    );
    const blocked = await waitFor(
      'the load balancer to answer',
      () => get(url),
      (r) => r.status !== 0,
      30_000,
    );
    expect(blocked).toEqual({
      status: 503,
      body: { error: { code: 'no_healthy_targets', message: reason } },
    });

    const ec2 = new EC2Client(w.t.clientConfig);
    const rule = {
      GroupId: securityGroup,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
      ],
    };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand(rule));
    const healed = await waitFor(
      'traffic to reach the task',
      () => get(url),
      (r) => r.status === 200,
      30_000,
    );
    expect(healed.body).toMatchObject({ version: 'v1' });

    // Taking the rule away cuts the traffic again, and the events say so once more.
    await ec2.send(new RevokeSecurityGroupIngressCommand(rule));
    const cut = await waitFor(
      'traffic to stop',
      () => get(url),
      (r) => r.status === 503,
      30_000,
    );
    expect(cut.body).toEqual({ error: { code: 'no_healthy_targets', message: reason } });
    const events = eventMessages(await w.describe('locked'));
    expect(events.filter((m) => m.endsWith(reason))).toHaveLength(2);
  }, 180_000);
});
