/** ELBv2's control plane through the real SDK and the real AWS CLI: an ALB, its listener, rules and targets. */
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveTagsCommand,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let elb: ElasticLoadBalancingV2Client;
let ec2: EC2Client;
let subnets: string[];
let vpcId: string;
let defaultGroup: string;

beforeAll(async () => {
  t = await startTestCloud();
  elb = new ElasticLoadBalancingV2Client(t.clientConfig);
  ec2 = new EC2Client(t.clientConfig);
  const found = await ec2.send(new DescribeSubnetsCommand({}));
  subnets = found.Subnets!.slice(0, 2).map((s) => s.SubnetId!);
  vpcId = found.Subnets![0]!.VpcId!;
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({}));
  defaultGroup = groups.SecurityGroups!.find((g) => g.GroupName === 'default' && g.VpcId === vpcId)!.GroupId!;
});
afterAll(async () => {
  elb.destroy();
  ec2.destroy();
  await t.dispose();
});

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

async function loadBalancer(name: string) {
  const { LoadBalancers } = await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets }));
  return LoadBalancers![0]!;
}

async function targetGroup(name: string, extra: Record<string, unknown> = {}) {
  const { TargetGroups } = await elb.send(
    new CreateTargetGroupCommand({
      Name: name,
      Protocol: 'HTTP',
      Port: 8080,
      VpcId: vpcId,
      TargetType: 'ip',
      ...extra,
    }),
  );
  return TargetGroups![0]!;
}

describe('load balancers', () => {
  it('creates an ALB in two zones with a DNS name under elb.localhost, and describes it', async () => {
    const lb = await loadBalancer('web');
    expect(lb.LoadBalancerArn).toMatch(
      /^arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer\/app\/web\/[0-9a-f]{16}$/,
    );
    const id = lb.LoadBalancerArn!.split('/').at(-1);
    expect(lb.DNSName).toBe(`web-${id}.us-east-1.elb.localhost`);
    expect(lb).toMatchObject({
      Type: 'application',
      Scheme: 'internet-facing',
      VpcId: vpcId,
      SecurityGroups: [defaultGroup],
    });
    expect(lb.AvailabilityZones!.map((z) => z.SubnetId).sort()).toEqual([...subnets].sort());
    const { LoadBalancers } = await elb.send(new DescribeLoadBalancersCommand({ Names: ['web'] }));
    expect(LoadBalancers![0]!.State).toEqual({ Code: 'active' });
    expect(LoadBalancers![0]!.CreatedTime).toBeInstanceOf(Date);
  });

  it('refuses what AWS refuses, with its error types', async () => {
    expect(
      await errorOf(elb.send(new CreateLoadBalancerCommand({ Name: 'one-zone', Subnets: [subnets[0]!] }))),
    ).toMatchObject({
      name: 'ValidationError',
      message: 'At least two subnets in two different Availability Zones must be specified',
      status: 400,
    });
    expect(
      await errorOf(
        elb.send(
          new CreateLoadBalancerCommand({
            Name: 'ghost',
            Subnets: ['subnet-0123456789abcdef0', subnets[0]!],
          }),
        ),
      ),
    ).toMatchObject({
      name: 'SubnetNotFoundException',
    });
    expect(
      await errorOf(
        elb.send(
          new CreateLoadBalancerCommand({
            Name: 'sg',
            Subnets: subnets,
            SecurityGroups: ['sg-0123456789abcdef0'],
          }),
        ),
      ),
    ).toMatchObject({
      name: 'InvalidSecurityGroupException',
    });
    expect(
      await errorOf(elb.send(new CreateLoadBalancerCommand({ Name: '-bad', Subnets: subnets }))),
    ).toMatchObject({ name: 'ValidationError' });
    expect(
      await errorOf(elb.send(new CreateLoadBalancerCommand({ Name: 'internal-x', Subnets: subnets }))),
    ).toMatchObject({ name: 'ValidationError' });
    expect(await errorOf(elb.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })))).toMatchObject({
      name: 'LoadBalancerNotFoundException',
      message: 'One or more load balancers not found',
    });
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({}));
    const other = SecurityGroups!.find((g) => g.VpcId === vpcId)!.GroupId!;
    await elb.send(new CreateLoadBalancerCommand({ Name: 'dup', Subnets: subnets }));
    // The same request again is idempotent; different settings under the same name are a duplicate.
    await elb.send(new CreateLoadBalancerCommand({ Name: 'dup', Subnets: subnets }));
    expect(
      await errorOf(
        elb.send(
          new CreateLoadBalancerCommand({
            Name: 'dup',
            Subnets: subnets,
            Scheme: 'internal',
            SecurityGroups: [other],
          }),
        ),
      ),
    ).toMatchObject({
      name: 'DuplicateLoadBalancerNameException',
    });
  });

  it('keeps attributes, refusing unknown keys and bad values all or nothing', async () => {
    const lb = await loadBalancer('attrs');
    const arn = lb.LoadBalancerArn!;
    const { Attributes } = await elb.send(
      new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }),
    );
    expect(Attributes).toContainEqual({ Key: 'idle_timeout.timeout_seconds', Value: '60' });
    await elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: [{ Key: 'idle_timeout.timeout_seconds', Value: '120' }],
      }),
    );
    expect(
      await errorOf(
        elb.send(
          new ModifyLoadBalancerAttributesCommand({
            LoadBalancerArn: arn,
            Attributes: [
              { Key: 'deletion_protection.enabled', Value: 'true' },
              { Key: 'idle_timeout.timeout_seconds', Value: '9999' },
            ],
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError' });
    expect(
      await errorOf(
        elb.send(
          new ModifyLoadBalancerAttributesCommand({
            LoadBalancerArn: arn,
            Attributes: [{ Key: '__proto__', Value: 'x' }],
          }),
        ),
      ),
    ).toMatchObject({
      name: 'ValidationError',
      message: "Load balancer attribute key '__proto__' is not recognized",
    });
    const after = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
    expect(after.Attributes).toContainEqual({ Key: 'idle_timeout.timeout_seconds', Value: '120' });
    expect(after.Attributes).toContainEqual({ Key: 'deletion_protection.enabled', Value: 'false' });
    await elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: [{ Key: 'deletion_protection.enabled', Value: 'true' }],
      }),
    );
    expect(await errorOf(elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })))).toMatchObject({
      name: 'OperationNotPermittedException',
    });
  });
});

describe('target groups, listeners, rules and targets', () => {
  it('builds one ALB with two services behind path rules, and tears it down in dependency order', async () => {
    const lb = await loadBalancer('shop');
    const api = await targetGroup('shop-api', {
      HealthCheckPath: '/health',
      HealthCheckIntervalSeconds: 10,
      Matcher: { HttpCode: '200-299' },
    });
    expect(api).toMatchObject({
      HealthCheckPath: '/health',
      HealthCheckPort: 'traffic-port',
      HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2,
      Matcher: { HttpCode: '200-299' },
      LoadBalancerArns: [],
    });
    const admin = await targetGroup('shop-admin');
    const { Listeners } = await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn!,
        Protocol: 'HTTP',
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: api.TargetGroupArn! }],
      }),
    );
    const listener = Listeners![0]!;
    expect(listener.DefaultActions![0]).toMatchObject({
      Type: 'forward',
      TargetGroupArn: api.TargetGroupArn,
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: api.TargetGroupArn, Weight: 1 }] },
    });
    const { Rules } = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener.ListenerArn!,
        Priority: 10,
        Conditions: [{ Field: 'path-pattern', Values: ['/admin/*'] }],
        Actions: [{ Type: 'forward', TargetGroupArn: admin.TargetGroupArn! }],
      }),
    );
    const rule = Rules![0]!;
    expect(rule).toMatchObject({
      Priority: '10',
      IsDefault: false,
      Conditions: [
        { Field: 'path-pattern', Values: ['/admin/*'], PathPatternConfig: { Values: ['/admin/*'] } },
      ],
    });
    expect(
      await errorOf(
        elb.send(
          new CreateRuleCommand({
            ListenerArn: listener.ListenerArn!,
            Priority: 10,
            Conditions: [{ Field: 'host-header', Values: ['a.example'] }],
            Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'PriorityInUseException', message: "Priority '10' is currently in use" });
    const described = await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn! }));
    expect(described.Rules!.map((r) => r.Priority)).toEqual(['10', 'default']);
    expect(
      await errorOf(elb.send(new DeleteRuleCommand({ RuleArn: described.Rules![1]!.RuleArn! }))),
    ).toMatchObject({ name: 'OperationNotPermittedException' });
    const fixed = await elb.send(
      new CreateRuleCommand({
        ListenerArn: listener.ListenerArn!,
        Priority: 5,
        Conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['*.example.com'] } }],
        Actions: [
          {
            Type: 'fixed-response',
            FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'teapot' },
          },
        ],
      }),
    );
    await elb.send(
      new SetRulePrioritiesCommand({
        RulePriorities: [
          { RuleArn: fixed.Rules![0]!.RuleArn!, Priority: 20 },
          { RuleArn: rule.RuleArn!, Priority: 5 },
        ],
      }),
    );
    const reordered = await elb.send(new DescribeRulesCommand({ ListenerArn: listener.ListenerArn! }));
    expect(reordered.Rules!.map((r) => [r.Priority, r.Actions![0]!.Type])).toEqual([
      ['5', 'forward'],
      ['20', 'fixed-response'],
      ['default', 'forward'],
    ]);
    await elb.send(
      new ModifyRuleCommand({
        RuleArn: rule.RuleArn!,
        Conditions: [{ Field: 'path-pattern', Values: ['/admin', '/admin/*'] }],
      }),
    );

    const groups = await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn! }));
    expect(groups.TargetGroups!.map((g) => g.TargetGroupName).sort()).toEqual(['shop-admin', 'shop-api']);
    expect(groups.TargetGroups![0]!.LoadBalancerArns).toEqual([lb.LoadBalancerArn]);
    expect(
      await errorOf(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: admin.TargetGroupArn! }))),
    ).toMatchObject({
      name: 'ResourceInUseException',
      message: `Target group '${admin.TargetGroupArn}' is currently in use by a listener or a rule`,
    });
    const other = await loadBalancer('shop-two');
    expect(
      await errorOf(
        elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: other.LoadBalancerArn!,
            Port: 80,
            DefaultActions: [{ Type: 'forward', TargetGroupArn: api.TargetGroupArn! }],
          }),
        ),
      ),
    ).toMatchObject({
      name: 'TargetGroupAssociationLimitException',
    });
    expect(
      await errorOf(
        elb.send(
          new CreateListenerCommand({
            LoadBalancerArn: lb.LoadBalancerArn!,
            Port: 80,
            DefaultActions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }],
          }),
        ),
      ),
    ).toMatchObject({
      name: 'DuplicateListenerException',
    });
    await elb.send(new ModifyListenerCommand({ ListenerArn: listener.ListenerArn!, Port: 8081 }));
    expect(
      (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn! }))).Listeners!.map(
        (l) => l.Port,
      ),
    ).toEqual([8081]);

    await elb.send(new DeleteRuleCommand({ RuleArn: rule.RuleArn! }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: admin.TargetGroupArn! }));
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn! }));
    expect(
      await errorOf(elb.send(new DescribeListenersCommand({ ListenerArns: [listener.ListenerArn!] }))),
    ).toMatchObject({ name: 'ListenerNotFoundException' });
    // Deleting what is gone succeeds, as on AWS.
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn! }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: api.TargetGroupArn! }));
    await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: api.TargetGroupArn! }));
  });

  it('checks health check settings and keeps target group attributes', async () => {
    expect(
      await errorOf(
        targetGroup('bad-timing', { HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 }),
      ),
    ).toMatchObject({
      name: 'ValidationError',
      message: 'Health check interval must be greater than the timeout.',
    });
    expect(await errorOf(targetGroup('bad-matcher', { Matcher: { HttpCode: '600' } }))).toMatchObject({
      name: 'ValidationError',
    });
    expect(await errorOf(targetGroup('bad-range', { HealthyThresholdCount: 11 }))).toMatchObject({
      name: 'ValidationError',
    });
    const tg = await targetGroup('attrs-tg');
    expect(await errorOf(targetGroup('attrs-tg', { Port: 9090 }))).toMatchObject({
      name: 'DuplicateTargetGroupNameException',
    });
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tg.TargetGroupArn!,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }],
      }),
    );
    const { Attributes } = await elb.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroupArn! }),
    );
    expect(Attributes).toContainEqual({ Key: 'deregistration_delay.timeout_seconds', Value: '5' });
    expect(
      await errorOf(
        elb.send(
          new ModifyTargetGroupAttributesCommand({
            TargetGroupArn: tg.TargetGroupArn!,
            Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '3601' }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationError' });
    const modified = await elb.send(
      new ModifyTargetGroupCommand({
        TargetGroupArn: tg.TargetGroupArn!,
        HealthCheckPath: '/ready',
        HealthyThresholdCount: 2,
      }),
    );
    expect(modified.TargetGroups![0]).toMatchObject({ HealthCheckPath: '/ready', HealthyThresholdCount: 2 });
    expect(await errorOf(elb.send(new DescribeTargetGroupsCommand({ Names: ['missing'] })))).toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
  });

  it('reports target health: unused until a listener forwards, initial once registered, draining after deregistration', async () => {
    const tg = await targetGroup('health-tg');
    const arn = tg.TargetGroupArn!;
    await elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: arn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '60' }],
      }),
    );
    await elb.send(
      new RegisterTargetsCommand({
        TargetGroupArn: arn,
        Targets: [{ Id: '172.31.0.10' }, { Id: '172.31.0.11', Port: 9000 }],
      }),
    );
    let health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(health.TargetHealthDescriptions!.map((d) => d.TargetHealth)).toEqual([
      {
        State: 'unused',
        Reason: 'Target.NotInUse',
        Description: 'Target group is not configured to receive traffic from the load balancer',
      },
      {
        State: 'unused',
        Reason: 'Target.NotInUse',
        Description: 'Target group is not configured to receive traffic from the load balancer',
      },
    ]);
    const lb = await loadBalancer('health-lb');
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn!,
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: arn }],
      }),
    );
    health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(health.TargetHealthDescriptions![1]).toEqual({
      Target: { Id: '172.31.0.11', Port: 9000 },
      HealthCheckPort: '9000',
      TargetHealth: {
        State: 'initial',
        Reason: 'Elb.RegistrationInProgress',
        Description: 'Target registration is in progress',
      },
    });
    await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '172.31.0.10' }] }));
    health = await elb.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: arn,
        Targets: [{ Id: '172.31.0.10' }, { Id: '172.31.0.99' }],
      }),
    );
    expect(
      health.TargetHealthDescriptions!.map((d) => [
        d.Target!.Id,
        d.TargetHealth!.State,
        d.TargetHealth!.Reason,
      ]),
    ).toEqual([
      ['172.31.0.10', 'draining', 'Target.DeregistrationInProgress'],
      ['172.31.0.99', 'unused', 'Target.NotRegistered'],
    ]);
    expect(
      await errorOf(
        elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '172.31.0.12' }] })),
      ),
    ).toMatchObject({ name: 'InvalidTargetException' });
    expect(
      await errorOf(
        elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '8.8.8.8' }] })),
      ),
    ).toMatchObject({ name: 'InvalidTargetException' });
    expect(
      await errorOf(
        elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: 'not-an-ip' }] })),
      ),
    ).toMatchObject({ name: 'ValidationError' });
  });

  it('tags every kind of resource, within the limits', async () => {
    const tg = await targetGroup('tagged', { Tags: [{ Key: 'team', Value: 'a' }] });
    const arn = tg.TargetGroupArn!;
    await elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: 'env', Value: 'dev' }] }));
    await elb.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: ['team'] }));
    const { TagDescriptions } = await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
    expect(TagDescriptions).toEqual([{ ResourceArn: arn, Tags: [{ Key: 'env', Value: 'dev' }] }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    expect(await errorOf(elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: many })))).toMatchObject({
      name: 'TooManyTagsException',
    });
    expect(
      await errorOf(
        elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: 'a' }, { Key: 'a' }] })),
      ),
    ).toMatchObject({ name: 'DuplicateTagKeysException' });
    expect(await errorOf(elb.send(new DescribeTagsCommand({ ResourceArns: [`${arn}0`] })))).toMatchObject({
      name: 'TargetGroupNotFoundException',
    });
  });

  it('keeps everything across a restart (a 2xx is on disk)', async () => {
    const lb = await loadBalancer('durable');
    const tg = await targetGroup('durable-tg');
    await elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancerArn!,
        Port: 80,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn! }],
      }),
    );
    await t.restart();
    elb.destroy();
    elb = new ElasticLoadBalancingV2Client(t.clientConfig);
    const { Listeners } = await elb.send(
      new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn! }),
    );
    expect(Listeners!.map((l) => l.DefaultActions![0]!.TargetGroupArn)).toEqual([tg.TargetGroupArn]);
  });
});

// The AWS CLI's elbv2 commands unchanged, against the local endpoint.
describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('creates an ALB, a target group and a listener, waits for it, and reads target health', async () => {
    const lb = (await t.aws(['elbv2', 'create-load-balancer', '--name', 'cli-lb', '--subnets', ...subnets]))
      .json as {
      LoadBalancers: Array<{ LoadBalancerArn: string; DNSName: string }>;
    };
    const lbArn = lb.LoadBalancers[0]!.LoadBalancerArn;
    expect(lb.LoadBalancers[0]!.DNSName).toMatch(/^cli-lb-[0-9a-f]{16}\.us-east-1\.elb\.localhost$/);
    await t.aws(['elbv2', 'wait', 'load-balancer-available', '--load-balancer-arns', lbArn]);
    const tg = (
      await t.aws([
        'elbv2',
        'create-target-group',
        '--name',
        'cli-tg',
        '--protocol',
        'HTTP',
        '--port',
        '8080',
        '--vpc-id',
        vpcId,
        '--target-type',
        'ip',
        '--health-check-path',
        '/health',
      ])
    ).json as {
      TargetGroups: Array<{ TargetGroupArn: string }>;
    };
    const tgArn = tg.TargetGroups[0]!.TargetGroupArn;
    await t.aws([
      'elbv2',
      'create-listener',
      '--load-balancer-arn',
      lbArn,
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--default-actions',
      `Type=forward,TargetGroupArn=${tgArn}`,
    ]);
    await t.aws([
      'elbv2',
      'register-targets',
      '--target-group-arn',
      tgArn,
      '--targets',
      'Id=172.31.1.5,Port=8080',
    ]);
    const health = (await t.aws(['elbv2', 'describe-target-health', '--target-group-arn', tgArn])).json as {
      TargetHealthDescriptions: Array<{ TargetHealth: { State: string } }>;
    };
    expect(health.TargetHealthDescriptions.map((d) => d.TargetHealth.State)).toEqual(['initial']);
    await t.aws(['elbv2', 'delete-load-balancer', '--load-balancer-arn', lbArn]);
    await t.aws(['elbv2', 'delete-target-group', '--target-group-arn', tgArn]);
    const left = (
      await t
        .aws(['elbv2', 'describe-target-groups', '--names', 'cli-tg'])
        .catch((e: Error) => ({ json: e.message }))
    ).json;
    expect(String(JSON.stringify(left))).toMatch(/TargetGroupNotFound/);
  }, 240_000);
});
