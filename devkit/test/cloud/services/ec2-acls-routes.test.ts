/**
 * What Terraform's AWS provider, terraform-aws-modules/vpc and CloudFormation call on EC2
 * networking beyond the basics, from the EC2 API reference's examples and error codes: network ACLs
 * and their entries and associations, ReplaceRoute / ReplaceRouteTableAssociation, egress-only
 * internet gateways, DHCP options sets, security group rule changes, interface endpoints to S3 and
 * DynamoDB, DescribeInstances for a Fargate-only account, DryRun, and all of it kept across a restart.
 */
import {
  AssociateDhcpOptionsCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateDhcpOptionsCommand,
  CreateEgressOnlyInternetGatewayCommand,
  CreateInternetGatewayCommand,
  AttachInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DeleteDhcpOptionsCommand,
  DeleteEgressOnlyInternetGatewayCommand,
  DeleteNetworkAclCommand,
  DeleteNetworkAclEntryCommand,
  DeleteVpcCommand,
  DescribeDhcpOptionsCommand,
  DescribeEgressOnlyInternetGatewaysCommand,
  DescribeInstancesCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifySecurityGroupRulesCommand,
  ModifyVpcAttributeCommand,
  ReplaceNetworkAclAssociationCommand,
  ReplaceNetworkAclEntryCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  UpdateSecurityGroupRuleDescriptionsIngressCommand,
  AllocateAddressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ec2: EC2Client;
let vpcId: string;
let subnetId: string;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = new EC2Client(t.clientConfig);
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' }))).Vpc!.VpcId!;
  subnetId = (
    await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.60.1.0/24', AvailabilityZone: 'us-east-1a' }),
    )
  ).Subnet!.SubnetId!;
});
afterAll(async () => {
  ec2.destroy();
  await t.dispose();
});

async function errorOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { Code?: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.Code ?? e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

async function acl(id: string) {
  const { NetworkAcls } = await ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [id] }));
  return NetworkAcls![0]!;
}

describe('network ACLs', () => {
  it('create, take entries (create-network-acl-entry example), move a subnet to them and delete', async () => {
    const { NetworkAcl } = await ec2.send(
      new CreateNetworkAclCommand({
        VpcId: vpcId,
        TagSpecifications: [{ ResourceType: 'network-acl', Tags: [{ Key: 'Name', Value: 'private' }] }],
      }),
    );
    // A new ACL denies everything until entries are added.
    expect(NetworkAcl).toMatchObject({
      NetworkAclId: expect.stringMatching(/^acl-[0-9a-f]{17}$/),
      VpcId: vpcId,
      IsDefault: false,
      OwnerId: '000000000000',
      Associations: [],
      Tags: [{ Key: 'Name', Value: 'private' }],
      Entries: [
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: true, CidrBlock: '0.0.0.0/0' },
        { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
      ],
    });
    const aclId = NetworkAcl!.NetworkAclId!;
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: aclId,
        RuleNumber: 100,
        Protocol: 'udp',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '0.0.0.0/0',
        PortRange: { From: 53, To: 53 },
      }),
    );
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: aclId,
        RuleNumber: 110,
        Protocol: '1',
        RuleAction: 'deny',
        Egress: false,
        CidrBlock: '10.0.0.0/8',
        IcmpTypeCode: { Type: -1, Code: -1 },
      }),
    );
    expect((await acl(aclId)).Entries!.filter((e) => !e.Egress)).toEqual([
      {
        RuleNumber: 100,
        Protocol: '17',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '0.0.0.0/0',
        PortRange: { From: 53, To: 53 },
      },
      {
        RuleNumber: 110,
        Protocol: '1',
        RuleAction: 'deny',
        Egress: false,
        CidrBlock: '10.0.0.0/8',
        IcmpTypeCode: { Type: -1, Code: -1 },
      },
      { RuleNumber: 32767, Protocol: '-1', RuleAction: 'deny', Egress: false, CidrBlock: '0.0.0.0/0' },
    ]);

    const entry = {
      NetworkAclId: aclId,
      RuleNumber: 100,
      Protocol: '6',
      RuleAction: 'allow' as const,
      Egress: false,
      CidrBlock: '0.0.0.0/0',
    };
    expect(
      await errorOf(ec2.send(new CreateNetworkAclEntryCommand({ ...entry, PortRange: { From: 1, To: 2 } }))),
    ).toMatchObject({
      code: 'NetworkAclEntryAlreadyExists',
      message: 'The network acl entry identified by 100 already exists.',
    });
    expect(
      await errorOf(ec2.send(new CreateNetworkAclEntryCommand({ ...entry, RuleNumber: 120 }))),
    ).toMatchObject({
      code: 'MissingParameter',
    });
    expect(
      await errorOf(
        ec2.send(new CreateNetworkAclEntryCommand({ ...entry, RuleNumber: 32767, Protocol: '-1' })),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' });
    expect(
      await errorOf(
        ec2.send(new CreateNetworkAclEntryCommand({ ...entry, RuleNumber: 130, Protocol: 'bogus' })),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' });

    // replace-network-acl-entry example: rule 100 now admits TCP 443.
    await ec2.send(new ReplaceNetworkAclEntryCommand({ ...entry, PortRange: { From: 443, To: 443 } }));
    expect((await acl(aclId)).Entries!.find((e) => e.RuleNumber === 100 && !e.Egress)).toMatchObject({
      Protocol: '6',
      PortRange: { From: 443, To: 443 },
    });
    expect(
      await errorOf(
        ec2.send(new ReplaceNetworkAclEntryCommand({ ...entry, RuleNumber: 200, Protocol: '-1' })),
      ),
    ).toMatchObject({ code: 'InvalidNetworkAclEntry.NotFound' });
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: 110, Egress: false }));
    expect(
      await errorOf(
        ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: 110, Egress: false })),
      ),
    ).toMatchObject({ code: 'InvalidNetworkAclEntry.NotFound' });

    // The subnet starts on the VPC's default ACL; Terraform moves it by its association id.
    const defaults = await ec2.send(
      new DescribeNetworkAclsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'default', Values: ['true'] },
        ],
      }),
    );
    const defaultAcl = defaults.NetworkAcls![0]!;
    const association = defaultAcl.Associations!.find((a) => a.SubnetId === subnetId)!;
    expect(association.NetworkAclAssociationId).toMatch(/^aclassoc-/);
    const { NewAssociationId } = await ec2.send(
      new ReplaceNetworkAclAssociationCommand({
        AssociationId: association.NetworkAclAssociationId,
        NetworkAclId: aclId,
      }),
    );
    expect(NewAssociationId).toMatch(/^aclassoc-[0-9a-f]{17}$/);
    expect((await acl(aclId)).Associations).toEqual([
      { NetworkAclAssociationId: NewAssociationId, NetworkAclId: aclId, SubnetId: subnetId },
    ]);
    expect((await acl(defaultAcl.NetworkAclId!)).Associations).toEqual([]);
    const bySubnet = await ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }),
    );
    expect(bySubnet.NetworkAcls!.map((a) => a.NetworkAclId)).toEqual([aclId]);
    expect(
      await errorOf(
        ec2.send(
          new ReplaceNetworkAclAssociationCommand({
            AssociationId: 'aclassoc-0123456789abcdef0',
            NetworkAclId: aclId,
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidAssociationID.NotFound' });

    // In use, or the VPC's default: not deletable; the VPC waits for its custom ACLs.
    expect(await errorOf(ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: aclId })))).toMatchObject({
      code: 'DependencyViolation',
    });
    expect(
      await errorOf(ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: defaultAcl.NetworkAclId }))),
    ).toEqual({
      code: 'InvalidParameterValue',
      message: `cannot delete default network ACL ${defaultAcl.NetworkAclId}`,
      status: 400,
    });
    await ec2.send(
      new ReplaceNetworkAclAssociationCommand({
        AssociationId: NewAssociationId,
        NetworkAclId: defaultAcl.NetworkAclId,
      }),
    );
    // DryRun: checked, answered DryRunOperation (412), nothing changed.
    expect(
      await errorOf(ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: aclId, DryRun: true }))),
    ).toMatchObject({
      code: 'DryRunOperation',
      status: 412,
    });
    await acl(aclId);
    await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: aclId }));
    expect(await errorOf(acl(aclId))).toMatchObject({ code: 'InvalidNetworkAclID.NotFound' });
  });

  it('the default ACL keeps its rule 100 entries and can change them', async () => {
    const { NetworkAcls } = await ec2.send(
      new DescribeNetworkAclsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'default', Values: ['true'] },
        ],
      }),
    );
    const id = NetworkAcls![0]!.NetworkAclId!;
    expect(NetworkAcls![0]!.Entries!.map((e) => [e.RuleNumber, e.Egress, e.RuleAction])).toEqual([
      [100, true, 'allow'],
      [32767, true, 'deny'],
      [100, false, 'allow'],
      [32767, false, 'deny'],
    ]);
    await ec2.send(new DeleteNetworkAclEntryCommand({ NetworkAclId: id, RuleNumber: 100, Egress: true }));
    expect((await acl(id)).Entries!.filter((e) => e.Egress).map((e) => e.RuleNumber)).toEqual([32767]);
  });
});

describe('routes and route table associations', () => {
  it('ReplaceRoute retargets a route; ReplaceRouteTableAssociation moves a subnet or the main association', async () => {
    const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpcId }));
    const { AllocationId } = await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: subnetId, AllocationId })))
      .NatGateway!.NatGatewayId!;
    const tableId = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
    await ec2.send(
      new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }),
    );
    await ec2.send(
      new ReplaceRouteCommand({
        RouteTableId: tableId,
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: nat,
      }),
    );
    const table = async () =>
      (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [tableId] }))).RouteTables![0]!;
    expect((await table()).Routes![1]).toEqual({
      DestinationCidrBlock: '0.0.0.0/0',
      NatGatewayId: nat,
      Origin: 'CreateRoute',
      State: 'active',
    });
    expect(
      await errorOf(
        ec2.send(
          new ReplaceRouteCommand({
            RouteTableId: tableId,
            DestinationCidrBlock: '192.168.0.0/16',
            GatewayId: igw,
          }),
        ),
      ),
    ).toEqual({
      code: 'InvalidParameterValue',
      message: "There is no route defined for '192.168.0.0/16' in the route table. Use CreateRoute instead.",
      status: 400,
    });
    expect(
      await errorOf(
        ec2.send(
          new ReplaceRouteCommand({
            RouteTableId: tableId,
            DestinationCidrBlock: '10.60.0.0/16',
            GatewayId: igw,
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' });

    // A gateway endpoint's route belongs to the endpoint: CreateRoute cannot name it.
    const endpointId = (
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpcId,
          ServiceName: 'com.amazonaws.us-east-1.s3',
          RouteTableIds: [tableId],
        }),
      )
    ).VpcEndpoint!.VpcEndpointId!;
    expect((await table()).Routes!.some((r) => r.GatewayId === endpointId && r.DestinationPrefixListId)).toBe(
      true,
    );
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: tableId,
            DestinationCidrBlock: '10.1.0.0/16',
            VpcEndpointId: endpointId,
          }),
        ),
      ),
    ).toMatchObject({
      code: 'InvalidParameterValue',
      message: expect.stringContaining('Gateway Load Balancer'),
    });

    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }),
    );
    expect(RouteTables).toEqual([]);
    const main = (
      await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'association.main', Values: ['true'] },
          ],
        }),
      )
    ).RouteTables![0]!;
    const mainAssociation = main.Associations![0]!.RouteTableAssociationId!;
    const moved = await ec2.send(
      new ReplaceRouteTableAssociationCommand({ AssociationId: mainAssociation, RouteTableId: tableId }),
    );
    expect(moved).toMatchObject({
      NewAssociationId: expect.stringMatching(/^rtbassoc-[0-9a-f]{17}$/),
      AssociationState: { State: 'associated' },
    });
    expect((await table()).Associations).toEqual([
      {
        RouteTableAssociationId: moved.NewAssociationId,
        RouteTableId: tableId,
        Main: true,
        AssociationState: { State: 'associated' },
      },
    ]);
    expect(
      await errorOf(
        ec2.send(
          new ReplaceRouteTableAssociationCommand({ AssociationId: mainAssociation, RouteTableId: tableId }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidAssociationID.NotFound' });
    await ec2.send(
      new ReplaceRouteTableAssociationCommand({
        AssociationId: moved.NewAssociationId,
        RouteTableId: main.RouteTableId,
      }),
    );
  });
});

describe('egress-only internet gateways and DHCP options', () => {
  it('egress-only gateways are created attached, described, and deleted (the VPC waits for them)', async () => {
    const { EgressOnlyInternetGateway } = await ec2.send(
      new CreateEgressOnlyInternetGatewayCommand({ VpcId: vpcId, ClientToken: 'token-1' }),
    );
    expect(EgressOnlyInternetGateway).toEqual({
      EgressOnlyInternetGatewayId: expect.stringMatching(/^eigw-[0-9a-f]{17}$/),
      Attachments: [{ State: 'attached', VpcId: vpcId }],
      Tags: [],
    });
    const id = EgressOnlyInternetGateway!.EgressOnlyInternetGatewayId!;
    const listed = await ec2.send(
      new DescribeEgressOnlyInternetGatewaysCommand({ EgressOnlyInternetGatewayIds: [id] }),
    );
    expect(listed.EgressOnlyInternetGateways).toEqual([EgressOnlyInternetGateway]);
    expect(
      await ec2.send(new DeleteEgressOnlyInternetGatewayCommand({ EgressOnlyInternetGatewayId: id })),
    ).toMatchObject({
      ReturnCode: true,
    });
    expect(
      await errorOf(
        ec2.send(new DeleteEgressOnlyInternetGatewayCommand({ EgressOnlyInternetGatewayId: id })),
      ),
    ).toEqual({
      code: 'InvalidGatewayID.NotFound',
      message: `The egressOnlyInternetGateway ID '${id}' does not exist`,
      status: 400,
    });
  });

  it('a DHCP options set is created (create-dhcp-options example), associated, refused deletion while in use', async () => {
    const { DhcpOptions } = await ec2.send(
      new CreateDhcpOptionsCommand({
        DhcpConfigurations: [
          { Key: 'domain-name-servers', Values: ['10.2.5.1', '10.2.5.2'] },
          { Key: 'domain-name', Values: ['example.internal'] },
        ],
      }),
    );
    expect(DhcpOptions).toEqual({
      DhcpOptionsId: expect.stringMatching(/^dopt-[0-9a-f]{17}$/),
      OwnerId: '000000000000',
      DhcpConfigurations: [
        { Key: 'domain-name-servers', Values: [{ Value: '10.2.5.1' }, { Value: '10.2.5.2' }] },
        { Key: 'domain-name', Values: [{ Value: 'example.internal' }] },
      ],
      Tags: [],
    });
    const id = DhcpOptions!.DhcpOptionsId!;
    expect(
      await errorOf(
        ec2.send(new CreateDhcpOptionsCommand({ DhcpConfigurations: [{ Key: 'colour', Values: ['red'] }] })),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' });
    expect(
      await errorOf(
        ec2.send(
          new CreateDhcpOptionsCommand({
            DhcpConfigurations: [{ Key: 'ntp-servers', Values: ['not-an-ip'] }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' });

    await ec2.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: id, VpcId: vpcId }));
    const vpc = async () => (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs![0]!;
    expect((await vpc()).DhcpOptionsId).toBe(id);
    expect(await errorOf(ec2.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: id })))).toMatchObject({
      code: 'DependencyViolation',
    });
    await ec2.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: 'default', VpcId: vpcId }));
    expect((await vpc()).DhcpOptionsId).toBe('default');
    await ec2.send(new DeleteDhcpOptionsCommand({ DhcpOptionsId: id }));
    expect(await errorOf(ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [id] })))).toMatchObject({
      code: 'InvalidDhcpOptionID.NotFound',
    });
    expect(
      await errorOf(ec2.send(new AssociateDhcpOptionsCommand({ DhcpOptionsId: 'dopt-nope', VpcId: vpcId }))),
    ).toMatchObject({ code: 'InvalidDhcpOptionsId.Malformed' });
  });
});

describe('security group rules', () => {
  it('ModifySecurityGroupRules rewrites a rule in place; descriptions change by rule id or by permission', async () => {
    const groupId = (
      await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web', VpcId: vpcId }))
    ).GroupId!;
    const { SecurityGroupRules } = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
        ],
      }),
    );
    const ruleId = SecurityGroupRules![0]!.SecurityGroupRuleId!;
    await ec2.send(
      new ModifySecurityGroupRulesCommand({
        GroupId: groupId,
        SecurityGroupRules: [
          {
            SecurityGroupRuleId: ruleId,
            SecurityGroupRule: {
              IpProtocol: 'tcp',
              FromPort: 443,
              ToPort: 443,
              CidrIpv4: '10.1.0.0/16',
              Description: 'https',
            },
          },
        ],
      }),
    );
    const rule = async () =>
      (await ec2.send(new DescribeSecurityGroupRulesCommand({ SecurityGroupRuleIds: [ruleId] })))
        .SecurityGroupRules![0]!;
    expect(await rule()).toMatchObject({
      SecurityGroupRuleId: ruleId,
      IsEgress: false,
      FromPort: 443,
      ToPort: 443,
      CidrIpv4: '10.1.0.0/16',
      Description: 'https',
    });
    await ec2.send(
      new UpdateSecurityGroupRuleDescriptionsIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            IpRanges: [{ CidrIp: '10.1.0.0/16', Description: 'TLS from VPN' }],
          },
        ],
      }),
    );
    expect((await rule()).Description).toBe('TLS from VPN');
    await ec2.send(
      new UpdateSecurityGroupRuleDescriptionsIngressCommand({
        GroupId: groupId,
        SecurityGroupRuleDescriptions: [{ SecurityGroupRuleId: ruleId, Description: 'by id' }],
      }),
    );
    expect((await rule()).Description).toBe('by id');
    expect(
      await errorOf(
        ec2.send(
          new ModifySecurityGroupRulesCommand({
            GroupId: groupId,
            SecurityGroupRules: [
              {
                SecurityGroupRuleId: 'sgr-0123456789abcdef0',
                SecurityGroupRule: { IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' },
              },
            ],
          }),
        ),
      ),
    ).toEqual({
      code: 'InvalidSecurityGroupRuleId.NotFound',
      message: "The security group rule ID 'sgr-0123456789abcdef0' does not exist",
      status: 400,
    });
    expect(
      await errorOf(
        ec2.send(
          new UpdateSecurityGroupRuleDescriptionsIngressCommand({
            GroupId: groupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidPermission.NotFound' });
  });
});

describe('interface endpoints to S3 and DynamoDB', () => {
  it('are offered and created beside the gateway ones', async () => {
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const { VpcEndpoint } = await ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpcId,
        VpcEndpointType: 'Interface',
        ServiceName: 'com.amazonaws.us-east-1.dynamodb',
        SubnetIds: [subnetId],
        PrivateDnsEnabled: false,
      }),
    );
    expect(VpcEndpoint).toMatchObject({
      VpcEndpointType: 'Interface',
      ServiceName: 'com.amazonaws.us-east-1.dynamodb',
      NetworkInterfaceIds: [expect.stringMatching(/^eni-/)],
    });
    expect(VpcEndpoint!.DnsEntries![0]!.DnsName).toMatch(
      /^vpce-[0-9a-f]{17}-[0-9a-z]+\.dynamodb\.us-east-1\.vpce\.amazonaws\.com$/,
    );
  });
});

describe('DescribeInstances in a Fargate-only account', () => {
  it('finds no reservations, and checks ids, filters and MaxResults as EC2 does', async () => {
    expect(
      await ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'tag:Name', Values: ['x'] },
          ],
        }),
      ),
    ).toMatchObject({ Reservations: [] });
    expect(
      await errorOf(
        ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue', message: "The filter 'colour' is invalid" });
    expect(
      await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] }))),
    ).toEqual({
      code: 'InvalidInstanceID.NotFound',
      message: "The instance ID 'i-0123456789abcdef0' does not exist",
      status: 400,
    });
    expect(await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-zz'] })))).toMatchObject({
      code: 'InvalidInstanceID.Malformed',
    });
    expect(await errorOf(ec2.send(new DescribeInstancesCommand({ MaxResults: 3 })))).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});

describe('state', () => {
  it('keeps ACL entries and DHCP sets across a restart; a VPC waits for its custom ACLs', async () => {
    const aclId = (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl!.NetworkAclId!;
    await ec2.send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: aclId,
        RuleNumber: 5,
        Protocol: '-1',
        RuleAction: 'allow',
        Egress: true,
        CidrBlock: '10.0.0.0/8',
      }),
    );
    const doptId = (
      await ec2.send(
        new CreateDhcpOptionsCommand({ DhcpConfigurations: [{ Key: 'netbios-node-type', Values: ['2'] }] }),
      )
    ).DhcpOptions!.DhcpOptionsId!;
    ec2.destroy();
    await t.stop();
    await t.restart();
    ec2 = new EC2Client(t.clientConfig);
    expect((await acl(aclId)).Entries!.find((e) => e.RuleNumber === 5)).toMatchObject({
      Egress: true,
      CidrBlock: '10.0.0.0/8',
    });
    expect(
      (await ec2.send(new DescribeDhcpOptionsCommand({ DhcpOptionsIds: [doptId] }))).DhcpOptions,
    ).toHaveLength(1);
    expect(await errorOf(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })))).toMatchObject({
      code: 'DependencyViolation',
    });
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('creates a network ACL entry with its shorthand and lists no instances', async () => {
    const aclId = (await ec2.send(new CreateNetworkAclCommand({ VpcId: vpcId }))).NetworkAcl!.NetworkAclId!;
    await t.aws([
      'ec2',
      'create-network-acl-entry',
      '--network-acl-id',
      aclId,
      '--ingress',
      '--rule-number',
      '100',
      '--protocol',
      'udp',
      '--port-range',
      'From=53,To=53',
      '--cidr-block',
      '0.0.0.0/0',
      '--rule-action',
      'allow',
    ]);
    expect((await acl(aclId)).Entries).toContainEqual({
      RuleNumber: 100,
      Protocol: '17',
      RuleAction: 'allow',
      Egress: false,
      CidrBlock: '0.0.0.0/0',
      PortRange: { From: 53, To: 53 },
    });
    expect(
      (await t.aws(['ec2', 'describe-instances', '--filters', `Name=vpc-id,Values=${vpcId}`])).json,
    ).toEqual({
      Reservations: [],
    });
  });
});
