/**
 * VPC flow logs to CloudWatch Logs, from the EC2 API reference's examples and error codes:
 * CreateFlowLogs for VPCs, subnets and interfaces (the delivery role must be IAM's, the log format
 * AWS's fields), DescribeFlowLogs with its filters, DeleteFlowLogs with its unsuccessful items —
 * through the real SDK and the real AWS CLI, and kept across a restart.
 */
import {
  CreateFlowLogsCommand,
  CreateNetworkInterfaceCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteFlowLogsCommand,
  DeleteNetworkInterfaceCommand,
  DescribeFlowLogsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliAvailable, errorOf, startTestCloud, type TestCloud } from '../harness.ts';

let t: TestCloud;
let ec2: EC2Client;
let vpcId: string;
let subnetId: string;
let roleArn: string;

beforeAll(async () => {
  t = await startTestCloud();
  ec2 = new EC2Client(t.clientConfig);
  const iam = new IAMClient(t.clientConfig);
  roleArn = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'flow-logs',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'vpc-flow-logs.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
      }),
    )
  ).Role!.Arn!;
  iam.destroy();
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
  subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.70.1.0/24' }))).Subnet!
    .SubnetId!;
});
afterAll(async () => {
  ec2.destroy();
  await t.dispose();
});

async function flowLog(id: string) {
  return (await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }))).FlowLogs![0]!;
}

describe('CreateFlowLogs', () => {
  it('creates a flow log for a VPC to a log group (the reference example), described ACTIVE, nothing delivered yet', async () => {
    const created = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceType: 'VPC',
        ResourceIds: [vpcId],
        TrafficType: 'ALL',
        LogGroupName: 'my-flow-logs',
        DeliverLogsPermissionArn: roleArn,
        TagSpecifications: [{ ResourceType: 'vpc-flow-log', Tags: [{ Key: 'Name', Value: 'vpc' }] }],
      }),
    );
    expect(created.FlowLogIds).toEqual([expect.stringMatching(/^fl-[0-9a-f]{17}$/)]);
    expect(created.Unsuccessful).toEqual([]);
    const id = created.FlowLogIds![0]!;
    expect(await flowLog(id)).toEqual({
      FlowLogId: id,
      CreationTime: expect.any(Date),
      DeliverLogsPermissionArn: roleArn,
      DeliverLogsStatus: 'SUCCESS',
      FlowLogStatus: 'ACTIVE',
      LogGroupName: 'my-flow-logs',
      ResourceId: vpcId,
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      LogDestination: 'arn:aws:logs:us-east-1:000000000000:log-group:my-flow-logs',
      LogFormat:
        '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}',
      MaxAggregationInterval: 600,
      Tags: [{ Key: 'Name', Value: 'vpc' }],
    });
    // As on AWS, the log group comes with the first records, not with the flow log.
    const logs = new CloudWatchLogsClient(t.clientConfig);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'my-flow-logs' }));
    logs.destroy();
    expect(groups.logGroups).toEqual([]);
    // The same resource, traffic and destination again is a duplicate.
    expect(
      await errorOf(
        ec2.send(
          new CreateFlowLogsCommand({
            ResourceType: 'VPC',
            ResourceIds: [vpcId],
            TrafficType: 'ALL',
            LogGroupName: 'my-flow-logs',
            DeliverLogsPermissionArn: roleArn,
          }),
        ),
      ),
    ).toEqual({
      name: 'FlowLogAlreadyExists',
      message: 'Error. There is an existing Flow Log with the same configuration and log destination.',
    });
  });

  it('a custom log format of AWS fields, a log group by ARN, one flow log per resource', async () => {
    const eniId = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId })))
      .NetworkInterface!.NetworkInterfaceId!;
    const format =
      '${version} ${vpc-id} ${subnet-id} ${interface-id} ${srcaddr} ${dstaddr} ${action} ${ecs-task-id}';
    const created = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceType: 'NetworkInterface',
        ResourceIds: [eniId],
        TrafficType: 'REJECT',
        LogDestinationType: 'cloud-watch-logs',
        LogDestination: 'arn:aws:logs:us-east-1:000000000000:log-group:eni-logs',
        DeliverLogsPermissionArn: roleArn,
        LogFormat: format,
        MaxAggregationInterval: 60,
      }),
    );
    const id = created.FlowLogIds![0]!;
    expect(await flowLog(id)).toMatchObject({
      ResourceId: eniId,
      TrafficType: 'REJECT',
      LogGroupName: 'eni-logs',
      LogFormat: format,
      MaxAggregationInterval: 60,
    });
    const subnetLogs = await ec2.send(
      new CreateFlowLogsCommand({
        ResourceType: 'Subnet',
        ResourceIds: [subnetId],
        TrafficType: 'ACCEPT',
        LogGroupName: 'eni-logs',
        DeliverLogsPermissionArn: roleArn,
      }),
    );
    expect(subnetLogs.FlowLogIds).toHaveLength(1);
    // Filters: by resource, traffic type, log group.
    const byResource = await ec2.send(
      new DescribeFlowLogsCommand({ Filter: [{ Name: 'resource-id', Values: [eniId, subnetId] }] }),
    );
    expect(byResource.FlowLogs!.map((f) => f.FlowLogId).sort()).toEqual(
      [id, subnetLogs.FlowLogIds![0]!].sort(),
    );
    const rejected = await ec2.send(
      new DescribeFlowLogsCommand({
        Filter: [
          { Name: 'traffic-type', Values: ['REJECT'] },
          { Name: 'log-group-name', Values: ['eni-logs'] },
        ],
      }),
    );
    expect(rejected.FlowLogs!.map((f) => f.FlowLogId)).toEqual([id]);
    // The interface's flow logs go with it.
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }));
    expect((await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }))).FlowLogs).toEqual([]);
  });

  it('refuses what AWS refuses, before creating anything', async () => {
    const before = (await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs!.length;
    const base = {
      ResourceType: 'VPC' as const,
      ResourceIds: [vpcId],
      TrafficType: 'ALL' as const,
      LogGroupName: 'other',
      DeliverLogsPermissionArn: roleArn,
    };
    const create = (input: Partial<ConstructorParameters<typeof CreateFlowLogsCommand>[0]>) =>
      errorOf(ec2.send(new CreateFlowLogsCommand({ ...base, ...input })));
    expect(await create({ DeliverLogsPermissionArn: undefined })).toEqual({
      name: 'InvalidParameter',
      message: "DeliverLogsPermissionArn can't be empty if LogDestinationType is cloud-watch-logs.",
    });
    expect(await create({ DeliverLogsPermissionArn: 'arn:aws:iam::000000000000:role/nobody' })).toMatchObject(
      {
        name: 'InvalidParameter',
      },
    );
    expect(await create({ LogFormat: '${version} ${nonsense}' })).toMatchObject({ name: 'InvalidParameter' });
    expect(await create({ LogFormat: 'version srcaddr' })).toMatchObject({ name: 'InvalidParameter' });
    expect(await create({ MaxAggregationInterval: 120 })).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await create({ TrafficType: undefined })).toMatchObject({ name: 'MissingParameter' });
    expect(await create({ LogDestinationType: 's3', LogDestination: 'arn:aws:s3:::bucket' })).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(await create({ ResourceIds: [vpcId, 'vpc-0123456789abcdef0'] })).toMatchObject({
      name: 'InvalidVpcID.NotFound',
    });
    expect(await create({ ResourceType: 'Subnet' })).toMatchObject({ name: 'InvalidSubnetID.Malformed' });
    expect(
      await create({
        LogGroupName: undefined,
        LogDestination: 'arn:aws:logs:eu-west-1:000000000000:log-group:x',
      }),
    ).toMatchObject({ name: 'InvalidParameter' });
    expect(await create({ DryRun: true })).toMatchObject({ name: 'DryRunOperation' });
    expect((await ec2.send(new DescribeFlowLogsCommand({}))).FlowLogs).toHaveLength(before);
  });
});

describe('DeleteFlowLogs', () => {
  it('deletes the flow logs it knows and reports the others unsuccessful', async () => {
    const id = (
      await ec2.send(
        new CreateFlowLogsCommand({
          ResourceType: 'Subnet',
          ResourceIds: [subnetId],
          TrafficType: 'ALL',
          LogGroupName: 'to-delete',
          DeliverLogsPermissionArn: roleArn,
        }),
      )
    ).FlowLogIds![0]!;
    const deleted = await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [id, 'fl-0123456789abcdef0'] }));
    expect(deleted.Unsuccessful).toEqual([
      {
        ResourceId: 'fl-0123456789abcdef0',
        Error: {
          Code: 'InvalidFlowLogId.NotFound',
          Message: "Flow Log ID 'fl-0123456789abcdef0' does not exist",
        },
      },
    ]);
    expect((await ec2.send(new DescribeFlowLogsCommand({ FlowLogIds: [id] }))).FlowLogs).toEqual([]);
  });
});

describe('authorization', () => {
  it('CreateFlowLogs passes the delivery role to vpc-flow-logs.amazonaws.com (iam:PassRole)', async () => {
    const enforcing = await startTestCloud({ enforceIam: true });
    try {
      const iam = new IAMClient(enforcing.clientConfig);
      const trust = (principal: object) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
        });
      const deliveryRole = (
        await iam.send(
          new CreateRoleCommand({
            RoleName: 'delivery',
            AssumeRolePolicyDocument: trust({ Service: 'vpc-flow-logs.amazonaws.com' }),
          }),
        )
      ).Role!.Arn!;
      await iam.send(
        new CreateRoleCommand({
          RoleName: 'network-admin',
          AssumeRolePolicyDocument: trust({ AWS: 'arn:aws:iam::000000000000:root' }),
        }),
      );
      const allow = (name: string, Action: string[], Condition?: object) =>
        iam.send(
          new PutRolePolicyCommand({
            RoleName: 'network-admin',
            PolicyName: name,
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action, Resource: '*', ...(Condition ? { Condition } : {}) }],
            }),
          }),
        );
      await allow('ec2', ['ec2:CreateVpc', 'ec2:CreateFlowLogs']);
      const { Credentials } = await new STSClient(enforcing.clientConfig).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::000000000000:role/network-admin',
          RoleSessionName: 'ci',
        }),
      );
      const admin = new EC2Client({
        ...enforcing.clientConfig,
        credentials: {
          accessKeyId: Credentials!.AccessKeyId!,
          secretAccessKey: Credentials!.SecretAccessKey!,
          sessionToken: Credentials!.SessionToken!,
        },
      });
      const vpc = (await admin.send(new CreateVpcCommand({ CidrBlock: '10.80.0.0/16' }))).Vpc!.VpcId!;
      const create = () =>
        admin.send(
          new CreateFlowLogsCommand({
            ResourceType: 'VPC',
            ResourceIds: [vpc],
            TrafficType: 'ALL',
            LogGroupName: 'guarded',
            DeliverLogsPermissionArn: deliveryRole,
          }),
        );
      const refused = await errorOf(create());
      expect(refused.name).toBe('UnauthorizedOperation');
      expect(refused.message).toContain(`iam:PassRole on resource: ${deliveryRole}`);
      await allow('pass', ['iam:PassRole'], {
        StringEquals: { 'iam:PassedToService': 'vpc-flow-logs.amazonaws.com' },
      });
      expect((await create()).FlowLogIds).toHaveLength(1);
      admin.destroy();
      iam.destroy();
    } finally {
      await enforcing.dispose();
    }
  });
});

describe('state', () => {
  it('keeps flow logs across a restart', async () => {
    const id = (
      await ec2.send(
        new CreateFlowLogsCommand({
          ResourceType: 'VPC',
          ResourceIds: [vpcId],
          TrafficType: 'REJECT',
          LogGroupName: 'kept',
          DeliverLogsPermissionArn: roleArn,
        }),
      )
    ).FlowLogIds![0]!;
    const before = await flowLog(id);
    ec2.destroy();
    await t.stop();
    await t.restart();
    ec2 = new EC2Client(t.clientConfig);
    expect(await flowLog(id)).toEqual(before);
  });
});

describe.skipIf(!awsCliAvailable)('the AWS CLI', () => {
  it('create-flow-logs, describe-flow-logs --filter, delete-flow-logs', async () => {
    const created = (
      await t.aws([
        'ec2',
        'create-flow-logs',
        '--resource-type',
        'Subnet',
        '--resource-ids',
        subnetId,
        '--traffic-type',
        'REJECT',
        '--log-group-name',
        'cli-flow-logs',
        '--deliver-logs-permission-arn',
        roleArn,
        '--log-format',
        '${version} ${srcaddr} ${dstaddr} ${action}',
      ])
    ).json as { FlowLogIds: string[]; Unsuccessful: unknown[] };
    expect(created.Unsuccessful).toEqual([]);
    const [id] = created.FlowLogIds;
    const described = (
      await t.aws(['ec2', 'describe-flow-logs', '--filter', 'Name=log-group-name,Values=cli-flow-logs'])
    ).json as { FlowLogs: Array<{ FlowLogId: string; LogFormat: string; ResourceId: string }> };
    expect(described.FlowLogs).toEqual([
      expect.objectContaining({
        FlowLogId: id,
        ResourceId: subnetId,
        LogFormat: '${version} ${srcaddr} ${dstaddr} ${action}',
      }),
    ]);
    expect((await t.aws(['ec2', 'delete-flow-logs', '--flow-log-ids', id!])).json).toEqual({
      Unsuccessful: [],
    });
  });
});
