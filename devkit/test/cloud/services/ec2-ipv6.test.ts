/**
 * A VPC's further CIDR blocks, from the EC2 API reference's examples and error codes and the VPC
 * User Guide's association restrictions: Amazon-provided IPv6 /56 blocks (CreateVpc,
 * AssociateVpcCidrBlock), secondary IPv4 blocks, a subnet's IPv6 /64 and its IPv6 attributes, the
 * local routes that follow the blocks and `::/0` through an egress-only internet gateway — through
 * the real SDK and the real AWS CLI, and kept across a restart.
 */
import {
  AssociateSubnetCidrBlockCommand,
  CreateNetworkInterfaceCommand,
  DeleteNetworkInterfaceCommand,
  DescribeNetworkInterfacesCommand,
  AssociateVpcCidrBlockCommand,
  CreateEgressOnlyInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteEgressOnlyInternetGatewayCommand,
  DeleteRouteCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DisassociateSubnetCidrBlockCommand,
  DisassociateVpcCidrBlockCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
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

async function vpcOf(id: string) {
  return (await ec2.send(new DescribeVpcsCommand({ VpcIds: [id] }))).Vpcs![0]!;
}

async function subnetOf(id: string) {
  return (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets![0]!;
}

async function mainTable(vpcId: string) {
  const { RouteTables } = await ec2.send(
    new DescribeRouteTablesCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'association.main', Values: ['true'] },
      ],
    }),
  );
  return RouteTables![0]!;
}

/** A /64 of a /56 (`2600:1f18:0:0::/56`, 3 → `2600:1f18:0:3::/64`). */
function subnetBlock(vpcBlock: string, n: number): string {
  const [address] = vpcBlock.split('/');
  const groups = address!.split('::')[0]!.split(':');
  while (groups.length < 4) groups.push('0');
  groups[3] = (parseInt(groups[3]!, 16) + n).toString(16);
  return `${groups.join(':')}::/64`;
}

describe('Amazon-provided IPv6 blocks', () => {
  it('CreateVpc with AmazonProvidedIpv6CidrBlock: a /56 associating, then associated, with a local route', async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.1.0.0/16', AmazonProvidedIpv6CidrBlock: true }),
    );
    const association = Vpc!.Ipv6CidrBlockAssociationSet![0]!;
    expect(association).toEqual({
      AssociationId: expect.stringMatching(/^vpc-cidr-assoc-[0-9a-f]{17}$/),
      Ipv6CidrBlock: expect.stringMatching(/^2600:1f[0-9a-f]{2}:[0-9a-f:]*\/56$/),
      Ipv6CidrBlockState: { State: 'associating' },
      NetworkBorderGroup: 'us-east-1',
      Ipv6Pool: 'Amazon',
      Ipv6AddressAttribute: 'public',
      IpSource: 'amazon',
    });
    const vpc = await vpcOf(Vpc!.VpcId!);
    expect(vpc.Ipv6CidrBlockAssociationSet).toEqual([
      { ...association, Ipv6CidrBlockState: { State: 'associated' } },
    ]);
    expect((await mainTable(vpc.VpcId!)).Routes).toEqual([
      {
        DestinationCidrBlock: '10.1.0.0/16',
        GatewayId: 'local',
        Origin: 'CreateRouteTable',
        State: 'active',
      },
      {
        DestinationIpv6CidrBlock: association.Ipv6CidrBlock,
        GatewayId: 'local',
        Origin: 'CreateRouteTable',
        State: 'active',
      },
    ]);
    // Each VPC gets its own block; the filters find it by block and by association.
    const other = (
      await ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16', AmazonProvidedIpv6CidrBlock: true }))
    ).Vpc!;
    expect(other.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock).not.toBe(association.Ipv6CidrBlock);
    for (const [Name, value] of [
      ['ipv6-cidr-block-association.ipv6-cidr-block', association.Ipv6CidrBlock!],
      ['ipv6-cidr-block-association.association-id', association.AssociationId!],
    ] as const) {
      const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name, Values: [value] }] }));
      expect(Vpcs!.map((v) => v.VpcId)).toEqual([vpc.VpcId]);
    }
    // A VPC without IPv6 has no set at all, as EC2 answers.
    const plain = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.3.0.0/16' }))).Vpc!;
    expect(plain.Ipv6CidrBlockAssociationSet).toBeUndefined();
  });

  it('AssociateVpcCidrBlock / DisassociateVpcCidrBlock (the reference examples), one block per border group', async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.4.0.0/16' }))).Vpc!.VpcId!;
    const associated = await ec2.send(
      new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true }),
    );
    expect(associated.VpcId).toBe(vpcId);
    expect(associated.Ipv6CidrBlockAssociation).toMatchObject({
      Ipv6CidrBlockState: { State: 'associating' },
      NetworkBorderGroup: 'us-east-1',
    });
    const { AssociationId, Ipv6CidrBlock } = associated.Ipv6CidrBlockAssociation!;
    expect(
      await errorOf(
        ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, AmazonProvidedIpv6CidrBlock: true })),
      ),
    ).toEqual({
      name: 'CidrLimitExceeded',
      message: `This network '${vpcId}' has met its maximum number of allowed CIDRs: 1`,
    });
    const gone = await ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId }));
    expect(gone).toMatchObject({
      VpcId: vpcId,
      Ipv6CidrBlockAssociation: {
        AssociationId,
        Ipv6CidrBlock,
        Ipv6CidrBlockState: { State: 'disassociating' },
      },
    });
    expect((await vpcOf(vpcId)).Ipv6CidrBlockAssociationSet).toBeUndefined();
    expect((await mainTable(vpcId)).Routes!.map((r) => r.DestinationIpv6CidrBlock)).toEqual([undefined]);
    expect(await errorOf(ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId })))).toMatchObject({
      name: 'InvalidVpcCidrBlockAssociationID.NotFound',
    });
  });

  it('refuses a border group other than the region, pools it does not have, and checks before creating', async () => {
    const before = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs!.length;
    expect(
      await errorOf(
        ec2.send(
          new CreateVpcCommand({
            CidrBlock: '10.5.0.0/16',
            AmazonProvidedIpv6CidrBlock: true,
            Ipv6CidrBlockNetworkBorderGroup: 'us-west-2-lax-1',
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      await errorOf(
        ec2.send(
          new CreateVpcCommand({ CidrBlock: '10.5.0.0/16', Ipv6CidrBlockNetworkBorderGroup: 'us-east-1' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    expect(
      await errorOf(
        ec2.send(
          new CreateVpcCommand({ CidrBlock: '10.5.0.0/16', Ipv6Pool: 'ipv6pool-ec2-012345abc12345abc' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect((await ec2.send(new DescribeVpcsCommand({}))).Vpcs).toHaveLength(before);
    const created = await ec2.send(
      new CreateVpcCommand({
        CidrBlock: '10.5.0.0/16',
        AmazonProvidedIpv6CidrBlock: true,
        Ipv6CidrBlockNetworkBorderGroup: 'us-east-1',
      }),
    );
    expect(created.Vpc!.Ipv6CidrBlockAssociationSet).toHaveLength(1);
    expect(
      await errorOf(
        ec2.send(
          new AssociateVpcCidrBlockCommand({
            VpcId: 'vpc-0123456789abcdef0',
            AmazonProvidedIpv6CidrBlock: true,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidVpcID.NotFound' });
    expect(
      await errorOf(ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: created.Vpc!.VpcId! }))),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
  });
});

describe('secondary IPv4 blocks', () => {
  it('associates blocks from the same private range or public ones, refuses restricted and overlapping ones, five at most', async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    const associate = (CidrBlock: string) =>
      ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock }));
    const { CidrBlockAssociation } = await associate('10.2.0.0/16');
    expect(CidrBlockAssociation).toEqual({
      AssociationId: expect.stringMatching(/^vpc-cidr-assoc-[0-9a-f]{17}$/),
      CidrBlock: '10.2.0.0/16',
      CidrBlockState: { State: 'associating' },
    });
    // The VPC User Guide's restrictions for a primary block in 10.0.0.0/8 (inside 10.0.0.0/15).
    for (const cidr of ['192.168.0.0/16', '172.16.0.0/16', '198.19.0.0/16']) {
      expect(await errorOf(associate(cidr))).toEqual({
        name: 'InvalidVpc.Range',
        message: `The CIDR '${cidr}' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR.`,
      });
    }
    expect(await errorOf(associate('10.2.128.0/17'))).toMatchObject({ name: 'InvalidVpc.Range' });
    expect(await errorOf(associate('10.9.0.0/29'))).toMatchObject({ name: 'InvalidVpc.Range' });
    expect(await errorOf(associate('10.9.0.1/24'))).toMatchObject({ name: 'InvalidParameterValue' });
    // Public and shared-address-space blocks are allowed with a private primary block.
    await associate('100.64.0.0/16');
    await associate('203.0.113.0/24');
    await associate('10.3.0.0/16');
    expect(await errorOf(associate('10.4.0.0/16'))).toEqual({
      name: 'CidrLimitExceeded',
      message: `This network '${vpcId}' has met its maximum number of allowed CIDRs: 5`,
    });
    const vpc = await vpcOf(vpcId);
    expect(vpc.CidrBlock).toBe('10.0.0.0/16');
    expect(vpc.CidrBlockAssociationSet!.map((a) => [a.CidrBlock, a.CidrBlockState!.State])).toEqual([
      ['10.0.0.0/16', 'associated'],
      ['10.2.0.0/16', 'associated'],
      ['100.64.0.0/16', 'associated'],
      ['203.0.113.0/24', 'associated'],
      ['10.3.0.0/16', 'associated'],
    ]);
    const { Vpcs } = await ec2.send(
      new DescribeVpcsCommand({
        Filters: [{ Name: 'cidr-block-association.cidr-block', Values: ['100.64.0.0/16'] }],
      }),
    );
    expect(Vpcs!.map((v) => v.VpcId)).toEqual([vpcId]);

    // A subnet may sit in a secondary block, which then cannot go; the primary block never can.
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.2.1.0/24' })))
      .Subnet!.SubnetId!;
    const secondaryId = CidrBlockAssociation!.AssociationId!;
    expect(
      await errorOf(ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: secondaryId }))),
    ).toMatchObject({
      name: 'DependencyViolation',
    });
    expect(
      await errorOf(
        ec2.send(
          new DisassociateVpcCidrBlockCommand({
            AssociationId: vpc.CidrBlockAssociationSet![0]!.AssociationId,
          }),
        ),
      ),
    ).toMatchObject({ name: 'OperationNotPermitted' });
    // A table made now routes every block locally; the block's local routes go with it.
    const tableId = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    const { RouteTables } = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }));
    expect(RouteTables![0]!.Routes!.map((r) => r.DestinationCidrBlock)).toEqual([
      '10.0.0.0/16',
      '10.2.0.0/16',
      '100.64.0.0/16',
      '203.0.113.0/24',
      '10.3.0.0/16',
    ]);
    const third = vpc.CidrBlockAssociationSet![4]!.AssociationId!;
    expect(
      (await ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: third }))).CidrBlockAssociation,
    ).toEqual({
      AssociationId: third,
      CidrBlock: '10.3.0.0/16',
      CidrBlockState: { State: 'disassociating' },
    });
    const after = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }));
    expect(after.RouteTables![0]!.Routes!.map((r) => r.DestinationCidrBlock)).not.toContain('10.3.0.0/16');
    expect(subnetId).toMatch(/^subnet-/);
  });

  it('a primary block in 172.16.0.0/12 may not add 172.31.0.0/16 or another private range', async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '172.20.0.0/16' }))).Vpc!.VpcId!;
    for (const CidrBlock of ['172.31.0.0/16', '10.0.0.0/16']) {
      expect(
        await errorOf(ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock }))),
      ).toMatchObject({
        name: 'InvalidVpc.Range',
      });
    }
    await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: vpcId, CidrBlock: '172.21.0.0/16' }));
  });
});

describe('subnet IPv6 blocks and attributes', () => {
  let vpcId: string;
  let vpcBlock: string;
  beforeAll(async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.20.0.0/16', AmazonProvidedIpv6CidrBlock: true }),
    );
    vpcId = Vpc!.VpcId!;
    vpcBlock = Vpc!.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock!;
  });

  it('CreateSubnet with an Ipv6CidrBlock; AssociateSubnetCidrBlock / DisassociateSubnetCidrBlock', async () => {
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: '10.20.1.0/24',
        Ipv6CidrBlock: subnetBlock(vpcBlock, 1),
      }),
    );
    expect(Subnet).toMatchObject({
      AssignIpv6AddressOnCreation: false,
      EnableDns64: false,
      Ipv6Native: false,
      Ipv6CidrBlockAssociationSet: [
        {
          AssociationId: expect.stringMatching(/^subnet-cidr-assoc-[0-9a-f]{17}$/),
          Ipv6CidrBlock: subnetBlock(vpcBlock, 1),
          Ipv6CidrBlockState: { State: 'associated' },
        },
      ],
    });
    // Another subnet may not take the same /64; a block must be a /64 of the VPC's /56.
    expect(
      await errorOf(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: '10.20.2.0/24',
            Ipv6CidrBlock: subnetBlock(vpcBlock, 1),
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidSubnet.Conflict' });
    const plainId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.2.0/24' })))
      .Subnet!.SubnetId!;
    expect((await subnetOf(plainId)).Ipv6CidrBlockAssociationSet).toEqual([]);
    for (const wrong of ['2001:db8:1234:1a00::/64', vpcBlock]) {
      expect(
        await errorOf(
          ec2.send(new AssociateSubnetCidrBlockCommand({ SubnetId: plainId, Ipv6CidrBlock: wrong })),
        ),
      ).toMatchObject({ name: 'InvalidSubnet.Range' });
    }
    expect(
      await errorOf(
        ec2.send(new AssociateSubnetCidrBlockCommand({ SubnetId: plainId, Ipv6CidrBlock: 'nonsense' })),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const associated = await ec2.send(
      new AssociateSubnetCidrBlockCommand({ SubnetId: plainId, Ipv6CidrBlock: subnetBlock(vpcBlock, 2) }),
    );
    expect(associated).toMatchObject({
      SubnetId: plainId,
      Ipv6CidrBlockAssociation: {
        Ipv6CidrBlock: subnetBlock(vpcBlock, 2),
        Ipv6CidrBlockState: { State: 'associating' },
      },
    });
    expect(
      await errorOf(
        ec2.send(
          new AssociateSubnetCidrBlockCommand({ SubnetId: plainId, Ipv6CidrBlock: subnetBlock(vpcBlock, 3) }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'ipv6-cidr-block-association.ipv6-cidr-block', Values: [subnetBlock(vpcBlock, 2)] },
        ],
      }),
    );
    expect(Subnets!.map((s) => s.SubnetId)).toEqual([plainId]);
    // The VPC's block is in use while a subnet holds a /64 of it.
    const vpcAssociation = (await vpcOf(vpcId)).Ipv6CidrBlockAssociationSet![0]!.AssociationId!;
    expect(
      await errorOf(ec2.send(new DisassociateVpcCidrBlockCommand({ AssociationId: vpcAssociation }))),
    ).toMatchObject({ name: 'DependencyViolation' });
    const AssociationId = associated.Ipv6CidrBlockAssociation!.AssociationId!;
    expect(
      (await ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId }))).Ipv6CidrBlockAssociation,
    ).toMatchObject({ AssociationId, Ipv6CidrBlockState: { State: 'disassociating' } });
    expect((await subnetOf(plainId)).Ipv6CidrBlockAssociationSet).toEqual([]);
    expect(await errorOf(ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId })))).toMatchObject({
      name: 'InvalidSubnetCidrBlockAssociationID.NotFound',
    });
  });

  it('ModifySubnetAttribute: one attribute per call; the IPv6 ones need the subnet to have an IPv6 block', async () => {
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.20.3.0/24' })))
      .Subnet!.SubnetId!;
    for (const attribute of ['AssignIpv6AddressOnCreation', 'EnableDns64'] as const) {
      expect(
        await errorOf(
          ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, [attribute]: { Value: true } })),
        ),
      ).toMatchObject({ name: 'InvalidParameterValue' });
    }
    expect(
      await errorOf(
        ec2.send(
          new ModifySubnetAttributeCommand({
            SubnetId: subnetId,
            MapPublicIpOnLaunch: { Value: true },
            EnableDns64: { Value: false },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterCombination' });
    const { Ipv6CidrBlockAssociation } = await ec2.send(
      new AssociateSubnetCidrBlockCommand({ SubnetId: subnetId, Ipv6CidrBlock: subnetBlock(vpcBlock, 4) }),
    );
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId: subnetId, AssignIpv6AddressOnCreation: { Value: true } }),
    );
    await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, EnableDns64: { Value: true } }));
    expect(await subnetOf(subnetId)).toMatchObject({ AssignIpv6AddressOnCreation: true, EnableDns64: true });
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'enable-dns64', Values: ['true'] }] }),
    );
    expect(Subnets!.map((s) => s.SubnetId)).toEqual([subnetId]);
    // Without its block a subnet has nothing to assign IPv6 addresses from.
    await ec2.send(
      new DisassociateSubnetCidrBlockCommand({ AssociationId: Ipv6CidrBlockAssociation!.AssociationId! }),
    );
    expect(await subnetOf(subnetId)).toMatchObject({
      AssignIpv6AddressOnCreation: false,
      EnableDns64: false,
    });
  });
});

describe('IPv6 addresses of network interfaces', () => {
  it('a subnet assigning IPv6 on creation gives a new interface one; counts and addresses are asked for', async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.60.0.0/16', AmazonProvidedIpv6CidrBlock: true }),
    );
    const block = subnetBlock(Vpc!.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock!, 7);
    const prefix = block.slice(0, -'::/64'.length);
    const subnet = (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.60.1.0/24', Ipv6CidrBlock: block }),
      )
    ).Subnet!;
    const plain = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId })))
      .NetworkInterface!;
    expect(plain.Ipv6Addresses).toEqual([]);
    await ec2.send(
      new ModifySubnetAttributeCommand({
        SubnetId: subnet.SubnetId,
        AssignIpv6AddressOnCreation: { Value: true },
      }),
    );
    const assigned = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId })))
      .NetworkInterface!;
    // The first four addresses of the block are EC2's.
    expect(assigned.Ipv6Addresses).toEqual([{ Ipv6Address: `${prefix}::4` }]);
    expect(assigned.Ipv6Address).toBe(`${prefix}::4`);
    const chosen = (
      await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnet.SubnetId,
          Ipv6Addresses: [{ Ipv6Address: `${prefix}:0:0:0:10` }],
        }),
      )
    ).NetworkInterface!;
    expect(chosen.Ipv6Addresses).toEqual([{ Ipv6Address: `${prefix}::10` }]);
    const counted = (
      await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId, Ipv6AddressCount: 2 }))
    ).NetworkInterface!;
    expect(counted.Ipv6Addresses).toEqual([{ Ipv6Address: `${prefix}::5` }, { Ipv6Address: `${prefix}::6` }]);
    expect(
      await errorOf(
        ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: subnet.SubnetId,
            Ipv6Addresses: [{ Ipv6Address: `${prefix}::10` }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidIPAddress.InUse' });
    expect(
      await errorOf(
        ec2.send(
          new CreateNetworkInterfaceCommand({
            SubnetId: subnet.SubnetId,
            Ipv6Addresses: [{ Ipv6Address: '2001:db8::1' }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId, Ipv6AddressCount: 51 })),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'ipv6-addresses.ipv6-address', Values: [`${prefix}::6`] }],
      }),
    );
    expect(NetworkInterfaces!.map((n) => n.NetworkInterfaceId)).toEqual([counted.NetworkInterfaceId]);
    // The block stays while interfaces hold addresses from it.
    const association = subnet.Ipv6CidrBlockAssociationSet![0]!.AssociationId!;
    expect(
      await errorOf(ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId: association }))),
    ).toMatchObject({ name: 'DependencyViolation' });
    for (const eni of [assigned, chosen, counted]) {
      await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }));
    }
    await ec2.send(new DisassociateSubnetCidrBlockCommand({ AssociationId: association }));
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnet.SubnetId, Ipv6AddressCount: 1 })),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('routes to IPv6 destinations', () => {
  it('::/0 through an egress-only internet gateway; an IPv4 destination may not use one', async () => {
    const vpcId = (
      await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16', AmazonProvidedIpv6CidrBlock: true }))
    ).Vpc!.VpcId!;
    const gatewayId = (await ec2.send(new CreateEgressOnlyInternetGatewayCommand({ VpcId: vpcId })))
      .EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!;
    const table = await mainTable(vpcId);
    expect(
      await ec2.send(
        new CreateRouteCommand({
          RouteTableId: table.RouteTableId,
          DestinationIpv6CidrBlock: '0:0::0/0',
          EgressOnlyInternetGatewayId: gatewayId,
        }),
      ),
    ).toMatchObject({ Return: true });
    expect((await mainTable(vpcId)).Routes![2]).toEqual({
      DestinationIpv6CidrBlock: '::/0',
      EgressOnlyInternetGatewayId: gatewayId,
      Origin: 'CreateRoute',
      State: 'active',
    });
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: table.RouteTableId,
            DestinationIpv6CidrBlock: '::/0',
            EgressOnlyInternetGatewayId: gatewayId,
          }),
        ),
      ),
    ).toMatchObject({ name: 'RouteAlreadyExists' });
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: table.RouteTableId,
            DestinationCidrBlock: '0.0.0.0/0',
            EgressOnlyInternetGatewayId: gatewayId,
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'route.egress-only-internet-gateway-id', Values: [gatewayId] }],
      }),
    );
    expect(RouteTables!.map((r) => r.RouteTableId)).toEqual([table.RouteTableId]);
    // A deleted gateway leaves a blackhole; the route goes by its IPv6 destination.
    await ec2.send(new DeleteEgressOnlyInternetGatewayCommand({ EgressOnlyInternetGatewayId: gatewayId }));
    expect((await mainTable(vpcId)).Routes![2]!.State).toBe('blackhole');
    await ec2.send(
      new DeleteRouteCommand({ RouteTableId: table.RouteTableId, DestinationIpv6CidrBlock: '::/0' }),
    );
    expect((await mainTable(vpcId)).Routes).toHaveLength(2);
  });
});

describe('state', () => {
  it('keeps the blocks, the subnet attributes and the routes across a restart', async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.40.0.0/16', AmazonProvidedIpv6CidrBlock: true }),
    );
    const block = Vpc!.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock!;
    await ec2.send(new AssociateVpcCidrBlockCommand({ VpcId: Vpc!.VpcId!, CidrBlock: '10.41.0.0/16' }));
    const subnetId = (
      await ec2.send(
        new CreateSubnetCommand({
          VpcId: Vpc!.VpcId!,
          CidrBlock: '10.41.0.0/24',
          Ipv6CidrBlock: subnetBlock(block, 0),
        }),
      )
    ).Subnet!.SubnetId!;
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId: subnetId, AssignIpv6AddressOnCreation: { Value: true } }),
    );
    const before = await vpcOf(Vpc!.VpcId!);
    ec2.destroy();
    await t.stop();
    await t.restart();
    ec2 = new EC2Client(t.clientConfig);
    expect(await vpcOf(Vpc!.VpcId!)).toEqual(before);
    expect(await subnetOf(subnetId)).toMatchObject({
      AssignIpv6AddressOnCreation: true,
      Ipv6CidrBlockAssociationSet: [{ Ipv6CidrBlock: subnetBlock(block, 0) }],
    });
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('associate-vpc-cidr-block --amazon-provided-ipv6-cidr-block, associate-subnet-cidr-block, create-route to ::/0', async () => {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!.VpcId!;
    const associated = (
      await t.aws(['ec2', 'associate-vpc-cidr-block', '--amazon-provided-ipv6-cidr-block', '--vpc-id', vpcId])
    ).json as {
      VpcId: string;
      Ipv6CidrBlockAssociation: { Ipv6CidrBlock: string; Ipv6CidrBlockState: unknown };
    };
    expect(associated.VpcId).toBe(vpcId);
    expect(associated.Ipv6CidrBlockAssociation.Ipv6CidrBlockState).toEqual({ State: 'associating' });
    const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.50.1.0/24' })))
      .Subnet!.SubnetId!;
    const block = subnetBlock(associated.Ipv6CidrBlockAssociation.Ipv6CidrBlock, 0x1a);
    const subnet = (
      await t.aws(['ec2', 'associate-subnet-cidr-block', '--subnet-id', subnetId, '--ipv6-cidr-block', block])
    ).json as { SubnetId: string; Ipv6CidrBlockAssociation: { Ipv6CidrBlock: string } };
    expect(subnet).toMatchObject({ SubnetId: subnetId, Ipv6CidrBlockAssociation: { Ipv6CidrBlock: block } });
    await t.aws([
      'ec2',
      'modify-subnet-attribute',
      '--subnet-id',
      subnetId,
      '--assign-ipv6-address-on-creation',
    ]);
    expect((await subnetOf(subnetId)).AssignIpv6AddressOnCreation).toBe(true);
    const gatewayId = (await ec2.send(new CreateEgressOnlyInternetGatewayCommand({ VpcId: vpcId })))
      .EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!;
    const tableId = (await mainTable(vpcId)).RouteTableId!;
    expect(
      (
        await t.aws([
          'ec2',
          'create-route',
          '--route-table-id',
          tableId,
          '--destination-ipv6-cidr-block',
          '::/0',
          '--egress-only-internet-gateway-id',
          gatewayId,
        ])
      ).json,
    ).toEqual({ Return: true });
    await expect(
      t.aws(['ec2', 'associate-vpc-cidr-block', '--vpc-id', vpcId, '--cidr-block', '192.168.0.0/16']),
    ).rejects.toThrow(/InvalidVpc\.Range/);
  });
});
