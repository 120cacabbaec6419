import type { Action, Listener, LoadBalancer, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeployError } from '../progress.ts';
import type { AnyResource, ProvisionContext } from './resource.ts';
import { awsTags, defineResource, unlessNotFound } from './resource.ts';

/*
 * The Application Load Balancer in front of the service: internet-facing in the two public
 * subnets behind its own security group, a target group of the tasks' IPs on the container port
 * with the stack's health check, and one HTTP listener forwarding to it. ECS registers the tasks.
 */

type Attributes = Record<string, string>;
const attributeMap = (list: { Key?: string; Value?: string }[] = []): Attributes =>
  Object.fromEntries(list.flatMap((a) => (a.Key ? [[a.Key, a.Value ?? '']] : [])));
const attributeList = (attributes: Attributes) =>
  Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }));
/** `key current → wanted` for each attribute that differs. */
const attributeDrift = (current: Attributes, wanted: Attributes) =>
  Object.entries(wanted).flatMap(([key, value]) =>
    current[key] === value ? [] : [`${key} ${current[key] ?? '(unset)'} → ${value}`],
  );
const sameSet = (a: (string | undefined)[], b: (string | undefined)[]) =>
  [...a].sort().join() === [...b].sort().join();

const replaceOnly = (what: string): never => {
  throw new DeployError(
    `${what} cannot be changed in place: run \`devkit remove\` for this stage, then deploy again`,
    'provision',
  );
};

export function loadBalancer(ctx: ProvisionContext): AnyResource {
  const { elbv2 } = ctx.clients;
  const name = ctx.names.loadBalancer;
  const subnets = () => ctx.found.publicSubnetIds;
  const securityGroups = () => [ctx.found.loadBalancerSecurityGroupId];
  const attributes: Attributes = {
    'idle_timeout.timeout_seconds': String(ctx.stack.config.loadBalancer.idleTimeout),
  };
  const setAttributes = async (LoadBalancerArn: string | undefined) => {
    await elbv2.send(
      new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn, Attributes: attributeList(attributes) }),
    );
  };
  type Observed = { lb: LoadBalancer; attributes: Attributes };
  return defineResource<Observed>({
    type: 'load balancer',
    name,
    async observe() {
      const found = await unlessNotFound(elbv2.send(new DescribeLoadBalancersCommand({ Names: [name] })));
      const lb = found?.LoadBalancers?.[0];
      ctx.found.loadBalancerArn = lb?.LoadBalancerArn;
      ctx.found.loadBalancerDnsName = lb?.DNSName;
      if (!lb) return undefined;
      const { Attributes } = await elbv2.send(
        new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.LoadBalancerArn }),
      );
      return { lb, attributes: attributeMap(Attributes) };
    },
    drift({ lb, attributes: current }) {
      const drift: string[] = [];
      if (lb.Scheme !== 'internet-facing') drift.push(`scheme ${lb.Scheme} → internet-facing`);
      const zones = (lb.AvailabilityZones ?? []).map((z) => z.SubnetId);
      if (!sameSet(zones, subnets())) drift.push('subnets → the public subnets');
      if (!sameSet(lb.SecurityGroups ?? [], securityGroups()))
        drift.push(`security groups → ${ctx.names.loadBalancerSecurityGroup}`);
      return [...drift, ...attributeDrift(current, attributes)];
    },
    async create() {
      const { LoadBalancers = [] } = await elbv2.send(
        new CreateLoadBalancerCommand({
          Name: name,
          Type: 'application',
          Scheme: 'internet-facing',
          IpAddressType: 'ipv4',
          Subnets: subnets().flatMap((id) => (id ? [id] : [])),
          SecurityGroups: securityGroups().flatMap((id) => (id ? [id] : [])),
          Tags: awsTags(ctx.tags),
        }),
      );
      ctx.found.loadBalancerArn = LoadBalancers[0]?.LoadBalancerArn;
      ctx.found.loadBalancerDnsName = LoadBalancers[0]?.DNSName;
      await setAttributes(ctx.found.loadBalancerArn);
    },
    async update({ lb }, drift) {
      const LoadBalancerArn = lb.LoadBalancerArn;
      if (lb.Scheme !== 'internet-facing') replaceOnly(`load balancer ${name}'s scheme`);
      if (drift.some((d) => d.startsWith('subnets')))
        await elbv2.send(
          new SetSubnetsCommand({ LoadBalancerArn, Subnets: subnets().flatMap((id) => (id ? [id] : [])) }),
        );
      if (drift.some((d) => d.startsWith('security groups')))
        await elbv2.send(
          new SetSecurityGroupsCommand({
            LoadBalancerArn,
            SecurityGroups: securityGroups().flatMap((id) => (id ? [id] : [])),
          }),
        );
      await setAttributes(LoadBalancerArn);
    },
    async remove({ lb }) {
      await elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
    },
  });
}

export function targetGroup(ctx: ProvisionContext): AnyResource {
  const { elbv2 } = ctx.clients;
  const name = ctx.names.targetGroup;
  const port = ctx.stack.config.task.port;
  const check = ctx.stack.config.loadBalancer.healthCheck;
  const healthCheck = {
    HealthCheckProtocol: 'HTTP' as const,
    HealthCheckPort: 'traffic-port',
    HealthCheckPath: check.path,
    HealthCheckIntervalSeconds: check.interval,
    HealthCheckTimeoutSeconds: check.timeout,
    HealthyThresholdCount: check.healthyThreshold,
    UnhealthyThresholdCount: check.unhealthyThreshold,
    Matcher: { HttpCode: check.matcher },
  };
  const attributes: Attributes = {
    'deregistration_delay.timeout_seconds': String(ctx.stack.config.loadBalancer.deregistrationDelay),
  };
  const setAttributes = async (TargetGroupArn: string | undefined) => {
    await elbv2.send(
      new ModifyTargetGroupAttributesCommand({ TargetGroupArn, Attributes: attributeList(attributes) }),
    );
  };
  type Observed = { group: TargetGroup; attributes: Attributes };
  /** Fields that only a new target group can change. */
  const fixedDrift = (group: TargetGroup) => [
    ...(group.Protocol === 'HTTP' ? [] : [`protocol ${group.Protocol} → HTTP`]),
    ...(group.Port === port ? [] : [`port ${group.Port} → ${port}`]),
    ...(group.TargetType === 'ip' ? [] : [`target type ${group.TargetType} → ip`]),
    ...(group.VpcId === ctx.found.vpcId ? [] : [`VPC ${group.VpcId} → ${ctx.names.vpc}`]),
  ];
  return defineResource<Observed>({
    type: 'target group',
    name,
    async observe() {
      const found = await unlessNotFound(elbv2.send(new DescribeTargetGroupsCommand({ Names: [name] })));
      const group = found?.TargetGroups?.[0];
      ctx.found.targetGroupArn = group?.TargetGroupArn;
      if (!group) return undefined;
      const { Attributes } = await elbv2.send(
        new DescribeTargetGroupAttributesCommand({ TargetGroupArn: group.TargetGroupArn }),
      );
      return { group, attributes: attributeMap(Attributes) };
    },
    drift({ group, attributes: current }) {
      const checkDrift = (
        [
          ['health check path', group.HealthCheckPath, check.path],
          ['health check interval', group.HealthCheckIntervalSeconds, check.interval],
          ['health check timeout', group.HealthCheckTimeoutSeconds, check.timeout],
          ['healthy threshold', group.HealthyThresholdCount, check.healthyThreshold],
          ['unhealthy threshold', group.UnhealthyThresholdCount, check.unhealthyThreshold],
          ['matcher', group.Matcher?.HttpCode, check.matcher],
          ['health check port', group.HealthCheckPort, 'traffic-port'],
        ] as const
      ).flatMap(([what, current, wanted]) => (current === wanted ? [] : [`${what} ${current} → ${wanted}`]));
      return [...fixedDrift(group), ...checkDrift, ...attributeDrift(current, attributes)];
    },
    async create() {
      const { TargetGroups = [] } = await elbv2.send(
        new CreateTargetGroupCommand({
          Name: name,
          Protocol: 'HTTP',
          Port: port,
          VpcId: ctx.found.vpcId,
          TargetType: 'ip',
          HealthCheckEnabled: true,
          ...healthCheck,
          Tags: awsTags(ctx.tags),
        }),
      );
      ctx.found.targetGroupArn = TargetGroups[0]?.TargetGroupArn;
      await setAttributes(ctx.found.targetGroupArn);
    },
    async update({ group }) {
      const fixed = fixedDrift(group);
      if (fixed.length > 0) replaceOnly(`target group ${name}'s ${fixed.join(', ')}`);
      await elbv2.send(
        new ModifyTargetGroupCommand({ TargetGroupArn: group.TargetGroupArn, ...healthCheck }),
      );
      await setAttributes(group.TargetGroupArn);
    },
    async remove({ group }) {
      await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: group.TargetGroupArn }));
    },
  });
}

export function listener(ctx: ProvisionContext): AnyResource {
  const { elbv2 } = ctx.clients;
  const port = ctx.stack.config.loadBalancer.port;
  const actions = (): Action[] => [{ Type: 'forward', TargetGroupArn: ctx.found.targetGroupArn }];
  const forwardsToUs = (l: Listener) =>
    l.DefaultActions?.length === 1 &&
    l.DefaultActions[0]?.Type === 'forward' &&
    l.DefaultActions[0].TargetGroupArn === ctx.found.targetGroupArn;
  return defineResource<Listener>({
    type: 'listener',
    name: `${ctx.names.loadBalancer} HTTP`,
    async observe() {
      if (!ctx.found.loadBalancerArn) return undefined;
      const { Listeners = [] } = await elbv2.send(
        new DescribeListenersCommand({ LoadBalancerArn: ctx.found.loadBalancerArn }),
      );
      // Ours forwards to the target group, or failing that listens on the port.
      return Listeners.find(forwardsToUs) ?? Listeners.find((l) => l.Port === port);
    },
    drift(found) {
      const drift: string[] = [];
      if (found.Port !== port) drift.push(`port ${found.Port} → ${port}`);
      if (found.Protocol !== 'HTTP') drift.push(`protocol ${found.Protocol} → HTTP`);
      if (!forwardsToUs(found)) drift.push(`default action → forward to ${ctx.names.targetGroup}`);
      return drift;
    },
    async create() {
      await elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: ctx.found.loadBalancerArn,
          Protocol: 'HTTP',
          Port: port,
          DefaultActions: actions(),
          Tags: awsTags(ctx.tags),
        }),
      );
    },
    async update(found) {
      await elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: found.ListenerArn,
          Protocol: 'HTTP',
          Port: port,
          DefaultActions: actions(),
        }),
      );
    },
    async remove(found) {
      await elbv2.send(new DeleteListenerCommand({ ListenerArn: found.ListenerArn }));
    },
  });
}
