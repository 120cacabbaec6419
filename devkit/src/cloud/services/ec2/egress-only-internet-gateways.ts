/**
 * Egress-only internet gateways: outbound-only IPv6 to the internet for one VPC, attached from
 * creation until deletion; routes to IPv6 destinations (`::/0`) may target one (route-tables.ts).
 * Where the reference is silent: an unknown id is InvalidGatewayID.NotFound, as for other gateways.
 */
import type {
  CreateEgressOnlyInternetGatewayRequest,
  CreateEgressOnlyInternetGatewayResult,
  DeleteEgressOnlyInternetGatewayRequest,
  DeleteEgressOnlyInternetGatewayResult,
  DescribeEgressOnlyInternetGatewaysRequest,
  DescribeEgressOnlyInternetGatewaysResult,
  EgressOnlyInternetGateway,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State, EgressOnlyInternetGatewayRecord } from './state.ts';
import { find, records, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

function gatewayShape(state: Ec2State, gateway: EgressOnlyInternetGatewayRecord): EgressOnlyInternetGateway {
  return {
    EgressOnlyInternetGatewayId: gateway.id,
    Attachments: [{ State: 'attached', VpcId: gateway.vpcId }],
    Tags: tagsOf(state, gateway.id),
  };
}

export const createEgressOnlyInternetGateway: Handler<
  Checked<CreateEgressOnlyInternetGatewayRequest, 'VpcId'>,
  CreateEgressOnlyInternetGatewayResult,
  Ec2State
> = (input, ctx) => {
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  const gateway: EgressOnlyInternetGatewayRecord = { id: resourceId('eigw'), vpcId: vpc.id };
  records(ctx.state, 'eigw')[gateway.id] = gateway;
  applyTagSpecifications(ctx.state, gateway.id, 'egress-only-internet-gateway', input.TagSpecifications);
  return {
    EgressOnlyInternetGateway: gatewayShape(ctx.state, gateway),
    ...(input.ClientToken === undefined ? {} : { ClientToken: input.ClientToken }),
  };
};

export const describeEgressOnlyInternetGateways: Handler<
  DescribeEgressOnlyInternetGatewaysRequest,
  DescribeEgressOnlyInternetGatewaysResult,
  Ec2State
> = (input, ctx) => {
  const gateways = applyFilters(
    ctx.state,
    selectByIds(ctx.state, 'eigw', input.EgressOnlyInternetGatewayIds),
    input.Filters,
    {},
  );
  const { page, nextToken } = paginate(gateways, input.MaxResults, input.NextToken, 255);
  return {
    EgressOnlyInternetGateways: page.map((g) => gatewayShape(ctx.state, g)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const deleteEgressOnlyInternetGateway: Handler<
  Checked<DeleteEgressOnlyInternetGatewayRequest, 'EgressOnlyInternetGatewayId'>,
  DeleteEgressOnlyInternetGatewayResult,
  Ec2State
> = (input, ctx) => {
  const gateway = find(ctx.state, 'eigw', input.EgressOnlyInternetGatewayId);
  delete records(ctx.state, 'eigw')[gateway.id];
  dropTags(ctx.state, gateway.id);
  return { ReturnCode: true };
};
