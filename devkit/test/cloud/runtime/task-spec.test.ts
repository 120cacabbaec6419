/**
 * What Docker is asked to run for a task, without Docker: environment (Fargate's, the task
 * definition's, overrides, secrets), command, limits, health checks, ports, stopTimeout; and
 * where awslogs sends each container's lines.
 */
import { describe, expect, it } from 'vitest';
import { awslogsTarget } from '../../../src/cloud/runtime/awslogs.ts';
import { taskSpec, TaskStartError } from '../../../src/cloud/runtime/task-spec.ts';
import { AWS_TIMINGS, LOCAL_TIMINGS } from '../../../src/cloud/scheduler/facts.ts';
import type { TaskDefinitionRecord, TaskRecord } from '../../../src/cloud/services/ecs/state.ts';

const TASK_ARN = 'arn:aws:ecs:eu-west-1:000000000000:task/apps/0123456789abcdef0123456789abcdef';

const definition: TaskDefinitionRecord = {
  taskDefinitionArn: 'arn:aws:ecs:eu-west-1:000000000000:task-definition/web:4',
  family: 'web',
  revision: 4,
  status: 'ACTIVE',
  cpu: '512',
  memory: '1024',
  containerDefinitions: [
    {
      name: 'app',
      image: '127.0.0.1:4566/web:v4',
      environment: [
        { name: 'MODE', value: 'base' },
        { name: 'KEEP', value: 'yes' },
      ],
      secrets: [
        { name: 'API_KEY', valueFrom: 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:key-AbCdEf' },
      ],
      command: ['node', 'server.js'],
      portMappings: [
        { containerPort: 8080, protocol: 'tcp' },
        { containerPort: 5353, protocol: 'udp' },
      ],
      healthCheck: { command: ['CMD', 'node', 'probe.js'], interval: 30, retries: 5 },
      stopTimeout: 300,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': '/ecs/web',
          'awslogs-region': 'eu-west-1',
          'awslogs-stream-prefix': 'web',
        },
      },
    },
    { name: 'sidecar', image: 'sidecar:1', essential: false, memory: 64, cpu: 128 },
  ],
};

const task = {
  taskArn: TASK_ARN,
  clusterArn: 'arn:aws:ecs:eu-west-1:000000000000:cluster/apps',
  taskDefinitionArn: definition.taskDefinitionArn,
  lastStatus: 'PENDING',
  desiredStatus: 'RUNNING',
  containers: [],
  version: 1,
  cpu: '512',
  memory: '1024',
  overrides: { containerOverrides: [{ name: 'app', environment: [{ name: 'MODE', value: 'override' }] }] },
} satisfies TaskRecord;

const context = {
  region: 'eu-west-1',
  network: 'devkit-net',
  // AWS's timings: each check keeps the interval it defines.
  timings: AWS_TIMINGS,
  resolveSecret: (region: string, valueFrom: string) => `${region}|${valueFrom.split(':').pop()}`,
};

describe('task spec', () => {
  it('merges Fargate’s variables, the definition’s, the overrides and the secrets', () => {
    const [app] = taskSpec(task, definition, context).containers;
    expect(app!.environment).toEqual({
      AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      MODE: 'override',
      KEEP: 'yes',
      API_KEY: 'eu-west-1|key-AbCdEf',
    });
  });

  it('takes command, TCP ports, limits, the health check with ECS defaults, and caps stopTimeout at 120 s', () => {
    const spec = taskSpec(task, definition, context);
    expect(spec).toMatchObject({
      cluster: 'apps',
      family: 'web',
      revision: 4,
      cpuUnits: 512,
      memoryMiB: 1024,
    });
    const [app, sidecar] = spec.containers;
    expect(app).toMatchObject({
      essential: true,
      command: ['node', 'server.js'],
      ports: [8080],
      healthCheck: {
        command: ['CMD', 'node', 'probe.js'],
        intervalSeconds: 30,
        timeoutSeconds: 5,
        retries: 5,
        startPeriodSeconds: 0,
      },
      stopTimeoutSeconds: 120,
    });
    expect(sidecar).toMatchObject({
      essential: false,
      memoryMiB: 64,
      cpuUnits: 128,
      ports: [],
      stopTimeoutSeconds: 30,
    });
    expect(sidecar!.healthCheck).toBeUndefined();
  });

  it('lets the timings replace every health check interval', () => {
    const spec = taskSpec(task, definition, {
      ...context,
      timings: { ...LOCAL_TIMINGS, healthCheckIntervalSeconds: 1 },
    });
    expect(spec.containers[0]!.healthCheck!.intervalSeconds).toBe(1);
  });

  it('fails the start with the secret’s own error', () => {
    const failing = {
      ...context,
      resolveSecret: () => {
        throw new Error('ResourceInitializationError: unable to pull secrets or registry auth: nope');
      },
    };
    expect(() => taskSpec(task, definition, failing)).toThrow(TaskStartError);
    expect(() => taskSpec(task, definition, failing)).toThrow(/^ResourceInitializationError: /);
  });

  it('names awslogs streams prefix/container/task-id, in the region the options name', () => {
    expect(awslogsTarget(definition.containerDefinitions![0]!, TASK_ARN, 'us-east-1')).toEqual({
      region: 'eu-west-1',
      accountId: '000000000000',
      group: '/ecs/web',
      stream: 'web/app/0123456789abcdef0123456789abcdef',
      createGroup: false,
    });
    expect(awslogsTarget(definition.containerDefinitions![1]!, TASK_ARN, 'us-east-1')).toBeUndefined();
  });
});
