/**
 * Application Load Balancers: create, describe, delete, attributes, security groups, subnets, IP
 * address type, capacity reservation.
 */
import type {
  CreateLoadBalancerInput,
  CreateLoadBalancerOutput,
  DeleteLoadBalancerInput,
  DeleteLoadBalancerOutput,
  DescribeCapacityReservationInput,
  DescribeCapacityReservationOutput,
  DescribeLoadBalancerAttributesInput,
  DescribeLoadBalancerAttributesOutput,
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
  LoadBalancer,
  ModifyLoadBalancerAttributesInput,
  ModifyLoadBalancerAttributesOutput,
  SetIpAddressTypeInput,
  SetIpAddressTypeOutput,
  SetSecurityGroupsInput,
  SetSecurityGroupsOutput,
  SetSubnetsInput,
  SetSubnetsOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Checked, Handler } from '../../service-definition.ts';
import { arn, hexId, toDate } from '../common.ts';
import { attributeList, defaultAttributes, modifyAttributes } from './attributes.ts';
import { elbError, loadBalancerNotFound } from './errors.ts';
import { resolveSecurityGroups, resolveSubnets } from './network.ts';
import { page } from './paging.ts';
import type { Elbv2State, LoadBalancerRecord } from './state.ts';
import { requireLoadBalancer } from './state.ts';
import { checkTags } from './tags.ts';
import { QUOTAS } from './limits.ts';

/** AWS's default quota of Application Load Balancers per region. */
const MAX_LOAD_BALANCERS = QUOTAS['application-load-balancers'];

/** Route 53 zones of ALB DNS names, by region (what alias records point at). */
const HOSTED_ZONES: Record<string, string> = {
  'us-east-1': 'Z35SXDOTRQ7X7K',
  'us-east-2': 'Z3AADJGX6KTTL2',
  'us-west-1': 'Z368ELLRRE2KJ0',
  'us-west-2': 'Z1H1FL5HABSF5',
  'eu-west-1': 'Z32O12XQLNTSW2',
  'eu-central-1': 'Z215JYRZR1TBD5',
  'sa-east-1': 'Z2P70J7HTTTPLU',
};

/** Up to 32 letters, digits and hyphens, no hyphen at either end, not starting `internal-`. */
function checkName(name: string): void {
  if (!/^[a-zA-Z0-9-]{1,32}$/.test(name)) {
    throw elbError(
      'ValidationError',
      `The load balancer name '${name}' is not valid: up to 32 alphanumeric characters or hyphens`,
    );
  }
  if (name.startsWith('-') || name.endsWith('-')) {
    throw elbError('ValidationError', `Load balancer name '${name}' cannot begin or end with a hyphen`);
  }
  if (name.toLowerCase().startsWith('internal-')) {
    throw elbError('ValidationError', `Load balancer name '${name}' cannot begin with 'internal-'`);
  }
}

/** The subnets a request names, by Subnets or SubnetMappings (not both). */
function requestedSubnets(input: {
  Subnets?: string[] | undefined;
  SubnetMappings?: Array<{ SubnetId?: string | undefined }> | undefined;
}): string[] {
  if (input.Subnets?.length && input.SubnetMappings?.length) {
    throw elbError('ValidationError', 'You can specify subnets or subnet mappings, not both');
  }
  return [
    ...(input.Subnets ?? []),
    ...(input.SubnetMappings ?? []).flatMap((m) => (m.SubnetId ? [m.SubnetId] : [])),
  ];
}

/**
 * An internal load balancer uses ipv4. Dualstack ones need subnets with IPv6 CIDR blocks; the local
 * load balancer listens on IPv4 (127.0.0.1) only, so it refuses them even where the subnets have
 * IPv6 blocks, with the error AWS gives for IPv4-only subnets.
 */
function checkIpAddressType(
  scheme: string,
  type: string,
  subnets: ReadonlyArray<{ subnetId: string }>,
): void {
  if (type === 'ipv4') return;
  if (scheme === 'internal' && type === 'dualstack-without-public-ipv4') {
    throw elbError(
      'InvalidConfigurationRequest',
      "Internal load balancers cannot use IP address type 'dualstack-without-public-ipv4'",
    );
  }
  throw elbError(
    'InvalidSubnet',
    `IP address type '${type}' is not served: the local load balancer listens on IPv4 only, so it takes no IPv6 addresses in subnet '${subnets[0]?.subnetId}'`,
  );
}

export function loadBalancerView(lb: LoadBalancerRecord): LoadBalancer {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    ...(HOSTED_ZONES[lb.arn.split(':')[3]!]
      ? { CanonicalHostedZoneId: HOSTED_ZONES[lb.arn.split(':')[3]!] }
      : {}),
    CreatedTime: toDate(lb.createdMs),
    LoadBalancerName: lb.name,
    Scheme: lb.scheme,
    VpcId: lb.vpcId,
    State: { Code: lb.state.code, ...(lb.state.reason ? { Reason: lb.state.reason } : {}) },
    Type: 'application',
    AvailabilityZones: lb.subnets.map((s) => ({
      ZoneName: s.zone,
      SubnetId: s.subnetId,
      LoadBalancerAddresses: [],
    })),
    SecurityGroups: lb.securityGroups,
    IpAddressType: lb.ipAddressType as LoadBalancer['IpAddressType'],
  };
}

export const createLoadBalancer: Handler<
  Checked<CreateLoadBalancerInput, 'Name'>,
  CreateLoadBalancerOutput,
  Elbv2State
> = (input, ctx) => {
  checkName(input.Name);
  if (input.Type && input.Type !== 'application') {
    throw elbError(
      'ValidationError',
      `The local cloud emulates Application Load Balancers only, not type '${input.Type}'`,
    );
  }
  const subnetIds = requestedSubnets(input);
  const existing = Object.values(ctx.state.loadBalancers).find((lb) => lb.name === input.Name);
  const { vpcId, subnets } = resolveSubnets(ctx, subnetIds);
  const securityGroups = resolveSecurityGroups(ctx, vpcId, input.SecurityGroups);
  const scheme = input.Scheme ?? 'internet-facing';
  const ipAddressType = input.IpAddressType ?? 'ipv4';
  checkIpAddressType(scheme, ipAddressType, subnets);
  if (existing) {
    // Creating the same load balancer again returns it (AWS's CreateLoadBalancer is idempotent).
    const same =
      existing.scheme === scheme &&
      existing.subnets
        .map((s) => s.subnetId)
        .sort()
        .join() ===
        subnets
          .map((s) => s.subnetId)
          .sort()
          .join() &&
      existing.securityGroups.slice().sort().join() === securityGroups.slice().sort().join();
    if (!same)
      throw elbError('DuplicateLoadBalancerName', 'A load balancer with the same name already exists');
    return { LoadBalancers: [loadBalancerView(existing)] };
  }
  if (Object.keys(ctx.state.loadBalancers).length >= MAX_LOAD_BALANCERS) {
    throw elbError('TooManyLoadBalancers', 'The quota for the number of load balancers has been reached');
  }
  const tags = checkTags([], input.Tags ?? []);
  const id = hexId(8);
  const lb: LoadBalancerRecord = {
    arn: arn('elasticloadbalancing', ctx.region, ctx.accountId, `loadbalancer/app/${input.Name}/${id}`),
    name: input.Name,
    id,
    dnsName:
      `${scheme === 'internal' ? 'internal-' : ''}${input.Name}-${id}.${ctx.region}.elb.localhost`.toLowerCase(),
    createdMs: Date.now(),
    scheme,
    ipAddressType,
    vpcId,
    subnets,
    securityGroups,
    state: { code: 'active' },
    attributes: defaultAttributes('Load balancer'),
  };
  ctx.state.loadBalancers[lb.arn] = lb;
  if (tags.length) ctx.state.tags[lb.arn] = tags;
  // AWS answers while it provisions; here it is ready at once (listeners bind as they are created).
  return { LoadBalancers: [{ ...loadBalancerView(lb), State: { Code: 'provisioning' } }] };
};

export const describeLoadBalancers: Handler<
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
  Elbv2State
> = (input, ctx) => {
  const all = Object.values(ctx.state.loadBalancers).sort((a, b) => a.createdMs - b.createdMs);
  let chosen = all;
  if (input.LoadBalancerArns?.length) {
    if (input.Names?.length) {
      throw elbError(
        'ValidationError',
        'Load balancer names and load balancer ARNs cannot be specified at the same time',
      );
    }
    chosen = input.LoadBalancerArns.map((a) => requireLoadBalancer(ctx.state, a));
  } else if (input.Names?.length) {
    chosen = input.Names.map((name) => {
      const lb = all.find((l) => l.name === name);
      if (!lb) throw loadBalancerNotFound();
      return lb;
    });
  }
  const { page: items, NextMarker } = page(chosen, input);
  return { LoadBalancers: items.map(loadBalancerView), ...(NextMarker ? { NextMarker } : {}) };
};

/** Deletes the load balancer and its listeners and rules; an unknown ARN is already deleted. */
export const deleteLoadBalancer: Handler<
  Checked<DeleteLoadBalancerInput, 'LoadBalancerArn'>,
  DeleteLoadBalancerOutput,
  Elbv2State
> = (input, ctx) => {
  const lb = ctx.state.loadBalancers[input.LoadBalancerArn];
  if (!lb) {
    if (!/^arn:aws:elasticloadbalancing:[^:]*:\d{12}:loadbalancer\//.test(input.LoadBalancerArn)) {
      throw elbError('ValidationError', `'${input.LoadBalancerArn}' is not a valid load balancer ARN`);
    }
    return {};
  }
  if (lb.attributes['deletion_protection.enabled'] === 'true') {
    throw elbError(
      'OperationNotPermitted',
      `Load balancer '${lb.arn}' cannot be deleted because deletion protection is enabled`,
    );
  }
  for (const listener of Object.values(ctx.state.listeners)) {
    if (listener.loadBalancerArn !== lb.arn) continue;
    for (const rule of Object.values(ctx.state.rules)) {
      if (rule.listenerArn === listener.arn) {
        delete ctx.state.rules[rule.arn];
        delete ctx.state.tags[rule.arn];
      }
    }
    delete ctx.state.listeners[listener.arn];
    delete ctx.state.tags[listener.arn];
  }
  delete ctx.state.loadBalancers[lb.arn];
  delete ctx.state.tags[lb.arn];
  return {};
};

export const describeLoadBalancerAttributes: Handler<
  Checked<DescribeLoadBalancerAttributesInput, 'LoadBalancerArn'>,
  DescribeLoadBalancerAttributesOutput,
  Elbv2State
> = (input, ctx) => ({
  Attributes: attributeList(requireLoadBalancer(ctx.state, input.LoadBalancerArn).attributes),
});

export const modifyLoadBalancerAttributes: Handler<
  Checked<ModifyLoadBalancerAttributesInput, 'LoadBalancerArn' | 'Attributes'>,
  ModifyLoadBalancerAttributesOutput,
  Elbv2State
> = (input, ctx) => {
  const lb = requireLoadBalancer(ctx.state, input.LoadBalancerArn);
  return { Attributes: modifyAttributes('Load balancer', lb.attributes, input.Attributes) };
};

export const setSecurityGroups: Handler<
  Checked<SetSecurityGroupsInput, 'LoadBalancerArn' | 'SecurityGroups'>,
  SetSecurityGroupsOutput,
  Elbv2State
> = (input, ctx) => {
  const lb = requireLoadBalancer(ctx.state, input.LoadBalancerArn);
  if (input.SecurityGroups.length === 0) {
    throw elbError('ValidationError', 'An Application Load Balancer must have at least one security group');
  }
  lb.securityGroups = resolveSecurityGroups(ctx, lb.vpcId, input.SecurityGroups);
  return { SecurityGroupIds: lb.securityGroups };
};

/** Replaces the load balancer's subnets (at least two zones, its own VPC). */
export const setSubnets: Handler<
  Checked<SetSubnetsInput, 'LoadBalancerArn'>,
  SetSubnetsOutput,
  Elbv2State
> = (input, ctx) => {
  const lb = requireLoadBalancer(ctx.state, input.LoadBalancerArn);
  const subnetIds = requestedSubnets(input);
  if (subnetIds.length === 0) {
    throw elbError('ValidationError', 'You must specify subnets or subnet mappings');
  }
  const { vpcId, subnets } = resolveSubnets(ctx, subnetIds);
  if (vpcId !== lb.vpcId) {
    throw elbError('InvalidSubnet', `The subnets must be in the load balancer's VPC '${lb.vpcId}'`);
  }
  if (input.IpAddressType !== undefined) checkIpAddressType(lb.scheme, input.IpAddressType, subnets);
  lb.subnets = subnets;
  lb.ipAddressType = input.IpAddressType ?? lb.ipAddressType;
  const view = loadBalancerView(lb);
  return { AvailabilityZones: view.AvailabilityZones, IpAddressType: view.IpAddressType };
};

export const setIpAddressType: Handler<
  Checked<SetIpAddressTypeInput, 'LoadBalancerArn' | 'IpAddressType'>,
  SetIpAddressTypeOutput,
  Elbv2State
> = (input, ctx) => {
  const lb = requireLoadBalancer(ctx.state, input.LoadBalancerArn);
  checkIpAddressType(lb.scheme, input.IpAddressType, lb.subnets);
  lb.ipAddressType = input.IpAddressType;
  return { IpAddressType: input.IpAddressType };
};

/**
 * No load balancer here has a capacity reservation (ModifyCapacityReservation is not served): the
 * answer is the reference's shape with no zonal states and no minimum capacity.
 */
export const describeCapacityReservation: Handler<
  Checked<DescribeCapacityReservationInput, 'LoadBalancerArn'>,
  DescribeCapacityReservationOutput,
  Elbv2State
> = (input, ctx) => {
  requireLoadBalancer(ctx.state, input.LoadBalancerArn);
  return { CapacityReservationState: [] };
};
