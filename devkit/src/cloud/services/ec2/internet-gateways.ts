/** Internet gateways and their attachment to a VPC (one gateway per VPC). */
import type {
  AttachInternetGatewayRequest,
  AttachmentStatus,
  CreateInternetGatewayRequest,
  CreateInternetGatewayResult,
  DeleteInternetGatewayRequest,
  DescribeInternetGatewaysRequest,
  DescribeInternetGatewaysResult,
  DetachInternetGatewayRequest,
  InternetGateway,
} from '@aws-sdk/client-ec2';
import type { Checked, Handler } from '../../service-definition.ts';
import { paginate, resourceId } from '../common.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State, InternetGatewayRecord } from './state.ts';
import { dependencyViolation, ec2Error, find, selectByIds } from './state.ts';
import { applyTagSpecifications, dropTags, tagsOf } from './tags.ts';

export function addInternetGateway(state: Ec2State): InternetGatewayRecord {
  const gateway: InternetGatewayRecord = { id: resourceId('igw') };
  state.internetGateways[gateway.id] = gateway;
  return gateway;
}

export function attachGateway(state: Ec2State, gateway: InternetGatewayRecord, vpcId: string): void {
  if (gateway.attachedVpcId) {
    throw ec2Error(
      'Resource.AlreadyAssociated',
      `resource ${gateway.id} is already attached to network ${gateway.attachedVpcId}`,
    );
  }
  const other = Object.values(state.internetGateways).find((g) => g.attachedVpcId === vpcId);
  if (other) {
    throw ec2Error(
      'Resource.AlreadyAssociated',
      `resource ${vpcId} already has an internet gateway attached (${other.id})`,
    );
  }
  gateway.attachedVpcId = vpcId;
}

function gatewayShape(state: Ec2State, gateway: InternetGatewayRecord, accountId: string): InternetGateway {
  return {
    InternetGatewayId: gateway.id,
    OwnerId: accountId,
    // EC2 reports an attached gateway as `available`, a value the SDK's AttachmentStatus type lacks.
    Attachments: gateway.attachedVpcId
      ? [{ VpcId: gateway.attachedVpcId, State: 'available' as AttachmentStatus }]
      : [],
    Tags: tagsOf(state, gateway.id),
  };
}

export const createInternetGateway: Handler<
  CreateInternetGatewayRequest,
  CreateInternetGatewayResult,
  Ec2State
> = (input, ctx) => {
  const gateway = addInternetGateway(ctx.state);
  applyTagSpecifications(ctx.state, gateway.id, 'internet-gateway', input.TagSpecifications);
  return { InternetGateway: gatewayShape(ctx.state, gateway, ctx.accountId) };
};

export const attachInternetGateway: Handler<
  Checked<AttachInternetGatewayRequest, 'InternetGatewayId' | 'VpcId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const gateway = find(ctx.state, 'igw', input.InternetGatewayId);
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  attachGateway(ctx.state, gateway, vpc.id);
};

export const detachInternetGateway: Handler<
  Checked<DetachInternetGatewayRequest, 'InternetGatewayId' | 'VpcId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const gateway = find(ctx.state, 'igw', input.InternetGatewayId);
  const vpc = find(ctx.state, 'vpc', input.VpcId);
  if (gateway.attachedVpcId !== vpc.id) {
    throw ec2Error('Gateway.NotAttached', `resource ${gateway.id} is not attached to network ${vpc.id}`);
  }
  delete gateway.attachedVpcId;
};

export const describeInternetGateways: Handler<
  DescribeInternetGatewaysRequest,
  DescribeInternetGatewaysResult,
  Ec2State
> = (input, ctx) => {
  const gateways = applyFilters(
    ctx.state,
    selectByIds(ctx.state, 'igw', input.InternetGatewayIds),
    input.Filters,
    {
      'internet-gateway-id': (g) => g.id,
      'attachment.vpc-id': (g) => g.attachedVpcId,
      'attachment.state': (g) => (g.attachedVpcId ? 'available' : undefined),
      'owner-id': () => ctx.accountId,
    },
  );
  const { page, nextToken } = paginate(gateways, input.MaxResults, input.NextToken, 1000);
  return {
    InternetGateways: page.map((g) => gatewayShape(ctx.state, g, ctx.accountId)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
};

export const deleteInternetGateway: Handler<
  Checked<DeleteInternetGatewayRequest, 'InternetGatewayId'>,
  void,
  Ec2State
> = (input, ctx) => {
  const gateway = find(ctx.state, 'igw', input.InternetGatewayId);
  if (gateway.attachedVpcId) throw dependencyViolation('internetGateway', gateway.id);
  delete ctx.state.internetGateways[gateway.id];
  dropTags(ctx.state, gateway.id);
};
