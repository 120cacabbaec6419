/**
 * The default VPC made again (CreateDefaultVpc, CreateDefaultSubnet) and the security-group reads
 * across VPC connections (DescribeSecurityGroupReferences, DescribeStaleSecurityGroups), from the EC2
 * API reference's examples and error codes, through the real SDK and the real AWS CLI.
 */
import {
  CreateDefaultSubnetCommand,
  CreateDefaultVpcCommand,
  CreateSecurityGroupCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAccountAttributesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupReferencesCommand,
  DescribeStaleSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ec2: EC2Client;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = new EC2Client(t.clientConfig);
});
afterAll(async () => {
  ec2.destroy();
  await t.dispose();
});

async function defaultVpcId(): Promise<string | undefined> {
  const { Vpcs } = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
  );
  return Vpcs![0]?.VpcId;
}

async function defaultSubnets(vpcId: string) {
  const { Subnets } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  return Subnets!;
}

/** Deletes the default VPC as a user must: its subnets, its internet gateway, then the VPC. */
async function deleteDefaultVpc(vpcId: string): Promise<void> {
  for (const subnet of await defaultSubnets(vpcId)) {
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
  }
  const { InternetGateways } = await ec2.send(
    new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }),
  );
  for (const gateway of InternetGateways!) {
    await ec2.send(
      new DetachInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId, VpcId: vpcId }),
    );
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: gateway.InternetGatewayId }));
  }
  await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
}

describe('CreateDefaultSubnet', () => {
  it('makes a deleted default subnet again in the lowest free /20; one per zone', async () => {
    const vpcId = (await defaultVpcId())!;
    const first = (await defaultSubnets(vpcId)).find((s) => s.AvailabilityZone === 'us-east-1a')!;
    expect(first.CidrBlock).toBe('172.31.0.0/20');
    expect(
      await errorOf(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: 'us-east-1a' }))),
    ).toEqual({
      name: 'DefaultSubnetAlreadyExistsInAvailabilityZone',
      message: 'A Default Subnet already exists in availability zone us-east-1a',
    });
    await ec2.send(new DeleteSubnetCommand({ SubnetId: first.SubnetId }));
    const { Subnet } = await ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: 'us-east-1a' }));
    expect(Subnet).toMatchObject({
      SubnetId: expect.stringMatching(/^subnet-[0-9a-f]{17}$/),
      VpcId: vpcId,
      CidrBlock: '172.31.0.0/20',
      AvailabilityZone: 'us-east-1a',
      AvailableIpAddressCount: 4091,
      DefaultForAz: true,
      MapPublicIpOnLaunch: true,
      State: 'available',
    });
    expect(await errorOf(ec2.send(new CreateDefaultSubnetCommand({})))).toMatchObject({
      name: 'MissingParameter',
    });
    expect(
      await errorOf(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: 'us-east-1z' }))),
    ).toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('CreateDefaultVpc', () => {
  it('refuses a second default VPC; after deletion makes one again with a subnet per zone and a route out', async () => {
    expect(await errorOf(ec2.send(new CreateDefaultVpcCommand({})))).toEqual({
      name: 'DefaultVpcAlreadyExists',
      message: 'A Default VPC already exists for this account in this region.',
    });
    const zones = (await defaultSubnets((await defaultVpcId())!)).length;
    await deleteDefaultVpc((await defaultVpcId())!);
    expect(await defaultVpcId()).toBeUndefined();
    expect(
      await errorOf(ec2.send(new CreateDefaultSubnetCommand({ AvailabilityZone: 'us-east-1a' }))),
    ).toMatchObject({ name: 'DefaultVpcDoesNotExist' });
    // DryRun checks and makes nothing.
    expect(await errorOf(ec2.send(new CreateDefaultVpcCommand({ DryRun: true })))).toMatchObject({
      name: 'DryRunOperation',
    });
    expect(await defaultVpcId()).toBeUndefined();

    const { Vpc } = await ec2.send(new CreateDefaultVpcCommand({}));
    expect(Vpc).toMatchObject({
      VpcId: expect.stringMatching(/^vpc-[0-9a-f]{17}$/),
      CidrBlock: '172.31.0.0/16',
      IsDefault: true,
      State: 'pending',
    });
    expect(await defaultVpcId()).toBe(Vpc!.VpcId);
    const subnets = await defaultSubnets(Vpc!.VpcId!);
    expect(subnets).toHaveLength(zones);
    expect(subnets.every((s) => s.DefaultForAz && s.MapPublicIpOnLaunch)).toBe(true);
    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [Vpc!.VpcId!] }] }),
    );
    expect(RouteTables![0]!.Routes!.map((r) => [r.DestinationCidrBlock, r.GatewayId?.slice(0, 4)])).toEqual([
      ['172.31.0.0/16', 'loca'],
      ['0.0.0.0/0', 'igw-'],
    ]);
    const { AccountAttributes } = await ec2.send(
      new DescribeAccountAttributesCommand({ AttributeNames: ['default-vpc'] }),
    );
    expect(AccountAttributes![0]!.AttributeValues).toEqual([{ AttributeValue: Vpc!.VpcId }]);
  });
});

describe('security groups across VPC connections', () => {
  it('no other VPC references a group and no rule is stale (there is no peering); ids are checked', async () => {
    const vpcId = (await defaultVpcId())!;
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web' }),
    );
    expect(
      (await ec2.send(new DescribeSecurityGroupReferencesCommand({ GroupId: [GroupId!] })))
        .SecurityGroupReferenceSet,
    ).toEqual([]);
    expect(
      (await ec2.send(new DescribeStaleSecurityGroupsCommand({ VpcId: vpcId }))).StaleSecurityGroupSet,
    ).toEqual([]);
    expect(
      await errorOf(
        ec2.send(new DescribeSecurityGroupReferencesCommand({ GroupId: ['sg-0123456789abcdef0'] })),
      ),
    ).toMatchObject({ name: 'InvalidGroup.NotFound' });
    expect(
      await errorOf(ec2.send(new DescribeStaleSecurityGroupsCommand({ VpcId: 'vpc-0123456789abcdef0' }))),
    ).toMatchObject({ name: 'InvalidVpcID.NotFound' });
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('create-default-subnet (the reference example) and describe-stale-security-groups', async () => {
    const vpcId = (await defaultVpcId())!;
    const subnet = (await defaultSubnets(vpcId)).find((s) => s.AvailabilityZone === 'us-east-1b')!;
    await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
    const created = (await t.aws(['ec2', 'create-default-subnet', '--availability-zone', 'us-east-1b']))
      .json as {
      Subnet: { AvailabilityZone: string; DefaultForAz: boolean; CidrBlock: string };
    };
    expect(created.Subnet).toMatchObject({ AvailabilityZone: 'us-east-1b', DefaultForAz: true });
    expect(created.Subnet.CidrBlock).toBe(subnet.CidrBlock);
    expect((await t.aws(['ec2', 'describe-stale-security-groups', '--vpc-id', vpcId])).json).toEqual({
      StaleSecurityGroupSet: [],
    });
    await expect(t.aws(['ec2', 'create-default-vpc'])).rejects.toThrow(/DefaultVpcAlreadyExists/);
  });
});
