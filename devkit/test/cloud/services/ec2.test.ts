/** EC2 networking through the real SDK and the real AWS CLI: the network a Fargate service needs. */
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteRouteCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteTagsCommand,
  DeleteVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNetworkAclsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeTagsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingressAllows, type Ec2State } from '../../../src/cloud/services/ec2/index.ts';
import { awsCliAvailable, REGION, startTestCloud, type TestCloud } from '../harness.ts';

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
    // `Code` is the error code on the wire (`InvalidVpcID.NotFound`).
    const e = error as Error & { Code?: string };
    return { code: e.Code ?? e.name, message: e.message };
  }
  throw new Error('expected the call to fail');
}

const nameTag = (
  resourceType: 'vpc' | 'subnet' | 'security-group' | 'route-table' | 'internet-gateway',
  name: string,
) => [{ ResourceType: resourceType, Tags: [{ Key: 'Name', Value: name }] }];

function ec2State(): Ec2State {
  return t.cloud.store.slice<Ec2State>('ec2', REGION, () => {
    throw new Error('EC2 state missing');
  });
}

describe('availability zones and the default VPC', () => {
  it('lists the region’s zones, available, with zone ids', async () => {
    const { AvailabilityZones } = await ec2.send(new DescribeAvailabilityZonesCommand({}));
    expect(AvailabilityZones!.map((z) => z.ZoneName)).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
      'us-east-1d',
      'us-east-1e',
      'us-east-1f',
    ]);
    expect(AvailabilityZones![0]).toMatchObject({
      ZoneId: 'use1-az1',
      State: 'available',
      RegionName: 'us-east-1',
    });
    const filtered = await ec2.send(
      new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-name', Values: ['*b'] }] }),
    );
    expect(filtered.AvailabilityZones!.map((z) => z.ZoneName)).toEqual(['us-east-1b']);
    const west = new EC2Client({ ...t.clientConfig, region: 'eu-west-1' });
    const euZones = await west.send(new DescribeAvailabilityZonesCommand({}));
    west.destroy();
    expect(euZones.AvailabilityZones!.map((z) => z.ZoneId)).toEqual(['euw1-az1', 'euw1-az2', 'euw1-az3']);
    expect(
      await errorOf(ec2.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1z'] }))),
    ).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });

  it('has a default VPC with a default subnet in every zone', async () => {
    const { Vpcs } = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'isDefault', Values: ['true'] }] }),
    );
    expect(Vpcs).toHaveLength(1);
    expect(Vpcs![0]).toMatchObject({ CidrBlock: '172.31.0.0/16', IsDefault: true, State: 'available' });
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [Vpcs![0]!.VpcId!] }] }),
    );
    expect(Subnets).toHaveLength(6);
    const others = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['false'] }] }),
    );
    expect(others.Vpcs!.map((v) => v.VpcId)).not.toContain(Vpcs![0]!.VpcId);
    expect(Subnets![0]).toMatchObject({
      CidrBlock: '172.31.0.0/20',
      DefaultForAz: true,
      MapPublicIpOnLaunch: true,
    });
  });
});

describe('a VPC for a Fargate service', () => {
  let vpcId: string;
  const subnetIds: string[] = [];
  let igwId: string;
  let publicTableId: string;
  let groupId: string;

  it('creates a VPC with its main route table, default security group and default network ACL', async () => {
    const { Vpc } = await ec2.send(
      new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', TagSpecifications: nameTag('vpc', 'app') }),
    );
    vpcId = Vpc!.VpcId!;
    expect(vpcId).toMatch(/^vpc-[0-9a-f]{17}$/);
    expect(Vpc).toMatchObject({
      CidrBlock: '10.0.0.0/16',
      IsDefault: false,
      Tags: [{ Key: 'Name', Value: 'app' }],
    });

    const byTag = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'tag:Name', Values: ['app'] }] }),
    );
    expect(byTag.Vpcs!.map((v) => v.VpcId)).toEqual([vpcId]);
    const byCidr = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.0.0.0/16'] }] }),
    );
    expect(byCidr.Vpcs!.map((v) => v.VpcId)).toEqual([vpcId]);
    const byKey = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'tag-key', Values: ['Name'] }] }),
    );
    expect(byKey.Vpcs!.map((v) => v.VpcId)).toEqual([vpcId]);
    expect((await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs).toHaveLength(1);

    const main = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'association.main', Values: ['true'] },
        ],
      }),
    );
    expect(main.RouteTables![0]!.Routes).toEqual([
      {
        DestinationCidrBlock: '10.0.0.0/16',
        GatewayId: 'local',
        Origin: 'CreateRouteTable',
        State: 'active',
      },
    ]);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    expect(groups.SecurityGroups!.map((g) => g.GroupName)).toEqual(['default']);
    const acls = await ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    expect(acls.NetworkAcls).toHaveLength(1);
    expect(acls.NetworkAcls![0]!.IsDefault).toBe(true);
  });

  it('rejects bad VPC CIDR blocks and unknown ids', async () => {
    expect(await errorOf(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/8' })))).toEqual({
      code: 'InvalidVpc.Range',
      message: "The CIDR '10.0.0.0/8' is invalid.",
    });
    expect(await errorOf(ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.300/16' })))).toMatchObject({
      code: 'InvalidParameterValue',
    });
    expect(await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })))).toEqual({
      code: 'InvalidVpcID.NotFound',
      message: "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    });
    expect(await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: ['nope'] })))).toMatchObject({
      code: 'InvalidVpcID.Malformed',
    });
    // Old 8-digit ids are well formed; 9 digits are not (AWS: "The vpc ID vpc-012345678 is malformed").
    expect(await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-12345678'] })))).toEqual({
      code: 'InvalidVpcID.NotFound',
      message: "The vpc ID 'vpc-12345678' does not exist",
    });
    expect(await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-012345678'] })))).toMatchObject({
      code: 'InvalidVpcID.Malformed',
    });
    expect(
      await errorOf(ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: ['acl-0123456789abcdef0'] }))),
    ).toEqual({
      code: 'InvalidNetworkAclID.NotFound',
      message: "The networkAcl ID 'acl-0123456789abcdef0' does not exist",
    });
    expect(
      await errorOf(ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] }))),
    ).toMatchObject({ code: 'InvalidParameterValue', message: "The filter 'colour' is invalid" });
  });

  it('turns DNS hostnames on and reads the attribute back', async () => {
    const before = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }),
    );
    expect(before.EnableDnsHostnames).toEqual({ Value: false });
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const after = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsHostnames' }),
    );
    expect(after.EnableDnsHostnames).toEqual({ Value: true });
    const support = await ec2.send(
      new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: 'enableDnsSupport' }),
    );
    expect(support.EnableDnsSupport).toEqual({ Value: true });
  });

  it('creates two public and two private subnets in two zones, checking their ranges', async () => {
    const layout = [
      ['10.0.0.0/24', 'us-east-1a', 'public-a'],
      ['10.0.1.0/24', 'us-east-1b', 'public-b'],
      ['10.0.10.0/24', 'us-east-1a', 'private-a'],
      ['10.0.11.0/24', 'us-east-1b', 'private-b'],
    ] as const;
    for (const [cidr, zone, name] of layout) {
      const { Subnet } = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: cidr,
          AvailabilityZone: zone,
          TagSpecifications: nameTag('subnet', name),
        }),
      );
      expect(Subnet).toMatchObject({
        VpcId: vpcId,
        CidrBlock: cidr,
        AvailabilityZone: zone,
        AvailableIpAddressCount: 251,
        MapPublicIpOnLaunch: false,
        State: 'available',
      });
      expect(Subnet!.SubnetId).toMatch(/^subnet-[0-9a-f]{17}$/);
      subnetIds.push(Subnet!.SubnetId!);
    }
    expect(
      await errorOf(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.1.0.0/24' }))),
    ).toEqual({ code: 'InvalidSubnet.Range', message: "The CIDR '10.1.0.0/24' is invalid." });
    expect(
      await errorOf(ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.0.128/25' }))),
    ).toEqual({
      code: 'InvalidSubnet.Conflict',
      message: "The CIDR '10.0.0.128/25' conflicts with another subnet",
    });
    expect(
      await errorOf(
        ec2.send(
          new CreateSubnetCommand({
            VpcId: vpcId,
            CidrBlock: '10.0.20.0/24',
            AvailabilityZone: 'us-east-1z',
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' });
    expect(
      await errorOf(
        ec2.send(new CreateSubnetCommand({ VpcId: 'vpc-0123456789abcdef0', CidrBlock: '10.0.2.0/24' })),
      ),
    ).toMatchObject({ code: 'InvalidVpcID.NotFound' });

    for (const id of subnetIds.slice(0, 2)) {
      await ec2.send(
        new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: true } }),
      );
    }
    const publicOnes = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'tag:Name', Values: ['public-*'] },
        ],
      }),
    );
    expect(publicOnes.Subnets!.map((s) => [s.AvailabilityZone, s.MapPublicIpOnLaunch])).toEqual([
      ['us-east-1a', true],
      ['us-east-1b', true],
    ]);
    const inZone = await ec2.send(
      new DescribeSubnetsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [vpcId] },
          { Name: 'availability-zone', Values: ['us-east-1b'] },
        ],
      }),
    );
    expect(inZone.Subnets!.map((s) => s.SubnetId)).toEqual([subnetIds[1], subnetIds[3]]);
    const byId = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetIds[2]!] }] }),
    );
    expect(byId.Subnets!.map((s) => s.CidrBlock)).toEqual(['10.0.10.0/24']);
  });

  it('attaches an internet gateway, once', async () => {
    const { InternetGateway } = await ec2.send(
      new CreateInternetGatewayCommand({ TagSpecifications: nameTag('internet-gateway', 'app') }),
    );
    igwId = InternetGateway!.InternetGatewayId!;
    expect(InternetGateway!.Attachments).toEqual([]);
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    const { InternetGateways } = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }] }),
    );
    expect(InternetGateways!.map((g) => g.InternetGatewayId)).toEqual([igwId]);
    expect(InternetGateways![0]!.Attachments).toEqual([{ VpcId: vpcId, State: 'available' }]);
    expect(
      await errorOf(ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }))),
    ).toMatchObject({ code: 'Resource.AlreadyAssociated' });
    expect(await errorOf(ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId })))).toEqual({
      code: 'DependencyViolation',
      message: `The internetGateway '${igwId}' has dependencies and cannot be deleted.`,
    });
  });

  it('routes the public subnets to the internet gateway', async () => {
    const { RouteTable } = await ec2.send(
      new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: nameTag('route-table', 'public') }),
    );
    publicTableId = RouteTable!.RouteTableId!;
    expect(RouteTable!.Routes).toEqual([
      {
        DestinationCidrBlock: '10.0.0.0/16',
        GatewayId: 'local',
        Origin: 'CreateRouteTable',
        State: 'active',
      },
    ]);
    const created = await ec2.send(
      new CreateRouteCommand({
        RouteTableId: publicTableId,
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: igwId,
      }),
    );
    expect(created.Return).toBe(true);
    expect(
      await errorOf(
        ec2.send(
          new CreateRouteCommand({
            RouteTableId: publicTableId,
            DestinationCidrBlock: '0.0.0.0/0',
            GatewayId: igwId,
          }),
        ),
      ),
    ).toEqual({ code: 'RouteAlreadyExists', message: 'The route identified by 0.0.0.0/0 already exists.' });
    const associations: string[] = [];
    for (const subnetId of subnetIds.slice(0, 2)) {
      const { AssociationId, AssociationState } = await ec2.send(
        new AssociateRouteTableCommand({ RouteTableId: publicTableId, SubnetId: subnetId }),
      );
      expect(AssociationId).toMatch(/^rtbassoc-[0-9a-f]{17}$/);
      expect(AssociationState).toEqual({ State: 'associated' });
      associations.push(AssociationId!);
    }
    expect(
      await errorOf(
        ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicTableId, SubnetId: subnetIds[0]! })),
      ),
    ).toMatchObject({ code: 'Resource.AlreadyAssociated' });
    const bySubnet = await ec2.send(
      new DescribeRouteTablesCommand({
        Filters: [{ Name: 'association.subnet-id', Values: [subnetIds[1]!] }],
      }),
    );
    expect(bySubnet.RouteTables!.map((r) => r.RouteTableId)).toEqual([publicTableId]);
    expect(bySubnet.RouteTables![0]!.Routes![1]).toMatchObject({ GatewayId: igwId, State: 'active' });
    expect(
      await errorOf(ec2.send(new DeleteRouteTableCommand({ RouteTableId: publicTableId }))),
    ).toMatchObject({
      code: 'DependencyViolation',
    });

    // A throwaway table: routes and associations come and go.
    const spare = await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    const spareId = spare.RouteTable!.RouteTableId!;
    await ec2.send(
      new CreateRouteCommand({
        RouteTableId: spareId,
        DestinationCidrBlock: '192.168.0.0/16',
        GatewayId: igwId,
      }),
    );
    await ec2.send(new DeleteRouteCommand({ RouteTableId: spareId, DestinationCidrBlock: '192.168.0.0/16' }));
    expect(
      await errorOf(
        ec2.send(new DeleteRouteCommand({ RouteTableId: spareId, DestinationCidrBlock: '192.168.0.0/16' })),
      ),
    ).toMatchObject({ code: 'InvalidRoute.NotFound' });
    const { AssociationId } = await ec2.send(
      new AssociateRouteTableCommand({ RouteTableId: spareId, SubnetId: subnetIds[2]! }),
    );
    await ec2.send(new DisassociateRouteTableCommand({ AssociationId: AssociationId! }));
    expect(
      await errorOf(ec2.send(new DisassociateRouteTableCommand({ AssociationId: AssociationId! }))),
    ).toMatchObject({ code: 'InvalidAssociationID.NotFound' });
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: spareId }));
    expect(
      await errorOf(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [spareId] }))),
    ).toMatchObject({
      code: 'InvalidRouteTableID.NotFound',
    });
  });

  it('creates a security group admitting the app port, with the default egress rule', async () => {
    const created = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'app',
        Description: 'app tasks',
        VpcId: vpcId,
        TagSpecifications: nameTag('security-group', 'app'),
      }),
    );
    groupId = created.GroupId!;
    expect(groupId).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(
      await errorOf(
        ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'again', VpcId: vpcId })),
      ),
    ).toEqual({
      code: 'InvalidGroup.Duplicate',
      message: `The security group 'app' already exists for VPC '${vpcId}'`,
    });
    expect(ingressAllows(ec2State(), [groupId], 8080)).toBe(false);

    const authorized = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 8080,
            ToPort: 8080,
            IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'app' }],
          },
        ],
      }),
    );
    expect(authorized.Return).toBe(true);
    expect(authorized.SecurityGroupRules).toHaveLength(1);
    expect(authorized.SecurityGroupRules![0]).toMatchObject({
      GroupId: groupId,
      IsEgress: false,
      IpProtocol: 'tcp',
      FromPort: 8080,
      ToPort: 8080,
      CidrIpv4: '0.0.0.0/0',
    });
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidPermission.Duplicate' });
    expect(ingressAllows(ec2State(), [groupId], 8080)).toBe(true);
    expect(ingressAllows(ec2State(), [groupId], 8081)).toBe(false);
    expect(ingressAllows(ec2State(), [groupId], 8080, undefined, 'udp')).toBe(false);

    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(SecurityGroups![0]).toMatchObject({ GroupName: 'app', Description: 'app tasks', VpcId: vpcId });
    expect(SecurityGroups![0]!.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'app' }],
        Ipv6Ranges: [],
        PrefixListIds: [],
        UserIdGroupPairs: [],
      },
    ]);
    expect(SecurityGroups![0]!.IpPermissionsEgress![0]).toMatchObject({
      IpProtocol: '-1',
      IpRanges: [{ CidrIp: '0.0.0.0/0' }],
    });
    const byName = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'group-name', Values: ['app'] },
          { Name: 'vpc-id', Values: [vpcId] },
        ],
      }),
    );
    expect(byName.SecurityGroups!.map((g) => g.GroupId)).toEqual([groupId]);
    const rules = await ec2.send(
      new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] }),
    );
    expect(rules.SecurityGroupRules!.map((r) => [r.IsEgress, r.IpProtocol, r.FromPort])).toEqual([
      [true, '-1', -1],
      [false, 'tcp', 8080],
    ]);
  });

  it('revokes and re-authorizes ingress and egress rules, including group references', async () => {
    const { GroupId: lbGroup } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'lb', Description: 'load balancer', VpcId: vpcId }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 9000, ToPort: 9100, UserIdGroupPairs: [{ GroupId: lbGroup }] },
        ],
      }),
    );
    expect(ingressAllows(ec2State(), [groupId], 9050)).toBe(true);
    expect(await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: lbGroup })))).toMatchObject({
      code: 'DependencyViolation',
    });
    await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 9000, ToPort: 9100, UserIdGroupPairs: [{ GroupId: lbGroup }] },
        ],
      }),
    );
    expect(ingressAllows(ec2State(), [groupId], 9050)).toBe(false);
    expect(
      await errorOf(
        ec2.send(
          new RevokeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: 9000, ToPort: 9100, UserIdGroupPairs: [{ GroupId: lbGroup }] },
            ],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidPermission.NotFound' });
    const deleted = await ec2.send(new DeleteSecurityGroupCommand({ GroupId: lbGroup }));
    expect(deleted).toMatchObject({ Return: true, GroupId: lbGroup });

    const everything = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: everything }));
    const https = [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: https }));
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(SecurityGroups![0]!.IpPermissionsEgress!.map((p) => [p.IpProtocol, p.FromPort])).toEqual([
      ['tcp', 443],
    ]);
    expect(
      await errorOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: groupId,
            IpPermissions: [{ IpProtocol: 'tcp', IpRanges: [{ CidrIp: '1.2.3.4/32' }] }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue' });
    const defaultGroup = (
      await ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: ['default'] },
          ],
        }),
      )
    ).SecurityGroups![0]!;
    expect(
      await errorOf(ec2.send(new DeleteSecurityGroupCommand({ GroupId: defaultGroup.GroupId }))),
    ).toMatchObject({
      code: 'CannotDelete',
    });
    expect(ingressAllows(ec2State(), [defaultGroup.GroupId!], 12345)).toBe(true);
    expect(
      await errorOf(ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] }))),
    ).toEqual({
      code: 'InvalidGroup.NotFound',
      message: "The security group 'sg-0123456789abcdef0' does not exist",
    });
  });

  it('tags and untags resources, and describes tags', async () => {
    await ec2.send(
      new CreateTagsCommand({
        Resources: [vpcId, subnetIds[0]!],
        Tags: [
          { Key: 'stage', Value: 'dev' },
          { Key: 'team', Value: 'ai' },
        ],
      }),
    );
    const { Tags } = await ec2.send(
      new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [subnetIds[0]!] }] }),
    );
    expect(Tags).toEqual([
      { ResourceId: subnetIds[0], ResourceType: 'subnet', Key: 'Name', Value: 'public-a' },
      { ResourceId: subnetIds[0], ResourceType: 'subnet', Key: 'stage', Value: 'dev' },
      { ResourceId: subnetIds[0], ResourceType: 'subnet', Key: 'team', Value: 'ai' },
    ]);
    await ec2.send(
      new DeleteTagsCommand({ Resources: [vpcId], Tags: [{ Key: 'team' }, { Key: 'stage', Value: 'prod' }] }),
    );
    const vpcTags = await ec2.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'resource-type', Values: ['vpc'] },
          { Name: 'resource-id', Values: [vpcId] },
        ],
      }),
    );
    expect(vpcTags.Tags!.map((x) => `${x.Key}=${x.Value}`)).toEqual(['Name=app', 'stage=dev']);
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }));
    expect(Vpcs![0]!.Tags).toEqual([
      { Key: 'Name', Value: 'app' },
      { Key: 'stage', Value: 'dev' },
    ]);
    expect(
      await errorOf(
        ec2.send(
          new CreateTagsCommand({
            Resources: ['subnet-0123456789abcdef0'],
            Tags: [{ Key: 'a', Value: 'b' }],
          }),
        ),
      ),
    ).toMatchObject({ code: 'InvalidSubnetID.NotFound' });
    expect(
      await errorOf(ec2.send(new CreateTagsCommand({ Resources: ['i-123'], Tags: [{ Key: 'a' }] }))),
    ).toMatchObject({ code: 'InvalidID' });
  });

  it('keeps the network across a restart', async () => {
    await t.stop();
    await t.restart();
    ec2.destroy();
    ec2 = new EC2Client(t.clientConfig);
    const { Subnets } = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    expect(Subnets!.map((s) => s.SubnetId)).toEqual(subnetIds);
    const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(SecurityGroups![0]!.IpPermissions![0]).toMatchObject({ FromPort: 8080, ToPort: 8080 });
    expect(ingressAllows(ec2State(), [groupId], 8080)).toBe(true);
    const { RouteTables } = await ec2.send(
      new DescribeRouteTablesCommand({ RouteTableIds: [publicTableId] }),
    );
    expect(RouteTables![0]!.Associations).toHaveLength(2);
  });

  it('refuses to delete a VPC with dependencies, then tears it all down', async () => {
    expect(await errorOf(ec2.send(new DeleteVpcCommand({ VpcId: vpcId })))).toEqual({
      code: 'DependencyViolation',
      message: `The vpc '${vpcId}' has dependencies and cannot be deleted.`,
    });
    await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }));
    const blackholed = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [publicTableId] }));
    expect(blackholed.RouteTables![0]!.Routes![1]).toMatchObject({ GatewayId: igwId, State: 'blackhole' });
    expect(
      await errorOf(ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igwId, VpcId: vpcId }))),
    ).toMatchObject({ code: 'Gateway.NotAttached' });
    await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igwId }));
    for (const id of subnetIds) await ec2.send(new DeleteSubnetCommand({ SubnetId: id }));
    expect(await errorOf(ec2.send(new DeleteSubnetCommand({ SubnetId: subnetIds[0]! })))).toMatchObject({
      code: 'InvalidSubnetID.NotFound',
    });
    await ec2.send(new DeleteRouteTableCommand({ RouteTableId: publicTableId }));
    await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
    await ec2.send(new DeleteVpcCommand({ VpcId: vpcId }));
    expect(await errorOf(ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })))).toMatchObject({
      code: 'InvalidVpcID.NotFound',
    });
    const leftovers = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
    );
    expect(leftovers.SecurityGroups).toEqual([]);
  });
});

// The AWS CLI takes seconds to start (it loads EC2's whole model), so each test makes few calls.
describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  let vpcId: string;

  it('creates a VPC and subnets, and filters subnets by VPC', async () => {
    const vpc = (await t.aws(['ec2', 'create-vpc', '--cidr-block', '10.20.0.0/16'])).json as {
      Vpc: { VpcId: string; CidrBlock: string };
    };
    expect(vpc.Vpc.CidrBlock).toBe('10.20.0.0/16');
    vpcId = vpc.Vpc.VpcId;
    for (const [cidr, zone] of [
      ['10.20.1.0/24', 'us-east-1a'],
      ['10.20.2.0/24', 'us-east-1c'],
    ] as const) {
      await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone }));
    }
    const subnets = (await t.aws(['ec2', 'describe-subnets', '--filters', `Name=vpc-id,Values=${vpcId}`]))
      .json as {
      Subnets: Array<{ AvailabilityZone: string; VpcId: string }>;
    };
    expect(subnets.Subnets.map((s) => s.AvailabilityZone).sort()).toEqual(['us-east-1a', 'us-east-1c']);
  });

  it('opens the app port with --protocol/--port/--cidr', async () => {
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'cli-app', Description: 'cli app', VpcId: vpcId }),
    );
    await t.aws([
      'ec2',
      'authorize-security-group-ingress',
      '--group-id',
      GroupId!,
      '--protocol',
      'tcp',
      '--port',
      '8080',
      '--cidr',
      '0.0.0.0/0',
    ]);
    const described = (await t.aws(['ec2', 'describe-security-groups', '--group-ids', GroupId!])).json as {
      SecurityGroups: Array<{ IpPermissions: unknown[] }>;
    };
    expect(described.SecurityGroups[0]!.IpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        IpRanges: [{ CidrIp: '0.0.0.0/0' }],
      }),
    ]);
    expect(ingressAllows(ec2State(), [GroupId!], 8080)).toBe(true);
  });

  it('lists the zones and reports EC2 errors by code', async () => {
    const zones = (await t.aws(['ec2', 'describe-availability-zones'])).json as {
      AvailabilityZones: Array<{ ZoneName: string; State: string }>;
    };
    expect(zones.AvailabilityZones.map((z) => z.ZoneName)).toContain('us-east-1f');
    expect(zones.AvailabilityZones.every((z) => z.State === 'available')).toBe(true);
    await expect(t.aws(['ec2', 'create-vpc', '--cidr-block', '10.0.0.0/8'])).rejects.toThrow(
      /InvalidVpc\.Range/,
    );
  });
});
