/**
 * A Fargate task's elastic network interface on the real Docker engine, through the real SDK and
 * the real AWS CLI: DescribeTasks' ENI attachment goes PRECREATED → ATTACHED → DETACHED as the task
 * lives, its details carry the container's real address on its VPC network, EC2 shows the interface
 * (requester-managed, in the subnet's VPC, with the task's security groups) while the task runs and
 * not after it stopped. The task runs on FARGATE_SPOT: spot tasks are real containers too.
 */
import type { NetworkConfiguration, Task } from '@aws-sdk/client-ecs';
import {
  CreateClusterCommand,
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { DescribeNetworkInterfacesCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailable } from '../docker-cli.ts';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';
import { fixtureNetwork, pushFixture, registerFixtureTask, waitFor } from './fixture.ts';

const docker = new Docker();

describe.skipIf(!dockerAvailable)("a Fargate task's network interface", () => {
  let t: TestCloud;
  let ecs: ECSClient;
  let ec2: EC2Client;
  let network: NetworkConfiguration;
  let taskDefinition: string;

  beforeAll(async () => {
    t = await startTestCloud({ runtime: { docker, timings: { noHealthCheckGraceSeconds: 1 } } });
    ecs = new ECSClient(t.clientConfig);
    ec2 = new EC2Client(t.clientConfig);
    const image = await pushFixture(docker, t);
    taskDefinition = await registerFixtureTask(ecs, { image, family: 'eni' });
    network = await fixtureNetwork(t, { ingressPort: 8080 });
    await ecs.send(
      new CreateClusterCommand({
        clusterName: 'eni',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      }),
    );
  }, 180_000);

  afterAll(async () => {
    ecs?.destroy();
    ec2?.destroy();
    await t?.dispose();
  });

  const describeTask = async (taskArn: string): Promise<Task> =>
    (await ecs.send(new DescribeTasksCommand({ cluster: 'eni', tasks: [taskArn] }))).tasks![0]!;
  const details = (task: Task) =>
    Object.fromEntries((task.attachments?.[0]?.details ?? []).map((d) => [d.name!, d.value!]));

  it('is attached while the task runs, visible in EC2 with the task address, and gone once it stopped', async () => {
    const { tasks } = await ecs.send(
      new RunTaskCommand({ cluster: 'eni', taskDefinition, networkConfiguration: network }),
    );
    const created = tasks![0]!;
    expect(created.capacityProviderName).toBe('FARGATE_SPOT');
    expect(created.attachments).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'ElasticNetworkInterface',
        status: 'PRECREATED',
        details: [{ name: 'subnetId', value: network.awsvpcConfiguration!.subnets![0] }],
      },
    ]);
    const attachmentId = created.attachments![0]!.id!;

    const running = await waitFor(
      'RUNNING with its ENI attached',
      () => describeTask(created.taskArn!),
      (task) => task.lastStatus === 'RUNNING' && task.attachments?.[0]?.status === 'ATTACHED',
      120_000,
    );
    const eni = details(running);
    expect(Object.keys(eni)).toEqual([
      'subnetId',
      'networkInterfaceId',
      'macAddress',
      'privateDnsName',
      'privateIPv4Address',
    ]);
    expect(eni.networkInterfaceId).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(eni.macAddress).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(eni.privateDnsName).toBe(`ip-${eni.privateIPv4Address!.replaceAll('.', '-')}.ec2.internal`);
    // The container's real address on its VPC's Docker network.
    const container = running.containers![0]!;
    expect(container.networkInterfaces?.[0]).toEqual({
      attachmentId,
      privateIpv4Address: eni.privateIPv4Address,
    });
    const inspected = await docker.getContainer(container.runtimeId!).inspect();
    const addresses = Object.values(inspected.NetworkSettings.Networks).map((n) => n.IPAddress);
    expect(addresses).toContain(eni.privateIPv4Address);

    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [eni.subnetId!] }));
    const { NetworkInterfaces } = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.networkInterfaceId!] }),
    );
    expect(NetworkInterfaces![0]).toMatchObject({
      NetworkInterfaceId: eni.networkInterfaceId,
      InterfaceType: 'interface',
      Description: `arn:aws:ecs:us-east-1:000000000000:attachment/${attachmentId}`,
      RequesterManaged: true,
      Status: 'in-use',
      SubnetId: eni.subnetId,
      VpcId: Subnets![0]!.VpcId,
      MacAddress: eni.macAddress,
      PrivateIpAddress: eni.privateIPv4Address,
      PrivateDnsName: eni.privateDnsName,
      Groups: [expect.objectContaining({ GroupId: network.awsvpcConfiguration!.securityGroups![0] })],
    });

    if (awsCliAvailable) {
      const { json } = await t.aws([
        'ec2',
        'describe-network-interfaces',
        '--filters',
        'Name=requester-managed,Values=true',
        `Name=description,Values=arn:aws:ecs:us-east-1:000000000000:attachment/${attachmentId}`,
      ]);
      expect(json).toMatchObject({
        NetworkInterfaces: [
          { NetworkInterfaceId: eni.networkInterfaceId, PrivateIpAddress: eni.privateIPv4Address },
        ],
      });
    }

    await ecs.send(new StopTaskCommand({ cluster: 'eni', task: created.taskArn! }));
    const stopped = await waitFor(
      'STOPPED',
      () => describeTask(created.taskArn!),
      (task) => task.lastStatus === 'STOPPED',
      120_000,
    );
    expect(stopped.attachments?.[0]?.status).toBe('DETACHED');
    expect(details(stopped).networkInterfaceId).toBe(eni.networkInterfaceId);
    await expect(
      ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni.networkInterfaceId!] })),
    ).rejects.toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
  }, 300_000);
});
