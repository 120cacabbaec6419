/**
 * What ELBv2 reads of the region's EC2 state: the subnets and security groups a load balancer
 * names must exist, as AWS checks them (services never import each other, so the records' shape
 * is restated here).
 */
import type { RequestContext } from '../../service-definition.ts';
import { elbError } from './errors.ts';
import type { Elbv2State } from './state.ts';

interface Ec2Records {
  vpcs: Record<string, { id: string; cidr: string }>;
  subnets: Record<string, { id: string; vpcId: string; zone: string }>;
  securityGroups: Record<string, { id: string; vpcId: string; name: string }>;
}

function ec2Of(ctx: RequestContext<Elbv2State>): Ec2Records | undefined {
  return ctx.store.regions<Ec2Records>('ec2').find(([region]) => region === ctx.region)?.[1];
}

/** An Application Load Balancer's subnets: existing, one VPC, at least two Availability Zones. */
export function resolveSubnets(
  ctx: RequestContext<Elbv2State>,
  subnetIds: readonly string[],
): { vpcId: string; subnets: Array<{ subnetId: string; zone: string }> } {
  const ec2 = ec2Of(ctx);
  const subnets = subnetIds.map((id) => {
    const subnet = ec2 && Object.hasOwn(ec2.subnets, id) ? ec2.subnets[id] : undefined;
    if (!subnet) throw elbError('SubnetNotFound', `The subnet ID '${id}' is not valid`);
    return subnet;
  });
  const vpcIds = new Set(subnets.map((s) => s.vpcId));
  if (vpcIds.size > 1) {
    throw elbError('InvalidConfigurationRequest', 'The subnets must all belong to the same VPC');
  }
  const zones = new Set(subnets.map((s) => s.zone));
  if (zones.size !== subnets.length) {
    throw elbError(
      'InvalidConfigurationRequest',
      'A load balancer cannot be attached to multiple subnets in the same Availability Zone',
    );
  }
  if (zones.size < 2) {
    throw elbError(
      'ValidationError',
      'At least two subnets in two different Availability Zones must be specified',
    );
  }
  return { vpcId: subnets[0]!.vpcId, subnets: subnets.map((s) => ({ subnetId: s.id, zone: s.zone })) };
}

/** Security groups: existing, in the load balancer's VPC. None given: the VPC's default group. */
export function resolveSecurityGroups(
  ctx: RequestContext<Elbv2State>,
  vpcId: string,
  groupIds: readonly string[] | undefined,
): string[] {
  const ec2 = ec2Of(ctx);
  if (!groupIds?.length) {
    const fallback = Object.values(ec2?.securityGroups ?? {}).find(
      (g) => g.vpcId === vpcId && g.name === 'default',
    );
    return fallback ? [fallback.id] : [];
  }
  for (const id of groupIds) {
    const group = ec2 && Object.hasOwn(ec2.securityGroups, id) ? ec2.securityGroups[id] : undefined;
    if (!group || group.vpcId !== vpcId) {
      throw elbError('InvalidSecurityGroup', `Security group '${id}' does not exist in VPC '${vpcId}'`);
    }
  }
  return [...new Set(groupIds)];
}

/** A target group's VPC must exist in the region. */
export function requireVpc(ctx: RequestContext<Elbv2State>, vpcId: string): { id: string; cidr: string } {
  const ec2 = ec2Of(ctx);
  const vpc = ec2 && Object.hasOwn(ec2.vpcs, vpcId) ? ec2.vpcs[vpcId] : undefined;
  if (!vpc) throw elbError('ValidationError', `The VPC ID '${vpcId}' is not found`);
  return vpc;
}
