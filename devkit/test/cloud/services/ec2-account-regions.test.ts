/**
 * The EC2 reads IaC tools make before touching a VPC (Terraform's AWS provider, CDK lookups):
 * account attributes, regions, ClassicLink status, DHCP options, VPN gateways; from the EC2 API reference's examples, through
 * the SDK and the AWS CLI.
 */
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeAccountAttributesCommand,
  DescribeDhcpOptionsCommand,
  DescribeRegionsCommand,
  DescribeSubnetsCommand,
  DescribeVpcClassicLinkCommand,
  DescribeVpcClassicLinkDnsSupportCommand,
  DescribeVpcsCommand,
  DescribeVpnGatewaysCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ec2: EC2Client;
let defaultVpcId: string;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = new EC2Client(t.clientConfig);
  const { Vpcs } = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  defaultVpcId = Vpcs![0]!.VpcId!;
});
afterAll(async () => {
  ec2.destroy();
  await t.dispose();
});

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { Code?: string };
    return { code: e.Code ?? e.name, message: e.message };
  }
  throw new Error('expected the call to fail');
}

describe('DescribeAccountAttributes', () => {
  it('lists the limits, VPC as the only platform and the default VPC', async () => {
    const { AccountAttributes } = await ec2.send(new DescribeAccountAttributesCommand({}));
    const byName = Object.fromEntries(
      AccountAttributes!.map((a) => [a.AttributeName, a.AttributeValues!.map((v) => v.AttributeValue)]),
    );
    expect(byName).toEqual({
      'vpc-max-security-groups-per-interface': ['5'],
      'max-instances': ['20'],
      'supported-platforms': ['VPC'],
      'default-vpc': [defaultVpcId],
      'max-elastic-ips': ['5'],
      'vpc-max-elastic-ips': ['5'],
    });
    const one = await ec2.send(
      new DescribeAccountAttributesCommand({ AttributeNames: ['supported-platforms'] }),
    );
    expect(one.AccountAttributes).toEqual([
      { AttributeName: 'supported-platforms', AttributeValues: [{ AttributeValue: 'VPC' }] },
    ]);
  });

  it('holds an interface to the five security groups it reports', async () => {
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [defaultVpcId] }] }),
    );
    const groups: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({
          VpcId: defaultVpcId,
          GroupName: `limit-${i}`,
          Description: 'limit',
        }),
      );
      groups.push(GroupId!);
    }
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: Subnets![0]!.SubnetId, Groups: groups })),
      ),
    ).toEqual({
      code: 'SecurityGroupsPerInterfaceLimitExceeded',
      message: 'You have exceeded the maximum number of security groups allowed per network interface.',
    });
    const { NetworkInterface } = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: Subnets![0]!.SubnetId, Groups: groups.slice(0, 5) }),
    );
    expect(NetworkInterface!.Groups).toHaveLength(5);
  });
});

describe('DescribeRegions', () => {
  it('lists the regions with their endpoints and opt-in status, filtered and by name', async () => {
    const { Regions } = await ec2.send(new DescribeRegionsCommand({}));
    expect(Regions).toContainEqual({
      Endpoint: 'ec2.us-east-1.amazonaws.com',
      RegionName: 'us-east-1',
      OptInStatus: 'opt-in-not-required',
    });
    expect(Regions!.find((r) => r.RegionName === 'af-south-1')?.OptInStatus).toBe('opted-in');
    const named = await ec2.send(
      new DescribeRegionsCommand({ RegionNames: ['eu-west-1', 'ap-southeast-2'] }),
    );
    expect(named.Regions!.map((r) => r.RegionName)).toEqual(['ap-southeast-2', 'eu-west-1']);
    const filtered = await ec2.send(
      new DescribeRegionsCommand({ Filters: [{ Name: 'endpoint', Values: ['*us-west-*'] }] }),
    );
    expect(filtered.Regions!.map((r) => r.RegionName)).toEqual(['us-west-1', 'us-west-2']);
    expect(
      await errorOf(ec2.send(new DescribeRegionsCommand({ RegionNames: ['mars-north-1'] }))),
    ).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});

describe('ClassicLink (EC2-Classic is retired)', () => {
  it('answers UnsupportedOperation, as EC2 does where ClassicLink is not available', async () => {
    const expected = {
      code: 'UnsupportedOperation',
      message: 'The functionality you requested is not available in this region.',
    };
    expect(await errorOf(ec2.send(new DescribeVpcClassicLinkCommand({ VpcIds: [defaultVpcId] })))).toEqual(
      expected,
    );
    expect(await errorOf(ec2.send(new DescribeVpcClassicLinkDnsSupportCommand({})))).toEqual(expected);
  });
});

describe('DescribeDhcpOptions and DescribeVpnGateways (CDK VPC lookups)', () => {
  it('describe the default DHCP options set every VPC uses', async () => {
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ VpcIds: [defaultVpcId] }));
    const { DhcpOptions } = await ec2.send(new DescribeDhcpOptionsCommand({}));
    expect(DhcpOptions).toEqual([
      {
        DhcpOptionsId: Vpcs![0]!.DhcpOptionsId,
        OwnerId: '000000000000',
        DhcpConfigurations: [
          { Key: 'domain-name', Values: [{ Value: 'ec2.internal' }] },
          { Key: 'domain-name-servers', Values: [{ Value: 'AmazonProvidedDNS' }] },
        ],
        Tags: [],
      },
    ]);
    const filtered = await ec2.send(
      new DescribeDhcpOptionsCommand({ Filters: [{ Name: 'key', Values: ['domain-name-servers'] }] }),
    );
    expect(filtered.DhcpOptions).toHaveLength(1);
    expect(
      await errorOf(ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: ['dopt-0123456789abcdef0'] }))),
    ).toEqual({
      code: 'InvalidDhcpOptionID.NotFound',
      message: "The dhcpOption ID 'dopt-0123456789abcdef0' does not exist",
    });
  });

  it('find no VPN gateway, as for an account without a site-to-site VPN', async () => {
    const { VpnGateways } = await ec2.send(
      new DescribeVpnGatewaysCommand({
        Filters: [
          { Name: 'attachment.vpc-id', Values: [defaultVpcId] },
          { Name: 'attachment.state', Values: ['attached'] },
          { Name: 'state', Values: ['available'] },
        ],
      }),
    );
    expect(VpnGateways).toEqual([]);
    expect(
      await errorOf(ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: ['vgw-0123456789abcdef0'] }))),
    ).toMatchObject({ code: 'InvalidVpnGatewayID.NotFound' });
    expect(
      await errorOf(ec2.send(new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'vpc', Values: ['x'] }] }))),
    ).toMatchObject({ code: 'InvalidParameterValue' });
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it(
    'describes account attributes and regions as the reference examples do',
    { timeout: 240_000 },
    async () => {
      const attributes = (
        await t.aws(['ec2', 'describe-account-attributes', '--attribute-names', 'default-vpc'])
      ).json as {
        AccountAttributes: Array<{
          AttributeName: string;
          AttributeValues: Array<{ AttributeValue: string }>;
        }>;
      };
      expect(attributes.AccountAttributes).toEqual([
        { AttributeName: 'default-vpc', AttributeValues: [{ AttributeValue: defaultVpcId }] },
      ]);
      const regions = (
        await t.aws(['ec2', 'describe-regions', '--filters', 'Name=region-name,Values=us-east-1'])
      ).json as { Regions: unknown[] };
      expect(regions.Regions).toEqual([
        {
          Endpoint: 'ec2.us-east-1.amazonaws.com',
          RegionName: 'us-east-1',
          OptInStatus: 'opt-in-not-required',
        },
      ]);
      const dhcp = (await t.aws(['ec2', 'describe-dhcp-options'])).json as { DhcpOptions: unknown[] };
      expect(dhcp.DhcpOptions).toHaveLength(1);
      const vpn = (await t.aws(['ec2', 'describe-vpn-gateways'])).json as { VpnGateways: unknown[] };
      expect(vpn.VpnGateways).toEqual([]);
      await expect(t.aws(['ec2', 'describe-vpc-classic-link', '--vpc-ids', defaultVpcId])).rejects.toThrow(
        /\(UnsupportedOperation\) when calling the DescribeVpcClassicLink operation/,
      );
    },
  );
});
