/** Target groups: create, describe, modify (health check), delete, attributes. */
import type {
  CreateTargetGroupInput,
  CreateTargetGroupOutput,
  DeleteTargetGroupInput,
  DeleteTargetGroupOutput,
  DescribeTargetGroupAttributesInput,
  DescribeTargetGroupAttributesOutput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  ModifyTargetGroupAttributesInput,
  ModifyTargetGroupAttributesOutput,
  ModifyTargetGroupInput,
  ModifyTargetGroupOutput,
  TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { RequestContext } from '../../service-definition.ts';
import type { Checked, Handler } from '../../service-definition.ts';
import { arn, hexId, nameMap } from '../common.ts';
import { attributeList, defaultAttributes, modifyAttributes } from './attributes.ts';
import { elbError, targetGroupNotFound } from './errors.ts';
import { requireVpc } from './network.ts';
import { page } from './paging.ts';
import type { Elbv2State, HealthCheckRecord, TargetGroupRecord } from './state.ts';
import { loadBalancersOf, requireLoadBalancer, requireTargetGroup } from './state.ts';
import { checkTags } from './tags.ts';
import { QUOTAS } from './limits.ts';

/** AWS's default quota of target groups per region. */
const MAX_TARGET_GROUPS = QUOTAS['target-groups'];

function checkName(name: string): void {
  if (!/^[a-zA-Z0-9-]{1,32}$/.test(name) || name.startsWith('-') || name.endsWith('-')) {
    throw elbError(
      'ValidationError',
      `Target group name '${name}' can only contain characters that are alphanumeric characters or hyphens(-), and cannot begin or end with a hyphen`,
    );
  }
}

/** `200`, `200,202`, `200-299`: codes 200–499, as AWS allows for HTTP target groups. */
function checkMatcher(matcher: string): void {
  const valid = matcher.split(',').every((part) => {
    const [from, to, extra] = part.split('-');
    const code = (s: string | undefined) =>
      s !== undefined && /^\d{3}$/.test(s) && Number(s) >= 200 && Number(s) <= 499;
    return (
      extra === undefined && code(from) && (to === undefined || (code(to) && Number(to) >= Number(from)))
    );
  });
  if (!valid) {
    throw elbError(
      'ValidationError',
      `Health check matcher HTTP code '${matcher}' must be within '200-499' code range`,
    );
  }
}

type HealthCheckInput = Pick<
  CreateTargetGroupInput,
  | 'HealthCheckEnabled'
  | 'HealthCheckPath'
  | 'HealthCheckPort'
  | 'HealthCheckProtocol'
  | 'HealthCheckIntervalSeconds'
  | 'HealthCheckTimeoutSeconds'
  | 'HealthyThresholdCount'
  | 'UnhealthyThresholdCount'
  | 'Matcher'
>;

/** The health check after applying the input's settings to `base`, checked as a whole. */
function healthCheckFrom(input: HealthCheckInput, base: HealthCheckRecord): HealthCheckRecord {
  const check: HealthCheckRecord = {
    enabled: input.HealthCheckEnabled ?? base.enabled,
    protocol: input.HealthCheckProtocol ?? base.protocol,
    port: input.HealthCheckPort ?? base.port,
    path: input.HealthCheckPath ?? base.path,
    intervalSeconds: input.HealthCheckIntervalSeconds ?? base.intervalSeconds,
    timeoutSeconds: input.HealthCheckTimeoutSeconds ?? base.timeoutSeconds,
    healthyThreshold: input.HealthyThresholdCount ?? base.healthyThreshold,
    unhealthyThreshold: input.UnhealthyThresholdCount ?? base.unhealthyThreshold,
    matcher: input.Matcher?.HttpCode ?? base.matcher,
  };
  if (input.Matcher?.GrpcCode !== undefined) {
    throw elbError('ValidationError', 'A gRPC matcher needs a target group with protocol version GRPC');
  }
  if (check.protocol !== 'HTTP' && check.protocol !== 'HTTPS') {
    throw elbError(
      'ValidationError',
      `Health check protocol '${check.protocol}' is not supported for target groups with protocol 'HTTP'`,
    );
  }
  if (
    check.port !== 'traffic-port' &&
    !(/^\d{1,5}$/.test(check.port) && Number(check.port) >= 1 && Number(check.port) <= 65535)
  ) {
    throw elbError(
      'ValidationError',
      `Health check port '${check.port}' must be 'traffic-port' or a port from 1 to 65535`,
    );
  }
  if (!check.path.startsWith('/')) {
    throw elbError('ValidationError', `Health check path '${check.path}' must begin with a '/' character`);
  }
  if (check.timeoutSeconds >= check.intervalSeconds) {
    throw elbError('ValidationError', 'Health check interval must be greater than the timeout.');
  }
  checkMatcher(check.matcher);
  return check;
}

/** AWS's defaults for an HTTP target group's health check. */
const DEFAULT_HEALTH_CHECK: HealthCheckRecord = {
  enabled: true,
  protocol: 'HTTP',
  port: 'traffic-port',
  path: '/',
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  matcher: '200',
};

export function targetGroupView(state: Elbv2State, tg: TargetGroupRecord): TargetGroup {
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: tg.protocol as TargetGroup['Protocol'],
    ProtocolVersion: tg.protocolVersion,
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: tg.healthCheck.protocol as TargetGroup['Protocol'],
    HealthCheckPort: tg.healthCheck.port,
    HealthCheckEnabled: tg.healthCheck.enabled,
    HealthCheckIntervalSeconds: tg.healthCheck.intervalSeconds,
    HealthCheckTimeoutSeconds: tg.healthCheck.timeoutSeconds,
    HealthyThresholdCount: tg.healthCheck.healthyThreshold,
    UnhealthyThresholdCount: tg.healthCheck.unhealthyThreshold,
    HealthCheckPath: tg.healthCheck.path,
    Matcher: { HttpCode: tg.healthCheck.matcher },
    LoadBalancerArns: loadBalancersOf(state, tg.arn),
    TargetType: tg.targetType,
    IpAddressType: tg.ipAddressType as TargetGroup['IpAddressType'],
  };
}

function sameDefinition(
  a: TargetGroupRecord,
  b: Omit<TargetGroupRecord, 'arn' | 'attributes' | 'targets'>,
): boolean {
  return (
    a.protocol === b.protocol &&
    a.port === b.port &&
    a.vpcId === b.vpcId &&
    a.targetType === b.targetType &&
    JSON.stringify(a.healthCheck) === JSON.stringify(b.healthCheck)
  );
}

function checkTargetType(ctx: RequestContext<Elbv2State>, input: CreateTargetGroupInput): 'ip' | 'instance' {
  const type = input.TargetType ?? 'instance';
  if (type !== 'ip' && type !== 'instance') {
    throw elbError(
      'ValidationError',
      `The local cloud emulates target groups of type 'ip' and 'instance', not '${type}'`,
    );
  }
  if (input.Protocol === undefined || input.Port === undefined || input.VpcId === undefined) {
    throw elbError(
      'ValidationError',
      `A protocol, port and VPC ID must be specified for target groups of type '${type}'`,
    );
  }
  if (input.Protocol !== 'HTTP' && input.Protocol !== 'HTTPS') {
    throw elbError(
      'ValidationError',
      `The local cloud emulates HTTP and HTTPS target groups only, not '${input.Protocol}'`,
    );
  }
  requireVpc(ctx, input.VpcId);
  return type;
}

export const createTargetGroup: Handler<
  Checked<CreateTargetGroupInput, 'Name'>,
  CreateTargetGroupOutput,
  Elbv2State
> = (input, ctx) => {
  checkName(input.Name);
  const targetType = checkTargetType(ctx, input);
  const definition = {
    name: input.Name,
    protocol: input.Protocol!,
    protocolVersion: input.ProtocolVersion ?? 'HTTP1',
    port: input.Port!,
    vpcId: input.VpcId!,
    targetType,
    ipAddressType: input.IpAddressType ?? 'ipv4',
    healthCheck: healthCheckFrom(input, { ...DEFAULT_HEALTH_CHECK, protocol: input.Protocol! }),
  };
  const existing = Object.values(ctx.state.targetGroups).find((tg) => tg.name === input.Name);
  if (existing) {
    // The same definition again returns the group (idempotent); a different one is a duplicate.
    if (!sameDefinition(existing, definition)) {
      throw elbError(
        'DuplicateTargetGroupName',
        'A target group with the same name exists, but with different settings',
      );
    }
    return { TargetGroups: [targetGroupView(ctx.state, existing)] };
  }
  if (Object.keys(ctx.state.targetGroups).length >= MAX_TARGET_GROUPS) {
    throw elbError(
      'TooManyTargetGroups',
      'You have reached the limit on the number of target groups for your AWS account',
    );
  }
  const tags = checkTags([], input.Tags ?? []);
  const tg: TargetGroupRecord = {
    arn: arn('elasticloadbalancing', ctx.region, ctx.accountId, `targetgroup/${input.Name}/${hexId(8)}`),
    ...definition,
    attributes: defaultAttributes('Target group'),
    targets: nameMap(),
  };
  ctx.state.targetGroups[tg.arn] = tg;
  if (tags.length) ctx.state.tags[tg.arn] = tags;
  return { TargetGroups: [targetGroupView(ctx.state, tg)] };
};

export const describeTargetGroups: Handler<
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  Elbv2State
> = (input, ctx) => {
  const all = Object.values(ctx.state.targetGroups).sort((a, b) => a.name.localeCompare(b.name));
  let chosen = all;
  if (input.TargetGroupArns?.length) {
    chosen = input.TargetGroupArns.map((a) => requireTargetGroup(ctx.state, a));
  } else if (input.Names?.length) {
    chosen = input.Names.map((name) => {
      const tg = all.find((t) => t.name === name);
      if (!tg) throw targetGroupNotFound();
      return tg;
    });
  }
  if (input.LoadBalancerArn !== undefined) {
    requireLoadBalancer(ctx.state, input.LoadBalancerArn);
    chosen = chosen.filter((tg) => loadBalancersOf(ctx.state, tg.arn).includes(input.LoadBalancerArn!));
  }
  const { page: items, NextMarker } = page(chosen, input);
  return {
    TargetGroups: items.map((tg) => targetGroupView(ctx.state, tg)),
    ...(NextMarker ? { NextMarker } : {}),
  };
};

export const modifyTargetGroup: Handler<
  Checked<ModifyTargetGroupInput, 'TargetGroupArn'>,
  ModifyTargetGroupOutput,
  Elbv2State
> = (input, ctx) => {
  const tg = requireTargetGroup(ctx.state, input.TargetGroupArn);
  tg.healthCheck = healthCheckFrom(input, tg.healthCheck);
  return { TargetGroups: [targetGroupView(ctx.state, tg)] };
};

/** A group a listener or rule forwards to is in use; an unknown ARN is already deleted. */
export const deleteTargetGroup: Handler<
  Checked<DeleteTargetGroupInput, 'TargetGroupArn'>,
  DeleteTargetGroupOutput,
  Elbv2State
> = (input, ctx) => {
  const tg = ctx.state.targetGroups[input.TargetGroupArn];
  if (!tg) return {};
  if (loadBalancersOf(ctx.state, tg.arn).length > 0) {
    throw elbError('ResourceInUse', `Target group '${tg.arn}' is currently in use by a listener or a rule`);
  }
  delete ctx.state.targetGroups[tg.arn];
  delete ctx.state.tags[tg.arn];
  return {};
};

export const describeTargetGroupAttributes: Handler<
  Checked<DescribeTargetGroupAttributesInput, 'TargetGroupArn'>,
  DescribeTargetGroupAttributesOutput,
  Elbv2State
> = (input, ctx) => ({
  Attributes: attributeList(requireTargetGroup(ctx.state, input.TargetGroupArn).attributes),
});

export const modifyTargetGroupAttributes: Handler<
  Checked<ModifyTargetGroupAttributesInput, 'TargetGroupArn' | 'Attributes'>,
  ModifyTargetGroupAttributesOutput,
  Elbv2State
> = (input, ctx) => {
  const tg = requireTargetGroup(ctx.state, input.TargetGroupArn);
  return { Attributes: modifyAttributes('Target group', tg.attributes, input.Attributes) };
};
