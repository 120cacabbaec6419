/**
 * DescribeVpnGateways: the local cloud has no site-to-site VPN, so there are no virtual private
 * gateways; the call answers as EC2 does for an account without one (CDK's VPC lookup asks).
 */
import type { DescribeVpnGatewaysRequest, DescribeVpnGatewaysResult } from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { applyFilters } from './filters.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';

export const describeVpnGateways: Handler<DescribeVpnGatewaysRequest, DescribeVpnGatewaysResult, Ec2State> = (
  input,
  ctx,
) => {
  const [id] = input.VpnGatewayIds ?? [];
  if (id !== undefined) {
    throw ec2Error('InvalidVpnGatewayID.NotFound', `The vpnGateway ID '${id}' does not exist`);
  }
  // Filter names are still checked: a misspelt one is an error, not an empty answer.
  applyFilters(ctx.state, [] as Array<{ id: string }>, input.Filters, {
    'amazon-side-asn': () => undefined,
    'attachment.state': () => undefined,
    'attachment.vpc-id': () => undefined,
    'availability-zone': () => undefined,
    state: () => undefined,
    type: () => undefined,
    'vpn-gateway-id': () => undefined,
  });
  return { VpnGateways: [] };
};
