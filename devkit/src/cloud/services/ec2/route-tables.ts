/** Route tables, their routes (the VPC's local route first) and their subnet associations. */
import type {
  AssociateRouteTableRequest,
  AssociateRouteTableResult,
  CreateRouteRequest,
  CreateRouteResult,
  CreateRouteTableRequest,
  CreateRouteTableResult,
  DeleteRouteRequest,
  DeleteRouteTableRequest,
  DescribeRouteTablesRequest,
  DescribeRouteTablesResult,
  DisassociateRouteTableRequest,
  ReplaceRouteRequest,
  ReplaceRouteTableAssociationRequest,
  ReplaceRouteTableAssociationResult,
  RouteTable,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { parseCidr } from '../../../net/cidr.ts';
import { formatIpv6Cidr, parseIpv6Cidr } from '../../../net/ipv6-cidr.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State, RouteTableRecord, VpcRecord } from './state.ts';
import { dependencyViolation, ec2Error, find, records, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';
import { localBlocksOf } from './vpc-cidr-blocks.ts';
import { forgetRouteTable, gatewayEndpointRoutes } from './vpc-endpoints.ts';

/** A new table with a local route to each of the VPC's blocks; the VPC's first table is its main one. */
export function addRouteTable(state: Ec2State, vpc: VpcRecord, main: boolean): RouteTableRecord {
  const table: RouteTableRecord = {
    id: resourceId('rtb'),
    vpcId: vpc.id,
    routes: localBlocksOf(vpc).map((cidr) => ({
      destinationCidrBlock: cidr,
      gatewayId: 'local',
      origin: 'CreateRouteTable' as const,
    })),
    associations: main ? [{ id: resourceId('rtbassoc') }] : [],
  };
  state.routeTables[table.id] = table;
  return table;
}

/** An IPv6 destination's canonical form (routes to `::/0` match however the request spelled it). */
function destinationOf(raw: string): string {
  const ipv6 = raw.includes(':');
  const parsed = ipv6 ? parseIpv6Cidr(raw) : parseCidr(raw);
  if (!parsed) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value (${raw}) for parameter ${ipv6 ? 'destinationIpv6CidrBlock' : 'destinationCidrBlock'} is invalid. This is not a valid CIDR block.`,
    );
  }
  return ipv6 ? formatIpv6Cidr(parseIpv6Cidr(raw)!) : raw;
}

export function addRoute(
  state: Ec2State,
  table: RouteTableRecord,
  rawDestination: string,
  gatewayId: string,
): void {
  const destination = destinationOf(rawDestination);
  if (table.routes.some((r) => r.destinationCidrBlock === destination)) {
    throw ec2Error('RouteAlreadyExists', `The route identified by ${destination} already exists.`);
  }
  checkTarget(state, table, gatewayId, destination);
  table.routes.push({ destinationCidrBlock: destination, gatewayId, origin: 'CreateRoute' });
}

/**
 * An internet gateway attached to the table's VPC, or a NAT gateway in it, or its egress-only
 * internet gateway (which carries IPv6 only).
 */
function checkTarget(state: Ec2State, table: RouteTableRecord, gatewayId: string, destination: string): void {
  if (gatewayId.startsWith('eigw-') && !destination.includes(':')) {
    throw ec2Error(
      'InvalidParameterValue',
      `Egress-only internet gateway ${gatewayId} routes IPv6 traffic only: use destinationIpv6CidrBlock, not ${destination}`,
    );
  }
  const vpcId = gatewayId.startsWith('nat-')
    ? find(state, 'nat', gatewayId).vpcId
    : gatewayId.startsWith('eigw-')
      ? find(state, 'eigw', gatewayId).vpcId
      : find(state, 'igw', gatewayId).attachedVpcId;
  if (vpcId !== table.vpcId) {
    throw ec2Error(
      'InvalidParameterValue',
      `route table ${table.id} and network gateway ${gatewayId} belong to different networks`,
    );
  }
}

/** The main table of a VPC. */
export function mainRouteTable(state: Ec2State, vpcId: string): RouteTableRecord | undefined {
  return Object.values(state.routeTables).find(
    (t) => t.vpcId === vpcId && t.associations.some((a) => a.subnetId === undefined),
  );
}

/** A route to a gateway no longer attached (or a NAT gateway deleted or failed) is a blackhole. */
function routeActive(state: Ec2State, table: RouteTableRecord, target: string): boolean {
  if (target === 'local') return true;
  if (target.startsWith('nat-')) {
    const nat = records(state, 'nat')[target];
    return nat !== undefined && nat.deletedMs === undefined && nat.failure === undefined;
  }
  if (target.startsWith('eigw-')) return records(state, 'eigw')[target] !== undefined;
  return state.internetGateways[target]?.attachedVpcId === table.vpcId;
}

function targetShape(target: string): {
  NatGatewayId?: string;
  EgressOnlyInternetGatewayId?: string;
  GatewayId?: string;
} {
  if (target.startsWith('nat-')) return { NatGatewayId: target };
  if (target.startsWith('eigw-')) return { EgressOnlyInternetGatewayId: target };
  return { GatewayId: target };
}

function tableShape(state: Ec2State, table: RouteTableRecord, accountId: string): RouteTable {
  return {
    RouteTableId: table.id,
    VpcId: table.vpcId,
    OwnerId: accountId,
    Routes: [
      ...table.routes.map((r) => ({
        ...(r.destinationCidrBlock.includes(':')
          ? { DestinationIpv6CidrBlock: r.destinationCidrBlock }
          : { DestinationCidrBlock: r.destinationCidrBlock }),
        ...targetShape(r.gatewayId),
        Origin: r.origin,
        State: routeActive(state, table, r.gatewayId) ? ('active' as const) : ('blackhole' as const),
      })),
      // A gateway endpoint's route: its service's prefix list, to the endpoint.
      ...gatewayEndpointRoutes(state, table.id).map((r) => ({
        DestinationPrefixListId: r.prefixListId,
        GatewayId: r.endpointId,
        Origin: 'CreateRoute' as const,
        State: 'active' as const,
      })),
    ],
    Associations: table.associations.map((a) => ({
      RouteTableAssociationId: a.id,
      RouteTableId: table.id,
      Main: a.subnetId === undefined,
      ...(a.subnetId ? { SubnetId: a.subnetId } : {}),
      AssociationState: { State: 'associated' },
    })),
    PropagatingVgws: [],
    Tags: tagsOf(state, table.id),
  };
}

export const createRouteTable: Handler<
  Checked<CreateRouteTableRequest, 'VpcId'>,
  CreateRouteTableResult,
  Ec2State
> = (input, ctx) => {
  const table = addRouteTable(ctx.state, find(ctx.state, 'vpc', input.VpcId), false);
  applyTagSpecifications(ctx.state, table.id, 'route-table', input.TagSpecifications);
  return { RouteTable: tableShape(ctx.state, table, ctx.accountId) };
};

export const describeRouteTables: Handler<DescribeRouteTablesRequest, DescribeRouteTablesResult, Ec2State> = (
  input,
  ctx,
) => {
  const tables = applyFilters(ctx.state, selectByIds(ctx.state, 'rtb', input.RouteTableIds), input.Filters, {
    'route-table-id': (t) => t.id,
    'vpc-id': (t) => t.vpcId,
    'owner-id': () => ctx.accountId,
    'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
    'association.route-table-association-id': (t) => t.associations.map((a) => a.id),
    'association.main': (t) => t.associations.some((a) => a.subnetId === undefined),
    'route.destination-cidr-block': (t) =>
      t.routes.filter((r) => !r.destinationCidrBlock.includes(':')).map((r) => r.destinationCidrBlock),
    'route.destination-ipv6-cidr-block': (t) =>
      t.routes.filter((r) => r.destinationCidrBlock.includes(':')).map((r) => r.destinationCidrBlock),
    'route.egress-only-internet-gateway-id': (t) =>
      t.routes.filter((r) => r.gatewayId.startsWith('eigw-')).map((r) => r.gatewayId),
    'route.gateway-id': (t) => [
      ...t.routes.filter((r) => targetShape(r.gatewayId).GatewayId).map((r) => r.gatewayId),
      ...gatewayEndpointRoutes(ctx.state, t.id).map((r) => r.endpointId),
    ],
    'route.destination-prefix-list-id': (t) =>
      gatewayEndpointRoutes(ctx.state, t.id).map((r) => r.prefixListId),
    'route.nat-gateway-id': (t) =>
      t.routes.filter((r) => r.gatewayId.startsWith('nat-')).map((r) => r.gatewayId),
  });
  const { page, nextToken } = paginate(tables, input.MaxResults, input.NextToken, 1000);
  return {
    RouteTables: page.map((t) => tableShape(ctx.state, t, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

/**
 * The one target a CreateRoute / ReplaceRoute request names. Routes can name a VPC endpoint only
 * when it is a Gateway Load Balancer endpoint, which the local cloud has none of (a gateway
 * endpoint's routes are the endpoint's to add: CreateVpcEndpoint / ModifyVpcEndpoint RouteTableIds).
 */
function routeTarget(
  state: Ec2State,
  input: CreateRouteRequest | ReplaceRouteRequest,
): { target: string; destination: string } {
  const endpointId =
    input.VpcEndpointId ?? (input.GatewayId?.startsWith('vpce-') ? input.GatewayId : undefined);
  if (endpointId !== undefined) {
    const endpoint = find(state, 'vpce', endpointId);
    throw ec2Error(
      'InvalidParameterValue',
      `Route target ${endpoint.id} is a ${endpoint.type} endpoint: routes can target Gateway Load Balancer endpoints only`,
    );
  }
  const targets = [input.GatewayId, input.NatGatewayId, input.EgressOnlyInternetGatewayId].filter(
    (t) => t !== undefined,
  );
  if (targets.length !== 1) {
    throw ec2Error(
      'InvalidParameterValue',
      'The local cloud routes to internet gateways, NAT gateways and egress-only internet gateways: the request must contain exactly one of gatewayId, natGatewayId, egressOnlyInternetGatewayId',
    );
  }
  return { target: targets[0]!, destination: requestedDestination(input) };
}

/** The one destination a route request names (a prefix list is a gateway endpoint's, not the user's). */
function requestedDestination(input: {
  DestinationCidrBlock?: string;
  DestinationIpv6CidrBlock?: string;
}): string {
  const { DestinationCidrBlock: v4, DestinationIpv6CidrBlock: v6 } = input;
  if ((v4 === undefined) === (v6 === undefined)) {
    throw ec2Error(
      'InvalidParameterCombination',
      'The request must contain exactly one of the parameters destinationCidrBlock, destinationIpv6CidrBlock',
    );
  }
  return destinationOf(v4 ?? v6!);
}

export const createRoute: Handler<
  Checked<CreateRouteRequest, 'RouteTableId'>,
  CreateRouteResult,
  Ec2State
> = (input, ctx) => {
  const table = find(ctx.state, 'rtb', input.RouteTableId);
  const { target, destination } = routeTarget(ctx.state, input);
  addRoute(ctx.state, table, destination, target);
  return { Return: true };
};

/** ReplaceRoute: the route to a destination now goes to another target (the VPC's local route stays). */
export const replaceRoute: Handler<Checked<ReplaceRouteRequest, 'RouteTableId'>, void, Ec2State> = (
  input,
  ctx,
) => {
  const table = find(ctx.state, 'rtb', input.RouteTableId);
  const { target, destination } = routeTarget(ctx.state, input);
  const index = table.routes.findIndex((r) => r.destinationCidrBlock === destination);
  if (index < 0) {
    throw ec2Error(
      'InvalidParameterValue',
      `There is no route defined for '${destination}' in the route table. Use CreateRoute instead.`,
    );
  }
  if (table.routes[index]!.gatewayId === 'local') {
    throw ec2Error(
      'InvalidParameterValue',
      `cannot replace local route ${destination} in route table ${table.id}`,
    );
  }
  checkTarget(ctx.state, table, target, destination);
  table.routes[index] = { destinationCidrBlock: destination, gatewayId: target, origin: 'CreateRoute' };
};

export const deleteRoute: Handler<Checked<DeleteRouteRequest, 'RouteTableId'>, void, Ec2State> = (
  input,
  ctx,
) => {
  const table = find(ctx.state, 'rtb', input.RouteTableId);
  const destination = requestedDestination(input);
  const route = table.routes.find((r) => r.destinationCidrBlock === destination);
  if (!route) {
    throw ec2Error(
      'InvalidRoute.NotFound',
      `no route with destination-cidr-block ${destination} in route table ${table.id}`,
    );
  }
  if (route.gatewayId === 'local') {
    throw ec2Error(
      'InvalidParameterValue',
      `cannot remove local route ${destination} in route table ${table.id}`,
    );
  }
  table.routes = table.routes.filter((r) => r !== route);
};

export const associateRouteTable: Handler<
  Checked<AssociateRouteTableRequest, 'RouteTableId'>,
  AssociateRouteTableResult,
  Ec2State
> = (input, ctx) => {
  const table = find(ctx.state, 'rtb', input.RouteTableId);
  if (!input.SubnetId) throw ec2Error('MissingParameter', 'The request must contain the parameter subnetId');
  const subnet = find(ctx.state, 'subnet', input.SubnetId);
  if (subnet.vpcId !== table.vpcId) {
    throw ec2Error(
      'InvalidParameterValue',
      `Route table ${table.id} and subnet ${subnet.id} belong to different networks`,
    );
  }
  const existing = Object.values(ctx.state.routeTables).find((t) =>
    t.associations.some((a) => a.subnetId === subnet.id),
  );
  if (existing) {
    throw ec2Error(
      'Resource.AlreadyAssociated',
      `the specified association for route table ${existing.id} conflicts with an existing association`,
    );
  }
  const association = { id: resourceId('rtbassoc'), subnetId: subnet.id };
  table.associations.push(association);
  return { AssociationId: association.id, AssociationState: { State: 'associated' } };
};

export const disassociateRouteTable: Handler<DisassociateRouteTableRequest, void, Ec2State> = (
  input,
  ctx,
) => {
  const table = Object.values(ctx.state.routeTables).find((t) =>
    t.associations.some((a) => a.id === input.AssociationId),
  );
  const association = table?.associations.find((a) => a.id === input.AssociationId);
  if (!table || !association) {
    throw ec2Error(
      'InvalidAssociationID.NotFound',
      `The association ID '${input.AssociationId}' does not exist`,
    );
  }
  if (association.subnetId === undefined) {
    throw ec2Error(
      'InvalidParameterValue',
      `cannot disassociate the main route table association ${association.id}`,
    );
  }
  table.associations = table.associations.filter((a) => a !== association);
};

/** ReplaceRouteTableAssociation: a subnet (or the VPC's main association) moves to another table. */
export const replaceRouteTableAssociation: Handler<
  Checked<ReplaceRouteTableAssociationRequest, 'AssociationId' | 'RouteTableId'>,
  ReplaceRouteTableAssociationResult,
  Ec2State
> = (input, ctx) => {
  const current = Object.values(ctx.state.routeTables).find((t) =>
    t.associations.some((a) => a.id === input.AssociationId),
  );
  const association = current?.associations.find((a) => a.id === input.AssociationId);
  if (!current || !association) {
    throw ec2Error(
      'InvalidAssociationID.NotFound',
      `The association ID '${input.AssociationId}' does not exist`,
    );
  }
  const table = find(ctx.state, 'rtb', input.RouteTableId);
  if (table.vpcId !== current.vpcId) {
    throw ec2Error(
      'InvalidParameterValue',
      `Route table ${table.id} and association ${association.id} belong to different networks`,
    );
  }
  current.associations = current.associations.filter((a) => a !== association);
  const moved = { ...association, id: resourceId('rtbassoc') };
  table.associations.push(moved);
  return { NewAssociationId: moved.id, AssociationState: { State: 'associated' } };
};

export const deleteRouteTable: Handler<Checked<DeleteRouteTableRequest, 'RouteTableId'>, void, Ec2State> = (
  input,
  ctx,
) => {
  const table = find(ctx.state, 'rtb', input.RouteTableId);
  if (table.associations.length) throw dependencyViolation('routeTable', table.id);
  forgetRouteTable(ctx.state, table.id);
  delete ctx.state.routeTables[table.id];
  dropTags(ctx.state, table.id);
};
