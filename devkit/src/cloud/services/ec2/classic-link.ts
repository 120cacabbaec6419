/**
 * ClassicLink linked EC2-Classic instances to VPCs; EC2-Classic is retired, and EC2 answers its
 * ClassicLink reads as it always did in regions that never had it (tools such as Terraform's AWS
 * provider read the answer as "not enabled").
 */
import type {
  DescribeVpcClassicLinkDnsSupportRequest,
  DescribeVpcClassicLinkDnsSupportResult,
  DescribeVpcClassicLinkRequest,
  DescribeVpcClassicLinkResult,
} from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import type { Ec2State } from './state.ts';
import { ec2Error } from './state.ts';

function unsupported(): never {
  throw ec2Error('UnsupportedOperation', 'The functionality you requested is not available in this region.');
}

export const describeVpcClassicLink: Handler<
  DescribeVpcClassicLinkRequest,
  DescribeVpcClassicLinkResult,
  Ec2State
> = () => unsupported();

export const describeVpcClassicLinkDnsSupport: Handler<
  DescribeVpcClassicLinkDnsSupportRequest,
  DescribeVpcClassicLinkDnsSupportResult,
  Ec2State
> = () => unsupported();
