/**
 * VPC endpoints and the prefix lists of gateway services, from the EC2 API reference's examples
 * (create-vpc-endpoint, describe-vpc-endpoints, modify-vpc-endpoint, delete-vpc-endpoints,
 * describe-vpc-endpoint-services, describe-prefix-lists) and its error codes, through the SDK and
 * the AWS CLI.
 */
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteNetworkInterfaceCommand,
  DeleteRouteTableCommand,
  CreateRouteTableCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DeleteVpcEndpointsCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkInterfacesCommand,
  DescribePrefixListsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  ModifyVpcAttributeCommand,
  ModifyVpcEndpointCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

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

async function errorOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { Code?: string };
    return { code: e.Code ?? e.name, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** A VPC of its own with a table and a subnet in each of two zones. */
async function network(cidr: string) {
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }));
  const vpcId = Vpc!.VpcId!;
  const base = cidr.split('.').slice(0, 2).join('.');
  const subnet = async (third: number, zone: string) =>
    (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${base}.${third}.0/24`, AvailabilityZone: zone }),
      )
    ).Subnet!.SubnetId!;
  const subnetA = await subnet(1, 'us-east-1a');
  const subnetB = await subnet(2, 'us-east-1b');
  const { RouteTable } = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
  return { vpcId, subnetA, subnetB, routeTableId: RouteTable!.RouteTableId! };
}

async function endpoint(id: string) {
  const { VpcEndpoints } = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
  return VpcEndpoints![0]!;
}

async function prefixListId(name: string): Promise<string> {
  const { PrefixLists } = await ec2.send(
    new DescribePrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [name] }] }),
  );
  expect(PrefixLists).toHaveLength(1);
  return PrefixLists![0]!.PrefixListId!;
}

describe('gateway endpoints', () => {
  it('route the service prefix list to the endpoint in the named tables, with the default policy', async () => {
    const net = await network('10.40.0.0/16');
    const s3List = await prefixListId('com.amazonaws.us-east-1.s3');
    expect(s3List).toMatch(/^pl-[0-9a-f]{8}$/);
    const { VpcEndpoint } = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpcId,
        ServiceName: 'com.amazonaws.us-east-1.s3',
        RouteTableIds: [net.routeTableId],
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'Name', Value: 's3' }] }],
      }),
    );
    expect(VpcEndpoint).toMatchObject({
      VpcEndpointId: expect.stringMatching(/^vpce-[0-9a-f]{17}$/),
      VpcEndpointType: 'Gateway',
      VpcId: net.vpcId,
      ServiceName: 'com.amazonaws.us-east-1.s3',
      State: 'available',
      RouteTableIds: [net.routeTableId],
      SubnetIds: [],
      Groups: [],
      NetworkInterfaceIds: [],
      DnsEntries: [],
      PrivateDnsEnabled: false,
      RequesterManaged: false,
      OwnerId: '000000000000',
      Tags: [{ Key: 'Name', Value: 's3' }],
    });
    expect(JSON.parse(VpcEndpoint!.PolicyDocument!)).toEqual({
      Version: '2008-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }],
    });
    const endpointId = VpcEndpoint!.VpcEndpointId!;

    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'route.destination-prefix-list-id', Values: [s3List] }],
      }),
    );
    expect(RouteTables!.map((r) => r.RouteTableId)).toEqual([net.routeTableId]);
    expect(RouteTables![0]!.Routes).toContainEqual({
      DestinationPrefixListId: s3List,
      GatewayId: endpointId,
      Origin: 'CreateRoute',
      State: 'active',
    });

    // A second endpoint to the same service cannot take the same table's route.
    expect(
      await errorOf(
        ec2.send(
          new CreateVpcEndpointCommand({
            VpcId: net.vpcId,
            ServiceName: 'com.amazonaws.us-east-1.s3',
            RouteTableIds: [net.routeTableId],
          }),
        ),
      ),
    ).toEqual({
      code: 'RouteAlreadyExists',
      message: `route table ${net.routeTableId} already has a route with destination-prefix-list-id ${s3List}`,
    });
    // ...but a DynamoDB endpoint routes its own list in the same table.
    const dynamo = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpcId,
        ServiceName: 'com.amazonaws.us-east-1.dynamodb',
        VpcEndpointType: 'Gateway',
        RouteTableIds: [net.routeTableId],
      }),
    );
    const dynamoList = await prefixListId('com.amazonaws.us-east-1.dynamodb');
    const routes = async () =>
      (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [net.routeTableId] }))).RouteTables![0]!
        .Routes!;
    expect((await routes()).map((r) => r.DestinationPrefixListId).filter(Boolean)).toEqual([
      s3List,
      dynamoList,
    ]);

    // modify-vpc-endpoint: take the table off, reset and replace the policy.
    await ec2.send(
      new ModifyVpcEndpointCommand({ VpcEndpointId: endpointId, RemoveRouteTableIds: [net.routeTableId] }),
    );
    expect((await routes()).some((r) => r.GatewayId === endpointId)).toBe(false);
    expect((await endpoint(endpointId)).RouteTableIds).toEqual([]);
    const policy = JSON.stringify({
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
    });
    expect(
      await ec2.send(
        new ModifyVpcEndpointCommand({
          VpcEndpointId: endpointId,
          AddRouteTableIds: [net.routeTableId],
          PolicyDocument: policy,
        }),
      ),
    ).toMatchObject({ Return: true });
    expect(await endpoint(endpointId)).toMatchObject({
      PolicyDocument: policy,
      RouteTableIds: [net.routeTableId],
    });
    await ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: endpointId, ResetPolicy: true }));
    expect(JSON.parse((await endpoint(endpointId)).PolicyDocument!).Statement[0].Action).toBe('*');
    expect(
      await errorOf(
        ec2.send(
          new ModifyVpcEndpointCommand({ VpcEndpointId: endpointId, PolicyDocument: '{"Statement":' }),
        ),
      ),
    ).toMatchObject({ code: 'MalformedPolicyDocument' });
    // Subnets are for interface endpoints.
    expect(
      await errorOf(
        ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: endpointId, AddSubnetIds: [net.subnetA] })),
      ),
    ).toMatchObject({ code: 'InvalidParameter' });

    // The VPC keeps its endpoints' dependency; a deleted table leaves the endpoint.
    expect(await errorOf(ec2.send(new DeleteVpcCommand({ VpcId: net.vpcId })))).toMatchObject({
      code: 'DependencyViolation',
    });
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: net.routeTableId }));
    expect((await endpoint(endpointId)).RouteTableIds).toEqual([]);
    const deleted = await ec2.send(
      new DeleteVpcEndpointsCommand({ VpcEndpointIds: [endpointId, dynamo.VpcEndpoint!.VpcEndpointId!] }),
    );
    expect(deleted.Unsuccessful).toEqual([]);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: net.subnetA }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: net.subnetB }));
    await ec2.send(new DeleteVpcCommand({ VpcId: net.vpcId }));
  });

  it('answers the documented errors', async () => {
    const net = await network('10.41.0.0/16');
    const create = (input: Partial<ConstructorParameters<typeof CreateVpcEndpointCommand>[0]>) =>
      errorOf(
        ec2.send(
          new CreateVpcEndpointCommand({
            VpcId: net.vpcId,
            ServiceName: 'com.amazonaws.us-east-1.s3',
            ...input,
          }),
        ),
      );
    expect(await create({ ServiceName: 'com.amazonaws.us-east-1.nosuch' })).toEqual({
      code: 'InvalidServiceName',
      message: "The Vpc Endpoint Service 'com.amazonaws.us-east-1.nosuch' does not exist",
    });
    expect(await create({ VpcId: 'vpc-0123456789abcdef0' })).toEqual({
      code: 'InvalidVpcID.NotFound',
      message: "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    });
    expect(await create({ RouteTableIds: ['rtb-0123456789abcdef0'] })).toMatchObject({
      code: 'InvalidRouteTableID.NotFound',
    });
    // Logs is an interface service: the default type (Gateway) does not reach it.
    expect(await create({ ServiceName: 'com.amazonaws.us-east-1.logs' })).toMatchObject({
      code: 'InvalidParameter',
    });
    expect(await create({ PolicyDocument: 'not json' })).toMatchObject({ code: 'MalformedPolicyDocument' });
    expect(
      await errorOf(
        ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: ['vpce-0123456789abcdef0'] })),
      ),
    ).toEqual({
      code: 'InvalidVpcEndpointId.NotFound',
      message: "The Vpc Endpoint Id 'vpce-0123456789abcdef0' does not exist",
    });
    expect(
      await errorOf(ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: 'vpce-12', ResetPolicy: true }))),
    ).toMatchObject({ code: 'InvalidVpcEndpointId.Malformed' });
    // A dry run checks and answers DryRunOperation, creating nothing.
    expect(await create({ DryRun: true, RouteTableIds: [net.routeTableId] })).toMatchObject({
      code: 'DryRunOperation',
    });
    const { VpcEndpoints } = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [net.vpcId] }] }),
    );
    expect(VpcEndpoints).toEqual([]);
  });

  it('deletes what it can and lists the rest as unsuccessful', async () => {
    const net = await network('10.42.0.0/16');
    const { VpcEndpoint } = await ec2.send(
      new CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: 'com.amazonaws.us-east-1.dynamodb' }),
    );
    const { Unsuccessful } = await ec2.send(
      new DeleteVpcEndpointsCommand({
        VpcEndpointIds: [VpcEndpoint!.VpcEndpointId!, 'vpce-0123456789abcdef0'],
      }),
    );
    expect(Unsuccessful).toEqual([
      {
        ResourceId: 'vpce-0123456789abcdef0',
        Error: {
          Code: 'InvalidVpcEndpoint.NotFound',
          Message: "The Vpc Endpoint Id 'vpce-0123456789abcdef0' does not exist",
        },
      },
    ]);
    // AWS keeps showing a deleted endpoint for a while, `deleted` and holding nothing; other calls no longer find it.
    const id = VpcEndpoint!.VpcEndpointId!;
    const { VpcEndpoints } = await ec2.send(new DescribeVpcEndpointsCommand({ VpcEndpointIds: [id] }));
    expect(VpcEndpoints).toMatchObject([{ VpcEndpointId: id, State: 'deleted', RouteTableIds: [] }]);
    const byState = (state: string) =>
      ec2.send(
        new DescribeVpcEndpointsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [net.vpcId] },
            { Name: 'vpc-endpoint-state', Values: [state] },
          ],
        }),
      );
    expect((await byState('deleted')).VpcEndpoints!.map((e) => e.VpcEndpointId)).toEqual([id]);
    expect((await byState('available')).VpcEndpoints).toEqual([]);
    expect(
      await errorOf(ec2.send(new ModifyVpcEndpointCommand({ VpcEndpointId: id, ResetPolicy: true }))),
    ).toMatchObject({ code: 'InvalidVpcEndpointId.NotFound' });
    expect((await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }))).Unsuccessful).toEqual([
      { ResourceId: id, Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: expect.any(String) } },
    ]);
    // Its VPC can go: a deleted endpoint is no dependency.
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: net.routeTableId }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: net.subnetA }));
    await ec2.send(new DeleteSubnetCommand({ SubnetId: net.subnetB }));
    await ec2.send(new DeleteVpcCommand({ VpcId: net.vpcId }));
  });
});

describe('interface endpoints', () => {
  it('put a requester-managed interface in each subnet and answer the service name with private DNS', async () => {
    const net = await network('10.43.0.0/16');
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ VpcId: net.vpcId, GroupName: 'endpoints', Description: 'HTTPS in' }),
    );
    const create = () =>
      ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: net.vpcId,
          VpcEndpointType: 'Interface',
          ServiceName: 'com.amazonaws.us-east-1.logs',
          SubnetIds: [net.subnetA, net.subnetB],
          SecurityGroupIds: [GroupId!],
        }),
      );
    // Private DNS is on by default and needs the VPC's DNS hostnames, off in a new VPC.
    expect(await errorOf(create())).toEqual({
      code: 'InvalidParameter',
      message: `Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for ${net.vpcId}`,
    });
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: net.vpcId, EnableDnsHostnames: { Value: true } }));
    const { VpcEndpoint } = await create();
    const endpointId = VpcEndpoint!.VpcEndpointId!;
    expect(VpcEndpoint).toMatchObject({
      VpcEndpointType: 'Interface',
      State: 'pending',
      SubnetIds: [net.subnetA, net.subnetB],
      RouteTableIds: [],
      Groups: [{ GroupId, GroupName: 'endpoints' }],
      PrivateDnsEnabled: true,
      IpAddressType: 'ipv4',
      NetworkInterfaceIds: [expect.stringMatching(/^eni-/), expect.stringMatching(/^eni-/)],
    });
    const names = VpcEndpoint!.DnsEntries!.map((d) => d.DnsName);
    expect(names).toEqual([
      expect.stringMatching(
        new RegExp(`^${endpointId}-[a-z0-9]{8}\\.logs\\.us-east-1\\.vpce\\.amazonaws\\.com$`),
      ),
      expect.stringMatching(/-us-east-1a\.logs\.us-east-1\.vpce\.amazonaws\.com$/),
      expect.stringMatching(/-us-east-1b\.logs\.us-east-1\.vpce\.amazonaws\.com$/),
      'logs.us-east-1.amazonaws.com',
    ]);
    expect((await endpoint(endpointId)).State).toBe('available');

    // The interfaces, as AWS shows a VPC endpoint's.
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'interface-type', Values: ['vpc_endpoint'] }],
      }),
    );
    expect(NetworkInterfaces!.map((n) => n.NetworkInterfaceId).sort()).toEqual(
      [...VpcEndpoint!.NetworkInterfaceIds!].sort(),
    );
    for (const eni of NetworkInterfaces!) {
      expect(eni).toMatchObject({
        Description: `VPC Endpoint Interface ${endpointId}`,
        InterfaceType: 'vpc_endpoint',
        RequesterManaged: true,
        RequesterId: '727180483921',
        Status: 'in-use',
        VpcId: net.vpcId,
        Groups: [{ GroupId, GroupName: 'endpoints' }],
        Attachment: { InstanceOwnerId: 'amazon-aws', Status: 'attached' },
      });
    }
    expect(
      await errorOf(
        ec2.send(
          new DeleteNetworkInterfaceCommand({
            NetworkInterfaceId: NetworkInterfaces![0]!.NetworkInterfaceId,
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidNetworkInterface.InUse' });

    // A second endpoint to the service cannot also claim its name, nor share a zone between subnets.
    expect(await errorOf(create())).toMatchObject({
      code: 'InvalidParameter',
      message: `private-dns-enabled cannot be set because there is already a conflicting DNS domain for logs.us-east-1.amazonaws.com in the VPC ${net.vpcId}`,
    });
    const { Subnet: sameZone } = await ec2.send(
      new CreateSubnetCommand({
        VpcId: net.vpcId,
        CidrBlock: '10.43.3.0/24',
        AvailabilityZone: 'us-east-1a',
      }),
    );
    expect(
      await errorOf(
        ec2.send(
          new CreateVpcEndpointCommand({
            VpcId: net.vpcId,
            VpcEndpointType: 'Interface',
            ServiceName: 'com.amazonaws.us-east-1.ecr.dkr',
            SubnetIds: [net.subnetA, sameZone!.SubnetId!],
          }),
        ),
      ),
    ).toMatchObject({ code: 'DuplicateSubnetsInSameZone' });
    expect(
      await errorOf(
        ec2.send(
          new CreateVpcEndpointCommand({
            VpcId: net.vpcId,
            VpcEndpointType: 'Interface',
            ServiceName: 'com.amazonaws.us-east-1.ecr.dkr',
            SubnetIds: ['subnet-0123456789abcdef0'],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidSubnetID.NotFound' });

    // The subnet and the VPC depend on the endpoint; so does its security group.
    expect(await errorOf(ec2.send(new DeleteSubnetCommand({ SubnetId: net.subnetB })))).toMatchObject({
      code: 'DependencyViolation',
    });
    expect(await errorOf(ec2.send(new DeleteVpcCommand({ VpcId: net.vpcId })))).toMatchObject({
      code: 'DependencyViolation',
    });

    // Taking a subnet off removes its interface; a group added reaches every remaining interface.
    await ec2.send(
      new ModifyVpcEndpointCommand({
        VpcEndpointId: endpointId,
        RemoveSubnetIds: [net.subnetB],
        AddSecurityGroupIds: [(await defaultGroupOf(net.vpcId))!],
        PrivateDnsEnabled: false,
      }),
    );
    const modified = await endpoint(endpointId);
    expect(modified).toMatchObject({ SubnetIds: [net.subnetA], PrivateDnsEnabled: false });
    expect(modified.NetworkInterfaceIds).toHaveLength(1);
    expect(modified.DnsEntries!.map((d) => d.DnsName)).not.toContain('logs.us-east-1.amazonaws.com');
    const [remaining] = (
      await ec2.send(
        new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: modified.NetworkInterfaceIds }),
      )
    ).NetworkInterfaces!;
    expect(remaining!.Groups!.map((g) => g.GroupName)).toEqual(['endpoints', 'default']);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: net.subnetB }));
    expect(
      await errorOf(
        ec2.send(
          new ModifyVpcEndpointCommand({ VpcEndpointId: endpointId, AddRouteTableIds: [net.routeTableId] }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameter' });

    await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [endpointId] }));
    const left = await ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [net.vpcId] }] }),
    );
    expect(left.NetworkInterfaces).toEqual([]);
    await ec2.send(new DeleteSubnetCommand({ SubnetId: net.subnetA }));
  });

  it('filters endpoints by VPC, service, type, state and tag', async () => {
    const net = await network('10.44.0.0/16');
    const { VpcEndpoint: sts } = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: net.vpcId,
        VpcEndpointType: 'Interface',
        ServiceName: 'com.amazonaws.us-east-1.sts',
        SubnetIds: [net.subnetA],
        PrivateDnsEnabled: false,
        TagSpecifications: [{ ResourceType: 'vpc-endpoint', Tags: [{ Key: 'team', Value: 'ci' }] }],
      }),
    );
    // Without security groups, an interface endpoint takes the VPC's default group.
    expect(sts!.Groups!.map((g) => g.GroupName)).toEqual(['default']);
    const { VpcEndpoint: s3 } = await ec2.send(
      new CreateVpcEndpointCommand({ VpcId: net.vpcId, ServiceName: 'com.amazonaws.us-east-1.s3' }),
    );
    const ids = async (filters: Array<{ Name: string; Values: string[] }>) =>
      (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: filters }))).VpcEndpoints!.map(
        (e) => e.VpcEndpointId,
      );
    const inVpc = { Name: 'vpc-id', Values: [net.vpcId] };
    expect(await ids([inVpc])).toEqual([sts!.VpcEndpointId, s3!.VpcEndpointId]);
    expect(await ids([inVpc, { Name: 'vpc-endpoint-type', Values: ['Gateway'] }])).toEqual([
      s3!.VpcEndpointId,
    ]);
    expect(await ids([inVpc, { Name: 'service-name', Values: ['com.amazonaws.us-east-1.sts'] }])).toEqual([
      sts!.VpcEndpointId,
    ]);
    expect(await ids([inVpc, { Name: 'vpc-endpoint-state', Values: ['available'] }])).toHaveLength(2);
    expect(await ids([{ Name: 'tag:team', Values: ['ci'] }])).toEqual([sts!.VpcEndpointId]);
    expect(await ids([{ Name: 'vpc-endpoint-id', Values: [s3!.VpcEndpointId!] }])).toEqual([
      s3!.VpcEndpointId,
    ]);
    expect(await errorOf(ids([{ Name: 'no-such-filter', Values: ['x'] }]))).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});

async function defaultGroupOf(vpcId: string): Promise<string | undefined> {
  const { SecurityGroups } = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: 'group-name', Values: ['default'] },
      ],
    }),
  );
  return SecurityGroups?.[0]?.GroupId;
}

describe('endpoint services and prefix lists', () => {
  it('lists the gateway services and an interface service for each API the local cloud serves', async () => {
    const { ServiceNames, ServiceDetails } = await ec2.send(new DescribeVpcEndpointServicesCommand({}));
    for (const name of ['s3', 'dynamodb', 'ecr.api', 'ecr.dkr', 'ecs', 'logs', 'secretsmanager', 'sts']) {
      expect(ServiceNames).toContain(`com.amazonaws.us-east-1.${name}`);
    }
    const dkr = ServiceDetails!.find((s) => s.ServiceName === 'com.amazonaws.us-east-1.ecr.dkr');
    expect(dkr).toMatchObject({
      ServiceId: expect.stringMatching(/^vpce-svc-[0-9a-f]{17}$/),
      ServiceType: [{ ServiceType: 'Interface' }],
      Owner: 'amazon',
      AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'],
      AvailabilityZoneIds: ['use1-az1', 'use1-az2', 'use1-az3', 'use1-az4', 'use1-az5', 'use1-az6'],
      BaseEndpointDnsNames: ['dkr.ecr.us-east-1.vpce.amazonaws.com'],
      PrivateDnsName: '*.dkr.ecr.us-east-1.amazonaws.com',
      VpcEndpointPolicySupported: true,
      AcceptanceRequired: false,
      ManagesVpcEndpoints: false,
    });
    const gateways = await ec2.send(
      new DescribeVpcEndpointServicesCommand({ Filters: [{ Name: 'service-type', Values: ['Gateway'] }] }),
    );
    expect(gateways.ServiceNames).toEqual(['com.amazonaws.us-east-1.dynamodb', 'com.amazonaws.us-east-1.s3']);
    expect(gateways.ServiceDetails![1]).toMatchObject({
      BaseEndpointDnsNames: ['s3.us-east-1.amazonaws.com'],
      ServiceType: [{ ServiceType: 'Gateway' }],
    });
    expect(
      await errorOf(
        ec2.send(
          new DescribeVpcEndpointServicesCommand({ ServiceNames: ['com.amazonaws.us-east-1.nosuch'] }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidServiceName' });
  });

  it('describes the gateway services prefix lists, managed by AWS, with their entries', async () => {
    const { PrefixLists } = await ec2.send(new DescribeManagedPrefixListsCommand({}));
    const s3 = PrefixLists!.find((l) => l.PrefixListName === 'com.amazonaws.us-east-1.s3');
    expect(s3).toEqual({
      PrefixListId: await prefixListId('com.amazonaws.us-east-1.s3'),
      AddressFamily: 'IPv4',
      State: 'create-complete',
      PrefixListArn: `arn:aws:ec2:us-east-1:aws:prefix-list/${s3!.PrefixListId}`,
      PrefixListName: 'com.amazonaws.us-east-1.s3',
      Tags: [],
      OwnerId: 'AWS',
    });
    const { Entries } = await ec2.send(
      new GetManagedPrefixListEntriesCommand({ PrefixListId: s3!.PrefixListId }),
    );
    const { PrefixLists: classic } = await ec2.send(
      new DescribePrefixListsCommand({ PrefixListIds: [s3!.PrefixListId!] }),
    );
    expect(Entries!.map((e) => e.Cidr)).toEqual(classic![0]!.Cidrs);
    expect(
      await errorOf(ec2.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: ['pl-00000000'] }))),
    ).toMatchObject({ code: 'InvalidPrefixListID.NotFound' });
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it(
    'creates, describes and deletes a gateway endpoint as the reference examples do',
    { timeout: 240_000 },
    async () => {
      const net = await network('10.45.0.0/16');
      const created = (
        await t.aws([
          'ec2',
          'create-vpc-endpoint',
          '--vpc-id',
          net.vpcId,
          '--service-name',
          'com.amazonaws.us-east-1.s3',
          '--route-table-ids',
          net.routeTableId,
        ])
      ).json as { VpcEndpoint: { VpcEndpointId: string; State: string; RouteTableIds: string[] } };
      expect(created.VpcEndpoint).toMatchObject({ State: 'available', RouteTableIds: [net.routeTableId] });
      const described = (
        await t.aws(['ec2', 'describe-vpc-endpoints', '--filters', `Name=vpc-id,Values=${net.vpcId}`])
      ).json as { VpcEndpoints: Array<{ VpcEndpointId: string; VpcEndpointType: string }> };
      expect(described.VpcEndpoints).toMatchObject([
        { VpcEndpointId: created.VpcEndpoint.VpcEndpointId, VpcEndpointType: 'Gateway' },
      ]);
      const services = (
        await t.aws([
          'ec2',
          'describe-vpc-endpoint-services',
          '--service-names',
          'com.amazonaws.us-east-1.ecr.api',
        ])
      ).json as { ServiceNames: string[]; ServiceDetails: Array<{ PrivateDnsName: string }> };
      expect(services.ServiceNames).toEqual(['com.amazonaws.us-east-1.ecr.api']);
      expect(services.ServiceDetails[0]!.PrivateDnsName).toBe('api.ecr.us-east-1.amazonaws.com');
      const deleted = (
        await t.aws([
          'ec2',
          'delete-vpc-endpoints',
          '--vpc-endpoint-ids',
          created.VpcEndpoint.VpcEndpointId,
          'vpce-0123456789abcdef0',
        ])
      ).json as { Unsuccessful: Array<{ ResourceId: string; Error: { Code: string } }> };
      expect(deleted.Unsuccessful).toEqual([
        {
          ResourceId: 'vpce-0123456789abcdef0',
          Error: { Code: 'InvalidVpcEndpoint.NotFound', Message: expect.stringContaining('does not exist') },
        },
      ]);
      const after = (
        await t.aws([
          'ec2',
          'describe-vpc-endpoints',
          '--vpc-endpoint-ids',
          created.VpcEndpoint.VpcEndpointId,
        ])
      ).json as { VpcEndpoints: Array<{ State: string }> };
      expect(after.VpcEndpoints).toMatchObject([{ State: 'deleted' }]);
      await expect(
        t.aws([
          'ec2',
          'create-vpc-endpoint',
          '--vpc-id',
          net.vpcId,
          '--service-name',
          'com.amazonaws.us-east-1.x',
        ]),
      ).rejects.toThrow(
        /InvalidServiceName.*The Vpc Endpoint Service 'com\.amazonaws\.us-east-1\.x' does not exist/,
      );
      const lists = (
        await t.aws(['ec2', 'describe-managed-prefix-lists', '--filters', 'Name=owner-id,Values=AWS'])
      ).json as { PrefixLists: Array<{ PrefixListName: string }> };
      expect(lists.PrefixLists.map((l) => l.PrefixListName)).toEqual([
        'com.amazonaws.us-east-1.dynamodb',
        'com.amazonaws.us-east-1.s3',
      ]);
    },
  );
});
