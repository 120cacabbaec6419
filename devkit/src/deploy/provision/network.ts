import type { Filter, IpPermission, RouteTable, Subnet, Tag } from '@aws-sdk/client-ec2';
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  ModifySubnetAttributeCommand,
  ReplaceRouteCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { DeployError } from '../progress.ts';
import type { AnyResource, ProvisionContext } from './resource.ts';
import { awsTags, defineResource, whileInUse } from './resource.ts';

/*
 * The stage's network: a VPC, an internet gateway, two public subnets (tasks run here, with public
 * IPs, so they can pull from ECR without a NAT gateway; the load balancer spans both), two private
 * subnets, a route table for each kind, and the security groups of the load balancer and the app.
 */

type EC2ResourceType = 'vpc' | 'internet-gateway' | 'subnet' | 'route-table' | 'security-group';

function tagSpecifications(ctx: ProvisionContext, ResourceType: EC2ResourceType, name: string) {
  return [{ ResourceType, Tags: awsTags({ Name: name, ...ctx.tags }) }];
}

/** Our resources carry the stack's tags; the Name tag tells them apart. */
function byName(ctx: ProvisionContext, name: string): Filter[] {
  return [
    { Name: 'tag:Name', Values: [name] },
    ...Object.entries(ctx.tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
  ];
}

function cannotChange(what: string): never {
  throw new DeployError(
    `${what} cannot be changed in place: run \`devkit remove\` for this stage, then deploy again`,
    'provision',
  );
}

export function vpc(ctx: ProvisionContext): AnyResource {
  const { ec2 } = ctx.clients;
  const name = ctx.names.vpc;
  const cidr = ctx.stack.config.network.vpcCidr;
  return defineResource({
    type: 'VPC',
    name,
    async observe() {
      const { Vpcs = [] } = await ec2.send(new DescribeVpcsCommand({ Filters: byName(ctx, name) }));
      const found = Vpcs[0];
      ctx.found.vpcId = found?.VpcId;
      return found;
    },
    drift: (found) => (found.CidrBlock === cidr ? [] : [`CIDR ${found.CidrBlock} → ${cidr}`]),
    async create() {
      const { Vpc } = await ec2.send(
        new CreateVpcCommand({ CidrBlock: cidr, TagSpecifications: tagSpecifications(ctx, 'vpc', name) }),
      );
      ctx.found.vpcId = Vpc?.VpcId;
    },
    update: () => cannotChange(`the VPC's CIDR (${cidr})`),
    async remove(found) {
      await ec2.send(new DeleteVpcCommand({ VpcId: found.VpcId }));
    },
  });
}

export function internetGateway(ctx: ProvisionContext): AnyResource {
  const { ec2 } = ctx.clients;
  const name = ctx.names.internetGateway;
  const attachedTo = (gateway: { Attachments?: { VpcId?: string }[] }) =>
    (gateway.Attachments ?? []).flatMap((a) => (a.VpcId ? [a.VpcId] : []));
  const attach = async (InternetGatewayId: string | undefined) => {
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId, VpcId: ctx.found.vpcId }));
  };
  return defineResource({
    type: 'internet gateway',
    name,
    async observe() {
      const { InternetGateways = [] } = await ec2.send(
        new DescribeInternetGatewaysCommand({ Filters: byName(ctx, name) }),
      );
      const found = InternetGateways[0];
      ctx.found.internetGatewayId = found?.InternetGatewayId;
      return found;
    },
    drift: (gateway) =>
      ctx.found.vpcId && attachedTo(gateway).includes(ctx.found.vpcId)
        ? []
        : [`attach to VPC ${ctx.names.vpc}`],
    async create() {
      const { InternetGateway } = await ec2.send(
        new CreateInternetGatewayCommand({
          TagSpecifications: tagSpecifications(ctx, 'internet-gateway', name),
        }),
      );
      ctx.found.internetGatewayId = InternetGateway?.InternetGatewayId;
      await attach(InternetGateway?.InternetGatewayId);
    },
    async update(gateway) {
      for (const VpcId of attachedTo(gateway)) {
        await ec2.send(
          new DetachInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId, VpcId }),
        );
      }
      await attach(gateway.InternetGatewayId);
    },
    async remove(gateway) {
      for (const VpcId of attachedTo(gateway)) {
        await ec2.send(
          new DetachInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId, VpcId }),
        );
      }
      await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId }));
    },
  });
}

export function subnet(ctx: ProvisionContext, kind: 'public' | 'private', index: 0 | 1): AnyResource {
  const { ec2 } = ctx.clients;
  const name = (kind === 'public' ? ctx.names.publicSubnets : ctx.names.privateSubnets)[index];
  const spec = (
    kind === 'public' ? ctx.stack.config.network.publicSubnets : ctx.stack.config.network.privateSubnets
  )[index];
  if (!spec) throw new Error(`no ${kind} subnet ${index + 1} in the stack`);
  const ids = kind === 'public' ? ctx.found.publicSubnetIds : ctx.found.privateSubnetIds;
  const mapPublicIp = kind === 'public';
  const setMapPublicIp = async (SubnetId: string | undefined) => {
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId, MapPublicIpOnLaunch: { Value: mapPublicIp } }),
    );
  };
  return defineResource<Subnet>({
    type: `${kind} subnet`,
    name,
    async observe() {
      if (!ctx.found.vpcId) return undefined;
      const { Subnets = [] } = await ec2.send(
        new DescribeSubnetsCommand({
          Filters: [{ Name: 'vpc-id', Values: [ctx.found.vpcId] }, ...byName(ctx, name)],
        }),
      );
      const found = Subnets[0];
      ids[index] = found?.SubnetId;
      return found;
    },
    drift(found) {
      const drift: string[] = [];
      if (found.CidrBlock !== spec.cidr) drift.push(`CIDR ${found.CidrBlock} → ${spec.cidr}`);
      if (found.AvailabilityZone !== spec.availabilityZone) {
        drift.push(`zone ${found.AvailabilityZone} → ${spec.availabilityZone}`);
      }
      if ((found.MapPublicIpOnLaunch ?? false) !== mapPublicIp)
        drift.push(`mapPublicIpOnLaunch → ${mapPublicIp}`);
      return drift;
    },
    async create() {
      const { Subnet: created } = await ec2.send(
        new CreateSubnetCommand({
          VpcId: ctx.found.vpcId,
          CidrBlock: spec.cidr,
          AvailabilityZone: spec.availabilityZone,
          TagSpecifications: tagSpecifications(ctx, 'subnet', name),
        }),
      );
      ids[index] = created?.SubnetId;
      if (mapPublicIp) await setMapPublicIp(created?.SubnetId);
    },
    async update(found) {
      if (found.CidrBlock !== spec.cidr || found.AvailabilityZone !== spec.availabilityZone) {
        cannotChange(`subnet ${name}'s CIDR or zone`);
      }
      await setMapPublicIp(found.SubnetId);
    },
    async remove(found) {
      await whileInUse(() => ec2.send(new DeleteSubnetCommand({ SubnetId: found.SubnetId })));
    },
  });
}

const ANYWHERE = '0.0.0.0/0';

/** Public: a default route to the internet gateway. Private: local routes only. */
export function routeTable(ctx: ProvisionContext, kind: 'public' | 'private'): AnyResource {
  const { ec2 } = ctx.clients;
  const name = kind === 'public' ? ctx.names.publicRouteTable : ctx.names.privateRouteTable;
  const subnetIds = () => (kind === 'public' ? ctx.found.publicSubnetIds : ctx.found.privateSubnetIds);
  const defaultRoute = (table: RouteTable) => table.Routes?.find((r) => r.DestinationCidrBlock === ANYWHERE);
  const associated = (table: RouteTable) => (table.Associations ?? []).map((a) => a.SubnetId);
  const ensure = async (table: RouteTable) => {
    const RouteTableId = table.RouteTableId;
    if (kind === 'public') {
      const route = defaultRoute(table);
      const GatewayId = ctx.found.internetGatewayId;
      if (!route) {
        await ec2.send(new CreateRouteCommand({ RouteTableId, DestinationCidrBlock: ANYWHERE, GatewayId }));
      } else if (route.GatewayId !== GatewayId) {
        await ec2.send(new ReplaceRouteCommand({ RouteTableId, DestinationCidrBlock: ANYWHERE, GatewayId }));
      }
    }
    for (const SubnetId of subnetIds()) {
      if (SubnetId && !associated(table).includes(SubnetId)) {
        await ec2.send(new AssociateRouteTableCommand({ RouteTableId, SubnetId }));
      }
    }
  };
  return defineResource<RouteTable>({
    type: `${kind} route table`,
    name,
    async observe() {
      if (!ctx.found.vpcId) return undefined;
      const { RouteTables = [] } = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: 'vpc-id', Values: [ctx.found.vpcId] }, ...byName(ctx, name)],
        }),
      );
      return RouteTables[0];
    },
    drift(table) {
      const drift: string[] = [];
      if (kind === 'public' && defaultRoute(table)?.GatewayId !== ctx.found.internetGatewayId) {
        drift.push(`route ${ANYWHERE} → internet gateway`);
      }
      const missing = subnetIds().filter((id) => id && !associated(table).includes(id));
      if (missing.length > 0) drift.push(`associate ${missing.join(', ')}`);
      return drift;
    },
    async create() {
      const { RouteTable: created } = await ec2.send(
        new CreateRouteTableCommand({
          VpcId: ctx.found.vpcId,
          TagSpecifications: tagSpecifications(ctx, 'route-table', name),
        }),
      );
      if (created) await ensure(created);
    },
    update: ensure,
    async remove(table) {
      for (const association of table.Associations ?? []) {
        if (!association.Main) {
          await ec2.send(
            new DisassociateRouteTableCommand({ AssociationId: association.RouteTableAssociationId }),
          );
        }
      }
      await ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.RouteTableId }));
    },
  });
}

/**
 * A security group admitting one TCP port from one source, nothing else: the load balancer's takes
 * its listener port from the stack's ingress CIDR; the app's takes the container port from the load
 * balancer's security group only, so the tasks are reached through the load balancer alone.
 */
export function securityGroup(ctx: ProvisionContext, role: 'app' | 'load-balancer'): AnyResource {
  const { ec2 } = ctx.clients;
  const forApp = role === 'app';
  const name = forApp ? ctx.names.securityGroup : ctx.names.loadBalancerSecurityGroup;
  const port = forApp ? ctx.stack.config.task.port : ctx.stack.config.loadBalancer.port;
  const cidr = ctx.stack.config.network.ingressCidr;
  /** The wanted rule's source: a CIDR, or (known once that group is found) a security group id. */
  const source = () => (forApp ? ctx.found.loadBalancerSecurityGroupId : cidr);
  const sourceName = forApp ? `security group ${ctx.names.loadBalancerSecurityGroup}` : cidr;
  const wanted = (): IpPermission => ({
    IpProtocol: 'tcp',
    FromPort: port,
    ToPort: port,
    ...(forApp ? { UserIdGroupPairs: [{ GroupId: source() }] } : { IpRanges: [{ CidrIp: cidr }] }),
  });
  type Rule = { permission: IpPermission; source: string | undefined };
  const isWanted = (rule: Rule) =>
    rule.permission.IpProtocol === 'tcp' &&
    rule.permission.FromPort === port &&
    rule.permission.ToPort === port &&
    rule.source !== undefined &&
    rule.source === source();
  /** Each rule as one protocol/port range/source, so extras can be revoked one by one. */
  const rules = (permissions: IpPermission[] = []): Rule[] =>
    permissions.flatMap((p) => {
      const only = { ...p, IpRanges: [], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] };
      return [
        ...(p.IpRanges ?? []).map((r) => ({ permission: { ...only, IpRanges: [r] }, source: r.CidrIp })),
        ...(p.Ipv6Ranges ?? []).map((r) => ({
          permission: { ...only, Ipv6Ranges: [r] },
          source: r.CidrIpv6,
        })),
        ...(p.UserIdGroupPairs ?? []).map((g) => ({
          permission: { ...only, UserIdGroupPairs: [g] },
          source: g.GroupId,
        })),
      ];
    });
  type Group = { GroupId?: string; IpPermissions?: IpPermission[]; Tags?: Tag[] };
  const describe = (rule: Rule) =>
    `${rule.permission.IpProtocol}/${rule.permission.FromPort}-${rule.permission.ToPort} from ${rule.source}`;
  const allow = `allow tcp/${port}-${port} from ${sourceName}`;
  const authorize = async (GroupId: string | undefined) => {
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [wanted()] }));
  };
  return defineResource<Group>({
    type: forApp ? 'security group' : 'load balancer security group',
    name,
    async observe() {
      if (!ctx.found.vpcId) return undefined;
      const { SecurityGroups = [] } = await ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [ctx.found.vpcId] },
            { Name: 'group-name', Values: [name] },
          ],
        }),
      );
      const found = SecurityGroups[0];
      if (forApp) ctx.found.securityGroupId = found?.GroupId;
      else ctx.found.loadBalancerSecurityGroupId = found?.GroupId;
      return found;
    },
    drift(group) {
      const current = rules(group.IpPermissions);
      const drift = current.some(isWanted) ? [] : [allow];
      for (const rule of current) if (!isWanted(rule)) drift.push(`revoke ${describe(rule)}`);
      return drift;
    },
    async create() {
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: forApp
            ? `${ctx.names.prefix}: the app port from the load balancer only`
            : `${ctx.names.prefix}: the load balancer's listener port only`,
          VpcId: ctx.found.vpcId,
          TagSpecifications: tagSpecifications(ctx, 'security-group', name),
        }),
      );
      if (forApp) ctx.found.securityGroupId = GroupId;
      else ctx.found.loadBalancerSecurityGroupId = GroupId;
      await authorize(GroupId);
    },
    async update(group) {
      const current = rules(group.IpPermissions);
      const extras = current.filter((r) => !isWanted(r)).map((r) => r.permission);
      if (extras.length > 0) {
        await ec2.send(
          new RevokeSecurityGroupIngressCommand({ GroupId: group.GroupId, IpPermissions: extras }),
        );
      }
      if (!current.some(isWanted)) await authorize(group.GroupId);
    },
    async remove(group) {
      // On AWS a deleted load balancer's or task's network interfaces linger for a while.
      await whileInUse(() => ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId })));
    },
  });
}
