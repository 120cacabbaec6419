/**
 * The ECS control plane through the real SDK and the real AWS CLI: clusters, task definitions and
 * AWS's validation of them, services with deployments and events, tasks, tags, persistence.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DeleteClusterCommand,
  DeleteServiceCommand,
  DeregisterTaskDefinitionCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServicesCommand,
  ListTagsForResourceCommand,
  ListTaskDefinitionFamiliesCommand,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateClusterSettingsCommand,
  UpdateServiceCommand,
  type ContainerDefinition,
  type RegisterTaskDefinitionCommandInput,
} from '@aws-sdk/client-ecs';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  markTaskStopped,
  newDeployment,
  recordServiceEvent,
  requestTaskStop,
  setTaskStatus,
  settleDrainingService,
  startServiceTasks,
} from '../../../src/cloud/services/ecs/lifecycle.ts';
import { rolloutReasons, serviceEventMessages } from '../../../src/cloud/services/ecs/wording.ts';
import { initialEcsState, type ServiceRecord } from '../../../src/cloud/services/ecs/state.ts';
import { awsCliAvailable, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;
const IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/iscoolgpt:abc123`;
/** The region's default subnet and security group (ECS refuses ids EC2 does not know); set in beforeAll. */
const NETWORK = { awsvpcConfiguration: { subnets: [] as string[], securityGroups: [] as string[] } };

const app = (overrides: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'api',
  image: IMAGE,
  essential: true,
  portMappings: [{ containerPort: 8080 }],
  logConfiguration: {
    logDriver: 'awslogs',
    options: {
      'awslogs-group': '/ecs/iscoolgpt',
      'awslogs-region': 'us-east-1',
      'awslogs-stream-prefix': 'api',
    },
  },
  ...overrides,
});

/** A valid Fargate task definition, with any top-level field replaced. */
const fargateTask = (
  overrides: Partial<RegisterTaskDefinitionCommandInput> = {},
): RegisterTaskDefinitionCommandInput => ({
  family: 'iscoolgpt',
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '1024',
  memory: '3072',
  executionRoleArn: EXECUTION_ROLE,
  containerDefinitions: [app()],
  ...overrides,
});

let t: TestCloud;
let ecs: ECSClient;

beforeAll(async () => {
  t = await startTestCloud();
  ecs = new ECSClient(t.clientConfig);
  const ec2 = new EC2Client(t.clientConfig);
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
  const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({}));
  ec2.destroy();
  NETWORK.awsvpcConfiguration.subnets.push(Subnets![0]!.SubnetId!);
  NETWORK.awsvpcConfiguration.securityGroups.push(SecurityGroups![0]!.GroupId!);
});
afterAll(async () => {
  ecs.destroy();
  await t.dispose();
});

describe('clusters', () => {
  it('calls without a cluster use "default", which must exist', async () => {
    await expect(ecs.send(new ListServicesCommand({}))).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
      message: 'Cluster not found.',
    });
    const { failures } = await ecs.send(new DescribeClustersCommand({}));
    expect(failures).toEqual([
      { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/default`, reason: 'MISSING' },
    ]);

    const { cluster } = await ecs.send(new CreateClusterCommand({}));
    expect(cluster).toMatchObject({ clusterName: 'default', status: 'ACTIVE', activeServicesCount: 0 });
    expect((await ecs.send(new ListServicesCommand({}))).serviceArns).toEqual([]);
  });

  it('creates clusters with Container Insights and tags, idempotently, and lists them', async () => {
    const input = {
      clusterName: 'apps',
      settings: [{ name: 'containerInsights' as const, value: 'enabled' }],
      tags: [{ key: 'stage', value: 'dev' }],
    };
    const { cluster } = await ecs.send(new CreateClusterCommand(input));
    expect(cluster).toMatchObject({
      clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/apps`,
      clusterName: 'apps',
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      settings: [{ name: 'containerInsights', value: 'enabled' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    expect((await ecs.send(new CreateClusterCommand(input))).cluster?.clusterArn).toBe(cluster?.clusterArn);

    const described = await ecs.send(new DescribeClustersCommand({ clusters: ['apps'] }));
    // As AWS's describe-clusters example answers: the details not asked for are there, empty.
    expect(described.clusters?.[0]).toMatchObject({ statistics: [], tags: [], settings: [] });
    const detailed = await ecs.send(
      new DescribeClustersCommand({ clusters: [cluster!.clusterArn!], include: ['SETTINGS', 'TAGS'] }),
    );
    expect(detailed.clusters?.[0]).toMatchObject({
      settings: [{ name: 'containerInsights', value: 'enabled' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    const { clusterArns } = await ecs.send(new ListClustersCommand({}));
    expect(clusterArns).toEqual([cluster?.clusterArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/default`]);
  });

  it('updates cluster settings', async () => {
    const { cluster } = await ecs.send(
      new UpdateClusterSettingsCommand({
        cluster: 'apps',
        settings: [{ name: 'containerInsights', value: 'disabled' }],
      }),
    );
    expect(cluster?.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
  });

  it('deletes a cluster: INACTIVE, still describable, no longer listed', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'scratch' }));
    const { cluster } = await ecs.send(new DeleteClusterCommand({ cluster: 'scratch' }));
    expect(cluster?.status).toBe('INACTIVE');
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ['scratch'] }));
    expect(clusters?.[0]?.status).toBe('INACTIVE');
    expect((await ecs.send(new ListClustersCommand({}))).clusterArns).not.toContain(cluster?.clusterArn);
    await expect(ecs.send(new DeleteClusterCommand({ cluster: 'scratch' }))).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
    });
  });
});

describe('task definitions', () => {
  it('registers revisions with the defaults ECS fills in', async () => {
    const { taskDefinition, tags } = await ecs.send(
      new RegisterTaskDefinitionCommand(
        fargateTask({
          cpu: '1 vCPU',
          memory: '3 GB',
          tags: [{ key: 'app', value: 'iscoolgpt' }],
          containerDefinitions: [
            app({ healthCheck: { command: ['CMD-SHELL', 'curl -f localhost:8080/health'] } }),
          ],
        }),
      ),
    );
    expect(tags).toEqual([{ key: 'app', value: 'iscoolgpt' }]);
    expect(taskDefinition).toMatchObject({
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/iscoolgpt:1`,
      family: 'iscoolgpt',
      revision: 1,
      status: 'ACTIVE',
      cpu: '1024',
      memory: '3072',
      compatibilities: ['EC2', 'FARGATE'],
      requiresCompatibilities: ['FARGATE'],
      volumes: [],
      placementConstraints: [],
      registeredBy: `arn:aws:iam::${ACCOUNT}:root`,
    });
    expect(taskDefinition?.registeredAt).toBeInstanceOf(Date);
    expect(taskDefinition?.containerDefinitions?.[0]).toMatchObject({
      cpu: 0,
      essential: true,
      portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
      environment: [],
      mountPoints: [],
      volumesFrom: [],
      healthCheck: {
        command: ['CMD-SHELL', 'curl -f localhost:8080/health'],
        interval: 30,
        timeout: 5,
        retries: 3,
      },
    });
    const second = await ecs.send(new RegisterTaskDefinitionCommand(fargateTask()));
    expect(second.taskDefinition?.revision).toBe(2);
  });

  it('describes by family (latest ACTIVE), family:revision and ARN, with tags on request', async () => {
    const latest = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'iscoolgpt' }));
    expect(latest.taskDefinition?.revision).toBe(2);
    expect(latest.tags).toBeUndefined();
    const first = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'iscoolgpt:1', include: ['TAGS'] }),
    );
    expect(first.tags).toEqual([{ key: 'app', value: 'iscoolgpt' }]);
    const byArn = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: first.taskDefinition!.taskDefinitionArn! }),
    );
    expect(byArn.taskDefinition?.revision).toBe(1);
    await expect(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope' })),
    ).rejects.toMatchObject({
      name: 'ClientException',
      message: 'Unable to describe task definition.',
    });
  });

  it('lists task definitions and families with filters and sorting', async () => {
    await ecs.send(new RegisterTaskDefinitionCommand(fargateTask({ family: 'worker' })));
    const arn = (family: string, revision: number) =>
      `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:${revision}`;
    expect((await ecs.send(new ListTaskDefinitionsCommand({}))).taskDefinitionArns).toEqual([
      arn('iscoolgpt', 1),
      arn('iscoolgpt', 2),
      arn('worker', 1),
    ]);
    const desc = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'iscoolgpt', sort: 'DESC' }));
    expect(desc.taskDefinitionArns).toEqual([arn('iscoolgpt', 2), arn('iscoolgpt', 1)]);
    const paged = await ecs.send(new ListTaskDefinitionsCommand({ maxResults: 2 }));
    expect(paged.taskDefinitionArns).toHaveLength(2);
    const rest = await ecs.send(new ListTaskDefinitionsCommand({ nextToken: paged.nextToken }));
    expect(rest.taskDefinitionArns).toEqual([arn('worker', 1)]);
    expect((await ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'isc' }))).families).toEqual(
      ['iscoolgpt'],
    );
  });

  it('deregisters a revision: INACTIVE, still describable by number, unusable by new work', async () => {
    const { taskDefinition } = await ecs.send(
      new DeregisterTaskDefinitionCommand({ taskDefinition: 'worker:1' }),
    );
    expect(taskDefinition).toMatchObject({ status: 'INACTIVE', revision: 1 });
    expect(taskDefinition?.deregisteredAt).toBeInstanceOf(Date);
    const again = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker:1' }));
    expect(again.taskDefinition?.status).toBe('INACTIVE');
    await expect(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'worker' })),
    ).rejects.toMatchObject({
      name: 'ClientException',
    });
    const inactive = await ecs.send(new ListTaskDefinitionsCommand({ status: 'INACTIVE' }));
    expect(inactive.taskDefinitionArns).toEqual([taskDefinition?.taskDefinitionArn]);
    const families = await ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'INACTIVE' }));
    expect(families.families).toEqual(['worker']);
    await expect(
      ecs.send(
        new CreateServiceCommand({
          cluster: 'apps',
          serviceName: 'w',
          taskDefinition: 'worker:1',
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ClientException', message: 'TaskDefinition is inactive' });
  });

  const validFargateSizes: Array<[string, string]> = [
    ['256', '512'],
    ['256', '2048'],
    ['512', '1024'],
    ['512', '4096'],
    ['1024', '2048'],
    ['1024', '8192'],
    ['2048', '4096'],
    ['2048', '16384'],
    ['4096', '8192'],
    ['4096', '30720'],
    ['8192', '16384'],
    ['8192', '61440'],
    ['16384', '32768'],
    ['16384', '122880'],
    ['.25 vCPU', '0.5GB'],
  ];
  it.each(validFargateSizes)('accepts Fargate cpu %s with memory %s', async (cpu, memory) => {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand(fargateTask({ family: 'sizes', cpu, memory })),
    );
    expect(taskDefinition?.compatibilities).toContain('FARGATE');
  });

  const noFargate = (cpu: number, memory: number) =>
    `No Fargate configuration exists for given values: ${cpu} CPU, ${memory} memory. See the Amazon ECS documentation for the valid values.`;
  const health = (healthCheck: Record<string, unknown>) => ({
    containerDefinitions: [app({ healthCheck: { command: ['CMD', 'true'], ...healthCheck } })],
  });
  const logOptions = (options: Record<string, string>) => ({
    containerDefinitions: [app({ logConfiguration: { logDriver: 'awslogs', options } })],
  });
  const rejected: Array<[string, Partial<RegisterTaskDefinitionCommandInput>, string]> = [
    ['an unknown Fargate cpu', { cpu: '100' }, "Invalid 'cpu' setting for task."],
    ['an unreadable cpu', { cpu: 'lots' }, "Invalid 'cpu' setting for task."],
    ['256 cpu with 4 GB', { cpu: '256', memory: '4096' }, noFargate(256, 4096)],
    ['512 cpu with 512 MiB', { cpu: '512', memory: '512' }, noFargate(512, 512)],
    ['1024 cpu with 9 GB', { cpu: '1024', memory: '9216' }, noFargate(1024, 9216)],
    ['4096 cpu with 31 GB', { cpu: '4096', memory: '31744' }, noFargate(4096, 31744)],
    ['8192 cpu off its 4 GB steps', { cpu: '8192', memory: '18432' }, noFargate(8192, 18432)],
    ['16384 cpu off its 8 GB steps', { cpu: '16384', memory: '36864' }, noFargate(16384, 36864)],
    [
      'no task cpu on Fargate',
      { cpu: undefined },
      "Fargate requires that 'cpu' be defined at the task level.",
    ],
    [
      'no task memory on Fargate',
      { memory: undefined },
      "Fargate requires that 'memory' be defined at the task level.",
    ],
    [
      'bridge networking on Fargate',
      { networkMode: 'bridge' },
      'Fargate only supports network mode ‘awsvpc’.',
    ],
    ['an empty container list', { containerDefinitions: [] }, 'Container list cannot be empty.'],
    [
      'a family with a colon',
      { family: 'bad:family' },
      'Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.',
    ],
    [
      'no essential container',
      { containerDefinitions: [app({ essential: false })] },
      'Task definition does not have any essential container.',
    ],
    [
      'a container without an image',
      { containerDefinitions: [app({ image: undefined })] },
      'Container.image should not be null or empty.',
    ],
    [
      'two containers with one name',
      { containerDefinitions: [app(), app()] },
      "Duplicate container name 'api' in the task definition.",
    ],
    [
      'a host port other than the container port under awsvpc',
      { containerDefinitions: [app({ portMappings: [{ containerPort: 8080, hostPort: 80 }] })] },
      'When networkMode=awsvpc, the host ports and container ports in port mappings must match.',
    ],
    [
      'container port 0',
      { containerDefinitions: [app({ portMappings: [{ containerPort: 0 }] })] },
      "Invalid 'containerPort' setting for container 'api'.",
    ],
    [
      'a health check command without CMD or CMD-SHELL',
      { containerDefinitions: [app({ healthCheck: { command: ['curl', 'localhost'] } })] },
      "Invalid 'healthCheck.command' setting for container 'api'. The command must start with CMD or CMD-SHELL followed by the command to run.",
    ],
    [
      'a health check interval of 4 s',
      health({ interval: 4 }),
      "Invalid 'healthCheck.interval' setting for container 'api'. It must be between 5 and 300.",
    ],
    [
      'a health check interval of 301 s',
      health({ interval: 301 }),
      "Invalid 'healthCheck.interval' setting for container 'api'. It must be between 5 and 300.",
    ],
    [
      'a health check timeout of 1 s',
      health({ timeout: 1 }),
      "Invalid 'healthCheck.timeout' setting for container 'api'. It must be between 2 and 60.",
    ],
    [
      'a health check timeout of 61 s',
      health({ timeout: 61 }),
      "Invalid 'healthCheck.timeout' setting for container 'api'. It must be between 2 and 60.",
    ],
    [
      '0 health check retries',
      health({ retries: 0 }),
      "Invalid 'healthCheck.retries' setting for container 'api'. It must be between 1 and 10.",
    ],
    [
      '11 health check retries',
      health({ retries: 11 }),
      "Invalid 'healthCheck.retries' setting for container 'api'. It must be between 1 and 10.",
    ],
    [
      'a health check start period of 301 s',
      health({ startPeriod: 301 }),
      "Invalid 'healthCheck.startPeriod' setting for container 'api'. It must be between 0 and 300.",
    ],
    [
      'awslogs without an execution role',
      { executionRoleArn: undefined, containerDefinitions: [app({ image: 'nginx:1.27' })] },
      'Fargate requires task definition to have execution role ARN to support log driver awslogs.',
    ],
    [
      'awslogs without a stream prefix',
      logOptions({ 'awslogs-group': '/ecs/app', 'awslogs-region': 'us-east-1' }),
      'Fargate requires log configuration options to include awslogs-stream-prefix to support log driver awslogs.',
    ],
    [
      'awslogs without a group',
      logOptions({ 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'api' }),
      'Fargate requires log configuration options to include awslogs-group to support log driver awslogs.',
    ],
    [
      'awslogs without a region',
      logOptions({ 'awslogs-group': '/ecs/app', 'awslogs-stream-prefix': 'api' }),
      'Fargate requires log configuration options to include awslogs-region to support log driver awslogs.',
    ],
    [
      'an ECR image without an execution role',
      { executionRoleArn: undefined, containerDefinitions: [app({ logConfiguration: undefined })] },
      'Fargate requires task definition to have execution role ARN to support ECR images.',
    ],
    [
      'secrets without an execution role',
      {
        executionRoleArn: undefined,
        containerDefinitions: [
          app({
            image: 'nginx:1.27',
            logConfiguration: undefined,
            secrets: [
              { name: 'GEMINI_API_KEY', valueFrom: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:k' },
            ],
          }),
        ],
      },
      "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.",
    ],
    [
      'a secret valueFrom that is neither an ARN nor a parameter name',
      { containerDefinitions: [app({ secrets: [{ name: 'KEY', valueFrom: 'my secret' }] })] },
      'The Systems Manager parameter name specified for secret KEY is invalid. The parameter name can be up to 2048 characters and include the following letters and symbols: a-zA-Z0-9_.-,',
    ],
    [
      'an EC2 container without memory',
      {
        requiresCompatibilities: ['EC2'],
        networkMode: 'bridge',
        cpu: undefined,
        memory: undefined,
        containerDefinitions: [app({ portMappings: [] })],
      },
      "Invalid setting for container 'api'. At least one of 'memory' or 'memoryReservation' must be specified.",
    ],
  ];
  it.each(rejected)('rejects %s with ClientException', async (_case, overrides, message) => {
    await expect(ecs.send(new RegisterTaskDefinitionCommand(fargateTask(overrides)))).rejects.toMatchObject({
      name: 'ClientException',
      message,
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('services', () => {
  const createApi = (overrides: Record<string, unknown> = {}) =>
    ecs.send(
      new CreateServiceCommand({
        cluster: 'apps',
        serviceName: 'api',
        taskDefinition: 'iscoolgpt',
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } },
        tags: [{ key: 'app', value: 'iscoolgpt' }],
        ...overrides,
      }),
    );

  it('creates a service with its first deployment, AWS defaults, tasks and an event', async () => {
    const { service } = await createApi();
    expect(service).toMatchObject({
      serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/apps/api`,
      serviceName: 'api',
      clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/apps`,
      status: 'ACTIVE',
      desiredCount: 2,
      runningCount: 0,
      pendingCount: 2,
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      platformFamily: 'Linux',
      taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/iscoolgpt:2`,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: true, rollback: true },
        maximumPercent: 200,
        minimumHealthyPercent: 100,
      },
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: NETWORK.awsvpcConfiguration.subnets,
          securityGroups: NETWORK.awsvpcConfiguration.securityGroups,
          assignPublicIp: 'DISABLED',
        },
      },
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
    });
    const [deployment] = service!.deployments!;
    expect(deployment).toMatchObject({
      status: 'PRIMARY',
      desiredCount: 2,
      pendingCount: 2,
      runningCount: 0,
      failedTasks: 0,
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${deployment!.id} in progress.`,
    });
    expect(deployment!.id).toMatch(/^ecs-svc\/\d{19}$/);
    expect(service!.events).toHaveLength(1);
    expect(service!.events![0]!.message).toMatch(
      /^\(service api\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/,
    );

    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'apps', serviceName: 'api' }));
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'apps', tasks: taskArns }));
    expect(tasks).toHaveLength(2);
    for (const task of tasks!) {
      expect(task).toMatchObject({
        lastStatus: 'PROVISIONING',
        desiredStatus: 'RUNNING',
        group: 'service:api',
        startedBy: deployment!.id,
        launchType: 'FARGATE',
        cpu: '1024',
        memory: '3072',
        containers: [{ name: 'api', image: IMAGE, lastStatus: 'PENDING' }],
        attachments: [
          {
            type: 'ElasticNetworkInterface',
            details: [{ name: 'subnetId', value: NETWORK.awsvpcConfiguration.subnets[0] }],
          },
        ],
      });
    }
    const { clusters } = await ecs.send(new DescribeClustersCommand({ clusters: ['apps'] }));
    expect(clusters?.[0]).toMatchObject({ activeServicesCount: 1, pendingTasksCount: 2 });
  });

  it('refuses a second service of the same name, bad references and bad networking', async () => {
    await expect(createApi()).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Creation of service was not idempotent.',
    });
    await expect(createApi({ serviceName: 'x', cluster: 'nowhere' })).rejects.toMatchObject({
      name: 'ClusterNotFoundException',
      message: 'Cluster not found.',
    });
    await expect(createApi({ serviceName: 'x', taskDefinition: 'missing:1' })).rejects.toMatchObject({
      name: 'ClientException',
      message: 'TaskDefinition not found.',
    });
    await expect(createApi({ serviceName: 'x', networkConfiguration: undefined })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    });
    await expect(
      createApi({ serviceName: 'x', networkConfiguration: { awsvpcConfiguration: { subnets: [] } } }),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'subnets can not be empty.' });
    await expect(
      createApi({
        serviceName: 'x',
        loadBalancers: [{ targetGroupArn: 'tg', containerName: 'api', containerPort: 9090 }],
      }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The container api did not have a container port 9090 defined.',
    });
    const ec2Only = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'ec2-only',
        networkMode: 'awsvpc',
        containerDefinitions: [{ name: 'c', image: 'nginx', memory: 128 }],
      }),
    );
    await expect(
      createApi({ serviceName: 'x', taskDefinition: ec2Only.taskDefinition!.taskDefinitionArn }),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Task definition does not support launch_type FARGATE.',
    });
  });

  it('refuses subnets and security groups EC2 does not know, in ECS wording', async () => {
    const [subnet] = NETWORK.awsvpcConfiguration.subnets;
    const unknownSubnet = { awsvpcConfiguration: { subnets: [subnet!, 'subnet-0123456789abcdef0'] } };
    await expect(createApi({ serviceName: 'x', networkConfiguration: unknownSubnet })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: `Error retrieving subnet information for [${subnet}, subnet-0123456789abcdef0]: The subnet ID 'subnet-0123456789abcdef0' does not exist (ErrorCode: InvalidSubnetID.NotFound)`,
    });
    const unknownGroup = {
      awsvpcConfiguration: { subnets: [subnet!], securityGroups: ['sg-0123456789abcdef0'] },
    };
    await expect(createApi({ serviceName: 'x', networkConfiguration: unknownGroup })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message:
        "Error retrieving security group information for [sg-0123456789abcdef0]: The security group 'sg-0123456789abcdef0' does not exist (ErrorCode: InvalidGroup.NotFound)",
    });
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: 'apps',
          taskDefinition: 'iscoolgpt',
          launchType: 'FARGATE',
          networkConfiguration: unknownSubnet,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/^Error retrieving subnet information/),
    });
  });

  it('refuses cluster and service names that are empty, too long or not letters, digits, - and _', async () => {
    for (const serviceName of ['', 'a'.repeat(256), 'api.v2', 'api/x']) {
      await expect(createApi({ serviceName })).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: `Service must match ^[a-zA-Z0-9\\-_]{1,255}$, but was ${serviceName}`,
      });
    }
    await expect(ecs.send(new CreateClusterCommand({ clusterName: 'a b' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Cluster must match ^[a-zA-Z0-9\\-_]{1,255}$, but was a b',
    });
    const longest = 'a'.repeat(255);
    await expect(createApi({ serviceName: longest })).resolves.toMatchObject({
      service: { serviceName: longest },
    });
    await ecs.send(new DeleteServiceCommand({ cluster: 'apps', service: longest, force: true }));
  });

  it('bounds desiredCount as ECS does: not negative, at most the tasks-per-service quota (5,000)', async () => {
    for (const desiredCount of [-1, -2147483648]) {
      await expect(createApi({ serviceName: 'x', desiredCount })).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'desiredCount cannot be a negative number.',
      });
    }
    for (const desiredCount of [5001, 200_000, 2147483647]) {
      await expect(createApi({ serviceName: 'x', desiredCount })).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: 'Desired count exceeds limit.',
      });
      await expect(
        ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'api', desiredCount })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message: 'Desired count exceeds limit.' });
    }
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'apps', services: ['api', 'x'] }),
    );
    expect(services!.map((service) => [service.serviceName, service.desiredCount])).toEqual([['api', 2]]);
  });

  it('reports that EC2 services have nowhere to place tasks, as AWS does without instances', async () => {
    const { service } = await createApi({ serviceName: 'on-ec2', launchType: 'EC2', desiredCount: 1 });
    expect(service?.pendingCount).toBe(0);
    expect(service?.events?.[0]?.message).toBe(
      '(service on-ec2) was unable to place a task because no container instance met all of its requirements. ' +
        'Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.',
    );
  });

  it('starts a new PRIMARY deployment on a new task definition; scales on desiredCount alone', async () => {
    const scaled = await ecs.send(
      new UpdateServiceCommand({ cluster: 'apps', service: 'on-ec2', desiredCount: 0 }),
    );
    expect(scaled.service?.deployments).toHaveLength(1);

    await ecs.send(new RegisterTaskDefinitionCommand(fargateTask()));
    const { service } = await ecs.send(
      new UpdateServiceCommand({
        cluster: 'apps',
        service: 'api',
        taskDefinition: 'iscoolgpt',
        deploymentConfiguration: { minimumHealthyPercent: 50 },
      }),
    );
    expect(service?.taskDefinition).toMatch(/iscoolgpt:3$/);
    expect(service?.deploymentConfiguration).toEqual({
      deploymentCircuitBreaker: { enable: true, rollback: true },
      maximumPercent: 200,
      minimumHealthyPercent: 50,
    });
    expect(
      service?.deployments?.map((d) => [d.status, d.taskDefinition?.split('/')[1], d.desiredCount]),
    ).toEqual([
      ['PRIMARY', 'iscoolgpt:3', 2],
      ['ACTIVE', 'iscoolgpt:2', 2],
    ]);
    const forced = await ecs.send(
      new UpdateServiceCommand({ cluster: 'apps', service: 'api', forceNewDeployment: true }),
    );
    expect(forced.service?.deployments).toHaveLength(3);
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'ghost', desiredCount: 1 })),
    ).rejects.toMatchObject({ name: 'ServiceNotFoundException', message: 'Service not found.' });
  });

  it('describes and lists services, reporting missing ones as failures', async () => {
    const { services, failures } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'apps', services: ['api', 'ghost'], include: ['TAGS'] }),
    );
    expect(services?.[0]?.tags).toEqual([{ key: 'app', value: 'iscoolgpt' }]);
    expect(failures).toEqual([
      { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/apps/ghost`, reason: 'MISSING' },
    ]);
    const { serviceArns } = await ecs.send(
      new ListServicesCommand({ cluster: 'apps', launchType: 'FARGATE' }),
    );
    expect(serviceArns).toEqual([`arn:aws:ecs:us-east-1:${ACCOUNT}:service/apps/api`]);
  });

  it('keeps a cluster with services from being deleted', async () => {
    await expect(ecs.send(new DeleteClusterCommand({ cluster: 'apps' }))).rejects.toMatchObject({
      name: 'ClusterContainsServicesException',
      message: 'The Cluster cannot be deleted while Services are active.',
    });
  });

  it('deletes a service: refused above 0 without force; DRAINING, then INACTIVE', async () => {
    await createApi({ serviceName: 'doomed', desiredCount: 1 });
    await expect(
      ecs.send(new DeleteServiceCommand({ cluster: 'apps', service: 'doomed' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The service cannot be stopped while it is scaled above 0.',
    });
    const { service } = await ecs.send(
      new DeleteServiceCommand({ cluster: 'apps', service: 'doomed', force: true }),
    );
    expect(service).toMatchObject({ status: 'DRAINING', desiredCount: 0 });
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'apps', services: ['doomed'] }),
    );
    expect(services?.[0]).toMatchObject({ status: 'INACTIVE', pendingCount: 0 });
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'apps', serviceName: 'doomed', desiredStatus: 'STOPPED' }),
    );
    expect(stopped.taskArns).toHaveLength(1);
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'apps', service: 'doomed', desiredCount: 1 })),
    ).rejects.toMatchObject({ name: 'ServiceNotActiveException', message: 'Service was not ACTIVE.' });
    expect((await ecs.send(new ListServicesCommand({ cluster: 'apps' }))).serviceArns).not.toContain(
      service?.serviceArn,
    );
    // An INACTIVE service's name can be used again.
    const again = await createApi({ serviceName: 'doomed', desiredCount: 0 });
    expect(again.service?.status).toBe('ACTIVE');
  });
});

describe('tasks', () => {
  let runArns: string[] = [];

  it('runs tasks (recorded PROVISIONING, desired RUNNING) with tags', async () => {
    const job = await ecs.send(new RegisterTaskDefinitionCommand(fargateTask({ family: 'job' })));
    const { tasks, failures } = await ecs.send(
      new RunTaskCommand({
        cluster: 'apps',
        taskDefinition: job.taskDefinition!.taskDefinitionArn,
        count: 2,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        startedBy: 'nightly',
        tags: [{ key: 'job', value: 'nightly' }],
      }),
    );
    expect(failures).toEqual([]);
    expect(tasks).toHaveLength(2);
    expect(tasks?.[0]).toMatchObject({
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      group: 'family:job',
      startedBy: 'nightly',
      platformVersion: '1.4.0',
      healthStatus: 'UNKNOWN',
      tags: [{ key: 'job', value: 'nightly' }],
    });
    expect(tasks?.[0]?.taskArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:task\/apps\/[0-9a-f]{32}$/);
    runArns = tasks!.map((task) => task.taskArn!);
  });

  it('lists tasks by family, startedBy and desired status', async () => {
    const byFamily = await ecs.send(new ListTasksCommand({ cluster: 'apps', family: 'job' }));
    expect(byFamily.taskArns?.sort()).toEqual([...runArns].sort());
    const byStarter = await ecs.send(new ListTasksCommand({ cluster: 'apps', startedBy: 'nightly' }));
    expect(byStarter.taskArns).toHaveLength(2);
    await expect(
      ecs.send(new ListTasksCommand({ cluster: 'apps', serviceName: 'ghost' })),
    ).rejects.toMatchObject({ name: 'ServiceNotFoundException' });
  });

  it('stops a task: desired and last status STOPPED with the user reason', async () => {
    const id = runArns[0]!.split('/').pop()!;
    const { task } = await ecs.send(new StopTaskCommand({ cluster: 'apps', task: id, reason: 'done early' }));
    expect(task).toMatchObject({
      desiredStatus: 'STOPPED',
      lastStatus: 'STOPPED',
      stopCode: 'UserInitiated',
      stoppedReason: 'done early',
      containers: [{ lastStatus: 'STOPPED' }],
    });
    expect(task?.stoppedAt).toBeInstanceOf(Date);
    const stopped = await ecs.send(
      new ListTasksCommand({ cluster: 'apps', family: 'job', desiredStatus: 'STOPPED' }),
    );
    expect(stopped.taskArns).toEqual([runArns[0]]);
    const { tasks, failures } = await ecs.send(
      new DescribeTasksCommand({ cluster: 'apps', tasks: [id, 'ffffffffffffffffffffffffffffffff'] }),
    );
    expect(tasks?.[0]?.lastStatus).toBe('STOPPED');
    expect(failures).toEqual([
      {
        arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/apps/ffffffffffffffffffffffffffffffff`,
        reason: 'MISSING',
      },
    ]);
    await expect(
      ecs.send(new StopTaskCommand({ cluster: 'apps', task: 'ffffffffffffffffffffffffffffffff' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The referenced task was not found.',
    });
  });

  it('refuses tasks it could not place or reference', async () => {
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: 'apps',
          taskDefinition: 'job',
          launchType: 'EC2',
          networkConfiguration: NETWORK,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'No Container Instances were found in your cluster.',
    });
    await expect(
      ecs.send(new RunTaskCommand({ cluster: 'apps', taskDefinition: 'nope', launchType: 'FARGATE' })),
    ).rejects.toMatchObject({ name: 'ClientException', message: 'TaskDefinition not found.' });
    for (const count of [0, 11, 200_000]) {
      await expect(
        ecs.send(
          new RunTaskCommand({
            cluster: 'apps',
            taskDefinition: 'job',
            launchType: 'FARGATE',
            networkConfiguration: NETWORK,
            count,
          }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    }
  });

  it('keeps a cluster with live tasks from being deleted', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'busy' }));
    await ecs.send(
      new RunTaskCommand({
        cluster: 'busy',
        taskDefinition: 'job',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
      }),
    );
    await expect(ecs.send(new DeleteClusterCommand({ cluster: 'busy' }))).rejects.toMatchObject({
      name: 'ClusterContainsTasksException',
      message: 'The Cluster cannot be deleted while Tasks are active.',
    });
  });
});

describe('tags', () => {
  it('tags, untags and lists tags of clusters, services, task definitions and tasks', async () => {
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'apps', family: 'job' }));
    const arns = [
      `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/apps`,
      `arn:aws:ecs:us-east-1:${ACCOUNT}:service/apps/api`,
      `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/iscoolgpt:1`,
      taskArns![0]!,
    ];
    for (const resourceArn of arns) {
      await ecs.send(
        new TagResourceCommand({
          resourceArn,
          tags: [
            { key: 'owner', value: 'team' },
            { key: 'temp', value: '1' },
          ],
        }),
      );
      await ecs.send(new TagResourceCommand({ resourceArn, tags: [{ key: 'owner', value: 'platform' }] }));
      await ecs.send(new UntagResourceCommand({ resourceArn, tagKeys: ['temp'] }));
      const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn }));
      expect(tags?.find((tag) => tag.key === 'owner')).toEqual({ key: 'owner', value: 'platform' });
      expect(tags?.some((tag) => tag.key === 'temp')).toBe(false);
    }
    await expect(
      ecs.send(
        new ListTagsForResourceCommand({
          resourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/apps/ghost`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      ecs.send(
        new ListTagsForResourceCommand({ resourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/ghost` }),
      ),
    ).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });
});

describe('persistence', () => {
  it('keeps clusters, revisions, services with deployments and events, and tasks across a restart', async () => {
    const before = await ecs.send(new DescribeServicesCommand({ cluster: 'apps', services: ['api'] }));
    await t.stop();
    await t.restart();
    ecs.destroy();
    ecs = new ECSClient(t.clientConfig);
    const after = await ecs.send(new DescribeServicesCommand({ cluster: 'apps', services: ['api'] }));
    expect(after.services).toEqual(before.services);
    // The same settings start no deployment after a restart either (state is read back as
    // prototype-less objects, which must compare equal to a request's).
    const [api] = after.services ?? [];
    const { service } = await ecs.send(
      new UpdateServiceCommand({
        cluster: 'apps',
        service: 'api',
        taskDefinition: api?.taskDefinition,
        networkConfiguration: api?.networkConfiguration,
        loadBalancers: api?.loadBalancers,
      }),
    );
    expect(service?.deployments?.map((d) => d.id)).toEqual(api?.deployments?.map((d) => d.id));
    const { taskDefinition } = await ecs.send(new RegisterTaskDefinitionCommand(fargateTask()));
    expect(taskDefinition?.revision).toBe(4);
    expect((await ecs.send(new ListTasksCommand({ cluster: 'apps', family: 'job' }))).taskArns).toHaveLength(
      1,
    );
  });
});

describe.skipIf(!awsCliAvailable)('the real AWS CLI', () => {
  it('registers a task definition from --cli-input-json', async () => {
    const file = join(t.dataDir, 'task-definition.json');
    await writeFile(file, JSON.stringify(fargateTask({ family: 'from-cli' })));
    const { json } = await t.aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`]);
    expect(json).toMatchObject({ taskDefinition: { family: 'from-cli', revision: 1, status: 'ACTIVE' } });
  });

  it('reports AWS errors for an invalid task definition', async () => {
    const file = join(t.dataDir, 'bad-task-definition.json');
    await writeFile(file, JSON.stringify(fargateTask({ family: 'from-cli', cpu: '256', memory: '4096' })));
    await expect(
      t.aws(['ecs', 'register-task-definition', '--cli-input-json', `file://${file}`]),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'An error occurred (ClientException) when calling the RegisterTaskDefinition operation: No Fargate configuration exists',
      ),
    });
  });

  it('describes services and lists tasks', async () => {
    const { json } = await t.aws(['ecs', 'describe-services', '--cluster', 'apps', '--services', 'api']);
    const { services } = json as {
      services: Array<{ serviceName: string; deployments: Array<{ id: string }> }>;
    };
    expect(services[0]?.serviceName).toBe('api');
    expect(services[0]?.deployments[0]?.id).toMatch(/^ecs-svc\/\d{19}$/);
    const tasks = await t.aws(['ecs', 'list-tasks', '--cluster', 'apps', '--service-name', 'api']);
    expect((tasks.json as { taskArns: string[] }).taskArns.length).toBeGreaterThan(0);
  });

  it('refuses a desired count above the quota (aws ecs update-service)', async () => {
    const failure = await t
      .aws(['ecs', 'update-service', '--cluster', 'apps', '--service', 'api', '--desired-count', '200000'])
      .catch((error: { stderr: string }) => error);
    expect((failure as { stderr: string }).stderr).toContain(
      'An error occurred (InvalidParameterException) when calling the UpdateService operation: Desired count exceeds limit.',
    );
  });

  it('waits for a service with nothing to run to be stable', async () => {
    // Looked up again: the default VPC that only reads had seen was not saved across the restart above.
    const ec2 = new EC2Client(t.clientConfig);
    const { Subnets } = await ec2.send(new DescribeSubnetsCommand({}));
    ec2.destroy();
    await t.aws([
      'ecs',
      'create-service',
      '--cluster',
      'apps',
      '--service-name',
      'idle',
      '--task-definition',
      'iscoolgpt',
      '--desired-count',
      '0',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      `awsvpcConfiguration={subnets=[${Subnets![0]!.SubnetId}]}`,
    ]);
    const { stdout } = await t.aws([
      'ecs',
      'wait',
      'services-stable',
      '--cluster',
      'apps',
      '--services',
      'idle',
    ]);
    expect(stdout).toBe('');
  });
});

describe('lifecycle: the interface the scheduler drives', () => {
  const service = (): ServiceRecord => ({
    serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/apps/web`,
    serviceName: 'web',
    clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/apps`,
    status: 'ACTIVE',
    desiredCount: 1,
    launchType: 'FARGATE',
    taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:1`,
    deployments: [],
    events: [],
  });

  it('keeps the newest 100 events, newest first', () => {
    const web = service();
    for (let i = 0; i < 105; i++) recordServiceEvent(web, `event ${i}`, i);
    expect(web.events).toHaveLength(100);
    expect(web.events[0]).toMatchObject({ message: 'event 104', createdAt: 104 });
    expect(web.events[99]?.message).toBe('event 5');
  });

  it('words events and rollout reasons as ECS does', () => {
    expect(serviceEventMessages.steadyState('web')).toBe('(service web) has reached a steady state.');
    expect(serviceEventMessages.deploymentFailed('web', 'ecs-svc/1')).toBe(
      '(service web) (deployment ecs-svc/1) deployment failed: tasks failed to start.',
    );
    expect(serviceEventMessages.rollingBack('web', 'ecs-svc/1')).toBe(
      '(service web) rolling back to deployment ecs-svc/1.',
    );
    expect(rolloutReasons.completed('ecs-svc/1')).toBe('ECS deployment ecs-svc/1 completed.');
    expect(rolloutReasons.circuitBreakerRollback('ecs-svc/1')).toBe(
      'ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/1.',
    );
  });

  it('leaves stopping a task a runtime has started to that runtime, and drains services after it', () => {
    const state = initialEcsState();
    const web = service();
    const deployment = newDeployment(web, 0);
    web.deployments.push(deployment);
    state.services[web.serviceArn] = web;
    const td = {
      taskDefinitionArn: web.taskDefinition!,
      family: 'web',
      revision: 1,
      status: 'ACTIVE' as const,
    };
    state.taskDefinitions.web = [{ ...td, containerDefinitions: [{ name: 'web', image: 'web:1' }] }];
    const [task] = startServiceTasks(state, web, deployment, 1, state.taskDefinitions.web[0]!, 0);
    setTaskStatus(task!, 'RUNNING');
    web.status = 'DRAINING';
    requestTaskStop(task!, { stopCode: 'ServiceSchedulerInitiated', reason: 'scaling in' }, 1);
    expect(task).toMatchObject({ desiredStatus: 'STOPPED', lastStatus: 'RUNNING', version: 3 });
    settleDrainingService(state, web);
    expect(web.status).toBe('DRAINING');
    markTaskStopped(task!, 2);
    settleDrainingService(state, web);
    expect(web.status).toBe('INACTIVE');
  });
});
