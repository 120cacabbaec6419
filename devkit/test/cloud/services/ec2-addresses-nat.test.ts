/** Elastic IPs and NAT gateways, from the EC2 API reference's examples and error codes, through the SDK and the AWS CLI. */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNatGatewayCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNatGatewayCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSubnetCommand,
  DescribeAddressesCommand,
  DescribeNatGatewaysCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DisassociateAddressCommand,
  EC2Client,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ec2: EC2Client;
/** A default subnet (its VPC has an internet gateway). */
let publicSubnetId: string;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = new EC2Client(t.clientConfig);
  const { Subnets } = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }),
  );
  publicSubnetId = Subnets![0]!.SubnetId!;
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

describe('Elastic IP addresses', () => {
  it('allocates, associates with an interface, disassociates and releases', async () => {
    const allocated = await ec2.send(
      new AllocateAddressCommand({
        Domain: 'vpc',
        TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: [{ Key: 'Name', Value: 'web' }] }],
      }),
    );
    expect(allocated).toMatchObject({
      AllocationId: expect.stringMatching(/^eipalloc-[0-9a-f]{17}$/),
      PublicIp: expect.stringMatching(/^203\.0\.113\.\d+$/),
      Domain: 'vpc',
      PublicIpv4Pool: 'amazon',
      NetworkBorderGroup: 'us-east-1',
    });
    const { NetworkInterface: eni } = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: publicSubnetId }),
    );
    const { AssociationId } = await ec2.send(
      new AssociateAddressCommand({
        AllocationId: allocated.AllocationId,
        NetworkInterfaceId: eni!.NetworkInterfaceId,
      }),
    );
    expect(AssociationId).toMatch(/^eipassoc-[0-9a-f]{17}$/);
    const [address] = (
      await ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocated.AllocationId!] }))
    ).Addresses!;
    expect(address).toMatchObject({
      AssociationId,
      NetworkInterfaceId: eni!.NetworkInterfaceId,
      PrivateIpAddress: eni!.PrivateIpAddress,
      Tags: [{ Key: 'Name', Value: 'web' }],
    });
    const [withAddress] = (
      await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'association.public-ip', Values: [allocated.PublicIp!] }],
        }),
      )
    ).NetworkInterfaces!;
    expect(withAddress!.Association).toMatchObject({
      PublicIp: allocated.PublicIp,
      AllocationId: allocated.AllocationId,
      AssociationId,
    });
    // In use: it cannot be released, nor associated again without AllowReassociation.
    expect(
      await errorOf(ec2.send(new ReleaseAddressCommand({ AllocationId: allocated.AllocationId }))),
    ).toMatchObject({
      code: 'InvalidIPAddress.InUse',
    });
    expect(
      await errorOf(
        ec2.send(
          new AssociateAddressCommand({
            AllocationId: allocated.AllocationId,
            NetworkInterfaceId: eni!.NetworkInterfaceId,
          }),
        ),
      ),
    ).toMatchObject({ code: 'Resource.AlreadyAssociated' });
    await ec2.send(new DisassociateAddressCommand({ AssociationId }));
    expect(await errorOf(ec2.send(new DisassociateAddressCommand({ AssociationId })))).toMatchObject({
      code: 'InvalidAssociationID.NotFound',
    });
    await ec2.send(new ReleaseAddressCommand({ AllocationId: allocated.AllocationId }));
    expect(
      await errorOf(ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocated.AllocationId!] }))),
    ).toMatchObject({
      code: 'InvalidAllocationID.NotFound',
      message: `The allocation ID '${allocated.AllocationId}' does not exist`,
    });
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni!.NetworkInterfaceId }));
  });

  it('refuses an address for a VPC without an internet gateway, and a sixth address', async () => {
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }));
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({ VpcId: Vpc!.VpcId, CidrBlock: '10.40.1.0/24' }),
    );
    const { NetworkInterface: eni } = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: Subnet!.SubnetId }),
    );
    const { AllocationId } = await ec2.send(new AllocateAddressCommand({}));
    expect(
      await errorOf(
        ec2.send(new AssociateAddressCommand({ AllocationId, NetworkInterfaceId: eni!.NetworkInterfaceId })),
      ),
    ).toMatchObject({ code: 'Gateway.NotAttached' });
    const more: string[] = [];
    for (let i = 0; i < 4; i++) more.push((await ec2.send(new AllocateAddressCommand({}))).AllocationId!);
    expect(await errorOf(ec2.send(new AllocateAddressCommand({})))).toMatchObject({
      code: 'AddressLimitExceeded',
      message: 'The maximum number of addresses has been reached.',
    });
    for (const id of [AllocationId!, ...more])
      await ec2.send(new ReleaseAddressCommand({ AllocationId: id }));
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni!.NetworkInterfaceId }));
  });
});

describe('NAT gateways', () => {
  it('creates a public gateway (pending, then available) with its own interface and the address', async () => {
    const { AllocationId, PublicIp } = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const { NatGateway } = await ec2.send(
      new CreateNatGatewayCommand({
        SubnetId: publicSubnetId,
        AllocationId,
        TagSpecifications: [{ ResourceType: 'natgateway', Tags: [{ Key: 'Name', Value: 'nat-a' }] }],
      }),
    );
    expect(NatGateway).toMatchObject({
      NatGatewayId: expect.stringMatching(/^nat-[0-9a-f]{17}$/),
      SubnetId: publicSubnetId,
      ConnectivityType: 'public',
      State: 'pending',
    });
    const id = NatGateway!.NatGatewayId!;
    const [described] = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] })))
      .NatGateways!;
    expect(described).toMatchObject({
      State: 'available',
      Tags: [{ Key: 'Name', Value: 'nat-a' }],
      NatGatewayAddresses: [
        {
          AllocationId,
          PublicIp,
          IsPrimary: true,
          Status: 'succeeded',
          NetworkInterfaceId: expect.any(String),
        },
      ],
    });
    const interfaceId = described!.NatGatewayAddresses![0]!.NetworkInterfaceId!;
    const [eni] = (
      await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [interfaceId] }))
    ).NetworkInterfaces!;
    expect(eni).toMatchObject({
      Description: `Interface for NAT Gateway ${id}`,
      InterfaceType: 'nat_gateway',
      RequesterManaged: true,
      Status: 'in-use',
      Association: { PublicIp, AllocationId },
    });
    // The gateway's interface holds the subnet, and the gateway holds the address.
    expect(await errorOf(ec2.send(new DeleteSubnetCommand({ SubnetId: publicSubnetId })))).toMatchObject({
      code: 'DependencyViolation',
    });
    expect(await errorOf(ec2.send(new ReleaseAddressCommand({ AllocationId })))).toMatchObject({
      code: 'InvalidIPAddress.InUse',
    });
    expect(
      (
        await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: 'state', Values: ['available'] }] }))
      ).NatGateways!.map((n) => n.NatGatewayId),
    ).toEqual([id]);

    // A second gateway on the same address fails, as AWS reports it: kept, `failed`, with the reason.
    const { NatGateway: second } = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: publicSubnetId, AllocationId }),
    );
    const [failed] = (
      await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [second!.NatGatewayId!] }))
    ).NatGateways!;
    expect(failed).toMatchObject({ State: 'failed', FailureCode: 'Resource.AlreadyAssociated' });

    // Private subnets route to it; the route turns blackhole once the gateway is deleted.
    const { RouteTable } = await ec2.send(new CreateRouteTableCommand({ VpcId: described!.VpcId }));
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: RouteTable!.RouteTableId,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: id,
      }),
    );
    const routeTo = async () =>
      (
        await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [RouteTable!.RouteTableId!] }))
      ).RouteTables![0]!.Routes!.find((r) => r.DestinationCidrBlock === '0.0.0.0/0');
    expect(await routeTo()).toMatchObject({ NatGatewayId: id, State: 'active' });

    const deleted = await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id }));
    expect(deleted.NatGatewayId).toBe(id);
    const [gone] = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways!;
    expect(gone).toMatchObject({ State: 'deleted', DeleteTime: expect.any(Date) });
    expect(await errorOf(ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id })))).toMatchObject({
      code: 'NatGatewayNotFound',
    });
    expect(await routeTo()).toMatchObject({ NatGatewayId: id, State: 'blackhole' });
    // The address is free again.
    await ec2.send(new ReleaseAddressCommand({ AllocationId }));
  });

  it('needs an address for a public gateway, none for a private one, and an internet gateway', async () => {
    expect(await errorOf(ec2.send(new CreateNatGatewayCommand({ SubnetId: publicSubnetId })))).toMatchObject({
      code: 'MissingParameter',
    });
    const { NatGateway } = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: publicSubnetId, ConnectivityType: 'private' }),
    );
    const [described] = (
      await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [NatGateway!.NatGatewayId!] }))
    ).NatGateways!;
    expect(described).toMatchObject({ State: 'available', ConnectivityType: 'private' });
    expect(described!.NatGatewayAddresses![0]!.PublicIp).toBeUndefined();
    await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: NatGateway!.NatGatewayId }));

    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.41.0.0/16' }));
    const { Subnet } = await ec2.send(
      new CreateSubnetCommand({ VpcId: Vpc!.VpcId, CidrBlock: '10.41.1.0/24' }),
    );
    const { AllocationId } = await ec2.send(new AllocateAddressCommand({}));
    const { NatGateway: isolated } = await ec2.send(
      new CreateNatGatewayCommand({ SubnetId: Subnet!.SubnetId, AllocationId }),
    );
    const [failed] = (
      await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [isolated!.NatGatewayId!] }))
    ).NatGateways!;
    expect(failed).toMatchObject({ State: 'failed', FailureCode: 'Gateway.NotAttached' });
    expect(
      await errorOf(ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: ['nat-0123456789abcdef0'] }))),
    ).toMatchObject({ code: 'NatGatewayNotFound' });
    await ec2.send(new ReleaseAddressCommand({ AllocationId }));
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('allocates an address and creates a NAT gateway with it', { timeout: 240_000 }, async () => {
    const allocated = (await t.aws(['ec2', 'allocate-address', '--domain', 'vpc'])).json as {
      AllocationId: string;
    };
    const created = (
      await t.aws([
        'ec2',
        'create-nat-gateway',
        '--subnet-id',
        publicSubnetId,
        '--allocation-id',
        allocated.AllocationId,
      ])
    ).json as { NatGateway: { NatGatewayId: string; State: string } };
    expect(created.NatGateway.State).toBe('pending');
    const described = (
      await t.aws(['ec2', 'describe-nat-gateways', '--nat-gateway-ids', created.NatGateway.NatGatewayId])
    ).json as { NatGateways: Array<{ State: string }> };
    expect(described.NatGateways[0]!.State).toBe('available');
    const addresses = (await t.aws(['ec2', 'describe-addresses', '--allocation-ids', allocated.AllocationId]))
      .json as { Addresses: Array<{ NetworkInterfaceId?: string }> };
    expect(addresses.Addresses[0]!.NetworkInterfaceId).toMatch(/^eni-/);
    await expect(
      t.aws(['ec2', 'release-address', '--allocation-id', 'eipalloc-0123456789abcdef0']),
    ).rejects.toThrow(/InvalidAllocationID\.NotFound/);
  });
});
