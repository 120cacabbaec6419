/**
 * EC2 network interfaces, DryRun and VPC attributes, from the EC2 API reference's examples and error
 * codes, through the real SDK and the real AWS CLI; and the seam the ECS runtime uses for task interfaces.
 */
import {
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DescribeNetworkInterfaceAttributeCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  ModifyVpcAttributeCommand,
  paginateDescribeNetworkInterfaces,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createManagedInterface,
  deleteManagedInterface,
  type Ec2State,
} from '../../../src/cloud/services/ec2/index.ts';
import { awsCliAvailable, REGION, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ec2: EC2Client;
let vpcId: string;
let subnetId: string;
let groupId: string;
let defaultGroupId: string;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = new EC2Client(t.clientConfig);
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  vpcId = Vpc!.VpcId!;
  const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/28' }));
  subnetId = Subnet!.SubnetId!;
  ({ GroupId: groupId } = (await ec2.send(
    new CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: 'app', Description: 'app' }),
  )) as { GroupId: string });
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: ['default'] },
      ],
    }),
  );
  defaultGroupId = groups.SecurityGroups![0]!.GroupId!;
});
afterAll(async () => {
  ec2.destroy();
  await t.dispose();
});

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

function ec2State(): Ec2State {
  return t.cloud.store.slice<Ec2State>('ec2', REGION, () => {
    throw new Error('EC2 state missing');
  });
}

describe('network interfaces', () => {
  it('creates an interface with the subnet’s first free address and the VPC’s default group', async () => {
    const { NetworkInterface: eni } = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        Description: 'my network interface',
        TagSpecifications: [{ ResourceType: 'network-interface', Tags: [{ Key: 'Name', Value: 'first' }] }],
      }),
    );
    expect(eni).toMatchObject({
      NetworkInterfaceId: expect.stringMatching(/^eni-[0-9a-f]{17}$/),
      SubnetId: subnetId,
      VpcId: vpcId,
      Description: 'my network interface',
      // 10.0.1.0-3 are reserved by AWS.
      PrivateIpAddress: '10.0.1.4',
      PrivateDnsName: 'ip-10-0-1-4.ec2.internal',
      PrivateIpAddresses: [
        { Primary: true, PrivateIpAddress: '10.0.1.4', PrivateDnsName: 'ip-10-0-1-4.ec2.internal' },
      ],
      Groups: [{ GroupId: defaultGroupId, GroupName: 'default' }],
      InterfaceType: 'interface',
      MacAddress: expect.stringMatching(/^(?:[0-9a-f]{2}:){5}[0-9a-f]{2}$/),
      OwnerId: '000000000000',
      RequesterManaged: false,
      SourceDestCheck: true,
      Status: 'pending',
      TagSet: [{ Key: 'Name', Value: 'first' }],
    });
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni!.NetworkInterfaceId!] }),
    );
    expect(NetworkInterfaces![0]!.Status).toBe('available');
    // The subnet's free address count falls by the interface's address.
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }));
    expect(Subnets![0]!.AvailableIpAddressCount).toBe(16 - 5 - 1);
  });

  it('takes the addresses asked for, and refuses one in use or outside the subnet', async () => {
    const { NetworkInterface: eni } = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: subnetId,
        PrivateIpAddress: '10.0.1.10',
        SecondaryPrivateIpAddressCount: 1,
        Groups: [groupId],
      }),
    );
    expect(eni!.PrivateIpAddresses!.map((a) => [a.PrivateIpAddress, a.Primary])).toEqual([
      ['10.0.1.10', true],
      ['10.0.1.5', false],
    ]);
    expect(eni!.Groups).toEqual([{ GroupId: groupId, GroupName: 'app' }]);
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: '10.0.1.10' })),
      ),
    ).toMatchObject({ code: 'InvalidIPAddress.InUse', message: 'Address 10.0.1.10 is in use.' });
    for (const address of ['10.0.2.4', '10.0.1.1', '10.0.1.15', 'not-an-ip']) {
      expect(
        await errorOf(
          ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, PrivateIpAddress: address })),
        ),
      ).toMatchObject({ code: 'InvalidParameterValue' });
    }
    expect(
      await errorOf(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: 'subnet-0123456789abcdef0' }))),
    ).toMatchObject({ code: 'InvalidSubnetID.NotFound' });
    expect(
      await errorOf(
        ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: ['sg-0123456789abcdef0'] })),
      ),
    ).toMatchObject({ code: 'InvalidGroup.NotFound' });
  });

  it('runs the subnet out of addresses with InsufficientFreeAddressesInSubnet', async () => {
    // The /28 has 11 host addresses; 3 are taken. Eight more fill it.
    const made: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { NetworkInterface } = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }));
      made.push(NetworkInterface!.NetworkInterfaceId!);
    }
    expect(await errorOf(ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId })))).toMatchObject({
      code: 'InsufficientFreeAddressesInSubnet',
    });
    for (const id of made) await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: id }));
  });

  it('filters by vpc, subnet, group, description, address and requester-managed, and pages', async () => {
    const byFilter = async (Name: string, Values: string[]) =>
      (
        await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name, Values }] }))
      ).NetworkInterfaces!.map((e) => e.PrivateIpAddress);
    expect((await byFilter('vpc-id', [vpcId])).sort()).toEqual(['10.0.1.10', '10.0.1.4']);
    expect((await byFilter('subnet-id', [subnetId])).sort()).toEqual(['10.0.1.10', '10.0.1.4']);
    expect(await byFilter('group-id', [groupId])).toEqual(['10.0.1.10']);
    expect(await byFilter('description', ['my network*'])).toEqual(['10.0.1.4']);
    expect(await byFilter('addresses.private-ip-address', ['10.0.1.5'])).toEqual(['10.0.1.10']);
    expect(await byFilter('requester-managed', ['true'])).toEqual([]);
    expect(await byFilter('tag:Name', ['first'])).toEqual(['10.0.1.4']);
    expect(await errorOf(byFilter('no-such-filter', ['x']))).toMatchObject({
      code: 'InvalidParameterValue',
    });
    const pages: number[] = [];
    for await (const page of paginateDescribeNetworkInterfaces(
      { client: ec2, pageSize: 5 },
      { Filters: [{ Name: 'vpc-id', Values: [vpcId] }] },
    )) {
      pages.push(page.NetworkInterfaces!.length);
    }
    expect(pages.reduce((a, b) => a + b, 0)).toBe(2);
    expect(
      await errorOf(
        ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-0123456789abcdef0'] })),
      ),
    ).toMatchObject({
      code: 'InvalidNetworkInterfaceID.NotFound',
      message: "The networkInterface ID 'eni-0123456789abcdef0' does not exist",
    });
    expect(
      await errorOf(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ['eni-zz'] }))),
    ).toMatchObject({ code: 'InvalidNetworkInterfaceID.Malformed' });
  });

  it('modifies one attribute per call: groups, description, source/dest check', async () => {
    const [eni] = (
      await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [{ Name: 'private-ip-address', Values: ['10.0.1.4'] }],
        }),
      )
    ).NetworkInterfaces!;
    const NetworkInterfaceId = eni!.NetworkInterfaceId!;
    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId, Groups: [groupId] }));
    await ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId, Description: { Value: 'renamed' } }),
    );
    await ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId, SourceDestCheck: { Value: false } }),
    );
    const [after] = (
      await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [NetworkInterfaceId] }))
    ).NetworkInterfaces!;
    expect(after).toMatchObject({
      Groups: [{ GroupId: groupId, GroupName: 'app' }],
      Description: 'renamed',
      SourceDestCheck: false,
    });
    expect(
      (
        await ec2.send(
          new DescribeNetworkInterfaceAttributeCommand({ NetworkInterfaceId, Attribute: 'sourceDestCheck' }),
        )
      ).SourceDestCheck,
    ).toEqual({ Value: false });
    expect(
      await errorOf(
        ec2.send(
          new ModifyNetworkInterfaceAttributeCommand({
            NetworkInterfaceId,
            Groups: [groupId],
            Description: { Value: 'both' },
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterCombination' });
    // The group is in use now: it cannot be deleted, nor the subnet.
    expect(await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })))).toMatchObject({
      code: 'DependencyViolation',
    });
    expect(await errorOf(ec2.send(new DeleteSubnetCommand({ SubnetId: subnetId })))).toMatchObject({
      code: 'DependencyViolation',
    });
  });

  it('keeps interfaces across a restart, then deletes them', async () => {
    await t.stop();
    await t.restart();
    ec2.destroy();
    ec2 = new EC2Client(t.clientConfig);
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    expect(NetworkInterfaces!.map((e) => e.PrivateIpAddress).sort()).toEqual(['10.0.1.10', '10.0.1.4']);
    for (const eni of NetworkInterfaces!) {
      await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.NetworkInterfaceId }));
    }
    expect(
      await errorOf(
        ec2.send(
          new DeleteNetworkInterfaceCommand({
            NetworkInterfaceId: NetworkInterfaces![0]!.NetworkInterfaceId,
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidNetworkInterfaceID.NotFound' });
  });
});

describe('requester-managed interfaces (the ECS runtime’s seam)', () => {
  it('creates an attached interface with the task’s address, which users see but cannot delete', async () => {
    const eni = createManagedInterface(t.cloud.store, {
      region: REGION,
      subnetId,
      securityGroupIds: [groupId],
      description: 'arn:aws:ecs:us-east-1:000000000000:attachment/0d2b4f4e-task',
      requesterId: '578734482556',
      privateIp: '172.18.0.7',
    });
    const [described] = (
      await ec2.send(
        new DescribeNetworkInterfacesCommand({
          Filters: [
            { Name: 'requester-managed', Values: ['true'] },
            { Name: 'attachment.status', Values: ['attached'] },
          ],
        }),
      )
    ).NetworkInterfaces!;
    expect(described).toMatchObject({
      NetworkInterfaceId: eni.id,
      PrivateIpAddress: '172.18.0.7',
      RequesterManaged: true,
      RequesterId: '578734482556',
      Status: 'in-use',
      Attachment: { Status: 'attached', InstanceOwnerId: '578734482556', DeviceIndex: 1 },
    });
    expect(
      await errorOf(ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni.id }))),
    ).toMatchObject({ code: 'InvalidNetworkInterface.InUse', message: `Interface: [${eni.id}] in use.` });
    expect(() =>
      createManagedInterface(t.cloud.store, {
        region: REGION,
        subnetId,
        securityGroupIds: [],
        description: 'another task',
        requesterId: '578734482556',
        privateIp: '172.18.0.7',
      }),
    ).toThrow(/Address 172\.18\.0\.7 is in use/);
    deleteManagedInterface(t.cloud.store, REGION, eni.id);
    expect(ec2State().networkInterfaces?.[eni.id]).toBeUndefined();
    // Deleting again is harmless: the runtime may retry after a crash.
    deleteManagedInterface(t.cloud.store, REGION, eni.id);
  });
});

describe('DryRun', () => {
  it('answers DryRunOperation (HTTP 412) after validation, with nothing changed', async () => {
    const before = JSON.stringify(ec2State());
    const dry = await errorOf(
      ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, DryRun: true })),
    );
    expect(dry).toEqual({
      code: 'DryRunOperation',
      message: 'Request would have succeeded, but DryRun flag is set.',
      status: 412,
    });
    expect(
      await errorOf(ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16', DryRun: true }))),
    ).toMatchObject({
      code: 'DryRunOperation',
    });
    expect(await errorOf(ec2.send(new DescribeVpcsCommand({ DryRun: true })))).toMatchObject({
      code: 'DryRunOperation',
    });
    expect(JSON.stringify(ec2State())).toBe(before);
    // A dry run of a call that would fail fails as the call would.
    expect(
      await errorOf(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8', DryRun: true }))),
    ).toMatchObject({ code: 'InvalidVpc.Range' });
    expect(
      await errorOf(
        ec2.send(
          new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: 'eni-0123456789abcdef0', DryRun: true }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidNetworkInterfaceID.NotFound' });
  });
});

describe('VPC attributes', () => {
  it('reads and sets one attribute per call, with CreateVpc’s defaults', async () => {
    const read = async (
      Attribute: 'enableDnsSupport' | 'enableDnsHostnames' | 'enableNetworkAddressUsageMetrics',
    ) => ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute }));
    expect((await read('enableDnsSupport')).EnableDnsSupport).toEqual({ Value: true });
    expect((await read('enableDnsHostnames')).EnableDnsHostnames).toEqual({ Value: false });
    expect((await read('enableNetworkAddressUsageMetrics')).EnableNetworkAddressUsageMetrics).toEqual({
      Value: false,
    });
    await ec2.send(
      new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableNetworkAddressUsageMetrics: { Value: true } }),
    );
    expect((await read('enableNetworkAddressUsageMetrics')).EnableNetworkAddressUsageMetrics).toEqual({
      Value: true,
    });
    expect(
      await errorOf(
        ec2.send(
          new ModifyVpcAttributeCommand({
            VpcId: vpcId,
            EnableDnsSupport: { Value: true },
            EnableDnsHostnames: { Value: true },
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterCombination' });
    expect(
      await errorOf(
        ec2.send(
          new DescribeVpcAttributeCommand({ VpcId: 'vpc-0123456789abcdef0', Attribute: 'enableDnsSupport' }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidVpcID.NotFound' });
  });
});

// The AWS CLI takes seconds to start (it loads EC2's whole model): few calls per test, generous timeouts.
describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  let id: string;

  it('creates and describes an interface', { timeout: 180_000 }, async () => {
    const created = (
      await t.aws([
        'ec2',
        'create-network-interface',
        '--subnet-id',
        subnetId,
        '--description',
        'cli interface',
        '--groups',
        groupId,
        '--private-ip-address',
        '10.0.1.12',
      ])
    ).json as { NetworkInterface: { NetworkInterfaceId: string; PrivateIpAddress: string } };
    expect(created.NetworkInterface.PrivateIpAddress).toBe('10.0.1.12');
    id = created.NetworkInterface.NetworkInterfaceId;
    const described = (
      await t.aws(['ec2', 'describe-network-interfaces', '--filters', `Name=group-id,Values=${groupId}`])
    ).json as { NetworkInterfaces: Array<{ NetworkInterfaceId: string }> };
    expect(described.NetworkInterfaces.map((e) => e.NetworkInterfaceId)).toContain(id);
  });

  it('dry-runs, deletes, and reports a gone interface by code', { timeout: 180_000 }, async () => {
    await expect(
      t.aws(['ec2', 'delete-network-interface', '--network-interface-id', id, '--dry-run']),
    ).rejects.toThrow(/DryRunOperation.*Request would have succeeded, but DryRun flag is set/s);
    await t.aws(['ec2', 'delete-network-interface', '--network-interface-id', id]);
    await expect(t.aws(['ec2', 'delete-network-interface', '--network-interface-id', id])).rejects.toThrow(
      /InvalidNetworkInterfaceID\.NotFound/,
    );
    await t.aws([
      'ec2',
      'modify-vpc-attribute',
      '--vpc-id',
      vpcId,
      '--enable-dns-hostnames',
      '{"Value":true}',
    ]);
    const attribute = (
      await t.aws(['ec2', 'describe-vpc-attribute', '--vpc-id', vpcId, '--attribute', 'enableDnsHostnames'])
    ).json as { EnableDnsHostnames: { Value: boolean } };
    expect(attribute.EnableDnsHostnames.Value).toBe(true);
  });
});
