/** DescribeAccountAttributes: the account's EC2 limits and its default VPC in the region. */
import type {
  AccountAttribute,
  DescribeAccountAttributesRequest,
  DescribeAccountAttributesResult,
} from '@aws-sdk/client-ec2';
import type { Handler } from '../../service-definition.ts';
import { ADDRESS_LIMIT } from './addresses.ts';
import { SECURITY_GROUPS_PER_INTERFACE } from './network-interfaces.ts';
import type { Ec2State } from './state.ts';

export const describeAccountAttributes: Handler<
  DescribeAccountAttributesRequest,
  DescribeAccountAttributesResult,
  Ec2State
> = (input, ctx) => {
  const defaultVpc = Object.values(ctx.state.vpcs).find((v) => v.isDefault);
  // In AWS's order. EC2-Classic is retired: VPC is the only platform.
  const attributes: Array<[string, string[]]> = [
    ['vpc-max-security-groups-per-interface', [String(SECURITY_GROUPS_PER_INTERFACE)]],
    // AWS still answers this one, documented as no longer reflecting any limit.
    ['max-instances', ['20']],
    ['supported-platforms', ['VPC']],
    ['default-vpc', [defaultVpc?.id ?? 'none']],
    ['max-elastic-ips', [String(ADDRESS_LIMIT)]],
    ['vpc-max-elastic-ips', [String(ADDRESS_LIMIT)]],
  ];
  const wanted = input.AttributeNames ?? [];
  const AccountAttributes: AccountAttribute[] = attributes
    .filter(([name]) => wanted.length === 0 || (wanted as string[]).includes(name))
    .map(([name, values]) => ({
      AttributeName: name,
      AttributeValues: values.map((value) => ({ AttributeValue: value })),
    }));
  return { AccountAttributes };
};
