/**
 * ECS conformance, from the API reference's examples and error rules, through the real SDK and the
 * real AWS CLI: account settings (and the containerInsights default new clusters take), tags on
 * every resource with propagation and ECS's managed tags, capacity providers and strategies
 * (FARGATE / FARGATE_SPOT shares by base and weight), Service Connect namespaces, task scale-in
 * protection, deleting task definitions, ExecuteCommand's answers, and task sets' API (their
 * tasks on the real engine: test/cloud/runtime/task-sets.test.ts).
 */
import {
  CreateCapacityProviderCommand,
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteServiceCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
  DeleteAccountSettingCommand,
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ExecuteCommandCommand,
  DeleteCapacityProviderCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  GetTaskProtectionCommand,
  ListAccountSettingsCommand,
  ListTasksCommand,
  ListServicesByNamespaceCommand,
  ListTagsForResourceCommand,
  PutAccountSettingCommand,
  PutAccountSettingDefaultCommand,
  PutClusterCapacityProvidersCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  TagResourceCommand,
  UpdateCapacityProviderCommand,
  UpdateClusterCommand,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
  type SettingName,
} from '@aws-sdk/client-ecs';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TIMINGS, type TaskFact } from '../../../src/cloud/scheduler/facts.ts';
import { schedulerStep } from '../../../src/cloud/scheduler/step.ts';
import { insightsEnabled } from '../../../src/cloud/metrics/container-insights.ts';
import { shareOut } from '../../../src/cloud/services/ecs/capacity-strategy.ts';
import { initialEcsState, type EcsState } from '../../../src/cloud/services/ecs/state.ts';
import { runAwsCli } from '../aws-cli.ts';
import { awsCliAvailable, awsCliEnv, REGION, startTestCloud, type TestCloud } from '../harness.ts';

const ACCOUNT = '000000000000';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/deployer`;
const NETWORK = { awsvpcConfiguration: { subnets: [] as string[], securityGroups: [] as string[] } };

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
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: 'web',
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '256',
      memory: '512',
      containerDefinitions: [{ name: 'web', image: 'nginx:alpine', essential: true }],
      tags: [
        { key: 'team', value: 'platform' },
        { key: 'cost-center', value: '42' },
      ],
    }),
  );
});
afterAll(async () => {
  ecs.destroy();
  await t.dispose();
});

const ecsState = (): EcsState => t.cloud.store.slice('ecs', REGION, initialEcsState);

describe('account settings', () => {
  it('PutAccountSetting: the API reference example, for the caller (the root user here)', async () => {
    const { setting } = await ecs.send(
      new PutAccountSettingCommand({ name: 'serviceLongArnFormat', value: 'enabled' }),
    );
    expect(setting).toEqual({
      name: 'serviceLongArnFormat',
      value: 'enabled',
      principalArn: ROOT,
      type: 'user',
    });
  });

  it('PutAccountSetting for a named principal, and ListAccountSettings for it (own and effective)', async () => {
    const { setting } = await ecs.send(
      new PutAccountSettingCommand({ name: 'containerInsights', value: 'enhanced', principalArn: ROLE }),
    );
    expect(setting).toMatchObject({ name: 'containerInsights', value: 'enhanced', principalArn: ROLE });
    const own = await ecs.send(new ListAccountSettingsCommand({ principalArn: ROLE }));
    expect(own.settings).toEqual([
      { name: 'containerInsights', value: 'enhanced', principalArn: ROLE, type: 'user' },
    ]);
    const effective = await ecs.send(
      new ListAccountSettingsCommand({ principalArn: ROLE, effectiveSettings: true, maxResults: 10 }),
    );
    // The role's own setting, the account's (root's) where it has none, AWS's defaults otherwise.
    expect(effective.settings).toEqual(
      expect.arrayContaining([
        { name: 'containerInsights', value: 'enhanced', principalArn: ROLE, type: 'user' },
        { name: 'serviceLongArnFormat', value: 'enabled', principalArn: ROOT, type: 'user' },
        { name: 'awsvpcTrunking', value: 'disabled', principalArn: ROOT, type: 'user' },
      ]),
    );
    expect(effective.settings).toHaveLength(10);
    const rest = await ecs.send(
      new ListAccountSettingsCommand({
        principalArn: ROLE,
        effectiveSettings: true,
        nextToken: effective.nextToken,
      }),
    );
    expect(rest.nextToken).toBeUndefined();
    expect(rest.settings?.map((s) => s.name)).toEqual(['guardDutyActivate', 'defaultLogDriverMode']);
    expect(rest.settings?.[0]).toMatchObject({ value: 'off', type: 'aws_managed' });
  });

  it('filters by name and value; a value needs a name', async () => {
    const { settings } = await ecs.send(
      new ListAccountSettingsCommand({
        name: 'tagResourceAuthorization',
        value: 'on',
        effectiveSettings: true,
      }),
    );
    expect(settings).toEqual([
      { name: 'tagResourceAuthorization', value: 'on', principalArn: ROOT, type: 'user' },
    ]);
    const none = await ecs.send(
      new ListAccountSettingsCommand({
        name: 'tagResourceAuthorization',
        value: 'off',
        effectiveSettings: true,
      }),
    );
    expect(none.settings).toEqual([]);
    await expect(ecs.send(new ListAccountSettingsCommand({ value: 'on' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it("refuses values a setting does not take, with AWS's words", async () => {
    const refused: Array<[string, string]> = [
      ['serviceLongArnFormat', 'ENABLED'],
      ['containerInsights', 'on'],
      ['tagResourceAuthorization', 'enabled'],
      ['fargateTaskRetirementWaitPeriod', '5'],
      ['defaultLogDriverMode', 'fast'],
    ];
    for (const [name, value] of refused) {
      await expect(
        ecs.send(new PutAccountSettingDefaultCommand({ name: name as SettingName, value })),
      ).rejects.toMatchObject({ name: 'InvalidParameterException', message: "Invalid setting 'value'" });
    }
    await expect(
      ecs.send(new PutAccountSettingCommand({ name: 'notASetting' as SettingName, value: 'enabled' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining("Value 'notASetting' at 'name' failed to satisfy constraint"),
    });
    // GuardDuty manages this one; the Fargate retirement wait is the root user's to set.
    await expect(
      ecs.send(new PutAccountSettingCommand({ name: 'guardDutyActivate', value: 'on' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(
        new PutAccountSettingCommand({
          name: 'fargateTaskRetirementWaitPeriod',
          value: '14',
          principalArn: ROLE,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(
        new PutAccountSettingCommand({
          name: 'awsvpcTrunking',
          value: 'enabled',
          principalArn: 'arn:aws:iam::111111111111:root',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('the AWS CLI sets dualStackIPv6 and the Fargate retirement wait, lists and deletes them', async ({
    skip,
  }) => {
    if (!awsCliAvailable) skip();
    const put = await t.aws([
      'ecs',
      'put-account-setting-default',
      '--name',
      'dualStackIPv6',
      '--value',
      'enabled',
    ]);
    // The Debian CLI's older model has no `type` member yet: it shows the rest.
    expect(put.json).toEqual({ setting: { name: 'dualStackIPv6', value: 'enabled', principalArn: ROOT } });
    await t.aws([
      'ecs',
      'put-account-setting-default',
      '--name',
      'fargateTaskRetirementWaitPeriod',
      '--value',
      '14',
    ]);
    const listed = await t.aws([
      'ecs',
      'list-account-settings',
      '--name',
      'fargateTaskRetirementWaitPeriod',
      '--effective-settings',
    ]);
    expect(listed.json).toMatchObject({
      settings: [{ name: 'fargateTaskRetirementWaitPeriod', value: '14' }],
    });
    const deleted = await t.aws([
      'ecs',
      'delete-account-setting',
      '--name',
      'dualStackIPv6',
      '--principal-arn',
      ROOT,
    ]);
    expect(deleted.json).toMatchObject({
      setting: { name: 'dualStackIPv6', value: 'enabled', principalArn: ROOT },
    });
    const after = await ecs.send(
      new ListAccountSettingsCommand({ name: 'dualStackIPv6' as SettingName, effectiveSettings: true }),
    );
    expect(after.settings).toEqual([
      { name: 'dualStackIPv6', value: 'disabled', principalArn: ROOT, type: 'user' },
    ]);
  });

  it('DeleteAccountSetting: the principal falls back to the account default', async () => {
    const { setting } = await ecs.send(
      new DeleteAccountSettingCommand({ name: 'containerInsights', principalArn: ROLE }),
    );
    expect(setting).toMatchObject({ name: 'containerInsights', value: 'enhanced', principalArn: ROLE });
    const { settings } = await ecs.send(
      new ListAccountSettingsCommand({
        name: 'containerInsights',
        principalArn: ROLE,
        effectiveSettings: true,
      }),
    );
    expect(settings).toEqual([
      { name: 'containerInsights', value: 'disabled', principalArn: ROOT, type: 'user' },
    ]);
  });

  it('the containerInsights account default applies to clusters created without the setting', async () => {
    await ecs.send(new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'enabled' }));
    const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: 'insights-by-default' }));
    expect(cluster?.settings).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
    const explicit = await ecs.send(
      new CreateClusterCommand({
        clusterName: 'insights-off',
        settings: [{ name: 'containerInsights', value: 'disabled' }],
      }),
    );
    expect(explicit.cluster?.settings).toEqual([{ name: 'containerInsights', value: 'disabled' }]);
    // The Container Insights sampler reads the cluster's setting.
    expect(insightsEnabled(ecsState(), 'insights-by-default')).toBe(true);
    expect(insightsEnabled(ecsState(), 'insights-off')).toBe(false);
    await ecs.send(new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'disabled' }));
  });
});

describe('capacity providers and strategies', () => {
  it('describes the built-in FARGATE and FARGATE_SPOT', async () => {
    const { capacityProviders, failures } = await ecs.send(new DescribeCapacityProvidersCommand({}));
    expect(capacityProviders?.slice(0, 2)).toEqual([
      {
        capacityProviderArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE`,
        name: 'FARGATE',
        status: 'ACTIVE',
        type: 'FARGATE',
      },
      {
        capacityProviderArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE_SPOT`,
        name: 'FARGATE_SPOT',
        status: 'ACTIVE',
        type: 'FARGATE_SPOT',
      },
    ]);
    expect(failures).toEqual([]);
  });

  it('creates, describes, updates and deletes an Auto Scaling group provider (stored state)', async () => {
    const asg = `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:a1b2:autoScalingGroupName/workers`;
    const { capacityProvider } = await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'workers',
        autoScalingGroupProvider: {
          autoScalingGroupArn: asg,
          managedScaling: { status: 'ENABLED', targetCapacity: 90 },
        },
        tags: [{ key: 'tier', value: 'batch' }],
      }),
    );
    expect(capacityProvider).toEqual({
      capacityProviderArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/workers`,
      name: 'workers',
      status: 'ACTIVE',
      type: 'EC2_AUTOSCALING',
      autoScalingGroupProvider: {
        autoScalingGroupArn: asg,
        managedScaling: {
          status: 'ENABLED',
          targetCapacity: 90,
          minimumScalingStepSize: 1,
          maximumScalingStepSize: 10000,
          instanceWarmupPeriod: 300,
        },
        managedTerminationProtection: 'DISABLED',
        managedDraining: 'ENABLED',
      },
      tags: [{ key: 'tier', value: 'batch' }],
    });
    await expect(
      ecs.send(
        new CreateCapacityProviderCommand({
          name: 'workers',
          autoScalingGroupProvider: { autoScalingGroupArn: 'other' },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ClientException' });
    await expect(
      ecs.send(
        new CreateCapacityProviderCommand({
          name: 'workers-2',
          autoScalingGroupProvider: { autoScalingGroupArn: asg },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ClientException' });
    await expect(
      ecs.send(
        new CreateCapacityProviderCommand({
          name: 'fargate-mine',
          autoScalingGroupProvider: { autoScalingGroupArn: 'x' },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('prefixed'),
    });

    const updated = await ecs.send(
      new UpdateCapacityProviderCommand({
        name: 'workers',
        autoScalingGroupProvider: { managedScaling: { targetCapacity: 75 }, managedDraining: 'DISABLED' },
      }),
    );
    expect(updated.capacityProvider).toMatchObject({
      updateStatus: 'UPDATE_COMPLETE',
      autoScalingGroupProvider: {
        managedScaling: { status: 'ENABLED', targetCapacity: 75 },
        managedDraining: 'DISABLED',
      },
    });
    const described = await ecs.send(
      new DescribeCapacityProvidersCommand({ capacityProviders: ['workers', 'ghost'], include: ['TAGS'] }),
    );
    expect(described.capacityProviders?.[0]?.tags).toEqual([{ key: 'tier', value: 'batch' }]);
    expect(described.failures).toEqual([
      { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/ghost`, reason: 'MISSING' },
    ]);

    // In a cluster, it cannot go; once out of it, it can.
    await ecs.send(new CreateClusterCommand({ clusterName: 'ec2-cluster', capacityProviders: ['workers'] }));
    await expect(
      ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'workers' })),
    ).rejects.toMatchObject({
      name: 'ResourceInUseException',
    });
    await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'ec2-cluster',
        capacityProviders: [],
        defaultCapacityProviderStrategy: [],
      }),
    );
    const deleted = await ecs.send(
      new DeleteCapacityProviderCommand({ capacityProvider: capacityProvider!.capacityProviderArn! }),
    );
    expect(deleted.capacityProvider).toMatchObject({ name: 'workers', updateStatus: 'DELETE_IN_PROGRESS' });
    const gone = await ecs.send(new DescribeCapacityProvidersCommand({ capacityProviders: ['workers'] }));
    expect(gone.capacityProviders?.[0]).toMatchObject({
      status: 'INACTIVE',
      updateStatus: 'DELETE_COMPLETE',
    });
    await expect(
      ecs.send(new DeleteCapacityProviderCommand({ capacityProvider: 'FARGATE' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
  });

  it('PutClusterCapacityProviders sets the providers and the default strategy, checked as ECS checks them', async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'spot' }));
    const { cluster } = await ecs.send(
      new PutClusterCapacityProvidersCommand({
        cluster: 'spot',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [
          { capacityProvider: 'FARGATE', base: 1, weight: 1 },
          { capacityProvider: 'FARGATE_SPOT', weight: 3 },
        ],
      }),
    );
    expect(cluster).toMatchObject({
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', base: 0, weight: 3 },
      ],
    });
    await expect(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'spot',
          capacityProviders: ['FARGATE'],
          defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('not associated'),
    });
    await expect(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'spot',
          capacityProviders: ['FARGATE', 'nope'],
          defaultCapacityProviderStrategy: [],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(
        new PutClusterCapacityProvidersCommand({
          cluster: 'ghost',
          capacityProviders: [],
          defaultCapacityProviderStrategy: [],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });

  it('RunTask with the default strategy: the base on FARGATE, the rest shared 1:3 with FARGATE_SPOT', async () => {
    const { tasks } = await ecs.send(
      new RunTaskCommand({ cluster: 'spot', taskDefinition: 'web', count: 9, networkConfiguration: NETWORK }),
    );
    const names = tasks!.map((task) => task.capacityProviderName);
    expect(names.filter((n) => n === 'FARGATE')).toHaveLength(3);
    expect(names.filter((n) => n === 'FARGATE_SPOT')).toHaveLength(6);
    expect(names[0]).toBe('FARGATE');
    // Spot tasks are Fargate tasks.
    expect(new Set(tasks!.map((task) => task.launchType))).toEqual(new Set(['FARGATE']));
  });

  it('a launch type and a strategy together are refused, as are strategies off the cluster or without weight', async () => {
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: 'spot',
          taskDefinition: 'web',
          launchType: 'FARGATE',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
          networkConfiguration: NETWORK,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message:
        'Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.',
    });
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: 'insights-off',
          taskDefinition: 'web',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
          networkConfiguration: NETWORK,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('not associated'),
    });
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: 'spot',
          taskDefinition: 'web',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 0 }],
          networkConfiguration: NETWORK,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('no capacity providers with a weight value greater than zero'),
    });
  });

  it('a service on a strategy reports it; its tasks follow it; UpdateService moves it to another', async () => {
    const { service } = await ecs.send(
      new CreateServiceCommand({
        cluster: 'spot',
        serviceName: 'spotty',
        taskDefinition: 'web',
        desiredCount: 4,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
        networkConfiguration: NETWORK,
      }),
    );
    expect(service?.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
    expect(service?.launchType).toBeUndefined();
    const spotTasks = Object.values(ecsState().tasks).filter((task) => task.group === 'service:spotty');
    expect(spotTasks.map((task) => task.capacityProviderName)).toEqual(Array(4).fill('FARGATE_SPOT'));
    const updated = await ecs.send(
      new UpdateServiceCommand({
        cluster: 'spot',
        service: 'spotty',
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
      }),
    );
    expect(updated.service?.deployments?.[0]).toMatchObject({
      status: 'PRIMARY',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });
    await ecs.send(new UpdateServiceCommand({ cluster: 'spot', service: 'spotty', desiredCount: 0 }));
  });

  it('the AWS CLI: the API reference examples of PutClusterCapacityProviders and DescribeCapacityProviders', async ({
    skip,
  }) => {
    if (!awsCliAvailable) skip();
    await t.aws(['ecs', 'create-cluster', '--cluster-name', 'cli-spot']);
    const put = await t.aws([
      'ecs',
      'put-cluster-capacity-providers',
      '--cluster',
      'cli-spot',
      '--capacity-providers',
      'FARGATE',
      'FARGATE_SPOT',
      '--default-capacity-provider-strategy',
      'capacityProvider=FARGATE,weight=1',
      'capacityProvider=FARGATE_SPOT,weight=1',
    ]);
    expect(put.json).toMatchObject({
      cluster: {
        clusterName: 'cli-spot',
        capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
        defaultCapacityProviderStrategy: [
          { capacityProvider: 'FARGATE', weight: 1, base: 0 },
          { capacityProvider: 'FARGATE_SPOT', weight: 1, base: 0 },
        ],
      },
    });
    const described = await t.aws([
      'ecs',
      'describe-capacity-providers',
      '--capacity-providers',
      'FARGATE_SPOT',
    ]);
    expect(described.json).toMatchObject({
      capacityProviders: [{ name: 'FARGATE_SPOT', status: 'ACTIVE' }],
      failures: [],
    });
    const run = await t.aws([
      'ecs',
      'run-task',
      '--cluster',
      'cli-spot',
      '--task-definition',
      'web',
      '--count',
      '2',
      '--network-configuration',
      JSON.stringify(NETWORK),
    ]);
    const tasks = (run.json as { tasks: Array<{ capacityProviderName: string }> }).tasks;
    expect(tasks.map((task) => task.capacityProviderName)).toEqual(['FARGATE', 'FARGATE_SPOT']);
    await expect(
      t.aws([
        'ecs',
        'run-task',
        '--cluster',
        'cli-spot',
        '--task-definition',
        'web',
        '--launch-type',
        'FARGATE',
        '--capacity-provider-strategy',
        'capacityProvider=FARGATE,weight=1',
        '--network-configuration',
        JSON.stringify(NETWORK),
      ]),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'An error occurred (InvalidParameterException) when calling the RunTask operation: Specifying both a launch type and capacity provider strategy is not supported.',
      ),
    });
  });

  it('shares tasks by base, then by weight (the pure rule)', () => {
    const strategy = [
      { capacityProvider: 'FARGATE', base: 2, weight: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 1 },
    ];
    expect(shareOut(strategy, [], 6)).toEqual([
      'FARGATE',
      'FARGATE',
      'FARGATE',
      'FARGATE_SPOT',
      'FARGATE',
      'FARGATE_SPOT',
    ]);
    // Counting the tasks already placed: the base is met, the spot share is behind.
    expect(shareOut(strategy, ['FARGATE', 'FARGATE', 'FARGATE'], 2)).toEqual(['FARGATE_SPOT', 'FARGATE']);
    expect(
      shareOut(
        [
          { capacityProvider: 'FARGATE_SPOT', weight: 0 },
          { capacityProvider: 'FARGATE', weight: 2 },
        ],
        [],
        2,
      ),
    ).toEqual(['FARGATE', 'FARGATE']);
  });
});

describe('tags on every resource', () => {
  it('tasks carry the task definition tags (propagateTags) and ECS managed tags', async () => {
    const { tasks } = await ecs.send(
      new RunTaskCommand({
        cluster: 'spot',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        propagateTags: 'TASK_DEFINITION',
        enableECSManagedTags: true,
        tags: [{ key: 'team', value: 'jobs' }],
      }),
    );
    expect(tasks?.[0]?.tags).toEqual([
      { key: 'team', value: 'jobs' },
      { key: 'cost-center', value: '42' },
      { key: 'aws:ecs:clusterName', value: 'spot' },
    ]);
    await expect(
      ecs.send(
        new RunTaskCommand({
          cluster: 'spot',
          taskDefinition: 'web',
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
          propagateTags: 'SERVICE',
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it("a service's tasks carry the service's tags and aws:ecs:serviceName when asked", async () => {
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'spot',
        serviceName: 'tagged',
        taskDefinition: 'web',
        desiredCount: 1,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        propagateTags: 'SERVICE',
        enableECSManagedTags: true,
        tags: [{ key: 'app', value: 'tagged' }],
      }),
    );
    const task = Object.values(ecsState().tasks).find((candidate) => candidate.group === 'service:tagged')!;
    const { tasks } = await ecs.send(
      new DescribeTasksCommand({ cluster: 'spot', tasks: [task.taskArn], include: ['TAGS'] }),
    );
    expect(tasks?.[0]?.tags).toEqual([
      { key: 'app', value: 'tagged' },
      { key: 'aws:ecs:clusterName', value: 'spot' },
      { key: 'aws:ecs:serviceName', value: 'tagged' },
    ]);
    const plain = await ecs.send(new DescribeTasksCommand({ cluster: 'spot', tasks: [task.taskArn] }));
    expect(plain.tasks?.[0]?.tags).toBeUndefined();
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'spot', services: ['tagged'], include: ['TAGS'] }),
    );
    expect(services?.[0]).toMatchObject({
      propagateTags: 'SERVICE',
      enableECSManagedTags: true,
      tags: [{ key: 'app', value: 'tagged' }],
    });
  });

  it('tags capacity providers and clusters; refuses aws: keys and unknown resources', async () => {
    await ecs.send(
      new CreateCapacityProviderCommand({
        name: 'tagme',
        autoScalingGroupProvider: { autoScalingGroupArn: 'tagme-asg' },
      }),
    );
    const resourceArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/tagme`;
    await ecs.send(new TagResourceCommand({ resourceArn, tags: [{ key: 'k', value: 'v' }] }));
    expect((await ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags).toEqual([
      { key: 'k', value: 'v' },
    ]);
    await expect(
      ecs.send(new TagResourceCommand({ resourceArn, tags: [{ key: 'aws:mine', value: 'v' }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(
        new ListTagsForResourceCommand({
          resourceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const { clusters } = await ecs.send(
      new DescribeClustersCommand({ clusters: ['spot'], include: ['TAGS'] }),
    );
    expect(clusters?.[0]?.tags).toEqual([]);
  });
});

describe('Service Connect namespaces (no Cloud Map here)', () => {
  it('a cluster default namespace is created by name; services in it are listed across clusters', async () => {
    const { cluster } = await ecs.send(
      new CreateClusterCommand({ clusterName: 'mesh-a', serviceConnectDefaults: { namespace: 'internal' } }),
    );
    const namespaceArn = cluster?.serviceConnectDefaults?.namespace;
    expect(namespaceArn).toMatch(
      /^arn:aws:servicediscovery:us-east-1:000000000000:namespace\/ns-[a-z2-7]{16}$/,
    );
    await ecs.send(new CreateClusterCommand({ clusterName: 'mesh-b' }));
    const { cluster: updated } = await ecs.send(
      new UpdateClusterCommand({ cluster: 'mesh-b', serviceConnectDefaults: { namespace: namespaceArn! } }),
    );
    expect(updated?.serviceConnectDefaults?.namespace).toBe(namespaceArn);
    for (const [clusterName, serviceName] of [
      ['mesh-a', 'api'],
      ['mesh-b', 'worker'],
    ] as const) {
      await ecs.send(
        new CreateServiceCommand({
          cluster: clusterName,
          serviceName,
          taskDefinition: 'web',
          desiredCount: 0,
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
          serviceConnectConfiguration: { enabled: true },
        }),
      );
    }
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'mesh-a',
        serviceName: 'loner',
        taskDefinition: 'web',
        desiredCount: 0,
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
      }),
    );
    const byName = await ecs.send(new ListServicesByNamespaceCommand({ namespace: 'internal' }));
    expect(byName.serviceArns).toEqual([
      `arn:aws:ecs:us-east-1:${ACCOUNT}:service/mesh-a/api`,
      `arn:aws:ecs:us-east-1:${ACCOUNT}:service/mesh-b/worker`,
    ]);
    const byArn = await ecs.send(
      new ListServicesByNamespaceCommand({ namespace: namespaceArn!, maxResults: 1 }),
    );
    expect(byArn.serviceArns).toHaveLength(1);
    expect(byArn.nextToken).toBeDefined();
    const { services } = await ecs.send(
      new DescribeServicesCommand({ cluster: 'mesh-a', services: ['api'] }),
    );
    expect(services?.[0]?.deployments?.[0]?.serviceConnectConfiguration).toEqual({
      enabled: true,
      namespace: namespaceArn,
    });
    await expect(
      ecs.send(new ListServicesByNamespaceCommand({ namespace: 'elsewhere' })),
    ).rejects.toMatchObject({
      name: 'NamespaceNotFoundException',
    });
    await expect(
      ecs.send(
        new CreateServiceCommand({
          cluster: 'spot',
          serviceName: 'no-namespace',
          taskDefinition: 'web',
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
          serviceConnectConfiguration: { enabled: true },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('the AWS CLI lists services by namespace', async ({ skip }) => {
    if (!awsCliAvailable) skip();
    const { json } = await t.aws(['ecs', 'list-services-by-namespace', '--namespace', 'internal']);
    expect(json).toEqual({
      serviceArns: [
        `arn:aws:ecs:us-east-1:${ACCOUNT}:service/mesh-a/api`,
        `arn:aws:ecs:us-east-1:${ACCOUNT}:service/mesh-b/worker`,
      ],
    });
  });
});

describe('task scale-in protection', () => {
  it.skipIf(!awsCliAvailable)(
    'a protected service task is not stopped by scale-in; standalone and unknown tasks are failures',
    async () => {
      await ecs.send(new CreateClusterCommand({ clusterName: 'protect' }));
      await ecs.send(
        new CreateServiceCommand({
          cluster: 'protect',
          serviceName: 'api',
          taskDefinition: 'web',
          desiredCount: 2,
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
        }),
      );
      const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'protect', serviceName: 'api' }));
      expect(taskArns).toHaveLength(2);
      const [kept, other] = taskArns!;
      const { json } = await t.aws([
        'ecs',
        'update-task-protection',
        '--cluster',
        'protect',
        '--tasks',
        kept!,
        '--protection-enabled',
        '--expires-in-minutes',
        '60',
      ]);
      const updated = json as { protectedTasks: Array<{ taskArn: string; protectionEnabled: boolean }> };
      expect(updated.protectedTasks).toMatchObject([{ taskArn: kept, protectionEnabled: true }]);
      await ecs.send(new UpdateServiceCommand({ cluster: 'protect', service: 'api', desiredCount: 0 }));
      const { tasks } = await ecs.send(
        new DescribeTasksCommand({ cluster: 'protect', tasks: [kept!, other!] }),
      );
      expect(tasks!.map((task) => [task.taskArn, task.desiredStatus])).toEqual([
        [kept, 'RUNNING'],
        [other, 'STOPPED'],
      ]);
      const { taskArns: standalone } = await ecs
        .send(
          new RunTaskCommand({
            cluster: 'protect',
            taskDefinition: 'web',
            launchType: 'FARGATE',
            networkConfiguration: NETWORK,
          }),
        )
        .then((r) => ({ taskArns: r.tasks!.map((task) => task.taskArn!) }));
      const got = await ecs.send(
        new GetTaskProtectionCommand({ cluster: 'protect', tasks: [kept!, standalone[0]!, 'no-such-task'] }),
      );
      expect(got.protectedTasks).toHaveLength(1);
      expect(got.protectedTasks![0]).toMatchObject({ taskArn: kept, protectionEnabled: true });
      const expires = got.protectedTasks![0]!.expirationDate!.getTime() - Date.now();
      expect(expires).toBeGreaterThan(50 * 60_000);
      expect(expires).toBeLessThanOrEqual(60 * 60_000);
      expect(got.failures).toMatchObject([
        { arn: standalone[0], reason: 'TASK_NOT_VALID' },
        { arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task/protect/no-such-task`, reason: 'MISSING' },
      ]);
      // Cleared, the next scale-in stops it.
      await ecs.send(
        new UpdateTaskProtectionCommand({ cluster: 'protect', tasks: [kept!], protectionEnabled: false }),
      );
      await ecs.send(new UpdateServiceCommand({ cluster: 'protect', service: 'api', desiredCount: 1 }));
      await ecs.send(new UpdateServiceCommand({ cluster: 'protect', service: 'api', desiredCount: 0 }));
      const after = await ecs.send(new DescribeTasksCommand({ cluster: 'protect', tasks: [kept!] }));
      expect(after.tasks![0]!.desiredStatus).toBe('STOPPED');
    },
  );

  it('refuses what AWS refuses: expiry beyond 48 h, more than 10 tasks, an unknown cluster', async () => {
    await expect(
      ecs.send(
        new UpdateTaskProtectionCommand({
          cluster: 'protect',
          tasks: ['x'],
          protectionEnabled: true,
          expiresInMinutes: 2881,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(
        new UpdateTaskProtectionCommand({
          cluster: 'protect',
          tasks: Array(11).fill('x'),
          protectionEnabled: true,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(
      ecs.send(new GetTaskProtectionCommand({ cluster: 'nowhere', tasks: ['x'] })),
    ).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });
});

describe('DeleteTaskDefinitions', () => {
  it('moves INACTIVE revisions to DELETE_IN_PROGRESS; ACTIVE and unknown ones are failures', async () => {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'gone',
        containerDefinitions: [{ name: 'app', image: 'nginx:alpine', memory: 128 }],
      }),
    );
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'gone',
        containerDefinitions: [{ name: 'app', image: 'nginx:alpine', memory: 128 }],
      }),
    );
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'gone:1' }));
    const deleted = await ecs.send(
      new DeleteTaskDefinitionsCommand({ taskDefinitions: ['gone:1', 'gone:2', 'gone:9'] }),
    );
    expect(deleted.taskDefinitions).toMatchObject([
      { taskDefinitionArn: taskDefinition!.taskDefinitionArn, status: 'DELETE_IN_PROGRESS' },
    ]);
    expect(deleted.taskDefinitions![0]!.deleteRequestedAt).toBeInstanceOf(Date);
    expect(deleted.failures).toEqual([
      {
        arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/gone:2`,
        reason:
          'The specified task definition is still in ACTIVE status. Please deregister the target and try again.',
      },
      { arn: 'gone:9', reason: 'The specified task definition does not exist.' },
    ]);
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'gone:1' }));
    expect(described.taskDefinition?.status).toBe('DELETE_IN_PROGRESS');
    await expect(
      ecs.send(new RunTaskCommand({ taskDefinition: 'gone:1', cluster: 'protect', launchType: 'FARGATE' })),
    ).rejects.toMatchObject({ name: 'ClientException', message: 'TaskDefinition is inactive' });
    await expect(
      ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: Array(11).fill('gone:1') })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });
});

describe('ExecuteCommand (no SSM here)', () => {
  /** What the runtime would say of the tasks made RUNNING here (a task it knows nothing of is stopped). */
  const running = new Map<string, TaskFact>();
  /** Runs a task of `web` and steps the scheduler as the runtime would until it is RUNNING. */
  async function runningTask(enableExecuteCommand: boolean): Promise<string> {
    const { tasks } = await ecs.send(
      new RunTaskCommand({
        cluster: 'exec',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        enableExecuteCommand,
      }),
    );
    const taskArn = tasks![0]!.taskArn!;
    const up: TaskFact = {
      phase: 'up',
      containers: [{ name: 'web', runtimeId: 'c0ffee', running: true, hostPorts: {} }],
    };
    const state = ecsState();
    for (let i = 0; i < 5 && state.tasks[taskArn]!.lastStatus !== 'RUNNING'; i++) {
      if (state.tasks[taskArn]!.lastStatus !== 'PROVISIONING') running.set(taskArn, up);
      schedulerStep({ state, facts: running, targets: new Map(), now: Date.now(), timings: LOCAL_TIMINGS });
    }
    expect(state.tasks[taskArn]!.lastStatus).toBe('RUNNING');
    return taskArn;
  }

  let enabled: string;
  let containerName: string;
  beforeAll(async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'exec' }));
    enabled = await runningTask(true);
    const revision = ecsState().tasks[enabled]!.taskDefinitionArn.split(':').pop();
    containerName = `ecs-web-${revision}-web-${enabled.split('/').pop()}`;
  });

  it('a task run with execute command enabled: TargetNotConnectedException, pointing to docker exec', async () => {
    const call = ecs.send(
      new ExecuteCommandCommand({ cluster: 'exec', task: enabled, command: '/bin/sh', interactive: true }),
    );
    await expect(call).rejects.toMatchObject({
      name: 'TargetNotConnectedException',
      message: expect.stringContaining(`docker exec -it ${containerName} /bin/sh`),
    });
    await expect(call).rejects.toThrow(/no SSM agent/);
  });

  it('refuses what AWS refuses first: not interactive, execute command not enabled, an unknown task or container', async () => {
    const disabled = await runningTask(false);
    const exec = (input: Partial<ConstructorParameters<typeof ExecuteCommandCommand>[0]>) =>
      ecs.send(
        new ExecuteCommandCommand({
          cluster: 'exec',
          task: enabled,
          command: 'ls',
          interactive: true,
          ...input,
        }),
      );
    await expect(exec({ interactive: false })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'Interactive is the only mode supported currently.',
    });
    await expect(exec({ task: disabled })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringMatching(/^The execute command failed because execute command was not enabled/),
    });
    await expect(exec({ task: 'no-such-task' })).rejects.toMatchObject({ name: 'InvalidParameterException' });
    await expect(exec({ container: 'sidecar' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'The container sidecar does not exist in the task.',
    });
    await expect(exec({ cluster: 'nowhere' })).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
  });

  // The CLI runs session-manager-plugin before it calls the API (to be sure it can join the session).
  // The plugin is not packaged for Debian and cannot be fetched offline: an empty one that exits 0
  // stands in, so the CLI goes on to the call and prints ECS's answer.
  it.skipIf(!awsCliAvailable)('the AWS CLI prints the TargetNotConnectedException', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'ssm-plugin-'));
    try {
      await writeFile(join(bin, 'session-manager-plugin'), '#!/bin/sh\nexit 0\n');
      await chmod(join(bin, 'session-manager-plugin'), 0o755);
      const env = awsCliEnv();
      const cli = runAwsCli(
        [
          '--endpoint-url',
          t.cloud.url,
          'ecs',
          'execute-command',
          '--cluster',
          'exec',
          '--task',
          enabled.split('/').pop()!,
          '--command',
          'env',
          '--interactive',
        ],
        { env: { ...env, PATH: `${bin}:${env.PATH}` } },
      );
      await expect(cli).rejects.toMatchObject({
        stderr: expect.stringContaining(
          'An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: ',
        ),
      });
      await expect(cli).rejects.toMatchObject({
        stderr: expect.stringContaining(`docker exec -it ${containerName} env`),
      });
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});

describe('task sets (EXTERNAL deployment controller)', () => {
  const svc = { cluster: 'ext', service: 'api' };
  beforeAll(async () => {
    await ecs.send(new CreateClusterCommand({ clusterName: 'ext' }));
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'ext',
        serviceName: 'api',
        desiredCount: 3,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
  });

  it("CreateService with EXTERNAL refuses task-set-level settings in AWS's words", async () => {
    const create = (extra: object) =>
      ecs.send(
        new CreateServiceCommand({
          cluster: 'ext',
          serviceName: 'refused',
          deploymentController: { type: 'EXTERNAL' },
          ...extra,
        }),
      );
    await expect(create({ taskDefinition: 'web' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'TaskDefinition must be blank.',
    });
    await expect(create({ networkConfiguration: NETWORK })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: 'NetworkConfiguration must be null.',
    });
  });

  it('an EXTERNAL service: no deployment, no task set, no task until one is created', async () => {
    const { services } = await ecs.send(new DescribeServicesCommand({ ...svc, services: ['api'] }));
    expect(services![0]).toMatchObject({
      deploymentController: { type: 'EXTERNAL' },
      desiredCount: 3,
      deployments: [],
      taskSets: [],
      runningCount: 0,
    });
    expect(services![0]!.taskDefinition).toBeUndefined();
  });

  it('CreateTaskSet: ACTIVE, its scale a percent of desiredCount rounded up, its tasks started', async () => {
    const { taskSet } = await ecs.send(
      new CreateTaskSetCommand({
        ...svc,
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        scale: { value: 50, unit: 'PERCENT' },
        externalId: 'blue',
        tags: [{ key: 'color', value: 'blue' }],
      }),
    );
    expect(taskSet).toMatchObject({
      taskSetArn: expect.stringMatching(
        new RegExp(`^arn:aws:ecs:us-east-1:${ACCOUNT}:task-set/ext/api/ecs-svc/\\d{19}$`),
      ),
      serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/ext/api`,
      clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/ext`,
      externalId: 'blue',
      status: 'ACTIVE',
      // 3 × 50 % = 1.5, rounded up.
      computedDesiredCount: 2,
      // Recorded PROVISIONING for the runtime to start: pending, as AWS counts them.
      pendingCount: 2,
      runningCount: 0,
      launchType: 'FARGATE',
      scale: { value: 50, unit: 'PERCENT' },
      stabilityStatus: 'STABILIZING',
      tags: [{ key: 'color', value: 'blue' }],
    });
    expect(taskSet!.id).toMatch(/^ecs-svc\/\d{19}$/);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'ext', serviceName: 'api' }));
    expect(taskArns).toHaveLength(2);
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'ext', tasks: taskArns! }));
    expect(tasks!.map((task) => [task.group, task.startedBy])).toEqual([
      ['service:api', taskSet!.id],
      ['service:api', taskSet!.id],
    ]);
  });

  it("UpdateTaskSet scales; UpdateServicePrimaryTaskSet makes it PRIMARY and its settings the service's", async () => {
    const [blue] = (await ecs.send(new DescribeTaskSetsCommand(svc))).taskSets!;
    const { taskSet } = await ecs.send(
      new UpdateTaskSetCommand({ ...svc, taskSet: blue!.taskSetArn!, scale: { value: 10, unit: 'PERCENT' } }),
    );
    // 3 × 10 % = 0.3: still one task.
    expect(taskSet).toMatchObject({ computedDesiredCount: 1, scale: { value: 10, unit: 'PERCENT' } });
    const primary = await ecs.send(
      new UpdateServicePrimaryTaskSetCommand({ ...svc, primaryTaskSet: blue!.id! }),
    );
    expect(primary.taskSet).toMatchObject({ id: blue!.id, status: 'PRIMARY' });
    const { services } = await ecs.send(new DescribeServicesCommand({ ...svc, services: ['api'] }));
    expect(services![0]).toMatchObject({
      taskDefinition: blue!.taskDefinition,
      launchType: 'FARGATE',
      networkConfiguration: NETWORK,
      deployments: [],
      taskSets: [{ id: blue!.id, status: 'PRIMARY', computedDesiredCount: 1 }],
    });
    // Task sets take tags like any ECS resource.
    await ecs.send(
      new TagResourceCommand({ resourceArn: blue!.taskSetArn!, tags: [{ key: 'stage', value: 'prod' }] }),
    );
    const { tags } = await ecs.send(new ListTagsForResourceCommand({ resourceArn: blue!.taskSetArn! }));
    expect(tags).toEqual([
      { key: 'color', value: 'blue' },
      { key: 'stage', value: 'prod' },
    ]);
    const tagged = await ecs.send(new DescribeTaskSetsCommand({ ...svc, include: ['TAGS'] }));
    expect(tagged.taskSets![0]!.tags).toEqual(tags);
    // A desired count scales every task set by its share.
    await ecs.send(new UpdateServiceCommand({ ...svc, desiredCount: 10 }));
    const after = await ecs.send(new DescribeTaskSetsCommand({ ...svc, taskSets: [blue!.id!] }));
    expect(after.taskSets![0]!.computedDesiredCount).toBe(1);
    await ecs.send(new UpdateTaskSetCommand({ ...svc, taskSet: blue!.id!, scale: { value: 70 } }));
    const scaled = await ecs.send(new DescribeTaskSetsCommand({ ...svc, taskSets: [blue!.id!] }));
    // 10 × 70 % is 7 exactly (not 8, whatever floating point makes of it).
    expect(scaled.taskSets![0]!.computedDesiredCount).toBe(7);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'ext', serviceName: 'api' }));
    expect(taskArns).toHaveLength(7);
  });

  it('errors as AWS names them: other controllers, unknown services and task sets, scale out of 0-100', async () => {
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'ext',
        serviceName: 'rolling',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
      }),
    );
    const create = (input: Partial<ConstructorParameters<typeof CreateTaskSetCommand>[0]>) =>
      ecs.send(
        new CreateTaskSetCommand({
          ...svc,
          taskDefinition: 'web',
          launchType: 'FARGATE',
          networkConfiguration: NETWORK,
          ...input,
        }),
      );
    await expect(create({ service: 'rolling' })).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('uses the ECS deployment controller'),
    });
    await expect(ecs.send(new DescribeTaskSetsCommand({ ...svc, service: 'rolling' }))).rejects.toMatchObject(
      {
        name: 'InvalidParameterException',
      },
    );
    await expect(create({ service: 'nothing' })).rejects.toMatchObject({ name: 'ServiceNotFoundException' });
    await expect(create({ cluster: 'nowhere' })).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
    await expect(create({ scale: { value: 101, unit: 'PERCENT' } })).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    await expect(create({ taskDefinition: 'no-such-family' })).rejects.toMatchObject({
      name: 'ClientException',
    });
    for (const command of [
      new UpdateTaskSetCommand({ ...svc, taskSet: 'ecs-svc/1', scale: { value: 1 } }),
      new DeleteTaskSetCommand({ ...svc, taskSet: 'ecs-svc/1' }),
      new UpdateServicePrimaryTaskSetCommand({ ...svc, primaryTaskSet: 'ecs-svc/1' }),
    ]) {
      await expect(ecs.send(command as never)).rejects.toMatchObject({ name: 'TaskSetNotFoundException' });
    }
    const described = await ecs.send(new DescribeTaskSetsCommand({ ...svc, taskSets: ['ecs-svc/1'] }));
    expect(described).toMatchObject({ taskSets: [], failures: [{ arn: 'ecs-svc/1', reason: 'MISSING' }] });
    await expect(ecs.send(new UpdateServiceCommand({ ...svc, taskDefinition: 'web' }))).rejects.toMatchObject(
      {
        name: 'InvalidParameterException',
        message: expect.stringContaining('create a task set instead'),
      },
    );
  });

  it('DeleteTaskSet needs force while scaled above 0; it drains, then is gone (MISSING)', async () => {
    const [blue] = (await ecs.send(new DescribeTaskSetsCommand(svc))).taskSets!;
    await expect(ecs.send(new DeleteTaskSetCommand({ ...svc, taskSet: blue!.id! }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    });
    const { taskSet } = await ecs.send(new DeleteTaskSetCommand({ ...svc, taskSet: blue!.id!, force: true }));
    expect(taskSet).toMatchObject({ id: blue!.id, status: 'DRAINING', computedDesiredCount: 0 });
    await expect(
      ecs.send(new UpdateTaskSetCommand({ ...svc, taskSet: blue!.id!, scale: { value: 5 } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
    // Its tasks had not started (no runtime here): they stop at once, and the next step removes it.
    schedulerStep({
      state: ecsState(),
      facts: new Map(),
      targets: new Map(),
      now: Date.now(),
      timings: LOCAL_TIMINGS,
    });
    const described = await ecs.send(new DescribeTaskSetsCommand({ ...svc, taskSets: [blue!.id!] }));
    expect(described.failures).toEqual([{ arn: blue!.id, reason: 'MISSING' }]);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'ext', serviceName: 'api' }));
    expect(taskArns).toEqual([]);
  });

  it('DeleteService with force drains an EXTERNAL service and its task sets', async () => {
    await ecs.send(
      new CreateTaskSetCommand({
        ...svc,
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
      }),
    );
    const { service } = await ecs.send(new DeleteServiceCommand({ ...svc, force: true }));
    // AWS's answer says DRAINING; with no task started, the service is INACTIVE right after.
    expect(service).toMatchObject({
      status: 'DRAINING',
      desiredCount: 0,
      taskSets: [{ computedDesiredCount: 0 }],
    });
    const { services } = await ecs.send(new DescribeServicesCommand({ ...svc, services: ['api'] }));
    expect(services![0]!.status).toBe('INACTIVE');
    await expect(ecs.send(new DescribeTaskSetsCommand(svc))).rejects.toMatchObject({
      name: 'ServiceNotActiveException',
    });
  });

  it.skipIf(!awsCliAvailable)('the AWS CLI creates and describes a task set', async () => {
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'ext',
        serviceName: 'cli',
        desiredCount: 0,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const created = await t.aws([
      'ecs',
      'create-task-set',
      '--cluster',
      'ext',
      '--service',
      'cli',
      '--task-definition',
      'web',
      '--launch-type',
      'FARGATE',
      '--network-configuration',
      JSON.stringify(NETWORK),
      '--scale',
      'value=25,unit=PERCENT',
    ]);
    const { taskSet } = created.json as { taskSet: { id: string; status: string; scale: object } };
    expect(taskSet).toMatchObject({ status: 'ACTIVE', scale: { value: 25, unit: 'PERCENT' } });
    const { json } = await t.aws(['ecs', 'describe-task-sets', '--cluster', 'ext', '--service', 'cli']);
    expect(json).toMatchObject({ taskSets: [{ id: taskSet.id, computedDesiredCount: 0 }], failures: [] });
  });

  it("CODE_DEPLOY: one PRIMARY task set of the service's settings; CodeDeploy's to change", async () => {
    const loadBalancers = [
      {
        targetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/blue/0123456789abcdef`,
        containerName: 'web',
        containerPort: 80,
      },
    ];
    const base = {
      cluster: 'ext',
      serviceName: 'codedeploy',
      taskDefinition: 'web',
      launchType: 'FARGATE' as const,
      networkConfiguration: NETWORK,
      desiredCount: 2,
      deploymentController: { type: 'CODE_DEPLOY' as const },
    };
    await expect(ecs.send(new CreateServiceCommand(base))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('requires an Application Load Balancer or Network Load Balancer'),
    });
    await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'web-port',
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: 'nginx:alpine', portMappings: [{ containerPort: 80 }] }],
      }),
    );
    const { service } = await ecs.send(
      new CreateServiceCommand({ ...base, taskDefinition: 'web-port', loadBalancers }),
    );
    expect(service).toMatchObject({
      deploymentController: { type: 'CODE_DEPLOY' },
      deployments: [],
      loadBalancers,
      taskSets: [
        {
          status: 'PRIMARY',
          taskDefinition: service!.taskDefinition,
          scale: { value: 100, unit: 'PERCENT' },
          computedDesiredCount: 2,
          loadBalancers,
        },
      ],
    });
    const { taskSets } = await ecs.send(
      new DescribeTaskSetsCommand({ cluster: 'ext', service: 'codedeploy' }),
    );
    expect(taskSets).toHaveLength(1);
    await expect(
      ecs.send(
        new CreateTaskSetCommand({ cluster: 'ext', service: 'codedeploy', taskDefinition: 'web-port' }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('uses the CODE_DEPLOY deployment controller'),
    });
    await expect(
      ecs.send(new UpdateServiceCommand({ cluster: 'ext', service: 'codedeploy', taskDefinition: 'web' })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message:
        'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.',
    });
    const scaled = await ecs.send(
      new UpdateServiceCommand({ cluster: 'ext', service: 'codedeploy', desiredCount: 3 }),
    );
    expect(scaled.service!.taskSets![0]!.computedDesiredCount).toBe(3);
  });

  // Last in the file: the cloud restarts on the same data directory.
  it('task sets are kept: a restarted cloud describes the same ones, primary and all', async () => {
    await ecs.send(
      new CreateServiceCommand({
        cluster: 'ext',
        serviceName: 'kept',
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const { taskSet } = await ecs.send(
      new CreateTaskSetCommand({
        cluster: 'ext',
        service: 'kept',
        taskDefinition: 'web',
        launchType: 'FARGATE',
        networkConfiguration: NETWORK,
        scale: { value: 40, unit: 'PERCENT' },
      }),
    );
    await ecs.send(
      new UpdateServicePrimaryTaskSetCommand({
        cluster: 'ext',
        service: 'kept',
        primaryTaskSet: taskSet!.taskSetArn!,
      }),
    );
    await t.stop();
    await t.restart();
    ecs.destroy();
    ecs = new ECSClient(t.clientConfig);
    const { taskSets } = await ecs.send(new DescribeTaskSetsCommand({ cluster: 'ext', service: 'kept' }));
    expect(taskSets).toMatchObject([
      { taskSetArn: taskSet!.taskSetArn, status: 'PRIMARY', scale: { value: 40, unit: 'PERCENT' } },
    ]);
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'ext', services: ['kept'] }));
    expect(services![0]).toMatchObject({ taskDefinition: taskSet!.taskDefinition, deployments: [] });
  });
});
